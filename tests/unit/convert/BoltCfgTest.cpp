// tests/unit/convert/BoltCfgTest.cpp: BoltBinary's basic blocks and
// fall-throughs on hand-written assembly (fixtures/bolt_cfg.c, linked by
// clang-22 with the build). Offsets come from the instruction encodings
// written beside each instruction in the fixture (checked with
// llvm-objdump-22 -d when it was written); block rules from BOLT's CFG
// construction as BoltBinary.h states them.
#include "convert/bolt/BoltBinary.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pgoctl::convert::bolt {
namespace {

struct Want {
  uint32_t Offset, End, LastInsn;
  bool NextIsSucc, EndsInCall;
};

class BoltCfg : public ::testing::Test {
protected:
  void SetUp() override {
    auto B = BoltBinary::load(PGOCTL_BOLT_CFG_FIXTURE);
    ASSERT_TRUE(bool(B)) << llvm::toString(B.takeError());
    Bin = std::move(*B);
  }

  void expectBlocks(llvm::StringRef Name, const std::vector<Want> &W) {
    SCOPED_TRACE(Name.str());
    Function *F = nullptr;
    for (const Function &G : Bin->functions())
      if (G.Name == Name)
        F = Bin->functionAt(G.Address);
    ASSERT_NE(F, nullptr);
    ASSERT_EQ(F->Name, Name);
    ASSERT_TRUE(Bin->cfg(*F));
    ASSERT_EQ(F->Blocks.size(), W.size());
    for (size_t K = 0; K < W.size(); ++K) {
      SCOPED_TRACE("block " + std::to_string(K));
      const BasicBlock &B = F->Blocks[K];
      EXPECT_EQ(B.Offset, W[K].Offset);
      EXPECT_EQ(B.End, W[K].End);
      EXPECT_EQ(B.LastInsn, W[K].LastInsn);
      EXPECT_EQ(B.NextIsSucc, W[K].NextIsSucc);
      EXPECT_EQ(B.EndsInCall, W[K].EndsInCall);
    }
  }

  std::unique_ptr<BoltBinary> Bin;
};

TEST_F(BoltCfg, Diamond) {
  // Labels: 0, 12 (je's target), 17 (jmp's target). The je's block falls
  // through (a jcc with one taken successor); the jmp's block does not (its
  // target is 17, not the next block at 12); the movl at 12 falls into the
  // ret at 17.
  expectBlocks("diamond", {{0, 5, 3, true, false},
                           {5, 12, 10, false, false},
                           {12, 17, 12, true, false},
                           {17, 18, 17, false, false}});
}

TEST_F(BoltCfg, CallEndsABlockOnlyBeforeALabel) {
  // The loop starts at 6 (jne's target), right after the call: the call is
  // the last instruction of block 0, which falls through (a call is no
  // terminator). The jne's block falls through to the pop.
  expectBlocks("caller", {{0, 6, 1, true, true}, {6, 10, 8, true, false}, {10, 12, 11, false, false}});
}

TEST_F(BoltCfg, JmpAfterJccStaysInItsBlock) {
  // je at 2 and jmp at 4 form one block with taken successors 6 and 11; the
  // next block (6) is one of them.
  expectBlocks("jccjmp", {{0, 6, 4, true, false}, {6, 11, 6, true, false}, {11, 12, 11, false, false}});
}

TEST_F(BoltCfg, Lookup) {
  // leaf is the one-byte function at diamond + 18; caller follows it.
  const Function *D = nullptr, *L = nullptr;
  for (const Function &G : Bin->functions()) {
    if (G.Name == "diamond")
      D = &G;
    if (G.Name == "leaf")
      L = &G;
  }
  ASSERT_TRUE(D && L);
  EXPECT_EQ(D->Size, 18u);
  EXPECT_EQ(L->Address, D->Address + 18);
  EXPECT_EQ(L->Size, 1u);
  EXPECT_EQ(Bin->functionAt(D->Address + 17), D);
  EXPECT_TRUE(Bin->isReturn(D->Address + 17));
  EXPECT_FALSE(Bin->isReturn(D->Address + 12));
}

} // namespace
} // namespace pgoctl::convert::bolt
