// store/Layout.cpp: keys, their checks, and the JSON of versions and channels.
#include "store/Layout.h"

#include "core/Error.h"
#include "core/Support.h"

#include "llvm/ADT/StringExtras.h"

#include <nlohmann/json.hpp>

#include <ctime>

namespace pgoctl::store {

llvm::Error checkKeyPart(llvm::StringRef Value, llvm::StringRef What) {
  if (Value.empty())
    return makeKindError(ErrorKind::Usage, "{0} is empty", What);
  if (Value.size() > 128)
    return makeKindError(ErrorKind::Usage, "{0} `{1}` is longer than 128 characters", What,
                         escapeForTerminal(Value, 64));
  if (Value == "." || Value == "..")
    return makeKindError(ErrorKind::Usage, "{0} `{1}` would leave its folder in the store", What,
                         Value);
  for (char C : Value)
    if (!(llvm::isAlnum(C) || C == '.' || C == '_' || C == '+' || C == '@' || C == '-'))
      return makeKindError(ErrorKind::Usage,
                           "{0} `{1}` has a character other than letters, digits and . _ + @ - "
                           "(a store key part cannot hold `/`, spaces or control characters)",
                           What, escapeForTerminal(Value, 128));
  return llvm::Error::success();
}

static std::string fmtTime(int64_t Seconds, const char *Fmt) {
  std::time_t T = Seconds;
  std::tm Tm{};
  gmtime_r(&T, &Tm);
  char Buf[40];
  std::strftime(Buf, sizeof Buf, Fmt, &Tm);
  return Buf;
}
std::string utcDate(int64_t Seconds) { return fmtTime(Seconds, "%Y-%m-%d"); }
std::string utcTime(int64_t Seconds) { return fmtTime(Seconds, "%Y-%m-%dT%H:%M:%SZ"); }

std::string rawPrefix(llvm::StringRef Service) { return ("raw/" + Service + "/").str(); }

llvm::Expected<std::string> rawKey(const RawWindow &W) {
  if (llvm::Error E = checkKeyPart(W.Service, "service"))
    return std::move(E);
  if (llvm::Error E = checkKeyPart(W.Host, "host"))
    return std::move(E);
  if (llvm::Error E = checkKeyPart(W.BuildId, "build-id"))
    return std::move(E);
  // The build-id and the start are read back from the right: neither may hold `-`.
  if (W.BuildId.find('-') != std::string::npos)
    return makeKindError(ErrorKind::Usage, "build-id `{0}` holds `-`", W.BuildId);
  if (W.Start < 0)
    return makeKindError(ErrorKind::Usage, "window start {0} is before 1970", W.Start);
  return llvm::formatv("raw/{0}/{1}/{2}-{3}-{4}.pgoprof", W.Service, utcDate(W.Start), W.Host,
                       W.BuildId, W.Start)
      .str();
}

std::optional<RawWindow> parseRawKey(llvm::StringRef Key) {
  llvm::SmallVector<llvm::StringRef, 5> Parts;
  Key.split(Parts, '/');
  if (Parts.size() != 4 || Parts[0] != "raw" || !Parts[3].consume_back(".pgoprof"))
    return std::nullopt;
  RawWindow W;
  W.Service = Parts[1].str();
  W.Date = Parts[2].str();
  auto [Rest, Start] = Parts[3].rsplit('-');
  auto [Host, Bid] = Rest.rsplit('-');
  if (Start.getAsInteger(10, W.Start) || Host.empty() || Bid.empty() || W.Start < 0)
    return std::nullopt;
  W.Host = Host.str();
  W.BuildId = Bid.str();
  return W;
}

llvm::Error checkBuildId(llvm::StringRef BuildId, llvm::StringRef What) {
  bool Hex = llvm::all_of(BuildId, [](char C) { return llvm::isDigit(C) || (C >= 'a' && C <= 'f'); });
  if (!Hex || BuildId.size() < 2 || BuildId.size() > 128 || BuildId.size() % 2)
    return makeKindError(ErrorKind::Usage,
                         "{0} `{1}` is not a build-id (2 to 128 lowercase hex digits, whole bytes)",
                         What, escapeForTerminal(BuildId, 140));
  return llvm::Error::success();
}

llvm::Expected<std::string> binariesPrefix(llvm::StringRef BuildId) {
  if (BuildId.empty())
    return std::string("binaries/");
  if (llvm::Error E = checkBuildId(BuildId, "build-id"))
    return std::move(E);
  return ("binaries/" + BuildId + "/").str();
}

llvm::Expected<std::string> binaryKey(llvm::StringRef BuildId, llvm::StringRef Name) {
  if (llvm::Error E = checkBuildId(BuildId, "build-id"))
    return std::move(E);
  if (llvm::Error E = checkKeyPart(Name, "binary file name"))
    return std::move(E);
  return ("binaries/" + BuildId + "/" + Name).str();
}

std::optional<BinaryObject> parseBinaryKey(llvm::StringRef Key) {
  llvm::SmallVector<llvm::StringRef, 4> Parts;
  Key.split(Parts, '/');
  if (Parts.size() != 3 || Parts[0] != "binaries")
    return std::nullopt;
  if (llvm::Error E = llvm::joinErrors(checkBuildId(Parts[1], ""), checkKeyPart(Parts[2], ""))) {
    llvm::consumeError(std::move(E));
    return std::nullopt;
  }
  return BinaryObject{Parts[1].str(), Parts[2].str()};
}

std::string versionsPrefix(llvm::StringRef Service) { return ("profiles/" + Service + "/").str(); }
std::string versionKey(llvm::StringRef Service, llvm::StringRef Sha256, llvm::StringRef Form) {
  return (versionsPrefix(Service) + Sha256 + "." + Form).str();
}
std::string channelsPrefix(llvm::StringRef Service) { return ("channels/" + Service + "/").str(); }
std::string channelKey(llvm::StringRef Service, llvm::StringRef Name) {
  return (channelsPrefix(Service) + Name).str();
}

bool isSha256(llvm::StringRef S) {
  return S.size() == 64 && llvm::all_of(S, [](char C) {
           return llvm::isDigit(C) || (C >= 'a' && C <= 'f');
         });
}

std::string renderVersionInfo(const VersionInfo &V) {
  nlohmann::json J;
  J["format"] = "pgoctl-version-1";
  J["service"] = V.Service;
  J["version"] = V.Version;
  J["parent"] = V.Parent;
  J["created"] = V.Created;
  J["build_ids"] = V.BuildIds;
  J["hosts"] = V.Hosts;
  J["inputs"] = V.Inputs;
  J["forms"] = V.Forms;
  J["form_sha256"] = V.FormSha256;
  J["window"] = {{"start", V.WindowStart}, {"end", V.WindowEnd}};
  J["samples"] = V.Samples;
  J["quality"] = V.Quality;
  return J.dump(2) + "\n";
}

template <typename T>
static llvm::Error field(const nlohmann::json &J, const char *Key, T &Out, llvm::StringRef Name) {
  auto It = J.find(Key);
  if (It == J.end())
    return llvm::Error::success();
  try {
    Out = It->get<T>();
  } catch (const nlohmann::json::exception &) {
    return makeKindError(ErrorKind::Damaged, "{0}: `{1}` has the wrong type", Name, Key);
  }
  return llvm::Error::success();
}

static llvm::Expected<nlohmann::json> parseObject(llvm::StringRef Text, llvm::StringRef Name) {
  nlohmann::json J = nlohmann::json::parse(Text.begin(), Text.end(), nullptr, false);
  if (J.is_discarded() || !J.is_object())
    return makeKindError(ErrorKind::Damaged, "{0}: not a JSON object", Name);
  return J;
}

llvm::Expected<VersionInfo> parseVersionInfo(llvm::StringRef Text, llvm::StringRef Name) {
  llvm::Expected<nlohmann::json> J = parseObject(Text, Name);
  if (!J)
    return J.takeError();
  VersionInfo V;
  std::string Format;
  if (llvm::Error E = llvm::joinErrors(
          llvm::joinErrors(field(*J, "format", Format, Name), field(*J, "service", V.Service, Name)),
          llvm::joinErrors(field(*J, "version", V.Version, Name),
                           field(*J, "parent", V.Parent, Name))))
    return std::move(E);
  if (llvm::Error E = llvm::joinErrors(
          llvm::joinErrors(field(*J, "build_ids", V.BuildIds, Name),
                           field(*J, "hosts", V.Hosts, Name)),
          llvm::joinErrors(field(*J, "inputs", V.Inputs, Name), field(*J, "forms", V.Forms, Name))))
    return std::move(E);
  if (llvm::Error E = llvm::joinErrors(
          llvm::joinErrors(field(*J, "samples", V.Samples, Name),
                           field(*J, "quality", V.Quality, Name)),
          llvm::joinErrors(field(*J, "created", V.Created, Name),
                           field(*J, "form_sha256", V.FormSha256, Name))))
    return std::move(E);
  if (auto W = J->find("window"); W != J->end() && W->is_object())
    if (llvm::Error E = llvm::joinErrors(field(*W, "start", V.WindowStart, Name),
                                         field(*W, "end", V.WindowEnd, Name)))
      return std::move(E);
  if (Format != "pgoctl-version-1")
    return makeKindError(ErrorKind::Damaged, "{0}: format `{1}` is not pgoctl-version-1", Name,
                         escapeForTerminal(Format, 64));
  if (!isSha256(V.Version))
    return makeKindError(ErrorKind::Damaged, "{0}: version is not a sha256", Name);
  return V;
}

std::string renderChannelInfo(const ChannelInfo &C) {
  nlohmann::json J;
  J["format"] = "pgoctl-channel-1";
  J["version"] = C.Version;
  J["previous"] = C.Previous;
  J["moved"] = C.Moved;
  J["writer"] = C.Writer;
  return J.dump(2) + "\n";
}

llvm::Expected<ChannelInfo> parseChannelInfo(llvm::StringRef Text, llvm::StringRef Name) {
  llvm::Expected<nlohmann::json> J = parseObject(Text, Name);
  if (!J)
    return J.takeError();
  ChannelInfo C;
  std::string Format;
  if (llvm::Error E = llvm::joinErrors(
          llvm::joinErrors(field(*J, "format", Format, Name), field(*J, "version", C.Version, Name)),
          llvm::joinErrors(
              llvm::joinErrors(field(*J, "previous", C.Previous, Name),
                               field(*J, "moved", C.Moved, Name)),
              field(*J, "writer", C.Writer, Name))))
    return std::move(E);
  if (Format != "pgoctl-channel-1")
    return makeKindError(ErrorKind::Damaged, "{0}: format `{1}` is not pgoctl-channel-1", Name,
                         escapeForTerminal(Format, 64));
  if (!isSha256(C.Version))
    return makeKindError(ErrorKind::Damaged, "{0}: version is not a sha256", Name);
  return C;
}

llvm::Expected<int64_t> parseDuration(llvm::StringRef Text, llvm::StringRef Flag) {
  llvm::StringRef T = Text.trim();
  int64_t Unit = 86400;
  if (!T.empty()) {
    switch (T.back()) {
    case 'd': Unit = 86400; T = T.drop_back(); break;
    case 'h': Unit = 3600; T = T.drop_back(); break;
    case 'm': Unit = 60; T = T.drop_back(); break;
    case 's': Unit = 1; T = T.drop_back(); break;
    default: break;
    }
  }
  uint64_t N = 0;
  if (T.empty() || T.getAsInteger(10, N) || N > uint64_t(100) * 365 * 86400 / uint64_t(Unit))
    return makeKindError(ErrorKind::Usage,
                         "{0} `{1}`: expected a duration like 7d, 12h, 30m, 90s (at most 100 years)",
                         Flag, escapeForTerminal(Text, 64));
  return int64_t(N) * Unit;
}

} // namespace pgoctl::store
