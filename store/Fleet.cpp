// store/Fleet.cpp: see Fleet.h.
#include "store/Fleet.h"

#include "core/Error.h"
#include "core/Support.h"
#include "store/fleet.pb.h"
#include "collect/pprof.pb.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <map>
#include <vector>

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

namespace {

/// One Connect unary call: POST Body to BaseUrl + Method with the query's
/// tenant and credentials; the 2xx body, bounded by Q.MaxBytes, goes to Answer.
llvm::Expected<HttpResponse> connectCall(const FleetSource &S, const FleetQuery &Q,
                                         HttpClient &Http, llvm::StringRef Method,
                                         llvm::StringRef Body, std::string &Answer) {
  HttpRequest Req;
  Req.Method = "POST";
  Req.Url = S.BaseUrl + Method.str();
  Req.Body = Body;
  Req.Headers.push_back({"Content-Type", "application/proto"});
  Req.Headers.push_back({"Connect-Protocol-Version", "1"});
  if (!Q.Tenant.empty())
    Req.Headers.push_back({"X-Scope-OrgID", Q.Tenant});
  if (!Q.Bearer.empty())
    Req.Headers.push_back({"Authorization", "Bearer " + Q.Bearer});
  else if (!Q.BasicAuth.empty())
    Req.UserPwd = Q.BasicAuth;
  Answer.clear();
  Sink Into{[&](llvm::StringRef C) {
              Answer.append(C.data(), C.size());
              return llvm::Error::success();
            },
            [&] { Answer.clear(); }};
  return Http.send(Req, &Into, Q.MaxBytes);
}

/// The server does not have the method: Connect's `unimplemented`, or an
/// HTTP 404 that is not a Connect error (an unknown route).
bool methodMissing(const HttpResponse &R) {
  nlohmann::json J = nlohmann::json::parse(R.Body, nullptr, /*allow_exceptions=*/false);
  bool Connect = J.is_object() && J.contains("code") && J["code"].is_string();
  if (Connect)
    return J["code"] == "unimplemented";
  return R.Status == 404 || R.Status == 501;
}

} // namespace

llvm::Expected<std::string> pyroscopeTreeToPprof(llvm::StringRef Tree,
                                                 llvm::StringRef ProfileType) {
  // Decoded depth first, as it was written: each node is (name, self,
  // number of children); Path holds the open nodes' function ids and how
  // many of their children are still to come.
  namespace pp = perftools::profiles;
  pp::Profile P;
  P.add_string_table("");
  std::map<std::string, uint64_t> Ids; // function name -> function id (= location id)
  auto str = [&](llvm::StringRef X) {
    P.add_string_table(X.str());
    return int64_t(P.string_table_size() - 1);
  };
  llvm::SmallVector<llvm::StringRef, 5> Parts;
  ProfileType.split(Parts, ':');
  if (Parts.size() >= 5) {
    pp::ValueType *T = P.add_sample_type();
    T->set_type(str(Parts[1]));
    T->set_unit(str(Parts[2]));
    P.mutable_period_type()->set_type(str(Parts[3]));
    P.mutable_period_type()->set_unit(str(Parts[4]));
  }
  size_t Off = 0;
  auto uvarint = [&](uint64_t &V) {
    V = 0;
    for (unsigned Shift = 0; Shift < 64 && Off < Tree.size(); Shift += 7) {
      uint8_t B = uint8_t(Tree[Off++]);
      V |= uint64_t(B & 0x7f) << Shift;
      if (B < 0x80)
        return true;
    }
    return false;
  };
  struct Open {
    uint64_t Fn;
    uint64_t Left;
  };
  std::vector<Open> Path;
  uint64_t Nodes = 0;
  bool Root = true;
  while (Root || !Path.empty()) {
    uint64_t Len = 0, Self = 0, Kids = 0;
    if (!uvarint(Len) || Len > Tree.size() - Off)
      return makeKindError(ErrorKind::Damaged, "tree bytes: a truncated node at byte {0}", Off);
    llvm::StringRef Name = Tree.substr(Off, Len);
    Off += Len;
    if (!uvarint(Self) || !uvarint(Kids))
      return makeKindError(ErrorKind::Damaged, "tree bytes: a truncated node at byte {0}", Off);
    // Every child takes at least 3 bytes: a count beyond that is damage.
    if (Kids > (Tree.size() - Off) / 3 + 1 || ++Nodes > Tree.size())
      return makeKindError(ErrorKind::Damaged, "tree bytes: {0} children at byte {1}", Kids, Off);
    if (Root) {
      Root = false; // the virtual root: no name, no samples
      if (Kids)
        Path.push_back({0, Kids});
      continue;
    }
    --Path.back().Left;
    auto [It, New] = Ids.try_emplace(Name.str(), Ids.size() + 1);
    if (New) {
      pp::Function *F = P.add_function();
      F->set_id(It->second);
      F->set_name(str(Name));
      pp::Location *L = P.add_location();
      L->set_id(It->second);
      L->add_line()->set_function_id(It->second);
    }
    if (Self) {
      pp::Sample *Smp = P.add_sample();
      Smp->add_location_id(It->second); // leaf first
      for (auto R = Path.rbegin(); R != Path.rend(); ++R)
        if (R->Fn)
          Smp->add_location_id(R->Fn);
      Smp->add_value(int64_t(Self));
    }
    if (Kids)
      Path.push_back({It->second, Kids});
    while (!Path.empty() && Path.back().Left == 0)
      Path.pop_back();
  }
  if (Off != Tree.size())
    return makeKindError(ErrorKind::Damaged, "tree bytes: {0} bytes after the tree",
                         Tree.size() - Off);
  return P.SerializeAsString();
}

llvm::Expected<FleetProfile> fetchFleetProfile(const FleetSource &S, const FleetQuery &Q,
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
  std::string Answer;
  std::string What = "POST " + S.BaseUrl + Method;
  llvm::Expected<HttpResponse> R = connectCall(S, Q, Http, Method, Body, Answer);
  if (!R)
    return R.takeError();
  if (S.Kind == FleetKind::Pyroscope && R->Status != 200 && methodMissing(*R)) {
    // A server without SelectMergeProfile: SelectMergeStacktraces' tree.
    fleet::SelectMergeStacktracesRequest T;
    T.set_profile_typeid(Q.ProfileType);
    T.set_label_selector(Q.Selector.empty() ? "{}" : Q.Selector);
    T.set_start(Q.StartMs);
    T.set_end(Q.EndMs);
    T.set_format(fleet::PROFILE_FORMAT_TREE);
    Method = "/querier.v1.QuerierService/SelectMergeStacktraces";
    What = "POST " + S.BaseUrl + Method;
    llvm::Expected<HttpResponse> R2 =
        connectCall(S, Q, Http, Method, T.SerializeAsString(), Answer);
    if (!R2)
      return R2.takeError();
    if (R2->Status != 200)
      return connectError(What, *R2);
    fleet::SelectMergeStacktracesResponse TR;
    if (!TR.ParseFromString(Answer))
      return makeKindError(ErrorKind::Damaged,
                           "{0}: the answer is not a SelectMergeStacktracesResponse", What);
    llvm::Expected<std::string> Pprof = pyroscopeTreeToPprof(TR.tree(), Q.ProfileType);
    if (!Pprof)
      return addContext(Pprof.takeError(), What);
    return FleetProfile{std::move(*Pprof), /*FunctionLevel=*/true};
  }
  if (R->Status != 200)
    return connectError(What, *R);
  if (S.Kind == FleetKind::Pyroscope)
    return FleetProfile{std::move(Answer), false};
  fleet::QueryResponse QR;
  if (!QR.ParseFromString(Answer))
    return makeKindError(ErrorKind::Damaged, "{0}: the answer is not a QueryResponse", What);
  if (QR.report_case() != fleet::QueryResponse::kPprof)
    return makeKindError(ErrorKind::Damaged, "{0}: the answer holds no pprof report", What);
  return FleetProfile{std::move(*QR.mutable_pprof()), false};
}

} // namespace pgoctl::store
