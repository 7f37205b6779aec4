// refresh/CrossBuild.cpp: see CrossBuild.h.
#include "refresh/CrossBuild.h"
#include "core/Warn.h"

#include "core/Error.h"
#include "core/Support.h"

#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"

namespace pgoctl::refresh {

llvm::Expected<CrossBuildResult> mergeAcrossBuilds(const Accumulated &A, BinarySource &Src,
                                                   const CrossBuildOptions &O) {
  CrossBuildResult R;
  // Why each left-out build is: warnings once some build is used, else the
  // error's text.
  std::vector<std::string> LeftOut;
  for (const BuildStat &B : A.Builds) {
    BuildUse U;
    U.BuildId = B.BuildId;
    U.Windows = B.Windows;
    U.Samples = B.Samples;
    const BinaryProfile *BP =
        B.BuildId == "none" ? nullptr : A.P.findBinary("buildid:" + B.BuildId);
    auto share = [&] {
      return llvm::formatv("{0:F1}%", A.Samples ? 100.0 * double(B.Samples) / double(A.Samples)
                                                : 0.0)
          .str();
    };
    auto leaveOut = [&](llvm::StringRef Why) {
      U.WhyNot = Why.str();
      std::string Keys;
      for (size_t I = 0; I < B.Keys.size() && I < 3; ++I)
        Keys += (I ? ", " : "") + B.Keys[I];
      if (B.Keys.size() > 3)
        Keys += llvm::formatv(", ... ({0} more)", B.Keys.size() - 3).str();
      LeftOut.push_back(llvm::formatv("build {0}: {1}; its {2} window{3} ({4} of the "
                                      "samples: {5}) are left out",
                                      escapeForTerminal(B.BuildId, 128), Why, B.Windows,
                                      B.Windows == 1 ? "" : "s", share(), Keys)
                            .str());
      R.Builds.push_back(U);
    };
    if (B.BuildId == "none") {
      leaveOut("the windows name no build-id, so no binary can be proven theirs");
      continue;
    }
    if (!BP) {
      leaveOut("no profile of the binary with this build-id in its windows");
      continue;
    }
    llvm::Expected<std::optional<FoundBinary>> F =
        Src.find(B.BuildId, llvm::sys::path::filename(BP->Path));
    if (!F)
      return addContext(F.takeError(), "finding the binary of build " + B.BuildId);
    if (!*F) {
      leaveOut("no binary with this build-id in any source (--binary, the store, debuginfod)");
      continue;
    }
    llvm::Expected<binary::ElfInfo> Elf = binary::readElfInfo((*F)->Path);
    if (!Elf)
      return Elf.takeError();
    if (Elf->BuildId != B.BuildId)
      return makeKindError(ErrorKind::Mismatch, "{0} (from {1}) has build-id {2}, not {3}",
                           (*F)->Path, (*F)->From, Elf->BuildId, B.BuildId);
    convert::BinaryMatch M;
    M.Profile = BP;
    M.ElfPath = (*F)->Path;
    M.Elf = std::move(*Elf);
    M.How = binary::MatchHow::BuildId;
    R.Matches.push_back(std::move(M));
    U.Used = true;
    U.Path = (*F)->Path;
    U.From = (*F)->From;
    R.SamplesUsed = llvm::SaturatingAdd(R.SamplesUsed, B.Samples);
    R.Builds.push_back(U);
  }
  if (R.Matches.empty()) {
    std::string Why;
    for (const std::string &W : LeftOut)
      Why += "\n  " + W;
    return makeKindError(ErrorKind::Input,
                         "no build of the period has a binary (give --binary, push binaries to "
                         "the store, or --debuginfod): nothing to merge{0}",
                         Why);
  }
  for (const std::string &W : LeftOut)
    warnTo(O.Warn, W);
  convert::ProfDataOptions PO = O.ProfData;
  PO.Warn = O.Warn;
  convert::ConvertSummary Sum;
  llvm::Expected<convert::SampleMap> M = convert::buildSampleMap(A.P, R.Matches, PO, Sum);
  if (!M)
    return M.takeError();
  R.Samples = std::move(*M);
  if (llvm::Error E = convert::checkAttribution(Sum, "the merged .profdata", PO.AllowEmpty))
    return std::move(E);
  llvm::Expected<std::string> Bytes =
      convert::serializeSampleMap(R.Samples, PO, "the merged .profdata", Sum);
  if (!Bytes)
    return Bytes.takeError();
  R.Bytes = std::move(*Bytes);
  return std::move(R);
}

} // namespace pgoctl::refresh
