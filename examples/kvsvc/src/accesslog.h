// accesslog.h: kvsvc's access log: one formatted line per request (fmt) into
// an in-memory buffer that a real service would hand to a writer thread; here
// it is dropped when full, after its size and a hash are taken.
#pragma once
#include "http.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace kvsvc {

class AccessLog {
public:
  void record(const Request &req, int status, size_t response_bytes);
  uint64_t lines() const { return lines_; }
  uint64_t bytes() const { return bytes_ + buf_.size(); }

private:
  void flush();
  std::string buf_;
  uint64_t lines_ = 0, bytes_ = 0, seq_ = 0;
};

} // namespace kvsvc
