"""The audit trail: who collected, consulted, altered or disclosed what, for which purpose.

Owns the audit log (:mod:`log`): its own SQLite file beside the cache
(``incident.db`` → ``incident.audit.db``), so purging items never rewrites it, written
append-only as a hash chain (each entry's SHA-256 covers the one before), verified,
and exported as JSON lines that ``scripts/verify_audit.py`` checks with the standard
library alone. The format and the hash are in docs/AUDIT.md.

May import: :mod:`desktop.core`. No Qt.
"""

from desktop.audit.log import (ACTIONS, GENESIS, AuditError, AuditLog, Entry, VerifyResult, audit_path, canonical,
                               entry_hash, reconcile, verify_entries)

__all__ = ["ACTIONS", "GENESIS", "AuditError", "AuditLog", "Entry", "VerifyResult", "audit_path", "canonical",
           "entry_hash", "reconcile", "verify_entries"]
