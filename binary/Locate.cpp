// binary/Locate.cpp: the one rule for finding a profile binary's ELF.
#include "binary/Locate.h"
#include "core/Profile.h"
#include "core/Support.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace pgoctl::binary {

BinaryRef BinaryRef::of(const BinaryProfile &B) { return {B.Path, B.BuildId, B.IsKernel}; }

llvm::StringRef describe(MatchHow How) {
  switch (How) {
  case MatchHow::None:
    return "no match";
  case MatchHow::BuildId:
    return "build-id";
  case MatchHow::FileName:
    return "file name";
  case MatchHow::BuildIdIgnored:
    return "file name (build-id ignored)";
  case MatchHow::Mismatch:
    return "file name, build-id differs";
  }
  return "";
}

llvm::Expected<std::vector<Candidate>> readCandidates(llvm::ArrayRef<std::string> Paths) {
  std::vector<Candidate> Out;
  for (const std::string &P : Paths) {
    llvm::Expected<ElfInfo> Info = readElfInfo(P);
    if (!Info)
      return Info.takeError();
    Out.push_back({P, std::move(*Info)});
  }
  return Out;
}

MatchHow matchCandidate(const BinaryRef &Want, const Candidate &C, const LocatePolicy &Policy) {
  if (Want.IsKernel)
    return MatchHow::None;
  if (!Want.BuildId.empty() && C.Elf.BuildId == Want.BuildId)
    return MatchHow::BuildId;
  if (llvm::sys::path::filename(C.Path) != llvm::sys::path::filename(Want.Path))
    return MatchHow::None;
  if (Want.BuildId.empty() || C.Elf.BuildId.empty())
    return MatchHow::FileName;
  return Policy.IgnoreBuildId ? MatchHow::BuildIdIgnored : MatchHow::Mismatch;
}

LocateResult locateBinary(const BinaryRef &Want, llvm::ArrayRef<Candidate> Given,
                          const LocatePolicy &Policy, const WarningHandler &Warn) {
  LocateResult R;
  if (Want.IsKernel) {
    R.WhyNot = "kernel";
    return R;
  }
  auto warn = [&](const std::string &Msg) {
    if (Warn)
      Warn(Msg);
  };
  // Rule 1 over every candidate before rule 2, so a build-id match wins over
  // an earlier file-name match.
  for (const Candidate &C : Given)
    if (matchCandidate(Want, C, Policy) == MatchHow::BuildId) {
      R.Found = Located{C.Path, C.Elf, MatchHow::BuildId, false};
      return R;
    }
  for (const Candidate &C : Given) {
    MatchHow How = matchCandidate(Want, C, Policy);
    if (How == MatchHow::Mismatch) {
      warn("--binary " + C.Path + " has build-id " + C.Elf.BuildId + " but the profile " +
           "recorded " + Want.BuildId + " for " + Want.Path + "; not used");
      R.WhyNot = "build-id of " + C.Path + " differs (" + C.Elf.BuildId + ")";
      continue;
    }
    if (How == MatchHow::FileName || How == MatchHow::BuildIdIgnored) {
      R.Found = Located{C.Path, C.Elf, How, false};
      return R;
    }
  }
  if (!Policy.UseRecordedPath || Want.Path.empty() || Want.Path[0] != '/' ||
      !llvm::sys::fs::is_regular_file(Want.Path)) {
    if (R.WhyNot.empty())
      R.WhyNot = "not found (give --binary)";
    return R;
  }
  llvm::Expected<ElfInfo> Info = readElfInfo(Want.Path);
  if (!Info) {
    R.WhyNot = "unreadable: " + llvm::toString(Info.takeError());
    return R;
  }
  Candidate OnDisk{Want.Path, std::move(*Info)};
  MatchHow How = matchCandidate(Want, OnDisk, Policy);
  if (How == MatchHow::Mismatch) {
    warn(Want.Path + " on disk has build-id " + OnDisk.Elf.BuildId +
         " but the recording has " + Want.BuildId + " (the binary changed since); not used");
    R.WhyNot = "build-id of " + Want.Path + " differs (" + OnDisk.Elf.BuildId + "); give --binary";
    return R;
  }
  if (Want.BuildId.empty())
    warn(Want.Path + ": the input records no build-id; using the file on disk unverified "
                     "(pass --binary to be explicit)");
  R.Found = Located{Want.Path, std::move(OnDisk.Elf), How, true};
  return R;
}

} // namespace pgoctl::binary
