// store/Fleet.cpp: see Fleet.h.
#include "store/Fleet.h"

#include "core/Error.h"
#include "core/Support.h"
#include "store/fleet.pb.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <nlohmann/json.hpp>

#include <cstdlib>

namespace pgoctl::store {

llvm::Expected<FleetSource> parseFleetUrl(llvm::StringRef Url) {
  FleetSource S;
  llvm::StringRef Rest = Url;
  if (Rest.consume_front("pyroscope+"))
    S.Kind = FleetKind::Pyroscope;
  else if (Rest.consume_front("parca+"))
    S.Kind = FleetKind::Parca;
  else
    return makeKindError(ErrorKind::Usage,
                         "--from `{0}`: expected pyroscope+http(s)://HOST or parca+http(s)://HOST",
                         escapeForTerminal(Url, 200));
  if (!Rest.starts_with("http://") && !Rest.starts_with("https://"))
    return makeKindError(ErrorKind::Usage, "--from: the server's URL must be http:// or https://");
  llvm::StringRef Host = Rest.substr(Rest.find("//") + 2);
  Host = Host.take_until([](char C) { return C == '/'; });
  if (Host.empty() || Host.contains('@'))
    return makeKindError(ErrorKind::Usage,
                         "--from: give the host without credentials (they come from "
                         "PGOCTL_FLEET_TOKEN or PGOCTL_FLEET_BASIC_AUTH)");
  if (Rest.find_first_of("?#") != llvm::StringRef::npos ||
      llvm::any_of(Rest, [](char C) { return C <= ' ' || C == 0x7f; }))
    return makeKindError(ErrorKind::Usage, "--from: a query, fragment or control character "
                                           "in the server's URL");
  S.BaseUrl = Rest.rtrim('/').str();
  return S;
}

void fleetCredentialsFromEnv(FleetQuery &Q) {
  if (const char *T = getenv("PGOCTL_FLEET_TOKEN"))
    Q.Bearer = T;
  if (const char *B = getenv("PGOCTL_FLEET_BASIC_AUTH"))
    Q.BasicAuth = B;
}

namespace {

/// A Connect error answer: HTTP status, and the code and message of its JSON.
llvm::Error connectError(llvm::StringRef What, const HttpResponse &R) {
  std::string Detail;
  nlohmann::json J = nlohmann::json::parse(R.Body, nullptr, /*allow_exceptions=*/false);
  if (J.is_object() && J.contains("code") && J["code"].is_string()) {
    Detail = J["code"].get<std::string>();
    if (J.contains("message") && J["message"].is_string())
      Detail += ": " + J["message"].get<std::string>();
  } else if (!R.Body.empty()) {
    Detail = R.Body.substr(0, 200);
  }
  ErrorKind K = R.Status >= 500 ? ErrorKind::Resource : ErrorKind::Input;
  return makeKindError(K, "{0}: HTTP {1}{2}", What, R.Status,
                       Detail.empty() ? "" : " " + escapeForTerminal(Detail, 400));
}

} // namespace

llvm::Expected<std::string> fetchFleetProfile(const FleetSource &S, const FleetQuery &Q,
                                              HttpClient &Http) {
  if (Q.ProfileType.empty())
    return makeKindError(ErrorKind::Usage, "--profile-type is required (for example "
                                           "process_cpu:cpu:nanoseconds:cpu:nanoseconds)");
  if (Q.EndMs < Q.StartMs)
    return makeKindError(ErrorKind::Usage, "the time range ends before it starts");
  std::string Body, Method;
  if (S.Kind == FleetKind::Pyroscope) {
    fleet::SelectMergeProfileRequest R;
    R.set_profile_typeid(Q.ProfileType);
    R.set_label_selector(Q.Selector.empty() ? "{}" : Q.Selector);
    R.set_start(Q.StartMs);
    R.set_end(Q.EndMs);
    Body = R.SerializeAsString();
    Method = "/querier.v1.QuerierService/SelectMergeProfile";
  } else {
    fleet::QueryRequest R;
    R.set_mode(fleet::QueryRequest::MODE_MERGE);
    R.set_report_type(fleet::QueryRequest::REPORT_TYPE_PPROF);
    fleet::MergeProfile *M = R.mutable_merge();
    M->set_query(Q.ProfileType + (Q.Selector.empty() ? "{}" : Q.Selector));
    M->mutable_start()->set_seconds(Q.StartMs / 1000);
    M->mutable_start()->set_nanos(int32_t(Q.StartMs % 1000) * 1000000);
    M->mutable_end()->set_seconds(Q.EndMs / 1000);
    M->mutable_end()->set_nanos(int32_t(Q.EndMs % 1000) * 1000000);
    Body = R.SerializeAsString();
    Method = "/parca.query.v1alpha1.QueryService/Query";
  }
  HttpRequest Req;
  Req.Method = "POST";
  Req.Url = S.BaseUrl + Method;
  Req.Body = Body;
  Req.Headers.push_back({"Content-Type", "application/proto"});
  Req.Headers.push_back({"Connect-Protocol-Version", "1"});
  if (!Q.Tenant.empty())
    Req.Headers.push_back({"X-Scope-OrgID", Q.Tenant});
  if (!Q.Bearer.empty())
    Req.Headers.push_back({"Authorization", "Bearer " + Q.Bearer});
  else if (!Q.BasicAuth.empty())
    Req.UserPwd = Q.BasicAuth;
  std::string Answer;
  Sink Into{[&](llvm::StringRef C) {
              Answer.append(C.data(), C.size());
              return llvm::Error::success();
            },
            [&] { Answer.clear(); }};
  std::string What = "POST " + S.BaseUrl + Method;
  llvm::Expected<HttpResponse> R = Http.send(Req, &Into, Q.MaxBytes);
  if (!R)
    return R.takeError();
  if (R->Status != 200)
    return connectError(What, *R);
  if (S.Kind == FleetKind::Pyroscope)
    return Answer;
  fleet::QueryResponse QR;
  if (!QR.ParseFromString(Answer))
    return makeKindError(ErrorKind::Damaged, "{0}: the answer is not a QueryResponse", What);
  if (QR.report_case() != fleet::QueryResponse::kPprof)
    return makeKindError(ErrorKind::Damaged, "{0}: the answer holds no pprof report", What);
  return std::move(*QR.mutable_pprof());
}

} // namespace pgoctl::store
