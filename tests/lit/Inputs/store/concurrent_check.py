"""Concurrent writers on three stores: a folder (file://), npm s3rver (no
conditional PUT: the documented check-put-verify fallback) and the fake S3
(conditional PUT, atomic as S3's). On each, N `pgoctl push` of overlapping
window sets and M `pgoctl publish --channel stable` (the same profiles with
and without a converted form, so versions are published concurrently more
than once) run at the same time. Afterwards:
  - every raw window is whole: its bytes are the input file's (sha256; on
    s3rver read back by `aws s3 cp`, independent of pgoctl);
  - every version's objects are whole: the .pgoprof's sha256 is the version,
    each form's sha256 is the one its .json records, and no form a publisher
    stored is missing from the .json (publishing is idempotent);
  - no temporary object remains (temporary or lock files, CAS probes);
  - every publisher either moved the channel (exit 0, `stable -> V`) or says
    it lost the compare-and-swap (exit 5, "moved by another writer"), and
    the channel names a version whose publisher moved it;
  - with conditional writes (fake S3), the channel PUTs that succeeded are
    exactly the winners.

usage: concurrent_check.py PGOCTL WORKDIR BINARY PERF.DATA (of BINARY; four
windows with their own host and start labels are imported from it)
"""
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from storetest import FakeS3, S3rver, clean_env, run  # noqa: E402

pgoctl, work, binary, perf_data = sys.argv[1:5]
os.makedirs(work, exist_ok=True)
now = int(time.time())
windows = []
for i in range(4):
    windows.append(f"{work}/w{i}.pgoprof")
    run([pgoctl, "-q", "import", perf_data, "--binary", binary, "-o", windows[-1], "--label",
         f"host=web-{i}", "--label", f"start={now - 3600 * (i + 1)}"])
AWS = ["/usr/bin/python3", "-m", "awscli"]
N_PUSH, N_PUB = 6, 6


def sha(b):
    return hashlib.sha256(b).hexdigest()


def read(p):
    with open(p, "rb") as f:
        return f.read()


# Three distinct profiles to publish: two windows and their merge.
profiles = [windows[0], windows[1], f"{work}/merged.pgoprof"]
run([pgoctl, "-q", "merge", windows[0], windows[1], "-o", profiles[2]])
want_window = {sha(read(w)) for w in windows}


def race(store_args, env):
    procs = []
    for i in range(N_PUSH):  # overlapping sets: windows i, i+1, i+2 (mod n)
        ws = [windows[(i + k) % len(windows)] for k in range(3)]
        procs.append(("push", i, subprocess.Popen(
            [pgoctl, "push", *ws, *store_args, "--service", "kv"], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)))
    for i in range(N_PUB):  # profile i % 3; every other one with a .profdata
        to = ["--to", "profdata", "--binary", binary] if i % 2 else []
        procs.append(("publish", i, subprocess.Popen(
            [pgoctl, "publish", profiles[i % 3], *store_args, "--service", "kv", "--channel",
             "stable", *to], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)))
    res = []
    for kind, i, p in procs:
        out, err = p.communicate(timeout=600)
        res.append((kind, i, p.returncode, out.decode(), err.decode()))
    return res


def judge(name, res, objects, channel_puts=None):
    """objects: key -> bytes of every object in the store (relative keys)."""
    for kind, i, rc, out, err in res:
        if kind == "push":
            assert rc == 0, f"{name}: push {i} exited {rc}: {err}"
    raw = {k: v for k, v in objects.items() if k.startswith("raw/")}
    assert len(raw) == len(windows), f"{name}: raw windows {sorted(raw)}"
    for k, v in raw.items():
        assert sha(v) in want_window, f"{name}: {k} is not any input window whole"
    winners, published = {}, {}
    for kind, i, rc, out, err in res:
        if kind != "publish":
            continue
        # The winner prints the version; the loser names it in its error.
        m = re.search(r"this version \(([0-9a-f]{64})\)", err)
        v = out.strip() if rc == 0 else (m.group(1) if m else "")
        assert len(v) == 64, f"{name}: publish {i} named no version (rc {rc}): {err}"
        published.setdefault(v, set())
        if i % 2:
            published[v].add("profdata")
        if rc == 0:
            assert f"kv/stable -> {v}" in err, f"{name}: publish {i}: {err}"
            winners[v] = winners.get(v, 0) + 1
        else:
            assert rc == 5 and "moved by another writer" in err, \
                f"{name}: publish {i} exited {rc}: {err}"
    assert winners, f"{name}: nobody moved the channel"
    for v, extra in published.items():
        info = json.loads(objects[f"profiles/kv/{v}.json"])
        assert info["version"] == v
        assert sha(objects[f"profiles/kv/{v}.pgoprof"]) == v, f"{name}: {v}.pgoprof not whole"
        forms = set(info["forms"])
        assert {"pgoprof"} | extra <= forms, f"{name}: {v}.json lost a form: {forms} < {extra}"
        for f in forms:
            assert sha(objects[f"profiles/kv/{v}.{f}"]) == info["form_sha256"][f], \
                f"{name}: {v}.{f} is not the object its .json describes"
    chan = json.loads(objects["channels/kv/stable"])
    assert chan["version"] in winners, f"{name}: channel names {chan['version']}, no winner's"
    allowed = {f"profiles/kv/{v}.{f}" for v in published for f in ("json", "pgoprof", "profdata")}
    extra = set(objects) - set(raw) - allowed - {"channels/kv/stable"}
    assert not extra, f"{name}: objects left over: {sorted(extra)}"
    if channel_puts is not None:
        assert channel_puts == sum(winners.values()), \
            f"{name}: {channel_puts} channel PUTs succeeded, {sum(winners.values())} winners"
    lost = sum(1 for r in res if r[0] == "publish" and r[2] != 0)
    return f"{len(raw)} windows whole, {len(published)} versions whole, " \
           f"{sum(winners.values())} moved + {lost} lost the CAS"


# 1. A folder.
store_dir = f"{work}/dirstore"
os.makedirs(store_dir)
env = clean_env(work)
res = race(["--store", "file://" + store_dir], env)
objects = {}
for d, _, files in os.walk(store_dir):
    for f in files:
        p = os.path.join(d, f)
        objects[os.path.relpath(p, store_dir)] = read(p)
judge("file://", res, objects)
print("file:// store: ok")

# 2. s3rver (fallback CAS); read back with awscli.
with S3rver(work) as srv:
    env = clean_env(work, AWS_ACCESS_KEY_ID="S3RVER", AWS_SECRET_ACCESS_KEY="S3RVER",
                    AWS_REGION="us-east-1", AWS_ENDPOINT_URL=srv.endpoint)
    aws = AWS + ["--endpoint-url", srv.endpoint]
    run(aws + ["s3", "mb", "s3://conc"], env=env)
    res = race(["--store", "s3://conc/team"], env)
    _, out, _ = run(aws + ["s3api", "list-objects-v2", "--bucket", "conc"], env=env)
    objects = {}
    for o in json.loads(out).get("Contents", []):
        k = o["Key"]
        assert k.startswith("team/"), f"s3rver: object outside the prefix: {k}"
        run(aws + ["s3", "cp", f"s3://conc/{k}", f"{work}/obj"], env=env)
        objects[k[len("team/"):]] = read(f"{work}/obj")
    judge("s3rver", res, objects)
print("s3rver (fallback CAS) + aws s3 cp: ok")

# 3. The fake S3 with conditional PUT.
with FakeS3("AKIDEXAMPLE", "fake-secret") as fk:
    env = clean_env(work, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="fake-secret",
                    AWS_REGION="us-east-1", AWS_ENDPOINT_URL=fk.endpoint)
    res = race(["--store", "s3://conc/team"], env)
    objects = {k[len("conc/team/"):]: v for k, v in fk.objects.items()}
    puts = sum(1 for m, p, st in fk.requests
               if m == "PUT" and urllib.parse.unquote(p) == "/conc/team/channels/kv/stable"
               and st == 200)
    print(judge("fake S3", res, objects, channel_puts=puts), file=sys.stderr)
print("fake S3 (conditional PUT): ok")
