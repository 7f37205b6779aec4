// refresh/GitBranch.h: the lock file committed on a new branch.
// STUB until refresh-gate lands: always an error (use --no-git).
#pragma once

#include "llvm/Support/Error.h"

#include <string>

namespace pgoctl::refresh {
struct GitCommitRequest { std::string RepoFile; /* the lock file's path */ std::string Branch;
  std::string NewContent; std::string Message; };
// Commits NewContent as RepoFile on a new branch from HEAD without touching the working tree or
// the index (a temporary GIT_INDEX_FILE; git run with argv, never a shell). Returns the commit id.
llvm::Expected<std::string> commitFileOnBranch(const GitCommitRequest &R);
} // namespace pgoctl::refresh
