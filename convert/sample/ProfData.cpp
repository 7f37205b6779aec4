// convert/sample/ProfData.cpp: clang sample-PGO output (`pgoctl convert --to
// profdata|unsymbolized`).
//
// writeProfData() symbolizes each given binary once (binary/Symbolizer.h),
// turns its counts into a profile map of its own (LBR: ProfDataLbr.cpp,
// llvm-profgen's semantics; IP samples: ProfDataIp.cpp, an estimator
// documented there), sums the binaries' maps as llvm-profdata merge does
// (buildSampleMap), and writes the sum with LLVM's SampleProfileWriter (text or extbinary,
// optional MD5 names and profile symbol list) to a temporary file renamed
// over the output. Profiles whose addresses are file offsets (the binary was
// missing at import) are converted to ELF vaddrs through the given binary's
// PT_LOAD segments first.
//
// writeUnsymbolized() writes what `llvm-profgen --skip-symbolization` writes
// for an LBR profile and `llvm-profgen --unsymbolized-profile` reads: the
// number of ranges, `begin-end:count` lines, the number of branches,
// `from->to:count` lines, hex addresses relative to the first executable
// segment (page aligned), sorted; a branch source outside the binary is
// llvm-profgen's external address 1. Ranges and branches are filtered as
// llvm-profgen filters them (ends that are instructions, no call/ret/jmp
// inside a range, branch targets that are instructions).
#include "convert/sample/ProfData.h"
#include "core/Warn.h"
#include "convert/sample/SampleBuilder.h"
#include "core/Support.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/ProfileData/SampleProfWriter.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <map>

namespace pgoctl::convert {

using namespace llvm;
using namespace llvm::sampleprof;

// --- SampleBuilder -----------------------------------------------------------

uint32_t SampleBuilder::baseDiscriminator(uint32_t D) const {
  return FSDiscriminators ? D : DILocation::getBaseDiscriminatorFromDiscriminator(D, false);
}

uint32_t SampleBuilder::duplicationFactor(uint32_t D) const {
  return FSDiscriminators ? 1 : DILocation::getDuplicationFactorFromDiscriminator(D);
}

FunctionSamples &SampleBuilder::leaf(const Symbolizer &S, ArrayRef<InlineFrame> Frames,
                                     uint64_t Total) {
  FunctionSamples *FS = &Map.create(SampleContext(FunctionId(S.name(Frames[0].Name))));
  FS->addTotalSamples(Total);
  for (size_t I = 1; I < Frames.size(); ++I) {
    LineLocation Site(Frames[I - 1].LineOffset, baseDiscriminator(Frames[I - 1].Discriminator));
    FunctionId Callee(S.name(Frames[I].Name));
    auto [It, New] = FS->functionSamplesAt(Site).try_emplace(Callee);
    if (New)
      It->second.setContext(SampleContext(Callee));
    FS = &It->second;
    FS->addTotalSamples(Total);
  }
  return *FS;
}

void SampleBuilder::addInstCounts(Symbolizer &S, const InstCounts &Counts) {
  for (const auto &[I, Count] : Counts) {
    ArrayRef<InlineFrame> Frames = S.frames(I);
    if (Frames.empty())
      continue;
    // Total samples count bytes (llvm-profgen: count x instruction size).
    FunctionSamples &FS = leaf(S, Frames, Count * S.instSize(I));
    const InlineFrame &L = Frames.back();
    uint32_t Disc = baseDiscriminator(L.Discriminator);
    uint64_t Scaled = Count * duplicationFactor(L.Discriminator);
    ErrorOr<uint64_t> Prev = FS.findSamplesAt(L.LineOffset, Disc);
    uint64_t Old = Prev ? *Prev : 0;
    if (Old <= Scaled) // the maximum over the instructions of a location
      FS.addBodySamples(L.LineOffset, Disc, Scaled - Old);
  }
}

void SampleBuilder::addCall(Symbolizer &S, std::optional<uint32_t> From, StringRef Callee,
                            uint64_t Count, bool CallTarget, bool HeadSamples) {
  if (From && CallTarget) {
    ArrayRef<InlineFrame> Frames = S.frames(*From);
    if (!Frames.empty()) {
      FunctionSamples &FS = leaf(S, Frames, 0);
      FS.addCalledTargetSamples(Frames.back().LineOffset,
                                baseDiscriminator(Frames.back().Discriminator),
                                FunctionId(Callee), Count);
    }
  }
  if (HeadSamples)
    Map.create(SampleContext(FunctionId(Callee))).addHeadSamples(Count);
}

StringRef SampleBuilder::calleeAt(const Symbolizer &S, uint64_t Addr) {
  const FuncRange *R = S.funcRangeStartingAt(Addr);
  if (!R || !R->IsEntry)
    return "";
  return FunctionSamples::getCanonicalFnName(S.name(S.functions()[R->Func].Name));
}

static bool isAmbiguous(StringRef Name) {
  return Name.starts_with("__cxx_global_var_init") || Name.starts_with("__tls_init");
}

static void filterInlinees(FunctionSamples &FS) {
  for (auto &[Loc, Callees] : const_cast<CallsiteSampleMap &>(FS.getCallsiteSamples()))
    for (auto It = Callees.begin(); It != Callees.end();) {
      if (isAmbiguous(It->second.getFunction().stringRef())) {
        It = Callees.erase(It);
        continue;
      }
      filterInlinees(It->second);
      ++It;
    }
}

void SampleBuilder::filterAmbiguous() {
  for (auto It = Map.begin(); It != Map.end();) {
    auto Cur = It++;
    if (isAmbiguous(Cur->second.getFunction().stringRef()))
      Map.erase(Cur);
    else
      filterInlinees(Cur->second);
  }
}

// --- Profiles in file offsets --------------------------------------------------

Profile withVaddrs(const Profile &P, ArrayRef<BinaryMatch> Ms) {
  Profile Q = P;
  for (const BinaryMatch &M : Ms) {
    size_t Idx = size_t(M.Profile - P.Binaries.data());
    BinaryProfile &B = Q.Binaries[Idx];
    if (B.Space != AddressSpace::FileOffset)
      continue;
    auto Conv = [&](uint64_t A) {
      if (A == kExternalAddress)
        return A;
      std::optional<uint64_t> V = fileOffsetToVaddr(M.Elf.Segments, A);
      return V ? *V : kExternalAddress;
    };
    for (BranchCount &Br : B.Branches)
      Br.From = Conv(Br.From), Br.To = Conv(Br.To);
    for (RangeCount &R : B.Ranges)
      R.Begin = Conv(R.Begin), R.End = Conv(R.End);
    for (AddrCount &S : B.Samples)
      S.Addr = Conv(S.Addr);
    for (StackCount &St : Q.Stacks)
      for (Frame &F : St.Frames)
        if (F.Binary == Idx)
          F.Addr = Conv(F.Addr);
    B.Space = AddressSpace::ElfVaddr;
    B.Segments = M.Elf.Segments;
  }
  return Q;
}

bool hasLbr(const Profile &P, const BinaryProfile &B) {
  return P.Meta.Mode == ProfileMode::Lbr || !B.Ranges.empty() || !B.Branches.empty();
}

// --- function-level counts -------------------------------------------------------

// Without addresses there is no block to give a count to: each function gets
// its self samples as its total and as its entry count (the best estimate of
// how hot it is that a sample can give; a function's entry count orders and
// splits functions and steers inlining), and no body samples, so the
// compiler's block layout inside it is left to its own heuristics rather than
// to counts the profile does not have.
void addFunctionCounts(const BinaryProfile &B, SampleBuilder &SB, ConvertSummary &Sum,
                       const WarningHandler &Warn) {
  uint64_t Added = 0;
  for (const FunctionCount &F : B.Functions) {
    if (F.Self == 0 || F.Name.empty())
      continue;
    Sum.Samples += F.Self;
    Sum.SamplesAttributed += F.Self;
    FunctionId Id(F.Name);
    auto It = SB.Map.find(SampleContext(Id));
    if (It != SB.Map.end() && It->second.getTotalSamples() > 0)
      continue; // address counts say more
    FunctionSamples &FS = SB.Map.create(SampleContext(Id));
    FS.addTotalSamples(F.Self);
    FS.addHeadSamples(F.Self);
    ++Added;
  }
  if (Added)
    warnTo(Warn,
           formatv("{0}: {1} functions have function-level counts only (frames without "
                   "addresses): entry and total counts, no block counts; block-level PGO needs "
                   "addresses",
                   B.Path.empty() ? B.key() : B.Path, Added)
               .str());
}

// --- writeProfData -------------------------------------------------------------

Expected<std::string> serializeSampleMap(SampleMap &M, const ProfDataOptions &Opts,
                                         StringRef Name, ConvertSummary &Sum) {
  SampleProfileFormat Fmt =
      Opts.Fmt == ProfDataOptions::Format::Text ? SPF_Text : SPF_Ext_Binary;
  FunctionSamples::ProfileIsFS = M.FSDiscriminators;
  SmallString<0> Bytes;
  std::unique_ptr<raw_ostream> OS = std::make_unique<raw_svector_ostream>(Bytes);
  ErrorOr<std::unique_ptr<SampleProfileWriter>> W = SampleProfileWriter::create(OS, Fmt);
  if (!W)
    return makeError("{0}: {1}", Name, W.getError().message());
  if (Opts.UseMD5) {
    if (Fmt == SPF_Ext_Binary)
      (*W)->setUseMD5();
    else
      warnTo(Opts.Warn, "--use-md5 is ignored with --format text (extbinary only)");
  }
  ProfileSymbolList SymbolList;
  if (Opts.ProfileSymbolList) {
    if (Fmt == SPF_Ext_Binary) {
      for (const std::unique_ptr<Symbolizer> &S : M.Syms)
        for (const BinaryFunction &F : S->functions())
          SymbolList.add(S->name(F.Name));
      (*W)->setProfileSymbolList(&SymbolList);
    } else {
      warnTo(Opts.Warn, "--profile-symbol-list is ignored with --format text "
                        "(extbinary only)");
    }
  }
  if (std::error_code EC = (*W)->write(M.Map))
    return makeError("{0}: writing the profile: {1}", Name, EC.message());
  W->reset(); // flushes the stream
  return std::string(Bytes.str());
}

/// The --debug-binary applies to the binary with its build-id, or to the only one.
static std::string debugBinaryFor(const BinaryMatch &M, size_t NumBinaries,
                                  const std::string &DebugBinary) {
  if (DebugBinary.empty() || NumBinaries == 1)
    return DebugBinary;
  Expected<ElfInfo> Info = binary::readElfInfo(DebugBinary);
  if (!Info) {
    consumeError(Info.takeError());
    return "";
  }
  return Info->BuildId == M.Elf.BuildId ? DebugBinary : "";
}

Expected<SampleMap> buildSampleMap(const Profile &P0, ArrayRef<BinaryMatch> Binaries,
                                   const ProfDataOptions &Opts, ConvertSummary &Sum) {
  Profile P = withVaddrs(P0, Binaries);
  SampleMap Out;
  for (const BinaryMatch &M : Binaries) {
    uint32_t Idx = uint32_t(M.Profile - P0.Binaries.data());
    const BinaryProfile &B = P.Binaries[Idx];
    SymbolizerOptions SO;
    SO.DebugBinary = debugBinaryFor(M, Binaries.size(), Opts.DebugBinary);
    SO.Warn = Opts.Warn;
    Expected<std::unique_ptr<Symbolizer>> S = Symbolizer::create(M.ElfPath, SO);
    if (!S)
      return S.takeError();
    // One builder per binary: llvm-profgen's maximum over the instructions
    // of a location holds within one binary; across binaries (two builds of
    // one source, a function both an executable and its library define) the
    // maps are summed below, as llvm-profdata merge sums them.
    SampleBuilder SB;
    SB.FSDiscriminators = (*S)->usesFSDiscriminators();
    Out.FSDiscriminators |= SB.FSDiscriminators;
    if (hasLbr(P, B))
      addLbrSamples(B, **S, SB, Sum);
    else
      addIpSamples(P, Idx, **S, SB, Sum, Opts.Warn);
    if (!B.Functions.empty())
      addFunctionCounts(B, SB, Sum, Opts.Warn);
    // A call site's body count is at least its call targets' sum (top-level
    // profiles only, as llvm-profgen's updateCallsiteSamples).
    for (auto &[Key, FS] : SB.Map)
      FS.updateCallsiteSamples();
    SB.filterAmbiguous();
    for (auto &[Key, FS] : SB.Map)
      Out.Map.create(FS.getContext()).merge(FS);
    Out.Syms.push_back(std::move(*S));
  }
  for (const auto &[Key, FS] : Out.Map)
    if (FS.getTotalSamples() > 0)
      ++Sum.FunctionsCovered;
  if (Out.Map.empty())
    warnTo(Opts.Warn, "the profile is empty: no sample fell into a function with debug "
                      "info or symbols");
  return std::move(Out);
}

Error writeProfData(const Profile &P0, ArrayRef<BinaryMatch> Binaries,
                    const ProfDataOptions &Opts, StringRef OutPath, ConvertSummary &Sum) {
  Expected<SampleMap> M = buildSampleMap(P0, Binaries, Opts, Sum);
  if (!M)
    return M.takeError();
  return writeSampleMap(*M, Opts, OutPath, Sum);
}

Error writeSampleMap(SampleMap &M, const ProfDataOptions &Opts, StringRef OutPath,
                     ConvertSummary &Sum) {
  if (Error E = checkAttribution(Sum, OutPath, Opts.AllowEmpty))
    return E;
  Expected<std::string> Bytes = serializeSampleMap(M, Opts, OutPath, Sum);
  if (!Bytes)
    return Bytes.takeError();
  return writeFileAtomic(OutPath, *Bytes);
}

// --- writeUnsymbolized ---------------------------------------------------------

Error writeUnsymbolized(const Profile &P0, const BinaryMatch &M, raw_ostream &OS,
                        ConvertSummary &Sum) {
  Profile P = withVaddrs(P0, ArrayRef<BinaryMatch>(M));
  const BinaryProfile &B = P.Binaries[size_t(M.Profile - P0.Binaries.data())];
  if (!hasLbr(P, B))
    return makeError("{0}: --to unsymbolized needs LBR data (ranges and branches); the "
                     "profile has IP samples only",
                     M.ElfPath);
  Expected<std::unique_ptr<Symbolizer>> S = Symbolizer::create(M.ElfPath, {});
  if (!S)
    return S.takeError();
  const Symbolizer &Sy = **S;
  constexpr uint64_t kProfgenExternal = 1; // llvm-profgen's ExternalAddr
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> Ranges, Branches;
  for (const RangeCount &R : B.Ranges) {
    Sum.Samples += R.Count;
    std::optional<uint32_t> Bi = Sy.findInst(R.Begin), Ei = Sy.findInst(R.End);
    if (!Bi || !Ei || *Bi > *Ei || Sy.crossesUncondBranch(*Bi, *Ei))
      continue;
    Ranges[{R.Begin, R.End}] += R.Count;
    Sum.SamplesAttributed += R.Count;
  }
  for (const BranchCount &Br : B.Branches) {
    Sum.Branches += Br.Count;
    if (Br.To == kExternalAddress || !Sy.findInst(Br.To))
      continue;
    uint64_t From = Br.From != kExternalAddress && Sy.findInst(Br.From) ? Br.From
                                                                         : kProfgenExternal;
    Branches[{From, Br.To}] += Br.Count;
    Sum.BranchesAttributed += Br.Count;
  }
  uint64_t Base = Sy.preferredBase();
  auto Print = [&](const std::map<std::pair<uint64_t, uint64_t>, uint64_t> &Counts,
                   StringRef Sep) {
    OS << Counts.size() << "\n";
    for (const auto &[Key, Count] : Counts)
      OS << utohexstr(Key.first - Base, /*LowerCase=*/true) << Sep
         << utohexstr(Key.second - Base, /*LowerCase=*/true) << ":" << Count << "\n";
  };
  Print(Ranges, "-");
  Print(Branches, "->");
  return Error::success();
}

} // namespace pgoctl::convert
