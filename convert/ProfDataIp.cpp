// convert/ProfDataIp.cpp: an estimator of execution counts from IP samples
// (no LBR), optionally with call chains.
//
// An IP sample says where time went, not how often code ran: a block of many
// or slow instructions collects more samples than a short one run as often,
// and within a block the samples pile up on the instructions after slow ones
// (skid). The estimator therefore works per basic block:
//  1. Blocks: every function that has a sample is cut into basic blocks at its
//     range starts, at direct branch targets, and after every jump, jcc and
//     return (calls do not end a block: the code after a call runs as often
//     as the call).
//  2. Count: a block's execution estimate is its samples divided by its
//     number of instructions (normalizing by instruction count), times
//     kScale so that rare blocks do not round to zero. Every instruction of
//     the block gets the estimate; unsampled blocks of a sampled function get
//     0, so the compiler sees them as cold. The counts then go through the
//     same attribution as LBR (maximum over the instructions of a source
//     location, count x size into total samples). (Tried and measured worse
//     against LBR profiles of the same program: the median of a block, and
//     the mean without the block's most sampled instruction.)
//  3. Calls: a direct call's target gets the call's block estimate as its
//     call-target count. Indirect calls are resolved with the call chains:
//     for each (callee frame, caller frame) pair of a stack, the caller's
//     return address gives the call instruction, the callee frame's function
//     the target; an indirect call's estimate is split among its observed
//     targets in proportion to the stack samples. Without call chains an
//     indirect call has no targets.
//  4. Entry counts: a function's head samples are its entry block's
//     estimate; with call chains, a function seen on stacks whose entry block
//     has no sample gets the chains' count of calls into it instead (so a
//     function that is only ever a caller is not taken for cold).
#include "convert/ProfDataBuild.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <map>

namespace pgoctl::convert {

namespace {

/// Estimates are samples per instruction times this.
constexpr double kScale = 100.0;

bool endsBlock(InstKind K) {
  return K == InstKind::CondBranch || K == InstKind::UncondBranch ||
         K == InstKind::IndirectJump || K == InstKind::Return;
}

/// Samples per instruction index; marks the functions that have samples.
llvm::DenseMap<uint32_t, uint64_t> instSamples(const BinaryProfile &B, const Symbolizer &S,
                                               ConvertSummary &Sum, std::vector<bool> &Touched) {
  llvm::DenseMap<uint32_t, uint64_t> Out;
  for (const AddrCount &A : B.Samples) {
    Sum.Samples += A.Count;
    std::optional<uint32_t> I = S.instContaining(A.Addr);
    if (!I)
      continue;
    Out[*I] += A.Count;
    if (const FuncRange *R = S.funcRangeAt(A.Addr)) {
      Touched[R->Func] = true;
      Sum.SamplesAttributed += A.Count;
    }
  }
  return Out;
}

/// Steps 1 and 2 for one function range: instructions [Begin, End).
void rangeEstimates(const Symbolizer &S, uint64_t Lo, uint64_t Hi,
                    const llvm::DenseMap<uint32_t, uint64_t> &Samples, InstCounts &Out) {
  uint32_t Begin = S.instLowerBound(Lo), End = S.instLowerBound(Hi);
  // Leaders: the range start, direct branch targets inside, and the
  // instruction after each block end.
  std::vector<bool> Leader(End - Begin + 1, false);
  Leader[0] = true;
  for (uint32_t I = Begin; I < End; ++I) {
    if (endsBlock(S.instKind(I)))
      Leader[I + 1 - Begin] = true;
    if (S.instKind(I) == InstKind::Call)
      continue;
    if (std::optional<uint64_t> T = S.directTarget(I))
      if (*T >= Lo && *T < Hi)
        if (std::optional<uint32_t> Ti = S.findInst(*T))
          Leader[*Ti - Begin] = true;
  }
  for (uint32_t B = Begin; B < End;) {
    uint32_t E = B + 1;
    while (E < End && !Leader[E - Begin])
      ++E;
    uint64_t N = 0;
    for (uint32_t I = B; I < E; ++I)
      if (auto It = Samples.find(I); It != Samples.end())
        N += It->second;
    uint64_t Est = uint64_t(std::llround(kScale * double(N) / double(E - B)));
    for (uint32_t I = B; I < E; ++I)
      Out.emplace_back(I, Est);
    B = E;
  }
}

InstCounts blockEstimates(const Symbolizer &S, const std::vector<bool> &Touched,
                          const llvm::DenseMap<uint32_t, uint64_t> &Samples) {
  InstCounts Out;
  for (uint32_t F = 0; F < Touched.size(); ++F)
    if (Touched[F])
      for (const auto &[Lo, Hi] : S.functions()[F].Ranges)
        rangeEstimates(S, Lo, Hi, Samples, Out);
  llvm::sort(Out);
  Out.erase(std::unique(Out.begin(), Out.end(),
                        [](const auto &A, const auto &B) { return A.first == B.first; }),
            Out.end());
  return Out;
}

/// Step 3 (chains): per call instruction, stack samples per callee name.
using ChainTargets = std::map<uint32_t, std::map<llvm::StringRef, uint64_t>>;

/// Whether a sample at leaf instruction I was taken while I's function had no
/// frame of its own (frame-pointer prologue `push %rbp; mov %rsp,%rbp` not
/// done yet, or a return after `pop %rbp`): the unwinder then reads the
/// caller's frame, so the next frame of the chain is the caller's caller.
bool outsideFrame(const Symbolizer &S, uint32_t I) {
  if (S.instKind(I) == InstKind::Return)
    return true;
  const FuncRange *R = S.funcRangeAt(S.instAddr(I));
  if (!R || !R->IsEntry)
    return false;
  uint32_t First = S.instLowerBound(R->Begin);
  return I == First || I == First + 1;
}

ChainTargets chainTargets(const Profile &P, uint32_t BinaryIndex, const Symbolizer &S) {
  ChainTargets Out;
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
      // A direct call into another function: the chain lost a frame (a leaf
      // without a frame pointer); skip the pair.
      if (std::optional<uint64_t> T = S.directTarget(*Call)) {
        const FuncRange *TR = S.funcRangeAt(*T);
        if (!TR || TR->Func != R->Func)
          continue;
      }
      llvm::StringRef Name = llvm::sampleprof::FunctionSamples::getCanonicalFnName(
          S.name(S.functions()[R->Func].Name));
      Out[*Call][Name] += St.Count;
    }
  return Out;
}

/// Each function's entry-block estimate (what step 4 gives as head samples
/// when there is one).
llvm::StringMap<uint64_t> entryEstimates(const Symbolizer &S, const InstCounts &Est) {
  llvm::StringMap<uint64_t> Out;
  for (const auto &[I, Count] : Est) {
    llvm::StringRef Name = SampleBuilder::calleeAt(S, S.instAddr(I));
    if (!Name.empty())
      Out[Name] += Count;
  }
  return Out;
}

void addCalls(Symbolizer &S, SampleBuilder &SB, const InstCounts &Est,
              const ChainTargets &Chains, ConvertSummary &Sum) {
  // Stack samples are proportional to the time spent in a callee below a call
  // site, not to the number of calls: a target that is slow per call would
  // take the share of a cheap one called more often. The calls into a target
  // T are estimated by its entry count instead, and spread over its call
  // sites in proportion to their stack samples: calls(C, T) = entry(T) x
  // chains(C, T) / chains(*, T). An indirect call's estimate is then split in
  // proportion to calls(C, T) over its targets.
  llvm::StringMap<uint64_t> Entry = entryEstimates(S, Est);
  llvm::StringMap<uint64_t> ChainsTo;
  for (const auto &[Call, Targets] : Chains)
    for (const auto &[Name, N] : Targets)
      ChainsTo[Name] += N;
  for (const auto &[I, Count] : Est) {
    if (S.instKind(I) != InstKind::Call || Count == 0)
      continue;
    if (std::optional<uint64_t> T = S.directTarget(I)) {
      llvm::StringRef Callee = SampleBuilder::calleeAt(S, *T);
      if (!Callee.empty())
        SB.addCall(S, I, Callee, Count, /*CallTarget=*/true, /*HeadSamples=*/false);
      continue;
    }
    auto It = Chains.find(I);
    if (It == Chains.end())
      continue;
    std::vector<std::pair<llvm::StringRef, double>> Calls;
    double Total = 0;
    for (const auto &[Name, N] : It->second) {
      double E = std::max<double>(1.0, double(Entry.lookup(Name)));
      double W = E * double(N) / double(ChainsTo.lookup(Name));
      Calls.emplace_back(Name, W);
      Total += W;
    }
    for (const auto &[Name, W] : Calls) {
      uint64_t Share = uint64_t(std::llround(double(Count) * W / Total));
      if (Share)
        SB.addCall(S, I, Name, Share, /*CallTarget=*/true, /*HeadSamples=*/false);
    }
    Sum.BranchesAttributed += Count;
  }
}

/// Step 4: head samples from entry blocks, and from chains for functions
/// whose entry block has no sample.
void addHeads(Symbolizer &S, SampleBuilder &SB, const InstCounts &Est,
              const ChainTargets &Chains) {
  llvm::StringMap<uint64_t> FromChains;
  for (const auto &[Call, Targets] : Chains)
    for (const auto &[Name, N] : Targets)
      FromChains[Name] += uint64_t(kScale) * N;
  for (const auto &[I, Count] : Est) {
    llvm::StringRef Name = SampleBuilder::calleeAt(S, S.instAddr(I));
    if (Name.empty())
      continue;
    uint64_t Head = Count;
    if (Head == 0)
      if (auto It = FromChains.find(Name); It != FromChains.end())
        Head = It->second;
    if (Head)
      SB.Map.create(llvm::sampleprof::SampleContext(llvm::sampleprof::FunctionId(Name)))
          .addHeadSamples(Head);
  }
}

} // namespace

void addIpSamples(const Profile &P, uint32_t BinaryIndex, Symbolizer &S, SampleBuilder &SB,
                  ConvertSummary &Sum) {
  const BinaryProfile &B = P.Binaries[BinaryIndex];
  std::vector<bool> Touched(S.functions().size(), false);
  llvm::DenseMap<uint32_t, uint64_t> Samples = instSamples(B, S, Sum, Touched);
  InstCounts Est = blockEstimates(S, Touched, Samples);
  SB.addInstCounts(S, Est);
  ChainTargets Chains = chainTargets(P, BinaryIndex, S);
  addCalls(S, SB, Est, Chains, Sum);
  addHeads(S, SB, Est, Chains);
  if (Sum.Samples && !Sum.SamplesAttributed)
    Sum.Warnings.push_back(llvm::formatv("{0}: no IP sample fell into a known function",
                                         B.Path));
}

} // namespace pgoctl::convert
