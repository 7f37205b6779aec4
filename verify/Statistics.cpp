// verify/Statistics.cpp: incomplete beta, Clopper-Pearson, the exact
// conditional Poisson-ratio interval, sample size and the profile bootstrap
// (the model is described in Statistics.h).
//
// The incomplete beta is evaluated by its continued fraction (modified Lentz
// iteration), on the side of the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) where
// the fraction converges fast; quantiles are found by bisection, which is
// slow-ish but monotone and exact to the tolerance, and verify needs only a
// few hundred of them.
#include "verify/Statistics.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace pgoctl::verify {

double normalQuantile(double P) {
  if (P <= 0)
    return -std::numeric_limits<double>::infinity();
  if (P >= 1)
    return std::numeric_limits<double>::infinity();
  double Lo = -40, Hi = 40;
  for (int I = 0; I < 200 && Hi - Lo > 1e-12; ++I) {
    double Mid = 0.5 * (Lo + Hi);
    double Cdf = 0.5 * std::erfc(-Mid / std::sqrt(2.0));
    (Cdf < P ? Lo : Hi) = Mid;
  }
  return 0.5 * (Lo + Hi);
}

// The continued fraction of I_x(a,b) without the prefactor.
static double betaFraction(double A, double B, double X) {
  const double Tiny = 1e-300, Eps = 1e-15;
  double C = 1, D = 1 - (A + B) * X / (A + 1);
  if (std::fabs(D) < Tiny)
    D = Tiny;
  D = 1 / D;
  double F = D;
  for (int M = 1; M < 200000; ++M) {
    // Even step: m(b-m)x / ((a+2m-1)(a+2m)).
    double Num = M * (B - M) * X / ((A + 2 * M - 1) * (A + 2 * M));
    D = 1 + Num * D;
    C = 1 + Num / C;
    D = std::fabs(D) < Tiny ? 1 / Tiny : 1 / D;
    if (std::fabs(C) < Tiny)
      C = Tiny;
    F *= D * C;
    // Odd step: -(a+m)(a+b+m)x / ((a+2m)(a+2m+1)).
    Num = -(A + M) * (A + B + M) * X / ((A + 2 * M) * (A + 2 * M + 1));
    D = 1 + Num * D;
    C = 1 + Num / C;
    D = std::fabs(D) < Tiny ? 1 / Tiny : 1 / D;
    if (std::fabs(C) < Tiny)
      C = Tiny;
    double Delta = D * C;
    F *= Delta;
    if (std::fabs(Delta - 1) < Eps)
      break;
  }
  return F;
}

double incompleteBeta(double A, double B, double X) {
  if (X <= 0)
    return 0;
  if (X >= 1)
    return 1;
  double LogFront = std::lgamma(A + B) - std::lgamma(A) - std::lgamma(B) + A * std::log(X) +
                    B * std::log1p(-X);
  if (X < (A + 1) / (A + B + 2))
    return std::exp(LogFront) * betaFraction(A, B, X) / A;
  return 1 - std::exp(LogFront) * betaFraction(B, A, 1 - X) / B;
}

double betaQuantile(double P, double A, double B) {
  double Lo = 0, Hi = 1;
  for (int I = 0; I < 200 && Hi - Lo > 1e-15; ++I) {
    double Mid = 0.5 * (Lo + Hi);
    (incompleteBeta(A, B, Mid) < P ? Lo : Hi) = Mid;
  }
  return 0.5 * (Lo + Hi);
}

Interval clopperPearson(uint64_t K, uint64_t N, double Alpha) {
  assert(K <= N);
  Interval R{0, 1};
  if (K > 0)
    R.Lo = betaQuantile(Alpha / 2, double(K), double(N - K + 1));
  if (K < N)
    R.Hi = betaQuantile(1 - Alpha / 2, double(K + 1), double(N - K));
  return R;
}

double poissonRatio(uint64_t A, uint64_t B, double ExpA, double ExpB) {
  if (A == 0)
    return B == 0 ? 1.0 : std::numeric_limits<double>::infinity();
  return (double(B) / ExpB) / (double(A) / ExpA);
}

Interval poissonRatioInterval(uint64_t A, uint64_t B, double ExpA, double ExpB,
                              double Alpha) {
  // b | n ~ Binomial(n, p), p = rho*ExpB / (ExpA + rho*ExpB), so
  // rho = p/(1-p) * ExpA/ExpB, increasing in p.
  uint64_t N = A + B;
  if (N == 0)
    return Interval{0, std::numeric_limits<double>::infinity()};
  Interval P = clopperPearson(B, N, Alpha);
  double K = ExpA / ExpB;
  Interval R;
  R.Lo = P.Lo / (1 - P.Lo) * K;
  R.Hi = P.Hi >= 1 ? std::numeric_limits<double>::infinity() : P.Hi / (1 - P.Hi) * K;
  return R;
}

double samplesFactorNeeded(uint64_t A, uint64_t B, double MinEffect, double Alpha) {
  double Va = 1 / std::max(double(A), 0.5), Vb = 1 / std::max(double(B), 0.5);
  double Z = normalQuantile(1 - Alpha / 2) + normalQuantile(0.8);
  double Delta = std::log1p(MinEffect);
  return (Va + Vb) * Z * Z / (Delta * Delta);
}

ProfileBootstrap::ProfileBootstrap(unsigned NumBefore, unsigned NumAfter, unsigned Replicates,
                                   uint64_t Seed, bool Paired) {
  if (NumBefore < 2 && NumAfter < 2)
    return;
  assert((!Paired || NumBefore == NumAfter) && "pairs need as many profiles on each side");
  std::mt19937_64 Rng(Seed);
  auto Draw = [&](unsigned N) {
    std::vector<uint32_t> V(N);
    std::uniform_int_distribution<uint32_t> D(0, N - 1);
    for (uint32_t &X : V)
      X = D(Rng);
    return V;
  };
  for (unsigned R = 0; R < Replicates; ++R) {
    Before.push_back(Draw(NumBefore));
    After.push_back(Paired ? Before.back() : Draw(NumAfter));
  }
}

Interval ProfileBootstrap::interval(const std::vector<uint64_t> &A,
                                    const std::vector<double> &ExpA,
                                    const std::vector<uint64_t> &B,
                                    const std::vector<double> &ExpB, double Alpha) const {
  std::vector<double> Ratios;
  Ratios.reserve(Before.size());
  for (size_t R = 0; R < Before.size(); ++R) {
    double SA = 0, EA = 0, SB = 0, EB = 0;
    for (uint32_t I : Before[R])
      SA += double(A[I]), EA += ExpA[I];
    for (uint32_t I : After[R])
      SB += double(B[I]), EB += ExpB[I];
    Ratios.push_back(SA == 0 ? (SB == 0 ? 1.0 : std::numeric_limits<double>::infinity())
                             : (SB / EB) / (SA / EA));
  }
  std::sort(Ratios.begin(), Ratios.end());
  auto At = [&](double Q) {
    double Pos = Q * double(Ratios.size() - 1);
    size_t I = size_t(std::floor(Pos));
    size_t J = std::min(I + 1, Ratios.size() - 1);
    double F = Pos - double(I);
    if (std::isinf(Ratios[J]) || std::isinf(Ratios[I]))
      return Ratios[F > 0 ? J : I];
    return Ratios[I] + F * (Ratios[J] - Ratios[I]);
  };
  return Interval{At(Alpha / 2), At(1 - Alpha / 2)};
}

} // namespace pgoctl::verify
