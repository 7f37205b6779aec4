// core/ProfileFormat.h: reading and writing .pgoprof files.
//
// Layout: 8-byte magic "PGOPROF\x01", a little-endian u32 format version, a u32
// of flags (0), then one zstd frame holding the protobuf `pgoctl.pb.Profile`
// (core/profile.proto). Readers detect the format by the magic; a newer format
// version than this reader knows is a clear error, older ones are read.
// Writing canonicalizes first, so equal profiles give equal bytes.
//
// Reading is bounded: the zstd frame is decompressed as a stream (its declared
// size is never trusted for an allocation) and stops at the memory limit; the
// protobuf body is scanned before it is parsed, and its element and message
// counts give the memory the parse and the Profile would take, which must fit
// the limit too. A small file that expands to gigabytes (a zstd bomb) is an
// error naming the limit, not an abort.
#pragma once

#include "core/Input.h"
#include "core/Profile.h"

#include "llvm/Support/Error.h"

namespace pgoctl {

inline constexpr char kPgoprofMagic[8] = {'P', 'G', 'O', 'P', 'R', 'O', 'F', '\x01'};
/// Version 2 added LBR traces (core/Profile.h TraceCount) and function-level
/// counts (pprof frames without addresses); version 1 files are read as
/// profiles whose ranges have no traces and without function counts. A
/// profile that has neither is still written as version 1.
inline constexpr uint32_t kPgoprofVersion = 2;

/// Limits of a .pgoprof read.
struct ProfileReadOptions {
  /// Bytes the decompressed body, its parse and the Profile may take
  /// (--max-memory); see defaultMaxMemory() in core/Input.h.
  uint64_t MaxMemory = defaultMaxMemory();
};

/// True if Bytes starts with the .pgoprof magic.
bool isPgoprof(llvm::StringRef Bytes);

/// Serializes P (canonicalized copy) into the .pgoprof byte form.
llvm::Expected<std::string> serializeProfile(const Profile &P);
/// Parses the .pgoprof byte form; Name is used in error messages.
llvm::Expected<Profile> parseProfile(llvm::StringRef Bytes, llvm::StringRef Name);
llvm::Expected<Profile> parseProfile(llvm::StringRef Bytes, llvm::StringRef Name,
                                     const ProfileReadOptions &Opts);

llvm::Error writeProfileFile(const Profile &P, llvm::StringRef Path);
llvm::Expected<Profile> readProfileFile(llvm::StringRef Path);
llvm::Expected<Profile> readProfileFile(llvm::StringRef Path, const ProfileReadOptions &Opts);
/// Reads an opened input (a file, a pipe, a FIFO) from its first byte.
llvm::Expected<Profile> readProfile(InputFile &In, const ProfileReadOptions &Opts);

} // namespace pgoctl
