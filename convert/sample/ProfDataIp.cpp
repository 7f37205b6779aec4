// convert/sample/ProfDataIp.cpp: an estimator of execution counts from IP samples
// (no LBR), optionally with call chains.
//
// An IP sample says where time went, not how often code ran: a block of many
// or slow instructions collects more samples than a short one run as often,
// and within a block the samples pile up on the instructions after slow ones
// (skid). The estimator therefore works per basic block of the machine code:
//  1. CFG: every function that has a sample is cut into basic blocks at its
//     range starts, at direct branch targets, and after every jump, jcc and
//     return (calls do not end a block: the code after a call runs as often
//     as the call; except calls that never return, class NoReturn, which end
//     a block without a fall-through). Edges: fall-through, direct jump and
//     jcc targets inside the function; an indirect jump that reads a jump
//     table the Symbolizer can read gets the table's targets; any other
//     indirect jump (a tail call, or a table that could not be read) gets
//     every block that nothing else jumps to and an edge to a sink, so flow
//     can leave there; blocks without successors are exits.
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
//  3a. Merged call sites: an indirect call or tail jump at line 0 (the
//     compiler tail-merged several call sites into one shared `jmp *%rax`)
//     records its targets at its call sites instead, the predecessors of its
//     block, each with the flow of its edge (mergedCallSites()).
//  4. Entry counts: a function's head samples are its entry block's count.
//     (Until step 2a existed, a function whose entry block had no sample got
//     its stack samples times the scale instead; stacks measure time below a
//     function, not calls, and that gave kvsvc::Service::serve, called once
//     per batch, a head count 3000x its loop body. Dropping it changed no
//     benchmark result once step 2a was in.)
//
// Measurements behind these choices, and the variants that were tried and
// not kept: docs/ip-estimator-history.md.
#include "convert/sample/SampleBuilder.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Format.h"
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

/// Calls that never return (step 1 ends a block after them, with no
/// fall-through): into a PLT entry of a library function known not to
/// return, or into a function of the binary that has no return, no indirect
/// jump and no jump out of itself (fmt's throw_format_error, a [[noreturn]]
/// helper ending in __cxa_throw). Without it the flow ran through the code
/// after such a call: kvsvc's AccessLog::record sent 7M of its 9M executions
/// through fmt's `call throw_format_error` into the next jump-table case,
/// and BOLT rejected the edge profile of that function as stale. Memoized
/// per target.
class NoReturn {
public:
  explicit NoReturn(const Symbolizer &S) : S(S) {}

  bool call(uint32_t I) {
    if (S.instKind(I) != InstKind::Call)
      return false;
    std::optional<uint64_t> T = S.directTarget(I);
    if (!T)
      return false;
    auto [It, New] = Memo.try_emplace(*T, false);
    if (New)
      It->second = target(*T);
    return It->second;
  }

private:
  bool target(uint64_t T) const {
    if (llvm::StringRef Plt = S.pltSymbol(T); !Plt.empty())
      return knownNoReturn(Plt);
    const FuncRange *R = S.funcRangeStartingAt(T);
    if (!R || !R->IsEntry)
      return false;
    if (knownNoReturn(S.name(S.functions()[R->Func].Name)))
      return true;
    bool Any = false;
    for (const auto &[Lo, Hi] : S.functions()[R->Func].Ranges)
      for (uint32_t K = S.instLowerBound(Lo), E = S.instLowerBound(Hi); K < E; ++K) {
        Any = true;
        InstKind Kind = S.instKind(K);
        if (Kind == InstKind::Return || Kind == InstKind::IndirectJump)
          return false;
        if (Kind == InstKind::CondBranch || Kind == InstKind::UncondBranch) {
          std::optional<uint64_t> To = S.directTarget(K);
          const FuncRange *TR = To ? S.funcRangeAt(*To) : nullptr;
          if (!TR || TR->Func != R->Func)
            return false;
        }
      }
    return Any;
  }

  static bool knownNoReturn(llvm::StringRef Name) {
    Name = Name.take_until([](char C) { return C == '@'; }); // symbol versions
    static const llvm::StringRef Names[] = {
        "abort", "exit", "_exit", "_Exit", "quick_exit", "__stack_chk_fail",
        "__assert_fail", "__assert_perror_fail", "__fortify_fail", "__chk_fail",
        "longjmp", "_longjmp", "siglongjmp", "__longjmp_chk", "pthread_exit",
        "__libc_fatal", "err", "errx", "verr", "verrx", "__cxa_throw", "__cxa_rethrow",
        "_Unwind_Resume", "__cxa_bad_cast", "__cxa_bad_typeid",
        "__cxa_throw_bad_array_new_length", "__cxa_pure_virtual", "__cxa_deleted_virtual",
        "__cxa_call_unexpected", "__cxa_call_terminate", "_ZSt9terminatev"};
    if (llvm::is_contained(Names, Name))
      return true;
    // std::__throw_*(...) and std::__glibcxx_assert_fail(...): _ZSt<len>__throw_...
    if (Name.consume_front("_ZSt")) {
      Name = Name.drop_while([](char C) { return C >= '0' && C <= '9'; });
      return Name.starts_with("__throw_") || Name.starts_with("__glibcxx_assert_fail");
    }
    return false;
  }

  const Symbolizer &S;
  llvm::DenseMap<uint64_t, bool> Memo;
};

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
    std::vector<uint64_t> SuccFlow; ///< per successor, after step 2 (empty: no flow)
    bool EndsInNoReturn = false;    ///< its last instruction is a call that never returns
    bool TableKnown = false;        ///< an indirect jump whose jump table was read
    bool UntabledJump = false;      ///< an indirect jump whose table was not read
  };
  std::vector<Block> Blocks;
  uint32_t Entry = 0;
};

/// Step 1: the CFG of function F (all its ranges).
Cfg buildCfg(const Symbolizer &S, uint32_t F, const llvm::DenseMap<uint32_t, uint64_t> &Samples,
             double Scale, NoReturn &NR) {
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
  // Jump tables: each indirect jump's targets, when its table can be read.
  std::map<uint32_t, std::vector<uint32_t>> Tables;
  for (const auto &[Begin, End] : Spans)
    for (uint32_t I = Begin; I < End; ++I)
      if (S.instKind(I) == InstKind::IndirectJump) {
        std::vector<uint32_t> Targets;
        for (uint64_t T : S.jumpTableTargets(I, Fn.Ranges))
          if (std::optional<uint32_t> Ti = S.findInst(T); Ti && InFunc(*Ti))
            Targets.push_back(*Ti);
        if (!Targets.empty()) {
          Leaders.insert(Leaders.end(), Targets.begin(), Targets.end());
          Tables[I] = std::move(Targets);
        }
      }
  for (const auto &[Begin, End] : Spans)
    for (uint32_t I = Begin; I < End; ++I) {
      if ((endsBlock(S.instKind(I)) || NR.call(I)) && I + 1 < End)
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
    B.EndsInNoReturn = NR.call(Last);
    bool FallsThrough = Kind != InstKind::UncondBranch && Kind != InstKind::Return &&
                        Kind != InstKind::IndirectJump && !B.EndsInNoReturn;
    if (auto T = Tables.find(Last); T != Tables.end()) {
      B.TableKnown = true;
      for (uint32_t Ti : T->second)
        if (std::optional<uint32_t> Tb = BlockOf(Ti); Tb && G.Blocks[*Tb].Begin == Ti)
          B.Succs.push_back(*Tb);
    } else if (Kind == InstKind::IndirectJump) {
      IndirectJumps.push_back(K);
      B.UntabledJump = true;
    }
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
  // Blocks nothing jumps to (targets of unread jump tables, landing pads):
  // successors of every indirect jump whose table was not read, else reached
  // from outside.
  for (uint32_t K = 0; K < G.Blocks.size(); ++K)
    if (!HasPred[K] && K != G.Entry)
      for (uint32_t J : IndirectJumps)
        G.Blocks[J].Succs.push_back(K);
  return G;
}

/// profi's parameters: LLVM 22's defaults for sample profiles
/// (SampleProfileInference.cpp's options), except that decreasing a block's
/// count costs what increasing it costs, not twice as much. The sample
/// loader's counts err mostly low (a line not sampled); an IP estimate errs
/// both ways, and high as often as low: a block after a slow instruction or a
/// stall (fmt's copy loop: its header's `lea` holds 1214 of the loop's ~5000
/// samples) pulled the counts of its whole loop up with it, and a cheap
/// branch target with them (the loop's grow() call block: 47% of the
/// iterations where LBR says 92%). TVD to the LBR profile of the same binary
/// and load: kvsvc 0.2238 -> 0.1964; bench/pgo-outcome's three recordings
/// 0.210/0.200/0.221 -> 0.201/0.184/0.184. (A decrease cost of exactly twice
/// the increase ties: 15 gave 0.1929 on kvsvc but 0.24 on pgo-outcome.)
llvm::ProfiParams profiParams() {
  llvm::ProfiParams P;
  P.EvenFlowDistribution = true;
  P.RebalanceUnknown = true;
  P.JoinIslands = true;
  P.CostBlockInc = 10;
  P.CostBlockDec = 10; // LLVM: 20
  P.CostBlockEntryInc = 40;
  P.CostBlockEntryDec = 10;
  P.CostBlockZeroInc = 11;
  P.CostBlockUnknownInc = 0;
  return P;
}

/// profi's parameters for the edges of a BOLT profile (estimateLbr): as
/// above, and a unit of flow on a taken jump costs what a unit of change in a
/// block's count costs (fall-throughs stay free). IP samples give block
/// counts, not which way a branch went; where they leave a branch open, the
/// compiler's layout (this binary's fall-throughs) is the likely way. profi
/// tells a fall-through by index (node K to K + 1); the jumps out of an
/// indirect jump are exempt (inferCounts()). Not used for sample PGO, where
/// the same cost made builds slower. Measurements:
/// docs/ip-estimator-history.md ("taken-jump cost").
llvm::ProfiParams edgeProfiParams() {
  llvm::ProfiParams P = profiParams();
  P.CostJumpUnknownInc = P.CostBlockInc;
  P.CostJumpUnknownFTInc = 0;
  return P;
}

/// Step 2: consistent block counts by LLVM's profile inference (profi, a
/// minimum-cost flow): the raw estimates are the blocks' weights; flow enters
/// at the entry (and at blocks without a predecessor) and leaves at blocks
/// without successors. Blocks off every entry-to-exit path keep their raw
/// estimate.
void inferCounts(Cfg &G, const llvm::ProfiParams &Params) {
  size_t N = G.Blocks.size();
  if (N <= 1)
    return;
  // Node 0: a source with an unknown weight; node K + 1: block K; node N + 1:
  // a sink with an unknown weight after every indirect jump that reads no
  // jump table (a tail call, as `jmp *%rax` after the epilogue of nlohmann's
  // serializer::dump: without the sink, flow could not leave there, and the
  // blocks before it, with no path to an exit, kept their raw estimates).
  std::vector<std::vector<uint32_t>> Succs(N + 2), Preds(N + 2);
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
    if (G.Blocks[K].UntabledJump)
      AddEdge(K + 1, uint32_t(N + 1));
  }
  // Forward reachable from the source, backward reachable from an exit.
  std::vector<bool> Fwd(N + 2, false), Bwd(N + 2, false);
  std::vector<uint32_t> Work{0};
  Fwd[0] = true;
  while (!Work.empty()) {
    uint32_t V = Work.back();
    Work.pop_back();
    for (uint32_t T : Succs[V])
      if (!Fwd[T])
        Fwd[T] = true, Work.push_back(T);
  }
  for (uint32_t V = 1; V <= N + 1; ++V)
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
  std::vector<int64_t> Index(N + 2, -1);
  llvm::FlowFunction Func;
  for (uint32_t V = 0; V <= N + 1; ++V) {
    if (!Fwd[V] || !Bwd[V])
      continue;
    Index[V] = int64_t(Func.Blocks.size());
    llvm::FlowBlock B;
    B.Index = Func.Blocks.size();
    if (V > 0 && V <= N) {
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
  // With a cost on taken jumps (edgeProfiParams()), the jumps out of an
  // indirect jump are exempt: they have no fall-through to weigh against,
  // and profi, which tells a fall-through by index (a jump from node I to I +
  // 1), took a jump table's target right after its `jmp *` for one and sent
  // all of the table's flow there (fdata_branchy.c's classify, non-PIE).
  // They get a known weight of 1, which profi's jump costs for known weights
  // (CostJumpInc/Dec, all 0 here) leave free to rise or fall to 0.
  bool TakenCosts = Params.CostJumpUnknownInc != Params.CostJumpUnknownFTInc;
  for (uint32_t V = 0; V <= N + 1; ++V)
    if (Index[V] >= 0)
      for (uint32_t T : Succs[V])
        if (Index[T] >= 0) {
          llvm::FlowJump J;
          J.Source = uint64_t(Index[V]);
          J.Target = uint64_t(Index[T]);
          // Into a block without samples that ends in a call that never
          // returns: flow there only when nothing else can carry it (such
          // a block is an exit, the cheapest place to drop the excess of
          // an inflated block before it).
          J.IsUnlikely = T <= N && G.Blocks[T - 1].EndsInNoReturn && G.Blocks[T - 1].Weight == 0;
          if (TakenCosts && V >= 1 && V <= N &&
              (G.Blocks[V - 1].TableKnown || G.Blocks[V - 1].UntabledJump)) {
            J.HasUnknownWeight = false;
            J.Weight = 1;
          }
          Func.Jumps.push_back(J);
        }
  for (llvm::FlowJump &J : Func.Jumps) {
    Func.Blocks[J.Source].SuccJumps.push_back(&J);
    Func.Blocks[J.Target].PredJumps.push_back(&J);
  }
  Func.Entry = 0;
  llvm::applyFlowInference(Params, Func);
  for (uint32_t K = 0; K < N; ++K)
    if (Index[K + 1] >= 0)
      G.Blocks[K].Weight = Func.Blocks[size_t(Index[K + 1])].Flow;
  // Edge flows, for the edge profile (estimateLbr).
  for (uint32_t K = 0; K < N; ++K)
    G.Blocks[K].SuccFlow.assign(G.Blocks[K].Succs.size(), 0);
  std::vector<int64_t> BlockOfNode(Func.Blocks.size(), -1);
  for (uint32_t K = 0; K < N; ++K)
    if (Index[K + 1] >= 0)
      BlockOfNode[size_t(Index[K + 1])] = K;
  for (const llvm::FlowJump &J : Func.Jumps) {
    int64_t K = BlockOfNode[J.Source];
    if (K < 0)
      continue;
    Cfg::Block &B = G.Blocks[size_t(K)];
    for (size_t E = 0; E < B.Succs.size(); ++E)
      if (Index[B.Succs[E] + 1] == int64_t(J.Target)) {
        B.SuccFlow[E] += J.Flow;
        break;
      }
  }
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

/// Steps 1, 2a and 2: the CFG of every sampled function with its counts, and
/// every instruction's count.
struct Estimate {
  std::vector<Cfg> Graphs;
  InstCounts Counts;
};

Estimate blockEstimates(const Symbolizer &S, const std::vector<bool> &Touched,
                        const llvm::DenseMap<uint32_t, uint64_t> &Samples, double Scale,
                        const llvm::ProfiParams &Params) {
  // Raw block estimates of every sampled function first, then entries from
  // the callers, then the flow per function.
  Estimate Out;
  std::vector<uint32_t> GraphOf(Touched.size(), 0);
  NoReturn NR(S);
  for (uint32_t F = 0; F < Touched.size(); ++F)
    if (Touched[F]) {
      GraphOf[F] = uint32_t(Out.Graphs.size());
      Out.Graphs.push_back(buildCfg(S, F, Samples, Scale, NR));
    }
  entriesFromCallers(S, Touched, Out.Graphs, GraphOf);
  for (Cfg &G : Out.Graphs) {
    inferCounts(G, Params);
    for (const Cfg::Block &B : G.Blocks)
      for (uint32_t I = B.Begin; I < B.End; ++I)
        Out.Counts.emplace_back(I, B.Weight);
  }
  llvm::sort(Out.Counts);
  Out.Counts.erase(std::unique(Out.Counts.begin(), Out.Counts.end(),
                               [](const auto &A, const auto &B) { return A.first == B.first; }),
                   Out.Counts.end());
  return Out;
}

/// Step 3 (chains): per call instruction, stack samples per callee name; and
/// each such callee's entry address.
struct ChainTargets {
  std::map<uint32_t, std::map<llvm::StringRef, uint64_t>> PerCall;
  llvm::StringMap<uint64_t> EntryAddr;
};

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

/// The indirect jumps by which function H may tail-call function Callee:
/// H's indirect jumps that read no jump table (a table jumps inside H), when
/// H has no direct call or jump into Callee (a direct one means the chain
/// lost a frame instead). Several are possible (nlohmann's serializer::dump
/// tail-calls its output adapter's virtual write_character from several
/// returns); each gets the pair. Memoized per H: its tail jumps and the
/// functions it calls or jumps to directly (chainTargets asks once per stack
/// frame pair).
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

/// One estimated call: instruction Inst (a call, or an indirect tail jump)
/// into the function Callee (canonical name) at address Target, Count times;
/// the profile records it at the source location of instruction Loc (Inst,
/// unless Inst's line is 0: see mergedCallSites()).
struct CallCount {
  uint32_t Inst, Loc;
  llvm::StringRef Callee;
  uint64_t Target, Count;
};

/// The source call sites of instruction I when the compiler merged several
/// into one (tail merging: the call sites jump to one shared `call *`/`jmp *`
/// whose line is 0, a location no call site of the source has, so call
/// targets recorded there reach no call and indirect call promotion skips
/// them; nlohmann's serializer::dump had three such sites). Each predecessor
/// block of I's block with flow into it stands for one site: its last
/// instruction with a line, with the flow of its edge. Empty when I is not
/// at line 0 or its block has no such predecessor.
std::vector<std::pair<uint32_t, uint64_t>> mergedCallSites(Symbolizer &S, const Estimate &Est,
                                                           uint32_t I) {
  std::vector<std::pair<uint32_t, uint64_t>> Out;
  if (!S.lineZero(I))
    return Out;
  for (const Cfg &G : Est.Graphs) {
    auto It = llvm::upper_bound(G.Blocks, I,
                                [](uint32_t V, const Cfg::Block &B) { return V < B.Begin; });
    if (It == G.Blocks.begin() || I >= std::prev(It)->End)
      continue;
    uint32_t Target = uint32_t(std::prev(It) - G.Blocks.begin());
    for (const Cfg::Block &B : G.Blocks)
      for (size_t E = 0; E < B.Succs.size() && E < B.SuccFlow.size(); ++E) {
        if (B.Succs[E] != Target || !B.SuccFlow[E])
          continue;
        for (uint32_t K = B.End; K-- > B.Begin;)
          if (!S.frames(K).empty() && !S.lineZero(K)) {
            Out.emplace_back(K, B.SuccFlow[E]);
            break;
          }
      }
    break;
  }
  return Out;
}

std::vector<CallCount> callCounts(Symbolizer &S, const Estimate &Est,
                                  const ChainTargets &Chains, ConvertSummary &Sum) {
  // Stack samples are proportional to the time spent in a callee below a call
  // site, not to the number of calls: a target that is slow per call would
  // take the share of a cheap one called more often. The calls into a target
  // T are estimated by its entry count instead, and spread over its call
  // sites in proportion to their stack samples: calls(C, T) = entry(T) x
  // chains(C, T) / chains(*, T). An indirect call's estimate is then split in
  // proportion to calls(C, T) over its targets.
  std::vector<CallCount> Out;
  llvm::StringMap<uint64_t> Entry = entryEstimates(S, Est.Counts);
  llvm::StringMap<uint64_t> ChainsTo;
  for (const auto &[Call, Targets] : Chains.PerCall)
    for (const auto &[Name, N] : Targets)
      ChainsTo[Name] += N;
  for (const auto &[I, Count] : Est.Counts) {
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
    std::vector<std::pair<llvm::StringRef, double>> Calls;
    double Total = 0;
    for (const auto &[Name, N] : It->second) {
      double E = std::max<double>(1.0, double(Entry.lookup(Name)));
      double W = E * double(N) / double(ChainsTo.lookup(Name));
      Calls.emplace_back(Name, W);
      Total += W;
    }
    std::vector<std::pair<uint32_t, uint64_t>> Sites = mergedCallSites(S, Est, I);
    if (Sites.empty())
      Sites.emplace_back(I, Count);
    for (const auto &[Loc, N] : Sites)
      for (const auto &[Name, W] : Calls) {
        uint64_t Share = uint64_t(std::llround(double(N) * W / Total));
        if (Share)
          Out.push_back({I, Loc, Name, Chains.EntryAddr.lookup(Name), Share});
      }
    Sum.BranchesAttributed += Count;
  }
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

/// Steps 1, 2a and 2 on binary BinaryIndex of P, with profi's Params.
Estimate estimate(const Profile &P, uint32_t BinaryIndex, const Symbolizer &S,
                  const llvm::ProfiParams &Params, ConvertSummary &Sum) {
  std::vector<bool> Touched(S.functions().size(), false);
  llvm::DenseMap<uint32_t, uint64_t> Samples =
      instSamples(P.Binaries[BinaryIndex], S, Sum, Touched);
  return blockEstimates(S, Touched, Samples, countScale(P.Meta), Params);
}

} // namespace

void addIpSamples(const Profile &P, uint32_t BinaryIndex, Symbolizer &S, SampleBuilder &SB,
                  ConvertSummary &Sum) {
  const BinaryProfile &B = P.Binaries[BinaryIndex];
  Estimate Est = estimate(P, BinaryIndex, S, profiParams(), Sum);
  SB.addInstCounts(S, Est.Counts);
  addCalls(S, SB, callCounts(S, Est, chainTargets(P, BinaryIndex, S), Sum));
  addHeads(S, SB, Est.Counts);
  if (Sum.Samples && !Sum.SamplesAttributed)
    Sum.Warnings.push_back(llvm::formatv("{0}: no IP sample fell into a known function",
                                         B.Path));
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
  for (const CallCount &C : callCounts(S, Est, chainTargets(P, BinaryIndex, S), Ignored))
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
