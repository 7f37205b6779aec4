// refresh/Partial.cpp: a partial's statistics as JSON (see Shard.h).
#include "refresh/Shard.h"

#include "core/Error.h"
#include "core/Support.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <stdexcept>

namespace pgoctl::refresh {

namespace {

/// A number field that is not an integer in its type's range. nlohmann's
/// get<uint64_t>() would cast a float (undefined for 4.9e19) or wrap a
/// negative number instead of refusing it.
struct BadNumber : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename T> T integerAt(const nlohmann::json &J, const char *Key) {
  const nlohmann::json &V = J.at(Key);
  bool Fits = false;
  if (V.is_number_unsigned())
    Fits = V.get<uint64_t>() <= uint64_t(std::numeric_limits<T>::max());
  else if (V.is_number_integer())
    Fits = std::numeric_limits<T>::is_signed &&
           V.get<int64_t>() >= int64_t(std::numeric_limits<T>::min());
  if (!Fits)
    throw BadNumber(std::string(Key) + ": not an integer in [" +
                    std::to_string(std::numeric_limits<T>::min()) + ", " +
                    std::to_string(std::numeric_limits<T>::max()) + "]");
  return V.get<T>();
}

nlohmann::json toJson(const PartialHeader &H, const Accumulated &A) {
  nlohmann::json J;
  J["format"] = "pgoctl-refresh-partial-1";
  J["service"] = H.Service;
  J["run"] = H.Run;
  J["shard"] = H.Shard.Index;
  J["of"] = H.Shard.Count;
  J["options"] = {{"now", H.Now},
                  {"since", H.Since},
                  {"half_life", H.HalfLife},
                  {"host_weight", hostWeightName(H.Hosts).str()}};
  J["windows"] = A.Windows;
  J["too_old"] = A.TooOld;
  J["samples"] = A.Samples;
  J["samples_in_service"] = A.SamplesInService;
  J["first_start"] = A.FirstStart;
  J["last_start"] = A.LastStart;
  J["keys"] = A.Keys;
  J["warnings"] = A.Warnings;
  nlohmann::json Hs = nlohmann::json::array();
  for (const HostStat &H : A.Hosts)
    Hs.push_back({{"host", H.Host},
                  {"windows", H.Windows},
                  {"samples", H.Samples},
                  {"decayed_total", H.DecayedTotal},
                  {"num", H.S.Num},
                  {"den", H.S.Den}});
  J["hosts"] = Hs;
  nlohmann::json Bs = nlohmann::json::array();
  for (const BuildStat &B : A.Builds)
    Bs.push_back(
        {{"build_id", B.BuildId}, {"windows", B.Windows}, {"samples", B.Samples}, {"keys", B.Keys}});
  J["builds"] = Bs;
  return J;
}

} // namespace

std::string renderPartialJson(const PartialHeader &H, const Accumulated &A) {
  return toJson(H, A).dump(1) + "\n";
}

llvm::Error parsePartialJson(const std::string &Text, llvm::StringRef Name, PartialHeader &H,
                             Accumulated &A) {
  nlohmann::json J = nlohmann::json::parse(Text, nullptr, false);
  if (J.is_discarded() || !J.is_object())
    return makeKindError(ErrorKind::Damaged, "{0}: not a JSON object", Name);
  try {
    if (J.at("format").get<std::string>() != "pgoctl-refresh-partial-1")
      return makeKindError(ErrorKind::Damaged, "{0}: not a pgoctl-refresh-partial-1", Name);
    H.Service = J.at("service").get<std::string>();
    H.Run = J.at("run").get<std::string>();
    H.Shard.Index = integerAt<unsigned>(J, "shard");
    H.Shard.Count = integerAt<unsigned>(J, "of");
    const nlohmann::json &O = J.at("options");
    H.Now = integerAt<int64_t>(O, "now");
    H.Since = integerAt<int64_t>(O, "since");
    H.HalfLife = integerAt<int64_t>(O, "half_life");
    llvm::Expected<HostWeight> HW = parseHostWeight(O.at("host_weight").get<std::string>());
    if (!HW)
      return addContext(HW.takeError(), Name);
    H.Hosts = *HW;
    A.Windows = integerAt<uint64_t>(J, "windows");
    A.TooOld = integerAt<uint64_t>(J, "too_old");
    A.Samples = integerAt<uint64_t>(J, "samples");
    A.SamplesInService = integerAt<uint64_t>(J, "samples_in_service");
    A.FirstStart = integerAt<int64_t>(J, "first_start");
    A.LastStart = integerAt<int64_t>(J, "last_start");
    A.Keys = J.at("keys").get<std::vector<std::string>>();
    A.Warnings = J.at("warnings").get<std::vector<std::string>>();
    for (const nlohmann::json &X : J.at("hosts")) {
      HostStat HS;
      HS.Host = X.at("host").get<std::string>();
      HS.Windows = integerAt<uint64_t>(X, "windows");
      HS.Samples = integerAt<uint64_t>(X, "samples");
      HS.DecayedTotal = integerAt<uint64_t>(X, "decayed_total");
      HS.S.Num = integerAt<uint64_t>(X, "num");
      HS.S.Den = integerAt<uint64_t>(X, "den");
      // Not stored: a function of the host weighting alone.
      HS.S.Unit = hostScale(1, WeightOptions{0, 1, H.Hosts}).Unit;
      A.Hosts.push_back(std::move(HS));
    }
    for (const nlohmann::json &X : J.at("builds")) {
      BuildStat B;
      B.BuildId = X.at("build_id").get<std::string>();
      B.Windows = integerAt<uint64_t>(X, "windows");
      B.Samples = integerAt<uint64_t>(X, "samples");
      B.Keys = X.at("keys").get<std::vector<std::string>>();
      A.Builds.push_back(std::move(B));
    }
  } catch (const nlohmann::json::exception &Ex) {
    return makeKindError(ErrorKind::Damaged, "{0}: {1}", Name, escapeForTerminal(Ex.what(), 200));
  } catch (const BadNumber &Ex) {
    return makeKindError(ErrorKind::Damaged, "{0}: {1}", Name, Ex.what());
  }
  auto bad = [&](llvm::StringRef What) {
    return makeKindError(ErrorKind::Damaged, "{0}: {1}", Name, What);
  };
  if (!validShard(H.Shard))
    return bad(llvm::formatv("shard {0} of {1}: not 0 <= shard < of <= {2}", H.Shard.Index,
                             H.Shard.Count, kMaxShards)
                   .str());
  if (H.Since <= 0 || H.HalfLife <= 0)
    return bad("since and half_life must be longer than zero");
  for (const HostStat &HS : A.Hosts)
    if (HS.S.Num == 0 || HS.S.Den == 0)
      return bad("host " + escapeForTerminal(HS.Host, 128) + ": a scale of zero (num or den)");
  return llvm::Error::success();
}


} // namespace pgoctl::refresh
