"""Serves a folder over HTTP on a free loopback port while one command runs,
then prints the command's output and `exit N` (its exit code); `{url}` in
the command's arguments becomes the server's base URL.

Usage: http_serve_run.py FOLDER [--template IN OUT] COMMAND [ARGS...]
(--template writes OUT from IN with `{url}` replaced, before the command.)
"""
import functools
import http.server
import subprocess
import sys
import threading

folder, cmd = sys.argv[1], sys.argv[2:]
template = None
if cmd[:1] == ["--template"]:
    template, cmd = cmd[1:3], cmd[3:]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                         functools.partial(Quiet, directory=folder))
threading.Thread(target=server.serve_forever, daemon=True).start()
url = "http://127.0.0.1:%d" % server.server_address[1]
try:
    if template:
        with open(template[0]) as f:
            text = f.read().replace("{url}", url)
        with open(template[1], "w") as f:
            f.write(text)
    p = subprocess.run([a.replace("{url}", url) for a in cmd], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=120)
    sys.stdout.write(p.stdout.replace(url, "{url}"))
    print("exit %d" % p.returncode)
finally:
    server.shutdown()
