#!/usr/bin/env python3
"""Check a Sitmap audit export (JSON lines, `sitmap audit export`) with the standard library
alone: every entry's SHA-256, the chain of prev_hash, consecutive seq, and optionally a head
noted earlier.  Usage: verify_audit.py EXPORT.jsonl [--head HASH]   (exit 0 OK, 1 FAILED)
The format and the hash are described in docs/AUDIT.md."""
import hashlib, json, sys

FIELDS = ("seq", "t_ms", "operator", "purpose", "case_ref", "workstation", "action", "objects", "detail", "prev_hash")


def main(argv):
    path, head = argv[0], (argv[argv.index("--head") + 1].split(":")[-1].lower() if "--head" in argv else None)
    prev = seq = None
    hashes = set()
    try:
        with open(path, "rb") as fh:
            for n, line in enumerate(fh, 1):
                e = json.loads(line.decode("ascii"))
                canon = json.dumps({k: e[k] for k in FIELDS}, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
                if json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=True) != line.decode("ascii").rstrip("\n"):
                    return f"line {n}: not in the canonical form sitmap audit export writes"
                if hashlib.sha256(canon.encode("ascii")).hexdigest() != e["hash"]:
                    return f"line {n} (entry {e['seq']}): altered, its hash does not match its contents"
                if seq is not None and (e["seq"] != seq + 1 or e["prev_hash"] != prev):
                    return f"line {n} (entry {e['seq']}): does not follow entry {seq} (removed, reordered or forged)"
                if seq is None:
                    print(f"first entry {e['seq']}, after {e['prev_hash']}" + (" (the start of the log)" if set(e["prev_hash"]) == {"0"} else ""))
                seq, prev = e["seq"], e["hash"]
                hashes.add(prev)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return f"line {n if 'n' in locals() else 0}: not a valid audit entry ({type(exc).__name__}: {exc})"
    if seq is None:
        return "no entries"
    if head and head not in hashes:
        return f"the noted head {head} is not in this export"
    print(f"OK: {n} entries, head {seq} {prev}")


if __name__ == "__main__":
    problem = main(sys.argv[1:]) if len(sys.argv) > 1 else "usage: verify_audit.py EXPORT.jsonl [--head HASH]"
    if problem:
        print(f"FAILED: {problem}")
    sys.exit(1 if problem else 0)
