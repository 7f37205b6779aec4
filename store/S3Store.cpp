// store/S3Store.cpp: a store in S3-compatible object storage (`s3://bucket/prefix`).
//
// Requests go through HttpClient (libcurl). Signing is libcurl's SigV4
// (CURLOPT_AWS_SIGV4 "aws:amz:<region>:s3"); libcurl 7.88 signs every header
// it sends and hashes the POSTFIELDS body into the canonical request, but it
// neither adds S3's mandatory `x-amz-content-sha256` header nor sorts the
// query string. So this file adds that header (the hex sha256 of the body, the
// same value libcurl hashes) and `x-amz-security-token` for session
// credentials, and builds query strings already in SigV4's canonical form
// (sorted by name, URI-encoded as AWS does). Object paths are URI-encoded the
// same way, with `/` kept.
//
// Addressing: path-style `<endpoint>/<bucket>/<key>`, or virtual-hosted
// `<scheme>://<bucket>.<host>/<key>`; Auto picks virtual-hosted on AWS's own
// endpoint and path-style on a custom one (MinIO, Ceph, s3rver).
//
// Compare-and-swap (putIf): a PUT with `If-None-Match: *` (no object yet) or
// `If-Match: "<etag>"`; a 412 means someone else moved it. Not every server
// honours these on PUT (AWS does since 2024, recent MinIO does; s3rver 3.7
// ignores them and answers 200). The first putIf of a store probes this once:
// it PUTs a probe object, then PUTs it again with an If-Match that cannot
// match; a 412 says conditions work. Without them the move falls back to
// check, put, verify: HEAD the object and compare the ETag, PUT, then GET it
// back and check that it holds this writer's body (a channel body carries a
// random nonce). That finds a writer that overtook this one between the PUT
// and the read, but not one whose PUT landed between this one's check and
// PUT: on such servers, move a channel from one place only (one CI job).
#include "store/AwsConfig.h"
#include "store/Http.h"
#include "store/StoreImpl.h"

#include "core/Error.h"
#include "core/Support.h"

#include "llvm/ADT/StringExtras.h"

#include <expat.h>

#include <ctime>
#include <random>

namespace pgoctl::store {
namespace {

constexpr llvm::StringLiteral kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// ListObjectsV2's answer and S3's <Error>, read with expat.
struct XmlDoc {
  struct Content {
    std::string Key, ETag, LastModified;
    uint64_t Size = 0;
  };
  std::vector<Content> Contents;
  bool IsTruncated = false;
  std::string NextToken, ErrCode, ErrMessage;

  std::vector<std::string> Path;
  std::string Text;
  Content Cur;
  bool Broken = false;
};

void XMLCALL onStart(void *U, const XML_Char *Name, const XML_Char **) {
  auto &D = *static_cast<XmlDoc *>(U);
  if (D.Path.size() > 16) {
    D.Broken = true;
    return;
  }
  D.Path.push_back(Name);
  D.Text.clear();
  if (D.Path.size() == 2 && D.Path[1] == "Contents")
    D.Cur = {};
}

void XMLCALL onText(void *U, const XML_Char *S, int Len) {
  auto &D = *static_cast<XmlDoc *>(U);
  if (D.Text.size() + size_t(Len) <= 4096)
    D.Text.append(S, size_t(Len));
}

void XMLCALL onEnd(void *U, const XML_Char *) {
  auto &D = *static_cast<XmlDoc *>(U);
  if (D.Path.empty())
    return;
  llvm::StringRef Name = D.Path.back();
  size_t Depth = D.Path.size();
  if (Depth == 3 && D.Path[1] == "Contents") {
    if (Name == "Key")
      D.Cur.Key = D.Text;
    else if (Name == "ETag")
      D.Cur.ETag = D.Text;
    else if (Name == "LastModified")
      D.Cur.LastModified = D.Text;
    else if (Name == "Size" && llvm::StringRef(D.Text).trim().getAsInteger(10, D.Cur.Size))
      D.Broken = true;
  } else if (Depth == 2 && Name == "Contents") {
    D.Contents.push_back(D.Cur);
  } else if (Depth == 2 && Name == "IsTruncated") {
    D.IsTruncated = llvm::StringRef(D.Text).trim() == "true";
  } else if (Depth == 2 && Name == "NextContinuationToken") {
    D.NextToken = D.Text;
  } else if (Depth == 2 && D.Path[0] == "Error" && Name == "Code") {
    D.ErrCode = D.Text;
  } else if (Depth == 2 && D.Path[0] == "Error" && Name == "Message") {
    D.ErrMessage = D.Text;
  }
  D.Path.pop_back();
  D.Text.clear();
}

bool parseXml(llvm::StringRef Body, XmlDoc &D) {
  XML_Parser P = XML_ParserCreate("UTF-8");
  if (!P)
    return false;
  XML_SetUserData(P, &D);
  XML_SetElementHandler(P, onStart, onEnd);
  XML_SetCharacterDataHandler(P, onText);
  bool Ok = XML_Parse(P, Body.data(), int(Body.size()), 1) == XML_STATUS_OK && !D.Broken;
  XML_ParserFree(P);
  return Ok;
}

/// `2026-12-05T12:00:00.000Z` (ListObjectsV2) to seconds since 1970.
int64_t parseIsoTime(llvm::StringRef T) {
  std::tm Tm{};
  if (!strptime(T.str().c_str(), "%Y-%m-%dT%H:%M:%S", &Tm))
    return 0;
  return int64_t(timegm(&Tm));
}

/// `Sat, 05 Dec 2026 12:00:00 GMT` (Last-Modified) to seconds since 1970.
int64_t parseHttpTime(llvm::StringRef T) {
  std::tm Tm{};
  if (!strptime(T.str().c_str(), "%a, %d %b %Y %H:%M:%S", &Tm))
    return 0;
  return int64_t(timegm(&Tm));
}

std::string unquote(llvm::StringRef E) {
  E = E.trim();
  if (E.size() >= 2 && E.front() == '"' && E.back() == '"')
    E = E.drop_front().drop_back();
  return E.str();
}

class S3Store : public Store {
public:
  S3Store(std::string Url, std::string Bucket, std::string Prefix, AwsSettings A,
          const StoreOptions &O)
      : Url(std::move(Url)), Bucket(std::move(Bucket)), Prefix(std::move(Prefix)),
        Aws(std::move(A)), Http(HttpOptions{O.Retry, O.ConnectTimeoutSec, O.LowSpeedTimeoutSec,
                                            O.MaxResponseBytes}) {
    bool Custom = !Aws.Endpoint.empty();
    std::string Endpoint =
        Custom ? Aws.Endpoint : "https://s3." + Aws.Region + ".amazonaws.com";
    Virtual = Aws.Style == Addressing::Virtual ||
                   (Aws.Style == Addressing::Auto && !Custom &&
                    this->Bucket.find('.') == std::string::npos);
    if (Virtual) {
      auto [Scheme, Host] = llvm::StringRef(Endpoint).split("://");
      Base = (Scheme + "://" + this->Bucket + "." + Host).str();
    } else {
      Base = Endpoint + "/" + this->Bucket;
    }
  }

  const std::string &url() const override { return Url; }
  std::string objectUrl(llvm::StringRef Key) const override {
    return "s3://" + Bucket + "/" + fullKey(Key);
  }

  llvm::Error put(llvm::StringRef Key, llvm::StringRef Data) override {
    if (llvm::Error E = checkKey(Key))
      return E;
    llvm::Expected<HttpResponse> R = send("PUT", objectPath(Key), "", Data, {});
    if (!R)
      return R.takeError();
    if (R->Status != 200)
      return failure("PUT", Key, *R);
    return llvm::Error::success();
  }

  llvm::Expected<bool> putIf(llvm::StringRef Key, llvm::StringRef Data,
                             llvm::StringRef ExpectETag) override {
    if (llvm::Error E = checkKey(Key))
      return std::move(E);
    if (!ConditionalWrites) {
      llvm::Expected<bool> Probe = probeConditionalWrites(Key);
      if (!Probe)
        return Probe.takeError();
      ConditionalWrites = *Probe;
    }
    if (*ConditionalWrites) {
      std::vector<HttpHeader> H;
      if (ExpectETag.empty())
        H.push_back({"If-None-Match", "*"});
      else
        H.push_back({"If-Match", "\"" + ExpectETag.str() + "\""});
      llvm::Expected<HttpResponse> R = send("PUT", objectPath(Key), "", Data, H);
      if (!R)
        return R.takeError();
      if (R->Status == 412 || R->Status == 409)
        return false;
      if (R->Status != 200)
        return failure("PUT", Key, *R);
      return true;
    }
    // The fallback: check, put, verify (see the header comment).
    llvm::Expected<std::optional<ObjectInfo>> Cur = head(Key);
    if (!Cur)
      return Cur.takeError();
    if ((*Cur ? (*Cur)->ETag : std::string()) != ExpectETag)
      return false;
    if (llvm::Error E = put(Key, Data))
      return std::move(E);
    llvm::Expected<std::string> Back = getObject(*this, Key, Data.size() + (1 << 20));
    if (!Back)
      return Back.takeError();
    return *Back == Data;
  }

  llvm::Error get(llvm::StringRef Key, const Sink &Out, uint64_t MaxBytes) override {
    if (llvm::Error E = checkKey(Key))
      return E;
    llvm::Expected<HttpResponse> R = send("GET", objectPath(Key), "", "", {}, &Out, MaxBytes);
    if (!R)
      return addContext(R.takeError(), Url + ": " + Key.str());
    if (R->Status != 200)
      return failure("GET", Key, *R);
    return llvm::Error::success();
  }

  llvm::Expected<std::optional<ObjectInfo>> head(llvm::StringRef Key) override {
    if (llvm::Error E = checkKey(Key))
      return std::move(E);
    llvm::Expected<HttpResponse> R = send("HEAD", objectPath(Key), "", "", {});
    if (!R)
      return R.takeError();
    if (R->Status == 404)
      return std::nullopt;
    if (R->Status != 200)
      return failure("HEAD", Key, *R);
    ObjectInfo I;
    I.Key = Key.str();
    llvm::StringRef(R->header("content-length")).getAsInteger(10, I.Size);
    I.ETag = unquote(R->header("etag"));
    I.MTime = parseHttpTime(R->header("last-modified"));
    return I;
  }

  llvm::Error list(llvm::StringRef ListPrefix,
                   llvm::function_ref<llvm::Error(const ObjectInfo &)> Each) override {
    std::string Full = fullKey(ListPrefix);
    std::string Token;
    for (unsigned Page = 0; Page < 1000000; ++Page) {
      // Sorted by name: SigV4's canonical query (libcurl 7.88 does not sort).
      std::string Q;
      if (!Token.empty())
        Q += "continuation-token=" + awsUriEncode(Token, false) + "&";
      Q += "list-type=2&prefix=" + awsUriEncode(Full, false);
      // The bucket itself: `<endpoint>/<bucket>?...` or `<bucket>.<host>/?...`.
      llvm::Expected<HttpResponse> R = send("GET", Virtual ? "/" : "", Q, "", {});
      if (!R)
        return R.takeError();
      if (R->Status != 200)
        return failure("LIST", ListPrefix, *R);
      XmlDoc D;
      if (!parseXml(R->Body, D))
        return makeKindError(ErrorKind::Damaged,
                             "{0}: the answer to listing `{1}` is not ListObjectsV2 XML", Url,
                             ListPrefix);
      for (const XmlDoc::Content &C : D.Contents) {
        llvm::StringRef K = C.Key;
        if (!Prefix.empty() && !K.consume_front(Prefix + "/"))
          continue;
        if (!K.starts_with(ListPrefix) || checkKeyQuiet(K))
          continue; // not a key this store would write
        ObjectInfo I{K.str(), C.Size, unquote(C.ETag), parseIsoTime(C.LastModified)};
        if (llvm::Error E = Each(I))
          return E;
      }
      if (!D.IsTruncated)
        return llvm::Error::success();
      if (D.NextToken.empty() || D.NextToken == Token)
        return makeKindError(ErrorKind::Damaged,
                             "{0}: listing `{1}`: truncated without a new continuation token", Url,
                             ListPrefix);
      Token = D.NextToken;
    }
    return makeKindError(ErrorKind::Resource, "{0}: listing `{1}`: too many pages", Url,
                         ListPrefix);
  }

  llvm::Error remove(llvm::StringRef Key) override {
    if (llvm::Error E = checkKey(Key))
      return E;
    llvm::Expected<HttpResponse> R = send("DELETE", objectPath(Key), "", "", {});
    if (!R)
      return R.takeError();
    if (R->Status != 204 && R->Status != 200 && R->Status != 404)
      return failure("DELETE", Key, *R);
    return llvm::Error::success();
  }

private:
  std::string fullKey(llvm::StringRef Key) const {
    return Prefix.empty() ? Key.str() : Prefix + "/" + Key.str();
  }
  std::string objectPath(llvm::StringRef Key) const {
    return "/" + awsUriEncode(fullKey(Key), true);
  }
  static bool checkKeyQuiet(llvm::StringRef K) {
    if (llvm::Error E = checkKey(K)) {
      llvm::consumeError(std::move(E));
      return true;
    }
    return false;
  }

  llvm::Expected<HttpResponse> send(llvm::StringRef Method, llvm::StringRef Path,
                                    llvm::StringRef Query, llvm::StringRef Body,
                                    std::vector<HttpHeader> Headers, const Sink *Out = nullptr,
                                    uint64_t MaxSink = 0) {
    HttpRequest Req;
    Req.Method = Method.str();
    Req.Url = Base + Path.str() + (Query.empty() ? "" : "?" + Query.str());
    Req.Headers = std::move(Headers);
    Req.Body = Body;
    if (!Aws.AccessKeyId.empty()) {
      Req.Headers.push_back(
          {"x-amz-content-sha256", Body.empty() ? kEmptySha256.str() : sha256Hex(Body)});
      if (!Aws.SessionToken.empty())
        Req.Headers.push_back({"x-amz-security-token", Aws.SessionToken});
      Req.AwsSigV4 = "aws:amz:" + Aws.Region + ":s3";
      Req.UserPwd = Aws.AccessKeyId + ":" + Aws.SecretAccessKey;
    }
    return Http.send(Req, Out, MaxSink);
  }

  /// The error of an unexpected status: S3's code and message when the body
  /// is an <Error>, escaped; never a header or the request.
  llvm::Error failure(llvm::StringRef Op, llvm::StringRef Key, const HttpResponse &R) {
    XmlDoc D;
    std::string What;
    if (!R.Body.empty() && parseXml(R.Body, D) && !D.ErrCode.empty())
      What = escapeForTerminal(D.ErrCode, 64) +
             (D.ErrMessage.empty() ? "" : ": " + escapeForTerminal(D.ErrMessage, 256));
    if (R.Status == 404 && Op == "GET")
      return makeKindError(ErrorKind::Input, "{0}: {1} does not exist{2}", Url, Key,
                           What.empty() ? "" : " (" + What + ")");
    ErrorKind K = R.Status == 403 || R.Status == 401 ? ErrorKind::Usage : ErrorKind::Input;
    return makeKindError(K, "{0}: {1} {2}: HTTP {3}{4}{5}{6}", Url, Op, Key, R.Status,
                         What.empty() ? "" : " ", What,
                         R.Status == 403 ? " (credentials from " + Aws.CredentialSource + ")" : "");
  }

  /// Does the server honour If-Match on PUT? (See the header comment.)
  llvm::Expected<bool> probeConditionalWrites(llvm::StringRef NearKey) {
    std::string Dir = NearKey.contains('/') ? NearKey.rsplit('/').first.str() + "/" : "";
    std::mt19937_64 Rng(std::random_device{}());
    std::string Probe = Dir + ".pgoctl-cas-probe-" + llvm::utohexstr(Rng(), true);
    if (llvm::Error E = put(Probe, "probe"))
      return std::move(E);
    llvm::Expected<HttpResponse> R =
        send("PUT", objectPath(Probe), "", "probe",
             {{"If-Match", "\"00000000000000000000000000000000\""}});
    llvm::Error Rm = remove(Probe);
    if (!R)
      return llvm::joinErrors(R.takeError(), std::move(Rm));
    if (Rm)
      return std::move(Rm);
    return R->Status == 412;
  }

  std::string Url, Bucket, Prefix, Base;
  bool Virtual = false;
  AwsSettings Aws;
  HttpClient Http;
  std::optional<bool> ConditionalWrites;
};

} // namespace

llvm::Expected<std::unique_ptr<Store>> openS3Store(llvm::StringRef Url, llvm::StringRef Bucket,
                                                   llvm::StringRef Prefix,
                                                   const StoreOptions &Opts) {
  llvm::Expected<AwsSettings> A = loadAwsSettings(Opts);
  if (!A)
    return A.takeError();
  return std::make_unique<S3Store>(Url.str(), Bucket.str(), Prefix.str(), std::move(*A), Opts);
}

} // namespace pgoctl::store
