// core/Profile.h: the profile model every pgoctl stage uses.
//
// A Profile holds, per binary (build-id, path, ELF load segments), the counts a
// sampling run produced: taken branches (from, to, mispredicts),
// fall-through ranges (begin, end) and traces (the branch that began each
// range, with the range) from LBR, IP sample counts, and interned call
// stacks (for flame graphs and verify). Every address is an ELF virtual address
// of its binary (the address the linker assigned), so ASLR and PIE load bases
// are gone and profiles from many hosts and runs can be summed. When the binary
// could not be read at import time the addresses are file offsets instead, and
// the binary says so (AddressSpace::FileOffset); convert resolves them later
// when it is given the file. Metadata records the event, period, mode, time
// window, labels and the provenance of every input merged in.
//
// In memory the counts live in sorted vectors (deterministic, compact, cheap to
// merge); collect/ aggregates into hash maps and calls Profile::canonicalize.
#pragma once

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pgoctl {

/// Marks a branch end that lies outside the binary (a call into libc, a return
/// to the kernel). Both ends external never happens: such a branch belongs to
/// no binary.
inline constexpr uint64_t kExternalAddress = ~uint64_t(0);

enum class ProfileMode : uint8_t { Unknown = 0, IpSamples = 1, Lbr = 2 };
llvm::StringRef modeName(ProfileMode M);

enum class AddressSpace : uint8_t {
  ElfVaddr = 0,   ///< addresses are ELF virtual addresses (the normal case)
  FileOffset = 1, ///< binary was unreadable at import: addresses are file offsets
};

struct LoadSegment {
  uint64_t VAddr = 0, MemSize = 0, FileOffset = 0, FileSize = 0;
  uint32_t Flags = 0; ///< PF_R/PF_W/PF_X
  auto operator<=>(const LoadSegment &) const = default;
};

/// Maps a file offset to an ELF vaddr through the PT_LOAD segments: the
/// segment whose file range [FileOffset, FileOffset+FileSize) holds Offset.
/// Returns nullopt when no segment does.
std::optional<uint64_t> fileOffsetToVaddr(llvm::ArrayRef<LoadSegment> Segments,
                                          uint64_t Offset);

struct BranchCount {
  uint64_t From = 0, To = 0;
  uint64_t Count = 0, Mispreds = 0;
};
struct RangeCount {
  uint64_t Begin = 0, End = 0; ///< End is the address of the last instruction's start
  uint64_t Count = 0;
};
/// An LBR trace as BOLT aggregates it: the taken branch Branch -> Begin and
/// the fall-through from Begin up to End (the next branch's source). Branch is
/// kExternalAddress when the branch came from outside the binary. Ranges are
/// the traces summed over Branch; keeping the branch tells perf2bolt's
/// "return to the block after the call" rule exactly.
struct TraceCount {
  uint64_t Branch = 0, Begin = 0, End = 0;
  uint64_t Count = 0;
};
struct AddrCount {
  uint64_t Addr = 0;
  uint64_t Count = 0;
};
// --- function-level counts (pprof frames without addresses; .pgoprof v2) ---
/// Samples of a function known only by name (a pprof frame without an
/// address: interpreted code, a host-symbolized profiler). Self: samples with
/// it innermost at the leaf; Total: samples with it anywhere in the stack
/// (once per sample).
struct FunctionCount {
  std::string Name;
  uint64_t Self = 0, Total = 0;
};
// --- end function-level counts ---

struct BinaryProfile {
  std::string BuildId; ///< lowercase hex, may be empty
  std::string Path;    ///< as recorded on the profiled machine
  bool IsKernel = false;
  AddressSpace Space = AddressSpace::ElfVaddr;
  std::vector<LoadSegment> Segments; ///< PT_LOAD headers, when the ELF was read
  std::vector<BranchCount> Branches; ///< sorted by (From, To)
  std::vector<RangeCount> Ranges;    ///< sorted by (Begin, End)
  /// Sorted by (Begin, End, Branch). Per (Begin, End) they sum to at most the
  /// range's count: profiles written before traces were kept (.pgoprof
  /// version 1), and their sums with newer ones, have ranges without traces.
  std::vector<TraceCount> Traces;
  std::vector<AddrCount> Samples;    ///< IP samples, sorted by Addr
  std::vector<FunctionCount> Functions; ///< function-level counts, sorted by Name

  /// Sorts and folds the count vectors (Profile::canonicalize does it for
  /// every binary).
  void canonicalize();
  /// Identity for merging: build-id when known, else path.
  std::string key() const;
  /// The sum of the IP sample counts, saturating at 2^64-1.
  uint64_t totalSamples() const;
  /// The range records no trace accounts for (Ranges minus Traces summed
  /// over the branch), sorted by (Begin, End); empty for a profile imported
  /// by a pgoctl that keeps traces.
  std::vector<RangeCount> untracedRanges() const;
};

/// Traces sorted by (Begin, End, Branch) summed over the branch: the ranges
/// they make, sorted by (Begin, End). Sums saturate at 2^64-1.
std::vector<RangeCount> rangesOfTraces(llvm::ArrayRef<TraceCount> Traces);

/// A frame of a call stack: a binary (index into Profile::Binaries) and an
/// address in it. Unresolvable frames use Binary = kNoBinary and the raw address.
struct Frame {
  static constexpr uint32_t kNoBinary = ~uint32_t(0);
  uint32_t Binary = kNoBinary;
  uint64_t Addr = 0;
  auto operator<=>(const Frame &) const = default;
};

struct StackCount {
  std::vector<Frame> Frames; ///< leaf first
  uint64_t Count = 0;
};

/// Where one input of a profile came from.
struct Provenance {
  std::string Source;   ///< file path as given
  std::string Kind;     ///< "perf.data", "perf-script", "pgoprof"
  std::string Sha256;   ///< of the input file, when computed
  std::string Host;     ///< HEADER_HOSTNAME, or label
  std::string OsRelease;
  std::string PerfVersion;
  uint64_t Samples = 0;
  uint64_t Weight = 1;
  uint64_t TimeStartNs = 0, TimeEndNs = 0;
  auto operator<=>(const Provenance &) const = default;
};

struct ProfileMetadata {
  std::string Event;         ///< e.g. "cpu-clock", "br_inst_retired.near_taken"
  uint64_t SamplePeriod = 0; ///< 0 when sampled by frequency
  uint64_t SampleFreq = 0;
  ProfileMode Mode = ProfileMode::Unknown;
  uint64_t TimeStartNs = 0, TimeEndNs = 0; ///< perf clock, 0 = unknown
  std::map<std::string, std::string> Labels; ///< service, version, host, ...
  std::string ToolVersion;
  uint64_t TotalSamples = 0;   ///< samples seen in the inputs
  uint64_t LostSamples = 0;    ///< PERF_RECORD_LOST(_SAMPLES)
  uint64_t UnmappedSamples = 0;///< samples whose IP was in no known mapping
  std::vector<Provenance> Inputs;
};

struct Profile {
  ProfileMetadata Meta;
  std::vector<BinaryProfile> Binaries; ///< sorted by key()
  std::vector<StackCount> Stacks;      ///< sorted by Frames

  /// Sorts and deduplicates every vector (summing counts of equal keys) and
  /// renumbers stack frames after sorting binaries. Idempotent.
  void canonicalize();
  const BinaryProfile *findBinary(llvm::StringRef Key) const;
};

/// The service's executable among P's binaries, the one whose build-id names
/// a window (collect's spool files, the store's keys): the user-space binary
/// with the most IP samples and branch records that is not a shared library
/// (a file name with ".so" in it), else the library with the most; null when
/// P has none. So a window that spent its time in libc is still named after
/// the program that ran.
const BinaryProfile *mainBinary(const Profile &P);

/// A shared library by its file name (".so" in it: libc.so.6, libfoo.so).
bool isSharedLibrary(const BinaryProfile &B);

/// pgoctl's own version string, recorded in every profile it writes.
llvm::StringRef toolVersion();

} // namespace pgoctl
