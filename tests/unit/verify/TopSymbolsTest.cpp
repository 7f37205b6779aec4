// tests/unit/verify/TopSymbolsTest.cpp: topSymbols() (show's top list) on a
// hand-made profile and symbol table: samples and branch sources per symbol,
// file offsets through the segments, addresses where no symbol is known, the
// ranking and the totals. Every expected number is summed by hand below.
#include "verify/Attribution.h"

#include <gtest/gtest.h>

namespace pgoctl::verify {
namespace {

/// Binary 0: symbols f [0x1000, 0x1100) and g [0x1100, 0x1180), vaddrs.
/// Binary 1: the same ELF, but the profile holds file offsets; its one
/// PT_LOAD maps file offset 0x0 to vaddr 0x1000 (so offset 0x50 is f+0x50).
/// Binary 2: no ELF.
struct Fixture {
  Profile P;
  BinarySymbols Elf;
  Fixture() {
    Elf.ElfPath = "prog";
    Elf.Syms = binary::SymbolTable::fromSymbols({{"f", 0x1000, 0x100}, {"g", 0x1100, 0x80}});
    Elf.Elf.Segments.push_back({/*VAddr=*/0x1000, /*MemSize=*/0x1000, /*FileOffset=*/0,
                                /*FileSize=*/0x1000, /*Flags=*/5});
    BinaryProfile A;
    A.Path = "/bin/prog";
    A.Samples = {{0x1000, 10}, {0x10ff, 5}, {0x1100, 30}, {0x9000, 2}};
    A.Branches = {{0x1010, 0x1100, 7, 0}, {kExternalAddress, 0x1000, 100, 0}};
    BinaryProfile B;
    B.Path = "/bin/prog-offsets";
    B.Space = AddressSpace::FileOffset;
    B.Samples = {{0x50, 4}, {0x5000, 1}};
    BinaryProfile C;
    C.Path = "/lib/noelf.so";
    C.Samples = {{0x42, 8}};
    P.Binaries = {A, B, C};
  }
};

TEST(TopSymbols, CountsPerSymbolAndAddress) {
  Fixture F;
  F.P.Meta.TotalSamples = 100; // recorded; more than the binaries' 60
  std::vector<const BinarySymbols *> Bins{&F.Elf, &F.Elf, nullptr};
  SymbolTop T = topSymbols(F.P, Bins, 20);
  // Samples: binary 0 holds 10 + 5 + 30 + 2 = 47, binary 1 4 + 1 = 5,
  // binary 2 8: 60 in the binaries, below the recorded 100, which stays.
  EXPECT_EQ(T.TotalSamples, 100u);
  EXPECT_EQ(T.TotalBranches, 107u); // every branch, the external one too
  EXPECT_TRUE(T.BySamples);
  // g 30; f 10 + 5 = 15 and one branch source (7; the external branch has no
  // source here); binary 2's address 0x42 8; binary 1's offset 0x50 = f 4;
  // 0x9000 (no symbol) 2; offset 0x5000 (no segment: stays an offset) 1.
  ASSERT_EQ(T.Entries.size(), 6u);
  auto Expect = [&](size_t I, uint32_t Bin, llvm::StringRef Fn, uint64_t Addr, bool Off,
                    uint64_t S, uint64_t Br) {
    SCOPED_TRACE(I);
    EXPECT_EQ(T.Entries[I].Binary, Bin);
    EXPECT_EQ(T.Entries[I].Function, Fn);
    if (Fn.empty()) {
      EXPECT_EQ(T.Entries[I].Addr, Addr);
      EXPECT_EQ(T.Entries[I].IsOffset, Off);
    }
    EXPECT_EQ(T.Entries[I].Samples, S);
    EXPECT_EQ(T.Entries[I].Branches, Br);
  };
  Expect(0, 0, "g", 0, false, 30, 0);
  Expect(1, 0, "f", 0, false, 15, 7);
  Expect(2, 2, "", 0x42, false, 8, 0);
  Expect(3, 1, "f", 0, false, 4, 0);
  Expect(4, 0, "", 0x9000, false, 2, 0);
  Expect(5, 1, "", 0x5000, true, 1, 0);
  // The top 2 only.
  EXPECT_EQ(topSymbols(F.P, Bins, 2).Entries.size(), 2u);
}

TEST(TopSymbols, BranchesRankWithoutSamples) {
  Fixture F;
  for (BinaryProfile &B : F.P.Binaries)
    B.Samples.clear();
  F.P.Binaries[0].Branches.push_back({0x1105, 0x1000, 9, 0});
  std::vector<const BinarySymbols *> Bins{&F.Elf, &F.Elf, nullptr};
  SymbolTop T = topSymbols(F.P, Bins, 20);
  // No IP samples: ranked by branch counts, g's 9 before f's 7; the total
  // is the binaries' 0 samples and 100 + 7 + 9 branch counts.
  EXPECT_FALSE(T.BySamples);
  EXPECT_EQ(T.TotalSamples, 0u);
  EXPECT_EQ(T.TotalBranches, 116u);
  ASSERT_EQ(T.Entries.size(), 2u);
  EXPECT_EQ(T.Entries[0].Function, "g");
  EXPECT_EQ(T.Entries[0].Branches, 9u);
  EXPECT_EQ(T.Entries[1].Function, "f");
  EXPECT_EQ(T.Entries[1].Branches, 7u);
}

TEST(TopSymbols, WithoutSymbolsFileOffsetsStayOffsets) {
  Fixture F;
  std::vector<const BinarySymbols *> Bins{nullptr, nullptr, nullptr};
  SymbolTop T = topSymbols(F.P, Bins, 20);
  // Sums over the binaries (60) exceed the recorded total (0): 60.
  EXPECT_EQ(T.TotalSamples, 60u);
  for (const SymbolCount &E : T.Entries) {
    EXPECT_TRUE(E.Function.empty());
    EXPECT_EQ(E.IsOffset, E.Binary == 1);
  }
  // Binary 0: 4 sample addresses, of which 0x1010 none (the branch source
  // is 0x1010: a fifth address); binary 1: 2; binary 2: 1.
  EXPECT_EQ(T.Entries.size(), 8u);
}

} // namespace
} // namespace pgoctl::verify
