// tests/unit/OutputTest.cpp: core/Output's writeFileAtomic on what an output
// path can be (issue 18, finding 2): an existing file keeps its mode, a
// symbolic link stays a link and its target is replaced, a dangling link
// creates its target, a device or FIFO is written to and stays what it was,
// a folder is an error. Expected values come from stat(2) and the bytes the
// test wrote, never from the code under test.
#include "core/Output.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <thread>
#include <unistd.h>

using namespace pgoctl;
using ::testing::HasSubstr;

namespace {

class OutputTest : public ::testing::Test {
protected:
  void SetUp() override {
    llvm::SmallString<128> D;
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("pgoctl-output", D));
    Dir = std::string(D);
  }
  void TearDown() override { llvm::sys::fs::remove_directories(Dir); }

  std::string path(const char *Name) const { return Dir + "/" + Name; }
  static std::string slurp(const std::string &P) {
    std::ifstream F(P, std::ios::binary);
    std::stringstream SS;
    SS << F.rdbuf();
    return SS.str();
  }
  static void spit(const std::string &P, const std::string &Data) {
    std::ofstream(P, std::ios::binary) << Data;
  }
  /// Names in Dir other than those given (temporary files left behind).
  std::vector<std::string> strays(std::initializer_list<const char *> Known) const {
    std::vector<std::string> Out;
    DIR *D = opendir(Dir.c_str());
    while (dirent *E = readdir(D)) {
      std::string N = E->d_name;
      if (N == "." || N == "..")
        continue;
      bool K = false;
      for (const char *X : Known)
        K |= N == X;
      if (!K)
        Out.push_back(N);
    }
    closedir(D);
    return Out;
  }
  std::string Dir;
};

TEST_F(OutputTest, NewFileGetsTheData) {
  ASSERT_FALSE(bool(writeFileAtomic(path("out"), "hello")));
  EXPECT_EQ(slurp(path("out")), "hello");
  EXPECT_THAT(strays({"out"}), ::testing::IsEmpty());
}

// An existing 0600 output came back 0644 (the temporary file's mode).
TEST_F(OutputTest, ExistingModeIsKept) {
  spit(path("out"), "old");
  ASSERT_EQ(chmod(path("out").c_str(), 0600), 0);
  ASSERT_FALSE(bool(writeFileAtomic(path("out"), "new")));
  struct stat St;
  ASSERT_EQ(stat(path("out").c_str(), &St), 0);
  EXPECT_EQ(St.st_mode & 07777, 0600u);
  EXPECT_EQ(slurp(path("out")), "new");
}

// The link was replaced by a regular file; the target kept the old bytes.
TEST_F(OutputTest, SymlinkStaysALinkAndItsTargetIsReplaced) {
  ASSERT_EQ(mkdir(path("real").c_str(), 0755), 0);
  spit(path("real/target"), "old");
  ASSERT_EQ(symlink("real/target", path("link").c_str()), 0);
  ASSERT_EQ(symlink("link", path("link2").c_str()), 0); // a chain of two
  ASSERT_FALSE(bool(writeFileAtomic(path("link2"), "new")));
  struct stat St;
  ASSERT_EQ(lstat(path("link2").c_str(), &St), 0);
  EXPECT_TRUE(S_ISLNK(St.st_mode));
  ASSERT_EQ(lstat(path("link").c_str(), &St), 0);
  EXPECT_TRUE(S_ISLNK(St.st_mode));
  EXPECT_EQ(slurp(path("real/target")), "new");
  EXPECT_THAT(strays({"real", "link", "link2"}), ::testing::IsEmpty());
}

TEST_F(OutputTest, DanglingSymlinkCreatesItsTarget) {
  ASSERT_EQ(symlink("made-by-write", path("dangling").c_str()), 0);
  ASSERT_FALSE(bool(writeFileAtomic(path("dangling"), "bytes")));
  struct stat St;
  ASSERT_EQ(lstat(path("dangling").c_str(), &St), 0);
  EXPECT_TRUE(S_ISLNK(St.st_mode));
  ASSERT_EQ(lstat(path("made-by-write").c_str(), &St), 0);
  EXPECT_TRUE(S_ISREG(St.st_mode));
  EXPECT_EQ(slurp(path("made-by-write")), "bytes");
}

// As root, `-o` onto a character device replaced the node with a file.
TEST_F(OutputTest, CharacterDeviceStaysADevice) {
  if (geteuid() != 0)
    GTEST_SKIP() << "mknod needs root; the lit test harden-output checks /dev/null";
  // The null device's numbers (1, 3), under a name only this test uses.
  ASSERT_EQ(mknod(path("null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  ASSERT_FALSE(bool(writeFileAtomic(path("null"), "discarded")));
  struct stat St;
  ASSERT_EQ(lstat(path("null").c_str(), &St), 0);
  EXPECT_TRUE(S_ISCHR(St.st_mode));
  EXPECT_EQ(St.st_rdev, makedev(1, 3));
  EXPECT_THAT(strays({"null"}), ::testing::IsEmpty());
}

// A FIFO was replaced by a file: its reader got nothing.
TEST_F(OutputTest, FifoIsWrittenToAndStaysAFifo) {
  ASSERT_EQ(mkfifo(path("fifo").c_str(), 0600), 0);
  std::string Data(200000, 'x'); // more than a pipe buffer
  for (size_t I = 0; I < Data.size(); I += 7)
    Data[I] = char('a' + I % 26);
  std::string Got;
  std::thread Reader([&] { Got = slurp(path("fifo")); });
  llvm::Error E = writeFileAtomic(path("fifo"), Data);
  Reader.join();
  ASSERT_FALSE(bool(E)) << llvm::toString(std::move(E));
  EXPECT_EQ(Got, Data);
  struct stat St;
  ASSERT_EQ(lstat(path("fifo").c_str(), &St), 0);
  EXPECT_TRUE(S_ISFIFO(St.st_mode));
}

// `-o .` said "Device or resource busy".
TEST_F(OutputTest, FolderIsAnErrorSayingSo) {
  llvm::Error E = writeFileAtomic(Dir, "x");
  ASSERT_TRUE(bool(E));
  EXPECT_THAT(llvm::toString(std::move(E)), HasSubstr("is a directory"));
  EXPECT_THAT(strays({}), ::testing::IsEmpty());
}

TEST_F(OutputTest, MissingFolderNamesTheFileAndLeavesNothing) {
  llvm::Error E = writeFileAtomic(path("nodir/out"), "x");
  ASSERT_TRUE(bool(E));
  EXPECT_THAT(llvm::toString(std::move(E)), HasSubstr("nodir/out"));
  EXPECT_THAT(strays({}), ::testing::IsEmpty());
}

} // namespace
