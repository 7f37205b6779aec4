// Tests of refresh/GitBranch.h on real repositories made by git itself: the
// new branch holds the new content on top of HEAD, while the user's working
// tree (dirty and untracked files), index (staged changes) and current branch
// stay as they were, byte for byte and as `git status` shows them; an
// existing branch and bad branch names are errors; the author is git's
// configured identity, else pgoctl's. git's own commands are the oracle.
#include "refresh/GitBranch.h"

#include "../TestTools.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace pgoctl::refresh;
using pgoctl::testing::runTool;

namespace {

class GitBranch : public ::testing::Test {
protected:
  llvm::SmallString<128> Dir;
  std::string Repo;
  std::string SavedHome;
  bool HadHome = false;

  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("pgoctl-git-test", Dir));
    Repo = (Dir + "/repo").str();
    // No global or system git configuration: the identity is the repo's or none.
    if (const char *H = getenv("HOME"))
      SavedHome = H, HadHome = true;
    setenv("HOME", Dir.c_str(), 1);
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    for (const char *V : {"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                          "GIT_COMMITTER_EMAIL", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"})
      unsetenv(V);
    git("init -q -b main " + Repo, /*InRepo=*/false);
    write("profiles/svc.pgolock", "sha256 = old\n");
    write("a.txt", "a\n");
    git("add -A");
    git("-c user.name=Dev -c user.email=dev@example.invalid commit -q -m first");
  }
  void TearDown() override {
    if (HadHome)
      setenv("HOME", SavedHome.c_str(), 1);
    else
      unsetenv("HOME");
    unsetenv("GIT_CONFIG_NOSYSTEM");
    llvm::sys::fs::remove_directories(Dir);
  }

  std::string git(const std::string &Args, bool InRepo = true) {
    return runTool("git " + (InRepo ? "-C " + Repo + " " : std::string()) + Args + " 2>&1");
  }
  void write(llvm::StringRef Rel, llvm::StringRef Text) {
    std::string P = Repo + "/" + Rel.str();
    llvm::sys::fs::create_directories(llvm::StringRef(P).rsplit('/').first);
    std::error_code EC;
    llvm::raw_fd_ostream OS(P, EC);
    OS << Text;
  }
  std::string read(llvm::StringRef Rel) {
    auto B = llvm::MemoryBuffer::getFile(Repo + "/" + Rel.str());
    return B ? (*B)->getBuffer().str() : "<missing>";
  }
  std::string lockPath() { return Repo + "/profiles/svc.pgolock"; }
};

TEST_F(GitBranch, LeavesWorkTreeIndexAndBranchAlone) {
  // A dirty tracked file, a staged new file, an untracked one, and the lock
  // itself edited in the working tree.
  write("a.txt", "a changed\n");
  write("b.txt", "b staged\n");
  git("add b.txt");
  write("c.txt", "c untracked\n");
  write("profiles/svc.pgolock", "sha256 = edited by hand\n");
  std::string Status = git("status --porcelain=v1 -uall");
  std::string Diff = git("diff"), Cached = git("diff --cached");
  std::string Head = git("rev-parse HEAD"), Branch = git("symbolic-ref HEAD");
  std::string Index = read(".git/index");
  ASSERT_NE(Status.find(" M a.txt"), std::string::npos) << Status;
  ASSERT_NE(Status.find("A  b.txt"), std::string::npos) << Status;

  llvm::Expected<std::string> C =
      commitFileOnBranch({lockPath(), "pgo/refresh-1", "sha256 = new\n", "pgoctl refresh: x\n"});
  ASSERT_TRUE(bool(C)) << llvm::toString(C.takeError());

  EXPECT_EQ(read(".git/index"), Index);
  EXPECT_EQ(git("status --porcelain=v1 -uall"), Status);
  EXPECT_EQ(git("diff"), Diff);
  EXPECT_EQ(git("diff --cached"), Cached);
  EXPECT_EQ(git("rev-parse HEAD"), Head);
  EXPECT_EQ(git("symbolic-ref HEAD"), Branch);
  EXPECT_EQ(read("a.txt"), "a changed\n");
  EXPECT_EQ(read("c.txt"), "c untracked\n");
  EXPECT_EQ(read("profiles/svc.pgolock"), "sha256 = edited by hand\n");

  // The branch: one commit on HEAD changing only the lock.
  EXPECT_EQ(git("rev-parse pgo/refresh-1"), *C + "\n");
  EXPECT_EQ(git("rev-parse pgo/refresh-1^"), Head);
  EXPECT_EQ(git("show pgo/refresh-1:profiles/svc.pgolock"), "sha256 = new\n");
  EXPECT_EQ(git("diff --name-only HEAD pgo/refresh-1"), "profiles/svc.pgolock\n");
  EXPECT_EQ(git("log -1 --format=%B pgo/refresh-1"), "pgoctl refresh: x\n\n");
  // No identity configured: pgoctl's.
  EXPECT_EQ(git("log -1 '--format=%an<%ae>%cn<%ce>' pgo/refresh-1"),
            "pgoctl<pgoctl@localhost>pgoctl<pgoctl@localhost>\n");
  EXPECT_EQ(git("fsck --no-progress"), "");
}

TEST_F(GitBranch, ExistingBranchIsAnError) {
  llvm::Expected<std::string> C = commitFileOnBranch({lockPath(), "pgo/r", "one\n", "m"});
  ASSERT_TRUE(bool(C)) << llvm::toString(C.takeError());
  llvm::Expected<std::string> D = commitFileOnBranch({lockPath(), "pgo/r", "two\n", "m"});
  ASSERT_FALSE(bool(D));
  std::string Msg = llvm::toString(D.takeError());
  EXPECT_NE(Msg.find("`pgo/r` exists"), std::string::npos) << Msg;
  EXPECT_EQ(git("rev-parse pgo/r"), *C + "\n");
  // The current branch too.
  llvm::Expected<std::string> E = commitFileOnBranch({lockPath(), "main", "two\n", "m"});
  ASSERT_FALSE(bool(E));
  llvm::consumeError(E.takeError());
}

TEST_F(GitBranch, BadBranchNames) {
  std::string Refs = git("for-each-ref");
  for (const char *B : {"a..b", "-x", "@{-1}", "has space", "", "x.lock", "a~1", "ref:x"}) {
    llvm::Expected<std::string> C = commitFileOnBranch({lockPath(), B, "x\n", "m"});
    ASSERT_FALSE(bool(C)) << B;
    std::string Msg = llvm::toString(C.takeError());
    EXPECT_NE(Msg.find("branch"), std::string::npos) << Msg;
  }
  EXPECT_EQ(git("for-each-ref"), Refs);
}

TEST_F(GitBranch, NoFolderNoRepositoryNoCommit) {
  auto ErrorOf = [](const std::string &File) {
    llvm::Expected<std::string> C = commitFileOnBranch({File, "pgo/x", "x\n", "m"});
    return C ? std::string("no error") : llvm::toString(C.takeError());
  };
  EXPECT_NE(ErrorOf(Repo + "/nope/x.pgolock").find("does not exist"), std::string::npos);
  llvm::sys::fs::create_directories(Dir + "/plain");
  EXPECT_NE(ErrorOf((Dir + "/plain/x.pgolock").str()).find("not a git repository"),
            std::string::npos);
  git("init -q -b main " + (Dir + "/empty").str(), /*InRepo=*/false);
  EXPECT_NE(ErrorOf((Dir + "/empty/x.pgolock").str()).find("no commit at HEAD"),
            std::string::npos);
}

TEST_F(GitBranch, ConfiguredIdentityAndNewFile) {
  git("config user.name Ann");
  git("config user.email ann@example.invalid");
  llvm::Expected<std::string> C = commitFileOnBranch(
      {Repo + "/profiles/other.pgolock", "pgo/new-file", "fresh\n", "add a lock"});
  ASSERT_TRUE(bool(C)) << llvm::toString(C.takeError());
  EXPECT_EQ(git("log -1 '--format=%an<%ae>' pgo/new-file"), "Ann<ann@example.invalid>\n");
  EXPECT_EQ(git("show pgo/new-file:profiles/other.pgolock"), "fresh\n");
  EXPECT_EQ(git("ls-tree -r --name-only pgo/new-file"),
            "a.txt\nprofiles/other.pgolock\nprofiles/svc.pgolock\n");
  EXPECT_EQ(read("profiles/other.pgolock"), "<missing>");
}

} // namespace
