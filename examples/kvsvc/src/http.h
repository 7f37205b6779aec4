// http.h: the wire format of kvsvc: an HTTP/1.1 request parser for pipelined
// requests in one buffer, and the response writer.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kvsvc {

enum class Method : uint8_t { Get, Put, Post, Delete, Head, Other };

struct Request {
  Method method = Method::Other;
  std::string_view target;  // "/kv/user:42"
  std::string_view body;
  std::string_view request_id;
  size_t content_length = 0;
  bool keep_alive = true;
  bool json = false;        // Content-Type: application/json
  uint32_t header_count = 0;
};

enum class ParseStatus : uint8_t { Ok, Incomplete, BadRequestLine, BadHeader, TooLarge, BadVersion };

// Parses one request at the start of `in`; `used` is its size in bytes.
ParseStatus parse_request(std::string_view in, Request &req, size_t &used);
const char *parse_status_name(ParseStatus s);

// Appends "HTTP/1.1 <status> <reason>" + headers + body to `out`.
void write_response(std::string &out, int status, std::string_view request_id,
                    std::string_view content_type, std::string_view body);

} // namespace kvsvc
