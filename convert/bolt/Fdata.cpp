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
// counts aggregated: taken branches (from, to) and ranges (begin, end).
//   - Every taken branch whose source is not a `ret` (by disassembly) is one
//     line `1 F off 1 G off mispreds count` with function-relative hex
//     offsets. A branch inside one function to a nonzero offset is intra;
//     any other is inter (calls, returns from external code, recursion).
//     An end outside every function is written `0 [unknown] 0`. Returns are
//     not written at all.
//   - A fall-through range (begin, end) inside one function F is walked over
//     F's basic blocks in address order, from the block holding begin to the
//     block holding end; each step needs the next block to be a successor,
//     and writes `1 F <offset of the block's last instruction> 1 F <offset of
//     the next block> 0 count` (so ranges inside one block give nothing).
//     When the branch that led to begin came from outside F (a return, a
//     call's callee, external code) and begin is the start of a block that
//     follows a block ending in a call, the walk starts at that call's block
//     (BOLT's "return to the block after the call"). pgoctl keeps ranges
//     without the branch that started them, so this part is split by the
//     taken branches into begin: from outside F vs from inside F. The split
//     is exact when only one kind reaches begin; when both do it is an
//     estimate in proportion to their counts (counted in the summary).
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
// count` (a fall-through only), `f begin end count` (a fall-through whose
// starting branch came from outside the function, so BOLT applies the
// return adjustment), `S addr count` (IP sample, read with `--ba`), `E event`.
// The writer emits B for every branch, F/f for ranges (split as above) and,
// for IP profiles, E and S; perf2bolt --pa on it gives the same .fdata as
// writeFdata.
#include "convert/bolt/Fdata.h"
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

/// Everything the LBR writers need, computed once.
struct LbrAnalysis {
  struct Split {
    uint64_t Begin, End, FromInside, FromOutside; // ranges, split by the entering branch
  };
  std::map<EdgeKey, EdgeVal> Edges;
  std::vector<Split> Ranges;       // every range, for preagg F/f
  uint64_t BranchRecords = 0, BranchesWritten = 0, Returns = 0, BranchesOutside = 0;
  uint64_t RangeRecords = 0, RangesUsed = 0, RangesOutside = 0, RangesCrossing = 0,
           RangesNoCfg = 0, RangesMismatch = 0, RangesEstimated = 0, RangesInPlt = 0;
};

uint32_t indexOf(const BoltBinary &Bin, const Function *F) {
  return F ? uint32_t(F - Bin.functions().data()) : kNoFunc;
}

LbrAnalysis analyzeLbr(const BinaryProfile &BP, BoltBinary &Bin, AddressMapper &Map) {
  LbrAnalysis R;
  // Taken branches into each address: from inside the function there vs from
  // outside (needed for the return adjustment of fall-throughs).
  llvm::DenseMap<uint64_t, std::pair<uint64_t, uint64_t>> Into;
  for (const BranchCount &B : BP.Branches) {
    uint64_t From = Map(B.From), To = Map(B.To);
    R.BranchRecords += B.Count;
    Function *FF = From == kExternalAddress ? nullptr : Bin.functionAt(From);
    Function *TF = To == kExternalAddress ? nullptr : Bin.functionAt(To);
    if (TF) {
      auto &IO = Into[To];
      (TF->contains(From) ? IO.first : IO.second) += B.Count;
    }
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

  llvm::DenseMap<uint64_t, uint64_t> SeenFrom; // range records so far, by begin
  for (const RangeCount &Rg : BP.Ranges) {
    uint64_t Begin = Map(Rg.Begin), End = Map(Rg.End);
    R.RangeRecords += Rg.Count;
    Function *F = Begin == kExternalAddress ? nullptr : Bin.functionAt(Begin);
    Function *G = End == kExternalAddress ? nullptr : Bin.functionAt(End);
    // Every range goes to the pre-aggregated output (perf2bolt judges it
    // again); only those entered from outside F at an adjustable block are
    // split.
    if (Begin != kExternalAddress && End != kExternalAddress &&
        (!F || F != G || F->Pseudo || !Bin.cfg(*F)))
      R.Ranges.push_back({Begin, End, Rg.Count, 0});
    if (!F || !G) {
      R.RangesOutside += Rg.Count;
      continue;
    }
    if (F != G) {
      R.RangesCrossing += Rg.Count;
      continue;
    }
    if (F->Pseudo) {
      R.RangesInPlt += Rg.Count;
      continue;
    }
    if (!Bin.cfg(*F)) {
      R.RangesNoCfg += Rg.Count;
      continue;
    }
    uint64_t B = Begin - F->Address, E = End - F->Address;
    const bolt::BasicBlock *FromBB = F->blockContaining(B), *ToBB = F->blockContaining(E);
    if (B > E || !FromBB || !ToBB) {
      R.RangesMismatch += Rg.Count;
      R.Ranges.push_back({Begin, End, Rg.Count, 0});
      continue;
    }
    size_t FromIdx = FromBB - F->Blocks.data(), ToIdx = ToBB - F->Blocks.data();
    // The part entered from outside F starts at the previous block when that
    // block ends in a call and falls into this one.
    uint64_t Outside = 0;
    bool Adjustable = FromIdx > 0 && B == FromBB->Offset && F->Blocks[FromIdx - 1].NextIsSucc &&
                      F->Blocks[FromIdx - 1].EndsInCall;
    if (Adjustable) {
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
    auto walk = [&](size_t Start, uint64_t Count) {
      if (!Count)
        return;
      for (size_t K = Start; K < ToIdx; ++K)
        if (!F->Blocks[K].NextIsSucc) {
          R.RangesMismatch += Count;
          return;
        }
      uint32_t FI = indexOf(Bin, F);
      for (size_t K = Start; K < ToIdx; ++K)
        R.Edges[{FI, F->Blocks[K].LastInsn, FI, F->Blocks[K + 1].Offset}].Count += Count;
      R.RangesUsed += Count;
    };
    walk(FromIdx - (Outside ? 1 : 0), Outside);
    walk(FromIdx, Rg.Count - Outside);
    R.Ranges.push_back({Begin, End, Rg.Count - Outside, Outside});
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

void summarizeLbr(const LbrAnalysis &R, ConvertSummary &Sum) {
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
    Sum.Warnings.push_back(llvm::formatv(
        "{0} fall-through range records start after a call at a block also reached from "
        "inside the function: their return part is estimated in proportion to branch "
        "counts (perf2bolt knows each record's branch)", R.RangesEstimated));
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
    Sum.Warnings.push_back(Opts.NoLbr ? "--infer-edges is ignored with --no-lbr"
                                      : "--infer-edges is ignored: the profile has LBR "
                                        "branch records, written as they are");
  if (NoLbr && !Opts.NoLbr && Opts.InferEdges) {
    Profile Q = withVaddrs(P, llvm::ArrayRef<BinaryMatch>(B));
    llvm::Expected<std::unique_ptr<Symbolizer>> S = Symbolizer::create(*Elf, {});
    if (!S)
      return S.takeError();
    Sum.Warnings.insert(Sum.Warnings.end(), (*S)->warnings().begin(), (*S)->warnings().end());
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
    summarizeLbr(R, Sum);
  }
  Sum.FunctionsCovered += Covered.size();
  if (Map.Unconvertible)
    Sum.Dropped.push_back(
        llvm::formatv("{0} addresses in no load segment of {1}", Map.Unconvertible, B.ElfPath)
            .str());
  return llvm::Error::success();
}

llvm::Error writePreAggregated(const Profile &P, const BinaryMatch &B, llvm::raw_ostream &OS,
                               ConvertSummary &Sum) {
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
  for (const LbrAnalysis::Split &S : R.Ranges) {
    if (S.FromInside)
      OS << "F " << hex(S.Begin) << ' ' << hex(S.End) << ' ' << S.FromInside << '\n';
    if (S.FromOutside)
      OS << "f " << hex(S.Begin) << ' ' << hex(S.End) << ' ' << S.FromOutside << '\n';
  }
  std::set<uint32_t> Covered;
  for (const auto &KV : R.Edges) {
    if (std::get<0>(KV.first) != kNoFunc)
      Covered.insert(std::get<0>(KV.first));
    if (std::get<2>(KV.first) != kNoFunc)
      Covered.insert(std::get<2>(KV.first));
  }
  Sum.FunctionsCovered += Covered.size();
  summarizeLbr(R, Sum);
  if (Map.Unconvertible)
    Sum.Dropped.push_back(
        llvm::formatv("{0} addresses in no load segment of {1}", Map.Unconvertible, B.ElfPath)
            .str());
  return llvm::Error::success();
}

} // namespace pgoctl::convert
