// collect/ImportBinaries.cpp: finding a profile's binaries (see ImportBinaries.h).
#include "collect/ImportBinaries.h"

namespace pgoctl {

ImportBinaries::ImportBinaries(std::vector<binary::Candidate> G, const ImportOptions &Opts,
                               ImportSummary &S)
    : Given(std::move(G)), Sum(&S) {
  Policy.IgnoreBuildId = Opts.IgnoreBuildId;
}

llvm::Expected<ImportBinaries> ImportBinaries::create(const ImportOptions &Opts,
                                                      ImportSummary &Sum) {
  llvm::Expected<std::vector<binary::Candidate>> Given = binary::readCandidates(Opts.Binaries);
  if (!Given)
    return Given.takeError();
  return ImportBinaries(std::move(*Given), Opts, Sum);
}

std::optional<binary::ElfInfo> ImportBinaries::find(const std::string &Path,
                                                    const std::string &BuildId) {
  WarningHandler Warn = [this](llvm::StringRef W) { Sum->Warnings.push_back(W.str()); };
  binary::LocateResult L = binary::locateBinary({Path, BuildId, false}, Given, Policy, Warn);
  if (!L.Found)
    return std::nullopt;
  Sum->Notes.push_back(Path + ": normalized with " +
                       (L.Found->FromRecordedPath
                            ? std::string("the recorded path")
                            : binary::describe(L.Found->How).str() + " match: " +
                                  L.Found->Path));
  return std::move(L.Found->Elf);
}

} // namespace pgoctl
