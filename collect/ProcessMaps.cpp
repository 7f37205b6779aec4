// collect/ProcessMaps.cpp: time-aware mapping history per process.
#include "collect/ProcessMaps.h"
#include "core/FlatMap.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cstring>

namespace pgoctl {

namespace {

bool isAnonymousName(llvm::StringRef Path) {
  return Path.empty() || Path == "//anon" || Path == "[heap]" || Path == "[stack]" ||
         Path.starts_with("[anon:") || Path.starts_with("/dev/zero") ||
         Path.starts_with("/memfd:") || Path.starts_with("/SYSV") ||
         Path.starts_with("//anon");
}
bool isKernelName(llvm::StringRef Path) {
  return Path.starts_with("[kernel.kallsyms]") || Path.starts_with("[guest.kernel") ||
         Path.ends_with(".ko") || Path.ends_with(".ko.xz") || Path.ends_with(".ko.zst") ||
         Path.ends_with(".ko.gz") || (Path.starts_with("[") && !Path.starts_with("[vdso]") &&
                                      !Path.starts_with("[vsyscall]") &&
                                      !Path.starts_with("[uprobes]") && !isAnonymousName(Path));
}
/// One past the mapping's last byte (saturated: a hostile length wraps).
uint64_t mappingEnd(const perf::MmapEvent &E) {
  return E.Start + E.Len < E.Start ? UINT64_MAX : E.Start + E.Len;
}
} // namespace

uint32_t ProcessMaps::internModule(llvm::StringRef Path, llvm::StringRef BuildId,
                                   bool Kernel) {
  llvm::SmallString<256> Key(Path); // no allocation on the hot path
  Key.push_back('\0');
  Key += BuildId;
  if (auto Found = ModuleIndex.find(Key); Found != ModuleIndex.end())
    return Found->second;
  auto [It, Inserted] = ModuleIndex.try_emplace(Key, uint32_t(Modules.size()));
  if (Inserted) {
    Module M;
    M.Path = Path.str();
    M.BuildId = BuildId.str();
    M.IsKernel = Kernel;
    M.IsAnonymous = (!Kernel && isAnonymousName(Path)) || Modules.size() >= kMaxModules;
    Modules.push_back(std::move(M));
  }
  return It->second;
}

void ProcessMaps::addBuildId(llvm::StringRef Path, llvm::StringRef BuildId) {
  HeaderBuildIds[Path] = BuildId.str();
  Memo.clear(); // identify() may now answer differently
}

uint32_t ProcessMaps::moduleOf(const perf::MmapEvent &E, bool &Kernel) {
  // identify() depends on the name, the build-id, and whether the pid or the
  // address says kernel; so does the memo's key.
  bool KernelAddr = E.Pid == kKernelPid || E.Start >= kKernelHalf;
  if (Memo.empty())
    Memo.resize(kMemoSlots);
  llvm::StringRef F = E.Filename;
  uint64_t Head = 0, Tail = 0;
  if (!F.empty())
    memcpy(&Head, F.data(), std::min<size_t>(F.size(), 8));
  if (F.size() > 8)
    memcpy(&Tail, F.data() + F.size() - 8, 8);
  ModuleMemo &Me = Memo[mix64(Head ^ (Tail * 0x9e3779b97f4a7c15ULL) ^ F.size() ^
                              (uint64_t(KernelAddr) << 63)) %
                        kMemoSlots];
  if (Me.Valid && Me.KernelAddr == KernelAddr && Me.Filename == F && Me.BuildId == E.BuildId) {
    Kernel = Me.Kernel;
    return Me.Module;
  }
  MmapIdentity Id = identify(E);
  Me.Valid = true;
  Me.KernelAddr = KernelAddr;
  Me.Kernel = Kernel = Id.Kernel;
  Me.Module = internModule(Id.Name, Id.BuildId, Id.Kernel);
  Me.Filename.assign(F.data(), F.size());
  Me.BuildId = E.BuildId;
  return Me.Module;
}

ProcessMaps::MmapIdentity ProcessMaps::identify(const perf::MmapEvent &E) const {
  MmapIdentity Id;
  Id.Kernel = E.Pid == kKernelPid || E.Start >= kKernelHalf || isKernelName(E.Filename);
  Id.BuildId = E.BuildId;
  if (Id.BuildId.empty()) {
    auto It = HeaderBuildIds.find(E.Filename);
    if (It != HeaderBuildIds.end())
      Id.BuildId = It->second;
    else if (Id.Kernel && E.Filename.starts_with("[kernel.kallsyms]")) {
      It = HeaderBuildIds.find("[kernel.kallsyms]");
      if (It != HeaderBuildIds.end())
        Id.BuildId = It->second;
    }
  }
  Id.Name = E.Filename;
  if (Id.Name.starts_with("[kernel.kallsyms]"))
    Id.Name = "[kernel.kallsyms]";
  Id.Pid = Id.Kernel ? kKernelPid : E.Pid;
  Id.End = mappingEnd(E);
  return Id;
}

bool ProcessMaps::isRedundant(const perf::MmapEvent &E, OrderKey Key) const {
  if (!E.Executable || E.Len == 0)
    return true; // not kept at all
  MmapIdentity Id = identify(E);
  llvm::SmallString<256> ModKey(Id.Name);
  ModKey.push_back('\0');
  ModKey += Id.BuildId;
  auto Mod = ModuleIndex.find(ModKey);
  auto P = Pids.find(Id.Pid);
  if (Mod == ModuleIndex.end() || P == Pids.end())
    return false;
  const PidMaps &PM = P->second;
  // E would decide resolution over [Key, Until): until a later overlapping
  // mapping or an exec. It changes nothing if an identical mapping already
  // decides it over all of that window.
  OrderKey Until = OrderKey::max();
  for (const Mapping &M : PM.Maps)
    if (M.Start < Id.End && E.Start < M.End && Key < M.From && M.From < Until)
      Until = M.From;
  if (!Id.Kernel)
    Until = std::min(Until, PM.lifeEndAfter(Key));
  for (const Mapping &M : PM.Maps)
    if (M.Start == E.Start && M.End == Id.End && M.Pgoff == E.Pgoff &&
        M.Module == Mod->second && M.From <= Key && !(M.Until < Until))
      return true;
  return false;
}

void ProcessMaps::addMmap(const perf::MmapEvent &E, OrderKey Key) {
  if (!E.Executable || E.Len == 0)
    return;
  bool Kernel = false;
  Mapping M;
  M.Module = moduleOf(E, Kernel);
  M.Start = E.Start;
  M.End = mappingEnd(E);
  M.Pgoff = E.Pgoff;
  M.Kernel = Kernel;
  M.Anonymous = Modules[M.Module].IsAnonymous;
  M.From = Key;

  PidMaps &PM = Pids[Kernel ? kKernelPid : E.Pid];
  if (SkipRedundant) {
    if (Key < PM.LastSkip)
      SkipsUnsafe = true;
    // Keys in order for this list, and an identical mapping in force at
    // Key: this one would change no resolution now or after (whatever ends
    // that one ends this one at the same key). Not kept.
    if (!(Key < PM.MaxKey) && identicalInForce(PM, M)) {
      PM.LastSkip = Key;
      ++Skipped;
      return;
    }
    PM.MaxKey = std::max(PM.MaxKey, Key);
  }
  change(Key);
  // Each list is tried once per retire key: a burst of side-band records
  // between two samples (perf's synthesized maps of every process) must
  // let every process's list go, not only the first one's.
  if (PM.Maps.size() >= PM.PruneAt && PM.PrunedAt < RetireKey) {
    PM.PrunedAt = RetireKey;
    // A child looks here at its fork key until it execs (every later lookup
    // is at RetireKey or after): keep what a child that may still do so needs.
    llvm::erase_if(PM.Children, [&](const std::pair<OrderKey, uint32_t> &C) {
      auto It = Pids.find(C.second);
      if (It == Pids.end())
        return true;
      // That life of the child ended (an exec, or the pid forked again)
      // before every later lookup, or the child exited.
      const PidMaps &Ch = It->second;
      bool Gone = Ch.lifeEndAfter(C.first) < RetireKey || Ch.ExitKey < RetireKey;
      return Gone && Ch.Children.empty();
    });
    std::vector<OrderKey> Forks;
    for (const auto &C : PM.Children)
      Forks.push_back(C.first);
    std::sort(Forks.begin(), Forks.end());
    size_t Before = PM.Maps.size();
    llvm::erase_if(PM.Maps, [&](const Mapping &Old) {
      if (!(Old.Until <= RetireKey))
        return false;
      auto F = std::lower_bound(Forks.begin(), Forks.end(), Old.From);
      return F == Forks.end() || !(*F < Old.Until);
    });
    if (PM.Maps.size() != Before) {
      if (Retired < RetireKey)
        Retired = RetireKey;
      reindex(PM);
    }
    PM.PruneAt = std::max<size_t>(64, 2 * PM.Maps.size());
  }
  // Overlaps: whichever was mapped later ends the other's validity. The
  // candidates start below M.End; going down, they stop where no mapping at
  // or below reaches past M.Start.
  size_t Hi = size_t(std::lower_bound(PM.Maps.begin(), PM.Maps.end(), M.End,
                                      [](const Mapping &X, uint64_t S) { return X.Start < S; }) -
                     PM.Maps.begin());
  for (size_t I = Hi; I > 0 && PM.MaxEnd[I - 1] > M.Start; --I) {
    Mapping &Old = PM.Maps[I - 1];
    if (Old.End <= M.Start)
      continue;
    if (Old.From < M.From)
      Old.Until = std::min(Old.Until, M.From, [](auto &A, auto &B) { return A < B; });
    else
      M.Until = std::min(M.Until, Old.From, [](auto &A, auto &B) { return A < B; });
  }
  if (!Kernel)
    M.Until = std::min(M.Until, PM.lifeEndAfter(M.From));
  auto Pos = std::upper_bound(PM.Maps.begin(), PM.Maps.end(), M.Start,
                              [](uint64_t S, const Mapping &X) { return S < X.Start; });
  size_t At = size_t(PM.Maps.insert(Pos, M) - PM.Maps.begin());
  // MaxEnd is a running maximum: after the new entry, it changes only where
  // it was below M.End, a run that ends at the first entry reaching past it
  // (usually the next one).
  uint64_t Before = At ? PM.MaxEnd[At - 1] : 0;
  PM.MaxEnd.insert(PM.MaxEnd.begin() + long(At), std::max(Before, M.End));
  for (size_t I = At + 1; I < PM.MaxEnd.size() && PM.MaxEnd[I] < M.End; ++I)
    PM.MaxEnd[I] = M.End;
}

bool ProcessMaps::identicalInForce(const PidMaps &PM, const Mapping &M) {
  auto It = std::lower_bound(PM.Maps.begin(), PM.Maps.end(), M.Start,
                             [](const Mapping &X, uint64_t S) { return X.Start < S; });
  for (; It != PM.Maps.end() && It->Start == M.Start; ++It)
    if (It->End == M.End && It->Pgoff == M.Pgoff && It->Module == M.Module &&
        It->From <= M.From && M.From < It->Until)
      return true;
  return false;
}

void ProcessMaps::reindex(PidMaps &PM) {
  PM.MaxEnd.resize(PM.Maps.size());
  for (size_t I = 0; I < PM.Maps.size(); ++I)
    PM.MaxEnd[I] = std::max(I ? PM.MaxEnd[I - 1] : 0, PM.Maps[I].End);
}

void ProcessMaps::addFork(uint32_t Child, uint32_t Parent, OrderKey Key) {
  if (Child == Parent)
    return; // a thread: same address space
  change(Key);
  Pids[Parent].Children.push_back({Key, Child});
  PidMaps &PM = Pids[Child];
  if (Key < PM.LastSkip)
    SkipsUnsafe = true;
  PM.ExitKey = OrderKey::max();
  PidMaps::Birth B{Key, Parent};
  PM.Births.insert(std::upper_bound(PM.Births.begin(), PM.Births.end(), B,
                                    [](const PidMaps::Birth &A, const PidMaps::Birth &X) {
                                      return A.Key < X.Key;
                                    }),
                   B);
  // A pid the kernel reused: what its earlier life mapped ends here.
  for (Mapping &M : PM.Maps)
    if (M.From < Key)
      M.Until = std::min(M.Until, Key);
}

void ProcessMaps::addExit(uint32_t Pid, OrderKey Key) {
  auto It = Pids.find(Pid);
  if (It != Pids.end())
    It->second.ExitKey = Key;
}

void ProcessMaps::addExec(uint32_t Pid, OrderKey Key) {
  change(Key);
  PidMaps &PM = Pids[Pid];
  if (Key < PM.LastSkip)
    SkipsUnsafe = true;
  PM.Execs.insert(std::upper_bound(PM.Execs.begin(), PM.Execs.end(), Key,
                                    [](const OrderKey &A, const OrderKey &B) { return A < B; }),
                  Key);
  for (Mapping &M : PM.Maps)
    if (M.From < Key)
      M.Until = std::min(M.Until, Key);
}

const Mapping *ProcessMaps::findIn(const PidMaps &PM, uint64_t Addr, OrderKey Key) const {
  // Maps are sorted by Start: the candidates start at or below Addr, down to
  // where no mapping at or below reaches past Addr (MaxEnd).
  size_t Hi = size_t(std::upper_bound(PM.Maps.begin(), PM.Maps.end(), Addr,
                                      [](uint64_t A, const Mapping &X) { return A < X.Start; }) -
                     PM.Maps.begin());
  const Mapping *Best = nullptr;
  for (size_t I = Hi; I > 0 && PM.MaxEnd[I - 1] > Addr; --I) {
    const Mapping &M = PM.Maps[I - 1];
    if (Addr < M.End && M.From <= Key && Key < M.Until && (!Best || Best->From < M.From))
      Best = &M;
  }
  return Best;
}

const Mapping *ProcessMaps::lookup(uint32_t Pid, uint64_t Addr, OrderKey Key,
                                   bool &Own) const {
  bool Kernel = Addr >= kKernelHalf;
  uint32_t P = Kernel ? kKernelPid : Pid;
  OrderKey K = Key;
  for (int Depth = 0; Depth < 64; ++Depth) {
    auto It = Pids.find(P);
    if (It == Pids.end())
      break;
    const PidMaps &PM = It->second;
    if (const Mapping *M = findIn(PM, Addr, K)) {
      Own = Depth == 0;
      return M;
    }
    const PidMaps::Birth *B = Kernel ? nullptr : PM.birthOf(K);
    if (!B)
      break;
    // An exec of this life, between its fork and K, ends the inheritance.
    bool Born = B->Key <= K;
    bool Execd = llvm::any_of(PM.Execs, [&](const OrderKey &E) {
      return E <= K && (!Born || B->Key < E);
    });
    if (Execd)
      break;
    if (Born)
      K = B->Key;
    P = B->Parent;
  }
  return nullptr;
}

const Mapping *ProcessMaps::find(uint32_t Pid, uint64_t Addr, OrderKey Key, bool &Own) {
  uint32_t P = Addr >= kKernelHalf ? kKernelPid : Pid;
  unsigned Slot = cacheSlot(P, Addr);
  const CacheEntry &C = Cache[Slot];
  if (C.Gen == Gen && C.Pid == P && Addr >= C.M->Start && Addr < C.M->End &&
      C.M->From <= Key && Key < C.M->Until) {
    LastHit = Slot;
    Own = true;
    return C.M;
  }
  const Mapping *M = lookup(Pid, Addr, Key, Own);
  if (M && Own) {
    LastHit = Slot;
    Cache[Slot] = {P, Gen, M};
  }
  return M;
}

Location ProcessMaps::resolveSlow(uint32_t Pid, uint64_t Addr, OrderKey Key) {
  bool Own = false;
  const Mapping *M = find(Pid, Addr, Key, Own);
  return M ? locate(*M, Addr) : Location();
}

Location ProcessMaps::SampleResolver::slow(uint64_t Addr) {
  Hit &H = Addr >= kKernelHalf ? Kernel : User;
  bool Own = false;
  const Mapping *M = Maps.find(Pid, Addr, Key, Own);
  if (!M) {
    // Remembered too when no list a lookup may walk has a mapping there, in
    // force or not (JIT code, garbage frames of a call chain).
    uint64_t Lo = 0, Hi = 0;
    if (Maps.gapAround(Pid, Addr, Lo, Hi))
      Miss = {Lo, Hi - Lo, 0, 0, Location::kNone};
    return {};
  }
  // Remembered when every address of the mapping resolves the same way:
  // its own, a file, and file offsets that fit the 48 bits locate() allows.
  constexpr uint64_t Limit = uint64_t(1) << 48;
  bool Fits = M->Kernel || (M->Pgoff < Limit && M->End - M->Start <= Limit - M->Pgoff);
  if (Own && !M->Anonymous && Fits && M->Module < kMaxModules) {
    if (&H == &User)
      User2 = User;
    H.Start = M->Start;
    H.Len = M->End - M->Start;
    H.Delta = M->Kernel ? 0 : M->Pgoff - M->Start;
    H.Tag = pack({M->Module, 0});
    H.Module = M->Module;
  }
  return locate(*M, Addr);
}

bool ProcessMaps::gapAround(uint32_t Pid, uint64_t Addr, uint64_t &Lo, uint64_t &Hi) const {
  // Within Addr's half: the other half is looked up in other lists.
  bool Kernel = Addr >= kKernelHalf;
  Lo = Kernel ? kKernelHalf : 0;
  Hi = Kernel ? UINT64_MAX : kKernelHalf;
  // The process and every parent of any of its lives, however far: a
  // superset of what lookup() walks. Bounded (a hostile file's fork cycle).
  llvm::SmallVector<uint32_t, 8> Todo{Kernel ? kKernelPid : Pid};
  for (size_t Visited = 0; !Todo.empty(); ++Visited) {
    if (Visited == 64)
      return false;
    uint32_t P = Todo.pop_back_val();
    auto It = Pids.find(P);
    if (It == Pids.end())
      continue;
    const PidMaps &PM = It->second;
    size_t I = size_t(std::upper_bound(PM.Maps.begin(), PM.Maps.end(), Addr,
                                       [](uint64_t A, const Mapping &X) { return A < X.Start; }) -
                      PM.Maps.begin());
    if (I < PM.Maps.size())
      Hi = std::min(Hi, PM.Maps[I].Start);
    if (I > 0) {
      if (PM.MaxEnd[I - 1] > Addr)
        return false; // a mapping holds Addr at other times
      Lo = std::max(Lo, PM.MaxEnd[I - 1]);
    }
    if (P != kKernelPid)
      for (const PidMaps::Birth &B : PM.Births)
        Todo.push_back(B.Parent);
  }
  return Lo <= Addr && Addr < Hi;
}

size_t ProcessMaps::numMappings() const {
  size_t N = 0;
  for (const auto &KV : Pids)
    N += KV.second.Maps.size();
  return N;
}

} // namespace pgoctl
