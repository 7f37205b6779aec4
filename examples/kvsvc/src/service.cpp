// service.cpp: routing table, handlers and error responses of kvsvc. The hot
// paths (GET/PUT of small values) share code with rarely taken ones (batch,
// stats, every error response), the mix PGO and BOLT lay out better.
#include "service.h"

#include <cstdio>
#include <cstring>

namespace kvsvc {
namespace {

struct Route {
  Method method;
  std::string_view prefix;
  bool exact;  // the whole target, not a prefix
  Service::Handler handler;
};

bool valid_key(std::string_view key) {
  if (key.empty() || key.size() > Store::kMaxKey)
    return false;
  for (char c : key)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
          c == '_' || c == '-' || c == '.'))
      return false;
  return true;
}

bool parse_i64(std::string_view s, long long &out) {
  bool neg = !s.empty() && s[0] == '-';
  if (neg)
    s.remove_prefix(1);
  if (s.empty() || s.size() > 18)
    return false;
  long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
    v = v * 10 + (c - '0');
  }
  out = neg ? -v : v;
  return true;
}

std::string_view format_i64(long long v, char (&buf)[24]) {
  unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
  char *p = buf + sizeof(buf);
  do {
    *--p = char('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0)
    *--p = '-';
  return std::string_view(p, size_t(buf + sizeof(buf) - p));
}

} // namespace

void Service::reply(std::string &out, const Request &req, int status, std::string_view body,
                    std::string_view type) {
  if (status < 300)
    ++c_.ok;
  write_response(out, status, req.request_id, body.empty() ? std::string_view() : type, body);
}

// Error responses are JSON with the request id: built with snprintf, rare.
void Service::error(std::string &out, const Request &req, int status, const char *what,
                    std::string_view detail) {
  if (status == 404)
    ++c_.not_found;
  else if (status >= 500)
    ++c_.server_errors;
  else
    ++c_.client_errors;
  char body[256];
  int n = std::snprintf(body, sizeof(body),
                        "{\"error\":\"%s\",\"status\":%d,\"detail\":\"%.*s\",\"request_id\":\"%.*s\"}",
                        what, status, int(detail.size() > 64 ? 64 : detail.size()), detail.data(),
                        int(req.request_id.size()), req.request_id.data());
  write_response(out, status, req.request_id, "application/json",
                 std::string_view(body, n > 0 ? size_t(n) : 0));
}

void Service::get(const Request &req, std::string_view key, std::string &out) {
  ++c_.gets;
  if (!valid_key(key))
    return error(out, req, 400, "invalid key", key);
  std::string_view v;
  if (!store_.get(key, v)) {  // a miss is normal traffic for a cache: no error body
    ++c_.not_found;
    return write_response(out, 404, req.request_id, {}, {});
  }
  if (req.method == Method::Head)
    return reply(out, req, 200, {});
  reply(out, req, 200, v);
}

void Service::put(const Request &req, std::string_view key, std::string &out) {
  ++c_.puts;
  if (!valid_key(key))
    return error(out, req, 400, "invalid key", key);
  switch (store_.put(key, req.body)) {
  case Store::PutResult::Inserted: return reply(out, req, 201, {});
  case Store::PutResult::Updated: return reply(out, req, 204, {});
  case Store::PutResult::TooLong: return error(out, req, 413, "value too long", key);
  case Store::PutResult::Full: return error(out, req, 507, "store full", key);
  }
}

void Service::del(const Request &req, std::string_view key, std::string &out) {
  ++c_.deletes;
  if (!valid_key(key))
    return error(out, req, 400, "invalid key", key);
  if (!store_.erase(key))
    return error(out, req, 404, "no such key", key);
  reply(out, req, 204, {});
}

void Service::incr(const Request &req, std::string_view key, std::string &out) {
  ++c_.incrs;
  long long delta = 1, value = 0;
  if (!req.body.empty() && !parse_i64(req.body, delta))
    return error(out, req, 400, "delta is not a number", req.body);
  std::string_view old;
  if (store_.get(key, old) && !parse_i64(old, value))
    return error(out, req, 409, "value is not a number", old);
  char buf[24];
  std::string_view nv = format_i64(value + delta, buf);
  if (store_.put(key, nv) == Store::PutResult::Full)
    return error(out, req, 507, "store full", key);
  reply(out, req, 200, nv);
}

// POST /batch: one "get KEY" or "put KEY VALUE" per line, one result line each.
void Service::batch(const Request &req, std::string_view, std::string &out) {
  ++c_.batches;
  scratch_.clear();
  std::string_view body = req.body;
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    ++c_.batch_ops;
    std::string_view v;
    if (line.substr(0, 4) == "get ") {
      scratch_ += store_.get(line.substr(4), v) ? v : std::string_view("-");
    } else if (line.substr(0, 4) == "put ") {
      std::string_view rest = line.substr(4);
      size_t sp = rest.find(' ');
      bool ok = sp != std::string_view::npos && valid_key(rest.substr(0, sp)) &&
                store_.put(rest.substr(0, sp), rest.substr(sp + 1)) <= Store::PutResult::Updated;
      scratch_ += ok ? "ok" : "error";
    } else {
      return error(out, req, 400, "bad batch line", line);
    }
    scratch_ += '\n';
  }
  reply(out, req, 200, scratch_);
}

void Service::stats(const Request &req, std::string_view, std::string &out) {
  char body[512];
  int n = std::snprintf(body, sizeof(body),
                        "{\"requests\":%llu,\"ok\":%llu,\"not_found\":%llu,\"client_errors\":%llu,"
                        "\"keys\":%zu,\"capacity\":%zu,\"probes\":%llu,\"gets\":%llu,\"puts\":%llu}",
                        (unsigned long long)c_.requests, (unsigned long long)c_.ok,
                        (unsigned long long)c_.not_found, (unsigned long long)c_.client_errors,
                        store_.size(), store_.capacity(), (unsigned long long)store_.probes(),
                        (unsigned long long)c_.gets, (unsigned long long)c_.puts);
  reply(out, req, 200, std::string_view(body, size_t(n)), "application/json");
}

void Service::health(const Request &req, std::string_view, std::string &out) {
  reply(out, req, 200, "ok");
}

void Service::handle(const Request &req, std::string &out) {
  static const Route kRoutes[] = {
      {Method::Get, "/kv/", false, &Service::get},
      {Method::Put, "/kv/", false, &Service::put},
      {Method::Post, "/incr/", false, &Service::incr},
      {Method::Delete, "/kv/", false, &Service::del},
      {Method::Head, "/kv/", false, &Service::get},
      {Method::Post, "/batch", true, &Service::batch},
      {Method::Get, "/stats", true, &Service::stats},
      {Method::Get, "/health", true, &Service::health},
  };
  bool path_known = false;
  for (const Route &r : kRoutes) {
    bool match = r.exact ? req.target == r.prefix : req.target.substr(0, r.prefix.size()) == r.prefix;
    if (!match)
      continue;
    path_known = true;
    if (r.method == req.method)
      return (this->*r.handler)(req, req.target.substr(r.prefix.size()), out);
  }
  if (path_known)
    return error(out, req, 405, "method not allowed", req.target);
  error(out, req, 404, "no such route", req.target);
}

size_t Service::serve(std::string_view in, std::string &out) {
  size_t done = 0;
  Request req;
  while (done < in.size()) {
    size_t used = 0;
    ParseStatus st = parse_request(in.substr(done), req, used);
    if (st == ParseStatus::Incomplete)
      break;
    ++c_.requests;
    done += used;
    switch (st) {
    case ParseStatus::Ok: handle(req, out); break;
    case ParseStatus::TooLarge: error(out, req, 413, parse_status_name(st), req.target); break;
    case ParseStatus::BadVersion: error(out, req, 505, parse_status_name(st), req.target); break;
    default: error(out, req, 400, parse_status_name(st), req.target); break;
    }
  }
  return done;
}

} // namespace kvsvc
