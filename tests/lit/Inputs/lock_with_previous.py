"""Writes a lock file pinning CURRENT that keeps PREVIOUS as its previous pin,
as `pgoctl refresh` writes it (sha256 from Python's hashlib, the oracle).

Usage: lock_with_previous.py OUT CURRENT CREATED PREVIOUS PREVIOUS_CREATED [SOURCE]
(SOURCE: the current pin's source, default CURRENT's path.)
"""
import hashlib
import sys

out, cur, created, prev, prev_created = sys.argv[1:6]
source = sys.argv[6] if len(sys.argv) > 6 else cur


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


with open(out, "w") as f:
    f.write("format = pgolock-1\nversion = v2\nkind = profdata\n")
    f.write("sha256 = %s\nsource = %s\ncreated = %s\n" % (sha(cur), source, created))
    f.write("previous_version = v1\nprevious_sha256 = %s\nprevious_source = %s\n"
            "previous_created = %s\n" % (sha(prev), prev, prev_created))
