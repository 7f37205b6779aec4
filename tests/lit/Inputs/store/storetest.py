"""Helpers of the store tests: run pgoctl, start s3rver, a fake S3 server.

FakeS3 is a small in-memory S3 (PUT/GET/HEAD/DELETE, ListObjectsV2 with
pagination, If-Match / If-None-Match on PUT) on a free loopback port that
checks every request's SigV4 signature with AWS's own signer (botocore, as
Debian's awscli ships it) and that x-amz-content-sha256 is the body's
sha256, as S3 does; a bad signature is a 403. `fault` switches it to the
failures the tests need (see FakeS3.Handler).
"""
import hashlib
import http.client
import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from xml.sax.saxutils import escape

sys.path.insert(0, "/usr/lib/python3/dist-packages")
import awscli  # noqa: E402,F401  (puts awscli's botocore on the path)
from botocore.auth import S3SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, env=None, check=True, timeout=120):
    p = subprocess.run(cmd, env=env, capture_output=True, timeout=timeout)
    out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    if check and p.returncode != 0:
        raise AssertionError(f"{cmd} exited {p.returncode}\nstdout: {out}\nstderr: {err}")
    return p.returncode, out, err


def clean_env(home, **extra):
    """A minimal environment: no AWS variables but those given, HOME in the test dir."""
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "LC_ALL": "C"}
    env.update(extra)
    return env


def npm_bin(name):
    for prefix in (os.environ.get("PGOCTL_NPM_PREFIX"),
                   os.path.join(os.environ.get("HOME", "/root"), ".cache", "pgoctl-npm")):
        if prefix:
            p = os.path.join(prefix, "node_modules", ".bin", name)
            if os.path.exists(p):
                return p
    raise AssertionError(f"{name} is not installed (bash scripts/setup-deps.sh)")


class S3rver:
    """npm s3rver on a free loopback port, in a temporary folder."""

    def __init__(self, workdir, extra_args=()):
        self.dir = os.path.join(workdir, "s3rver-data")
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.port = free_port()
        self.proc = subprocess.Popen(
            [npm_bin("s3rver"), "-d", self.dir, "--address", "127.0.0.1", "--port",
             str(self.port), "--silent", *extra_args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("s3rver did not start")

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()


class FakeS3:
    def __init__(self, access_key, secret_key, token="", region="us-east-1", page_size=2):
        self.creds = Credentials(access_key, secret_key, token or None)
        self.token = token
        self.region = region
        self.page_size = page_size
        self.objects = {}  # "bucket/key" -> bytes
        self.fault = None
        self.fault_count = 0  # failures left for counted faults
        self.hook = None  # hook(method, path) runs before a signed request is served
        self.requests = []  # (method, path, status)
        self.lock = threading.Lock()
        self.port = free_port()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def reply(self, status, body=b"", headers=()):
                owner.requests.append((self.command, self.path, status))
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                if self.command != "HEAD" or "Content-Length" not in dict(headers):
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def error(self, status, code, msg):
                body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
                        f'<Message>{escape(msg)}</Message></Error>').encode()
                self.reply(status, body, [("Content-Type", "application/xml")])

            def check_sig(self, body):
                auth = self.headers.get("Authorization", "")
                if not auth.startswith("AWS4-HMAC-SHA256 "):
                    return "no SigV4 Authorization header"
                fields = dict(p.strip().split("=", 1) for p in auth[17:].split(","))
                signed = fields["SignedHeaders"].split(";")
                for h in ("host", "x-amz-date", "x-amz-content-sha256"):
                    if h not in signed:
                        return f"{h} is not signed"
                if self.headers.get("x-amz-content-sha256") != hashlib.sha256(body).hexdigest():
                    return "x-amz-content-sha256 is not the body's sha256"
                if owner.token and self.headers.get("x-amz-security-token") != owner.token:
                    return "wrong or missing x-amz-security-token"
                req = AWSRequest(method=self.command,
                                 url=f"http://{self.headers['Host']}{self.path}",
                                 data=body,
                                 headers={h: self.headers[h] for h in signed})
                signer = S3SigV4Auth(owner.creds, "s3", owner.region)
                req.context["timestamp"] = self.headers["x-amz-date"]
                cr = signer.canonical_request(req)
                sig = signer.signature(signer.string_to_sign(req, cr), req)
                want = (f"AWS4-HMAC-SHA256 Credential={owner.creds.access_key}/"
                        f"{self.headers['x-amz-date'][:8]}/{owner.region}/s3/aws4_request, "
                        f"SignedHeaders={fields['SignedHeaders']}, Signature={sig}")
                if auth != want:
                    return "signature does not match botocore's"
                return None

            def handle_any(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                with owner.lock:
                    fault = owner.fault
                    counted = owner.fault_count > 0
                    if counted:
                        owner.fault_count -= 1
                if fault == "403":
                    return self.error(403, "AccessDenied", "Access Denied")
                if fault == "500" and counted:
                    return self.error(500, "InternalError", "try again")
                why = self.check_sig(body)
                if why:
                    return self.error(403, "SignatureDoesNotMatch", why)
                u = urllib.parse.urlsplit(self.path)
                path = urllib.parse.unquote(u.path).lstrip("/")
                if owner.hook:
                    owner.hook(self.command, path)
                q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
                if "/" not in path and self.command == "GET" and q.get("list-type") == "2":
                    return self.list(path, q)
                if self.command == "PUT":
                    # Compare and write under one lock: atomic, as S3's conditional PUT is.
                    with owner.lock:
                        cur = owner.objects.get(path)
                        etag = '"' + hashlib.md5(cur).hexdigest() + '"' if cur is not None else None
                        im, inm = self.headers.get("If-Match"), self.headers.get("If-None-Match")
                        failed = (im is not None and im != etag) or (inm == "*" and cur is not None)
                        if not failed:
                            owner.objects[path] = body
                    if failed:
                        return self.error(412, "PreconditionFailed", "precondition failed")
                    return self.reply(200, b"", [("ETag", '"' + hashlib.md5(body).hexdigest() + '"')])
                if self.command in ("GET", "HEAD"):
                    data = owner.objects.get(path)
                    if data is None:
                        return self.error(404, "NoSuchKey", "The specified key does not exist.")
                    hdrs = [("ETag", '"' + hashlib.md5(data).hexdigest() + '"'),
                            ("Last-Modified", "Sat, 05 Dec 2026 12:00:00 GMT")]
                    if self.command == "GET" and fault == "truncated":
                        owner.requests.append((self.command, self.path, 200))
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        self.wfile.write(data[: len(data) // 2])
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    if self.command == "GET" and fault == "slow":
                        owner.requests.append((self.command, self.path, 200))
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        self.wfile.write(data[:10])
                        self.wfile.flush()
                        time.sleep(6)
                        self.close_connection = True
                        return
                    if self.command == "HEAD":
                        hdrs.append(("Content-Length", str(len(data))))
                    return self.reply(200, data, hdrs)
                if self.command == "DELETE":
                    owner.objects.pop(path, None)
                    return self.reply(204)
                return self.error(405, "MethodNotAllowed", self.command)

            def list(self, bucket, q):
                prefix = q.get("prefix", "")
                keys = sorted(k[len(bucket) + 1:] for k in owner.objects
                              if k.startswith(bucket + "/") and k[len(bucket) + 1:].startswith(prefix))
                start = int(q.get("continuation-token", "0") or 0)
                page = keys[start:start + owner.page_size]
                more = start + owner.page_size < len(keys)
                if fault_huge():
                    # An endless list: far more than any bound a client should accept.
                    owner.requests.append((self.command, self.path, 200))
                    self.send_response(200)
                    self.send_header("Content-Length", str(64 << 20))
                    self.end_headers()
                    chunk = b"<Contents><Key>x</Key></Contents>" * 1000
                    try:
                        for _ in range((64 << 20) // len(chunk)):
                            self.wfile.write(chunk)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    self.close_connection = True
                    return
                items = "".join(
                    f"<Contents><Key>{escape(k)}</Key><Size>{len(owner.objects[bucket + '/' + k])}</Size>"
                    f"<ETag>&quot;{hashlib.md5(owner.objects[bucket + '/' + k]).hexdigest()}&quot;</ETag>"
                    f"<LastModified>2026-12-05T12:00:00.000Z</LastModified></Contents>" for k in page)
                token = f"<NextContinuationToken>{start + owner.page_size}</NextContinuationToken>" if more else ""
                body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult>'
                        f"<Name>{bucket}</Name><Prefix>{escape(prefix)}</Prefix>"
                        f"<IsTruncated>{'true' if more else 'false'}</IsTruncated>{token}{items}"
                        f"</ListBucketResult>").encode()
                self.reply(200, body, [("Content-Type", "application/xml")])

            do_GET = do_PUT = do_HEAD = do_DELETE = handle_any

        def fault_huge():
            return owner.fault == "huge"

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def set_fault(self, fault, count=0):
        with self.lock:
            self.fault, self.fault_count = fault, count
        self.requests.clear()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()


class LoopbackProxy:
    """A forward HTTP proxy on a free loopback port that sends every request,
    whatever host its URL names, to 127.0.0.1:target_port with the request's
    own Host header: how a test reaches `<bucket>.s3.localhost` (virtual-hosted
    addressing) without DNS. Clients find it through `http_proxy` (libcurl,
    botocore). `seen` lists (client, method, Host, origin-form path)."""

    HOP = {"proxy-connection", "connection", "keep-alive", "expect", "proxy-authorization",
           "transfer-encoding", "te", "upgrade"}

    def __init__(self, target_port):
        self.seen = []
        self.port = free_port()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def relay(self):
                u = urllib.parse.urlsplit(self.path)
                path = (u.path or "/") + ("?" + u.query if u.query else "")
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                owner.seen.append((self.headers.get("User-Agent", ""), self.command,
                                   self.headers.get("Host", ""), path))
                up = http.client.HTTPConnection("127.0.0.1", target_port, timeout=60)
                up.putrequest(self.command, path, skip_host=True, skip_accept_encoding=True)
                for k, v in self.headers.items():
                    if k.lower() not in owner.HOP:
                        up.putheader(k, v)
                up.endheaders(body)
                r = up.getresponse()
                data = r.read()
                up.close()
                self.send_response(r.status)
                for k, v in r.getheaders():
                    if k.lower() not in owner.HOP and k.lower() != "content-length":
                        self.send_header(k, v)
                if self.command == "HEAD":
                    self.send_header("Content-Length", r.getheader("Content-Length", "0"))
                else:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = relay

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()


def tree_contains(root, needle):
    """Files under root whose bytes contain needle."""
    hits = []
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            try:
                with open(p, "rb") as fh:
                    if needle in fh.read():
                        hits.append(p)
            except OSError:
                pass
    return hits
