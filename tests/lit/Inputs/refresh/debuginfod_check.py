"""Finds a freshly built ELF by build-id through Debian's real debuginfod, as
`pgoctl refresh` does (`pgoctl debug find-binary`, refresh/BinarySource.h).

Usage: debuginfod_check.py PGOCTL CLANG WORKDIR

Builds a tiny program with a build-id (the id read back by llvm-readelf, an
independent reader), starts `debuginfod -F DIR` on a free loopback port and
waits until it serves that id (the server's own answer, not pgoctl's, says it
has indexed). Then checks:
  - pgoctl fetches it: the bytes equal the original (cmp);
  - an id the server does not have: the server answers 404 (urllib) and
    pgoctl says no source has it;
  - with the server stopped, the second lookup comes from the cache, same bytes;
  - a server that answers with another build's ELF, one whose answer is over
    the size bound, and one that answers 500: errors naming the server (a
    small http.server here), nothing left in the cache.
Prints one line per case; exits non-zero with the cases that went otherwise.
"""
import filecmp
import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

pgoctl, clang, work = sys.argv[1:4]
shutil.rmtree(work, ignore_errors=True)
src_dir = os.path.join(work, "bin")
cache = os.path.join(work, "cache")
os.makedirs(src_dir)

# A program of its own: the build-id hashes the code, and the pid makes it
# one no earlier run left in a cache.
c_file = os.path.join(work, "prog.c")
with open(c_file, "w") as f:
    f.write("int main(void) { return %d; }\n" % (os.getpid() % 100))
prog = os.path.join(src_dir, "prog")
subprocess.run([clang, "-g", "-O1", "-Wl,--build-id=sha1", c_file, "-o", prog], check=True)
notes = subprocess.run(["llvm-readelf", "-n", prog], check=True, stdout=subprocess.PIPE,
                       text=True).stdout
build_id = re.search(r"Build ID: ([0-9a-f]+)", notes).group(1)
other_id = "00" * 20 if build_id != "00" * 20 else "11" * 20


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Neither the server (federation) nor pgoctl may ask servers of the machine's own.
env = {k: v for k, v in os.environ.items() if k != "DEBUGINFOD_URLS"}


def find(bid, *urls, extra=()):
    args = [pgoctl, "debug", "find-binary", bid, "--cache-dir", cache, *extra]
    for u in urls:
        args += ["--debuginfod", u]
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env, timeout=300)


def status(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return None


failures = []


def check(name, ok, detail):
    print(f"{name}: {'ok' if ok else 'FAILED'}")
    if not ok:
        failures.append(f"{name}: {detail}")


port = free_port()
url = f"http://127.0.0.1:{port}"
log = open(os.path.join(work, "debuginfod.log"), "w")
server = subprocess.Popen(["debuginfod", "-F", src_dir, "-p", str(port), "-d",
                           os.path.join(work, "db.sqlite"), "-t", "0", "-g", "0"],
                          stdout=log, stderr=subprocess.STDOUT, env=env)
try:
    # Wait until the server itself serves the id (a bound on the wait, not a
    # measurement: a slow machine only waits longer).
    deadline = time.monotonic() + 240
    while status(f"{url}/buildid/{build_id}/executable") != 200:
        if server.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"debuginfod did not serve {build_id} (see {log.name})")
        time.sleep(0.5)
    print("debuginfod: indexed")

    r = find(build_id, url)
    path = r.stdout.strip()
    check("fetch", r.returncode == 0 and filecmp.cmp(path, prog, shallow=False)
          and f"from debuginfod {url}" in r.stderr, r.stderr)
    check("fetch into the cache", os.path.dirname(path) == os.path.join(cache, build_id)
          and not [n for n in os.listdir(cache) if ".part-" in n], path)

    code = status(f"{url}/buildid/{other_id}/executable")
    r = find(other_id, url)
    check("unknown build-id", code == 404 and r.returncode != 0
          and f"build-id {other_id}: no source has it" in r.stderr
          and not os.path.exists(os.path.join(cache, other_id)),
          f"server said {code}; pgoctl: {r.stderr}")
finally:
    server.terminate()
    server.wait(timeout=60)
    log.close()

# The server is gone: the second lookup is the cache's.
check("server stopped", status(f"{url}/buildid/{build_id}/executable") is None, "still answers")
r = find(build_id, url)
check("cached", r.returncode == 0 and "from cache" in r.stderr
      and filecmp.cmp(r.stdout.strip(), prog, shallow=False), r.stderr)


class Wrong(http.server.BaseHTTPRequestHandler):
    """Answers every id with the original program (another build-id than
    asked), or 500 under /fail."""

    def do_GET(self):
        if self.path.startswith("/fail/"):
            self.send_error(500)
            return
        with open(prog, "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Wrong)
threading.Thread(target=httpd.serve_forever, daemon=True).start()
wrong = f"http://127.0.0.1:{httpd.server_address[1]}"
try:
    want = "22" * 20
    r = find(want, wrong)
    check("wrong answer", r.returncode != 0
          and f"debuginfod {wrong} answered build-id {want} with a binary of build-id {build_id}"
          in r.stderr and not os.path.exists(os.path.join(cache, want))
          and not [n for n in os.listdir(cache) if ".part-" in n], r.stderr)
    size = os.path.getsize(prog)
    r = find(want, wrong, extra=("--max-bytes", str(size - 1)))
    check("over the bound", r.returncode != 0 and f"larger than {size - 1} bytes" in r.stderr
          and not [n for n in os.listdir(cache) if ".part-" in n], r.stderr)
    r = find(want, wrong + "/fail")
    check("server error", r.returncode != 0 and "could not answer" in r.stderr
          and f"{wrong}/fail/buildid/{want}/executable: HTTP status 500" in r.stderr, r.stderr)
finally:
    httpd.shutdown()

if failures:
    sys.exit("\n".join(failures))
