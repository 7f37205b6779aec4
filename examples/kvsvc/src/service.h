// service.h: kvsvc's request handling: routing, the key-value handlers, error
// responses and counters. serve() takes a buffer of pipelined requests.
#pragma once
#include "accesslog.h"
#include "http.h"
#include "store.h"

#include <string>
#include <string_view>

namespace kvsvc {

struct Counters {
  uint64_t requests = 0, ok = 0, not_found = 0, client_errors = 0, server_errors = 0;
  uint64_t gets = 0, puts = 0, deletes = 0, incrs = 0, batches = 0, batch_ops = 0, json_bodies = 0;
};

class Service {
public:
  explicit Service(size_t capacity_pow2) : store_(capacity_pow2) {}
  // Handles every complete request at the start of `in`, appends the
  // responses to `out`, returns the number of bytes consumed.
  size_t serve(std::string_view in, std::string &out);
  const Counters &counters() const { return c_; }
  const Store &store() const { return store_; }
  const AccessLog &access_log() const { return log_; }

  // A handler answers one routed request; `key` is the target after the route prefix.
  using Handler = void (Service::*)(const Request &, std::string_view key, std::string &out);

private:
  void handle(const Request &req, std::string &out);
  void respond(std::string &out, const Request &req, int status, std::string_view type,
               std::string_view body);
  void reply(std::string &out, const Request &req, int status, std::string_view body,
             std::string_view type = "text/plain");
  void error(std::string &out, const Request &req, int status, const char *what,
             std::string_view detail);

  void get(const Request &, std::string_view key, std::string &out);
  void put(const Request &, std::string_view key, std::string &out);
  void del(const Request &, std::string_view key, std::string &out);
  void incr(const Request &, std::string_view key, std::string &out);
  void batch(const Request &, std::string_view key, std::string &out);
  void stats(const Request &, std::string_view key, std::string &out);
  void health(const Request &, std::string_view key, std::string &out);

  Store store_;
  Counters c_;
  AccessLog log_;
  int status_ = 0;  // of the response being written
  std::string scratch_;
};

} // namespace kvsvc
