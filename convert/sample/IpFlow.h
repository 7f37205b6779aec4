// convert/sample/IpFlow.h: the IP estimator's block and edge counts (steps 2a
// and 2 of ProfDataIp.cpp).
//
// A block's raw estimate is its IP samples divided by its number of
// instructions, times countScale() (the instructions retired per sample
// period), so estimates are execution counts; for time samples each
// instruction counts by what retires before it (fitSkidWeights), and no
// single slow one carries a block that loops to itself (blockCount). Step 2a: a
// direct call or tail jump into a function runs its entry block once, so the
// callers' call blocks estimate the entry count too; the entry takes that
// where it has no sample, else the smaller of the two (a slow instruction
// only ever inflates a block). Step 2: LLVM's profile inference (profi, a
// minimum-cost flow) makes the estimates consistent: every block's count
// becomes the sum of its incoming and of its outgoing edge flows, changing
// the raw estimates as little as it can. Everything here works on Cfg (IpCfg.h) alone, so a test
// can give it a hand-made graph.
#pragma once

#include "convert/sample/IpCfg.h"
#include "convert/sample/SampleBuilder.h"

#include "llvm/Transforms/Utils/SampleProfileInference.h"

#include <array>

namespace pgoctl::convert {

/// Instructions retired per sample period: an `instructions` event's period;
/// a time event (cpu-clock, task-clock: a period in ns, or 1e9 / frequency)
/// or core cycles (perf's `cycles`, `cpu-cycles`, `ref-cycles`, libpfm4's
/// names; frequency mode taken as a 2 GHz clock) at a nominal one
/// instruction per ns or cycle; else 100.
double countScale(const ProfileMetadata &M);

/// What a sample's chance of landing on an instruction follows: how many
/// times it retires (an `instructions` event), or how long it takes (time,
/// cycles, and an unknown event).
enum class SampleBasis { Time, Instructions };
SampleBasis sampleBasis(const ProfileMetadata &M);
/// Whether the event is known to sample time (cpu-clock, task-clock,
/// cycles): where fitSkidWeights applies. An unnamed event (perf script
/// text without it) is not.
bool samplesTime(const ProfileMetadata &M);

/// profi's parameters for sample PGO block counts.
llvm::ProfiParams profiParams();
/// profi's parameters for BOLT's edges (estimateLbr): as profiParams(), and
/// flow on a taken jump costs what a unit of change in a block's count costs,
/// so that where the samples leave a branch open the binary's layout decides.
llvm::ProfiParams edgeProfiParams();

/// How much time a sample on an instruction stands for, per SkidClass
/// (IpCfg.h), relative to an instruction of average weight.
using SkidWeights = std::array<double, kSkidClasses>;
/// Every class 1: samples that follow instruction counts.
SkidWeights uniformSkidWeights();
/// Time samples (samplesTime()): the weights that explain the samples best,
/// fitted on the recording itself. Within a block every instruction runs as
/// often, so how a block's samples split over its instructions measures the
/// classes (a Poisson model with a free count per block; each class starts
/// with 100 samples' worth at weight 1; none is under 0.05). On kvsvc, lz4
/// and brotli recordings the instruction after a move from memory weighs
/// 2.2-3.5 and one after an arithmetic instruction about 0.6, close to what
/// the exact counts of the same runs say (docs/ip-estimator-history.md,
/// "Skid classes").
SkidWeights fitSkidWeights(llvm::ArrayRef<Cfg> Graphs,
                           const llvm::DenseMap<uint32_t, uint64_t> &Samples);

/// Each block's raw estimate: round(Scale x blockCount(its instructions'
/// samples, their weights, Spread)), from samples per instruction index;
/// with uniform weights and Spread 0, samples per instruction. Spread
/// applies only to a block that is its own successor (kTimeSpread), not to
/// padding.
void setRawWeights(Cfg &G, const llvm::DenseMap<uint32_t, uint64_t> &Samples, double Scale,
                   const SkidWeights &W = uniformSkidWeights(), double Spread = 0);

/// How far one instruction's time strays from its class's weight, for time
/// samples (blockCount), in a block that loops to itself. Within a class, a
/// load that misses the cache and one that hits differ several times over,
/// so one slow instruction can carry its block (lz4's `LZ4_wildCopy8` loop:
/// one store after a load holds 693 of 721 samples). Such a loop's trip
/// count rests on its own samples alone: the flow has no neighbour to check
/// it against. Other blocks keep the sum: there the instructions in a slow
/// one's shadow look the same as a slow one's lone samples, and the bound
/// measured worse (docs/ip-estimator-history.md, "One slow instruction" and
/// "One-block loops"). With 0.3 an instruction weighs from 0.30 to 3.3
/// times its class (e^(+-4 x 0.3)).
constexpr double kTimeSpread = 0.3;

/// A block's count, in samples per unit of weight, from its instructions'
/// samples S and weights W. Spread 0, or a single instruction: sum(S) /
/// sum(W). Else the maximum-likelihood count when instruction I's samples
/// are Poisson with mean count x W[I] x e^(Spread x z_I), z_I standard
/// normal cut at +-4: each instruction allows counts within e^(+-4 x
/// Spread) of what it says alone, and where they cannot all be met, the
/// count settles between the bounds instead of following the instruction
/// with the most samples.
double blockCount(llvm::ArrayRef<double> S, llvm::ArrayRef<double> W, double Spread);

/// A direct call (or tail jump) from block Block of graph Caller into the
/// entry of graph Callee.
struct EntryCall {
  uint32_t Caller = 0, Block = 0, Callee = 0;
};

/// Step 2a: each callee's entry block takes the sum of its calling blocks'
/// raw estimates when it has no sample, else the smaller of the two.
void entriesFromCallers(std::vector<Cfg> &Graphs, llvm::ArrayRef<EntryCall> Calls);

/// Step 2: consistent block counts (Weight) and edge flows (SuccFlow) by
/// profi. Flow enters at the entry and at blocks without a predecessor, and
/// leaves at blocks without successors and after indirect jumps whose table
/// was not read. Blocks off every entry-to-exit path keep their raw estimate;
/// a graph of one block, or without any sample, is left as it is.
///
/// Alignment padding (IpCfg.h) never runs. With Basis Instructions it gets
/// no flow, so a loop's flow must come through the function's entry. With
/// Time, flow may enter at padding as at other blocks without a predecessor:
/// the loop after it may then take flow that its entry path does not carry.
/// That is wrong, and it measures better for time samples, whose estimates
/// of a loop's exits are inflated where its entry path has next to no
/// samples: forced through the entry, the flow lowers hot code instead
/// (brotli quality 11: 43% of instrumented PGO's gain against 71%; lz4
/// compress with ideal instruction samples: 101% against 79%;
/// docs/ip-estimator-history.md, "Padding").
void inferCounts(Cfg &G, const llvm::ProfiParams &Params,
                 SampleBasis Basis = SampleBasis::Instructions);

/// Every instruction's count: its block's (sorted by index, unique).
InstCounts instCounts(llvm::ArrayRef<Cfg> Graphs);

} // namespace pgoctl::convert
