"""Compares the QueryRequest pgoctl sends to Parca with the one Parca's own
client library (npm @parca/client, Inputs/parca_query.mjs) sends for the
same query: both captured by parca_server.py --dump-requests, both decoded by
@parca/client's generated code (Inputs/parca_decode.mjs), compared field by
field (mode, report type, merge query, start, end, and no unknown field).
The time range is pgoctl's (`--since 2h`), given to the library as is; that
pgoctl's range is right is checked from first principles: it ends between
the wall clock before and after the run, and lasts 2 hours.

Usage: parca_request_check.py PGOCTL SERVER.py QUERY.mjs DECODE.mjs NPM_PREFIX
         PROFILE WORKDIR
"""
import calendar
import json
import os
import re
import subprocess
import sys
import time

pgoctl, server_py, query_mjs, decode_mjs, prefix, profile, work = sys.argv[1:8]
os.makedirs(work, exist_ok=True)
dump = os.path.join(work, "requests")
os.makedirs(dump, exist_ok=True)
TYPE = "parca_agent:samples:count:cpu:nanoseconds:delta"
SELECTOR = '{comm="app"}'
TOKEN = "tok-123"

srv = subprocess.Popen([sys.executable, server_py, "--profile", profile, "--bearer", TOKEN,
                        "--dump-requests", dump], stdout=subprocess.PIPE, text=True)


def ms(ts):
    """google.protobuf.Timestamp's JSON form (RFC 3339, UTC) to milliseconds."""
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z", ts)
    assert m, f"not a Timestamp: {ts!r}"
    secs = calendar.timegm(tuple(int(x) for x in m.groups()[:6]))
    frac = (m.group(7) or "").ljust(9, "0")
    return secs * 1000 + int(frac) // 1000000


def decode(path):
    r = subprocess.run(["node", decode_mjs, prefix, path], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        sys.exit(f"decoding {path}: {r.stderr}")
    return json.loads(r.stdout)


try:
    port = srv.stdout.readline().strip()
    before = int(time.time() * 1000)
    r = subprocess.run([pgoctl, "-q", "pull", "--from", f"parca+http://127.0.0.1:{port}",
                        "--query", SELECTOR, "--profile-type", TYPE, "--since", "2h", "-o",
                        os.path.join(work, "ours.pgoprof")],
                       env={**os.environ, "PGOCTL_FLEET_TOKEN": TOKEN}, capture_output=True,
                       text=True, timeout=120)
    after = int(time.time() * 1000)
    if r.returncode != 0:
        sys.exit(f"pgoctl pull failed: {r.stderr}")
    ours = decode(os.path.join(dump, "request-1.pb"))
    start, end = ms(ours["merge"]["start"]), ms(ours["merge"]["end"])
    assert before - 1000 <= end <= after + 1000, f"pgoctl's end {end} not in [{before}, {after}]"
    assert end - start == 2 * 3600 * 1000, f"pgoctl's range is {end - start} ms, not 2 h"
    q = subprocess.run(["node", query_mjs, prefix, port, TYPE + SELECTOR,
                        os.path.join(work, "theirs.pb.gz"), TOKEN],
                       env={**os.environ, "PARCA_QUERY_START_MS": str(start),
                            "PARCA_QUERY_END_MS": str(end)},
                       capture_output=True, text=True, timeout=120)
    if not q.stdout.startswith("total "):
        sys.exit(f"@parca/client's query failed: {q.stdout} {q.stderr}")
    theirs = decode(os.path.join(dump, "request-2.pb"))
finally:
    srv.terminate()
    srv.wait(timeout=30)

fields = [("mode", lambda m: m.get("mode")),
          ("reportType", lambda m: m.get("reportType")),
          ("merge.query", lambda m: m.get("merge", {}).get("query")),
          ("merge.start", lambda m: m.get("merge", {}).get("start")),
          ("merge.end", lambda m: m.get("merge", {}).get("end")),
          ("unknownFields", lambda m: m.get("unknownFields"))]
bad = False
for name, get in fields:
    a, b = get(ours), get(theirs)
    print(f"{name}: {'same' if a == b else 'DIFFERENT'}: pgoctl {a!r}, @parca/client {b!r}")
    bad |= a != b
# Both encoders write fields in number order, so equal values are equal bytes.
same_bytes = open(os.path.join(dump, "request-1.pb"), "rb").read() == \
    open(os.path.join(dump, "request-2.pb"), "rb").read()
print(f"bytes: {'same' if same_bytes else 'DIFFERENT'}")
bad |= not same_bytes
if ours != theirs:
    print(f"the whole requests differ:\n  pgoctl {ours}\n  @parca/client {theirs}")
    bad = True
sys.exit(1 if bad else 0)
