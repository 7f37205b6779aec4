// convert/ProfDataIp.cpp: an estimator of execution counts from IP samples
// (no LBR), optionally with call chains.
//
// An IP sample says where time went, not how often code ran: a block of many
// or slow instructions collects more samples than a short one run as often,
// and within a block the samples pile up on the instructions after slow ones
// (skid). The estimator therefore works per basic block of the machine code:
//  1. CFG: every function that has a sample is cut into basic blocks at its
//     range starts, at direct branch targets, and after every jump, jcc and
//     return (calls do not end a block: the code after a call runs as often
//     as the call). Edges: fall-through, direct jump and jcc targets inside
//     the function; an indirect jump (a jump table) gets every block that
//     nothing else jumps to; blocks without successors are exits.
//  2. Count: a block's raw estimate is its samples divided by its number of
//     instructions (normalizing by instruction count), times the scale of
//     countScale(): the instructions retired per sample period (cpu-clock at
//     F Hz: 1e9/F at a nominal one instruction per ns), so that estimates are
//     execution counts and rare blocks do not round to zero. The raw
//     estimates are then made consistent by LLVM's profile inference (profi,
//     SampleProfileInference.h: a minimum-cost flow that changes the given
//     block weights as little as it can so that every block's count is the
//     sum of its incoming and of its outgoing edge counts). Every instruction
//     gets its block's count; unsampled blocks of a sampled function get what
//     the flow gives them (0 when nothing forces flow through them), so the
//     compiler sees cold code as cold. The counts then go through the same
//     attribution as LBR (maximum over the instructions of a source location,
//     count x size into total samples). (Tried before and measured worse
//     against LBR profiles of the same program: the median of a block, and
//     the mean without the block's most sampled instruction.)
//  3. Calls: a direct call's target gets the call's block count as its
//     call-target count. Indirect calls are resolved with the call chains:
//     for each (callee frame, caller frame) pair of a stack, the caller's
//     return address gives the call instruction, the callee frame's function
//     the target. A leaf sample taken while the leaf had no frame (at its
//     first two instructions, before `push %rbp; mov %rsp,%rbp`, or at a
//     return) is skipped: its next frame is the caller's caller. Stack
//     samples measure time below a call site, not calls, so the calls into a
//     target T are its entry count spread over T's call sites by their stack
//     samples, and an indirect call's count is split among its targets in
//     proportion to those. Without call chains an indirect call has no
//     targets. An indirect tail call (`jmp *%rax` out of a function H, e.g.
//     kvsvc's `return (this->*r.handler)(...)` in Service::handle) leaves no
//     frame of H: the chain shows the callee under H's caller, at a direct
//     call to H. Such a pair is taken as a target of H's indirect jump when H
//     has exactly one and no direct call or jump to the callee (otherwise the
//     chain lost a frame of a frameless leaf, and the pair is skipped), as
//     the LBR path does with a jump into another function's entry.
//  2a. Entries from the callers (before the flow of step 2): a direct call
//     or direct tail jump into G runs G's entry block once, so the sum of the
//     callers' call-block estimates is a second estimate of G's entry count,
//     made of other instructions than G's own. G's entry block takes it when
//     it has no sample, else the smaller of the two: one slow instruction
//     only ever inflates a block (kvsvc::parse_request's prologue has a
//     store-forwarding stall, `movups %xmm1,0x1(%rdx)` after a 16-byte store
//     to an overlapping stack slot: 2535 of the block's ~3100 samples; its
//     entry was 7x its body and the flow sent the excess down the "incomplete
//     request" early return).
//  4. Entry counts: a function's head samples are its entry block's count.
//     (Until step 2a existed, a function whose entry block had no sample got
//     its stack samples times the scale instead; stacks measure time below a
//     function, not calls, and that gave kvsvc::Service::serve, called once
//     per batch, a head count 3000x its loop body. Dropping it changed no
//     benchmark result once step 2a was in.)
//
// Measured effect (bench/pgo-outcome.py: callgrind instructions of the
// evaluation run, "recovery" = gain over plain -O2 as a share of
// instrumented PGO's gain; one perf recording reused across the steps):
//  - the first version (per-block samples per instruction x 100, indirect
//    targets split by raw stack samples): 94.8% overall; per kernel: shapes
//    (virtual calls) 51%, lexer 54%, stats 78%, and the interpreter 9% fewer
//    instructions than plain where instrumented PGO gains nothing (a layout
//    accident of noisy counts: line counts of one block ranged 200..13967
//    where LBR says ~6200);
//  - indirect call targets by callee entry counts, frameless leaves skipped:
//    99.1% overall; shapes 51% -> 94% (the dominant target's share of the
//    virtual call went from 44% to 82%; truth 94%);
//  - profile inference on the machine CFG: 77.2% overall; shapes 97%, lexer
//    65%, stats 74%, and the interpreter back to plain's count (its accident
//    gone: 63.4M vs LBR's 62.9M, instrumented 64.1M). Line counts of the
//    stats kernel's hot function are now consistent (6421 where LBR says
//    6201, instead of 200..13967), so this is kept although the overall
//    number fell;
//  - counts scaled by the sample period: no change beyond noise (76.8%):
//    the compiler's hot/cold decisions use percentiles of the profile; kept
//    so that counts are execution counts (ICP's absolute count threshold).
// With this final estimator, three separate recordings give 76.8% (the one
// used above), 89.7% and 94.3%: median 89.7%; only the stats kernel moves
// (74-91%), shapes stay at 97% and the lexer at 65% (LBR: 96.9% overall).
// clang's own -fsample-profile-use-profi made no difference on either
// profile (byte-identical binaries). What is left: skid, i.e. samples landing
// on the first instruction of the block after a slow one, which makes short
// rare blocks look warm (the stats kernel's `S.Min = V`: 200-700 where LBR
// says 16-90).
//
//  - entries from the callers (step 2a): 82.0% -> 93.2% median over the
//    same three recordings (78.2..94.2% -> 89.3..94.2%); the stats kernel
//    74% -> 87%, the others unchanged.
//
// examples/kvsvc (bench/example-pgo.py, callgrind Ir per request of the
// serving part; plain 2601, instrumented PGO 2378 = -8.6%):
//  - indirect tail calls as call targets (step 3): Service::handle's member
//    function pointer call now lists get/put/incr/batch/... as targets
//    (before: none, so neither ICP nor inlining of the handlers was
//    possible). Alone 2563 -> 2567 (no gain): the jump's block count is 10-100x
//    below the truth (16667 where instrumented PGO counts 1.9M), so the site
//    is not hot enough for the sample loader's promote-and-inline; kept as
//    correct data for when the counts are.
//  - tried, worse, not kept: profi costs tuned for IP data (zero-weight
//    increase 100 or 200 instead of 11, cheaper decreases): 2613 and 2661
//    Ir/request against 2542 with the defaults on the same 40-round profile;
//    the loop-heavy code of the load generator got worse as well.
//  - entries from the callers (step 2a), on one 40-round recording (/tmp
//    experiments with the bench's flags, callgrind Ir/request): 2542 -> 2530
//    (LBR-emu profile of the same binary: 2517; instrumented: 2381).
//  - tried, no gain beyond the +-3 Ir noise of layout, not kept: capping a
//    block's most sampled instruction at 2/4/8x the mean of the others
//    (2553/2561/2554, worse), and profi "unknown" weight for short blocks
//    without a sample (2529..2533). What is left on kvsvc: blocks entered by
//    a mispredicted branch carry its penalty on their first instructions
//    (Service::handle's "no route matched" block: 17 samples on 2
//    instructions, ~3% of calls), and the split of handle's indirect tail
//    call follows the targets' own entry estimates (get 47% where LBR says
//    68%, batch 14% for 3%).
#include "convert/ProfDataBuild.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Transforms/Utils/SampleProfileInference.h"

#include <cmath>
#include <map>

namespace pgoctl::convert {

namespace {

/// Estimates are samples per instruction times a scale: without a usable
/// period, this.
constexpr double kDefaultScale = 100.0;

/// The scale that makes samples per instruction an execution count: the
/// instructions retired per sample period. An `instructions` event's period
/// is that; a time event (cpu-clock, task-clock: a period in ns, or 1e9 / the
/// frequency) and a `cycles` event (frequency mode taken as a 2 GHz clock)
/// are converted at a nominal one instruction per ns or per cycle.
double countScale(const ProfileMetadata &M) {
  llvm::StringRef E = M.Event;
  E = E.take_until([](char C) { return C == ':' || C == '/'; });
  bool Time = E == "cpu-clock" || E == "task-clock";
  bool Cycles = E == "cycles" || E == "cpu-cycles";
  bool Insts = E == "instructions";
  if (M.SamplePeriod && (Time || Cycles || Insts))
    return double(M.SamplePeriod);
  if (M.SampleFreq && Time)
    return 1e9 / double(M.SampleFreq);
  if (M.SampleFreq && Cycles)
    return 2e9 / double(M.SampleFreq);
  return kDefaultScale;
}

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

/// A function's basic blocks: instruction indices [Begin, End), successors
/// by block number, and the raw estimate (samples per instruction x Scale).
struct Cfg {
  struct Block {
    uint32_t Begin = 0, End = 0;
    uint64_t Weight = 0;
    std::vector<uint32_t> Succs;
  };
  std::vector<Block> Blocks;
  uint32_t Entry = 0;
};

/// Step 1: the CFG of function F (all its ranges).
Cfg buildCfg(const Symbolizer &S, uint32_t F, const llvm::DenseMap<uint32_t, uint64_t> &Samples,
             double Scale) {
  const BinaryFunction &Fn = S.functions()[F];
  // Instruction spans of the ranges, and leaders.
  std::vector<std::pair<uint32_t, uint32_t>> Spans;
  std::vector<uint32_t> Leaders;
  uint64_t EntryAddr = ~uint64_t(0);
  for (const auto &[Lo, Hi] : Fn.Ranges) {
    uint32_t Begin = S.instLowerBound(Lo), End = S.instLowerBound(Hi);
    if (Begin >= End)
      continue;
    Spans.emplace_back(Begin, End);
    Leaders.push_back(Begin);
    if (const FuncRange *R = S.funcRangeStartingAt(Lo); R && R->IsEntry)
      EntryAddr = Lo;
  }
  if (Spans.empty())
    return {};
  llvm::sort(Spans);
  if (EntryAddr == ~uint64_t(0))
    EntryAddr = S.instAddr(Spans.front().first);
  auto InFunc = [&](uint32_t I) {
    for (const auto &[B, E] : Spans)
      if (I >= B && I < E)
        return true;
    return false;
  };
  for (const auto &[Begin, End] : Spans)
    for (uint32_t I = Begin; I < End; ++I) {
      if (endsBlock(S.instKind(I)) && I + 1 < End)
        Leaders.push_back(I + 1);
      if (S.instKind(I) == InstKind::Call)
        continue;
      if (std::optional<uint64_t> T = S.directTarget(I))
        if (std::optional<uint32_t> Ti = S.findInst(*T); Ti && InFunc(*Ti))
          Leaders.push_back(*Ti);
    }
  llvm::sort(Leaders);
  Leaders.erase(std::unique(Leaders.begin(), Leaders.end()), Leaders.end());
  Cfg G;
  for (const auto &[Begin, End] : Spans) {
    auto It = llvm::lower_bound(Leaders, Begin);
    for (; It != Leaders.end() && *It < End; ++It) {
      uint32_t E = std::next(It) != Leaders.end() && *std::next(It) < End ? *std::next(It) : End;
      Cfg::Block B;
      B.Begin = *It;
      B.End = E;
      uint64_t N = 0;
      for (uint32_t I = B.Begin; I < B.End; ++I)
        if (auto SIt = Samples.find(I); SIt != Samples.end())
          N += SIt->second;
      B.Weight = uint64_t(std::llround(Scale * double(N) / double(E - B.Begin)));
      G.Blocks.push_back(B);
    }
  }
  auto BlockOf = [&](uint32_t I) -> std::optional<uint32_t> {
    auto It = llvm::upper_bound(G.Blocks, I,
                                [](uint32_t V, const Cfg::Block &B) { return V < B.Begin; });
    if (It == G.Blocks.begin())
      return std::nullopt;
    --It;
    if (I >= It->End)
      return std::nullopt;
    return uint32_t(It - G.Blocks.begin());
  };
  if (std::optional<uint32_t> Ei = S.findInst(EntryAddr))
    if (std::optional<uint32_t> Eb = BlockOf(*Ei))
      G.Entry = *Eb;
  std::vector<uint32_t> IndirectJumps;
  std::vector<bool> HasPred(G.Blocks.size(), false);
  for (uint32_t K = 0; K < G.Blocks.size(); ++K) {
    Cfg::Block &B = G.Blocks[K];
    uint32_t Last = B.End - 1;
    InstKind Kind = S.instKind(Last);
    bool FallsThrough = Kind != InstKind::UncondBranch && Kind != InstKind::Return &&
                        Kind != InstKind::IndirectJump;
    if (Kind == InstKind::IndirectJump)
      IndirectJumps.push_back(K);
    if (Kind == InstKind::CondBranch || Kind == InstKind::UncondBranch)
      if (std::optional<uint64_t> T = S.directTarget(Last))
        if (std::optional<uint32_t> Ti = S.findInst(*T))
          if (std::optional<uint32_t> Tb = BlockOf(*Ti); Tb && G.Blocks[*Tb].Begin == *Ti)
            B.Succs.push_back(*Tb);
    if (FallsThrough && K + 1 < G.Blocks.size() && G.Blocks[K + 1].Begin == B.End)
      B.Succs.push_back(K + 1);
    llvm::sort(B.Succs);
    B.Succs.erase(std::unique(B.Succs.begin(), B.Succs.end()), B.Succs.end());
    for (uint32_t T : B.Succs)
      HasPred[T] = true;
  }
  // Blocks nothing jumps to (jump table targets, landing pads): successors of
  // every indirect jump of the function, else reached from outside.
  for (uint32_t K = 0; K < G.Blocks.size(); ++K)
    if (!HasPred[K] && K != G.Entry)
      for (uint32_t J : IndirectJumps)
        G.Blocks[J].Succs.push_back(K);
  return G;
}

/// Step 2: consistent block counts by LLVM's profile inference (profi, a
/// minimum-cost flow): the raw estimates are the blocks' weights; flow enters
/// at the entry (and at blocks without a predecessor) and leaves at blocks
/// without successors. Blocks off every entry-to-exit path keep their raw
/// estimate.
void inferCounts(Cfg &G) {
  size_t N = G.Blocks.size();
  if (N <= 1)
    return;
  // Node 0: a source with an unknown weight; node K + 1: block K.
  std::vector<std::vector<uint32_t>> Succs(N + 1), Preds(N + 1);
  auto AddEdge = [&](uint32_t A, uint32_t B) {
    Succs[A].push_back(B);
    Preds[B].push_back(A);
  };
  std::vector<bool> HasPred(N, false);
  for (uint32_t K = 0; K < N; ++K)
    for (uint32_t T : G.Blocks[K].Succs)
      HasPred[T] = true;
  AddEdge(0, G.Entry + 1);
  for (uint32_t K = 0; K < N; ++K) {
    if (!HasPred[K] && K != G.Entry)
      AddEdge(0, K + 1);
    for (uint32_t T : G.Blocks[K].Succs)
      AddEdge(K + 1, T + 1);
  }
  // Forward reachable from the source, backward reachable from an exit.
  std::vector<bool> Fwd(N + 1, false), Bwd(N + 1, false);
  std::vector<uint32_t> Work{0};
  Fwd[0] = true;
  while (!Work.empty()) {
    uint32_t V = Work.back();
    Work.pop_back();
    for (uint32_t T : Succs[V])
      if (!Fwd[T])
        Fwd[T] = true, Work.push_back(T);
  }
  for (uint32_t V = 1; V <= N; ++V)
    if (Succs[V].empty())
      Bwd[V] = true, Work.push_back(V);
  while (!Work.empty()) {
    uint32_t V = Work.back();
    Work.pop_back();
    for (uint32_t P : Preds[V])
      if (!Bwd[P])
        Bwd[P] = true, Work.push_back(P);
  }
  if (!Fwd[0] || !Bwd[0])
    return;
  std::vector<int64_t> Index(N + 1, -1);
  llvm::FlowFunction Func;
  for (uint32_t V = 0; V <= N; ++V) {
    if (!Fwd[V] || !Bwd[V])
      continue;
    Index[V] = int64_t(Func.Blocks.size());
    llvm::FlowBlock B;
    B.Index = Func.Blocks.size();
    if (V > 0) {
      B.Weight = G.Blocks[V - 1].Weight;
      B.HasUnknownWeight = false;
    }
    Func.Blocks.push_back(B);
  }
  bool HasSamples = false;
  for (const llvm::FlowBlock &B : Func.Blocks)
    HasSamples |= B.Weight > 0;
  if (!HasSamples || Func.Blocks.size() <= 2)
    return;
  for (uint32_t V = 0; V <= N; ++V)
    if (Index[V] >= 0)
      for (uint32_t T : Succs[V])
        if (Index[T] >= 0) {
          llvm::FlowJump J;
          J.Source = uint64_t(Index[V]);
          J.Target = uint64_t(Index[T]);
          Func.Jumps.push_back(J);
        }
  for (llvm::FlowJump &J : Func.Jumps) {
    Func.Blocks[J.Source].SuccJumps.push_back(&J);
    Func.Blocks[J.Target].PredJumps.push_back(&J);
  }
  Func.Entry = 0;
  llvm::applyFlowInference(Func);
  for (uint32_t K = 0; K < N; ++K)
    if (Index[K + 1] >= 0)
      G.Blocks[K].Weight = Func.Blocks[size_t(Index[K + 1])].Flow;
}

/// Step 2a: entry blocks from the callers. A direct call (or a direct tail
/// jump) into G runs G's entry block once, so the callers' call blocks
/// together estimate G's entry count from other instructions than G's own.
/// Where G's entry block has no sample, that estimate is taken; where it has,
/// the smaller of the two (a long-latency instruction only ever inflates a
/// block's estimate: a prologue with a store-forwarding stall made
/// kvsvc::parse_request's entry 7x its body).
void entriesFromCallers(const Symbolizer &S, const std::vector<bool> &Touched,
                        std::vector<Cfg> &Graphs, const std::vector<uint32_t> &GraphOf) {
  std::vector<uint64_t> CallIn(Graphs.size(), 0);
  for (uint32_t F = 0; F < Touched.size(); ++F) {
    if (!Touched[F])
      continue;
    for (const Cfg::Block &B : Graphs[GraphOf[F]].Blocks)
      for (uint32_t I = B.Begin; I < B.End; ++I) {
        InstKind K = S.instKind(I);
        if (K != InstKind::Call && K != InstKind::UncondBranch)
          continue;
        std::optional<uint64_t> T = S.directTarget(I);
        if (!T)
          continue;
        const FuncRange *R = S.funcRangeStartingAt(*T);
        if (!R || !R->IsEntry || !Touched[R->Func] || (K != InstKind::Call && R->Func == F))
          continue;
        CallIn[GraphOf[R->Func]] += B.Weight;
      }
  }
  for (size_t G = 0; G < Graphs.size(); ++G) {
    if (!CallIn[G] || Graphs[G].Blocks.empty())
      continue;
    uint64_t &W = Graphs[G].Blocks[Graphs[G].Entry].Weight;
    W = W ? std::min(W, CallIn[G]) : CallIn[G];
  }
}

InstCounts blockEstimates(const Symbolizer &S, const std::vector<bool> &Touched,
                          const llvm::DenseMap<uint32_t, uint64_t> &Samples, double Scale) {
  // Raw block estimates of every sampled function first, then entries from
  // the callers, then the flow per function.
  std::vector<Cfg> Graphs;
  std::vector<uint32_t> GraphOf(Touched.size(), 0);
  for (uint32_t F = 0; F < Touched.size(); ++F)
    if (Touched[F]) {
      GraphOf[F] = uint32_t(Graphs.size());
      Graphs.push_back(buildCfg(S, F, Samples, Scale));
    }
  entriesFromCallers(S, Touched, Graphs, GraphOf);
  InstCounts Out;
  for (Cfg &G : Graphs) {
    inferCounts(G);
    for (const Cfg::Block &B : G.Blocks)
      for (uint32_t I = B.Begin; I < B.End; ++I)
        Out.emplace_back(I, B.Weight);
  }
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

/// The indirect jump by which function H may tail-call function Callee: H's
/// only indirect jump, if H has exactly one and no direct call or jump into
/// Callee (a direct one means the chain lost a frame instead). Memoized per H.
std::optional<uint32_t> tailJump(const Symbolizer &S, uint32_t H, uint32_t Callee,
                                 std::map<uint32_t, std::vector<uint32_t>> &Memo) {
  auto [It, New] = Memo.try_emplace(H);
  if (New)
    for (const auto &[Lo, Hi] : S.functions()[H].Ranges)
      for (uint32_t I = S.instLowerBound(Lo), E = S.instLowerBound(Hi); I < E; ++I)
        if (S.instKind(I) == InstKind::IndirectJump)
          It->second.push_back(I);
  if (It->second.size() != 1)
    return std::nullopt;
  for (const auto &[Lo, Hi] : S.functions()[H].Ranges)
    for (uint32_t I = S.instLowerBound(Lo), E = S.instLowerBound(Hi); I < E; ++I)
      if (std::optional<uint64_t> T = S.directTarget(I))
        if (const FuncRange *TR = S.funcRangeAt(*T); TR && TR->Func == Callee)
          return std::nullopt;
  return It->second.front();
}

ChainTargets chainTargets(const Profile &P, uint32_t BinaryIndex, const Symbolizer &S) {
  ChainTargets Out;
  std::map<uint32_t, std::vector<uint32_t>> TailJumps;
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
      // (a leaf without a frame pointer). The pair is H's tail call when H has
      // exactly one indirect jump and no direct call or jump to the callee;
      // else it is skipped.
      if (std::optional<uint64_t> T = S.directTarget(*Call)) {
        const FuncRange *TR = S.funcRangeAt(*T);
        if (!TR)
          continue;
        if (TR->Func != R->Func) {
          std::optional<uint32_t> J = tailJump(S, TR->Func, R->Func, TailJumps);
          if (J)
            Out[*J][Name] += St.Count;
          continue;
        }
      }
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
    InstKind K = S.instKind(I);
    if ((K != InstKind::Call && K != InstKind::IndirectJump) || Count == 0)
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
                  ConvertSummary &Sum) {
  const BinaryProfile &B = P.Binaries[BinaryIndex];
  std::vector<bool> Touched(S.functions().size(), false);
  llvm::DenseMap<uint32_t, uint64_t> Samples = instSamples(B, S, Sum, Touched);
  double Scale = countScale(P.Meta);
  InstCounts Est = blockEstimates(S, Touched, Samples, Scale);
  SB.addInstCounts(S, Est);
  ChainTargets Chains = chainTargets(P, BinaryIndex, S);
  addCalls(S, SB, Est, Chains, Sum);
  addHeads(S, SB, Est);
  if (Sum.Samples && !Sum.SamplesAttributed)
    Sum.Warnings.push_back(llvm::formatv("{0}: no IP sample fell into a known function",
                                         B.Path));
}

} // namespace pgoctl::convert
