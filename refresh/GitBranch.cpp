// refresh/GitBranch.cpp: STUB until refresh-gate lands.
#include "refresh/GitBranch.h"

#include "core/Support.h"

namespace pgoctl::refresh {
llvm::Expected<std::string> commitFileOnBranch(const GitCommitRequest &) {
  return makeError("committing on a git branch is not built yet: run with --no-git");
}
} // namespace pgoctl::refresh
