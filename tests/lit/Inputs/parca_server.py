"""A protocol-faithful test server for Parca's query API.

Serves `parca.query.v1alpha1.QueryService/Query` in merge mode with a pprof
report, written from Parca's public API definition
(proto/parca/query/v1alpha1/query.proto):

  QueryRequest { Mode mode = 1;              // MODE_MERGE = 2
                 oneof options { DiffProfile diff = 2; MergeProfile merge = 3;
                                 SingleProfile single = 4; }
                 ReportType report_type = 5; // REPORT_TYPE_PPROF = 1
                 optional string filter_query = 6; ... }
  MergeProfile { string query = 1; google.protobuf.Timestamp start = 2, end = 3; }
  QueryResponse { oneof report { ...; bytes pprof = 6; ... }  // gzip-compressed pprof
                  int64 total = 9; int64 filtered = 10; }

Over HTTP/1.1 POST, in the two protocols Parca's clients use without HTTP/2:
gRPC-Web (`application/grpc-web+proto`: length-prefixed frames, status in a
trailer frame, or in the headers of a trailers-only answer for errors; what
@parca/client's browser transport speaks) and Connect unary
(`application/proto`, errors as HTTP status and a JSON {"code","message"}).
Checks, as the server does: the mode and its options agree (else
invalid_argument), the report type is pprof (others: unimplemented here), the
query parses (`name:type:unit:period_type:period_unit[:delta]{k="v",...}`,
else invalid_argument), the time range is ordered; bearer auth (--bearer:
unauthenticated). A query that matches no series gives NotFound, as Parca's
merge of nothing does. Fault injection: --fail-first N (unavailable).
--dump-requests DIR keeps each request message (unframed) for
parca_request_check.py to compare clients' requests.

The profile served is a pprof file (--profile, gzipped or not, written by npm
pprof-format); its labels are {comm=--comm}. Prints its port once listening.

Usage: parca_server.py --profile P.pb[.gz] [--profile-type T] [--comm NAME]
         [--bearer TOKEN] [--port N] [--fail-first N] [--dump-requests DIR]
"""
import argparse
import gzip
import http.server
import json
import re
import struct
import sys
import threading
import urllib.parse

METHOD = "/parca.query.v1alpha1.QueryService/Query"
# gRPC status codes, and Connect's names and HTTP statuses for them.
GRPC = {"invalid_argument": 3, "not_found": 5, "unauthenticated": 16, "unimplemented": 12,
        "unavailable": 14, "internal": 13}
HTTP = {"invalid_argument": 400, "not_found": 404, "unauthenticated": 401,
        "unimplemented": 501, "unavailable": 503, "internal": 500}


def varint(buf, i):
    v = shift = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return v, i
        if shift > 63:
            raise ValueError("varint too long")


def fields(buf):
    """(field, wire, value) of one message; value is int or bytes."""
    i = 0
    while i < len(buf):
        tag, i = varint(buf, i)
        f, w = tag >> 3, tag & 7
        if w == 0:
            v, i = varint(buf, i)
        elif w == 2:
            n, i = varint(buf, i)
            if i + n > len(buf):
                raise ValueError("truncated field")
            v, i = buf[i:i + n], i + n
        elif w == 1:
            v, i = buf[i:i + 8], i + 8
        elif w == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {w}")
        yield f, w, v
    if i != len(buf):
        raise ValueError("truncated message")


def enc_varint(v):
    v &= (1 << 64) - 1
    out = bytearray()
    while True:
        if v < 0x80:
            out.append(v)
            return bytes(out)
        out.append((v & 0x7F) | 0x80)
        v >>= 7


def timestamp_ns(buf):
    s = n = 0
    for f, w, v in fields(buf):
        if f == 1 and w == 0:
            s = v - (1 << 64) if v >= 1 << 63 else v
        elif f == 2 and w == 0:
            n = v
    return s * 10**9 + n


def sample_total(profile):
    """The sum of every sample's first value (QueryResponse.total)."""
    total = 0
    for f, w, v in fields(profile):
        if f != 2 or w != 2:
            continue
        for sf, sw, sv in fields(v):
            if sf != 2:
                continue
            if sw == 0:
                total += sv
                break
            vals, j = [], 0
            while j < len(sv):
                x, j = varint(sv, j)
                vals.append(x)
            total += vals[0] if vals else 0
            break
    return total


QUERY = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*(?::[A-Za-z_][A-Za-z0-9_]*){4}(?::delta)?)'
                   r'(\{(?:\s*[A-Za-z_][A-Za-z0-9_]*\s*=\s*"(?:[^"\\]|\\.)*"\s*,?)*\s*\})?$')


def grpc_message(text):
    """gRPC's percent-encoding of grpc-message: printable ASCII but '%' as is."""
    safe = "".join(chr(c) for c in range(0x20, 0x7F) if c != 0x25)
    return urllib.parse.quote(text, safe=safe)


class Error(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, ctype, body, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_OPTIONS(self):  # CORS preflight, as a browser client sends
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Headers", "*")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        ctype = self.headers.get("Content-Type", "")
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        grpc_web = ctype.startswith("application/grpc-web")
        try:
            if self.path != METHOD:
                raise Error("unimplemented", f"unknown method {self.path}")
            if grpc_web:
                if ctype not in ("application/grpc-web", "application/grpc-web+proto"):
                    raise Error("internal", f"unsupported content type {ctype}")
                if len(body) < 5 or body[0] != 0:
                    raise Error("internal", "grpc-web: bad message frame")
                n = struct.unpack(">I", body[1:5])[0]
                if len(body) != 5 + n:
                    raise Error("internal", "grpc-web: frame length does not match the body")
                msg = body[5:]
            elif ctype == "application/proto":
                msg = body
            else:
                return self.answer(415, "text/plain", b"", [("Accept-Post", "application/proto")])
            if self.server.cfg.dump_requests:
                with self.server.lock:
                    self.server.dumped += 1
                    name = f"{self.server.cfg.dump_requests}/request-{self.server.dumped}.pb"
                with open(name, "wb") as f:
                    f.write(msg)
            reply = self.query(msg)
        except Error as e:
            if grpc_web:
                return self.answer(200, "application/grpc-web+proto", b"",
                                   [("grpc-status", str(GRPC[e.code])),
                                    ("grpc-message", grpc_message(e.message)),
                                    ("Access-Control-Allow-Origin", "*"),
                                    ("Access-Control-Expose-Headers", "grpc-status,grpc-message")])
            return self.answer(HTTP[e.code], "application/json",
                               json.dumps({"code": e.code, "message": e.message}).encode())
        if grpc_web:
            trailer = b"grpc-status: 0\r\ngrpc-message: \r\n"
            out = (b"\x00" + struct.pack(">I", len(reply)) + reply +
                   b"\x80" + struct.pack(">I", len(trailer)) + trailer)
            return self.answer(200, "application/grpc-web+proto", out,
                               [("Access-Control-Allow-Origin", "*"),
                                ("Access-Control-Expose-Headers", "grpc-status,grpc-message")])
        return self.answer(200, "application/proto", reply)

    def query(self, msg):
        cfg = self.server.cfg
        with self.server.lock:
            self.server.requests += 1
            n = self.server.requests
        if n <= cfg.fail_first:
            raise Error("unavailable", "injected failure")
        if cfg.bearer and self.headers.get("Authorization") != "Bearer " + cfg.bearer:
            raise Error("unauthenticated", "invalid or missing bearer token")
        try:
            req = list(fields(msg))
        except ValueError as e:
            raise Error("invalid_argument", f"unmarshal QueryRequest: {e}")
        mode = next((v for f, w, v in req if f == 1 and w == 0), 0)
        merge = next((v for f, w, v in req if f == 3 and w == 2), None)
        report = next((v for f, w, v in req if f == 5 and w == 0), 0)
        if mode != 2:
            raise Error("unimplemented", f"only merge mode (2) is served here, got mode {mode}")
        if merge is None:
            raise Error("invalid_argument", "requested merge mode, but did not provide merge options")
        if report != 1:
            raise Error("unimplemented", f"only the pprof report (1) is served here, got {report}")
        q, start, end = "", 0, 0
        try:
            for f, w, v in fields(merge):
                if f == 1 and w == 2:
                    q = v.decode("utf-8")
                elif f == 2 and w == 2:
                    start = timestamp_ns(v)
                elif f == 3 and w == 2:
                    end = timestamp_ns(v)
        except (ValueError, UnicodeDecodeError) as e:
            raise Error("invalid_argument", f"unmarshal MergeProfile: {e}")
        m = QUERY.match(q.strip())
        if not m:
            raise Error("invalid_argument", f"failed to parse query {q!r}")
        if end < start:
            raise Error("invalid_argument", "end is before start")
        labels = dict(re.findall(r'([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        ptype = m.group(1)
        if ptype != cfg.profile_type or any(cfg.labels.get(k) != v for k, v in labels.items()):
            raise Error("not_found", "could not find any profiles to merge for the query")
        pprof = gzip.compress(self.server.profile, mtime=0)
        return (enc_varint(6 << 3 | 2) + enc_varint(len(pprof)) + pprof +
                enc_varint(9 << 3) + enc_varint(sample_total(self.server.profile)) +
                enc_varint(10 << 3) + enc_varint(0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", required=True)
    ap.add_argument("--profile-type", default="parca_agent:samples:count:cpu:nanoseconds:delta")
    ap.add_argument("--comm", default="app")
    ap.add_argument("--bearer")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--dump-requests", metavar="DIR",
                    help="write each QueryRequest message to DIR/request-N.pb")
    cfg = ap.parse_args()
    cfg.labels = {"comm": cfg.comm}
    data = open(cfg.profile, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", cfg.port), Handler)
    srv.cfg, srv.profile, srv.requests, srv.lock = cfg, data, 0, threading.Lock()
    srv.dumped = 0
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
