#!/usr/bin/env python3
"""doctor_json_get.py FILE KEY...: prints `KEY = VALUE` (VALUE as JSON) for
each dotted KEY of a JSON file, so that FileCheck can match fields."""
import json
import sys

doc = json.load(open(sys.argv[1]))
for key in sys.argv[2:]:
    v = doc
    for part in key.split("."):
        v = v[int(part)] if isinstance(v, list) else v[part]
    print(f"{key} = {json.dumps(v)}")
