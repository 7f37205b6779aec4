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
//
// Session 3 (examples/kvsvc with JSON and fmt; callgrind Ir/request of the
// sample PGO build, three fixed recordings of the plain build (fin-3, bench-v2,
// lb-2), built with the module's flags; plain 13272, instrumented 11293; "TVD" is the total
// variation distance between this profile's line counts and an lbr-emu LBR
// profile of the same binary and load, 0 = same shape):
//  - calls that never return end a block; jumps into an unsampled block that
//    ends in one are unlikely for profi (AccessLog::record had sent 7M of its
//    9M executions through fmt's `call throw_format_error`), and jump tables
//    read from the binary instead of "every block without a predecessor":
//    11694/11720/11725 -> 11775/11704/11693, TVD 0.2311 -> 0.2291. Kept: the
//    layout noise of one recording is +-40 Ir, the shape is closer to LBR,
//    and BOLT rejected the edge profile (estimateLbr) of 4 functions without
//    them (stale: branches that do not exist).
//  - tail jumps with several candidates (step 3) and merged call sites (step
//    3a): the three write_character / write_characters calls of nlohmann's
//    serializer that only instrumented PGO promoted and inlined now have call
//    targets (two of them); 11742/11675/11663.
//  - the sink after tail jumps: the blocks before serializer::dump's merged
//    `jmp *%rax` had no path to an exit, so profi left them out and their
//    edges had no flow: 11707/11628/11645, TVD 0.2238.
//  - profi's decrease cost equal to its increase cost (profiParams()):
//    11599/11607/11595, TVD 0.1964. Against the session's start: -113
//    Ir/request on average (-95, -113, -130), 84.5% of instrumented PGO's
//    gain. bench/pgo-outcome.py: the shapes, lexer and stats kernels 97/65/87%
//    -> 97/65/93% (medians), and the interpreter kernel 57.7M instructions in
//    all three builds (plain 63.7M, instrumented 64.1M, LBR 62.9M), so the
//    overall "recovery" reads 115%.
//
// Session 5 (same method; bench/example-pgo.md has the table):
//  - one range per function in the Symbolizer (a COMDAT function described
//    by each unit that emitted it had its blocks here once per unit, and flow
//    entered the copies as if they were landing pads): TVD 0.1964 -> 0.1919,
//    Ir unchanged (11595/11606/11595).
//  - tried, not kept: call blocks from their callees' entries (11611/11615/
//    11643), profi's "unknown" weight for blocks of 1-2 samples (11612/11627/
//    11600), and no flow-source edge into alignment padding (`nopw` after a
//    `jmp`; 11655/11661/11649: Service::batch's profile then matches LBR and
//    its own code is 48 Ir cheaper, but clang's cost-benefit inliner then
//    refuses string_member at its two hot call sites).
//
// Session 6 (same method; nothing kept; bench/example-pgo.md has the tables):
//  - profi with each block weighed by its length (a chain of sqrt(n) or n
//    flow nodes carrying the block's weight, so that a long block, whose mean
//    rests on more instructions, bends less): TVD 0.1808 / 0.2606, Ir 11672/
//    11671/11635 and 11701/11703/11653. A prior for the profiled binary's
//    layout (a cost per unit of flow on taken jumps, 1/3/10): 11629/11657/
//    11591 and worse. A block's first sample not counted (one sample is
//    noise): 11597/11617/11610. As with winsorizing in session 4, a closer
//    match to LBR line counts did not give a faster binary.
//  - lbr-emu LBR profiles of the same binary with the perf recording's share
//    of load generation build to 11721 and 11656 Ir/request, behind this
//    estimator's 11606: the LBR build's earlier lead (11544) came from the
//    generator's lukewarm lines lowering the profile summary's hot count.
//
// Session 9 (BOLT's taken jumps per request, from callgrind, joined the
// measures). Kept: the edges for BOLT put a cost on taken jumps
// (edgeProfiParams() has the numbers). Not kept (the code is on branch
// s9-cost-exp): a block's samples divided by its estimated cycles per pass
// instead of its instruction count. Cost models: the register-dependency critical path with
// the MC scheduling model's latencies (generic x86-64 subtarget, zero idioms
// read nothing, %rsp not tracked) max'd with micro-ops / issue width;
// geometric blends with the instruction count, sqrt(n x cycles) and n^0.75 x
// cycles^0.25; llvm-mca's cycles for one pass of the block (-mcpu=x86-64,
// -call-latency=3) alone and as sqrt(n x mca). Measured: BOLT of the sample
// PGO kvsvc with --infer-edges (callgrind taken jumps / Ir / I1 misses per
// request; LBR-emu edges 583.5 / 11529 / 34.0): instructions 638.6 / 11547 /
// 39.0; critical path 676.2 / 11580 / 37.4; sqrt(n x cycles) 650.6 / 11554 /
// 36.5; n^0.75 x cycles^0.25 653.0 / 11555 / 44.7; mca 692.7 / 11585 / 43.1;
// sqrt(n x mca) 649.6 / 11553 / 39.7. Sample PGO of the plain build (three
// recordings; source tree at another path than the bench's, which moves all
// three by about +80 through layout): instructions 11651/11638/11616,
// critical path 11715/11728/11730, sqrt(n x cycles) 11631/11669/11656,
// n^0.75 x cycles^0.25 11650/11634/11657. Convert time unchanged (0.31-0.34
// s). Why: against the LBR-emu counts of the same binary and load, the
// sample-weighted spread within a function of log(samples / (cost x count))
// over 2079 blocks is 0.742 for instruction count, 0.833 for the critical
// path, 0.770 for mca's single pass, 0.816 for mca's steady-state
// throughput, and at best 0.717 for a fitted n^0.5 x mca^0.75 (0.934 with
// no cost at all): a static per-block model explains almost nothing of what
// instruction count leaves. What it leaves is dynamic and crosses blocks: in
// fmt's copy_str_noinline (kvsvc-sample.bin 0x24b80) 3610 of the loop head's
// 4526 samples sit on `add %r9,%r12`, waiting for %r12 loaded in the
// preheader, and 2669 of the entry block's 5338 on its first instruction
// (after the call); the critical path gives the two chained L1-hit loads of
// the block at +0x4b 12 cycles where the samples make it one of the
// function's cheapest blocks per pass. The loop-skipping edge (LBR: 309 of
// 3628 entries, 9%) got 73% of the entries with instruction count and 78-85%
// with the models.
#include "convert/ProfDataBuild.h"

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

/// profi's parameters for the edges of a BOLT profile (estimateLbr): the
/// above, and a unit of flow on a taken jump costs what a unit of change in a
/// block's count costs (fall-throughs stay free). IP samples give block
/// counts, not which way a branch went, and a block of a few independent
/// instructions is underestimated whenever the stall its successor waits on
/// (a load it issued) is charged to that successor: fmt's copy_str_noinline
/// in the sample PGO kvsvc has a loop preheader of four `mov`s estimated at
/// 6.3M against 18.7M for the loop head, and profi, consistent with every
/// block, sent 73% of the entries down the branch that skips the loop and
/// 12.4M around the back edge (LBR: 9% and none). The binary BOLT rewrites
/// was laid out by the compiler, with a profile in this pipeline: its
/// fall-throughs are the likely way, and flow that must pick between a taken
/// jump and a fall-through of equal evidence now takes the fall-through.
/// Measured (session 9; callgrind taken jumps / I1 misses / Ir per request
/// of kvsvc after BOLT with the module's flags; emulated-LBR .fdata of the
/// same binary in brackets): sample PGO build 638.6 / 38.9 / 11547 -> 585.9 /
/// 40.5 / 11534 (583.5 / 34.0 / 11529); its ThinLTO build 640.3 / 57.8 /
/// 11502 -> 592.0 / 56.7 / 11485 (592.2 / 53.7 / 11482); the plain build
/// (BOLT alone) 669.8 / 16.9 / 13148 -> 659.1 / 14.0 / 13144 (588.8 / 13.8 /
/// 13136), where the compiler's layout had no profile. On the sample PGO
/// build (before the exemption below), costs 1 / 3 / 5 / 20 / 40 gave 614 /
/// 615 / 594 / 581 / 563 taken jumps, I1 misses rising to 43-45 from 20 on
/// (10: 586.8). The block counts it yields
/// are not used for sample PGO: there the same cost of 10 made the build
/// 110-140 Ir/request slower (bench/example-pgo.md, session 6). profi tells
/// a fall-through by index (a jump from node K to K + 1); nodes follow the
/// blocks' address order, so a jump to the block right after its own (rare:
/// a jump across the gap between a function's split parts) also counts as
/// one; the jumps out of an indirect jump are exempt (inferCounts()).
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
