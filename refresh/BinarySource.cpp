// refresh/BinarySource.cpp: see BinarySource.h.
// STUB until refresh-fetch lands (--binary paths only).
#include "refresh/BinarySource.h"

namespace pgoctl::refresh {

llvm::Expected<std::unique_ptr<BinarySource>> BinarySource::create(BinarySourceOptions Opts) {
  auto S = std::make_unique<BinarySource>();
  llvm::Expected<std::vector<binary::Candidate>> C = binary::readCandidates(Opts.Paths);
  if (!C)
    return C.takeError();
  S->Given = std::move(*C);
  return std::move(S);
}

llvm::Expected<std::optional<FoundBinary>> BinarySource::find(llvm::StringRef BuildId,
                                                              llvm::StringRef Name) {
  for (const binary::Candidate &C : Given)
    if (!BuildId.empty() && C.Elf.BuildId == BuildId)
      return FoundBinary{C.Path, "--binary"};
  return std::nullopt;
}

const std::vector<std::string> &BinarySource::warnings() const { return Warnings; }

} // namespace pgoctl::refresh
