// tests/unit/convert/ProfDataSummaryTest.cpp: sampleProfileSummary() on a
// hand-checked profile, in text and (through LLVM's writer) extbinary form,
// and the cutoff parser. Expected values are worked out below by hand.
#include "convert/sample/ProfDataSummary.h"

#include "tests/unit/PerfDataBuilder.h" // TempFile

#include "llvm/IR/LLVMContext.h"
#include "llvm/ProfileData/SampleProfReader.h"
#include "llvm/ProfileData/SampleProfWriter.h"
#include "llvm/Support/VirtualFileSystem.h"

#include <gtest/gtest.h>

#include <string>

namespace pgoctl::convert {
namespace {

using testing::TempFile;

// Body counts: foo's own 500, 300 (its call target qux:500 is not a body
// count), and its inlinee bar's 100, 50, 50: five counts, total 1000.
const char *kProfile = "foo:1200:10\n"
                       " 1: 500 qux:500\n"
                       " 2: 300\n"
                       " 3: bar:200\n"
                       "  1: 100\n"
                       "  2: 50\n"
                       "  3: 50\n";

void expectHandChecked(const SampleSummary &S) {
  EXPECT_EQ(S.TotalCount, 1000u);
  EXPECT_EQ(S.MaxCount, 500u);
  EXPECT_EQ(S.NumCounts, 5u);
  EXPECT_EQ(S.NumFunctions, 1u); // inlinees are not functions of their own
  ASSERT_EQ(S.Entries.size(), 5u);
  // Counts in descending order: 500, 300, 100, 50, 50 (cumulative 500, 800,
  // 900, 1000: equal counts are taken together). A cutoff's line is the count
  // at which the cumulative sum first reaches total x cutoff.
  struct {
    uint32_t Cutoff;
    uint64_t MinCount, NumCounts;
  } Want[] = {{500000, 500, 1}, {800000, 300, 2}, {850000, 100, 3},
              {950000, 50, 5}, {997000, 50, 5}};
  for (size_t I = 0; I < 5; ++I) {
    EXPECT_EQ(S.Entries[I].Cutoff, Want[I].Cutoff);
    EXPECT_EQ(S.Entries[I].MinCount, Want[I].MinCount) << "cutoff " << Want[I].Cutoff;
    EXPECT_EQ(S.Entries[I].NumCounts, Want[I].NumCounts) << "cutoff " << Want[I].Cutoff;
  }
}

TEST(ProfDataSummary, TextProfileHandChecked) {
  TempFile P(kProfile, "prof.txt");
  // Unsorted and with a duplicate: the entries come back ascending, once each.
  auto S = sampleProfileSummary(P.path(), {997000, 500000, 850000, 800000, 950000, 500000});
  ASSERT_TRUE(bool(S)) << llvm::toString(S.takeError());
  expectHandChecked(*S);
}

TEST(ProfDataSummary, ExtBinaryRoundTrip) {
  TempFile Text(kProfile, "prof.txt");
  llvm::LLVMContext Ctx;
  auto FS = llvm::vfs::getRealFileSystem();
  auto Reader = llvm::sampleprof::SampleProfileReader::create(Text.path(), Ctx, *FS);
  ASSERT_TRUE(bool(Reader));
  ASSERT_FALSE((*Reader)->read());
  TempFile Bin("", "profdata"); // the writer replaces its contents
  auto Writer = llvm::sampleprof::SampleProfileWriter::create(Bin.path(),
                                                              llvm::sampleprof::SPF_Ext_Binary);
  ASSERT_TRUE(bool(Writer));
  ASSERT_FALSE((*Writer)->write((*Reader)->getProfiles()));
  Writer->reset(); // flush
  auto S = sampleProfileSummary(Bin.path(), {500000, 800000, 850000, 950000, 997000});
  ASSERT_TRUE(bool(S)) << llvm::toString(S.takeError());
  expectHandChecked(*S);
}

TEST(ProfDataSummary, Errors) {
  TempFile P(kProfile, "prof.txt");
  auto Missing = sampleProfileSummary(P.path() + ".nope", {990000});
  ASSERT_FALSE(bool(Missing));
  EXPECT_NE(llvm::toString(Missing.takeError()).find(".nope: cannot read"), std::string::npos);

  TempFile Junk(llvm::StringRef("this is not a profile\n\x01\x02"), "profdata");
  auto Bad = sampleProfileSummary(Junk.path(), {990000});
  ASSERT_FALSE(bool(Bad));
  EXPECT_NE(llvm::toString(Bad.takeError()).find(Junk.path()), std::string::npos);

  // The indexed instrumentation profile magic (0x8169666f72706cff, stored
  // little-endian: "\xfflprofi\x81") and a version.
  TempFile Instr(llvm::StringRef("\xfflprofi\x81\x0c\0\0\0\0\0\0\0", 16), "profdata");
  auto IsInstr = sampleProfileSummary(Instr.path(), {990000});
  ASSERT_FALSE(bool(IsInstr));
  EXPECT_NE(llvm::toString(IsInstr.takeError()).find("an instrumentation profile"),
            std::string::npos);

  auto Range = sampleProfileSummary(P.path(), {1000000});
  ASSERT_FALSE(bool(Range));
  EXPECT_NE(llvm::toString(Range.takeError()).find("not in (0, 1000000)"), std::string::npos);
}

TEST(ProfDataSummary, CutoffPercent) {
  struct {
    const char *Text;
    uint32_t Ppm;
  } Good[] = {{"99", 990000}, {"99.7", 997000}, {"99.9999", 999999}, {"0.0001", 1},
              {"50.25", 502500}, {" 99.9 ", 999000}};
  for (auto &G : Good) {
    auto C = parseCutoffPercent(G.Text);
    ASSERT_TRUE(bool(C)) << G.Text << ": " << llvm::toString(C.takeError());
    EXPECT_EQ(*C, G.Ppm) << G.Text;
  }
  for (const char *B : {"", "100", "0", "0.0000", "abc", "99.", ".5", "99.12345", "-1", "1e2",
                        "99.7%", "1000"}) {
    auto C = parseCutoffPercent(B);
    EXPECT_FALSE(bool(C)) << "accepted `" << B << "`";
    if (!C)
      llvm::consumeError(C.takeError());
  }
  EXPECT_EQ(formatCutoffPercent(997000), "99.7");
  EXPECT_EQ(formatCutoffPercent(990000), "99");
  EXPECT_EQ(formatCutoffPercent(999999), "99.9999");
  EXPECT_EQ(formatCutoffPercent(1), "0.0001");
  EXPECT_EQ(formatCutoffPercent(502500), "50.25");
}

} // namespace
} // namespace pgoctl::convert
