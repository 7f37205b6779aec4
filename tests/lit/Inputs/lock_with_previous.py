"""Writes a lock file pinning CURRENT that keeps PREVIOUS as its previous pin,
as `pgoctl refresh` writes it (sha256 from Python's hashlib, the oracle).

Usage: lock_with_previous.py OUT CURRENT CREATED PREVIOUS PREVIOUS_CREATED
"""
import hashlib
import sys

out, cur, created, prev, prev_created = sys.argv[1:6]


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


with open(out, "w") as f:
    f.write("format = pgolock-1\nversion = v2\nkind = profdata\n")
    f.write("sha256 = %s\nsource = %s\ncreated = %s\n" % (sha(cur), cur, created))
    f.write("previous_version = v1\nprevious_sha256 = %s\nprevious_source = %s\n"
            "previous_created = %s\n" % (sha(prev), prev, prev_created))
