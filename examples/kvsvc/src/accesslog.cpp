// accesslog.cpp: the access log line, in a common log-like format:
//   <seq> <method> <target> <status> <bytes> rid=<request id> ct=<json|text>
#include "accesslog.h"

#include <fmt/format.h>

#include <iterator>

namespace kvsvc {
namespace {
std::string_view method_name(Method m) {
  switch (m) {
  case Method::Get: return "GET";
  case Method::Put: return "PUT";
  case Method::Post: return "POST";
  case Method::Delete: return "DELETE";
  case Method::Head: return "HEAD";
  case Method::Other: break;
  }
  return "-";
}
} // namespace

void AccessLog::record(const Request &req, int status, size_t response_bytes) {
  ++lines_;
  std::string_view target = req.target.size() > 80 ? req.target.substr(0, 80) : req.target;
  fmt::format_to(std::back_inserter(buf_), "{} {} {} {} {} rid={} ct={}\n", ++seq_,
                 method_name(req.method), target, status, response_bytes,
                 req.request_id.empty() ? std::string_view("-") : req.request_id,
                 req.json ? "json" : "text");
  if (buf_.size() >= 64 * 1024)
    flush();
}

void AccessLog::flush() {
  bytes_ += buf_.size();
  buf_.clear();
}

} // namespace kvsvc
