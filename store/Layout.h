// store/Layout.h: where things live in a profile store, and what is refused.
//
//   raw/<service>/<yyyy-mm-dd>/<host>-<build-id>-<start>.pgoprof
//        one window as a host recorded it; <start> is its wall-clock start in
//        seconds since 1970 (UTC), <yyyy-mm-dd> that day; <build-id> the main
//        binary's (`none` when it has none)
//   profiles/<service>/<sha256>.pgoprof  a published version: the merged profile,
//        named by the sha256 of its bytes (publishing the same profile twice
//        writes the same objects: idempotent)
//   profiles/<service>/<sha256>.profdata|.fdata|.yaml  its converted forms
//   profiles/<service>/<sha256>.json     what the version is (VersionInfo);
//        written last, so a version is listed only once all its objects exist
//   channels/<service>/<name>            JSON naming a version (ChannelInfo);
//        moved by compare-and-swap (Store::putIf)
//   binaries/<build-id>/<file name>      an ELF uploaded by `pgoctl push --binary`,
//        found by build-id when a refresh symbolizes that build's windows
//
// Every part of a key that comes from a user or a file (service, host,
// build-id, channel name, label values) passes checkKeyPart(): 1 to 128
// characters of [A-Za-z0-9._+@-], not `.` or `..`. So a key cannot leave its
// prefix (`..`, `/`), and no control character reaches a key, a URL or a
// terminal.
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pgoctl::store {

/// Refuses a key part as described above; the error (kind usage) names What.
llvm::Error checkKeyPart(llvm::StringRef Value, llvm::StringRef What);

/// `yyyy-mm-dd` of a time in seconds since 1970 (UTC).
std::string utcDate(int64_t Seconds);
/// `yyyy-mm-ddThh:mm:ssZ` of a time in seconds since 1970.
std::string utcTime(int64_t Seconds);

struct RawWindow {
  std::string Service, Date, Host, BuildId;
  int64_t Start = 0;
};
/// The key of a raw window (its parts are checked).
llvm::Expected<std::string> rawKey(const RawWindow &W);
/// A raw window's parts from its key, or nothing when the key is not one.
std::optional<RawWindow> parseRawKey(llvm::StringRef Key);
std::string rawPrefix(llvm::StringRef Service);

/// The forms a version may have, as key suffixes.
inline constexpr const char *kVersionForms[] = {"pgoprof", "profdata", "fdata", "yaml"};
std::string versionKey(llvm::StringRef Service, llvm::StringRef Sha256, llvm::StringRef Form);
std::string versionsPrefix(llvm::StringRef Service);
std::string channelKey(llvm::StringRef Service, llvm::StringRef Name);
std::string channelsPrefix(llvm::StringRef Service);
/// True for 64 lowercase hex digits.
bool isSha256(llvm::StringRef S);

/// `profiles/<service>/<sha256>.json`.
struct VersionInfo {
  std::string Service, Version, Parent, Created;
  std::vector<std::string> BuildIds, Hosts, Inputs, Forms;
  int64_t WindowStart = 0, WindowEnd = 0; ///< wall clock, seconds since 1970
  uint64_t Samples = 0;
  std::map<std::string, double> Quality; ///< figures a gate computed (optional)
  std::map<std::string, std::string> FormSha256; ///< form -> sha256 of its bytes
};
std::string renderVersionInfo(const VersionInfo &V);
llvm::Expected<VersionInfo> parseVersionInfo(llvm::StringRef Text, llvm::StringRef Name);

/// `channels/<service>/<name>`.
struct ChannelInfo {
  std::string Version;  ///< the sha256 of the version it names
  std::string Previous; ///< the version it named before (empty at first)
  std::string Moved;    ///< UTC time of the move
  std::string Writer;   ///< a random nonce of the move (the fallback's check)
};
std::string renderChannelInfo(const ChannelInfo &C);
llvm::Expected<ChannelInfo> parseChannelInfo(llvm::StringRef Text, llvm::StringRef Name);

/// Refuses a build-id that is not 2 to 128 lowercase hex digits of whole bytes
/// (GNU build-ids are 8, 16 or 20 bytes); the error (kind usage) names What.
/// Checked before a build-id reaches a key, a path or a URL.
llvm::Error checkBuildId(llvm::StringRef BuildId, llvm::StringRef What);

/// `binaries/<build-id>/<name>` (both parts checked; Name is a file name).
llvm::Expected<std::string> binaryKey(llvm::StringRef BuildId, llvm::StringRef Name);
/// `binaries/<build-id>/`, or `binaries/` for an empty BuildId (checked otherwise).
llvm::Expected<std::string> binariesPrefix(llvm::StringRef BuildId);
struct BinaryObject {
  std::string BuildId, Name;
};
/// A stored binary's parts from its key, or nothing when the key is not one.
std::optional<BinaryObject> parseBinaryKey(llvm::StringRef Key);

/// `7d`, `12h`, `30m`, `90s` or a plain number of days: seconds.
llvm::Expected<int64_t> parseDuration(llvm::StringRef Text, llvm::StringRef Flag);

} // namespace pgoctl::store
