// tests/unit/convert/WarningsTest.cpp: convert's writers report warnings
// through the WarningHandler of their options as they find them, the
// Symbolizers they create included. Expected sentences are written here from
// the code paths that warn; addresses come from llvm-nm, build-ids and
// segments from the ELF reader (the fixture is the same file throughout).
#include "tests/unit/TestTools.h"
#include "binary/Symbols.h"
#include "convert/bolt/Fdata.h"
#include "convert/sample/ProfData.h"

#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace pgoctl;
using namespace pgoctl::convert;

namespace {

struct Collected {
  std::vector<std::string> Warnings;
  WarningHandler handler() {
    return [this](llvm::StringRef W) { Warnings.push_back(W.str()); };
  }
};

/// A one-binary profile of Path with Count IP samples at the entry of
/// fixture_add (whose address llvm-nm gives, from the unstripped fixture:
/// llvm-strip keeps addresses).
struct OneBinary {
  Profile P;
  BinaryMatch M;
};
std::optional<OneBinary> ipProfileOf(const std::string &Path, uint64_t Count) {
  std::optional<pgoctl::testing::NmSymbol> Nm =
      pgoctl::testing::nmSymbol(PGOCTL_LLVM_NM, PGOCTL_FIXTURE_SO, "fixture_add");
  llvm::Expected<binary::ElfInfo> Elf = binary::readElfInfo(Path);
  if (!Nm || !Elf) {
    if (!Elf)
      llvm::consumeError(Elf.takeError());
    return std::nullopt;
  }
  OneBinary Out;
  Out.P.Meta.Mode = ProfileMode::IpSamples;
  Out.P.Meta.Event = "cycles";
  BinaryProfile B;
  B.BuildId = Elf->BuildId;
  B.Path = Path;
  B.Segments = Elf->Segments;
  B.Samples = {{Nm->Addr, Count}};
  Out.P.Binaries.push_back(std::move(B));
  Out.P.canonicalize();
  Out.M.Profile = &Out.P.Binaries[0];
  Out.M.ElfPath = Path;
  Out.M.Elf = std::move(*Elf);
  Out.M.How = binary::MatchHow::BuildId;
  return Out;
}

// Options that do not apply to the text format: two warnings, in the order
// serializeSampleMap checks them, and the profile is still written.
TEST(ConvertWarnings, TextFormatIgnoresExtBinaryOptions) {
  Collected C;
  ProfDataOptions Opts;
  Opts.Fmt = ProfDataOptions::Format::Text;
  Opts.UseMD5 = true;
  Opts.ProfileSymbolList = true;
  Opts.Warn = C.handler();
  SampleMap M;
  ConvertSummary Sum;
  llvm::Expected<std::string> Bytes = serializeSampleMap(M, Opts, "out.prof", Sum);
  ASSERT_TRUE(bool(Bytes)) << llvm::toString(Bytes.takeError());
  ASSERT_EQ(C.Warnings.size(), 2u);
  EXPECT_EQ(C.Warnings[0], "--use-md5 is ignored with --format text (extbinary only)");
  EXPECT_EQ(C.Warnings[1], "--profile-symbol-list is ignored with --format text (extbinary only)");
  // Without a handler: the same bytes, nothing called.
  Opts.Warn = nullptr;
  llvm::Expected<std::string> Again = serializeSampleMap(M, Opts, "out.prof", Sum);
  ASSERT_TRUE(bool(Again)) << llvm::toString(Again.takeError());
  EXPECT_EQ(*Again, *Bytes);
  EXPECT_EQ(C.Warnings.size(), 2u);
}

// The Symbolizer buildSampleMap creates warns through ProfDataOptions::Warn:
// the stripped fixture has no DWARF, so the profile is per function (its
// samples still land in fixture_add, so nothing else warns).
TEST(ConvertWarnings, SymbolizerWarningsReachTheHandler) {
  const std::string Bin = PGOCTL_FIXTURE_STRIPPED_SO;
  setenv("PGOCTL_DEBUG_ROOT", "/nonexistent-pgoctl-debug-root", 1);
  std::optional<OneBinary> In = ipProfileOf(Bin, 100);
  ASSERT_TRUE(In.has_value()) << "llvm-nm or the ELF reader failed on the fixture";
  Collected C;
  ProfDataOptions Opts;
  Opts.Warn = C.handler();
  ConvertSummary Sum;
  llvm::Expected<SampleMap> M =
      buildSampleMap(In->P, llvm::ArrayRef<BinaryMatch>(In->M), Opts, Sum);
  unsetenv("PGOCTL_DEBUG_ROOT");
  ASSERT_TRUE(bool(M)) << llvm::toString(M.takeError());
  EXPECT_EQ(uint64_t(Sum.SamplesAttributed), 100u);
  ASSERT_EQ(C.Warnings.size(), 1u);
  EXPECT_EQ(C.Warnings[0], Bin + ": no DWARF (build with -g, or give --debug-binary): profile "
                                 "is per function from the symbol table; line offsets, "
                                 "discriminators and inline stacks are lost");
}

// An IP sample outside every function: the writer's own warnings, in the
// order buildSampleMap finds them (the binary's, then the empty profile's).
TEST(ConvertWarnings, NothingAttributedWarnsTwice) {
  const std::string Bin = PGOCTL_FIXTURE_SO;
  std::optional<OneBinary> In = ipProfileOf(Bin, 5);
  ASSERT_TRUE(In.has_value()) << "llvm-nm or the ELF reader failed on the fixture";
  // Address 1 is below every segment of a shared object: in no function.
  In->P.Binaries[0].Samples = {{1, 5}};
  Collected C;
  ProfDataOptions Opts;
  Opts.Warn = C.handler();
  ConvertSummary Sum;
  llvm::Expected<SampleMap> M =
      buildSampleMap(In->P, llvm::ArrayRef<BinaryMatch>(In->M), Opts, Sum);
  ASSERT_TRUE(bool(M)) << llvm::toString(M.takeError());
  EXPECT_EQ(uint64_t(Sum.SamplesAttributed), 0u);
  std::vector<std::string> Want = {
      Bin + ": no IP sample fell into a known function",
      "the profile is empty: no sample fell into a function with debug info or symbols"};
  // The fixture may or may not carry DWARF (the build type decides): a
  // no-DWARF sentence from its Symbolizer comes first then.
  std::vector<std::string> Got = C.Warnings;
  if (!Got.empty() && llvm::StringRef(Got[0]).contains(": no DWARF "))
    Got.erase(Got.begin());
  EXPECT_EQ(Got, Want);
}

// writeFdata: --infer-edges on an LBR profile is ignored, with a warning.
TEST(ConvertWarnings, FdataInferEdgesOnLbr) {
  const std::string Bin = PGOCTL_FIXTURE_SO;
  std::optional<OneBinary> In = ipProfileOf(Bin, 5);
  ASSERT_TRUE(In.has_value()) << "llvm-nm or the ELF reader failed on the fixture";
  In->P.Meta.Mode = ProfileMode::Lbr;
  In->P.Binaries[0].Samples.clear();
  Collected C;
  FdataOptions Opts;
  Opts.InferEdges = true;
  Opts.Warn = C.handler();
  ConvertSummary Sum;
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  llvm::Error E = writeFdata(In->P, In->M, Opts, OS, Sum);
  ASSERT_FALSE(bool(E)) << llvm::toString(std::move(E));
  ASSERT_EQ(C.Warnings.size(), 1u);
  EXPECT_EQ(C.Warnings[0], "--infer-edges is ignored: the profile has LBR branch records, "
                           "written as they are");
}

} // namespace
