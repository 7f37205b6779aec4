// store/Http.cpp: HttpClient on one libcurl easy handle (see Http.h), with
// libcurl loaded on the first send (Curl.h).
#include "store/Http.h"

#include "llvm/ADT/STLExtras.h"

#include "core/Error.h"
#include "core/Support.h"

#include "llvm/ADT/StringExtras.h"

#include "store/Curl.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>

namespace pgoctl::store {

llvm::StringRef HttpResponse::header(llvm::StringRef Name) const {
  for (const HttpHeader &H : Headers)
    if (llvm::StringRef(H.Name).equals_insensitive(Name))
      return H.Value;
  return "";
}

std::string awsUriEncode(llvm::StringRef S, bool KeepSlash) {
  std::string Out;
  for (unsigned char C : S) {
    if (llvm::isAlnum(C) || C == '-' || C == '_' || C == '.' || C == '~' || (KeepSlash && C == '/'))
      Out += char(C);
    else {
      static const char Hex[] = "0123456789ABCDEF";
      Out += '%';
      Out += Hex[C >> 4];
      Out += Hex[C & 15];
    }
  }
  return Out;
}

struct HttpClient::Impl {
  const CurlApi *Curl = nullptr;
  CURL *H = nullptr;
};

namespace {

/// What one attempt collects through libcurl's callbacks.
struct Transfer {
  const CurlApi *Curl = nullptr;
  CURL *H = nullptr;
  HttpResponse *Resp = nullptr;
  const Sink *Out = nullptr;
  uint64_t MaxSink = 0, MaxBody = 0, Got = 0;
  bool ToSink = false, Decided = false, TooLarge = false;
  llvm::Error SinkErr = llvm::Error::success();
};

size_t onBody(char *Ptr, size_t Size, size_t N, void *User) {
  auto &T = *static_cast<Transfer *>(User);
  size_t Len = Size * N;
  if (!T.Decided) {
    long Code = 0;
    T.Curl->easy_getinfo(T.H, CURLINFO_RESPONSE_CODE, &Code);
    T.ToSink = T.Out && Code >= 200 && Code < 300;
    T.Decided = true;
  }
  T.Got += Len;
  if (T.Got > (T.ToSink ? T.MaxSink : T.MaxBody)) {
    T.TooLarge = true;
    return 0; // aborts the transfer (CURLE_WRITE_ERROR)
  }
  if (!T.ToSink) {
    T.Resp->Body.append(Ptr, Len);
    return Len;
  }
  if (llvm::Error E = T.Out->Write(llvm::StringRef(Ptr, Len))) {
    T.SinkErr = std::move(E);
    return 0;
  }
  return Len;
}

size_t onHeader(char *Ptr, size_t Size, size_t N, void *User) {
  auto &T = *static_cast<Transfer *>(User);
  llvm::StringRef Line(Ptr, Size * N);
  if (Line.starts_with("HTTP/")) { // a new response (after 100 Continue, say)
    T.Resp->Headers.clear();
    return Size * N;
  }
  auto [Name, Value] = Line.split(':');
  if (!Value.empty() || Line.contains(':'))
    if (T.Resp->Headers.size() < 256)
      T.Resp->Headers.push_back({Name.trim().lower(), Value.trim().str()});
  return Size * N;
}

bool retryableTransport(CURLcode C) {
  switch (C) {
  case CURLE_OPERATION_TIMEDOUT:
  case CURLE_COULDNT_CONNECT:
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_SSL_CONNECT_ERROR:
    return true;
  default:
    return false;
  }
}

} // namespace

HttpClient::HttpClient(const HttpOptions &O) : I(std::make_unique<Impl>()), Opts(O) {}

HttpClient::~HttpClient() {
  if (I->H)
    I->Curl->easy_cleanup(I->H);
}

llvm::Expected<HttpResponse> HttpClient::send(const HttpRequest &Req, const Sink *BodySink,
                                              uint64_t MaxSinkBytes) {
  if (!I->Curl) {
    llvm::Expected<const CurlApi *> Api = loadCurl();
    if (!Api)
      return Api.takeError();
    I->Curl = *Api;
  }
  if (!I->H)
    I->H = I->Curl->easy_init();
  CURL *H = I->H;
  if (!H)
    return makeKindError(ErrorKind::Resource, "cannot start libcurl");
  const CurlApi &C = *I->Curl;
  std::mt19937_64 Rng(std::random_device{}());
  unsigned Max = std::max(1u, Opts.Retry.MaxAttempts);
  std::string Last;
  for (unsigned Attempt = 1;; ++Attempt) {
    LastAttempts = Attempt;
    if (Attempt > 1) {
      // Full jitter: a uniform delay in [0, min(max, base * 2^(n-2))].
      uint64_t Cap = std::min<uint64_t>(Opts.Retry.MaxDelayMs,
                                        uint64_t(Opts.Retry.BaseDelayMs) << std::min(Attempt - 2, 20u));
      std::uniform_int_distribution<uint64_t> D(0, Cap);
      std::this_thread::sleep_for(std::chrono::milliseconds(D(Rng)));
      if (BodySink && BodySink->Restart)
        BodySink->Restart();
    }
    HttpResponse Resp;
    Transfer T;
    T.Curl = &C;
    T.H = H;
    T.Resp = &Resp;
    T.Out = BodySink;
    T.MaxSink = MaxSinkBytes;
    T.MaxBody = Opts.MaxBodyBytes;

    C.easy_reset(H);
    C.easy_setopt(H, CURLOPT_URL, Req.Url.c_str());
    C.easy_setopt(H, CURLOPT_PROTOCOLS_STR, "http,https");
    C.easy_setopt(H, CURLOPT_NOSIGNAL, 1L);
    C.easy_setopt(H, CURLOPT_FOLLOWLOCATION, 0L);
    C.easy_setopt(H, CURLOPT_CONNECTTIMEOUT, long(Opts.ConnectTimeoutSec));
    C.easy_setopt(H, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    C.easy_setopt(H, CURLOPT_LOW_SPEED_TIME, long(Opts.LowSpeedTimeoutSec));
    C.easy_setopt(H, CURLOPT_WRITEFUNCTION, onBody);
    C.easy_setopt(H, CURLOPT_WRITEDATA, &T);
    C.easy_setopt(H, CURLOPT_HEADERFUNCTION, onHeader);
    C.easy_setopt(H, CURLOPT_HEADERDATA, &T);
    if (Req.Method == "HEAD") {
      C.easy_setopt(H, CURLOPT_NOBODY, 1L);
    } else if (Req.Method == "PUT" || Req.Method == "POST") {
      // The body as POSTFIELDS, so that libcurl's SigV4 hashes it into the
      // canonical request; the method is then set by name.
      C.easy_setopt(H, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(Req.Body.size()));
      C.easy_setopt(H, CURLOPT_POSTFIELDS, Req.Body.data());
      C.easy_setopt(H, CURLOPT_CUSTOMREQUEST, Req.Method.c_str());
    } else if (Req.Method != "GET") {
      C.easy_setopt(H, CURLOPT_CUSTOMREQUEST, Req.Method.c_str());
    }
    // No `Expect:` header to turn off 100-continue: libcurl 7.88 signs a
    // header it was told to remove (with an empty value) and the signature
    // no longer matches what the server sees.
    curl_slist *Hdrs = nullptr;
    bool TypeGiven = llvm::any_of(Req.Headers, [](const HttpHeader &X) {
      return llvm::StringRef(X.Name).equals_insensitive("content-type");
    });
    if ((Req.Method == "PUT" || Req.Method == "POST") && !TypeGiven)
      Hdrs = C.slist_append(Hdrs, "Content-Type: application/octet-stream");
    for (const HttpHeader &X : Req.Headers)
      Hdrs = C.slist_append(Hdrs, (X.Name + ": " + X.Value).c_str());
    C.easy_setopt(H, CURLOPT_HTTPHEADER, Hdrs);
    if (!Req.AwsSigV4.empty())
      C.easy_setopt(H, CURLOPT_AWS_SIGV4, Req.AwsSigV4.c_str());
    if (!Req.UserPwd.empty())
      C.easy_setopt(H, CURLOPT_USERPWD, Req.UserPwd.c_str());

    CURLcode RC = C.easy_perform(H);
    C.slist_free_all(Hdrs);
    if (Req.Method == "PUT" || Req.Method == "POST")
      C.easy_setopt(H, CURLOPT_POSTFIELDS, nullptr);
    C.easy_setopt(H, CURLOPT_USERPWD, nullptr);

    if (T.SinkErr)
      return std::move(T.SinkErr);
    if (T.TooLarge)
      return makeKindError(ErrorKind::Resource, "{0} {1}: the response is larger than {2} bytes",
                           Req.Method, Req.Url, T.ToSink ? T.MaxSink : T.MaxBody);
    if (RC != CURLE_OK) {
      Last = C.easy_strerror(RC);
      if (retryableTransport(RC) && Attempt < Max)
        continue;
      return makeKindError(ErrorKind::Input, "{0} {1}: {2} (after {3} attempt{4})", Req.Method,
                           Req.Url, Last, Attempt, Attempt == 1 ? "" : "s");
    }
    C.easy_getinfo(H, CURLINFO_RESPONSE_CODE, &Resp.Status);
    if ((Resp.Status >= 500 || Resp.Status == 429) && Attempt < Max)
      continue;
    return Resp;
  }
}

} // namespace pgoctl::store
