// Tests of refresh/Gate.h: each figure's refusal and pass on small inputs whose
// figures are computed by hand in the comments, and the one-line messages.
#include "refresh/Gate.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/ProfileData/SampleProfReader.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/VirtualFileSystem.h"

#include <gtest/gtest.h>

using namespace pgoctl::refresh;

namespace {

class Gate : public ::testing::Test {
protected:
  llvm::LLVMContext Ctx;
  std::vector<std::unique_ptr<llvm::sampleprof::SampleProfileReader>> Readers;

  /// A profile from sample-profile text (LLVM's text reader).
  const llvm::sampleprof::SampleProfileMap *profile(llvm::StringRef Text) {
    auto FS = llvm::vfs::getRealFileSystem();
    std::unique_ptr<llvm::MemoryBuffer> B = llvm::MemoryBuffer::getMemBufferCopy(Text);
    auto R = llvm::sampleprof::SampleProfileReader::create(B, Ctx, *FS);
    EXPECT_TRUE(bool(R));
    if (!R)
      return nullptr;
    EXPECT_FALSE((*R)->read());
    Readers.push_back(std::move(*R));
    return &Readers.back()->getProfiles();
  }

  static const GateFigure &fig(const GateResult &R, llvm::StringRef Name) {
    for (const GateFigure &F : R.Figures)
      if (F.Name == Name)
        return F;
    static GateFigure None;
    ADD_FAILURE() << "no figure " << Name.str();
    return None;
  }

  /// An input that passes every figure; each test breaks one.
  GateInput good() {
    GateInput In;
    In.Samples = 20000;
    In.SamplesInService = 19000;
    In.New = profile("f1:5000:1\n 1: 5000\nf2:3000:1\n 1: 3000\nf3:1000:1\n 1: 1000\n"
                     "f4:600:1\n 1: 600\nf5:400:1\n 1: 400\n");
    In.Previous = In.New;
    In.CurrentFunctions = {"f1", "f2", "f3", "f4", "f5"};
    In.NewBytes = 1000;
    In.PreviousBytes = 1000;
    return In;
  }
};

TEST_F(Gate, AllPass) {
  GateResult R = evaluateGate(good(), GateThresholds());
  EXPECT_TRUE(R.Passed);
  ASSERT_EQ(R.Figures.size(), 5u);
  for (const GateFigure &F : R.Figures) {
    EXPECT_TRUE(F.Pass) << F.Line;
    EXPECT_FALSE(F.Skipped) << F.Line;
    EXPECT_TRUE(llvm::StringRef(F.Line).starts_with("ok: ")) << F.Line;
    EXPECT_EQ(F.Line.find('\n'), std::string::npos);
  }
  EXPECT_EQ(fig(R, "similarity").Value, 1.0);
}

TEST_F(Gate, TooFewSamples) {
  GateInput In = good();
  In.Samples = 812;
  In.SamplesInService = 812;
  GateResult R = evaluateGate(In, GateThresholds());
  EXPECT_FALSE(R.Passed);
  const GateFigure &F = fig(R, "samples");
  EXPECT_FALSE(F.Pass);
  EXPECT_EQ(F.Line, "refused: 812 samples, fewer than --min-samples 10000");
  EXPECT_EQ(F.Value, 812);
  EXPECT_EQ(F.Threshold, 10000);
  // Exactly the threshold passes.
  In.Samples = 10000;
  In.SamplesInService = 10000;
  EXPECT_EQ(fig(evaluateGate(In, GateThresholds()), "samples").Line,
            "ok: 10000 samples, at least --min-samples 10000");
}

TEST_F(Gate, SamplesMostlyInAnotherBinary) {
  GateInput In = good();
  In.Samples = 10000;
  In.SamplesInService = 3120; // 3120 / 10000 = 0.312
  GateResult R = evaluateGate(In, GateThresholds());
  EXPECT_FALSE(R.Passed);
  const GateFigure &F = fig(R, "binary-share");
  EXPECT_FALSE(F.Pass);
  EXPECT_DOUBLE_EQ(F.Value, 0.312);
  EXPECT_EQ(F.Line, "refused: 0.312 of the samples (3120 of 10000) in the service's binaries, "
                    "below --min-binary-share 0.5");
  // 0.4999 would print as 0.500 with 3 decimals: more are shown.
  In.SamplesInService = 4999;
  EXPECT_EQ(fig(evaluateGate(In, GateThresholds()), "binary-share").Line,
            "refused: 0.4999 of the samples (4999 of 10000) in the service's binaries, "
            "below --min-binary-share 0.5");
}

TEST_F(Gate, HotFunctionsMissingFromTheCurrentBinary) {
  // Total 10000: the 90% (9000) are f1 5000 + f2 3000 + f3 1000.
  GateInput In = good();
  EXPECT_EQ(hotFunctions(*In.New, 0.9).size(), 3u);
  In.CurrentFunctions = {"f1", "f4", "f5"}; // 5000 of 9000 = 0.556
  GateResult R = evaluateGate(In, GateThresholds());
  const GateFigure &F = fig(R, "hot-coverage");
  EXPECT_FALSE(F.Pass);
  EXPECT_FALSE(R.Passed);
  EXPECT_NEAR(F.Value, 5000.0 / 9000, 1e-12);
  EXPECT_EQ(F.Line, "refused: 0.556 of the hot functions' samples (1 of 3 functions carrying 90% "
                    "of the profile) found in the current binary, below --min-hot-coverage 0.8; "
                    "the hottest missing: f2");
  // f2 under a build-specific suffix is found: 8000 of 9000 = 0.889.
  In.CurrentFunctions = {"f1", "f2.llvm.1234567", "f4"};
  const GateFigure &G = fig(evaluateGate(In, GateThresholds()), "hot-coverage");
  EXPECT_TRUE(G.Pass) << G.Line;
  EXPECT_NEAR(G.Value, 8000.0 / 9000, 1e-12);
}

TEST_F(Gate, SuffixesStrippedOnBothSides) {
  GateInput In = good();
  In.New = profile("g.__uniq.42:9000:1\n 1: 9000\nh.llvm.7:1000:1\n 1: 1000\n");
  In.Previous = In.New;
  In.CurrentFunctions = {"g.__uniq.42.llvm.99", "h"};
  const GateFigure &F = fig(evaluateGate(In, GateThresholds()), "hot-coverage");
  EXPECT_TRUE(F.Pass) << F.Line;
  EXPECT_EQ(F.Value, 1.0);
  EXPECT_EQ(stripBuildSuffixes("g.__uniq.42.llvm.99"), "g");
  EXPECT_EQ(stripBuildSuffixes("f.part.1"), "f.part.1");
  EXPECT_EQ(stripBuildSuffixes("f.llvm.x"), "f.llvm.x");
  EXPECT_EQ(stripBuildSuffixes(".llvm.1"), ".llvm.1");
}

TEST_F(Gate, SimilarityCollapsed) {
  GateInput In = good();
  In.Previous = profile("other:9000:1\n 1: 9000\n"); // no function in common: 0
  GateResult R = evaluateGate(In, GateThresholds());
  const GateFigure &F = fig(R, "similarity");
  EXPECT_FALSE(F.Pass);
  EXPECT_FALSE(R.Passed);
  EXPECT_EQ(F.Value, 0.0);
  EXPECT_EQ(F.Line, "refused: similarity 0.000 with the previous version (llvm-profdata "
                    "overlap's), below --min-similarity 0.5");
}

TEST_F(Gate, FirstVersionSkipsComparisons) {
  GateInput In = good();
  In.Previous = nullptr;
  GateResult R = evaluateGate(In, GateThresholds());
  EXPECT_TRUE(R.Passed);
  const GateFigure &S = fig(R, "similarity");
  EXPECT_TRUE(S.Skipped);
  EXPECT_TRUE(S.Pass);
  EXPECT_EQ(S.Line, "skipped: no previous version to compare with (the first one)");
  EXPECT_TRUE(fig(R, "size-ratio").Skipped);
}

TEST_F(Gate, SizeOutOfProportion) {
  GateInput In = good();
  In.NewBytes = 920000;
  In.PreviousBytes = 100000; // 9.2 > 4
  GateResult R = evaluateGate(In, GateThresholds());
  const GateFigure &F = fig(R, "size-ratio");
  EXPECT_FALSE(F.Pass);
  EXPECT_FALSE(R.Passed);
  EXPECT_EQ(F.Line, "refused: the .profdata is 9.200x the previous one's size (920000 vs 100000 "
                    "bytes), outside [1/4, 4] of --max-size-ratio 4");
  In.NewBytes = 20000; // 0.2 < 1/4
  EXPECT_FALSE(fig(evaluateGate(In, GateThresholds()), "size-ratio").Pass);
  In.NewBytes = 25000; // 0.25: the edge passes
  EXPECT_TRUE(fig(evaluateGate(In, GateThresholds()), "size-ratio").Pass);
  In.NewBytes = 0; // unknown
  EXPECT_TRUE(fig(evaluateGate(In, GateThresholds()), "size-ratio").Skipped);
}

// The quality figure: one IP function with blocks of 100, 25 and 4 samples
// has a hot-block error of 0.1 (QualityTest's hand-checked case): thin, a
// warning that passes; --min-quality good refuses it, thin passes it; a
// block of 400 samples (error 0.05) is good: ok.
TEST_F(Gate, QualityWarnsUnlessAThresholdIsAsked) {
  using namespace pgoctl::convert;
  QualityInput QI;
  QualityFunction F;
  F.Name = "f";
  F.Items = {{100, 1}, {25, 1}, {4, 1}};
  F.Samples = 129;
  QI.Samples = 129;
  QI.Functions = {F};
  ProfileQuality Q = assessQuality(QI, QualityOptions());
  GateInput In = good();
  In.Quality = &Q;
  GateResult R = evaluateGate(In, GateThresholds());
  EXPECT_TRUE(R.Passed);
  const GateFigure &G = fig(R, "quality");
  EXPECT_TRUE(G.Pass);
  EXPECT_DOUBLE_EQ(G.Value, 0.1);
  EXPECT_TRUE(llvm::StringRef(G.Line).starts_with("warning: quality thin: 129 samples")) << G.Line;
  EXPECT_NE(G.Line.find("record ~4.0x longer"), std::string::npos) << G.Line;
  GateThresholds T;
  T.MinQuality = QualityVerdict::Good;
  GateResult R2 = evaluateGate(In, T);
  EXPECT_FALSE(R2.Passed);
  EXPECT_TRUE(llvm::StringRef(fig(R2, "quality").Line).starts_with("refused: quality thin"));
  EXPECT_NE(fig(R2, "quality").Line.find("below --min-quality good"), std::string::npos);
  T.MinQuality = QualityVerdict::Thin;
  EXPECT_TRUE(evaluateGate(In, T).Passed);
  QI.Functions[0].Items = {{400, 1}};
  QI.Functions[0].Samples = 400;
  ProfileQuality Good = assessQuality(QI, QualityOptions());
  In.Quality = &Good;
  EXPECT_TRUE(llvm::StringRef(fig(evaluateGate(In, GateThresholds()), "quality").Line)
                  .starts_with("ok: quality good"));
  // No quality given: no figure (the five others only).
  EXPECT_EQ(evaluateGate(good(), GateThresholds()).Figures.size(), 5u);
}

TEST_F(Gate, ThresholdsChecked) {
  GateThresholds T;
  EXPECT_FALSE(bool(checkThresholds(T)));
  T.MinBinaryShare = 1.5;
  llvm::Error E = checkThresholds(T);
  ASSERT_TRUE(bool(E));
  EXPECT_NE(llvm::toString(std::move(E)).find("--min-binary-share"), std::string::npos);
  T = GateThresholds();
  T.MaxSizeRatio = 0.5;
  llvm::Error E2 = checkThresholds(T);
  EXPECT_TRUE(bool(E2));
  llvm::consumeError(std::move(E2));
}

} // namespace
