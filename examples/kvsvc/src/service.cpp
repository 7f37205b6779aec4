// service.cpp: routing table, handlers and error responses of kvsvc. The hot
// paths (GET/PUT of small values) share code with rarely taken ones (batch,
// stats, every error response), the mix PGO and BOLT lay out better. Bodies
// are JSON (nlohmann::json) as in most HTTP services: PUT takes
// {"value": "...", "ttl": N, "tags": [...]}, GET answers {"key": ..., "value": ...},
// and a batch is {"ops": [...]}. Every request gets an access log line.
#include "service.h"

#include <nlohmann/json.hpp>

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

using nlohmann::json;

// A JSON body, or a discarded value when it is not valid JSON (no exceptions
// on the request path).
json parse_json(std::string_view body) {
  return json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
}

const std::string *string_member(const json &j, const char *name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? &it->get_ref<const std::string &>() : nullptr;
}

} // namespace

void Service::respond(std::string &out, const Request &req, int status, std::string_view type,
                      std::string_view body) {
  status_ = status;
  write_response(out, status, req.request_id, type, body);
}

void Service::reply(std::string &out, const Request &req, int status, std::string_view body,
                    std::string_view type) {
  if (status < 300)
    ++c_.ok;
  respond(out, req, status, body.empty() ? std::string_view() : type, body);
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
  respond(out, req, status, "application/json", std::string_view(body, n > 0 ? size_t(n) : 0));
}

void Service::get(const Request &req, std::string_view key, std::string &out) {
  ++c_.gets;
  if (!valid_key(key))
    return error(out, req, 400, "invalid key", key);
  std::string_view v;
  if (!store_.get(key, v)) {  // a miss is normal traffic for a cache: no error body
    ++c_.not_found;
    return respond(out, req, 404, {}, {});
  }
  if (req.method == Method::Head)
    return reply(out, req, 200, {});
  scratch_ = json{{"key", key}, {"value", v}}.dump();
  reply(out, req, 200, scratch_, "application/json");
}

void Service::put(const Request &req, std::string_view key, std::string &out) {
  ++c_.puts;
  if (!valid_key(key))
    return error(out, req, 400, "invalid key", key);
  std::string_view value = req.body;
  json doc;
  if (req.json) {
    ++c_.json_bodies;
    doc = parse_json(req.body);
    if (doc.is_discarded() || !doc.is_object())
      return error(out, req, 400, "body is not a JSON object", key);
    const std::string *v = string_member(doc, "value");
    if (!v)
      return error(out, req, 400, "no string \"value\"", key);
    if (auto ttl = doc.find("ttl"); ttl != doc.end() &&
        (!ttl->is_number_integer() || ttl->get<long long>() < 0 || ttl->get<long long>() > 86400))
      return error(out, req, 400, "ttl must be 0..86400", key);
    if (auto tags = doc.find("tags"); tags != doc.end()) {
      if (!tags->is_array() || tags->size() > 8)
        return error(out, req, 400, "tags must be an array of at most 8", key);
      for (const json &t : *tags)
        if (!t.is_string() || t.get_ref<const std::string &>().size() > 32)
          return error(out, req, 400, "a tag must be a string of at most 32", key);
    }
    value = *v;
  }
  switch (store_.put(key, value)) {
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

// POST /batch: {"ops": [{"op": "get", "key": K} | {"op": "put", "key": K, "value": V}]},
// answered with one result object per op.
void Service::batch(const Request &req, std::string_view, std::string &out) {
  ++c_.batches;
  json doc = parse_json(req.body);
  auto ops = doc.is_object() ? doc.find("ops") : doc.end();
  if (doc.is_discarded() || !doc.is_object() || ops == doc.end() || !ops->is_array())
    return error(out, req, 400, "batch body is not {\"ops\": [...]}", req.target);
  json results = json::array();
  for (const json &op : *ops) {
    ++c_.batch_ops;
    const std::string *name = op.is_object() ? string_member(op, "op") : nullptr;
    const std::string *key = op.is_object() ? string_member(op, "key") : nullptr;
    if (!name || !key)
      return error(out, req, 400, "bad batch op", req.target);
    std::string_view v;
    if (*name == "get") {
      if (store_.get(*key, v))
        results.push_back({{"key", *key}, {"value", v}});
      else
        results.push_back({{"key", *key}, {"found", false}});
    } else if (*name == "put") {
      const std::string *value = string_member(op, "value");
      bool ok = value && valid_key(*key) && store_.put(*key, *value) <= Store::PutResult::Updated;
      results.push_back({{"key", *key}, {"ok", ok}});
    } else {
      return error(out, req, 400, "unknown batch op", *name);
    }
  }
  scratch_ = results.dump();
  reply(out, req, 200, scratch_, "application/json");
}

void Service::stats(const Request &req, std::string_view, std::string &out) {
  json j = {{"requests", c_.requests}, {"ok", c_.ok}, {"not_found", c_.not_found},
            {"client_errors", c_.client_errors}, {"keys", store_.size()},
            {"capacity", store_.capacity()}, {"probes", store_.probes()}, {"gets", c_.gets},
            {"puts", c_.puts}, {"log_lines", log_.lines()}};
  scratch_ = j.dump();
  reply(out, req, 200, scratch_, "application/json");
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
    size_t before = out.size();
    switch (st) {
    case ParseStatus::Ok: handle(req, out); break;
    case ParseStatus::TooLarge: error(out, req, 413, parse_status_name(st), req.target); break;
    case ParseStatus::BadVersion: error(out, req, 505, parse_status_name(st), req.target); break;
    default: error(out, req, 400, parse_status_name(st), req.target); break;
    }
    log_.record(req, status_, out.size() - before);
  }
  return done;
}

} // namespace kvsvc
