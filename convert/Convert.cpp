// convert/Convert.cpp: what every output of convert shares (Convert.h):
// pairing --binary files with a profile's binaries, by binary/Locate.h's rule
// seen from the candidate's side, and the check that a conversion attributed
// enough samples to be worth writing.
#include "convert/Convert.h"
#include "core/Error.h"
#include "core/Support.h"

namespace pgoctl::convert {

llvm::Expected<std::vector<BinaryMatch>>
matchBinaries(const Profile &P, const std::vector<std::string> &Paths, bool IgnoreBuildId) {
  llvm::Expected<std::vector<binary::Candidate>> Cands = binary::readCandidates(Paths);
  if (!Cands)
    return Cands.takeError();
  binary::LocatePolicy Policy;
  Policy.IgnoreBuildId = IgnoreBuildId;
  std::vector<BinaryMatch> Out;
  for (binary::Candidate &C : *Cands) {
    const BinaryProfile *Best = nullptr, *Mismatched = nullptr;
    binary::MatchHow BestHow = binary::MatchHow::None;
    for (const BinaryProfile &B : P.Binaries) {
      binary::MatchHow How = binary::matchCandidate(binary::BinaryRef::of(B), C, Policy);
      if (How == binary::MatchHow::BuildId) {
        Best = &B;
        BestHow = How;
        break;
      }
      if (How == binary::MatchHow::Mismatch)
        Mismatched = &B;
      else if (How != binary::MatchHow::None)
        Best = &B, BestHow = How;
    }
    if (!Best && Mismatched)
      return makeKindError(ErrorKind::Mismatch,
                           "{0}: build-id {1} differs from the profile's {2} for {3}: the "
                           "profile is of another build (pass --ignore-build-id to use it "
                           "anyway)",
                           C.Path, C.Elf.BuildId, Mismatched->BuildId, Mismatched->Path);
    if (!Best) {
      std::string Known;
      for (const BinaryProfile &B : P.Binaries)
        Known += "\n  " + B.Path + (B.BuildId.empty() ? "" : " (build-id " + B.BuildId + ")");
      return makeKindError(ErrorKind::Mismatch,
                           "{0} (build-id {1}) matches no binary of the profile by build-id "
                           "or file name; the profile has:{2}",
                           C.Path, C.Elf.BuildId.empty() ? "none" : C.Elf.BuildId, Known);
    }
    BinaryMatch M;
    M.Profile = Best;
    M.ElfPath = std::move(C.Path);
    M.Elf = std::move(C.Elf);
    M.How = BestHow;
    Out.push_back(std::move(M));
  }
  return Out;
}

llvm::Error checkAttribution(const ConvertSummary &Sum, llvm::StringRef Output,
                             bool AllowEmpty) {
  uint64_t Total = Sum.Samples ? Sum.Samples : Sum.Branches;
  uint64_t Done = Sum.Samples ? Sum.SamplesAttributed : Sum.BranchesAttributed;
  // Done / Total < 1%, without overflow for counts near 2^64.
  if (AllowEmpty || (Total > 0 && Done >= Total / 100 && Done > 0))
    return llvm::Error::success();
  return makeKindError(
      ErrorKind::Mismatch,
      "{0}: not written: {1} of {2} samples fall into a function of the binary (a "
      "stripped binary, another build, another architecture?); --allow-empty writes it anyway",
      Output, Done, Total);
}

} // namespace pgoctl::convert
