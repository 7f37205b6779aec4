// tests/unit/merge/InstrMergeWarningsTest.cpp: mergeInstrProfiles reports
// its warnings through InstrMergeOptions::Warn as it reads each input. The
// inputs are hand-written llvm-profdata text profiles (IR flag); expected
// sentences are written here from InstrMerge.cpp's code paths.
#include "merge/InstrMerge.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace pgoctl;

namespace {

class InstrMergeWarnings : public ::testing::Test {
protected:
  void SetUp() override {
    llvm::SmallString<128> D;
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("pgoctl-instr-warn", D));
    Dir = std::string(D);
    Opts.Warn = [this](llvm::StringRef W) { Warnings.push_back(W.str()); };
  }
  void TearDown() override { llvm::sys::fs::remove_directories(Dir); }

  /// Writes Text to Dir/Name and returns its path.
  std::string file(const std::string &Name, const std::string &Text) {
    std::string Path = Dir + "/" + Name;
    std::error_code EC;
    llvm::raw_fd_ostream OS(Path, EC);
    EXPECT_FALSE(EC) << Path << ": " << EC.message();
    OS << Text;
    return Path;
  }
  /// An IR text profile of function foo (hash 10) with these counters.
  std::string profile(const std::string &Name, const std::string &Counters, int N) {
    return file(Name, "# IR level Instrumentation Flag\n:ir\nfoo\n# Func Hash:\n10\n"
                      "# Num Counters:\n" +
                          std::to_string(N) + "\n# Counter Values:\n" + Counters + "\n");
  }

  std::string Dir;
  std::vector<std::string> Warnings;
  InstrMergeOptions Opts;
};

// An empty input is skipped with a warning naming it; the other is merged.
TEST_F(InstrMergeWarnings, EmptyFileSkipped) {
  std::string A = profile("a.proftext", "5\n7", 2);
  std::string Empty = file("empty.profraw", "");
  InstrMergeSummary Sum;
  llvm::Error E = mergeInstrProfiles({{A, 1}, {Empty, 1}}, Opts, Dir + "/out.profdata", Sum);
  ASSERT_FALSE(bool(E)) << llvm::toString(std::move(E));
  ASSERT_EQ(Warnings.size(), 1u);
  EXPECT_EQ(Warnings[0], Empty + ": empty file, skipped");
  EXPECT_EQ(Sum.Functions, 1u);
}

// foo with 2 counters, then foo with 3 (same hash): a counter mismatch, the
// second input's record skipped with a warning naming the file and the
// function. LLVM's own words for the mismatch sit between the two.
TEST_F(InstrMergeWarnings, CounterMismatchNamesFileAndFunction) {
  std::string A = profile("a.proftext", "5\n7", 2);
  std::string B = profile("b.proftext", "1\n2\n3", 3);
  InstrMergeSummary Sum;
  llvm::Error E = mergeInstrProfiles({{A, 1}, {B, 1}}, Opts, Dir + "/out.profdata", Sum);
  ASSERT_FALSE(bool(E)) << llvm::toString(std::move(E));
  EXPECT_EQ(Sum.MismatchedRecords, 1u);
  ASSERT_EQ(Warnings.size(), 1u);
  llvm::StringRef W = Warnings[0];
  EXPECT_TRUE(W.starts_with(B + ": foo: ")) << W.str();
  EXPECT_TRUE(W.ends_with(" (record skipped; are the inputs from different builds?)")) << W.str();
}

// A warning is delivered when it is found, before the merge fails: the
// empty input's, then the error of the input after it.
TEST_F(InstrMergeWarnings, WarningsBeforeAnError) {
  std::string Empty = file("empty.profraw", "");
  std::string Bad = file("bad.txt", "not a profile\n");
  InstrMergeSummary Sum;
  llvm::Error E = mergeInstrProfiles({{Empty, 1}, {Bad, 1}}, Opts, Dir + "/out.profdata", Sum);
  ASSERT_TRUE(bool(E));
  std::string Msg = llvm::toString(std::move(E));
  EXPECT_NE(Msg.find(Bad + ": not an instrumented profile"), std::string::npos) << Msg;
  ASSERT_EQ(Warnings.size(), 1u);
  EXPECT_EQ(Warnings[0], Empty + ": empty file, skipped");
  EXPECT_FALSE(llvm::sys::fs::exists(Dir + "/out.profdata"));
}

} // namespace
