// verify/Statistics.h: the sampling model behind verify's intervals.
//
// Model. A sampling profiler fires at a fixed period (or frequency), so the
// number of samples a function collects in a window is a count of rare
// independent events: Poisson, with mean proportional to the function's cost
// rate times the exposure of the window (the work done divided by the cost of
// one sample; or, without work counts, the window's total samples). Given the
// total n = a + b of a function's samples before (a) and after (b), b is
// Binomial(n, p) with p = rho / (rho + K), rho the ratio of the after to the
// before cost per unit of work and K = exposure_before / exposure_after. An
// exact (Clopper-Pearson) interval for p thus gives an exact interval for rho
// without any normal approximation, which matters for the small counts of
// cold functions: the conditional exact test for two Poisson rates. The model
// covers the sampling noise only; run-to-run noise of the machine is what the
// bootstrap over several input profiles per side measures, and what the
// minimum effect guards against when there is one profile per side.
//
// Multiple comparisons: verify tests many functions at once; the intervals
// are Bonferroni-adjusted (level 1 - alpha/m for m tests), so the chance that
// any unchanged function is flagged stays at most alpha.
#pragma once

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace pgoctl::verify {

/// A two-sided interval for a ratio (after / before); Hi may be +infinity.
struct Interval {
  double Lo = 0, Hi = std::numeric_limits<double>::infinity();
  bool contains(double X) const { return Lo <= X && X <= Hi; }
};

/// The standard normal quantile (bisection on std::erfc; 1e-12 absolute).
double normalQuantile(double P);
/// The regularized incomplete beta function I_x(a, b).
double incompleteBeta(double A, double B, double X);
/// The x with I_x(a, b) = P (bisection; 1e-13 absolute).
double betaQuantile(double P, double A, double B);

/// Clopper-Pearson interval of a binomial proportion: K successes of N.
Interval clopperPearson(uint64_t K, uint64_t N, double Alpha);

/// Exact conditional interval of rho = (B / expB) / (A / expA), where A and B
/// are Poisson counts with exposures ExpA and ExpB, at level 1 - Alpha.
Interval poissonRatioInterval(uint64_t A, uint64_t B, double ExpA, double ExpB,
                              double Alpha);

/// The point estimate of rho (infinity when A == 0 < B, 1 when both are 0).
double poissonRatio(uint64_t A, uint64_t B, double ExpA, double ExpB);

/// How many times the present samples (both sides) a function needs for its
/// interval to tell a change of MinEffect (a fraction, e.g. 0.05) from none
/// with 80% power at the two-sided level Alpha; from the delta-method
/// variance of the log ratio, 1/a + 1/b (a zero count taken as 0.5).
double samplesFactorNeeded(uint64_t A, uint64_t B, double MinEffect, double Alpha);

/// Percentile bootstrap over the input profiles of each side. Resamples are
/// drawn once (seeded: reproducible) and reused for every function, so the
/// functions' intervals come from the same resampled windows.
///
/// Paired: before profile i and after profile i were recorded at the same time
/// (side by side, on the same hosts), so a replicate draws pairs: the same
/// indices on both sides. What the machine did to both halves of a pair
/// (co-tenants, frequency) then cancels in the ratio instead of widening it.
class ProfileBootstrap {
public:
  ProfileBootstrap(unsigned NumBefore, unsigned NumAfter, unsigned Replicates, uint64_t Seed,
                   bool Paired = false);
  bool enabled() const { return !Before.empty(); }
  /// Interval of sum(B)/sum(ExpB) / (sum(A)/sum(ExpA)) over the resamples.
  Interval interval(const std::vector<uint64_t> &A, const std::vector<double> &ExpA,
                    const std::vector<uint64_t> &B, const std::vector<double> &ExpB,
                    double Alpha) const;

private:
  std::vector<std::vector<uint32_t>> Before, After; ///< per replicate: drawn indices
};

} // namespace pgoctl::verify
