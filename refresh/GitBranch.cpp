// refresh/GitBranch.cpp: see GitBranch.h.
#include "refresh/GitBranch.h"

#include "core/Error.h"
#include "core/Support.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <vector>

extern char **environ;

namespace pgoctl::refresh {

namespace {

struct GitResult {
  int Code = -1;
  std::string Out, Err;
};

/// Runs git with argv in Dir, with the environment plus Extra (`NAME=value`,
/// replacing a variable of that name), stdin from StdinFile (else /dev/null).
/// Output goes through files in the temporary folder Tmp.
class GitRunner {
public:
  GitRunner(std::string Git, std::string Dir, std::string Tmp)
      : Git(std::move(Git)), Dir(std::move(Dir)), Tmp(std::move(Tmp)) {}

  std::vector<std::string> Extra;

  llvm::Expected<GitResult> run(llvm::ArrayRef<std::string> Args,
                                llvm::StringRef StdinFile = "") {
    std::vector<llvm::StringRef> Argv = {Git, "-C", Dir};
    for (const std::string &A : Args)
      Argv.push_back(A);
    std::vector<std::string> EnvStore;
    for (char **E = environ; E && *E; ++E) {
      llvm::StringRef V(*E);
      llvm::StringRef Name = V.split('=').first;
      bool Replaced = llvm::any_of(Extra, [&](const std::string &X) {
        return llvm::StringRef(X).split('=').first == Name;
      });
      // Prompts for credentials or editors would hang a scheduled job.
      if (!Replaced && Name != "GIT_TERMINAL_PROMPT" && Name != "GIT_EDITOR")
        EnvStore.push_back(V.str());
    }
    for (const std::string &X : Extra)
      EnvStore.push_back(X);
    EnvStore.push_back("GIT_TERMINAL_PROMPT=0");
    EnvStore.push_back("GIT_EDITOR=true");
    std::vector<llvm::StringRef> Env(EnvStore.begin(), EnvStore.end());
    // Fresh files each time: a redirect does not truncate what is there.
    std::string OutPath = Tmp + "/out", ErrPath = Tmp + "/err";
    llvm::sys::fs::remove(OutPath);
    llvm::sys::fs::remove(ErrPath);
    std::optional<llvm::StringRef> Redirects[] = {
        StdinFile.empty() ? std::optional<llvm::StringRef>("") : StdinFile,
        llvm::StringRef(OutPath), llvm::StringRef(ErrPath)};
    std::string ErrMsg;
    bool Failed = false;
    GitResult R;
    R.Code = llvm::sys::ExecuteAndWait(Git, Argv, Env, Redirects, /*SecondsToWait=*/600, 0,
                                       &ErrMsg, &Failed);
    if (Failed)
      return makeError("cannot run {0}: {1}", Git, ErrMsg);
    for (auto [Path, Into] : {std::pair{&OutPath, &R.Out}, std::pair{&ErrPath, &R.Err}}) {
      llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> B = llvm::MemoryBuffer::getFile(*Path);
      if (B)
        *Into = (*B)->getBuffer().take_front(64 * 1024).str();
    }
    return R;
  }

  /// run(), and an error with git's message when it does not exit 0.
  llvm::Expected<std::string> check(llvm::ArrayRef<std::string> Args,
                                    llvm::StringRef StdinFile = "") {
    llvm::Expected<GitResult> R = run(Args, StdinFile);
    if (!R)
      return R.takeError();
    if (R->Code != 0)
      return makeError("`git {0}` failed in {1} (exit {2}): {3}", Args.front(), Dir, R->Code,
                       escapeForTerminal(llvm::StringRef(R->Err).trim(), 600));
    return llvm::StringRef(R->Out).trim().str();
  }

private:
  std::string Git, Dir, Tmp;
};

bool isHexId(llvm::StringRef S) {
  return S.size() >= 40 && llvm::all_of(S, [](char C) { return llvm::isHexDigit(C); });
}

} // namespace

llvm::Expected<std::string> commitFileOnBranch(const GitCommitRequest &R) {
  auto Fail = [&](llvm::Error E) {
    return addContext(std::move(E), "cannot commit " + escapeForTerminal(R.RepoFile, 512) +
                                        " on branch " +
                                        escapeForTerminal(R.Branch, 200));
  };
  llvm::ErrorOr<std::string> Git = llvm::sys::findProgramByName("git");
  if (!Git)
    return Fail(makeKindError(ErrorKind::Input, "git is not on PATH"));
  if (R.Branch.empty() || R.Branch[0] == '-')
    return Fail(makeKindError(ErrorKind::Usage, "a branch name may not be empty nor start with -"));

  llvm::SmallString<256> Dir(llvm::sys::path::parent_path(R.RepoFile));
  if (Dir.empty())
    Dir = ".";
  if (!llvm::sys::fs::is_directory(Dir))
    return Fail(makeKindError(ErrorKind::Input, "folder {0} does not exist",
                              escapeForTerminal(Dir, 512)));
  llvm::StringRef FileName = llvm::sys::path::filename(R.RepoFile);
  if (FileName.empty() || FileName == "." || FileName == "..")
    return Fail(makeKindError(ErrorKind::Usage, "`{0}` does not name a file", R.RepoFile));

  llvm::SmallString<256> Tmp;
  if (std::error_code EC = llvm::sys::fs::createUniqueDirectory("pgoctl-git", Tmp))
    return Fail(makeError("a temporary folder: {0}", EC.message()));
  llvm::scope_exit Cleanup([&] {
    for (const char *N : {"/index", "/index.lock", "/out", "/err", "/content", "/message"})
      llvm::sys::fs::remove(Tmp + N);
    llvm::sys::fs::remove(Tmp);
  });
  GitRunner G(*Git, std::string(Dir), std::string(Tmp));

  // The name as git sees it: `check-ref-format --branch` also expands `@{-1}`
  // and the like, so its answer must be the name itself.
  llvm::Expected<GitResult> Ref = G.run({"check-ref-format", "--branch", R.Branch});
  if (!Ref)
    return Fail(Ref.takeError());
  if (Ref->Code != 0 || llvm::StringRef(Ref->Out).trim() != R.Branch)
    return Fail(makeKindError(ErrorKind::Usage, "`{0}` is not a valid branch name (git "
                                                "check-ref-format --branch)",
                              escapeForTerminal(R.Branch, 200)));

  llvm::Expected<std::string> Prefix = G.check({"rev-parse", "--show-prefix"});
  if (!Prefix)
    return Fail(Prefix.takeError());
  std::string Path = *Prefix + FileName.str();
  llvm::Expected<std::string> Head = G.check({"rev-parse", "--verify", "--quiet", "HEAD^{commit}"});
  if (!Head) {
    llvm::consumeError(Head.takeError());
    return Fail(makeKindError(ErrorKind::Input, "the repository has no commit at HEAD"));
  }
  std::string RefName = "refs/heads/" + R.Branch;
  if (llvm::Expected<GitResult> Exists = G.run({"rev-parse", "--verify", "--quiet", RefName});
      !Exists)
    return Fail(Exists.takeError());
  else if (Exists->Code == 0)
    return Fail(makeKindError(ErrorKind::Usage, "branch `{0}` exists already (choose another "
                                                "--git-branch, or delete it)",
                              R.Branch));

  // A temporary index seeded from HEAD: the user's index is never read or
  // written.
  G.Extra.push_back(("GIT_INDEX_FILE=" + Tmp + "/index").str());
  if (llvm::Expected<std::string> E = G.check({"read-tree", "HEAD"}); !E)
    return Fail(E.takeError());
  llvm::Expected<std::string> Staged = G.check({"ls-files", "--stage", "-z", "--", ":(literal)" + Path});
  if (!Staged)
    return Fail(Staged.takeError());
  std::string Mode = "100644";
  if (!Staged->empty()) {
    llvm::StringRef Old = llvm::StringRef(*Staged).split(' ').first;
    if (Old == "100755")
      Mode = "100755";
    else if (Old != "100644")
      return Fail(makeKindError(ErrorKind::Input,
                                "{0} is not a regular file in HEAD (mode {1})", Path, Old));
  }

  std::string ContentPath = (Tmp + "/content").str();
  if (llvm::Error E = writeFileAtomic(ContentPath, R.NewContent))
    return Fail(std::move(E));
  llvm::Expected<std::string> Blob = G.check({"hash-object", "-w", "--no-filters", "--stdin"},
                                             ContentPath);
  if (!Blob)
    return Fail(Blob.takeError());
  if (llvm::Expected<std::string> E =
          G.check({"update-index", "--add", "--cacheinfo", Mode + "," + *Blob + "," + Path});
      !E)
    return Fail(E.takeError());
  llvm::Expected<std::string> Tree = G.check({"write-tree"});
  if (!Tree)
    return Fail(Tree.takeError());

  // Git's identity when it has one, else pgoctl's.
  bool HaveName = getenv("GIT_AUTHOR_NAME") && getenv("GIT_COMMITTER_NAME");
  bool HaveEmail = getenv("GIT_AUTHOR_EMAIL") && getenv("GIT_COMMITTER_EMAIL");
  if (llvm::Expected<GitResult> N = G.run({"config", "--get", "user.name"}); N && N->Code == 0)
    HaveName = true;
  else if (!N)
    return Fail(N.takeError());
  if (llvm::Expected<GitResult> E = G.run({"config", "--get", "user.email"}); E && E->Code == 0)
    HaveEmail = true;
  else if (!E)
    return Fail(E.takeError());
  if (!HaveName || !HaveEmail)
    for (const char *V : {"GIT_AUTHOR_NAME=pgoctl", "GIT_AUTHOR_EMAIL=pgoctl@localhost",
                          "GIT_COMMITTER_NAME=pgoctl", "GIT_COMMITTER_EMAIL=pgoctl@localhost"})
      G.Extra.push_back(V);

  std::string MessagePath = (Tmp + "/message").str();
  if (llvm::Error E = writeFileAtomic(MessagePath, R.Message))
    return Fail(std::move(E));
  llvm::Expected<std::string> Commit =
      G.check({"commit-tree", *Tree, "-p", *Head, "-F", MessagePath});
  if (!Commit)
    return Fail(Commit.takeError());
  if (!isHexId(*Commit) || !isHexId(*Tree) || !isHexId(*Blob))
    return Fail(makeError("git answered `{0}` for an object id", escapeForTerminal(*Commit, 80)));
  // The empty old value: the update fails if the branch appeared meanwhile.
  if (llvm::Expected<std::string> E = G.check(
          {"update-ref", "-m", "pgoctl refresh", RefName, *Commit, ""});
      !E)
    return Fail(E.takeError());
  return *Commit;
}

} // namespace pgoctl::refresh
