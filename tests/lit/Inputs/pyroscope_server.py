"""A protocol-faithful test server for Grafana Pyroscope's query API.

Serves `querier.v1.QuerierService/SelectMergeProfile` and
`SelectMergeStacktraces` over the Connect protocol (unary, HTTP/1.1 POST,
`application/proto`), written from Pyroscope's public API definition
(api/querier/v1/querier.proto) and its tree encoding (pkg/model/tree.go):

  SelectMergeProfileRequest { string profile_typeID = 1; string label_selector = 2;
                              int64 start = 3; int64 end = 4;  // ms since the epoch
                              optional int64 max_nodes = 5; ... }
  response: google.v1.Profile (pprof's profile.proto, same field numbers)
  SelectMergeStacktracesRequest { the same 1-5; ProfileFormat format = 6; ... }
                                  // PROFILE_FORMAT_TREE = 2 (only that one here)
  SelectMergeStacktracesResponse { FlameGraph flamegraph = 1; bytes tree = 2; }

--old-server answers SelectMergeProfile as a server without it does (a
plain-text 404 from the router); --log FILE appends each request's path;
--tree-fault truncated|children damages the tree bytes.

What a client meets on a real server, and this one does too:
- tenant header `X-Scope-OrgID` (required with --tenant: missing is 401
  unauthenticated "no org id", another tenant sees no data);
- basic (--basic USER:PASS) or bearer (--bearer TOKEN) auth: 401;
- Connect errors: HTTP status and a JSON body {"code", "message"};
  codecs other than proto are 415; an unknown method is 404;
- time range: end before start, or longer than --max-range-ms
  (Pyroscope's max_query_length, default 30 days), is invalid_argument (400);
- the profile type is `name:type:unit:period_type:period_unit`; a malformed
  one is invalid_argument; a label selector `{k="v",...}` selects the served
  profile when its labels match, else the answer is an empty profile;
- `Accept-Encoding: gzip` gives a gzip body (Content-Encoding: gzip).
Fault injection for client tests: --fail-first N (500 internal, then
success), --delay S (before answering), --truncate (Content-Length larger
than the body sent).

The profile served is a pprof file given with --profile (gzipped or not),
written by an independent writer (npm pprof-format). The server prints its
port on stdout once listening (--port 0 picks a free loopback port).

Usage: pyroscope_server.py --profile P.pb[.gz] [--service NAME] [--tenant ID]
         [--basic USER:PASS | --bearer TOKEN] [--port N] [--max-range-ms N]
         [--fail-first N] [--delay S] [--truncate] [--old-server] [--log FILE]
         [--tree-fault truncated|children]
"""
import argparse
import base64
import gzip
import http.server
import json
import re
import sys
import threading
import time

METHOD = "/querier.v1.QuerierService/SelectMergeProfile"
STACKTRACES = "/querier.v1.QuerierService/SelectMergeStacktraces"
PROFILE_FORMAT_TREE = 2

# Connect error codes and their HTTP statuses (connectrpc.com protocol spec).
STATUS = {"invalid_argument": 400, "unauthenticated": 401, "permission_denied": 403,
          "not_found": 404, "internal": 500, "unavailable": 503, "unimplemented": 501}


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


def decode_request(body):
    """SelectMergeProfileRequest fields 1-5 (SelectMergeStacktracesRequest:
    also 6, format) from protobuf bytes."""
    out = {"profile_typeID": "", "label_selector": "", "start": 0, "end": 0, "format": 0}
    i = 0
    while i < len(body):
        tag, i = varint(body, i)
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            v, i = varint(body, i)
            if v >= 1 << 63:
                v -= 1 << 64  # int64
            if field in (3, 4, 5, 6):
                out[{3: "start", 4: "end", 5: "max_nodes", 6: "format"}[field]] = v
        elif wire == 2:
            n, i = varint(body, i)
            if i + n > len(body):
                raise ValueError("truncated field")
            data = body[i:i + n]
            i += n
            if field in (1, 2):
                out[{1: "profile_typeID", 2: "label_selector"}[field]] = data.decode("utf-8")
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        else:
            raise ValueError(f"wire type {wire}")
    if i != len(body):
        raise ValueError("truncated message")
    return out


def message_fields(buf):
    """(field, wire type, value) of a protobuf message; value is an int or bytes."""
    i = 0
    while i < len(buf):
        tag, i = varint(buf, i)
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            v, i = varint(buf, i)
        elif wire == 2:
            n, i = varint(buf, i)
            v, i = buf[i:i + n], i + n
        elif wire == 1:
            v, i = int.from_bytes(buf[i:i + 8], "little"), i + 8
        elif wire == 5:
            v, i = int.from_bytes(buf[i:i + 4], "little"), i + 4
        else:
            raise ValueError(f"wire type {wire}")
        yield field, wire, v


def ints(wire, v):
    """A repeated integer field's element(s): packed (bytes) or not."""
    if wire == 0:
        return [v]
    out, i = [], 0
    while i < len(v):
        x, i = varint(v, i)
        out.append(x - (1 << 64) if x >= 1 << 63 else x)
    return out


def function_tree(pprof, sample_type):
    """Pyroscope's FunctionNameTree of a pprof (pkg/model/tree.go), as
    SelectMergeStacktraces builds it: stacks root first by function name (a
    location's inline lines innermost first, so reversed), values of the
    sample type `type:unit` (else the first), merged by path."""
    strings, types, samples, locs, funcs = [], [], [], {}, {}
    for f, w, v in message_fields(pprof):
        if f == 6:
            strings.append(v.decode("utf-8"))
        elif f == 1:
            vt = dict((ff, vv) for ff, _, vv in message_fields(v))
            types.append((vt.get(1, 0), vt.get(2, 0)))
        elif f == 2:
            ids, vals = [], []
            for ff, ww, vv in message_fields(v):
                if ff == 1:
                    ids += ints(ww, vv)
                elif ff == 2:
                    vals += ints(ww, vv)
            samples.append((ids, vals))
        elif f == 4:
            lid, lines = 0, []
            for ff, _, vv in message_fields(v):
                if ff == 1:
                    lid = vv
                elif ff == 4:
                    lines.append(dict((a, b) for a, _, b in message_fields(vv)).get(1, 0))
            locs[lid] = lines
        elif f == 5:
            fd = dict((ff, vv) for ff, _, vv in message_fields(v))
            funcs[fd.get(1, 0)] = fd.get(2, 0)
    idx = 0
    for k, (t, u) in enumerate(types):
        if f"{strings[t]}:{strings[u]}" == sample_type:
            idx = k
    root = {}  # name -> [self, children]
    for ids, vals in samples:
        names = [strings[funcs[fn]] for lid in ids for fn in locs.get(lid, []) if fn in funcs]
        if not names or idx >= len(vals) or vals[idx] <= 0:
            continue
        node = None
        level = root
        for name in reversed(names):
            node = level.setdefault(name, [0, {}])
            level = node[1]
        node[0] += vals[idx]
    return root


def enc_varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def tree_bytes(root):
    """The tree in Pyroscope's marshalled form: depth first from a nameless
    virtual root, each node varint(len(name)) name varint(self)
    varint(number of children)."""
    out = bytearray()
    stack = [("", [0, root])]
    while stack:
        name, (self_, kids) = stack.pop()
        raw = name.encode("utf-8")
        out += enc_varint(len(raw)) + raw + enc_varint(self_) + enc_varint(len(kids))
        stack.extend(sorted(kids.items()))
    return bytes(out)


def parse_selector(sel):
    """`{k="v", ...}` (equality matchers only) into a dict, or None."""
    sel = sel.strip()
    if not (sel.startswith("{") and sel.endswith("}")):
        return None
    inner = sel[1:-1].strip()
    labels = {}
    if not inner:
        return labels
    for part in re.finditer(r'\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)', inner):
        labels[part.group(1)] = part.group(2)
    rebuilt = ",".join(f'{k}="{v}"' for k, v in labels.items())
    if rebuilt.replace(" ", "") != inner.replace(" ", ""):
        return None
    return labels


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the tests read stdout
        pass

    def error(self, code, message):
        body = json.dumps({"code": code, "message": message}).encode()
        self.send_response(STATUS[code])
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def authorized(self):
        cfg = self.server.cfg
        got = self.headers.get("Authorization", "")
        if cfg.basic:
            return got == "Basic " + base64.b64encode(cfg.basic.encode()).decode()
        if cfg.bearer:
            return got == "Bearer " + cfg.bearer
        return True

    def do_GET(self):
        self.error("not_found", "404 page not found")

    def do_POST(self):
        cfg = self.server.cfg
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        with self.server.lock:
            self.server.requests += 1
            n = self.server.requests
        if cfg.log:
            with self.server.lock, open(cfg.log, "a") as f:
                f.write(self.path + "\n")
        if self.path == METHOD and cfg.old_server:
            # An older server: no such route (connect-go's mux answers a
            # plain-text 404 for a procedure it does not serve).
            self.send_response(404)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", "19")
            self.end_headers()
            self.wfile.write(b"404 page not found\n")
            return
        if self.path not in (METHOD, STACKTRACES):
            return self.error("not_found", f"unknown method {self.path}")
        if cfg.delay:
            time.sleep(cfg.delay)
        if n <= cfg.fail_first:
            return self.error("internal", "injected failure")
        if not self.authorized():
            return self.error("unauthenticated", "invalid credentials")
        tenant = self.headers.get("X-Scope-OrgID")
        if cfg.tenant and not tenant:
            return self.error("unauthenticated", "no org id")
        ctype = self.headers.get("Content-Type", "")
        if ctype != "application/proto":
            self.send_response(415)
            self.send_header("Accept-Post", "application/proto")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.headers.get("Content-Encoding", "identity") == "gzip":
            try:
                body = gzip.decompress(body)
            except OSError:
                return self.error("invalid_argument", "bad gzip request body")
        try:
            req = decode_request(body)
        except (ValueError, UnicodeDecodeError) as e:
            return self.error("invalid_argument", f"unmarshal message: {e}")
        if len(req["profile_typeID"].split(":")) != 5:
            return self.error("invalid_argument",
                              f"profile type must be of the form <name>:<sample type>:"
                              f"<sample unit>:<period type>:<period unit>, got "
                              f"{req['profile_typeID']!r}")
        if req["end"] < req["start"]:
            return self.error("invalid_argument", "end time is before start time")
        if req["end"] - req["start"] > cfg.max_range_ms:
            return self.error("invalid_argument",
                              f"the query time range exceeds the limit (max_query_length, "
                              f"{cfg.max_range_ms} ms)")
        sel = parse_selector(req["label_selector"])
        if sel is None:
            return self.error("invalid_argument",
                              f"parse error in label selector {req['label_selector']!r}")
        match = (req["profile_typeID"] == cfg.profile_type and
                 all(cfg.labels.get(k) == v for k, v in sel.items()) and
                 (not cfg.tenant or tenant == cfg.tenant))
        if self.path == STACKTRACES:
            if req["format"] != PROFILE_FORMAT_TREE:
                return self.error("unimplemented", "only the tree format is served here")
            stype = ":".join(req["profile_typeID"].split(":")[1:3])
            tree = tree_bytes(function_tree(self.server.profile, stype)) if match else b""
            if cfg.tree_fault == "truncated":
                tree = tree[:-3]
            elif cfg.tree_fault == "children":  # a root claiming 2^40 children
                tree = b"\x00\x00" + enc_varint(1 << 40) + tree[3:]
            # SelectMergeStacktracesResponse { bytes tree = 2; }
            out = (b"\x12" + enc_varint(len(tree)) + tree) if tree else b""
        else:
            # An empty google.v1.Profile: string_table [""] only.
            out = self.server.profile if match else b"\x32\x00"
        gz = "gzip" in self.headers.get("Accept-Encoding", "")
        if gz:
            out = gzip.compress(out, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", "application/proto")
        if gz:
            self.send_header("Content-Encoding", "gzip")
        sent = out[: len(out) // 2] if cfg.truncate else out
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(sent)
        if cfg.truncate:
            self.close_connection = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", required=True)
    ap.add_argument("--profile-type", default="process_cpu:cpu:nanoseconds:cpu:nanoseconds")
    ap.add_argument("--service", default="app")
    ap.add_argument("--tenant")
    ap.add_argument("--basic")
    ap.add_argument("--bearer")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--max-range-ms", type=int, default=30 * 24 * 3600 * 1000)
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--delay", type=float, default=0)
    ap.add_argument("--truncate", action="store_true")
    ap.add_argument("--old-server", action="store_true",
                    help="no SelectMergeProfile (a 404), SelectMergeStacktraces only")
    ap.add_argument("--log", help="append the path of each request to this file")
    ap.add_argument("--tree-fault", choices=["truncated", "children"],
                    help="serve damaged tree bytes")
    cfg = ap.parse_args()
    cfg.labels = {"service_name": cfg.service}
    data = open(cfg.profile, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", cfg.port), Handler)
    srv.cfg, srv.profile, srv.requests, srv.lock = cfg, data, 0, threading.Lock()
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
