// collect/ImportBinaries.h: the ELF of each binary a profile names, for
// import's address normalization, perf.data and pprof alike: the --binary
// candidates read once, binary::locateBinary's one rule, and a note in the
// summary for each binary found.
#pragma once

#include "binary/Locate.h"
#include "collect/Importer.h"

#include <optional>

namespace pgoctl {

class ImportBinaries {
public:
  /// Reads Opts.Binaries; notes and warnings go to Sum.
  static llvm::Expected<ImportBinaries> create(const ImportOptions &Opts, ImportSummary &Sum);

  /// The ELF of the user-space binary recorded as Path with BuildId (lowercase
  /// hex, "" when none was recorded), or none.
  std::optional<binary::ElfInfo> find(const std::string &Path, const std::string &BuildId);

private:
  ImportBinaries(std::vector<binary::Candidate> Given, const ImportOptions &Opts,
                 ImportSummary &Sum);
  std::vector<binary::Candidate> Given;
  binary::LocatePolicy Policy;
  ImportSummary *Sum;
};

} // namespace pgoctl
