// refresh/GitBranch.h: commits the rewritten lock file on a new branch of the
// service's repository, for a pull request, without touching the user's
// working tree, index or current branch.
//
// git is run with argv (llvm::sys::ExecuteAndWait, git found on PATH), never
// a shell: `read-tree HEAD` into a temporary GIT_INDEX_FILE, `hash-object -w`
// of the new content, `update-index --cacheinfo`, `write-tree`, `commit-tree
// -p HEAD`, and `update-ref refs/heads/B <commit> ""`, which fails when B
// exists. The branch name is checked with `git check-ref-format --branch`.
// Author and committer are git's own configuration, else
// `pgoctl <pgoctl@localhost>` (GIT_AUTHOR_* / GIT_COMMITTER_* variables).
#pragma once

#include "llvm/Support/Error.h"

#include <string>

namespace pgoctl::refresh {

struct GitCommitRequest {
  std::string RepoFile;   ///< the lock file's path (its folder is in the repository)
  std::string Branch;     ///< the new branch's name (without refs/heads/)
  std::string NewContent; ///< the file's new bytes
  std::string Message;    ///< the commit message
};

/// Commits NewContent as RepoFile on a new branch from HEAD without touching
/// the working tree or the index (a temporary GIT_INDEX_FILE; git run with
/// argv, never a shell). Returns the commit id. Errors name the repository,
/// the branch and git's own message; an existing branch is an error naming it.
llvm::Expected<std::string> commitFileOnBranch(const GitCommitRequest &R);

} // namespace pgoctl::refresh
