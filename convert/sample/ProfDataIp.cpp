// convert/sample/ProfDataIp.cpp: an estimator of execution counts from IP samples
// (no LBR), optionally with call chains; the orchestration of its parts.
//
// An IP sample says where time went, not how often code ran: a block of many
// or slow instructions collects more samples than a short one run as often,
// and within a block the samples pile up on the instructions after slow ones
// (skid). The estimator therefore works per basic block of the machine code:
//  1. CFG (IpCfg.h): every sampled function cut into basic blocks, with jump
//     tables read from the binary and calls that never return ending blocks.
//  2. Counts (IpFlow.h): a block's raw estimate is its samples per
//     instruction times the instructions retired per sample period (time
//     samples: each instruction weighed by what retires before it, the
//     weights fitted on the recording); 2a. an
//     entry block takes its callers' call-block estimate where that is
//     smaller (or where it has no sample); then LLVM's profile inference
//     (profi) makes the counts consistent per function. Every instruction
//     gets its block's count; the counts go through the same attribution as
//     LBR (SampleBuilder.h).
//  3. Calls (IpCalls.h): a direct call's target gets the call's count;
//     indirect calls get their targets from the call chains, split by the
//     targets' entry counts; 3a. targets of tail-merged call sites go back to
//     the sites.
//  4. Head samples: a function's entry block count.
// estimateLbr() turns the same flow (with a cost on taken jumps) into LBR
// records for BOLT's .fdata.
//
// Measurements behind these choices, and the variants that were tried and
// not kept: docs/ip-estimator-history.md.
#include "convert/sample/IpCalls.h"
#include "core/Warn.h"
#include "convert/sample/IpCfg.h"
#include "convert/sample/IpFlow.h"
#include "convert/sample/SampleBuilder.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <map>

namespace pgoctl::convert {

namespace {

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

/// Step 2a's input: the direct calls and direct tail jumps (entryCallsOf)
/// from the blocks of every sampled function into the entry of a sampled
/// function.
std::vector<EntryCall> entryCalls(const Symbolizer &S, const std::vector<bool> &Touched,
                                  llvm::ArrayRef<Cfg> Graphs,
                                  const std::vector<uint32_t> &GraphOf) {
  std::vector<EntryCall> Out;
  for (uint32_t F = 0; F < Touched.size(); ++F)
    if (Touched[F])
      for (const auto &[K, Callee] : entryCallsOf(S, F, Graphs[GraphOf[F]]))
        if (Touched[Callee])
          Out.push_back({GraphOf[F], K, GraphOf[Callee]});
  return Out;
}

/// Steps 1, 2a and 2: the CFG of every sampled function with its counts, and
/// every instruction's count.
struct Estimate {
  std::vector<Cfg> Graphs;
  InstCounts Counts;
};

/// Steps 1, 2a and 2 on binary BinaryIndex of P, with profi's Params.
Estimate estimate(const Profile &P, uint32_t BinaryIndex, const Symbolizer &S,
                  const llvm::ProfiParams &Params, ConvertSummary &Sum) {
  std::vector<bool> Touched(S.functions().size(), false);
  llvm::DenseMap<uint32_t, uint64_t> Samples =
      instSamples(P.Binaries[BinaryIndex], S, Sum, Touched);
  double Scale = countScale(P.Meta);
  // Raw block estimates of every sampled function first, then entries from
  // the callers, then the flow per function.
  Estimate Out;
  std::vector<uint32_t> GraphOf(Touched.size(), 0);
  NoReturn NR(S);
  for (uint32_t F = 0; F < Touched.size(); ++F)
    if (Touched[F]) {
      GraphOf[F] = uint32_t(Out.Graphs.size());
      Out.Graphs.emplace_back(buildCfg(functionCode(S, F, NR)));
    }
  SampleBasis Basis = sampleBasis(P.Meta);
  SkidWeights W = samplesTime(P.Meta) ? fitSkidWeights(Out.Graphs, Samples)
                                      : uniformSkidWeights();
  double Spread = samplesTime(P.Meta) ? kTimeSpread : 0;
  for (Cfg &G : Out.Graphs)
    setRawWeights(G, Samples, Scale, W, Spread);
  entriesFromCallers(Out.Graphs, entryCalls(S, Touched, Out.Graphs, GraphOf));
  for (Cfg &G : Out.Graphs)
    inferCounts(G, Params, Basis);
  Out.Counts = instCounts(Out.Graphs);
  return Out;
}

void addCalls(Symbolizer &S, SampleBuilder &SB, llvm::ArrayRef<CallCount> Calls) {
  for (const CallCount &C : Calls)
    SB.addCall(S, C.Loc, C.Callee, C.Count, /*CallTarget=*/true, /*HeadSamples=*/false);
}

/// Step 4: head samples are the entry block's count (after step 2a, that
/// includes the callers' estimate where the entry block had no sample).
void addHeads(Symbolizer &S, SampleBuilder &SB, const InstCounts &Est) {
  for (const auto &[I, Count] : Est) {
    llvm::StringRef Name = SampleBuilder::calleeAt(S, S.instAddr(I));
    if (Name.empty() || Count == 0)
      continue;
    SB.Map.create(llvm::sampleprof::SampleContext(llvm::sampleprof::FunctionId(Name)))
        .addHeadSamples(Count);
  }
}

} // namespace

void addIpSamples(const Profile &P, uint32_t BinaryIndex, Symbolizer &S, SampleBuilder &SB,
                  ConvertSummary &Sum, const WarningHandler &Warn) {
  const BinaryProfile &B = P.Binaries[BinaryIndex];
  Estimate Est = estimate(P, BinaryIndex, S, profiParams(), Sum);
  SB.addInstCounts(S, Est.Counts);
  addCalls(S, SB, callCounts(S, Est.Graphs, Est.Counts, chainTargets(P, BinaryIndex, S), Sum));
  addHeads(S, SB, Est.Counts);
  if (Sum.Samples && !Sum.SamplesAttributed)
    warnTo(Warn, llvm::formatv("{0}: no IP sample fell into a known function", B.Path).str());
}

BinaryProfile estimateLbr(const Profile &P, uint32_t BinaryIndex, Symbolizer &S,
                          ConvertSummary &Sum) {
  const BinaryProfile &B = P.Binaries[BinaryIndex];
  BinaryProfile Out;
  Out.BuildId = B.BuildId;
  Out.Path = B.Path;
  Out.IsKernel = B.IsKernel;
  Out.Space = B.Space;
  Out.Segments = B.Segments;
  ConvertSummary Ignored;
  Estimate Est = estimate(P, BinaryIndex, S, edgeProfiParams(), Ignored);
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> Branches, Ranges;
  for (const Cfg &G : Est.Graphs)
    for (size_t K = 0; K < G.Blocks.size(); ++K) {
      const Cfg::Block &Bl = G.Blocks[K];
      uint64_t First = S.instAddr(Bl.Begin), Last = S.instAddr(Bl.End - 1);
      // The block itself, straight-line (BOLT may cut it further, at calls).
      if (Bl.Weight)
        Ranges[{First, Last}] += Bl.Weight;
      for (size_t E = 0; E < Bl.SuccFlow.size(); ++E) {
        uint64_t F = Bl.SuccFlow[E];
        if (!F)
          continue;
        const Cfg::Block &To = G.Blocks[Bl.Succs[E]];
        InstKind Kind = S.instKind(Bl.End - 1);
        if (Kind == InstKind::IndirectJump && !Bl.TableKnown)
          continue; // its targets are a guess: no branch BOLT could match
        bool FallThrough = To.Begin == Bl.End && Kind != InstKind::UncondBranch &&
                           Kind != InstKind::IndirectJump;
        if (FallThrough)
          Ranges[{Last, S.instAddr(To.Begin)}] += F;
        else
          Branches[{Last, S.instAddr(To.Begin)}] += F;
      }
    }
  for (const CallCount &C :
       callCounts(S, Est.Graphs, Est.Counts, chainTargets(P, BinaryIndex, S), Ignored))
    if (C.Target && C.Target != ~uint64_t(0))
      Branches[{S.instAddr(C.Inst), C.Target}] += C.Count;
  for (const auto &[K, N] : Branches)
    Out.Branches.push_back({K.first, K.second, N, 0});
  for (const auto &[K, N] : Ranges)
    Out.Ranges.push_back({K.first, K.second, N});
  Sum.Notes.push_back(llvm::formatv(
      "{0}: edges estimated from {1} IP samples (no LBR): {2} branches and {3} "
      "fall-through ranges from the estimator's flow",
      B.Path, B.totalSamples(), Out.Branches.size(), Out.Ranges.size()));
  return Out;
}

} // namespace pgoctl::convert
