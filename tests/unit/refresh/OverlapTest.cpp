// Tests of refresh/Overlap.h against the oracle: llvm-profdata overlap
// --sample on .profdata files that llvm-profdata merge --sample made from
// hand-written text profiles (inlinees matched and unmatched, discriminators,
// functions in one profile only). Both figures must equal what llvm-profdata
// prints, to the 3 decimals (of a percentage) it prints.
#include "refresh/Overlap.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/ProfileData/SampleProfReader.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace pgoctl::refresh;

namespace {

// Each profile's text; pairs of them are compared below.
const char *const ProfA = R"(main:10000:100
 1: 1000
 2: 3000
 3.1: 2000 helper:1500 other:500
 4: inl:2500
  1: 1500
  2: 1000
helper:6000:1500
 1: 4000
 5: 2000
cold_a:500:5
 1: 500
)";

const char *const ProfB = R"(main:9000:90
 1: 1200
 2: 2500
 3.1: 1800 helper:1800
 4: inl:1500
  1: 500
  2: 700
  7: 300
 6: inl2:1000
  1: 1000
helper:5000:1800
 1: 3000
 5: 1500
 6: 500
cold_b:800:8
 1: 800
)";

// The same functions as A with the weight moved between them and inside
// main's inlinee (nested twice), and a discriminator split.
const char *const ProfC = R"(main:4000:10
 1: 100
 2: 400
 3.2: 600
 4: inl:2000
  1: 200
  2: 800
  3: deeper:1000
   1: 1000
helper:20000:1500
 1: 19000
 5: 1000
cold_a:50:5
 1: 50
)";

// Nothing in common with A.
const char *const ProfD = R"(other_main:3000:1
 1: 3000
)";

class OverlapOracle : public ::testing::Test {
protected:
  llvm::SmallString<128> Dir;
  llvm::LLVMContext Ctx;
  std::vector<std::unique_ptr<llvm::sampleprof::SampleProfileReader>> Readers;

  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("pgoctl-overlap-test", Dir));
  }
  void TearDown() override { llvm::sys::fs::remove_directories(Dir); }
  std::string path(llvm::StringRef Name) { return (Dir + "/" + Name).str(); }

  int run(llvm::ArrayRef<llvm::StringRef> Args, llvm::StringRef Out = "") {
    std::vector<llvm::StringRef> A = {PGOCTL_LLVM_PROFDATA};
    A.insert(A.end(), Args.begin(), Args.end());
    std::optional<llvm::StringRef> Redirects[] = {std::nullopt, Out, std::nullopt};
    llvm::ArrayRef<std::optional<llvm::StringRef>> R;
    if (!Out.empty())
      R = Redirects;
    return llvm::sys::ExecuteAndWait(PGOCTL_LLVM_PROFDATA, A, std::nullopt, R);
  }

  /// The text profile as a .profdata llvm-profdata wrote.
  std::string profdata(llvm::StringRef Name, llvm::StringRef Text) {
    std::string T = path((Name + ".txt").str()), P = path((Name + ".profdata").str());
    {
      std::error_code EC;
      llvm::raw_fd_ostream OS(T, EC);
      OS << Text;
    }
    EXPECT_EQ(run({"merge", "--sample", T, "-o", P}), 0);
    return P;
  }

  const llvm::sampleprof::SampleProfileMap &read(const std::string &P) {
    auto FS = llvm::vfs::getRealFileSystem();
    auto R = llvm::sampleprof::SampleProfileReader::create(P, Ctx, *FS);
    EXPECT_TRUE(bool(R)) << P;
    EXPECT_FALSE((*R)->read());
    Readers.push_back(std::move(*R));
    return Readers.back()->getProfiles();
  }

  /// llvm-profdata's percentage after Label, or -1.
  double oracle(const std::string &A, const std::string &B, llvm::StringRef Label) {
    std::string Out = path("overlap.out");
    EXPECT_EQ(run({"overlap", "--sample", A, B}, Out), 0);
    auto Buf = llvm::MemoryBuffer::getFile(Out);
    if (!Buf)
      return -1;
    llvm::StringRef Text = (*Buf)->getBuffer();
    size_t At = Text.find(Label);
    if (At == llvm::StringRef::npos)
      return -1;
    llvm::StringRef Num = Text.drop_front(At + Label.size()).trim().split('%').first;
    double V = -1;
    EXPECT_FALSE(Num.getAsDouble(V)) << Num.str();
    return V;
  }

  void expectLikeLlvm(llvm::StringRef NA, const char *TA, llvm::StringRef NB, const char *TB) {
    std::string A = profdata(NA, TA), B = profdata(NB, TB);
    OverlapFigures F = computeOverlap(read(A), read(B));
    ASSERT_TRUE(F.Defined);
    double Sim = oracle(A, B, "Whole program profile similarity:");
    double Ovl = oracle(A, B, "Whole program sample overlap:");
    ASSERT_GE(Sim, 0);
    ASSERT_GE(Ovl, 0);
    // llvm-profdata prints 3 decimals of a percentage.
    EXPECT_NEAR(F.Similarity * 100, Sim, 0.0005 + 1e-9) << NA.str() << " vs " << NB.str();
    EXPECT_NEAR(F.SampleOverlap * 100, Ovl, 0.0005 + 1e-9) << NA.str() << " vs " << NB.str();
    EXPECT_DOUBLE_EQ(sampleOverlap(read(A), read(B)), F.Similarity);
  }
};

TEST_F(OverlapOracle, InlineesAndUniqueFunctions) { expectLikeLlvm("a", ProfA, "b", ProfB); }

TEST_F(OverlapOracle, Symmetric) { expectLikeLlvm("b", ProfB, "a", ProfA); }

TEST_F(OverlapOracle, WeightShiftedAndNestedInlinees) {
  expectLikeLlvm("a", ProfA, "c", ProfC);
  expectLikeLlvm("c", ProfC, "b", ProfB);
}

TEST_F(OverlapOracle, IdenticalIsOne) {
  expectLikeLlvm("a", ProfA, "a2", ProfA);
  std::string A = profdata("a", ProfA);
  EXPECT_EQ(sampleOverlap(read(A), read(A)), 1.0);
}

TEST_F(OverlapOracle, DisjointIsZero) {
  expectLikeLlvm("a", ProfA, "d", ProfD);
  std::string A = profdata("a", ProfA), D = profdata("d", ProfD);
  EXPECT_EQ(sampleOverlap(read(A), read(D)), 0.0);
}

TEST_F(OverlapOracle, NoSamplesIsUndefined) {
  std::string A = profdata("a", ProfA);
  llvm::sampleprof::SampleProfileMap Empty;
  OverlapFigures F = computeOverlap(read(A), Empty);
  EXPECT_FALSE(F.Defined);
  EXPECT_EQ(F.Similarity, 0.0);
}

} // namespace
