// tests/unit/convert/SymbolizerTest.cpp: binary/Symbolizer.h's functions
// against llvm-nm and llvm-dwarfdump on a fixture whose inline function
// comdat_twice is emitted by two translation units (fixtures/comdat_*.cpp).
#include "tests/unit/TestTools.h"
#include "binary/Symbolizer.h"

#include "llvm/ADT/StringExtras.h"

#include <gtest/gtest.h>

using namespace pgoctl;
using namespace pgoctl::binary;
using pgoctl::testing::runTool;

namespace {

constexpr const char *kComdat = "_Z12comdat_twicei";

// Each unit's debug info describes its copy of comdat_twice; GNU ld points
// the discarded copy's at the kept one, so both subprograms have the same
// range. The Symbolizer keeps one range (the IP estimator cut each copy into
// blocks of its own).
TEST(Symbolizer, ComdatCopiesGiveOneRange) {
  const std::string Bin = PGOCTL_COMDAT_FIXTURE;
  std::optional<pgoctl::testing::NmSymbol> Nm =
      pgoctl::testing::nmSymbol(PGOCTL_LLVM_NM, Bin, kComdat);
  ASSERT_TRUE(Nm && Nm->Size) << kComdat << " not in llvm-nm's output of " << Bin;
  uint64_t Addr = Nm->Addr, Size = Nm->Size;
  // The precondition, by llvm-dwarfdump: two subprograms at that address.
  std::string Dwarf = runTool(std::string(PGOCTL_LLVM_DWARFDUMP) + " --debug-info " + Bin);
  std::string LowPc = "DW_AT_low_pc\t(0x" + llvm::utohexstr(Addr, true, 16) + ")";
  std::string Linkage = std::string("DW_AT_linkage_name\t(\"") + kComdat + "\")";
  size_t Copies = 0;
  llvm::SmallVector<llvm::StringRef, 64> Dies;
  llvm::StringRef(Dwarf).split(Dies, "\n\n");
  for (llvm::StringRef Die : Dies)
    Copies += Die.contains("DW_TAG_subprogram") && Die.contains(LowPc) && Die.contains(Linkage);
  ASSERT_EQ(Copies, 2u) << "expected both units to describe " << kComdat << " at 0x"
                        << llvm::utohexstr(Addr);

  llvm::Expected<std::unique_ptr<binary::Symbolizer>> S =
      binary::Symbolizer::create(Bin, binary::SymbolizerOptions{});
  ASSERT_TRUE(bool(S)) << llvm::toString(S.takeError());
  size_t Found = 0;
  for (const binary::BinaryFunction &F : (*S)->functions()) {
    if ((*S)->name(F.Name) != kComdat)
      continue;
    ++Found;
    ASSERT_EQ(F.Ranges.size(), 1u);
    EXPECT_EQ(F.Ranges[0].first, Addr);
    EXPECT_EQ(F.Ranges[0].second, Addr + Size);
  }
  EXPECT_EQ(Found, 1u);
  const binary::FuncRange *R = (*S)->funcRangeStartingAt(Addr);
  ASSERT_NE(R, nullptr);
  EXPECT_TRUE(R->IsEntry);
}

// LazyDwarf reads no unit before an instruction is symbolized, then the unit
// holding it: comdat_twice's range is llvm-nm's, its frames name it, and
// every instruction's frames are those of the eager Symbolizer.
TEST(Symbolizer, LazyDwarfReadsUnitsOnDemand) {
  const std::string Bin = PGOCTL_COMDAT_FIXTURE;
  std::optional<pgoctl::testing::NmSymbol> Nm =
      pgoctl::testing::nmSymbol(PGOCTL_LLVM_NM, Bin, kComdat);
  ASSERT_TRUE(Nm && Nm->Size) << kComdat << " not in llvm-nm's output of " << Bin;
  binary::SymbolizerOptions LazyOpts;
  LazyOpts.LazyDwarf = true;
  llvm::Expected<std::unique_ptr<binary::Symbolizer>> Lazy =
      binary::Symbolizer::create(Bin, LazyOpts);
  ASSERT_TRUE(bool(Lazy)) << llvm::toString(Lazy.takeError());
  llvm::Expected<std::unique_ptr<binary::Symbolizer>> Eager =
      binary::Symbolizer::create(Bin, binary::SymbolizerOptions{});
  ASSERT_TRUE(bool(Eager)) << llvm::toString(Eager.takeError());
  EXPECT_TRUE((*Lazy)->hasDwarf());
  EXPECT_TRUE((*Lazy)->functions().empty());
  std::optional<uint32_t> I = (*Lazy)->findInst(Nm->Addr);
  ASSERT_TRUE(I.has_value());
  llvm::ArrayRef<binary::InlineFrame> Fr = (*Lazy)->frames(*I);
  ASSERT_FALSE(Fr.empty());
  EXPECT_EQ((*Lazy)->name(Fr[0].Name), kComdat);
  const binary::FuncRange *R = (*Lazy)->funcRangeAt(Nm->Addr);
  ASSERT_NE(R, nullptr);
  EXPECT_EQ(R->Begin, Nm->Addr);
  EXPECT_EQ(R->End, Nm->Addr + Nm->Size);
  EXPECT_LT((*Lazy)->functions().size(), (*Eager)->functions().size());
  ASSERT_EQ((*Lazy)->numInsts(), (*Eager)->numInsts());
  for (uint32_t K = 0; K < (*Eager)->numInsts(); ++K) {
    llvm::ArrayRef<binary::InlineFrame> A = (*Lazy)->frames(K), B = (*Eager)->frames(K);
    ASSERT_EQ(A.size(), B.size()) << "instruction at 0x" << llvm::utohexstr((*Eager)->instAddr(K));
    for (size_t J = 0; J < A.size(); ++J) {
      EXPECT_EQ((*Lazy)->name(A[J].Name), (*Eager)->name(B[J].Name));
      EXPECT_EQ(A[J].LineOffset, B[J].LineOffset);
      EXPECT_EQ(A[J].Discriminator, B[J].Discriminator);
    }
  }
}

// Warnings go to SymbolizerOptions::Warn while create() runs, one sentence
// each: a binary without DWARF (the fixture stripped by llvm-strip, no debug
// file under the debug root) says what is lost. The sentence is written here
// from Symbolizer.cpp's no-DWARF branch.
TEST(Symbolizer, WarningsGoToTheHandler) {
  const std::string Bin = PGOCTL_FIXTURE_STRIPPED_SO;
  std::vector<std::string> Warnings;
  binary::SymbolizerOptions Opts;
  Opts.DebugRoot = "/nonexistent-pgoctl-debug-root";
  Opts.Warn = [&](llvm::StringRef W) { Warnings.push_back(W.str()); };
  llvm::Expected<std::unique_ptr<binary::Symbolizer>> S = binary::Symbolizer::create(Bin, Opts);
  ASSERT_TRUE(bool(S)) << llvm::toString(S.takeError());
  EXPECT_FALSE((*S)->hasDwarf());
  ASSERT_EQ(Warnings.size(), 1u);
  EXPECT_EQ(Warnings[0], Bin + ": no DWARF (build with -g, or give --debug-binary): profile is "
                               "per function from the symbol table; line offsets, "
                               "discriminators and inline stacks are lost");
  // Without a handler the same binary loads, and nothing is called.
  llvm::Expected<std::unique_ptr<binary::Symbolizer>> Quiet =
      binary::Symbolizer::create(Bin, binary::SymbolizerOptions{});
  ASSERT_TRUE(bool(Quiet)) << llvm::toString(Quiet.takeError());
  EXPECT_EQ(Warnings.size(), 1u);
}

// Hand-checked names: BOLT's and GCC's split fragments fold into their
// function; LLVM's sample loader drops .llvm.N and .part.N from IR names
// before looking them up, and keeps .__uniq.N when the profile has it.
TEST(Symbolizer, SymbolTableFunctionName) {
  using binary::symbolTableFunctionName;
  EXPECT_EQ(symbolTableFunctionName("work.cold.0"), "work");
  EXPECT_EQ(symbolTableFunctionName("work.cold.12"), "work");
  EXPECT_EQ(symbolTableFunctionName("_Z4workmm.cold"), "_Z4workmm");
  EXPECT_EQ(symbolTableFunctionName("_Z3foov.llvm.6512345"), "_Z3foov");
  EXPECT_EQ(symbolTableFunctionName("foo.part.0"), "foo");
  EXPECT_EQ(symbolTableFunctionName("foo.llvm.7.cold.1"), "foo");
  EXPECT_EQ(symbolTableFunctionName("_ZL3barv.__uniq.1234"), "_ZL3barv.__uniq.1234");
  EXPECT_EQ(symbolTableFunctionName("_ZL3barv.__uniq.1234.cold.2"), "_ZL3barv.__uniq.1234");
  // Not fragments: a name that only contains "cold", or a suffix after it.
  EXPECT_EQ(symbolTableFunctionName("coldstart"), "coldstart");
  EXPECT_EQ(symbolTableFunctionName("f.colder"), "f.colder");
  EXPECT_EQ(symbolTableFunctionName("f.cold.x"), "f.cold.x");
  EXPECT_EQ(symbolTableFunctionName(".cold"), ".cold");
  EXPECT_EQ(symbolTableFunctionName("main"), "main");
}

} // namespace
