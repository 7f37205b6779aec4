// tests/unit/convert/IpEstimatorTest.cpp: the IP estimator's CFG (IpCfg.h),
// flow (IpFlow.h) and call arithmetic (IpCalls.h) on hand-written functions:
// a table of instructions (kind, direct target) instead of an ELF. Every
// expected block, edge and count is worked out by hand in the comments.
#include "convert/sample/IpCalls.h"
#include "convert/sample/IpCfg.h"
#include "convert/sample/IpFlow.h"

#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>

namespace pgoctl::convert {
namespace {

using K = InstKind;

/// One instruction of a hand-written function.
struct In {
  InstKind Kind = K::Other;
  std::optional<uint32_t> Target = std::nullopt;
  bool NoReturn = false;
  std::vector<uint32_t> Table = {};
  MemAccess Mem = MemAccess::None;
};

/// A function of one span: instructions First, First + 1, ..., entry First.
FunctionCode code(std::initializer_list<In> Insts, uint32_t First = 0) {
  FunctionCode C;
  FunctionCode::Span &S = C.Spans.emplace_back();
  S.Begin = First;
  for (const In &X : Insts)
    S.Insts.push_back({X.Kind, X.Target, X.NoReturn, X.Table, X.Mem});
  C.Entry = First;
  return C;
}

struct Bl {
  uint32_t Begin, End;
  std::vector<uint32_t> Succs;
};

void expectBlocks(const Cfg &G, const std::vector<Bl> &Want) {
  ASSERT_EQ(G.Blocks.size(), Want.size());
  for (size_t K = 0; K < Want.size(); ++K) {
    SCOPED_TRACE("block " + std::to_string(K));
    EXPECT_EQ(G.Blocks[K].Begin, Want[K].Begin);
    EXPECT_EQ(G.Blocks[K].End, Want[K].End);
    EXPECT_EQ(G.Blocks[K].Succs, Want[K].Succs);
  }
}

void setWeights(Cfg &G, std::initializer_list<uint64_t> W) {
  ASSERT_EQ(G.Blocks.size(), W.size());
  size_t K = 0;
  for (uint64_t V : W)
    G.Blocks[K++].Weight = V;
}

std::vector<uint64_t> weights(const Cfg &G) {
  std::vector<uint64_t> Out;
  for (const Cfg::Block &B : G.Blocks)
    Out.push_back(B.Weight);
  return Out;
}

/// The flow on edge From -> To (by block number), or nullopt without that edge.
std::optional<uint64_t> flow(const Cfg &G, uint32_t From, uint32_t To) {
  const Cfg::Block &B = G.Blocks[From];
  for (size_t E = 0; E < B.Succs.size(); ++E)
    if (B.Succs[E] == To)
      return E < B.SuccFlow.size() ? B.SuccFlow[E] : 0;
  return std::nullopt;
}

// if (c) x = 1; else x = 2; return x;
//   0 cmp          A
//   1 je 4
//   2 mov          B
//   3 jmp 5
//   4 mov          C
//   5 ret          D
// Leaders: 0 (entry), 2 (after je), 4 (je's target, after jmp), 5 (jmp's
// target). A -> B (fall-through), C (taken); B -> D; C -> D (fall-through).
FunctionCode diamond() {
  return code({{}, {K::CondBranch, 4}, {}, {K::UncondBranch, 5}, {}, {K::Return}});
}

TEST(IpCfg, Diamond) {
  Cfg G = buildCfg(diamond());
  expectBlocks(G, {{0, 2, {1, 2}}, {2, 4, {3}}, {4, 5, {3}}, {5, 6, {}}});
  EXPECT_EQ(G.Entry, 0u);
  for (const Cfg::Block &B : G.Blocks) {
    EXPECT_FALSE(B.TableKnown);
    EXPECT_FALSE(B.UntabledJump);
    EXPECT_FALSE(B.EndsInNoReturn);
  }
}

TEST(IpFlow, DiamondConsistentWeightsAreKept) {
  // Weights that already satisfy flow conservation (100 = 70 + 30 in and
  // out) cost nothing to keep; any change costs, so profi keeps them, and
  // each edge carries its only possible share: A->B 70, A->C 30, B->D 70,
  // C->D 30.
  Cfg G = buildCfg(diamond());
  setWeights(G, {100, 70, 30, 100});
  inferCounts(G, profiParams());
  EXPECT_EQ(weights(G), (std::vector<uint64_t>{100, 70, 30, 100}));
  EXPECT_EQ(flow(G, 0, 1), 70u);
  EXPECT_EQ(flow(G, 0, 2), 30u);
  EXPECT_EQ(flow(G, 1, 3), 70u);
  EXPECT_EQ(flow(G, 2, 3), 30u);
  // The merged call sites of D are its predecessors with flow into it.
  EXPECT_EQ(predecessorFlows(G, 3),
            (std::vector<std::pair<uint32_t, uint64_t>>{{1, 70}, {2, 30}}));
}

// A loop: while (c) body; return.
//   0 mov          E
//   1 cmp          H (jmp 4's target)
//   2 jne 5
//   3 add          B
//   4 jmp 1
//   5 ret          X
// E -> H; H -> B (fall-through), X; B -> H (back edge); X exit.
FunctionCode loop() {
  return code({{}, {}, {K::CondBranch, 5}, {}, {K::UncondBranch, 1}, {K::Return}});
}

TEST(IpCfg, Loop) {
  expectBlocks(buildCfg(loop()), {{0, 1, {1}}, {1, 3, {2, 3}}, {3, 5, {1}}, {5, 6, {}}});
}

TEST(IpFlow, LoopBackEdgeCarriesTheIterations) {
  // Entered 10 times, 100 iterations: H runs 110 times (10 entries + 100
  // back edges), B 100, X 10. H's outflow 110 = 100 (to B) + 10 (to X).
  Cfg G = buildCfg(loop());
  setWeights(G, {10, 110, 100, 10});
  inferCounts(G, profiParams());
  EXPECT_EQ(weights(G), (std::vector<uint64_t>{10, 110, 100, 10}));
  EXPECT_EQ(flow(G, 0, 1), 10u);
  EXPECT_EQ(flow(G, 1, 2), 100u);
  EXPECT_EQ(flow(G, 2, 1), 100u);
  EXPECT_EQ(flow(G, 1, 3), 10u);
}

// A loop aligned by padding, entered through two blocks without samples:
//   0 mov     E
//   1 jmp 2
//   2 mov     Z1
//   3 jmp 4
//   4 mov     Z2
//   5 jmp 7
//   6 nop     P: alignment padding; nothing jumps to it
//   7 add     H
//   8 je 11
//   9 sub     B
//  10 jmp 7
//  11 ret     X
// P never runs; it is marked, and keeps its fall-through edge.
FunctionCode paddedLoop() {
  return code({{},
               {K::UncondBranch, 2},
               {},
               {K::UncondBranch, 4},
               {},
               {K::UncondBranch, 7},
               {K::Nop},
               {},
               {K::CondBranch, 11},
               {},
               {K::UncondBranch, 7},
               {K::Return}});
}

TEST(IpCfg, PaddingIsMarked) {
  Cfg G = buildCfg(paddedLoop());
  expectBlocks(G, {{0, 2, {1}},
                   {2, 4, {2}},
                   {4, 6, {4}},
                   {6, 7, {4}},
                   {7, 9, {5, 6}},
                   {9, 11, {4}},
                   {11, 12, {}}});
  for (uint32_t K = 0; K < G.Blocks.size(); ++K)
    EXPECT_EQ(G.Blocks[K].Padding, K == 3) << "block " << K;
}

TEST(IpCfg, ANopThatIsReachedIsNotPadding) {
  // 0 je 2; 1 nop; 2 ret: the nop is the jcc's fall-through.
  Cfg G = buildCfg(code({{K::CondBranch, 2}, {K::Nop}, {K::Return}}));
  expectBlocks(G, {{0, 1, {1, 2}}, {1, 2, {2}}, {2, 3, {}}});
  EXPECT_FALSE(G.Blocks[1].Padding);
}

// Raw E 10, Z1 0, Z2 0, P 0, H 1010, B 1000, X 10.
TEST(IpFlow, InstructionSamplesRunALoopOnlyWhenTheFunctionIsEntered) {
  // Were P a way in (a block without a predecessor), the loop's flow could
  // come through it: 10 units through P (CostBlockZeroInc 11 each) and E
  // lowered to 0 (CostBlockDec 10 each) cost 210, less than 220 for raising
  // Z1 and Z2. With P out of the graph the loop needs flow through E, Z1
  // and Z2: however much profi sends, it is one path, so E, Z1, Z2 and X
  // carry the same count, at least 1, and H runs B's iterations plus that
  // count.
  Cfg G = buildCfg(paddedLoop());
  setWeights(G, {10, 0, 0, 0, 1010, 1000, 10});
  inferCounts(G, profiParams(), SampleBasis::Instructions);
  std::vector<uint64_t> W = weights(G);
  EXPECT_GE(W[0], 1u);
  EXPECT_EQ(W[1], W[0]);
  EXPECT_EQ(W[2], W[0]);
  EXPECT_EQ(W[3], 0u);
  EXPECT_EQ(W[4], W[5] + W[0]);
  EXPECT_GE(W[5], 990u);
  EXPECT_EQ(W[6], W[0]);
}

TEST(IpFlow, TimeSamplesLetAnAlignedLoopTakeFlowAtItsPadding) {
  // The same with P a way in: the cheaper 210 (above), so E, Z1 and Z2 get
  // 0, P carries X's 10 into the loop, and the loop keeps its counts.
  Cfg G = buildCfg(paddedLoop());
  setWeights(G, {10, 0, 0, 0, 1010, 1000, 10});
  inferCounts(G, profiParams(), SampleBasis::Time);
  EXPECT_EQ(weights(G), (std::vector<uint64_t>{0, 0, 0, 10, 1010, 1000, 10}));
}

TEST(IpFlow, SampleBasisFollowsTheEvent) {
  ProfileMetadata M;
  for (const char *E : {"instructions", "instructions:u", "cpu_core/instructions/u",
                        "INST_RETIRED:ANY_P", "RETIRED_INSTRUCTIONS"}) {
    M.Event = E;
    EXPECT_EQ(sampleBasis(M), SampleBasis::Instructions) << E;
  }
  for (const char *E : {"cpu-clock", "cycles", "cpu/cycles/", "task-clock", "", "branches",
                        "BR_INST_RETIRED:NEAR_TAKEN"}) {
    M.Event = E;
    EXPECT_EQ(sampleBasis(M), SampleBasis::Time) << E;
  }
}

TEST(IpFlow, SkidWeightsOnlyForEventsKnownToSampleTime) {
  ProfileMetadata M;
  for (const char *E : {"cpu-clock", "task-clock:u", "cycles", "cpu_core/cycles/u", "ref-cycles",
                        "CPU_CLK_UNHALTED:THREAD_P", "CYCLES_NOT_IN_HALT"}) {
    M.Event = E;
    EXPECT_TRUE(samplesTime(M)) << E;
  }
  // Unnamed (perf script text without the event), instructions, branches.
  for (const char *E : {"", "instructions:pp", "INST_RETIRED:ANY_P", "branches"}) {
    M.Event = E;
    EXPECT_FALSE(samplesTime(M)) << E;
  }
}

TEST(IpCfg, SelfLoop) {
  //   0 mov   A
  //   1 dec   L (its own jne's target)
  //   2 jne 1
  //   3 ret   X
  expectBlocks(buildCfg(code({{}, {}, {K::CondBranch, 1}, {K::Return}})),
               {{0, 1, {1}}, {1, 3, {1, 2}}, {3, 4, {}}});
}

// An unsampled block every path goes through, between two sampled ones:
//   0 mov   A
//   1 jmp 2
//   2 mov   B
//   3 jmp 4
//   4 ret   C
// A -> B -> C, a chain (each jmp targets the next block).
TEST(IpFlow, UnsampledBlockOnTheOnlyPathGetsTheFlow) {
  Cfg G = buildCfg(code({{}, {K::UncondBranch, 2}, {}, {K::UncondBranch, 4}, {K::Return}}));
  expectBlocks(G, {{0, 2, {1}}, {2, 4, {2}}, {4, 5, {}}});
  // Raw weights 100, 0, 100. Flow enters through the pseudo source before A
  // and can leave only at C, so all three carry the same flow f. It lowers A
  // and C by 100 - f each (CostBlockDec 10 per unit) and raises B from 0 by
  // f (CostBlockZeroInc 11): cost 20(100 - f) + 11f, least at f = 100. So B
  // gets 100 and A, C keep theirs.
  setWeights(G, {100, 0, 100});
  inferCounts(G, profiParams());
  EXPECT_EQ(weights(G), (std::vector<uint64_t>{100, 100, 100}));
}

// An unsampled block that the flow can go around:
//   0 mov   A
//   1 je 4
//   2 mov   B
//   3 mov
//   4 ret   C
// A -> B (fall-through), C (taken); B -> C (fall-through).
TEST(IpFlow, UnsampledBypassableBlockStaysCold) {
  Cfg G = buildCfg(code({{}, {K::CondBranch, 4}, {}, {}, {K::Return}}));
  expectBlocks(G, {{0, 2, {1, 2}}, {2, 4, {2}}, {4, 5, {}}});
  // Raw 100, 0, 100: A -> C carries all 100 at no cost; any flow through B
  // would cost CostBlockZeroInc per unit. B stays 0: cold code stays cold.
  setWeights(G, {100, 0, 100});
  inferCounts(G, profiParams());
  EXPECT_EQ(weights(G), (std::vector<uint64_t>{100, 0, 100}));
  EXPECT_EQ(flow(G, 0, 2), 100u);
  EXPECT_EQ(flow(G, 0, 1), 0u);
}

TEST(IpCfg, CallDoesNotEndABlock) {
  // 0 push; 1 call g; 2 mov; 3 ret: the code after the call runs as often
  // as the call, so one block.
  expectBlocks(buildCfg(code({{}, {K::Call}, {}, {K::Return}})), {{0, 4, {}}});
}

// A call that never returns (abort) ends its block without a fall-through:
//   0 test   A
//   1 je 4
//   2 mov    B
//   3 call abort
//   4 mov    C
//   5 ret
TEST(IpCfg, NoReturnCallEndsBlockWithoutFallThrough) {
  Cfg G = buildCfg(
      code({{}, {K::CondBranch, 4}, {}, {K::Call, std::nullopt, true}, {}, {K::Return}}));
  expectBlocks(G, {{0, 2, {1, 2}}, {2, 4, {}}, {4, 6, {}}});
  EXPECT_TRUE(G.Blocks[1].EndsInNoReturn);
  // The same call taken as returning falls through into C.
  Cfg H = buildCfg(code({{}, {K::CondBranch, 4}, {}, {K::Call}, {}, {K::Return}}));
  expectBlocks(H, {{0, 2, {1, 2}}, {2, 4, {2}}, {4, 6, {}}});
}

// switch (x) { case 0: a; break; case 1: b; break; default: c; } return:
//   0 cmp         S
//   1 jmp *table  -> 2, 4, 6
//   2 mov         C0
//   3 jmp 7
//   4 mov         C1
//   5 jmp 7
//   6 mov         C2 (falls through)
//   7 ret         X
FunctionCode switchCode(bool TableRead) {
  std::vector<uint32_t> Table;
  if (TableRead)
    Table = {2, 4, 6};
  return code({{},
               {K::IndirectJump, std::nullopt, false, Table},
               {},
               {K::UncondBranch, 7},
               {},
               {K::UncondBranch, 7},
               {},
               {K::Return}});
}

TEST(IpCfg, SwitchWithJumpTable) {
  Cfg G = buildCfg(switchCode(true));
  expectBlocks(G, {{0, 2, {1, 2, 3}}, {2, 4, {4}}, {4, 6, {4}}, {6, 7, {4}}, {7, 8, {}}});
  EXPECT_TRUE(G.Blocks[0].TableKnown);
  EXPECT_FALSE(G.Blocks[0].UntabledJump);
}

TEST(IpCfg, SwitchWithUnreadTableReachesOrphans) {
  // Without the table the cases have no predecessor, so they become the
  // successors of the one indirect jump whose table was not read.
  Cfg G = buildCfg(switchCode(false));
  expectBlocks(G, {{0, 2, {1, 2, 3}}, {2, 4, {4}}, {4, 6, {4}}, {6, 7, {4}}, {7, 8, {}}});
  EXPECT_FALSE(G.Blocks[0].TableKnown);
  EXPECT_TRUE(G.Blocks[0].UntabledJump);
}

TEST(IpFlow, SwitchSplitsByCaseWeights) {
  // 100 dispatches: cases 60, 30, 10, all reaching the return: consistent.
  Cfg G = buildCfg(switchCode(true));
  setWeights(G, {100, 60, 30, 10, 100});
  inferCounts(G, profiParams());
  EXPECT_EQ(weights(G), (std::vector<uint64_t>{100, 60, 30, 10, 100}));
  EXPECT_EQ(flow(G, 0, 1), 60u);
  EXPECT_EQ(flow(G, 0, 2), 30u);
  EXPECT_EQ(flow(G, 0, 3), 10u);
  // The same with the edge parameters (a cost on taken jumps): the jumps out
  // of a jump table are exempt, so the split still follows the cases.
  Cfg E = buildCfg(switchCode(true));
  setWeights(E, {100, 60, 30, 10, 100});
  inferCounts(E, edgeProfiParams());
  EXPECT_EQ(weights(E), (std::vector<uint64_t>{100, 60, 30, 10, 100}));
  EXPECT_EQ(flow(E, 0, 1), 60u);
  EXPECT_EQ(flow(E, 0, 3), 10u);
}

TEST(IpCfg, TwoSpansAndEntryInTheSecond) {
  // A function in two ranges (a hot part at 10..12 whose entry it is, and a
  // cold part at 0..1): each span starts a block; the entry is the block
  // holding the entry instruction.
  FunctionCode C;
  C.Spans.push_back({0, {{K::UncondBranch, 12}}});
  C.Spans.push_back({10, {{K::CondBranch, 0}, {}, {K::Return}}});
  C.Entry = 10;
  Cfg G = buildCfg(C);
  // Leaders 0, 10, 11 (after the jcc), 12 (the cold part's jmp target).
  expectBlocks(G, {{0, 1, {3}}, {10, 11, {0, 2}}, {11, 12, {3}}, {12, 13, {}}});
  EXPECT_EQ(G.Entry, 1u);
}

TEST(IpCfg, TargetOutsideTheFunctionIsNoEdge) {
  // A jmp to instruction 50 (another function: a tail call) starts no block
  // and has no successor here.
  expectBlocks(buildCfg(code({{}, {K::CondBranch, 50}, {K::Return}})),
               {{0, 2, {1}}, {2, 3, {}}});
}

TEST(IpFlow, RawWeightsAreSamplesPerInstructionTimesScale) {
  Cfg G = buildCfg(diamond());
  // A (instructions 0, 1): 30 + 11 samples over 2 instructions x 10 = 205;
  // B (2, 3): 0; C (4): 7 x 10 = 70; D (5): 1 x 10 = 10.
  llvm::DenseMap<uint32_t, uint64_t> Samples{{0, 30}, {1, 11}, {4, 7}, {5, 1}};
  setRawWeights(G, Samples, 10.0);
  EXPECT_EQ(weights(G), (std::vector<uint64_t>{205, 0, 70, 10}));
  // Rounded to the nearest: 41 / 2 x 0.5 = 10.25 -> 10; 7 x 0.5 = 3.5 -> 4.
  setRawWeights(G, Samples, 0.5);
  EXPECT_EQ(weights(G), (std::vector<uint64_t>{10, 0, 4, 1}));
}

TEST(IpCfg, SkidClassIsWhatRetiresBefore) {
  // One block: a move from memory, an add on a memory operand, a store, an
  // add in place, a call, an add of registers, a return. Each instruction's
  // class is its predecessor's access; the first follows the way in.
  using M = MemAccess;
  using SC = SkidClass;
  Cfg G = buildCfg(code({{K::Other, {}, false, {}, M::MoveLoad},
                         {K::Other, {}, false, {}, M::OtherLoad},
                         {K::Other, {}, false, {}, M::Store},
                         {K::Other, {}, false, {}, M::LoadStore},
                         {K::Call},
                         {},
                         {K::Return}}));
  ASSERT_EQ(G.Blocks.size(), 1u);
  EXPECT_EQ(G.Blocks[0].Skid, (std::vector<SC>{SC::Other, SC::AfterMoveLoad, SC::AfterOtherLoad,
                                               SC::AfterStore, SC::AfterLoadStore, SC::AfterCall,
                                               SC::Other}));
}

/// A function of Blocks blocks in a chain, each a move from memory then
/// Len - 1 register operations, ending in a jcc to the next block (the last
/// in a return): instruction 1 of a block is AfterMoveLoad, the rest Other.
FunctionCode loadChain(uint32_t Blocks, uint32_t Len) {
  FunctionCode C;
  FunctionCode::Span &S = C.Spans.emplace_back();
  for (uint32_t B = 0; B < Blocks; ++B)
    for (uint32_t K = 0; K < Len; ++K) {
      CfgInst X;
      if (K == 0)
        X.Mem = MemAccess::MoveLoad;
      if (K + 1 == Len) {
        X.Kind = B + 1 == Blocks ? K::Return : K::CondBranch;
        if (B + 1 < Blocks)
          X.Target = (B + 1) * Len;
      }
      S.Insts.push_back(X);
    }
  C.Entry = 0;
  return C;
}

TEST(IpFlow, SkidWeightsAreFittedFromTheSplitWithinBlocks) {
  // Three blocks of 4 instructions run 100, 40 and 10 times; a sample on the
  // instruction after the load stands for 3 units of time, on the others 1
  // (time per run: 3 + 1 + 1 + 1 = 6). Samples, one per unit: block 0 gets
  // 0, 300, 100, 100; block 1 0, 120, 40, 40; block 2 0, 30, 10, 10. The
  // first instruction of each has none (the jcc before it is free), so
  // Other's weight is the mean over the three Others of a block: 2/3 of a
  // unit, and AfterMoveLoad 3 units: relative 3 / (2/3) = 4.5.
  Cfg G = buildCfg(loadChain(3, 4));
  ASSERT_EQ(G.Blocks.size(), 3u);
  // (x 1000 samples, so that the fit's prior of 100 samples' worth at
  // weight 1 per class moves no ratio by more than 0.1%).
  llvm::DenseMap<uint32_t, uint64_t> Samples{
      {1, 300000}, {2, 100000}, {3, 100000}, {5, 120000}, {6, 40000},
      {7, 40000},  {9, 30000},  {10, 10000}, {11, 10000}};
  SkidWeights W = fitSkidWeights({G}, Samples);
  double Other = W[unsigned(SkidClass::Other)];
  EXPECT_NEAR(W[unsigned(SkidClass::AfterMoveLoad)] / Other, 4.5, 0.005);
  // Classes without an instruction keep 1.
  EXPECT_EQ(W[unsigned(SkidClass::AfterStore)], 1.0);
  // With the weights the raw estimates follow the runs, 100 : 40 : 10: each
  // block's samples over its weight sum (3 Others and one AfterMoveLoad).
  setRawWeights(G, Samples, 0.1, W);
  double Sum = 3 * Other + W[unsigned(SkidClass::AfterMoveLoad)];
  EXPECT_EQ(weights(G), (std::vector<uint64_t>{uint64_t(std::llround(50000 / Sum)),
                                               uint64_t(std::llround(20000 / Sum)),
                                               uint64_t(std::llround(5000 / Sum))}));
  EXPECT_NEAR(double(G.Blocks[0].Weight) / double(G.Blocks[2].Weight), 10.0, 0.05);
}

TEST(IpFlow, SkidWeightsDoNotTakeABlockWithALoadForHotter) {
  // A diamond: A (instructions 0-3, a jcc over B at 3), B (4), C (5-7: a
  // move from memory, an operation, the return); A and C run 50 times. A
  // sample on the instruction after the load stands for 3 units of time, on
  // any other 1; one sample per unit: A 50 on each instruction, B 50, C 50,
  // 150, 50. Samples per instruction make C 250 / 3 = 83 against A's 50:
  // the load's time taken for runs. Fitted, AfterMoveLoad weighs 3 Others
  // (the samples follow the model exactly), and C's estimate is A's.
  using M = MemAccess;
  Cfg G = buildCfg(code({{},
                         {},
                         {},
                         {K::CondBranch, 5},
                         {},
                         {K::Other, {}, false, {}, M::MoveLoad},
                         {},
                         {K::Return}}));
  ASSERT_EQ(G.Blocks.size(), 3u);
  // (x 1000 samples: the fit's prior negligible)
  llvm::DenseMap<uint32_t, uint64_t> Samples{{0, 50000}, {1, 50000}, {2, 50000},
                                             {3, 50000}, {4, 50000}, {5, 50000},
                                             {6, 150000}, {7, 50000}};
  setRawWeights(G, Samples, 0.001);
  EXPECT_EQ(weights(G), (std::vector<uint64_t>{50, 50, 83}));
  SkidWeights W = fitSkidWeights({G}, Samples);
  EXPECT_NEAR(W[unsigned(SkidClass::AfterMoveLoad)] / W[unsigned(SkidClass::Other)], 3.0, 0.01);
  setRawWeights(G, Samples, 0.01, W);
  EXPECT_NEAR(double(G.Blocks[2].Weight) / double(G.Blocks[0].Weight), 1.0, 0.01);
  EXPECT_NEAR(double(G.Blocks[1].Weight) / double(G.Blocks[0].Weight), 1.0, 0.01);
}

TEST(IpFlow, BlockCountWithoutSpreadIsSamplesOverWeights) {
  EXPECT_DOUBLE_EQ(blockCount({300, 100, 100, 100}, {3, 1, 1, 1}, 0), 100.0);
  EXPECT_DOUBLE_EQ(blockCount({1000, 10, 10, 10}, {1, 1, 1, 1}, 0), 1030.0 / 4);
  // One instruction says what it says, whatever the spread.
  EXPECT_DOUBLE_EQ(blockCount({500}, {2}, kTimeSpread), 250.0);
  EXPECT_DOUBLE_EQ(blockCount({0, 0}, {1, 1}, kTimeSpread), 0.0);
}

TEST(IpFlow, BlockCountFollowsConsistentSamples) {
  // Samples in proportion to the weights: every instruction says 1000.
  // (Each instruction's log-likelihood peaks at its own 1000, up to the
  // Poisson's skew, O(1 / samples).)
  EXPECT_NEAR(blockCount({3000, 1000, 1000, 500}, {3, 1, 1, 0.5}, kTimeSpread), 1000.0, 1.0);
}

TEST(IpFlow, BlockCountDoesNotLetOneSlowInstructionCarryTheBlock) {
  // With spread 0.3 an instruction's effect e^(0.3 z), z cut at +-4, runs
  // from e^-1.2 = 0.301 to e^1.2 = 3.32. Three instructions say 1000 and
  // allow 301 to 3320; one says 8000 (a load that missed the cache, say)
  // and allows 2410 to 26560. Inside 2410-3320, the likelihood grows
  // toward the three (the normal's centre), so the count is the least the
  // slow one allows, 8000 / 3.32 = 2410 (its Poisson, 1 / (0.3 x 89) =
  // 0.04 wide in z, lets it sit a little inside: +1.3%). The sum over the
  // weights says 2750.
  EXPECT_NEAR(blockCount({8000, 1000, 1000, 1000}, {1, 1, 1, 1}, 0.3), 8000 / std::exp(1.2),
              0.02 * 2410);
  // Weights scale what an instruction says: 16000 samples on a weight of 2.
  EXPECT_NEAR(blockCount({16000, 1000, 1000, 1000}, {2, 1, 1, 1}, 0.3), 8000 / std::exp(1.2),
              0.02 * 2410);
  // Three say 10 (3 to 33) and one says 1000 (301 up): nothing meets both.
  // At the maximum the slow one sits at its upper bound and the others at
  // their lower one, and the expected samples add up to the 1030 seen:
  // N x (3.32 + 3 x 0.301) = 1030, N = 244. The sum says 257.5.
  EXPECT_NEAR(blockCount({1000, 10, 10, 10}, {1, 1, 1, 1}, 0.3),
              1030 / (std::exp(1.2) + 3 * std::exp(-1.2)), 0.02 * 244);
}

TEST(IpFlow, TimeSpreadAppliesToRawWeights) {
  // A loop of four instructions (0-3) run 100 times, one sample per run
  // each, but the load's successor (1) took 20 times as long.
  using M = MemAccess;
  Cfg G = buildCfg(code({{K::Other, {}, false, {}, M::MoveLoad}, {}, {}, {K::CondBranch, 0}, {K::Return}}));
  ASSERT_EQ(G.Blocks.size(), 2u);
  llvm::DenseMap<uint32_t, uint64_t> Samples{{0, 100}, {1, 2000}, {2, 100}, {3, 100}};
  setRawWeights(G, Samples, 1.0);
  EXPECT_EQ(G.Blocks[0].Weight, 575u); // 2300 / 4
  // With spread 0.3 the three allow 30 to 332 and the slow one 602 up; as
  // above, N x (3.32 + 3 x 0.301) = 2300, N = 545.
  setRawWeights(G, Samples, 1.0, uniformSkidWeights(), 0.3);
  EXPECT_NEAR(double(G.Blocks[0].Weight), 2300 / (std::exp(1.2) + 3 * std::exp(-1.2)), 0.02 * 545);
}

TEST(IpFlow, TimeSpreadLeavesBlocksThatDoNotLoopToThemselves) {
  // The same four instructions and samples, but the branch leaves for
  // another block: the flow checks this block against its neighbours, and
  // its estimate stays the sum, 2300 / 4.
  using M = MemAccess;
  Cfg G = buildCfg(
      code({{K::Other, {}, false, {}, M::MoveLoad}, {}, {}, {K::CondBranch, 5}, {}, {K::Return}}));
  ASSERT_EQ(G.Blocks.size(), 3u);
  llvm::DenseMap<uint32_t, uint64_t> Samples{{0, 100}, {1, 2000}, {2, 100}, {3, 100}};
  setRawWeights(G, Samples, 1.0, uniformSkidWeights(), 0.3);
  EXPECT_EQ(G.Blocks[0].Weight, 575u);
}

TEST(IpFlow, CountScale) {
  ProfileMetadata M;
  M.Event = "cpu-clock:u";
  M.SampleFreq = 4000; // 1e9 ns / 4000 = 250000 ns per sample
  EXPECT_EQ(countScale(M), 250000.0);
  M.Event = "cycles";
  M.SampleFreq = 1000; // 2e9 cycles / 1000
  EXPECT_EQ(countScale(M), 2e6);
  M.Event = "instructions";
  M.SamplePeriod = 100003;
  EXPECT_EQ(countScale(M), 100003.0);
  M.Event = "CPU_CLK_UNHALTED:THREAD_P"; // libpfm4's cycles, with a period
  EXPECT_EQ(countScale(M), 100003.0);
  M.Event = "branch-misses"; // not a count of time or instructions
  EXPECT_EQ(countScale(M), 100.0);
}

TEST(IpFlow, EntriesFromCallers) {
  // Graph 0 calls graphs 1, 2 and 3 from its block 0 (raw 50) and graph 1
  // from its block 1 (raw 20): 70 calls into graph 1, 50 into 2 and 3.
  std::vector<Cfg> Gs(4);
  for (Cfg &G : Gs)
    G.Blocks.resize(2);
  Gs[0].Blocks[0].Weight = 50;
  Gs[0].Blocks[1].Weight = 20;
  Gs[1].Blocks[0].Weight = 0;   // no sample: takes the callers' 70
  Gs[2].Blocks[0].Weight = 400; // inflated (a stall): the smaller, 50
  Gs[3].Blocks[0].Weight = 30;  // already smaller: kept
  entriesFromCallers(Gs, {{0, 0, 1}, {0, 1, 1}, {0, 0, 2}, {0, 0, 3}});
  EXPECT_EQ(Gs[1].Blocks[0].Weight, 70u);
  EXPECT_EQ(Gs[2].Blocks[0].Weight, 50u);
  EXPECT_EQ(Gs[3].Blocks[0].Weight, 30u);
  EXPECT_EQ(Gs[0].Blocks[0].Weight, 50u); // nothing calls graph 0
}

TEST(IpFlow, InstCountsAreTheBlocksCounts) {
  Cfg G = buildCfg(diamond());
  setWeights(G, {100, 70, 30, 100});
  EXPECT_EQ(instCounts({G}),
            (InstCounts{{0, 100}, {1, 100}, {2, 70}, {3, 70}, {4, 30}, {5, 100}}));
}

TEST(IpCalls, IndirectCallSplitByEntryCounts) {
  // At this call site the chains show A 30 times and B 10 times. A is seen
  // only here (30 in all), B also elsewhere (40 in all). Entry counts: A 100,
  // B 400. calls(here, A) = 100 x 30 / 30 = 100; calls(here, B) = 400 x 10 /
  // 40 = 100: the call's 50 executions split 25 / 25 (by stack samples alone
  // it would be 3 : 1).
  std::map<llvm::StringRef, uint64_t> Here{{"A", 30}, {"B", 10}};
  llvm::StringMap<uint64_t> Entry{{"A", 100}, {"B", 400}};
  llvm::StringMap<uint64_t> ChainsTo{{"A", 30}, {"B", 40}};
  auto W = callWeights(Here, Entry, ChainsTo);
  ASSERT_EQ(W.size(), 2u);
  EXPECT_EQ(W[0].second, 100.0);
  EXPECT_EQ(W[1].second, 100.0);
  EXPECT_EQ(splitCount(50, W),
            (std::vector<std::pair<llvm::StringRef, uint64_t>>{{"A", 25}, {"B", 25}}));
  // A target without an entry estimate counts as entered once: A 1 x 30 /
  // 30 = 1 against B's 100, so of 202 calls A gets 2 and B 200.
  Entry.erase("A");
  W = callWeights(Here, Entry, ChainsTo);
  EXPECT_EQ(splitCount(202, W),
            (std::vector<std::pair<llvm::StringRef, uint64_t>>{{"A", 2}, {"B", 200}}));
  // A share that rounds to 0 is dropped: 1 x 1 / 101 rounds to 0.
  EXPECT_EQ(splitCount(1, W), (std::vector<std::pair<llvm::StringRef, uint64_t>>{{"B", 1}}));
}

} // namespace
} // namespace pgoctl::convert
