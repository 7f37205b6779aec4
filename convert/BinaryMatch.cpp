// convert/BinaryMatch.cpp: pairing --binary files with a profile's binaries.
#include "convert/Convert.h"
#include "core/Support.h"

#include "llvm/Support/Path.h"

namespace pgoctl::convert {

llvm::Expected<std::vector<BinaryMatch>>
matchBinaries(const Profile &P, const std::vector<std::string> &Paths, bool IgnoreBuildId) {
  std::vector<BinaryMatch> Out;
  for (const std::string &Path : Paths) {
    llvm::Expected<ElfInfo> Elf = readElfInfo(Path);
    if (!Elf)
      return Elf.takeError();
    BinaryMatch M;
    M.ElfPath = Path;
    M.Elf = std::move(*Elf);
    // 1. By build-id.
    if (!M.Elf.BuildId.empty())
      for (const BinaryProfile &B : P.Binaries)
        if (B.BuildId == M.Elf.BuildId) {
          M.Profile = &B;
          M.How = "build-id";
          break;
        }
    // 2. By file name.
    if (!M.Profile) {
      llvm::StringRef Name = llvm::sys::path::filename(Path);
      const BinaryProfile *ByName = nullptr;
      for (const BinaryProfile &B : P.Binaries)
        if (!B.IsKernel && llvm::sys::path::filename(B.Path) == Name)
          ByName = &B;
      if (!ByName) {
        std::string Known;
        for (const BinaryProfile &B : P.Binaries)
          Known += "\n  " + B.Path + (B.BuildId.empty() ? "" : " (build-id " + B.BuildId + ")");
        return makeError("{0} (build-id {1}) matches no binary of the profile by build-id "
                         "or file name; the profile has:{2}",
                         Path, M.Elf.BuildId.empty() ? "none" : M.Elf.BuildId, Known);
      }
      if (!ByName->BuildId.empty() && !M.Elf.BuildId.empty() &&
          ByName->BuildId != M.Elf.BuildId && !IgnoreBuildId)
        return makeError("{0}: build-id {1} differs from the profile's {2} for {3}: the "
                         "profile is of another build (pass --ignore-build-id to use it "
                         "anyway)",
                         Path, M.Elf.BuildId, ByName->BuildId, ByName->Path);
      M.Profile = ByName;
      M.How = ByName->BuildId.empty() || M.Elf.BuildId.empty()
                  ? "file name"
                  : (ByName->BuildId == M.Elf.BuildId ? "file name and build-id"
                                                      : "file name (build-id ignored)");
    }
    Out.push_back(std::move(M));
  }
  return Out;
}

} // namespace pgoctl::convert
