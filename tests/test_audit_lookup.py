"""The audit file's item index (desktop.audit.lookup) and the window session's audit
entries (desktop.session.audit), without Qt."""

from __future__ import annotations

from desktop.audit import AuditLog
from desktop.audit.lookup import ItemLookup, covers, ranges_of
from desktop.core.filters import Filter
from desktop.session import Session
from desktop.session.audit import SessionAudit


def test_ranges_of_reads_ids_ranges_and_erasures_and_ignores_counts():
    assert ranges_of({"items": [3, [10, 12], [20, 18]]}) == [(3, 3), (10, 12), (18, 20)]
    assert ranges_of({"items": 4, "ids": [[1, 4]]}) == [(1, 4)]  # an erasure: a count and its ranges
    assert ranges_of({"filter": "posts"}) == [] and ranges_of(None) == [] and ranges_of({"items": [True]}) == []
    assert covers({"items": [[10, 12]]}, 11) and not covers({"items": [[10, 12]]}, 13)


def test_the_index_is_incremental_and_finds_every_entry_naming_an_item(tmp_path):
    db = tmp_path / "c.db"
    with AuditLog.open(db) as log:
        log.record("consult", operator="kim", objects={"items": [5]})
        log.record("disclose", operator="kim", objects={"filter": "x", "items": [[1, 9], [20, 30]]})
        log.record("consult", operator="lee", objects={"filter": "posts"})
        log.record("erase", operator="lee", objects={"items": 2, "ids": [[7, 8]]})
        lookup = ItemLookup(log)
        assert lookup.update() == 4 and lookup.up_to_date()
        assert lookup.seqs(5) == [2, 1] and lookup.seqs(7) == [4, 2] and lookup.seqs(25) == [2]
        assert lookup.seqs(15) == [] and lookup.seqs(31) == []
        log.record("alter", operator="kim", objects={"items": [25]})
        assert lookup.update() == 1  # only the new entry is read
        assert [e.seq for e in lookup.entries(25)] == [5, 2]
        assert lookup.update(most=10) == 0
    # The index lives in the audit file (derived, unhashed): the chain is untouched by it.
    with AuditLog.open(db) as log:
        assert log.verify().ok and ItemLookup(log).indexed() == 5


def test_an_index_ahead_of_its_log_is_rebuilt(tmp_path):
    db = tmp_path / "c.db"
    with AuditLog.open(db) as log:
        for k in range(3):
            log.record("consult", operator="kim", objects={"items": [k]})
        lookup = ItemLookup(log)
        lookup.update()
        log.conn.execute("UPDATE lookup_state SET value = 99")  # as if the log were an older copy
        assert lookup.seqs(1) == [2] and lookup.indexed() == 3


def test_session_audit_records_who_changes_and_a_filter_once(tmp_path):
    s = Session(db_path=tmp_path / "c.db", operator="kim", purpose="public-order")
    audit = SessionAudit(s)
    s.operator = "ignored before the start"  # the start records who then is
    s.operator = "kim"
    seen = []
    audit.listeners.append(seen.append)
    audit.start()
    assert audit.filter_settled(Filter(text="광화문")).objects == {"filter": Filter(text="광화문").describe()}
    assert audit.filter_settled(Filter(text="광화문")) is None  # the same description: nothing new
    s.update(purpose="investigation", case_ref="C-1")  # one change entry for both
    audit.disclosed([3, 4, 5, 9], {"format": "csv"}, filter="x")
    audit.end()
    assert audit.end() is None
    entries = audit.log.entries()
    assert [e.action for e in entries] == ["session", "consult", "session", "disclose", "session"]
    change = entries[2]
    assert change.detail == {"event": "change", "from": {"operator": "kim", "purpose": "public-order",
                                                          "case_ref": None},
                             "to": {"operator": "kim", "purpose": "investigation", "case_ref": "C-1"}}
    assert entries[3].objects == {"filter": "x", "items": [[3, 5], [9, 9]]}
    assert (entries[3].purpose, entries[3].case_ref) == ("investigation", "C-1")
    assert [e.seq for e in seen] == [e.seq for e in entries]
    audit.close()
