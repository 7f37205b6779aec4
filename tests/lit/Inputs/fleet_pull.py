#!/usr/bin/env python3
"""fleet_pull.py [--secret S] SERVER.py SERVER_ARGS... -- COMMAND...: starts a
fleet-profiler test server (pyroscope_server.py, parca_server.py) on a free
loopback port, runs COMMAND with every `{PORT}` replaced by the port, and
exits with COMMAND's status after printing its output (stderr, then stdout).
With --secret S, fails when S appears in the command's output or in any file
the command names after -o (credentials must never be printed or stored)."""
import subprocess, sys

args = sys.argv[1:]
secret = None
if args[0] == "--secret":
    secret, args = args[1], args[2:]
k = args.index("--")
server, cmd = args[:k], args[k + 1:]
srv = subprocess.Popen([sys.executable] + server, stdout=subprocess.PIPE, text=True)
try:
    port = srv.stdout.readline().strip()
    if not port.isdigit():
        sys.exit(f"the server did not print its port (got {port!r})")
    cmd = [c.replace("{PORT}", port) for c in cmd]
    r = subprocess.run(cmd, capture_output=True)
    sys.stderr.write(r.stderr.decode(errors="replace"))
    sys.stdout.write(r.stdout.decode(errors="replace"))
    if secret:
        blobs = [r.stdout, r.stderr]
        if "-o" in cmd:
            try:
                blobs.append(open(cmd[cmd.index("-o") + 1], "rb").read())
            except OSError:
                pass
        if any(secret.encode() in b for b in blobs):
            sys.exit("the secret appears in the output")
    sys.exit(r.returncode)
finally:
    srv.terminate()
    srv.wait()
