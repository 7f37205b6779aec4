// convert/sample/IpFlow.cpp: raw block estimates, entries from the callers and
// profi's flow over a Cfg (see IpFlow.h).
#include "convert/sample/IpFlow.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cmath>

namespace pgoctl::convert {

namespace {
/// Estimates are samples per instruction times a scale: without a usable
/// period, this.
constexpr double kDefaultScale = 100.0;

/// The event's name without its PMU and modifiers: `cycles:u` and
/// `cpu_core/cycles/u` are `cycles`.
llvm::StringRef baseEvent(const ProfileMetadata &M) {
  llvm::StringRef E = M.Event;
  if (auto [Pmu, Rest] = E.split('/'); !Rest.empty())
    E = Rest;
  return E.take_until([](char C) { return C == ':' || C == '/' || C == ','; });
}

/// Instructions retired: perf's name, and libpfm4's for Intel and AMD cores.
bool isInstructions(llvm::StringRef E) {
  return E == "instructions" || E.equals_insensitive("inst_retired") ||
         E.equals_insensitive("retired_instructions");
}

/// A clock: cpu-clock, task-clock (a period in ns).
bool isClock(llvm::StringRef E) { return E == "cpu-clock" || E == "task-clock"; }

/// Core cycles: perf's names, and libpfm4's for Intel and AMD cores.
bool isCycles(llvm::StringRef E) {
  return E == "cycles" || E == "cpu-cycles" || E == "ref-cycles" ||
         E.equals_insensitive("cpu_clk_unhalted") || E.equals_insensitive("unhalted_core_cycles") ||
         E.equals_insensitive("cycles_not_in_halt");
}
} // namespace

SampleBasis sampleBasis(const ProfileMetadata &M) {
  return isInstructions(baseEvent(M)) ? SampleBasis::Instructions : SampleBasis::Time;
}

bool samplesTime(const ProfileMetadata &M) {
  llvm::StringRef E = baseEvent(M);
  return isClock(E) || isCycles(E);
}

double countScale(const ProfileMetadata &M) {
  llvm::StringRef E = baseEvent(M);
  bool Time = isClock(E);
  bool Cycles = isCycles(E);
  bool Insts = isInstructions(E);
  if (M.SamplePeriod && (Time || Cycles || Insts))
    return double(M.SamplePeriod);
  if (M.SampleFreq && Time)
    return 1e9 / double(M.SampleFreq);
  if (M.SampleFreq && Cycles)
    return 2e9 / double(M.SampleFreq);
  return kDefaultScale;
}

/// LLVM 22's defaults for sample profiles (SampleProfileInference.cpp's
/// options), except that decreasing a block's count costs what increasing it
/// costs, not twice as much: the sample loader's counts err mostly low (a
/// line not sampled), an IP estimate errs both ways (a block after a slow
/// instruction is inflated, and pulled its loop up with it). Measurements:
/// docs/ip-estimator-history.md.
llvm::ProfiParams profiParams() {
  llvm::ProfiParams P;
  P.EvenFlowDistribution = true;
  P.RebalanceUnknown = true;
  P.JoinIslands = true;
  P.CostBlockInc = 10;
  P.CostBlockDec = 10; // LLVM: 20
  P.CostBlockEntryInc = 40;
  P.CostBlockEntryDec = 10;
  P.CostBlockZeroInc = 11;
  P.CostBlockUnknownInc = 0;
  return P;
}

/// IP samples give block counts, not which way a branch went; where they
/// leave a branch open, the compiler's layout (this binary's fall-throughs)
/// is the likely way. profi tells a fall-through by index (node K to K + 1);
/// the jumps out of an indirect jump are exempt (inferCounts()). Not used for
/// sample PGO, where the same cost made builds slower. Measurements:
/// docs/ip-estimator-history.md ("taken-jump cost").
llvm::ProfiParams edgeProfiParams() {
  llvm::ProfiParams P = profiParams();
  P.CostJumpUnknownInc = P.CostBlockInc;
  P.CostJumpUnknownFTInc = 0;
  return P;
}

namespace {
uint64_t samplesAt(const llvm::DenseMap<uint32_t, uint64_t> &Samples, uint32_t I) {
  auto It = Samples.find(I);
  return It == Samples.end() ? 0 : It->second;
}

/// Instruction K of B's class (a hand-made block without classes: Other).
unsigned skidOf(const Cfg::Block &B, uint32_t K) {
  return unsigned(K < B.Skid.size() ? B.Skid[K] : SkidClass::Other);
}
} // namespace

SkidWeights uniformSkidWeights() {
  SkidWeights W;
  W.fill(1.0);
  return W;
}

SkidWeights fitSkidWeights(llvm::ArrayRef<Cfg> Graphs,
                           const llvm::DenseMap<uint32_t, uint64_t> &Samples) {
  // The model: samples on instruction I of block B ~ Poisson(c_B x W[class
  // of I]), c_B free per block. Maximum likelihood by alternating the two:
  // c_B = samples of B / sum of its weights; W[k] = samples on class k /
  // sum of c_B over its instructions. Only blocks of two or more
  // instructions tell classes apart. Per block, only its instructions and
  // samples per class matter.
  constexpr int kMaxRounds = 50;
  constexpr double kFloor = 0.05; // no class weighs less, even one never sampled
  // Each class starts with this many samples' worth at weight 1, so that a
  // short recording, whose split is noise, keeps weights near 1.
  constexpr double kPrior = 100;
  struct PerBlock {
    double Samples = 0;
    std::array<double, kSkidClasses> Insts{};
  };
  std::vector<PerBlock> Blocks;
  std::array<double, kSkidClasses> Num{};
  for (const Cfg &G : Graphs)
    for (const Cfg::Block &B : G.Blocks) {
      if (B.End - B.Begin < 2 || B.Padding)
        continue;
      PerBlock P;
      std::array<double, kSkidClasses> S{};
      for (uint32_t I = B.Begin; I < B.End; ++I) {
        unsigned K = skidOf(B, I - B.Begin);
        double N = double(samplesAt(Samples, I));
        P.Insts[K] += 1;
        S[K] += N;
        P.Samples += N;
      }
      if (P.Samples == 0)
        continue;
      for (unsigned K = 0; K < kSkidClasses; ++K)
        Num[K] += S[K];
      Blocks.push_back(P);
    }
  double TN = 0;
  for (double N : Num)
    TN += N;
  SkidWeights W = uniformSkidWeights();
  if (TN == 0)
    return W;
  for (int Round = 0; Round < kMaxRounds; ++Round) {
    std::array<double, kSkidClasses> Den{};
    for (const PerBlock &P : Blocks) {
      double Sum = 0;
      for (unsigned K = 0; K < kSkidClasses; ++K)
        Sum += P.Insts[K] * W[K];
      double C = P.Samples / Sum;
      for (unsigned K = 0; K < kSkidClasses; ++K)
        Den[K] += C * P.Insts[K];
    }
    double TD = 0;
    for (double D : Den)
      TD += D;
    double Change = 0;
    for (unsigned K = 0; K < kSkidClasses; ++K) {
      // Normalized so that the weights average 1 over the samples.
      double New = std::max(kFloor, (Num[K] + kPrior) / (Den[K] * TN / TD + kPrior));
      Change = std::max(Change, std::abs(New - W[K]) / W[K]);
      W[K] = New;
    }
    if (Change < 1e-4)
      break;
  }
  return W;
}

double blockCount(llvm::ArrayRef<double> S, llvm::ArrayRef<double> W, double Spread) {
  double SumS = 0, SumW = 0;
  for (size_t I = 0; I < S.size(); ++I)
    SumS += S[I], SumW += W[I];
  if (SumW <= 0)
    return 0;
  if (Spread <= 0 || SumS == 0 || S.size() < 2)
    return SumS / SumW;
  // The effect z: a standard normal cut at +-kCut (the cut bounds what an
  // instruction may say, see IpFlow.h), integrated by the trapezoid rule on
  // a grid fine enough for the Poisson's width in z, 1 / (Spread x
  // sqrt(S + 1)): a coarser grid turns the likelihood of a well-sampled
  // instruction into a comb with a maximum per node.
  constexpr double kCut = 4;
  struct Grid {
    double S, LogW;
    int Nodes;
  };
  std::vector<Grid> Grids;
  for (size_t I = 0; I < S.size(); ++I) {
    if (W[I] <= 0)
      continue;
    double H = std::min(0.25, 0.25 / (Spread * std::sqrt(S[I] + 1)));
    Grids.push_back({S[I], std::log(W[I]), int(std::ceil(2 * kCut / H)) + 1});
  }
  // In θ = log(count), instruction I's term of the log-likelihood is
  // log ∫ φ(z) Poisson(S_I; μ(z)) dz, μ(z) = e^(θ + log W_I + Spread z).
  // Its first derivative is E[S_I - μ], its second Var[μ] - E[μ], under
  // the posterior of z.
  std::vector<double> LP, Mus;
  auto Derivs = [&](double Theta) {
    double D1 = 0, D2 = 0;
    for (const Grid &G : Grids) {
      double H = 2 * kCut / double(G.Nodes - 1);
      LP.resize(size_t(G.Nodes));
      Mus.resize(size_t(G.Nodes));
      double Max = -INFINITY;
      for (size_t J = 0; J < size_t(G.Nodes); ++J) {
        double Z = -kCut + H * double(J), LogMu = Theta + G.LogW + Spread * Z;
        double End = (J == 0 || J + 1 == size_t(G.Nodes)) ? std::log(0.5) : 0.0;
        Mus[J] = std::exp(LogMu);
        LP[J] = End - Z * Z / 2 + G.S * LogMu - Mus[J];
        Max = std::max(Max, LP[J]);
      }
      double Sum = 0, EMu = 0, EMu2 = 0;
      for (size_t J = 0; J < size_t(G.Nodes); ++J) {
        double P = std::exp(LP[J] - Max), Mu = Mus[J];
        Sum += P, EMu += P * Mu, EMu2 += P * Mu * Mu;
      }
      EMu /= Sum, EMu2 /= Sum;
      D1 += G.S - EMu;
      D2 += (EMu2 - EMu * EMu) - EMu;
    }
    return std::pair{D1, D2};
  };
  // The log-likelihood is concave in θ (a Poisson convolved with a
  // log-concave density), and at its maximum the instructions' E[μ] add up
  // to sum(S), so the count is within e^(+-Spread x kCut) of sum(S) /
  // sum(W): Newton inside that bracket, bisecting when a step leaves it.
  double Theta = std::log(SumS / SumW);
  double Lo = Theta - Spread * kCut - 1e-3, Hi = Theta + Spread * kCut + 1e-3;
  for (int Round = 0; Round < 100 && Hi - Lo > 1e-7; ++Round) {
    auto [D1, D2] = Derivs(Theta);
    (D1 > 0 ? Lo : Hi) = Theta;
    double Next = D2 < 0 ? Theta - D1 / D2 : (Lo + Hi) / 2;
    if (!(Next > Lo && Next < Hi))
      Next = (Lo + Hi) / 2;
    bool Done = std::abs(Next - Theta) < 1e-7;
    Theta = Next;
    if (Done)
      break;
  }
  return std::exp(Theta);
}

void setRawWeights(Cfg &G, const llvm::DenseMap<uint32_t, uint64_t> &Samples, double Scale,
                   const SkidWeights &W, double Spread) {
  std::vector<double> S, Wt;
  for (uint32_t N = 0; N < G.Blocks.size(); ++N) {
    Cfg::Block &B = G.Blocks[N];
    // Only a block that loops to itself: see kTimeSpread.
    bool OwnLoop = llvm::is_contained(B.Succs, N);
    S.clear(), Wt.clear();
    for (uint32_t I = B.Begin; I < B.End; ++I) {
      S.push_back(double(samplesAt(Samples, I)));
      Wt.push_back(W[skidOf(B, I - B.Begin)]);
    }
    B.Weight = uint64_t(std::llround(Scale * blockCount(S, Wt, OwnLoop && !B.Padding ? Spread : 0)));
  }
}

void entriesFromCallers(std::vector<Cfg> &Graphs, llvm::ArrayRef<EntryCall> Calls) {
  std::vector<uint64_t> CallIn(Graphs.size(), 0);
  for (const EntryCall &C : Calls)
    CallIn[C.Callee] += Graphs[C.Caller].Blocks[C.Block].Weight;
  for (size_t G = 0; G < Graphs.size(); ++G) {
    if (!CallIn[G] || Graphs[G].Blocks.empty())
      continue;
    uint64_t &W = Graphs[G].Blocks[Graphs[G].Entry].Weight;
    W = W ? std::min(W, CallIn[G]) : CallIn[G];
  }
}

void inferCounts(Cfg &G, const llvm::ProfiParams &Params, SampleBasis Basis) {
  size_t N = G.Blocks.size();
  if (N <= 1)
    return;
  // Node 0: a source with an unknown weight, into the entry and every other
  // block without a predecessor; node K + 1: block K; node N + 1: a sink
  // with an unknown weight after every indirect jump that reads no jump
  // table (a tail call: without the sink, flow could not leave there, and
  // the blocks before it, with no path to an exit, kept their raw
  // estimates).
  std::vector<std::vector<uint32_t>> Succs(N + 2), Preds(N + 2);
  auto AddEdge = [&](uint32_t A, uint32_t B) {
    Succs[A].push_back(B);
    Preds[B].push_back(A);
  };
  // With Basis Instructions, padding is out of the graph.
  auto Runs = [&](uint32_t K) { return !G.Blocks[K].Padding || Basis == SampleBasis::Time; };
  std::vector<bool> HasPred(N, false);
  for (uint32_t K = 0; K < N; ++K)
    for (uint32_t T : G.Blocks[K].Succs)
      HasPred[T] = HasPred[T] || Runs(K);
  AddEdge(0, G.Entry + 1);
  for (uint32_t K = 0; K < N; ++K) {
    if (!Runs(K))
      continue;
    if (!HasPred[K] && K != G.Entry)
      AddEdge(0, K + 1);
    for (uint32_t T : G.Blocks[K].Succs)
      if (Runs(T))
        AddEdge(K + 1, T + 1);
    if (G.Blocks[K].UntabledJump)
      AddEdge(K + 1, uint32_t(N + 1));
  }
  // Forward reachable from the source, backward reachable from an exit.
  std::vector<bool> Fwd(N + 2, false), Bwd(N + 2, false);
  std::vector<uint32_t> Work{0};
  Fwd[0] = true;
  while (!Work.empty()) {
    uint32_t V = Work.back();
    Work.pop_back();
    for (uint32_t T : Succs[V])
      if (!Fwd[T])
        Fwd[T] = true, Work.push_back(T);
  }
  for (uint32_t V = 1; V <= N + 1; ++V)
    if (Succs[V].empty())
      Bwd[V] = true, Work.push_back(V);
  while (!Work.empty()) {
    uint32_t V = Work.back();
    Work.pop_back();
    for (uint32_t P : Preds[V])
      if (!Bwd[P])
        Bwd[P] = true, Work.push_back(P);
  }
  if (!Fwd[0] || !Bwd[0])
    return;
  std::vector<int64_t> Index(N + 2, -1);
  llvm::FlowFunction Func;
  for (uint32_t V = 0; V <= N + 1; ++V) {
    if (!Fwd[V] || !Bwd[V])
      continue;
    Index[V] = int64_t(Func.Blocks.size());
    llvm::FlowBlock B;
    B.Index = Func.Blocks.size();
    if (V > 0 && V <= N) {
      B.Weight = G.Blocks[V - 1].Weight;
      B.HasUnknownWeight = false;
    }
    Func.Blocks.push_back(B);
  }
  bool HasSamples = false;
  for (const llvm::FlowBlock &B : Func.Blocks)
    HasSamples |= B.Weight > 0;
  if (!HasSamples || Func.Blocks.size() <= 2)
    return;
  // With a cost on taken jumps (edgeProfiParams()), the jumps out of an
  // indirect jump are exempt: they have no fall-through to weigh against,
  // and profi, which tells a fall-through by index, would take a table
  // target placed right after the `jmp *` for one and send all of the
  // table's flow there. They get a known weight of 1, which profi's jump
  // costs for known weights (CostJumpInc/Dec, all 0 here) leave free to rise
  // or fall to 0.
  bool TakenCosts = Params.CostJumpUnknownInc != Params.CostJumpUnknownFTInc;
  for (uint32_t V = 0; V <= N + 1; ++V)
    if (Index[V] >= 0)
      for (uint32_t T : Succs[V])
        if (Index[T] >= 0) {
          llvm::FlowJump J;
          J.Source = uint64_t(Index[V]);
          J.Target = uint64_t(Index[T]);
          // Into a block without samples that ends in a call that never
          // returns: flow there only when nothing else can carry it (such
          // a block is an exit, the cheapest place to drop the excess of
          // an inflated block before it).
          J.IsUnlikely = T <= N && G.Blocks[T - 1].EndsInNoReturn && G.Blocks[T - 1].Weight == 0;
          if (TakenCosts && V >= 1 && V <= N &&
              (G.Blocks[V - 1].TableKnown || G.Blocks[V - 1].UntabledJump)) {
            J.HasUnknownWeight = false;
            J.Weight = 1;
          }
          Func.Jumps.push_back(J);
        }
  for (llvm::FlowJump &J : Func.Jumps) {
    Func.Blocks[J.Source].SuccJumps.push_back(&J);
    Func.Blocks[J.Target].PredJumps.push_back(&J);
  }
  Func.Entry = 0;
  llvm::applyFlowInference(Params, Func);
  for (uint32_t K = 0; K < N; ++K)
    if (Index[K + 1] >= 0)
      G.Blocks[K].Weight = Func.Blocks[size_t(Index[K + 1])].Flow;
  // Edge flows, for the edge profile (estimateLbr).
  for (uint32_t K = 0; K < N; ++K)
    G.Blocks[K].SuccFlow.assign(G.Blocks[K].Succs.size(), 0);
  std::vector<int64_t> BlockOfNode(Func.Blocks.size(), -1);
  for (uint32_t K = 0; K < N; ++K)
    if (Index[K + 1] >= 0)
      BlockOfNode[size_t(Index[K + 1])] = K;
  for (const llvm::FlowJump &J : Func.Jumps) {
    int64_t K = BlockOfNode[J.Source];
    if (K < 0)
      continue;
    Cfg::Block &B = G.Blocks[size_t(K)];
    for (size_t E = 0; E < B.Succs.size(); ++E)
      if (Index[B.Succs[E] + 1] == int64_t(J.Target)) {
        B.SuccFlow[E] += J.Flow;
        break;
      }
  }
}

InstCounts instCounts(llvm::ArrayRef<Cfg> Graphs) {
  InstCounts Out;
  for (const Cfg &G : Graphs)
    for (const Cfg::Block &B : G.Blocks)
      for (uint32_t I = B.Begin; I < B.End; ++I)
        Out.emplace_back(I, B.Weight);
  llvm::sort(Out);
  Out.erase(std::unique(Out.begin(), Out.end(),
                        [](const auto &A, const auto &B) { return A.first == B.first; }),
            Out.end());
  return Out;
}

} // namespace pgoctl::convert
