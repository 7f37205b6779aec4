// convert/sample/IpCalls.cpp: call targets from call chains and estimated call
// counts (see IpCalls.h).
#include "convert/sample/IpCalls.h"

#include "llvm/ADT/DenseSet.h"

#include <algorithm>
#include <cmath>

namespace pgoctl::convert {

namespace {

/// Whether a sample at leaf instruction I was taken while I's function had no
/// frame of its own (frame-pointer prologue `push %rbp; mov %rsp,%rbp` not
/// done yet, or a return after `pop %rbp`): the unwinder then reads the
/// caller's frame, so the next frame of the chain is the caller's caller.
/// The `pop %rbp` itself too: a precise sample (PEBS) reports the registers
/// after its instruction retired. And whatever follows it in the function (a
/// tail call's `jmp`), for any sample.
bool outsideFrame(const Symbolizer &S, uint32_t I) {
  if (S.instKind(I) == InstKind::Return || S.restoresFrame(I))
    return true;
  const FuncRange *R = S.funcRangeAt(S.instAddr(I));
  if (R && I > 0 && S.restoresFrame(I - 1)) {
    const FuncRange *P = S.funcRangeAt(S.instAddr(I - 1));
    if (P && P->Func == R->Func)
      return true;
  }
  if (!R || !R->IsEntry)
    return false;
  uint32_t First = S.instLowerBound(R->Begin);
  return I == First || I == First + 1;
}

/// The indirect jumps by which function H may tail-call function Callee:
/// H's indirect jumps that read no jump table (a table jumps inside H), when
/// H has no direct call or jump into Callee (a direct one means the chain
/// lost a frame instead). Several are possible (a serializer tail-calling a
/// virtual from several returns); each gets the pair. Memoized per H.
struct TailJumps {
  std::vector<uint32_t> Jumps;
  llvm::DenseSet<uint32_t> DirectCallees;
};
llvm::ArrayRef<uint32_t> tailJumps(const Symbolizer &S, uint32_t H, uint32_t Callee,
                                   std::map<uint32_t, TailJumps> &Memo) {
  auto [It, New] = Memo.try_emplace(H);
  TailJumps &TJ = It->second;
  if (New)
    for (const auto &[Lo, Hi] : S.functions()[H].Ranges)
      for (uint32_t I = S.instLowerBound(Lo), E = S.instLowerBound(Hi); I < E; ++I) {
        if (S.instKind(I) == InstKind::IndirectJump &&
            S.jumpTableTargets(I, S.functions()[H].Ranges).empty())
          TJ.Jumps.push_back(I);
        if (std::optional<uint64_t> T = S.directTarget(I))
          if (const FuncRange *TR = S.funcRangeAt(*T))
            TJ.DirectCallees.insert(TR->Func);
      }
  if (TJ.DirectCallees.count(Callee))
    return {};
  return TJ.Jumps;
}

/// Function F's entry address (its entry range's start; else its lowest).
uint64_t entryAddress(const Symbolizer &S, uint32_t F) {
  uint64_t Lowest = ~uint64_t(0);
  for (const auto &[Lo, Hi] : S.functions()[F].Ranges) {
    if (const FuncRange *R = S.funcRangeStartingAt(Lo); R && R->IsEntry)
      return Lo;
    Lowest = std::min(Lowest, Lo);
  }
  return Lowest;
}

/// Each function's entry-block estimate, by canonical name.
llvm::StringMap<uint64_t> entryEstimates(const Symbolizer &S, const InstCounts &Est) {
  llvm::StringMap<uint64_t> Out;
  for (const auto &[I, Count] : Est) {
    llvm::StringRef Name = SampleBuilder::calleeAt(S, S.instAddr(I));
    if (!Name.empty())
      Out[Name] += Count;
  }
  return Out;
}

/// The source call sites of instruction I when the compiler merged several
/// into one (tail merging: the call sites jump to one shared `call *`/`jmp *`
/// whose line is 0, a location no call site of the source has, so call
/// targets recorded there reach no call and indirect call promotion skips
/// them). Each predecessor block of I's block with flow into it stands for
/// one site: its last instruction with a line, with the flow of its edge.
/// Empty when I is not at line 0 or its block has no such predecessor.
std::vector<std::pair<uint32_t, uint64_t>> mergedCallSites(Symbolizer &S,
                                                           llvm::ArrayRef<Cfg> Graphs,
                                                           uint32_t I) {
  std::vector<std::pair<uint32_t, uint64_t>> Out;
  if (!S.lineZero(I))
    return Out;
  for (const Cfg &G : Graphs) {
    std::optional<uint32_t> Target = blockOf(G, I);
    if (!Target)
      continue;
    for (const auto &[P, Flow] : predecessorFlows(G, *Target)) {
      const Cfg::Block &B = G.Blocks[P];
      for (uint32_t K = B.End; K-- > B.Begin;)
        if (!S.frames(K).empty() && !S.lineZero(K)) {
          Out.emplace_back(K, Flow);
          break;
        }
    }
    break;
  }
  return Out;
}

} // namespace

ChainTargets chainTargets(const Profile &P, uint32_t BinaryIndex, const Symbolizer &S) {
  ChainTargets Out;
  std::map<uint32_t, TailJumps> TailJumpMemo;
  for (const StackCount &St : P.Stacks)
    for (size_t K = 0; K + 1 < St.Frames.size(); ++K) {
      const Frame &Callee = St.Frames[K], &Caller = St.Frames[K + 1];
      if (Callee.Binary != BinaryIndex || Caller.Binary != BinaryIndex || Caller.Addr == 0)
        continue;
      std::optional<uint32_t> Call = S.instContaining(Caller.Addr - 1);
      if (!Call || S.instKind(*Call) != InstKind::Call)
        continue;
      const FuncRange *R = S.funcRangeAt(Callee.Addr);
      if (!R)
        continue;
      if (K == 0)
        if (std::optional<uint32_t> Leaf = S.instContaining(Callee.Addr);
            Leaf && outsideFrame(S, *Leaf))
          continue;
      llvm::StringRef Name = llvm::sampleprof::FunctionSamples::getCanonicalFnName(
          S.name(S.functions()[R->Func].Name));
      // A direct call into another function H: H tail-called the callee (an
      // indirect `jmp` out of H replaced H's frame), or the chain lost a frame
      // (a leaf without a frame pointer). The pair is a tail call of H's
      // indirect jumps that are no jump table, when H has no direct call or
      // jump to the callee; else it is skipped.
      if (std::optional<uint64_t> T = S.directTarget(*Call)) {
        const FuncRange *TR = S.funcRangeAt(*T);
        if (!TR)
          continue;
        if (TR->Func != R->Func) {
          for (uint32_t J : tailJumps(S, TR->Func, R->Func, TailJumpMemo)) {
            Out.PerCall[J][Name] += St.Count;
            Out.EntryAddr.try_emplace(Name, entryAddress(S, R->Func));
          }
          continue;
        }
      }
      Out.PerCall[*Call][Name] += St.Count;
      Out.EntryAddr.try_emplace(Name, entryAddress(S, R->Func));
    }
  return Out;
}

std::vector<std::pair<llvm::StringRef, double>>
callWeights(const std::map<llvm::StringRef, uint64_t> &ChainsHere,
            const llvm::StringMap<uint64_t> &Entry, const llvm::StringMap<uint64_t> &ChainsTo) {
  std::vector<std::pair<llvm::StringRef, double>> Out;
  for (const auto &[Name, N] : ChainsHere) {
    double E = std::max<double>(1.0, double(Entry.lookup(Name)));
    Out.emplace_back(Name, E * double(N) / double(ChainsTo.lookup(Name)));
  }
  return Out;
}

std::vector<std::pair<llvm::StringRef, uint64_t>>
splitCount(uint64_t Count, llvm::ArrayRef<std::pair<llvm::StringRef, double>> Weights) {
  double Total = 0;
  for (const auto &[Name, W] : Weights)
    Total += W;
  std::vector<std::pair<llvm::StringRef, uint64_t>> Out;
  for (const auto &[Name, W] : Weights)
    if (uint64_t Share = uint64_t(std::llround(double(Count) * W / Total)))
      Out.emplace_back(Name, Share);
  return Out;
}

std::vector<std::pair<uint32_t, uint64_t>> predecessorFlows(const Cfg &G, uint32_t Target) {
  std::vector<std::pair<uint32_t, uint64_t>> Out;
  for (uint32_t K = 0; K < G.Blocks.size(); ++K) {
    const Cfg::Block &B = G.Blocks[K];
    for (size_t E = 0; E < B.Succs.size() && E < B.SuccFlow.size(); ++E)
      if (B.Succs[E] == Target && B.SuccFlow[E])
        Out.emplace_back(K, B.SuccFlow[E]);
  }
  return Out;
}

std::vector<CallCount> callCounts(Symbolizer &S, llvm::ArrayRef<Cfg> Graphs,
                                  const InstCounts &Counts, const ChainTargets &Chains,
                                  ConvertSummary &Sum) {
  std::vector<CallCount> Out;
  llvm::StringMap<uint64_t> Entry = entryEstimates(S, Counts);
  llvm::StringMap<uint64_t> ChainsTo;
  for (const auto &[Call, Targets] : Chains.PerCall)
    for (const auto &[Name, N] : Targets)
      ChainsTo[Name] += N;
  for (const auto &[I, Count] : Counts) {
    InstKind K = S.instKind(I);
    if ((K != InstKind::Call && K != InstKind::IndirectJump) || Count == 0)
      continue;
    if (std::optional<uint64_t> T = S.directTarget(I)) {
      llvm::StringRef Callee = SampleBuilder::calleeAt(S, *T);
      if (!Callee.empty())
        Out.push_back({I, I, Callee, *T, Count});
      continue;
    }
    auto It = Chains.PerCall.find(I);
    if (It == Chains.PerCall.end())
      continue;
    std::vector<std::pair<llvm::StringRef, double>> Weights =
        callWeights(It->second, Entry, ChainsTo);
    std::vector<std::pair<uint32_t, uint64_t>> Sites = mergedCallSites(S, Graphs, I);
    if (Sites.empty())
      Sites.emplace_back(I, Count);
    for (const auto &[Loc, N] : Sites)
      for (const auto &[Name, Share] : splitCount(N, Weights))
        Out.push_back({I, Loc, Name, Chains.EntryAddr.lookup(Name), Share});
    Sum.BranchesAttributed += Count;
  }
  return Out;
}

} // namespace pgoctl::convert
