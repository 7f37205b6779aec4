"""Checks the figures of a version's .json against expected values.

usage: version_json_check.py VERSION.json KEY=VALUE...
KEY is a dotted path into the JSON (window.start, quality.windows); VALUE is
compared as JSON when it parses as JSON, else as a string. Prints one line
per key, `KEY ok` or `KEY: got G, want W`, and exits 1 on a difference."""
import json
import sys

doc = json.load(open(sys.argv[1]))
bad = 0
for arg in sys.argv[2:]:
    key, want = arg.split("=", 1)
    try:
        want = json.loads(want)
    except ValueError:
        pass
    got = doc
    for part in key.split("."):
        got = got.get(part) if isinstance(got, dict) else None
    if got == want:
        print(f"{key} ok")
    else:
        print(f"{key}: got {got!r}, want {want!r}")
        bad = 1
sys.exit(bad)
