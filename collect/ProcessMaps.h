// collect/ProcessMaps.h: which file was mapped where, in which process, when.
//
// Built from MMAP/MMAP2, FORK, COMM(exec) records, and asked "what mapping held
// address A in process P at time T?". Every event carries an order key (time,
// then file sequence), so the answer does not depend on the order records
// appear in the file (perf writes each CPU's buffer separately, so a sample can
// precede, in the file, the mmap it needs). A later mapping that overlaps an
// earlier one ends the earlier one's validity (the whole of it: the rare
// partial overlap of two executable mappings is not split as perf does). A
// forked child sees its parent's mappings as of the fork until it execs.
// Kernel mappings (pid -1, or addresses in the upper half) form one set.
//
// Files are interned as Modules (path + build-id), so the hot path works with
// small integers. Lookups go through a small cache of recent hits.
#pragma once

#include "collect/PerfData.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringMap.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace pgoctl {

/// Order of an event: perf timestamp first, then position in the input.
struct OrderKey {
  uint64_t Time = 0;
  uint64_t Seq = 0;
  friend bool operator<(const OrderKey &A, const OrderKey &B) {
    return A.Time != B.Time ? A.Time < B.Time : A.Seq < B.Seq;
  }
  friend bool operator<=(const OrderKey &A, const OrderKey &B) { return !(B < A); }
  static OrderKey max() { return {UINT64_MAX, UINT64_MAX}; }
};

struct Module {
  std::string Path;
  std::string BuildId; ///< raw bytes, may be empty
  bool IsKernel = false;
  /// Not a file: [heap], [stack], //anon, [anon:...], /dev/zero, memfd.
  bool IsAnonymous = false;
};

struct Mapping {
  uint64_t Start = 0, End = 0, Pgoff = 0;
  uint32_t Module = 0;
  bool Kernel = false;    ///< kernel or module: addresses are kept as they are
  bool Anonymous = false; ///< not a file: resolves to no module
  OrderKey From;                       ///< when it was mapped
  OrderKey Until = OrderKey::max();    ///< when a later mapping or exec replaced it
};

/// The result of resolving one address.
struct Location {
  static constexpr uint32_t kNone = ~uint32_t(0);
  uint32_t Module = kNone;
  /// address - start + pgoff (the kernel: the address); meaningless when
  /// Module is kNone.
  uint64_t FileOffset = 0;
};

/// A Location in one u64, for hot-path keys: the module index + 1 in the top
/// 16 bits, the low 48 bits of the file offset below (user file offsets fit
/// in 48 bits; kernel addresses are canonical and unpacking restores them).
/// 0: in no module.
constexpr unsigned kPackedModuleShift = 48;
constexpr uint64_t kPackedAddrMask = (uint64_t(1) << kPackedModuleShift) - 1;
inline uint32_t packedModule(uint64_t P) { return uint32_t(P >> kPackedModuleShift) - 1; }
inline uint64_t packedAddr(uint64_t P, bool Kernel) {
  uint64_t A = P & kPackedAddrMask;
  return Kernel && (A >> 47) ? A | ~kPackedAddrMask : A;
}

class ProcessMaps {
public:
  static constexpr uint32_t kKernelPid = ~uint32_t(0);
  /// Distinct files beyond this many resolve to no module (the importer packs
  /// module indices into 16 bits).
  static constexpr uint32_t kMaxModules = 65000;
  /// L packed (kPackedModuleShift); 0 when L is in no module.
  static uint64_t pack(const Location &L) {
    if (L.Module == Location::kNone || L.Module >= kMaxModules)
      return 0;
    return (uint64_t(L.Module + 1) << kPackedModuleShift) | (L.FileOffset & kPackedAddrMask);
  }

  void addMmap(const perf::MmapEvent &E, OrderKey Key);
  void addFork(uint32_t Child, uint32_t Parent, OrderKey Key);
  void addExec(uint32_t Pid, OrderKey Key);
  /// The process exited: it resolves nothing after Key (used only to prune,
  /// see retireBefore).
  void addExit(uint32_t Pid, OrderKey Key);
  /// True if adding E at Key would change no resolution: E is not kept (not
  /// executable), or an identical mapping (same place, offset and file) from
  /// Key or earlier is in force over the whole window E would decide. A one-pass reader uses it to tell whether a side-band
  /// record that arrives after later samples matters.
  bool isRedundant(const perf::MmapEvent &E, OrderKey Key) const;
  /// Build-ids from the BUILD_ID header section, matched by file name.
  void addBuildId(llvm::StringRef Path, llvm::StringRef BuildId);

  /// Resolves Addr in process Pid at Key. Kernel addresses (upper half of the
  /// address space) are looked up in the kernel set whatever Pid is. An
  /// address in an anonymous mapping resolves to no module.
  Location resolve(uint32_t Pid, uint64_t Addr, OrderKey Key) {
    // Fast path: the mapping of the previous hit (most LBR entries of a sample
    // lie in one binary).
    const CacheEntry &C = Cache[LastHit];
    if (C.Gen == Gen && Addr - C.M->Start < C.M->End - C.M->Start &&
        C.Pid == (Addr >= kKernelHalf ? kKernelPid : Pid) && C.M->From <= Key &&
        Key < C.M->Until)
      return locate(*C.M, Addr);
    return resolveSlow(Pid, Addr, Key);
  }

  /// Resolves the addresses of one sample (one pid, one time), remembering
  /// the mapping of the last hit in user space and in the kernel: the ~33
  /// addresses of an LBR sample mostly lie in one binary, and each then costs
  /// one range check. Only a mapping of the process itself (or the kernel
  /// set) is remembered, as resolve()'s cache does: one inherited from a
  /// parent may be hidden in part by the child's own later mappings. A miss
  /// is remembered as the stretch around it that no list holds (gapAround).
  /// moveTo() goes on to the next sample and keeps what it remembers while
  /// no answer can differ: no change to the maps since, and both keys at or
  /// after ChangedAt.
  class SampleResolver {
  public:
    SampleResolver(ProcessMaps &Maps, uint32_t Pid, OrderKey Key)
        : Maps(Maps), Pid(Pid), Key(Key), Changes(Maps.Changes) {}
    void moveTo(uint32_t NewPid, OrderKey NewKey) {
      bool Stable = Changes == Maps.Changes && !(Key < Maps.ChangedAt) &&
                    !(NewKey < Maps.ChangedAt);
      if (!Stable)
        Kernel = Hit();
      if (!Stable || NewPid != Pid)
        User = User2 = Miss = Hit();
      Pid = NewPid;
      Key = NewKey;
      Changes = Maps.Changes;
    }
    Location operator()(uint64_t Addr) {
      if (const Hit *H = remembered(Addr))
        return H->Tag ? Location{H->Module, Addr + H->Delta} : Location{};
      return slow(Addr);
    }
    /// The same answer, packed (pack()): the LBR path keys on packed
    /// locations, and a hit then costs no test of the module.
    uint64_t packed(uint64_t Addr) {
      if (const Hit *H = remembered(Addr))
        return H->Tag ? H->Tag | ((Addr + H->Delta) & kPackedAddrMask) : 0;
      return pack(slow(Addr));
    }

  private:
    /// Addr in [Start, Start + Len) resolves to (Module, Addr + Delta); Tag
    /// is pack() of (Module, 0), 0 for the Miss stretch (no module).
    struct Hit {
      uint64_t Start = 0, Len = 0, Delta = 0;
      uint64_t Tag = 0;
      uint32_t Module = Location::kNone;
    };
    /// The remembered stretch that holds Addr (a mapping, or Miss), or null.
    const Hit *remembered(uint64_t Addr) {
      Hit &H = Addr >= kKernelHalf ? Kernel : User;
      if (Addr - H.Start < H.Len)
        return &H;
      if (Addr - Miss.Start < Miss.Len)
        return &Miss;
      if (Addr - User2.Start < User2.Len) { // (never a kernel address)
        std::swap(User, User2);
        return &User;
      }
      return nullptr;
    }
    Location slow(uint64_t Addr);
    ProcessMaps &Maps;
    uint32_t Pid;
    OrderKey Key;
    uint64_t Changes; ///< Maps.Changes when the hits were made
    Hit User, Kernel;
    Hit User2; ///< the user hit before User (a binary and its libraries alternate)
    Hit Miss;  ///< a stretch of no mapping (user or kernel half)
  };

  /// For a reader that delivers records in time order: no lookup will be
  /// made before Key from now on, so mappings replaced before Key may be
  /// dropped (a process's list is pruned when it has doubled), keeping
  /// memory and lookup time bounded by the mappings in force rather than the
  /// run's history. A lookup before retiredBefore() may then miss: the
  /// caller must not make one (the importer reads again in two passes).
  void retireBefore(OrderKey Key) { RetireKey = Key; }
  OrderKey retiredBefore() const { return Retired; }

  /// A reader in time order may have mappings identical to one in force
  /// left out (a recording that re-maps the same files over and over).
  /// That is exact as long as each list gets its events in key order; an
  /// event with a key before a left-out one sets skipsUnsafe(), and the
  /// caller must then read again without skipping.
  void setSkipRedundant(bool On) { SkipRedundant = On; }
  bool skipsUnsafe() const { return SkipsUnsafe; }
  uint64_t skippedMappings() const { return Skipped; }

  const std::vector<Module> &modules() const { return Modules; }
  size_t numMappings() const;

private:
  static constexpr uint64_t kKernelHalf = 0xffff800000000000ULL;
  static Location locate(const Mapping &M, uint64_t Addr) {
    if (M.Anonymous)
      return {};
    uint64_t Off = M.Kernel ? Addr : Addr - M.Start + M.Pgoff;
    if (!M.Kernel && (Off >> 48)) // beyond any real file: treat as unmapped
      return {};
    return {M.Module, Off};
  }
  Location resolveSlow(uint32_t Pid, uint64_t Addr, OrderKey Key);
  /// The mapping that holds Addr in Pid at Key, through the parents; Own is
  /// set when it is the process's own (or the kernel set's).
  const Mapping *lookup(uint32_t Pid, uint64_t Addr, OrderKey Key, bool &Own) const;
  /// lookup() through the small cache of recent hits (own mappings only).
  const Mapping *find(uint32_t Pid, uint64_t Addr, OrderKey Key, bool &Own);
  /// [Lo, Hi) around Addr, within its half of the address space, where no
  /// list lookup() may walk for Pid has a mapping at any time; false when
  /// there is none such.
  bool gapAround(uint32_t Pid, uint64_t Addr, uint64_t &Lo, uint64_t &Hi) const;

  struct PidMaps {
    std::vector<Mapping> Maps; ///< sorted by Start
    /// MaxEnd[i]: the highest End of Maps[0..i]. A lookup going down from
    /// an address stops where it is not above the address: one long mapping
    /// (a kernel text map, a 100 MB binary) does not make every lookup of
    /// the process scan its whole history.
    std::vector<uint64_t> MaxEnd;
    /// Each FORK that made this pid a child (a pid the kernel reused has
    /// several), sorted by key: a life resolves through its parent as of
    /// its fork, until the next exec or the next fork of the pid.
    struct Birth {
      OrderKey Key;
      uint32_t Parent = 0;
    };
    std::vector<Birth> Births;
    std::vector<OrderKey> Execs; ///< sorted
    size_t PruneAt = 64;         ///< Maps size at which retired ones are dropped
    OrderKey PrunedAt;           ///< the retire key of the last try
    /// Children (fork key, pid): each resolves through this list at its
    /// fork key until it execs, so pruning keeps what they may still need.
    std::vector<std::pair<OrderKey, uint32_t>> Children;
    OrderKey ExitKey = OrderKey::max();
    OrderKey MaxKey;   ///< the latest key of a mapping added (with skipping)
    OrderKey LastSkip; ///< the latest key of a mapping left out
    /// The first exec after Key, if any.
    const OrderKey *execAfter(OrderKey Key) const {
      for (const OrderKey &E : Execs)
        if (Key < E)
          return &E;
      return nullptr;
    }
    /// The first fork of this pid after Key, if any: it ends the life that
    /// Key is in (the kernel reused the pid).
    const OrderKey *birthAfter(OrderKey Key) const {
      for (const Birth &B : Births)
        if (Key < B.Key)
          return &B.Key;
      return nullptr;
    }
    /// What ends, after Key, the mappings in force at Key: the first exec
    /// or fork of this pid after it.
    OrderKey lifeEndAfter(OrderKey Key) const {
      OrderKey End = OrderKey::max();
      if (const OrderKey *E = execAfter(Key))
        End = *E;
      if (const OrderKey *B = birthAfter(Key))
        End = std::min(End, *B);
      return End;
    }
    /// The fork that began the life Key is in: the last one at or before
    /// Key, or else the first one (a lookup just before the fork record).
    const Birth *birthOf(OrderKey Key) const {
      const Birth *Found = nullptr;
      for (const Birth &B : Births)
        if (B.Key <= Key)
          Found = &B;
      return Found ? Found : (Births.empty() ? nullptr : &Births.front());
    }
  };
  const Mapping *findIn(const PidMaps &PM, uint64_t Addr, OrderKey Key) const;
  /// A mapping of PM with M's place, offset and module, in force at M.From.
  static bool identicalInForce(const PidMaps &PM, const Mapping &M);
  /// Recomputes PM.MaxEnd (after pruning).
  static void reindex(PidMaps &PM);
  /// How an mmap record is filed: kernel or process, file name, build-id.
  struct MmapIdentity {
    bool Kernel = false;
    llvm::StringRef Name;
    llvm::StringRef BuildId; ///< the event's, or the header's for its file
    uint32_t Pid = 0;
    uint64_t End = 0;
  };
  MmapIdentity identify(const perf::MmapEvent &E) const;
  uint32_t internModule(llvm::StringRef Path, llvm::StringRef BuildId, bool Kernel);

  llvm::DenseMap<uint64_t, PidMaps> Pids; /// uint64 keys: DenseMap reserves ~0u
  std::vector<Module> Modules;
  llvm::StringMap<uint32_t> ModuleIndex; ///< key: path + '\0' + build-id
  llvm::StringMap<std::string> HeaderBuildIds;
  /// The module of an mmap event, through a small memo by file name: a
  /// recording maps the same few files over and over, and identify() plus
  /// internModule() hash the name twice.
  uint32_t moduleOf(const perf::MmapEvent &E, bool &Kernel);
  struct ModuleMemo {
    bool Valid = false, KernelAddr = false, Kernel = false;
    uint32_t Module = 0;
    std::string Filename, BuildId;
  };
  static constexpr unsigned kMemoSlots = 1024;
  std::vector<ModuleMemo> Memo; ///< kMemoSlots once used

  /// Recent hits, direct-mapped by (pid, 64 KiB block of the address): a
  /// sample's call chain and branches touch more binaries than a few. An
  /// entry holds while Gen is the map's: any add*() moves the lists'
  /// mappings, and bumps the generation instead of clearing the table.
  struct CacheEntry {
    uint32_t Pid = 0;
    uint32_t Gen = 0;
    const Mapping *M = nullptr;
  };
  static constexpr unsigned kCacheSlots = 256;
  static unsigned cacheSlot(uint32_t Pid, uint64_t Addr) {
    return unsigned(((Addr >> 16) ^ (uint64_t(Pid) * 0x9e3779b1u)) & (kCacheSlots - 1));
  }
  /// Every change that may alter an answer goes through here first.
  void change(OrderKey Key) {
    ++Changes;
    invalidateCache();
    if (ChangedAt < Key)
      ChangedAt = Key;
  }
  void invalidateCache() {
    if (++Gen == 0) { // wrapped: no stale entry may match
      Cache.fill({});
      Gen = 1;
    }
  }
  OrderKey RetireKey, Retired;
  /// The latest key of a change that may make an address resolve
  /// differently (a mapping kept, a fork, an exec; not an exit, a build-id
  /// or a mapping left out). Every mapping, fork and exec then has a key at
  /// or before it, so until the next change a lookup at any key from it on
  /// gives the same answer.
  OrderKey ChangedAt;
  uint64_t Changes = 0; ///< how many such changes
  std::array<CacheEntry, kCacheSlots> Cache{};
  uint32_t Gen = 1;
  unsigned LastHit = 0;
  bool SkipRedundant = false, SkipsUnsafe = false;
  uint64_t Skipped = 0;
};

} // namespace pgoctl
