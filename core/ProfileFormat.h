// core/ProfileFormat.h: reading and writing .pgoprof files.
//
// Layout: 8-byte magic "PGOPROF\x01", a little-endian u32 format version, a u32
// of flags (0), then one zstd frame holding the protobuf `pgoctl.pb.Profile`
// (core/profile.proto). Readers detect the format by the magic; a newer format
// version than this reader knows is a clear error, older ones are read.
// Writing canonicalizes first, so equal profiles give equal bytes.
#pragma once

#include "core/Profile.h"

#include "llvm/Support/Error.h"

namespace pgoctl {

inline constexpr char kPgoprofMagic[8] = {'P', 'G', 'O', 'P', 'R', 'O', 'F', '\x01'};
inline constexpr uint32_t kPgoprofVersion = 1;

/// True if Bytes starts with the .pgoprof magic.
bool isPgoprof(llvm::StringRef Bytes);

/// Serializes P (canonicalized copy) into the .pgoprof byte form.
llvm::Expected<std::string> serializeProfile(const Profile &P);
/// Parses the .pgoprof byte form; Name is used in error messages.
llvm::Expected<Profile> parseProfile(llvm::StringRef Bytes, llvm::StringRef Name);

llvm::Error writeProfileFile(const Profile &P, llvm::StringRef Path);
llvm::Expected<Profile> readProfileFile(llvm::StringRef Path);

} // namespace pgoctl
