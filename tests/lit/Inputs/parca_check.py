"""Checks parca_server.py with an independent client (npm @parca/client over
gRPC-Web, Inputs/parca_query.mjs), and saves the pprof report a correct merge
query gets (gzip-compressed, as Parca sends it) for `pgoctl import` to read.

Usage: parca_check.py SERVER.py CLIENT.mjs NPM_PREFIX PROFILE OUT.pb.gz
The server runs on a free loopback port with bearer auth and is stopped at
the end. Exit status non-zero with the cases that went otherwise.
"""
import subprocess
import sys

server_py, client, prefix, profile, out = sys.argv[1:6]
TOKEN = "t0ken"
QUERY = 'parca_agent:samples:count:cpu:nanoseconds:delta{comm="app"}'
proc = subprocess.Popen([sys.executable, server_py, "--profile", profile, "--bearer", TOKEN,
                         "--comm", "app"], stdout=subprocess.PIPE, text=True)
failures = []
try:
    port = proc.stdout.readline().strip()

    def query(q, path, *token):
        r = subprocess.run(["node", client, prefix, port, q, path, *token],
                           stdout=subprocess.PIPE, text=True, timeout=120)
        return r.stdout.strip()

    # The pprof's samples/count values sum to 6 (Inputs/pprof/small.script.txt).
    cases = [("merge query", query(QUERY, out, TOKEN), "total 6"),
             ("no token", query(QUERY, out + ".x"), "error UNAUTHENTICATED invalid or missing bearer token"),
             ("bad query", query("cpu{", out + ".x", TOKEN), "error INVALID_ARGUMENT failed to parse query 'cpu{'"),
             ("no match", query(QUERY.replace('"app"', '"other"'), out + ".x", TOKEN),
              "error NOT_FOUND could not find any profiles to merge for the query")]
    for name, got, want in cases:
        if got != want:
            failures.append(f"{name}: got {got!r}, want {want!r}")
finally:
    proc.terminate()
    proc.wait(timeout=30)
if failures:
    sys.exit("\n".join(failures))
print("parca server: all cases as expected")
