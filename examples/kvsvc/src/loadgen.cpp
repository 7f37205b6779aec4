// loadgen.cpp: the request mix of kvsvc's load generator (per mille):
// 560 GET, 140 PUT (JSON bodies, a few plain text, 1 in 100 broken JSON),
// 80 INCR, 30 DELETE, 20 HEAD, 30 batch (JSON), 40 health, 5 stats, and 95
// that end in errors (bad keys, unknown routes, wrong methods, broken headers,
// old HTTP versions, oversized bodies, missing keys). Keys are skewed: most
// traffic goes to a thousand hot keys.
#include "loadgen.h"

#include <cstdio>

namespace kvsvc {
namespace {

struct Rng {
  uint64_t s;
  uint64_t next() {  // splitmix64
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  unsigned below(unsigned n) { return unsigned(next() % n); }
};

std::string key(Rng &r) {
  char buf[32];
  if (r.below(10) < 8) {
    unsigned u = r.below(1000);
    std::snprintf(buf, sizeof(buf), "user:%u", u * u / 1000);  // skewed to small ids
  } else {
    std::snprintf(buf, sizeof(buf), "session:%u", r.below(20000));
  }
  return buf;
}

std::string value(Rng &r) {
  static const char kAlpha[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string v(8 + r.below(56), 'x');
  for (char &c : v)
    c = kAlpha[r.below(36)];
  return v;
}

std::string put_body(Rng &r, const std::string &v) {
  static const char *const kTags[] = {"hot", "user", "session", "cache", "eu-west", "beta", "v2"};
  std::string b = "{\"value\": \"" + v + "\"";
  if (r.below(2))
    b += ", \"ttl\": " + std::to_string(r.below(3600));
  if (unsigned n = r.below(4)) {
    b += ", \"tags\": [";
    for (unsigned k = 0; k < n; ++k)
      b += std::string(k ? ", \"" : "\"") + kTags[r.below(7)] + "\"";
    b += "]";
  }
  b += "}";
  if (r.below(100) == 0)
    b.resize(b.size() / 2);  // a client bug: truncated JSON
  return b;
}

void request(std::string &out, Rng &r, uint64_t id, const char *method, const std::string &target,
             const std::string &body, const char *version = "HTTP/1.1", bool bad_header = false,
             const char *type = "text/plain") {
  char idbuf[32];
  std::snprintf(idbuf, sizeof(idbuf), "%016llx", (unsigned long long)id);
  out += method;
  out += ' ';
  out += target;
  out += ' ';
  out += version;
  out += "\r\nHost: kv.internal\r\n";
  if (r.below(4) == 0)
    out += "Accept: */*\r\n";
  out += "User-Agent: kvload/1.2\r\nX-Request-Id: ";
  out += idbuf;
  out += "\r\n";
  if (r.below(8) == 0)
    out += "Connection: keep-alive\r\n";
  if (r.below(50) == 0)
    out += "X-Trace-Parent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n";
  if (bad_header)
    out += "Bad Header Without Colon\r\n";
  if (!body.empty() || *method == 'P') {
    out += "Content-Type: ";
    out += type;
    out += "\r\nContent-Length: ";
    out += std::to_string(body.size());
    out += "\r\n";
  }
  out += "\r\n";
  out += body;
}

} // namespace

void generate_load(std::string &out, size_t n, uint64_t seed) {
  Rng r{seed};
  for (size_t i = 0; i < n; ++i) {
    unsigned m = r.below(1000);
    if (m < 560) {
      request(out, r, i, "GET", "/kv/" + key(r), "");
    } else if (m < 700) {
      std::string k = key(r), v = value(r);
      if (r.below(8))
        request(out, r, i, "PUT", "/kv/" + k, put_body(r, v), "HTTP/1.1", false, "application/json");
      else
        request(out, r, i, "PUT", "/kv/" + k, v);
    } else if (m < 780) {
      request(out, r, i, "POST", "/incr/counter:" + std::to_string(r.below(200)),
              r.below(3) ? "" : std::to_string(int(r.below(100)) - 50));
    } else if (m < 810) {
      request(out, r, i, "DELETE", "/kv/" + key(r), "");
    } else if (m < 830) {
      request(out, r, i, "HEAD", "/kv/" + key(r), "");
    } else if (m < 860) {
      std::string body = "{\"ops\": [";
      for (unsigned k = 0, ops = 3 + r.below(6); k < ops; ++k) {
        body += k ? ", " : "";
        body += r.below(3) ? "{\"op\": \"get\", \"key\": \"" + key(r) + "\"}"
                           : "{\"op\": \"put\", \"key\": \"" + key(r) + "\", \"value\": \"" + value(r) + "\"}";
      }
      body += "]}";
      request(out, r, i, "POST", "/batch", body, "HTTP/1.1", false, "application/json");
    } else if (m < 900) {
      request(out, r, i, "GET", "/health", "");
    } else if (m < 905) {
      request(out, r, i, "GET", "/stats", "");
    } else if (m < 925) {
      request(out, r, i, "GET", "/kv/bad%20key!" + std::to_string(r.below(100)), "");
    } else if (m < 945) {
      request(out, r, i, "GET", "/v2/items/" + std::to_string(r.below(1000)), "");
    } else if (m < 960) {
      request(out, r, i, "PATCH", "/kv/" + key(r), value(r));
    } else if (m < 970) {
      request(out, r, i, "GET", "/kv/" + key(r), "", "HTTP/1.1", true);
    } else if (m < 978) {
      request(out, r, i, "GET", "/kv/" + key(r), "", "HTTP/2.0");
    } else if (m < 981) {
      request(out, r, i, "PUT", "/kv/" + key(r), std::string(4500 + r.below(500), 'z'));
    } else {
      request(out, r, i, "GET", "/kv/missing:" + std::to_string(r.next() % 1000000), "");
    }
  }
}

} // namespace kvsvc
