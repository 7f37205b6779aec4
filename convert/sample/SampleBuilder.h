// convert/sample/SampleBuilder.h: building LLVM FunctionSamples from counts
// (internal to convert/sample/ProfData*.cpp).
//
// SampleBuilder holds the profile map being built for all binaries of one
// output and the operations both estimators share, with llvm-profgen's
// attribution semantics:
//  - addInstCounts(): an execution count per instruction becomes body samples
//    at the instruction's leaf location (the maximum over the instructions of
//    one location, after scaling by the discriminator's duplication factor),
//    and count x instruction size is added to the total samples of every
//    function of its inline stack;
//  - addCall(): a call (or tail call) into a function entry adds a call target
//    at the source's leaf location and head samples to the callee.
// ProfDataLbr.cpp and ProfDataIp.cpp turn a binary's counts into these calls.
#pragma once

#include "convert/Convert.h"
#include "binary/Symbolizer.h"

#include "llvm/ProfileData/SampleProf.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace pgoctl::convert {

/// (instruction index, execution count), sorted by index, unique.
using InstCounts = std::vector<std::pair<uint32_t, uint64_t>>;

class SampleBuilder {
public:
  llvm::sampleprof::SampleProfileMap Map;

  /// Body and total samples from per-instruction execution counts.
  void addInstCounts(Symbolizer &S, const InstCounts &Counts);
  /// A call from instruction From (nullopt: from outside the binary) to the
  /// function entry Callee (a canonical name), Count times: a call target at
  /// the source's leaf location and head samples of the callee (each can be
  /// turned off).
  void addCall(Symbolizer &S, std::optional<uint32_t> From, llvm::StringRef Callee,
               uint64_t Count, bool CallTarget = true, bool HeadSamples = true);
  /// The callee name for a branch to Addr: the canonical name of the function
  /// whose entry range starts there, or "".
  static llvm::StringRef calleeAt(const Symbolizer &S, uint64_t Addr);
  /// Drops the profiles llvm-profgen calls ambiguous (__cxx_global_var_init*,
  /// __tls_init*), top-level and inlined.
  void filterAmbiguous();

  /// Discriminator decoding (llvm-profgen's): FS discriminators are kept,
  /// others give their base discriminator and duplication factor.
  bool FSDiscriminators = false;
  uint32_t baseDiscriminator(uint32_t D) const;
  uint32_t duplicationFactor(uint32_t D) const;

private:
  llvm::sampleprof::FunctionSamples &leaf(const Symbolizer &S,
                                          llvm::ArrayRef<InlineFrame> Frames,
                                          uint64_t Total);
};

/// LBR: ranges and branches of B (ProfDataLbr.cpp).
void addLbrSamples(const BinaryProfile &B, Symbolizer &S, SampleBuilder &SB,
                   ConvertSummary &Sum);

/// IP samples (and call stacks) of binary BinaryIndex of P (ProfDataIp.cpp).
/// Function-level counts (frames without addresses, core/Profile.h) as
/// FunctionSamples with entry (head) and total counts and no body: the self
/// samples of each function, whose body the profile cannot place. Names that
/// address counts of the binary already gave are left alone.
void addFunctionCounts(const BinaryProfile &B, SampleBuilder &SB, ConvertSummary &Sum,
                       const WarningHandler &Warn);

void addIpSamples(const Profile &P, uint32_t BinaryIndex, Symbolizer &S, SampleBuilder &SB,
                  ConvertSummary &Sum, const WarningHandler &Warn);

/// An LBR-style profile of binary BinaryIndex of the IP profile P: the
/// branches and fall-through ranges of the estimator's flow (step 2) and its
/// calls (step 3), in P's address space (ProfDataIp.cpp). Ranges are each
/// block's own straight line plus one per fall-through edge. Its flow puts a
/// cost on taken jumps, so that where the samples leave a branch's direction
/// open it follows the binary's own layout (edgeProfiParams()); the block
/// counts of addIpSamples() have no such prior.
BinaryProfile estimateLbr(const Profile &P, uint32_t BinaryIndex, Symbolizer &S,
                          ConvertSummary &Sum);

/// Whether B's counts are LBR records (ranges, branches) rather than IP
/// samples: the profile's mode says so, or it has any (ProfData.cpp).
bool hasLbr(const Profile &P, const BinaryProfile &B);

/// A copy of P whose binaries in Ms that hold file offsets hold ELF vaddrs
/// (ProfData.cpp).
Profile withVaddrs(const Profile &P, llvm::ArrayRef<BinaryMatch> Ms);

} // namespace pgoctl::convert
