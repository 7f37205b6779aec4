// http.cpp: request parsing (request line, headers by name, Content-Length
// bodies) and response writing. The common headers are the hot path; odd
// input goes through the error paths.
#include "http.h"

#include <cstring>

namespace kvsvc {
namespace {

constexpr size_t kMaxBody = 4096;
constexpr size_t kMaxHeaders = 64;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z')
      x = char(x + 32);
    if (y >= 'A' && y <= 'Z')
      y = char(y + 32);
    if (x != y)
      return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

Method parse_method(std::string_view m) {
  switch (m.size()) {
  case 3:
    if (m == "GET")
      return Method::Get;
    if (m == "PUT")
      return Method::Put;
    break;
  case 4:
    if (m == "POST")
      return Method::Post;
    if (m == "HEAD")
      return Method::Head;
    break;
  case 6:
    if (m == "DELETE")
      return Method::Delete;
    break;
  }
  return Method::Other;
}

bool parse_size(std::string_view v, size_t &out) {
  if (v.empty() || v.size() > 9)
    return false;
  size_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9')
      return false;
    n = n * 10 + size_t(c - '0');
  }
  out = n;
  return true;
}

// One header line; false if it is malformed.
bool apply_header(std::string_view name, std::string_view value, Request &req) {
  switch (name.size()) {
  case 4:
    if (iequals(name, "host"))
      return !value.empty();
    break;
  case 6:
    if (iequals(name, "accept"))
      return true;
    break;
  case 10:
    if (iequals(name, "connection")) {
      req.keep_alive = !iequals(value, "close");
      return true;
    }
    if (iequals(name, "user-agent"))
      return true;
    break;
  case 12:
    if (iequals(name, "content-type")) {
      req.json = value.substr(0, 16) == "application/json";
      return true;
    }
    if (iequals(name, "x-request-id")) {
      req.request_id = value;
      return value.size() <= 64;
    }
    break;
  case 14:
    if (iequals(name, "content-length"))
      return parse_size(value, req.content_length);
    break;
  }
  // Unknown headers are allowed if the name is a token.
  for (char c : name)
    if (c <= ' ' || c == ':' || c >= 127)
      return false;
  return true;
}

} // namespace

ParseStatus parse_request(std::string_view in, Request &req, size_t &used) {
  req = Request{};
  size_t eol = in.find("\r\n");
  if (eol == std::string_view::npos)
    return ParseStatus::Incomplete;
  std::string_view line = in.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) {
    used = eol + 2;
    return ParseStatus::BadRequestLine;
  }
  req.method = parse_method(line.substr(0, sp1));
  req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  size_t pos = eol + 2;
  ParseStatus status = ParseStatus::Ok;
  if (version != "HTTP/1.1" && version != "HTTP/1.0")
    status = ParseStatus::BadVersion;
  if (req.target.empty() || req.target[0] != '/')
    status = ParseStatus::BadRequestLine;

  for (;;) {
    size_t end = in.find("\r\n", pos);
    if (end == std::string_view::npos)
      return ParseStatus::Incomplete;
    std::string_view h = in.substr(pos, end - pos);
    pos = end + 2;
    if (h.empty())
      break;
    size_t colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0 || ++req.header_count > kMaxHeaders ||
        !apply_header(h.substr(0, colon), trim(h.substr(colon + 1)), req)) {
      if (status == ParseStatus::Ok)
        status = ParseStatus::BadHeader;
    }
  }
  if (req.content_length > kMaxBody) {
    // Skip what we can of the body so the stream stays in sync.
    size_t skip = in.size() - pos < req.content_length ? in.size() - pos : req.content_length;
    used = pos + skip;
    return ParseStatus::TooLarge;
  }
  if (in.size() - pos < req.content_length)
    return ParseStatus::Incomplete;
  req.body = in.substr(pos, req.content_length);
  used = pos + req.content_length;
  return status;
}

const char *parse_status_name(ParseStatus s) {
  switch (s) {
  case ParseStatus::Ok: return "ok";
  case ParseStatus::Incomplete: return "incomplete request";
  case ParseStatus::BadRequestLine: return "malformed request line";
  case ParseStatus::BadHeader: return "malformed header";
  case ParseStatus::TooLarge: return "body too large";
  case ParseStatus::BadVersion: return "unsupported HTTP version";
  }
  return "?";
}

namespace {
const char *reason(int status) {
  switch (status) {
  case 200: return "OK";
  case 201: return "Created";
  case 204: return "No Content";
  case 400: return "Bad Request";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 409: return "Conflict";
  case 413: return "Payload Too Large";
  case 505: return "HTTP Version Not Supported";
  default: return "Internal Server Error";
  }
}

void append_uint(std::string &out, size_t v) {
  char buf[24];
  char *p = buf + sizeof(buf);
  do {
    *--p = char('0' + v % 10);
    v /= 10;
  } while (v);
  out.append(p, size_t(buf + sizeof(buf) - p));
}
} // namespace

void write_response(std::string &out, int status, std::string_view request_id,
                    std::string_view content_type, std::string_view body) {
  out += "HTTP/1.1 ";
  append_uint(out, size_t(status));
  out += ' ';
  out += reason(status);
  out += "\r\nServer: kvsvc\r\nContent-Length: ";
  append_uint(out, body.size());
  if (!content_type.empty()) {
    out += "\r\nContent-Type: ";
    out += content_type;
  }
  if (!request_id.empty()) {
    out += "\r\nX-Request-Id: ";
    out += request_id;
  }
  out += "\r\n\r\n";
  out += body;
}

} // namespace kvsvc
