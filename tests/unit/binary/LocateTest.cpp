// tests/unit/binary/LocateTest.cpp: binary/Locate.h's one rule, case by case.
//
// Two real ELF files with different build-ids (the PIE and non-PIE import
// fixtures) are copied under one file name, and a third copy has its build-id
// note removed by llvm-objcopy, so each rule of the policy meets its case.
// Build-ids come from llvm-readelf -n (the oracle), not from binary/.
#include "binary/Locate.h"
#include "../TestTools.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

using namespace pgoctl;
using namespace pgoctl::binary;
using pgoctl::testing::runTool;

namespace {

std::string readelfBuildId(const std::string &Path) {
  std::string Out = runTool(std::string(PGOCTL_LLVM_READELF) + " -n " + Path);
  size_t At = Out.find("Build ID: ");
  if (At == std::string::npos)
    return "";
  size_t End = Out.find('\n', At);
  return llvm::StringRef(Out).slice(At + 10, End).trim().str();
}

struct LocateFixture : ::testing::Test {
  llvm::SmallString<128> Dir;
  std::string A, B, NoId; ///< three files named "prog" in three folders
  std::string IdA, IdB;
  std::vector<std::string> Warnings;
  WarningHandler Warn = [this](llvm::StringRef W) { Warnings.push_back(W.str()); };

  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("locate", Dir));
    for (const char *Sub : {"a", "b", "n"})
      ASSERT_FALSE(llvm::sys::fs::create_directory(Dir + "/" + Sub));
    A = (Dir + "/a/prog").str();
    B = (Dir + "/b/prog").str();
    NoId = (Dir + "/n/prog").str();
    ASSERT_FALSE(llvm::sys::fs::copy_file(PGOCTL_IMPORT_FIXTURE_PIE, A));
    ASSERT_FALSE(llvm::sys::fs::copy_file(PGOCTL_IMPORT_FIXTURE_NOPIE, B));
    runTool(std::string(PGOCTL_LLVM_OBJCOPY) + " --remove-section .note.gnu.build-id " + A +
            " " + NoId);
    IdA = readelfBuildId(A);
    IdB = readelfBuildId(B);
    ASSERT_EQ(IdA.size(), 40u);
    ASSERT_EQ(IdB.size(), 40u);
    ASSERT_NE(IdA, IdB);
    ASSERT_EQ(readelfBuildId(NoId), "");
  }
  void TearDown() override { llvm::sys::fs::remove_directories(Dir); }

  std::vector<Candidate> cands(std::vector<std::string> Paths) {
    auto C = readCandidates(Paths);
    EXPECT_TRUE(bool(C)) << (C ? "" : llvm::toString(C.takeError()));
    return C ? *C : std::vector<Candidate>{};
  }
};

TEST_F(LocateFixture, BuildIdWinsOverAnEarlierFileNameMatch) {
  BinaryRef Want{"/recorded/elsewhere/prog", IdB, false};
  LocateResult R = locateBinary(Want, cands({NoId, A, B}), LocatePolicy{}, Warn);
  ASSERT_TRUE(R.Found);
  EXPECT_EQ(R.Found->Path, B);
  EXPECT_EQ(R.Found->How, MatchHow::BuildId);
}

TEST_F(LocateFixture, MismatchedBuildIdIsReportedAndNotUsed) {
  BinaryRef Want{"/recorded/elsewhere/prog", IdB, false};
  LocateResult R = locateBinary(Want, cands({A}), LocatePolicy{}, Warn);
  EXPECT_FALSE(R.Found);
  ASSERT_EQ(Warnings.size(), 1u);
  EXPECT_NE(Warnings[0].find(IdA), std::string::npos);
  EXPECT_NE(R.WhyNot.find("differs"), std::string::npos);
}

TEST_F(LocateFixture, IgnoreBuildIdUsesTheFileNameMatch) {
  BinaryRef Want{"/recorded/elsewhere/prog", IdB, false};
  LocatePolicy P;
  P.IgnoreBuildId = true;
  LocateResult R = locateBinary(Want, cands({A}), P, Warn);
  ASSERT_TRUE(R.Found);
  EXPECT_EQ(R.Found->How, MatchHow::BuildIdIgnored);
}

TEST_F(LocateFixture, FileNameWhenEitherSideHasNoBuildId) {
  // The candidate has none (import, show and verify all take it: one rule).
  LocateResult R1 = locateBinary({"/x/prog", IdA, false}, cands({NoId}), LocatePolicy{}, Warn);
  ASSERT_TRUE(R1.Found);
  EXPECT_EQ(R1.Found->How, MatchHow::FileName);
  // The profile recorded none.
  LocateResult R2 = locateBinary({"/x/prog", "", false}, cands({B}), LocatePolicy{}, Warn);
  ASSERT_TRUE(R2.Found);
  EXPECT_EQ(R2.Found->Path, B);
  // Another file name is no match.
  LocateResult R3 = locateBinary({"/x/other", "", false}, cands({B}), LocatePolicy{}, Warn);
  EXPECT_FALSE(R3.Found);
}

TEST_F(LocateFixture, RecordedPathIsCheckedLikeACandidate) {
  LocateResult Ok = locateBinary({A, IdA, false}, {}, LocatePolicy{}, Warn);
  ASSERT_TRUE(Ok.Found);
  EXPECT_TRUE(Ok.Found->FromRecordedPath);
  EXPECT_TRUE(Warnings.empty());
  LocateResult Bad = locateBinary({A, IdB, false}, {}, LocatePolicy{}, Warn);
  EXPECT_FALSE(Bad.Found);
  EXPECT_EQ(Warnings.size(), 1u);
  LocatePolicy NoRecorded;
  NoRecorded.UseRecordedPath = false;
  EXPECT_FALSE(locateBinary({A, IdA, false}, {}, NoRecorded, Warn).Found);
  // Without a recorded build-id the file is used, with a warning.
  Warnings.clear();
  LocateResult Unverified = locateBinary({A, "", false}, {}, LocatePolicy{}, Warn);
  ASSERT_TRUE(Unverified.Found);
  EXPECT_EQ(Warnings.size(), 1u);
}

TEST_F(LocateFixture, KernelAndNonFilesAreNeverLocated) {
  EXPECT_FALSE(locateBinary({"[kernel.kallsyms]", "", true}, cands({A}), {}, Warn).Found);
  EXPECT_FALSE(locateBinary({Dir.str().str(), "", false}, {}, {}, Warn).Found); // a directory
}

} // namespace
