#!/usr/bin/env python3
"""verify_store.py PGOCTL WORKDIR STORE|s3rver BIN_BEFORE BIN_AFTER -- BEFORE... -- AFTER...:
`pgoctl verify` on windows in a store gives what it gives on the same
windows as local files.

Pushes each .pgoprof (host h<i>, start = a fixed time + i) to the store
(a file:// URL, or `s3rver`: npm s3rver on a free loopback port), finds the
build-id of each side's windows with `pgoctl ls --json` (the key's
build-id), then runs `verify --json` twice, on the files and with --store
`build-id:X`, and compares the two JSON answers but for the input names.
Prints `verdict V (files) V (store)` and `same: yes|no`; exits 1 on a
difference."""
import json, os, subprocess, sys

args = sys.argv[1:]
pgoctl, work, store, bin_before, bin_after = args[:5]
rest = args[6:]
k = rest.index("--")
before, after = rest[:k], rest[k + 1:]
os.makedirs(work, exist_ok=True)
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "store"))

server = None
env = dict(os.environ)
s3 = []
if store == "s3rver":
    import storetest
    server = storetest.S3rver(work)
    env.update(AWS_ACCESS_KEY_ID="S3RVER", AWS_SECRET_ACCESS_KEY="S3RVER", AWS_REGION="us-east-1",
               HOME=work)
    store = "s3://verify-store"
    s3 = ["--s3-endpoint", server.endpoint]
    os.makedirs(os.path.join(server.dir, "verify-store"), exist_ok=True)


def run(cmd, ok=(0,)):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode not in ok:
        sys.exit(f"{cmd[1]} exited {r.returncode}: {r.stderr}")
    return r.stdout


if store.startswith("file://"):
    os.makedirs(store[len("file://"):], exist_ok=True)
try:
    for i, f in enumerate(before + after):
        run([pgoctl, "-q", "push", f, "--store", store, *s3, "--service", "svc",
             "--host", f"h{i}", "--start", str(1700000000 + i)])
    listing = json.loads(run([pgoctl, "ls", "--store", store, *s3, "--service", "svc", "--json"]))
    ids = [set(), set()]
    for w in listing.get("raw", []):
        ids[int(w["host"][1:]) >= len(before)].add(w["build_id"])
    if any(len(s) != 1 for s in ids):
        sys.exit(f"each side's windows should share one build-id: {ids}")
    common = ["--binary-before", bin_before, "--binary-after", bin_after, "--json"]
    files = json.loads(run([pgoctl, "verify", "--before", *before, "--after", *after, *common],
                           ok=(0, 1, 2)))
    stored = json.loads(run([pgoctl, "verify", "--store", store, *s3, "--service", "svc",
                             "--before", "build-id:" + ids[0].pop(), "--after",
                             "build-id:" + ids[1].pop(), *common], ok=(0, 1, 2)))
    for d in (files, stored):
        for side in ("before", "after"):
            if isinstance(d.get(side), dict):
                d[side].pop("profiles", None)
    print(f"verdict {files['verdict']} (files) {stored['verdict']} (store)")
    same = files == stored
    print("same:", "yes" if same else "no")
    if not same:
        for key in files:
            if files.get(key) != stored.get(key):
                print("differs:", key)
        sys.exit(1)
finally:
    if server:
        server.stop()
