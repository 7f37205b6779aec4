// convert/sample/IpCalls.h: the IP estimator's call-site targets and counts
// (step 3 of ProfDataIp.cpp).
//
// A direct call's target gets the call's block count. Indirect calls are
// resolved with the call chains: for each (callee frame, caller frame) pair
// of a stack, the caller's return address gives the call instruction, the
// callee frame's function the target (chainTargets(); a leaf sample taken
// before its function set up its frame is skipped, and a chain that skipped
// an indirect tail call's frame is credited to that tail jump). Stack samples
// measure time below a call site, not calls, so the calls into a target T are
// its entry count spread over T's call sites by their stack samples, and an
// indirect call's count is split among its targets in proportion
// (callWeights(), splitCount()). An indirect call at line 0 (several call
// sites the compiler tail-merged into one) records its targets at its call
// sites instead: the predecessors of its block, each with its edge's flow
// (predecessorFlows()). The arithmetic works on plain values and a Cfg, so a
// test can drive it without a binary.
#pragma once

#include "convert/sample/IpCfg.h"
#include "convert/sample/SampleBuilder.h"

#include "llvm/ADT/StringMap.h"

#include <map>
#include <utility>
#include <vector>

namespace pgoctl::convert {

/// Per call instruction (or indirect tail jump), stack samples per callee
/// (canonical name); and each such callee's entry address.
struct ChainTargets {
  std::map<uint32_t, std::map<llvm::StringRef, uint64_t>> PerCall;
  llvm::StringMap<uint64_t> EntryAddr;
};

/// The call-chain pairs of binary BinaryIndex of P, by call instruction.
ChainTargets chainTargets(const Profile &P, uint32_t BinaryIndex, const Symbolizer &S);

/// One estimated call: instruction Inst (a call, or an indirect tail jump)
/// into the function Callee (canonical name) at address Target, Count times;
/// the profile records it at the source location of instruction Loc (Inst,
/// unless Inst's line is 0).
struct CallCount {
  uint32_t Inst, Loc;
  llvm::StringRef Callee;
  uint64_t Target, Count;
};

/// An indirect call's targets with their weights: calls(C, T) = entry(T) x
/// chains(C, T) / chains(*, T), where entry(T) is at least 1.
std::vector<std::pair<llvm::StringRef, double>>
callWeights(const std::map<llvm::StringRef, uint64_t> &ChainsHere,
            const llvm::StringMap<uint64_t> &Entry, const llvm::StringMap<uint64_t> &ChainsTo);

/// Count split in proportion to Weights (rounded; zero shares dropped).
std::vector<std::pair<llvm::StringRef, uint64_t>>
splitCount(uint64_t Count, llvm::ArrayRef<std::pair<llvm::StringRef, double>> Weights);

/// The blocks of G with flow into block Target: (block, flow of the edge).
std::vector<std::pair<uint32_t, uint64_t>> predecessorFlows(const Cfg &G, uint32_t Target);

/// Every call's estimated count over the estimator's graphs and instruction
/// counts (IpFlow.h); counts the indirect calls' flow into
/// Sum.BranchesAttributed.
std::vector<CallCount> callCounts(Symbolizer &S, llvm::ArrayRef<Cfg> Graphs,
                                  const InstCounts &Counts, const ChainTargets &Chains,
                                  ConvertSummary &Sum);

} // namespace pgoctl::convert
