// lock/LockFile.h: profile lock files (`*.pgolock`), read and written.
//
// A lock pins the profile a build uses: its sha256, its kind and where to
// fetch it. It is data, never code or flags, and is read with the rules of
// cmake-modules/internal/pgo_lockfile.cmake (the CMake module's reader): ASCII
// text of at most 64 KiB, `key = value` lines with `#` comments, known keys
// once each, every value checked; an error names the lock, the line and what
// is wrong. The layout is the one pgo_lock.cmake has always written, so old
// locks stay readable. A lock may also keep the pin it replaced
// (`previous_sha256`, `previous_source`, `previous_created`,
// `previous_version`, checked as their current counterparts) for `pgoctl lock
// --rollback`; builds ignore it. `quality`, `quality_samples` and `quality_basis`
// record how trustworthy the pinned profile is (convert's verdict), for the
// configure summary.
#pragma once

#include "core/FileKind.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBufferRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace pgoctl::lock {

/// What a lock may pin: a sample profile (MODE SAMPLE), an indexed
/// instrumentation profile (MODE INSTRUMENTED), or BOLT's .fdata or YAML.
enum class ProfileKind { Profdata, InstrProfdata, Fdata, Yaml };

llvm::StringRef kindName(ProfileKind K);
std::optional<ProfileKind> parseKind(llvm::StringRef Name);

/// The largest lock file read.
inline constexpr uint64_t MaxLockBytes = 64 * 1024;
/// The format version this reader knows (`format = pgolock-1`).
inline constexpr unsigned FormatVersion = 1;

/// The pin a lock had before it was refreshed (`previous_*` keys).
struct PreviousPin {
  std::string Sha256;  ///< 64 lowercase hex digits
  std::string Source;  ///< a path relative to the lock, or a URL
  std::string Created; ///< optional
  std::string Version; ///< optional
};

struct LockFile {
  std::string Version;              ///< a label (optional)
  std::optional<ProfileKind> Kind;  ///< optional in old locks
  std::string Sha256;               ///< 64 lowercase hex digits
  std::string Source;               ///< a path relative to the lock, or a URL
  std::string Created;              ///< UTC `YYYY-MM-DD[THH:MM[:SS]][Z]` (optional)
  std::optional<PreviousPin> Previous; ///< the pin this one replaced (optional)
  /// convert's quality verdict of the pinned profile (good, thin, poor) and
  /// its raw samples (optional; convert/sample/Quality.h); the CMake module
  /// shows them in its configure summary. A rollback drops them.
  std::string Quality;
  std::optional<uint64_t> QualitySamples;
  /// What the samples count: `branches` (LBR), `instructions` or `time`
  /// (IP samples of a time event, whose counts lean toward stalls); optional.
  std::string QualityBasis;
};

/// New, keeping Old's pin as its Previous (Old's own Previous is dropped:
/// one step back is kept); an Old without a sha256 (no lock yet) leaves New
/// without a Previous.
LockFile pinNew(const LockFile &Old, LockFile New);

/// L with its pin and its Previous swapped (a second rollback undoes the
/// first); an error when L has no Previous.
llvm::Expected<LockFile> rollBack(const LockFile &L, llvm::StringRef Name);

/// Parses a lock file's text; errors read `<Name>:<line>: <what>`.
llvm::Expected<LockFile> parseLockFile(llvm::StringRef Text, llvm::StringRef Name);

/// Reads a lock file (a regular file of at most MaxLockBytes) and parses it.
llvm::Expected<LockFile> readLockFile(llvm::StringRef Path);

/// The text of a lock file; every field must pass the reader's checks
/// (an error says which does not).
llvm::Expected<std::string> renderLockFile(const LockFile &L);

/// Seconds since 1970 of a `created` value, or an error saying what is wrong.
llvm::Expected<int64_t> parseCreated(llvm::StringRef Text);

/// What a profile's first bytes say it is (core/FileKind.h): a lock kind, or
/// a raw or text instrumentation profile, or nothing known.
using DetectedKind = FileKind;

/// A profile file checked for locking: a regular file of at most MaxBytes,
/// its sha256 (lowercase hex) and its kind from its first bytes.
struct ProfileFacts {
  std::string Sha256;
  DetectedKind Kind = DetectedKind::Unknown;
  uint64_t Size = 0;
};
llvm::Expected<ProfileFacts> inspectProfile(llvm::StringRef Path, uint64_t MaxBytes);

} // namespace pgoctl::lock
