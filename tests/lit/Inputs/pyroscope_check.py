"""Checks pyroscope_server.py with an independent client (urllib), and saves
the profile a correct query gets, for `pgoctl import` to read.

Usage: pyroscope_check.py SERVER.py PROFILE OUT.pb
Starts the server on a free loopback port (tenant "t1", basic auth), runs the
cases below, stops the server. Exit status non-zero with the failed case.
"""
import gzip
import json
import subprocess
import sys
import urllib.error
import urllib.request

server_py, profile, out = sys.argv[1:4]
METHOD = "/querier.v1.QuerierService/SelectMergeProfile"
AUTH = "Basic dXNlcjpwYXNz"  # user:pass


def enc_varint(v):
    v &= (1 << 64) - 1
    b = bytearray()
    while True:
        if v < 0x80:
            b.append(v)
            return bytes(b)
        b.append((v & 0x7F) | 0x80)
        v >>= 7


def request(type_id, selector, start, end):
    msg = b""
    for field, s in ((1, type_id), (2, selector)):
        data = s.encode()
        msg += enc_varint(field << 3 | 2) + enc_varint(len(data)) + data
    for field, v in ((3, start), (4, end)):
        msg += enc_varint(field << 3) + enc_varint(v)
    return msg


def post(port, body, headers):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{METHOD}", data=body, method="POST",
                                 headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


proc = subprocess.Popen([sys.executable, server_py, "--profile", profile, "--tenant", "t1",
                         "--basic", "user:pass", "--service", "app"],
                        stdout=subprocess.PIPE, text=True)
failures = []
try:
    port = int(proc.stdout.readline())
    good = {"Content-Type": "application/proto", "Connect-Protocol-Version": "1",
            "X-Scope-OrgID": "t1", "Authorization": AUTH}
    body = request("process_cpu:cpu:nanoseconds:cpu:nanoseconds", '{service_name="app"}',
                   1700000000000, 1700003600000)

    def expect(name, got, want_status, want_code=None):
        status, hdrs, data = got
        ok = status == want_status
        if ok and want_code:
            ok = json.loads(data).get("code") == want_code
        if not ok:
            failures.append(f"{name}: HTTP {status} {data[:200]!r}")

    status, hdrs, data = post(port, body, good)
    if status != 200 or hdrs.get("Content-Type") != "application/proto":
        failures.append(f"query: HTTP {status} {hdrs.get('Content-Type')}")
    open(out, "wb").write(data)
    expect("no tenant", post(port, body, {k: v for k, v in good.items() if k != "X-Scope-OrgID"}),
           401, "unauthenticated")
    expect("bad auth", post(port, body, {**good, "Authorization": "Basic eDp5"}), 401,
           "unauthenticated")
    expect("end before start", post(port, request("process_cpu:cpu:nanoseconds:cpu:nanoseconds",
                                                  "{}", 2000, 1000), good), 400, "invalid_argument")
    expect("range too long", post(port, request("process_cpu:cpu:nanoseconds:cpu:nanoseconds",
                                                "{}", 0, 10**12), good), 400, "invalid_argument")
    expect("bad profile type", post(port, request("cpu", "{}", 0, 1000), good), 400,
           "invalid_argument")
    expect("json codec", post(port, b"{}", {**good, "Content-Type": "application/json"}), 415)
    status, _, data = post(port, request("process_cpu:cpu:nanoseconds:cpu:nanoseconds",
                                         '{service_name="other"}', 0, 1000), good)
    if status != 200 or data != b"\x32\x00":
        failures.append(f"other service: HTTP {status} {data[:40]!r} (want an empty profile)")
    status, hdrs, zdata = post(port, body, {**good, "Accept-Encoding": "gzip"})
    if (status != 200 or hdrs.get("Content-Encoding") != "gzip" or
            gzip.decompress(zdata) != open(out, "rb").read()):
        failures.append("gzip response differs from the identity one")
finally:
    proc.terminate()
    proc.wait(timeout=30)

# Bearer auth, no tenant (a single-tenant server).
proc = subprocess.Popen([sys.executable, server_py, "--profile", profile, "--bearer", "tok"],
                        stdout=subprocess.PIPE, text=True)
try:
    port = int(proc.stdout.readline())
    hdr = {"Content-Type": "application/proto", "Connect-Protocol-Version": "1"}
    status, _, data = post(port, body, {**hdr, "Authorization": "Bearer tok"})
    if status != 200 or data != open(out, "rb").read():
        failures.append(f"bearer: HTTP {status}, or another profile than with basic auth")
    status, _, data = post(port, body, {**hdr, "Authorization": "Bearer nope"})
    if status != 401 or json.loads(data).get("code") != "unauthenticated":
        failures.append(f"bad bearer: HTTP {status} {data[:200]!r}")
finally:
    proc.terminate()
    proc.wait(timeout=30)
if failures:
    sys.exit("\n".join(failures))
print("pyroscope server: all cases as expected")
