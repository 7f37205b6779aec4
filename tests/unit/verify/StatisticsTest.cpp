// The statistics of verify against first principles: closed forms of the
// Clopper-Pearson bounds at the edges, the incomplete beta against a direct
// binomial tail sum, the coverage of the exact Poisson-ratio interval by
// simulation, and the sample-size formula by hand.
#include "verify/Statistics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace pgoctl::verify;

static double binomialUpperTail(uint64_t N, uint64_t K, double P) {
  // P(X >= K) for X ~ Binomial(N, P), summed term by term in logs.
  double S = 0;
  for (uint64_t I = K; I <= N; ++I)
    S += std::exp(std::lgamma(double(N) + 1) - std::lgamma(double(I) + 1) -
                  std::lgamma(double(N - I) + 1) + double(I) * std::log(P) +
                  double(N - I) * std::log1p(-P));
  return S;
}

TEST(Statistics, NormalQuantile) {
  EXPECT_NEAR(normalQuantile(0.975), 1.959963985, 1e-8);
  EXPECT_NEAR(normalQuantile(0.5), 0.0, 1e-10);
  EXPECT_NEAR(normalQuantile(0.8), 0.841621234, 1e-8);
  EXPECT_NEAR(normalQuantile(0.001), -3.090232306, 1e-8);
}

TEST(Statistics, IncompleteBetaIsBinomialTail) {
  // P(X >= k) = I_p(k, n-k+1).
  struct {
    uint64_t N, K;
    double P;
  } Cases[] = {{10, 3, 0.2}, {50, 20, 0.5}, {200, 30, 0.1}, {1000, 520, 0.5}, {7, 7, 0.9}};
  for (auto C : Cases)
    EXPECT_NEAR(incompleteBeta(double(C.K), double(C.N - C.K + 1), C.P),
                binomialUpperTail(C.N, C.K, C.P), 1e-10)
        << C.N << " " << C.K << " " << C.P;
}

TEST(Statistics, ClopperPearsonEdges) {
  // 0 of n: upper = 1 - (alpha/2)^(1/n); n of n: lower = (alpha/2)^(1/n).
  Interval Z = clopperPearson(0, 10, 0.05);
  EXPECT_EQ(Z.Lo, 0);
  EXPECT_NEAR(Z.Hi, 1 - std::pow(0.025, 0.1), 1e-9);
  Interval A = clopperPearson(20, 20, 0.05);
  EXPECT_NEAR(A.Lo, std::pow(0.025, 1.0 / 20), 1e-9);
  EXPECT_EQ(A.Hi, 1);
  // The bounds are where the tails equal alpha/2.
  Interval M = clopperPearson(30, 100, 0.05);
  EXPECT_NEAR(binomialUpperTail(100, 30, M.Lo), 0.025, 1e-8);
  EXPECT_NEAR(1 - binomialUpperTail(100, 31, M.Hi), 0.025, 1e-8);
}

TEST(Statistics, PoissonRatioPointAndSymmetry) {
  EXPECT_DOUBLE_EQ(poissonRatio(100, 200, 1, 1), 2.0);
  EXPECT_DOUBLE_EQ(poissonRatio(100, 200, 1, 2), 1.0); // twice the work
  Interval I = poissonRatioInterval(400, 400, 1, 1, 0.05);
  EXPECT_NEAR(I.Lo * I.Hi, 1.0, 1e-9); // symmetric in log when a == b
  EXPECT_LT(I.Lo, 1.0);
  EXPECT_GT(I.Hi, 1.0);
  Interval J = poissonRatioInterval(400, 400, 1, 2, 0.05); // exposures scale it
  EXPECT_NEAR(J.Lo, I.Lo / 2, 1e-9);
  Interval Z = poissonRatioInterval(0, 30, 1, 1, 0.05);
  EXPECT_GT(Z.Lo, 1.0); // appeared from nothing: significant growth
  EXPECT_TRUE(std::isinf(Z.Hi));
}

TEST(Statistics, PoissonRatioCoverage) {
  // Equal rates, 2000 simulated pairs of Poisson counts: the exact interval
  // covers 1 in at least 95% of them (it is conservative), and not in all.
  std::mt19937_64 Rng(7);
  for (double Mean : {5.0, 50.0, 800.0}) {
    std::poisson_distribution<uint64_t> Pa(Mean), Pb(2 * Mean); // after: twice the work
    int Covered = 0, N = 2000;
    for (int I = 0; I < N; ++I)
      Covered += poissonRatioInterval(Pa(Rng), Pb(Rng), 1.0, 2.0, 0.05).contains(1.0);
    EXPECT_GE(Covered, int(0.945 * N)) << Mean;
    EXPECT_LT(Covered, N) << Mean;
  }
}

TEST(Statistics, SamplesFactorByHand) {
  // (1/100 + 1/100) * (1.959964 + 0.841621)^2 / ln(1.05)^2 = 65.95...
  double Z = 1.959963985 + 0.841621234;
  double Want = 0.02 * Z * Z / (std::log(1.05) * std::log(1.05));
  EXPECT_NEAR(samplesFactorNeeded(100, 100, 0.05, 0.05), Want, 1e-6);
  EXPECT_NEAR(Want, 65.95, 0.05);
}

TEST(Statistics, BootstrapOfIdenticalProfilesIsAPoint) {
  ProfileBootstrap B(3, 3, 500, 1);
  ASSERT_TRUE(B.enabled());
  Interval I = B.interval({10, 10, 10}, {1, 1, 1}, {30, 30, 30}, {1, 1, 1}, 0.05);
  EXPECT_DOUBLE_EQ(I.Lo, 3.0);
  EXPECT_DOUBLE_EQ(I.Hi, 3.0);
  EXPECT_FALSE(ProfileBootstrap(1, 1, 500, 1).enabled());
  // Spread between profiles widens it.
  Interval W = B.interval({5, 10, 15}, {1, 1, 1}, {10, 10, 10}, {1, 1, 1}, 0.05);
  EXPECT_LT(W.Lo, 1.0);
  EXPECT_GT(W.Hi, 1.0);
}

TEST(Statistics, PairedBootstrapCancelsDriftCommonToAPair) {
  // Three windows whose machine ran at 1x, 2x and 4x the cost; in each the
  // after build took exactly 0.9 of the before build's samples for the same
  // work. Pairs: every resample's ratio is 0.9. Unpaired, a replicate can
  // put the 4x window before and the 1x window after.
  std::vector<uint64_t> A = {100, 200, 400}, B = {90, 180, 360};
  std::vector<double> E = {1, 1, 1};
  ProfileBootstrap Paired(3, 3, 2000, 7, /*Paired=*/true);
  Interval P = Paired.interval(A, E, B, E, 0.05);
  EXPECT_DOUBLE_EQ(P.Lo, 0.9);
  EXPECT_DOUBLE_EQ(P.Hi, 0.9);
  ProfileBootstrap Unpaired(3, 3, 2000, 7);
  Interval U = Unpaired.interval(A, E, B, E, 0.05);
  EXPECT_LT(U.Lo, 0.5);
  EXPECT_GT(U.Hi, 1.5);
}
