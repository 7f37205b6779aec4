// convert/bolt/Fdata.cpp: BOLT .fdata (LBR and no_lbr) and BOLT's pre-aggregated
// input, from a pgoctl profile and the ELF (BoltBinary.h gives BOLT's view of
// the ELF: functions, names, basic blocks).
//
// What perf2bolt 22 (`/usr/lib/llvm-22/bin/perf2bolt`, aggregate-only mode)
// writes, found by running it on lbr-emu and cpu-clock recordings of our own
// programs and by reading BOLT's DataAggregator / RewriteInstance /
// BinaryFunction sources:
//
// LBR mode. Each perf sample's branch stack becomes traces (branch, from, to):
// an entry (branch -> from) plus the fall-through up to the next newer entry's
// source `to` (none for the newest entry). pgoctl's profile holds the same
// counts aggregated: taken branches (from, to) and traces (branch, begin, end).
//   - Every taken branch whose source is not a `ret` (by disassembly) is one
//     line `1 F off 1 G off mispreds count` with function-relative hex
//     offsets. A branch inside one function to a nonzero offset is intra;
//     any other is inter (calls, returns from external code, recursion).
//     An end outside every function is written `0 [unknown] 0`. Returns are
//     not written at all.
//   - A trace's fall-through (begin, end) inside one function F is walked
//     over F's basic blocks in address order, from the block holding begin
//     to the block holding end; each step needs the next block to be a
//     successor, and writes `1 F <offset of the block's last instruction> 1 F
//     <offset of the next block> 0 count` (ranges inside one block give
//     nothing). When the trace's branch is outside F and begin starts a block
//     after a call block that falls into it, the walk starts at the call's
//     block (BOLT's "return to the block after the call"); BOLT also skips
//     that for secondary entry points and landing pads, which BoltBinary
//     does not model (C code has neither). Profiles without traces (.pgoprof
//     version 1) have ranges only: there the split between "from outside"
//     and "from inside" is taken from the taken branches into begin, an
//     estimate when both kinds reach it (counted in the summary).
//   - Ranges crossing functions, outside any function, in functions without
//     a CFG (bytes that do not decode), or contradicting the CFG are dropped
//     (perf2bolt: "traces mismatching disassembled function contents" and
//     "out of range traces"). Ranges in PLT entries are valid but give no
//     edges.
//   - Lines are grouped per function in no particular order; counts of equal
//     (from, to) are summed (a fall-through edge and a taken branch with the
//     same ends share one line).
// no_lbr mode (`perf2bolt -nl`): a header `no_lbr <event>:` (the event as
// `perf script` prints it), then `1 F off count` per sampled address inside a
// function (the function's max size counts: up to the next symbol).
// Names: the symbol table's mangled names; locals get `/N` (N numbers equal
// local names in address order: `foo/1`, `foo/2`), `.L` names get a `PG`
// prefix, PLT entries are `sym@PLT`, the PLT header `__BOLT_PSEUDO_.plt`;
// spaces and backslashes are escaped with a backslash.
// Pre-aggregated input (`perf2bolt --pa`): one record per line, addresses in
// plain hex ELF virtual addresses (0 for an end outside the binary):
// `B from to count mispreds` (a taken branch, no fall-through), `F begin end
// count` (a fall-through whose branch is inside the function), `f begin end
// count` (branch from outside, not a return), `r begin end count` (a return
// from another function), `S addr count` (IP sample, read with `--ba`), `E
// event`. The writer emits B for every branch, F/f/r for traces and, for IP
// profiles, E and S; perf2bolt --pa on it gives the same .fdata as
// writeFdata. BOLT 22 also reads `T branch from to count` (a whole trace),
// but T has no misprediction count, so branches go as B and fall-throughs
// by kind.
#include "convert/bolt/Fdata.h"
#include "core/Warn.h"
#include "binary/ElfFile.h"
#include "convert/bolt/BoltBinary.h"
#include "convert/sample/SampleBuilder.h"
#include "core/Support.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"

#include <cmath>
#include <map>
#include <set>
#include <tuple>

namespace pgoctl::convert {
namespace {

using bolt::BoltBinary;
using bolt::Function;

constexpr uint32_t kNoFunc = ~uint32_t(0);

/// One .fdata line's key: (from function, from offset, to function, to offset);
/// kNoFunc for `[unknown]`.
using EdgeKey = std::tuple<uint32_t, uint64_t, uint32_t, uint64_t>;
struct EdgeVal {
  uint64_t Count = 0, Mispreds = 0;
};

/// The profile's addresses as ELF vaddrs (file offsets converted through the
/// binary's segments); kExternalAddress stays, unconvertible ones become it.
struct AddressMapper {
  const BinaryProfile &BP;
  const BinaryMatch &M;
  uint64_t Unconvertible = 0;
  uint64_t operator()(uint64_t A) {
    if (A == kExternalAddress || BP.Space == AddressSpace::ElfVaddr)
      return A;
    llvm::ArrayRef<LoadSegment> Segs = M.Elf.Segments.empty()
                                           ? llvm::ArrayRef<LoadSegment>(BP.Segments)
                                           : llvm::ArrayRef<LoadSegment>(M.Elf.Segments);
    if (std::optional<uint64_t> V = fileOffsetToVaddr(Segs, A))
      return *V;
    ++Unconvertible;
    return kExternalAddress;
  }
};

std::string hex(uint64_t V) { return llvm::utohexstr(V, /*LowerCase=*/true); }

/// How a fall-through reaches perf2bolt's pre-aggregated input: `F` (the
/// branch that began it is inside the function: no return adjustment), `f`
/// (from outside, not a return), `r` (a return from another function of the
/// binary). The letters are BOLT's record types.
enum class FtKind : char { Inside = 'F', Outside = 'f', Return = 'r' };

/// Everything the LBR writers need, computed once.
struct LbrAnalysis {
  std::map<EdgeKey, EdgeVal> Edges;
  /// Fall-through records for preagg, by (begin, end, kind).
  std::map<std::tuple<uint64_t, uint64_t, FtKind>, uint64_t> FallThroughs;
  uint64_t BranchRecords = 0, BranchesWritten = 0, Returns = 0, BranchesOutside = 0;
  uint64_t RangeRecords = 0, RangesUsed = 0, RangesOutside = 0, RangesCrossing = 0,
           RangesNoCfg = 0, RangesMismatch = 0, RangesEstimated = 0, RangesInPlt = 0;
};

uint32_t indexOf(const BoltBinary &Bin, const Function *F) {
  return F ? uint32_t(F - Bin.functions().data()) : kNoFunc;
}

/// A fall-through range on the CFG: its function and the blocks holding its
/// begin and end, or the reason it gives no edges (perf2bolt's "out of range"
/// and "mismatching" traces).
struct RangeWalk {
  enum Status { Ok, Outside, Crossing, InPlt, NoCfg, Mismatch } St = Outside;
  Function *F = nullptr;
  size_t FromIdx = 0, ToIdx = 0;
};

RangeWalk locateRange(BoltBinary &Bin, uint64_t Begin, uint64_t End) {
  RangeWalk W;
  W.F = Begin == kExternalAddress ? nullptr : Bin.functionAt(Begin);
  Function *G = End == kExternalAddress ? nullptr : Bin.functionAt(End);
  if (!W.F || !G)
    return W;
  W.St = W.F != G ? RangeWalk::Crossing
         : W.F->Pseudo ? RangeWalk::InPlt
         : !Bin.cfg(*W.F) ? RangeWalk::NoCfg
                          : RangeWalk::Ok;
  if (W.St != RangeWalk::Ok)
    return W;
  uint64_t B = Begin - W.F->Address, E = End - W.F->Address;
  const bolt::BasicBlock *FromBB = W.F->blockContaining(B), *ToBB = W.F->blockContaining(E);
  if (B > E || !FromBB || !ToBB) {
    W.St = RangeWalk::Mismatch;
    return W;
  }
  W.FromIdx = size_t(FromBB - W.F->Blocks.data());
  W.ToIdx = size_t(ToBB - W.F->Blocks.data());
  return W;
}

/// Counts a range that gives no edges under its reason.
void countUnwalked(LbrAnalysis &R, RangeWalk::Status St, uint64_t Count) {
  switch (St) {
  case RangeWalk::Outside:
    R.RangesOutside += Count;
    break;
  case RangeWalk::Crossing:
    R.RangesCrossing += Count;
    break;
  case RangeWalk::InPlt:
    R.RangesInPlt += Count;
    break;
  case RangeWalk::NoCfg:
    R.RangesNoCfg += Count;
    break;
  case RangeWalk::Mismatch:
  case RangeWalk::Ok:
    R.RangesMismatch += Count;
    break;
  }
}

/// perf2bolt's walk from block Start to W's last block: one fall-through edge
/// per step, all or nothing (a step to a block that is no successor makes the
/// whole range a mismatch).
void walkBlocks(LbrAnalysis &R, BoltBinary &Bin, const RangeWalk &W, size_t Start,
                uint64_t Count) {
  if (!Count)
    return;
  const Function &F = *W.F;
  for (size_t K = Start; K < W.ToIdx; ++K)
    if (!F.Blocks[K].NextIsSucc) {
      R.RangesMismatch += Count;
      return;
    }
  uint32_t FI = indexOf(Bin, &F);
  for (size_t K = Start; K < W.ToIdx; ++K)
    R.Edges[{FI, F.Blocks[K].LastInsn, FI, F.Blocks[K + 1].Offset}].Count += Count;
  R.RangesUsed += Count;
}

/// True when a range that starts at W's first block and was entered from
/// outside the function (of kind Kind) starts at the previous block instead:
/// it begins a block right after a call block that falls into it, and is a
/// return (not to the function's start) or another branch that does not
/// enter the function (BOLT: "return to the block after the call").
bool startsAtCall(const RangeWalk &W, uint64_t Begin, FtKind Kind) {
  const Function &F = *W.F;
  if (Kind == FtKind::Inside || W.FromIdx == 0 || Begin - F.Address != F.Blocks[W.FromIdx].Offset)
    return false;
  const bolt::BasicBlock &Prev = F.Blocks[W.FromIdx - 1];
  return Prev.NextIsSucc && Prev.EndsInCall;
}

/// The kind of a trace's branch, as perf2bolt classifies it.
FtKind traceKind(BoltBinary &Bin, const Function *F, uint64_t Branch) {
  if (F && Branch != kExternalAddress && F->contains(Branch))
    return FtKind::Inside;
  if (Branch != kExternalAddress && Bin.isReturn(Branch))
    return FtKind::Return;
  return FtKind::Outside;
}

LbrAnalysis analyzeLbr(const BinaryProfile &BP, BoltBinary &Bin, AddressMapper &Map) {
  LbrAnalysis R;
  for (const BranchCount &B : BP.Branches) {
    uint64_t From = Map(B.From), To = Map(B.To);
    R.BranchRecords += B.Count;
    Function *FF = From == kExternalAddress ? nullptr : Bin.functionAt(From);
    Function *TF = To == kExternalAddress ? nullptr : Bin.functionAt(To);
    if (!FF && !TF) {
      R.BranchesOutside += B.Count;
      continue;
    }
    if (FF && Bin.isReturn(From)) {
      R.Returns += B.Count;
      continue;
    }
    uint64_t FromOff = FF ? From - FF->Address : 0, ToOff = TF ? To - TF->Address : 0;
    EdgeVal &V = R.Edges[{indexOf(Bin, FF), FromOff, indexOf(Bin, TF), ToOff}];
    V.Count += B.Count;
    V.Mispreds += B.Mispreds;
    R.BranchesWritten += B.Count;
  }

  // Traces: each range with the branch that began it, so the return
  // adjustment is exact. Every trace goes to the pre-aggregated output
  // (perf2bolt judges it again) unless an end is not in the binary.
  for (const TraceCount &T : BP.Traces) {
    uint64_t Begin = Map(T.Begin), End = Map(T.End), Branch = Map(T.Branch);
    R.RangeRecords += T.Count;
    RangeWalk W = locateRange(Bin, Begin, End);
    FtKind Kind = traceKind(Bin, W.F, Branch);
    if (Begin != kExternalAddress && End != kExternalAddress)
      R.FallThroughs[{Begin, End, Kind}] += T.Count;
    if (W.St != RangeWalk::Ok) {
      countUnwalked(R, W.St, T.Count);
      continue;
    }
    walkBlocks(R, Bin, W, W.FromIdx - (startsAtCall(W, Begin, Kind) ? 1 : 0), T.Count);
  }

  // Ranges without traces (profiles from before traces were kept): the
  // branch is not known, so ranges at a block after a call are split by the
  // taken branches into the block, from inside the function vs from outside;
  // exact when only one kind reaches it, else in proportion to their counts.
  std::vector<RangeCount> Untraced = BP.untracedRanges();
  llvm::DenseMap<uint64_t, std::pair<uint64_t, uint64_t>> Into;
  if (!Untraced.empty())
    for (const BranchCount &B : BP.Branches) {
      uint64_t From = Map(B.From), To = Map(B.To);
      Function *TF = To == kExternalAddress ? nullptr : Bin.functionAt(To);
      if (TF) {
        auto &IO = Into[To];
        (TF->contains(From) ? IO.first : IO.second) += B.Count;
      }
    }
  llvm::DenseMap<uint64_t, uint64_t> SeenFrom; // range records so far, by begin
  for (const RangeCount &Rg : Untraced) {
    uint64_t Begin = Map(Rg.Begin), End = Map(Rg.End);
    R.RangeRecords += Rg.Count;
    RangeWalk W = locateRange(Bin, Begin, End);
    if (W.St != RangeWalk::Ok) {
      if (Begin != kExternalAddress && End != kExternalAddress)
        R.FallThroughs[{Begin, End, FtKind::Inside}] += Rg.Count;
      countUnwalked(R, W.St, Rg.Count);
      continue;
    }
    uint64_t Outside = 0;
    if (startsAtCall(W, Begin, FtKind::Outside)) {
      auto It = Into.find(Begin);
      uint64_t In = It == Into.end() ? 0 : It->second.first;
      uint64_t Out = It == Into.end() ? 0 : It->second.second;
      if (Out && !In)
        Outside = Rg.Count;
      else if (Out && In) {
        // Telescoping shares of the running total of ranges from Begin, so
        // the call block's edge gets round(total * share) (ranges are
        // sorted by Begin).
        double Share = double(Out) / double(In + Out);
        uint64_t &Seen = SeenFrom[Begin];
        Outside = uint64_t(std::llround(double(Seen + Rg.Count) * Share)) -
                  uint64_t(std::llround(double(Seen) * Share));
        Seen += Rg.Count;
        R.RangesEstimated += Rg.Count;
      }
    }
    walkBlocks(R, Bin, W, W.FromIdx - 1, Outside);
    walkBlocks(R, Bin, W, W.FromIdx, Rg.Count - Outside);
    if (Rg.Count - Outside)
      R.FallThroughs[{Begin, End, FtKind::Inside}] += Rg.Count - Outside;
    if (Outside)
      R.FallThroughs[{Begin, End, FtKind::Outside}] += Outside;
  }
  return R;
}

void writeLocation(llvm::raw_ostream &OS, const BoltBinary &Bin, uint32_t F, uint64_t Off) {
  if (F == kNoFunc)
    OS << "0 [unknown] 0 ";
  else
    OS << "1 " << Bin.functions()[F].Name << ' ' << hex(Off) << ' ';
}

std::string pct(uint64_t N, uint64_t D) {
  return D ? llvm::formatv("{0:f1}%", 100.0 * double(N) / double(D)).str() : "0%";
}

void summarizeLbr(const LbrAnalysis &R, ConvertSummary &Sum, const WarningHandler &Warn) {
  Sum.Samples += R.BranchRecords;
  Sum.SamplesAttributed += R.BranchesWritten;
  Sum.Branches += R.RangeRecords;
  Sum.BranchesAttributed += R.RangesUsed + R.RangesInPlt;
  auto drop = [&](uint64_t N, const char *What) {
    if (N)
      Sum.Dropped.push_back(llvm::formatv("{0} {1}", N, What).str());
  };
  drop(R.Returns, "taken-branch records from return instructions (BOLT ignores returns)");
  drop(R.BranchesOutside, "taken-branch records with both ends outside any function");
  drop(R.RangesOutside, "fall-through range records outside any function");
  drop(R.RangesCrossing, "fall-through range records crossing functions");
  drop(R.RangesNoCfg, "fall-through range records in functions that do not disassemble");
  drop(R.RangesMismatch, "fall-through range records contradicting the disassembled code");
  if (R.RangesEstimated)
    warnTo(Warn, llvm::formatv("{0} fall-through range records start after a call at a block "
                               "also reached from inside the function: their return part is "
                               "estimated in proportion to branch counts, since the profile has "
                               "no traces of them (a .pgoprof from before version 2, or "
                               "inferred edges; importing the perf.data again keeps the branch "
                               "that began each range, as perf2bolt does)",
                               R.RangesEstimated)
                     .str());
}

const BinaryProfile &binaryOf(const BinaryMatch &B) { return *B.Profile; }

} // namespace

llvm::Error writeFdata(const Profile &P, const BinaryMatch &B, const FdataOptions &Opts,
                       llvm::raw_ostream &OS, ConvertSummary &Sum) {
  const BinaryProfile &BP = binaryOf(B);
  // One opened ELF for BOLT's view and, with --infer-edges, the Symbolizer.
  llvm::Expected<std::shared_ptr<const binary::ElfFile>> Elf = binary::ElfFile::open(B.ElfPath);
  if (!Elf)
    return Elf.takeError();
  llvm::Expected<std::unique_ptr<BoltBinary>> BinOr = BoltBinary::load(*Elf);
  if (!BinOr)
    return BinOr.takeError();
  BoltBinary &Bin = **BinOr;
  std::set<uint32_t> Covered;

  bool NoLbr = Opts.NoLbr || P.Meta.Mode != ProfileMode::Lbr;
  // --infer-edges: the IP estimator's edges stand in for LBR records.
  std::optional<BinaryProfile> Inferred;
  if (Opts.InferEdges && (Opts.NoLbr || P.Meta.Mode == ProfileMode::Lbr))
    warnTo(Opts.Warn, Opts.NoLbr ? "--infer-edges is ignored with --no-lbr"
                                 : "--infer-edges is ignored: the profile has LBR "
                                   "branch records, written as they are");
  if (NoLbr && !Opts.NoLbr && Opts.InferEdges) {
    Profile Q = withVaddrs(P, llvm::ArrayRef<BinaryMatch>(B));
    SymbolizerOptions SO;
    SO.Warn = Opts.Warn;
    llvm::Expected<std::unique_ptr<Symbolizer>> S = Symbolizer::create(*Elf, SO);
    if (!S)
      return S.takeError();
    uint32_t Idx = uint32_t(B.Profile - P.Binaries.data());
    Inferred = estimateLbr(Q, Idx, **S, Sum);
    NoLbr = false;
  }
  const BinaryProfile &Src = Inferred ? *Inferred : BP;
  AddressMapper Map{Src, B};
  if (NoLbr) {
    std::map<std::pair<uint32_t, uint64_t>, uint64_t> Hits;
    SaturatingCount Outside, Total;
    for (const AddrCount &S : Src.Samples) {
      uint64_t A = Map(S.Addr);
      Total += S.Count;
      Function *F = A == kExternalAddress ? nullptr : Bin.functionAt(A);
      if (!F) {
        Outside += S.Count;
        continue;
      }
      uint64_t &H = Hits[{indexOf(Bin, F), A - F->Address}];
      H = llvm::SaturatingAdd(H, S.Count);
    }
    OS << "no_lbr";
    if (!P.Meta.Event.empty())
      OS << ' ' << P.Meta.Event << ':';
    OS << '\n';
    for (const auto &[K, N] : Hits) {
      writeLocation(OS, Bin, K.first, K.second);
      OS << N << '\n';
      Covered.insert(K.first);
    }
    Sum.Samples += Total;
    Sum.SamplesAttributed += Total - Outside;
    if (Outside)
      Sum.Dropped.push_back(
          llvm::formatv("{0} IP samples outside any function ({1})", uint64_t(Outside), pct(Outside, Total))
              .str());
  } else {
    LbrAnalysis R = analyzeLbr(Src, Bin, Map);
    // One block of lines per function: its own branches and fall-throughs,
    // then branches into it from unknown code.
    std::map<uint32_t, std::vector<std::pair<EdgeKey, EdgeVal>>> ByFunc;
    for (const auto &[K, V] : R.Edges) {
      uint32_t Owner = std::get<0>(K) != kNoFunc ? std::get<0>(K) : std::get<2>(K);
      ByFunc[Owner].push_back({K, V});
      if (std::get<0>(K) != kNoFunc)
        Covered.insert(std::get<0>(K));
      if (std::get<2>(K) != kNoFunc)
        Covered.insert(std::get<2>(K));
    }
    for (auto &[Owner, Lines] : ByFunc) {
      for (bool FromUnknown : {false, true})
        for (const auto &[K, V] : Lines) {
          if ((std::get<0>(K) == kNoFunc) != FromUnknown)
            continue;
          writeLocation(OS, Bin, std::get<0>(K), std::get<1>(K));
          writeLocation(OS, Bin, std::get<2>(K), std::get<3>(K));
          OS << V.Mispreds << ' ' << V.Count << '\n';
        }
    }
    summarizeLbr(R, Sum, Opts.Warn);
  }
  Sum.FunctionsCovered += Covered.size();
  if (Map.Unconvertible)
    Sum.Dropped.push_back(
        llvm::formatv("{0} addresses in no load segment of {1}", Map.Unconvertible, B.ElfPath)
            .str());
  return llvm::Error::success();
}

llvm::Error writePreAggregated(const Profile &P, const BinaryMatch &B, llvm::raw_ostream &OS,
                               ConvertSummary &Sum, const WarningHandler &Warn) {
  const BinaryProfile &BP = binaryOf(B);
  llvm::Expected<std::unique_ptr<BoltBinary>> BinOr = BoltBinary::load(B.ElfPath);
  if (!BinOr)
    return BinOr.takeError();
  BoltBinary &Bin = **BinOr;
  AddressMapper Map{BP, B};
  auto addr = [](uint64_t A) { return A == kExternalAddress ? std::string("0") : hex(A); };

  if (P.Meta.Mode != ProfileMode::Lbr) {
    if (!P.Meta.Event.empty())
      OS << "E " << P.Meta.Event << ":\n";
    SaturatingCount Total, Outside;
    std::set<uint32_t> Covered;
    for (const AddrCount &S : BP.Samples) {
      uint64_t A = Map(S.Addr);
      Total += S.Count;
      Function *F = A == kExternalAddress ? nullptr : Bin.functionAt(A);
      if (F)
        Covered.insert(indexOf(Bin, F));
      else
        Outside += S.Count;
      if (A != kExternalAddress)
        OS << "S " << hex(A) << ' ' << S.Count << '\n';
    }
    Sum.Samples += Total;
    Sum.SamplesAttributed += Total - Outside;
    Sum.FunctionsCovered += Covered.size();
    if (Outside)
      Sum.Dropped.push_back(
          llvm::formatv("{0} IP samples outside any function (kept in the file; BOLT ignores "
                        "them)", uint64_t(Outside)).str());
    return llvm::Error::success();
  }

  LbrAnalysis R = analyzeLbr(BP, Bin, Map);
  for (const BranchCount &Br : BP.Branches) {
    uint64_t From = Map(Br.From), To = Map(Br.To);
    if (From == kExternalAddress && To == kExternalAddress)
      continue;
    OS << "B " << addr(From) << ' ' << addr(To) << ' ' << Br.Count << ' ' << Br.Mispreds << '\n';
  }
  for (const auto &[K, Count] : R.FallThroughs)
    OS << char(std::get<2>(K)) << ' ' << hex(std::get<0>(K)) << ' ' << hex(std::get<1>(K)) << ' '
       << Count << '\n';
  std::set<uint32_t> Covered;
  for (const auto &KV : R.Edges) {
    if (std::get<0>(KV.first) != kNoFunc)
      Covered.insert(std::get<0>(KV.first));
    if (std::get<2>(KV.first) != kNoFunc)
      Covered.insert(std::get<2>(KV.first));
  }
  Sum.FunctionsCovered += Covered.size();
  summarizeLbr(R, Sum, Warn);
  if (Map.Unconvertible)
    Sum.Dropped.push_back(
        llvm::formatv("{0} addresses in no load segment of {1}", Map.Unconvertible, B.ElfPath)
            .str());
  return llvm::Error::success();
}

} // namespace pgoctl::convert
