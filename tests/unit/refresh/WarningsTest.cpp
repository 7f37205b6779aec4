// tests/unit/refresh/WarningsTest.cpp: BinarySource and mergeAcrossBuilds
// report warnings through the handler of their options when they find them
// (a --binary passed over at create(), a cache entry replaced at find(), a
// build left out, the symbolizers'), and when no build is left the reasons
// are the error's text instead. Expected sentences are written here from the
// code paths; the fixture's build-id and segments come from the ELF reader,
// its function address from llvm-nm.
#include "../TestTools.h"
#include "binary/Symbols.h"
#include "refresh/BinarySource.h"
#include "refresh/CrossBuild.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace pgoctl;
using namespace pgoctl::refresh;

namespace {

const char *kNoDwarf = ": no DWARF (build with -g, or give --debug-binary): profile is per "
                       "function from the symbol table; line offsets, discriminators and "
                       "inline stacks are lost";

class RefreshWarnings : public ::testing::Test {
protected:
  void SetUp() override {
    llvm::SmallString<128> D;
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("pgoctl-refresh-warn", D));
    Dir = std::string(D);
    unsetenv("DEBUGINFOD_URLS");
    setenv("PGOCTL_DEBUG_ROOT", (Dir + "/no-debug-root").c_str(), 1);
    Opts.CacheDir = Dir + "/cache";
    Opts.Warn = [this](llvm::StringRef W) { Warnings.push_back(W.str()); };
  }
  void TearDown() override {
    unsetenv("PGOCTL_DEBUG_ROOT");
    llvm::sys::fs::remove_directories(Dir);
  }
  void write(const std::string &Path, llvm::StringRef Bytes) {
    std::error_code EC;
    llvm::raw_fd_ostream OS(Path, EC);
    ASSERT_FALSE(EC) << Path << ": " << EC.message();
    OS << Bytes;
  }

  std::string Dir;
  std::vector<std::string> Warnings;
  BinarySourceOptions Opts;
};

// A folder given with --binary: its truncated ELF is passed over with a
// warning while the source is created; a cache entry that is not the build
// asked for is removed with a warning while find() runs.
TEST_F(RefreshWarnings, BinarySourceWarnsWhenItFinds) {
  ASSERT_FALSE(llvm::sys::fs::create_directories(Dir + "/bins"));
  write(Dir + "/bins/truncated", llvm::StringRef("\x7f" "ELF\x02\x01\x01", 7));
  Opts.Paths = {Dir + "/bins"};
  llvm::Expected<std::unique_ptr<BinarySource>> Src = BinarySource::create(Opts);
  ASSERT_TRUE(bool(Src)) << llvm::toString(Src.takeError());
  ASSERT_EQ(Warnings.size(), 1u);
  EXPECT_TRUE(llvm::StringRef(Warnings[0]).starts_with("--binary " + Dir + "/bins: skipped: "))
      << Warnings[0];

  const std::string Id = "ab12cd";
  ASSERT_FALSE(llvm::sys::fs::create_directories(Dir + "/cache/" + Id));
  std::string Entry = Dir + "/cache/" + Id + "/executable";
  write(Entry, "garbage\n");
  llvm::Expected<std::optional<FoundBinary>> F = (*Src)->find(Id, "");
  ASSERT_TRUE(bool(F)) << llvm::toString(F.takeError());
  EXPECT_FALSE(F->has_value());
  ASSERT_EQ(Warnings.size(), 2u);
  llvm::StringRef W = Warnings[1];
  EXPECT_TRUE(W.starts_with("cache: " + Entry + " is not build-id " + Id + " (")) << W.str();
  EXPECT_TRUE(W.ends_with("); removed, fetching it again")) << W.str();
  EXPECT_FALSE(llvm::sys::fs::exists(Entry));
}

/// The period's sum of two builds: one whose windows name no build-id (5
/// samples), and the fixture's (15 samples, at fixture_add's entry).
struct TwoBuilds {
  Accumulated A;
  std::string Bin = PGOCTL_FIXTURE_STRIPPED_SO;
  bool Ok = false;
  TwoBuilds() {
    std::optional<pgoctl::testing::NmSymbol> Nm =
        pgoctl::testing::nmSymbol(PGOCTL_LLVM_NM, PGOCTL_FIXTURE_SO, "fixture_add");
    llvm::Expected<binary::ElfInfo> Elf = binary::readElfInfo(Bin);
    if (!Nm || !Elf) {
      if (!Elf)
        llvm::consumeError(Elf.takeError());
      return;
    }
    A.P.Meta.Mode = ProfileMode::IpSamples;
    A.P.Meta.Event = "cycles";
    BinaryProfile B;
    B.BuildId = Elf->BuildId;
    B.Path = "/srv/" + llvm::sys::path::filename(Bin).str();
    B.Segments = Elf->Segments;
    B.Samples = {{Nm->Addr, 15}};
    A.P.Binaries.push_back(std::move(B));
    A.P.canonicalize();
    A.Windows = 2;
    A.Samples = 20;
    A.Builds.push_back({"none", 1, 5, {"raw/kv/web-1-none"}});
    A.Builds.push_back({Elf->BuildId, 1, 15, {"raw/kv/web-2-" + Elf->BuildId}});
    Ok = true;
  }
};

// The build without a build-id is left out (5 of 20 samples: 25.0%), then
// the fixture's Symbolizer says it has no DWARF; the merge goes on.
TEST_F(RefreshWarnings, CrossBuildLeftOutThenSymbolizer) {
  TwoBuilds T;
  ASSERT_TRUE(T.Ok) << "llvm-nm or the ELF reader failed on the fixture";
  Opts.Paths = {T.Bin};
  llvm::Expected<std::unique_ptr<BinarySource>> Src = BinarySource::create(Opts);
  ASSERT_TRUE(bool(Src)) << llvm::toString(Src.takeError());
  CrossBuildOptions CO;
  CO.Warn = Opts.Warn;
  llvm::Expected<CrossBuildResult> R = mergeAcrossBuilds(T.A, **Src, CO);
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  std::vector<std::string> Want = {
      "build none: the windows name no build-id, so no binary can be proven theirs; its 1 "
      "window (25.0% of the samples: raw/kv/web-1-none) are left out",
      T.Bin + kNoDwarf};
  EXPECT_EQ(Warnings, Want);
  ASSERT_EQ(R->Builds.size(), 2u);
  EXPECT_FALSE(R->Builds[0].Used);
  EXPECT_TRUE(R->Builds[1].Used);
  EXPECT_FALSE(R->Bytes.empty());
}

// No build can be used: the reasons are the error's text, not warnings too.
TEST_F(RefreshWarnings, CrossBuildNothingLeftIsOneError) {
  TwoBuilds T;
  ASSERT_TRUE(T.Ok) << "llvm-nm or the ELF reader failed on the fixture";
  T.A.Builds.pop_back();
  llvm::Expected<std::unique_ptr<BinarySource>> Src = BinarySource::create(Opts);
  ASSERT_TRUE(bool(Src)) << llvm::toString(Src.takeError());
  CrossBuildOptions CO;
  CO.Warn = Opts.Warn;
  llvm::Expected<CrossBuildResult> R = mergeAcrossBuilds(T.A, **Src, CO);
  ASSERT_FALSE(bool(R));
  std::string Msg = llvm::toString(R.takeError());
  EXPECT_NE(Msg.find("nothing to merge\n  build none: the windows name no build-id"),
            std::string::npos)
      << Msg;
  EXPECT_TRUE(Warnings.empty());
}

} // namespace
