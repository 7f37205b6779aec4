// store/Http.h: HTTP requests over libcurl, with retries and bounded bodies.
//
// The one HTTP client of pgoctl: the S3 backend uses it, and so will the
// fleet sources (Pyroscope, Parca). It sends one request and returns the
// final response (any status); the caller decides what a status means.
// What it does for every caller:
//   - retries transient failures (5xx, 429, a timeout, a refused or dropped
//     connection, a body shorter than its Content-Length) with exponential
//     backoff and full jitter (RetryPolicy in store/Store.h); never a 4xx;
//   - bounds every body: MaxBodyBytes for a body kept in the response, the
//     sink's own limit for a streamed one; a larger body is an error of kind
//     resource, never an allocation;
//   - a transfer slower than 1 KiB/s for LowSpeedTimeoutSec has timed out;
//   - signs with AWS SigV4 by libcurl itself (CURLOPT_AWS_SIGV4) when asked;
//   - keeps credentials out of every message: they travel in UserPwd or in
//     headers the caller marks secret, never in the URL, and errors show the
//     method and URL only.
#pragma once

#include "store/Store.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace pgoctl::store {

struct HttpHeader {
  std::string Name, Value;
};

struct HttpRequest {
  std::string Method = "GET"; ///< GET, HEAD, PUT, POST, DELETE
  std::string Url;            ///< no credentials in it
  std::vector<HttpHeader> Headers;
  llvm::StringRef Body; ///< sent as is (PUT, POST)
  /// libcurl's CURLOPT_AWS_SIGV4 provider string (`aws:amz:<region>:s3`);
  /// empty: not signed.
  std::string AwsSigV4;
  /// `user:password` for SigV4 (access key id : secret) or basic auth.
  std::string UserPwd;
};

struct HttpResponse {
  long Status = 0;
  std::vector<HttpHeader> Headers; ///< names lowercased
  std::string Body;                ///< empty when the body went to a sink
  /// The value of a header (case-insensitive name), or "".
  llvm::StringRef header(llvm::StringRef Name) const;
};

struct HttpOptions {
  RetryPolicy Retry;
  unsigned ConnectTimeoutSec = 10;
  unsigned LowSpeedTimeoutSec = 30;
  uint64_t MaxBodyBytes = uint64_t(16) << 20; ///< a body kept in HttpResponse
};

class HttpClient {
public:
  explicit HttpClient(const HttpOptions &Opts);
  ~HttpClient();
  HttpClient(const HttpClient &) = delete;
  HttpClient &operator=(const HttpClient &) = delete;

  /// Sends Req. With BodySink, a 2xx body goes to the sink (at most
  /// MaxSinkBytes; Restart is called before a retry) and other bodies to the
  /// response. Errors: the transport failed on every attempt, or a body was
  /// over its limit.
  llvm::Expected<HttpResponse> send(const HttpRequest &Req, const Sink *BodySink = nullptr,
                                    uint64_t MaxSinkBytes = 0);

  /// Attempts made by the last send() (for tests and --stats).
  unsigned lastAttempts() const { return LastAttempts; }

private:
  struct Impl;
  std::unique_ptr<Impl> I;
  HttpOptions Opts;
  unsigned LastAttempts = 0;
};

/// AWS's URI encoding (RFC 3986 unreserved characters kept, every other byte
/// %XX in upper case); `/` is kept when KeepSlash (object key paths).
std::string awsUriEncode(llvm::StringRef S, bool KeepSlash);

} // namespace pgoctl::store
