// tests/unit/SymbolsTest.cpp: binary/Symbols.h against independent oracles.
// The fixture is a shared object CMake builds from fixtures/symbols_fixture.cpp
// (plus an llvm-strip'ed copy); expected symbols come from llvm-nm, build-id,
// segments and header fields from llvm-readelf.
#include "tests/unit/TestTools.h"
#include "binary/Symbols.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/BinaryFormat/ELF.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>

using namespace pgoctl;
using namespace pgoctl::binary;

namespace {

std::string errorText(llvm::Error E) { return llvm::toString(std::move(E)); }

using pgoctl::testing::runTool;

struct NmSymbol {
  std::string Name;
  uint64_t Addr = 0, Size = 0;
};

/// Function symbols with nonzero size, as llvm-nm's SysV format lists them.
std::vector<NmSymbol> nmFunctions(const std::string &File, bool Dynamic) {
  std::string Out = runTool(std::string(PGOCTL_LLVM_NM) + " --format=sysv --demangle " +
                            "--defined-only " + (Dynamic ? "-D " : "") + File);
  std::vector<NmSymbol> Syms;
  llvm::SmallVector<llvm::StringRef, 64> Lines;
  llvm::StringRef(Out).split(Lines, '\n');
  for (llvm::StringRef L : Lines) {
    llvm::SmallVector<llvm::StringRef, 8> F;
    L.split(F, '|');
    if (F.size() < 7)
      continue;
    llvm::StringRef Type = F[3].trim();
    if (Type != "FUNC" && Type != "IFUNC")
      continue;
    NmSymbol S;
    S.Name = F[0].trim().str();
    if (F[1].trim().getAsInteger(16, S.Addr) || F[4].trim().getAsInteger(16, S.Size))
      continue;
    if (S.Size != 0)
      Syms.push_back(S);
  }
  return Syms;
}

const NmSymbol *byName(const std::vector<NmSymbol> &Syms, llvm::StringRef Name) {
  for (const NmSymbol &S : Syms)
    if (S.Name == Name)
      return &S;
  return nullptr;
}

const char *const kFixtureFunctions[] = {"fixture_add", "fixture::compute(int)",
                                         "fixture::Widget::twice(int) const",
                                         "fixtureHelper(int)", "fixture_use"};

TEST(Symbols, LookupAgreesWithLlvmNm) {
  llvm::Expected<SymbolTable> T = SymbolTable::load(PGOCTL_FIXTURE_SO);
  ASSERT_TRUE(bool(T)) << errorText(T.takeError());
  EXPECT_FALSE(T->fromDynsym());
  std::vector<NmSymbol> Nm = nmFunctions(PGOCTL_FIXTURE_SO, false);
  ASSERT_FALSE(Nm.empty()) << "llvm-nm listed no functions";

  for (const char *Name : kFixtureFunctions) {
    const NmSymbol *S = byName(Nm, Name);
    ASSERT_NE(S, nullptr) << Name << " missing from llvm-nm output";
    for (uint64_t A : {S->Addr, S->Addr + S->Size / 2, S->Addr + S->Size - 1}) {
      const SymbolInfo *Got = T->lookup(A);
      ASSERT_NE(Got, nullptr) << Name << " at " << A;
      EXPECT_EQ(Got->Name, Name);
      EXPECT_EQ(Got->Start, S->Addr);
      EXPECT_EQ(Got->Size, S->Size);
    }
  }
  // Every function nm lists resolves to a symbol at its address, and the
  // byte after it is either outside every function or the next function.
  std::map<uint64_t, uint64_t> Distinct;
  for (const NmSymbol &S : Nm) {
    Distinct[S.Addr] = S.Size;
    const SymbolInfo *Got = T->lookup(S.Addr);
    ASSERT_NE(Got, nullptr) << S.Name;
    EXPECT_EQ(Got->Start, S.Addr) << S.Name;
    const SymbolInfo *After = T->lookup(S.Addr + S.Size);
    if (After)
      EXPECT_EQ(After->Start, S.Addr + S.Size) << S.Name;
  }
  EXPECT_EQ(T->symbols().size(), Distinct.size());
  EXPECT_EQ(T->lookup(0), nullptr);
}

TEST(Symbols, AliasKeepsTheGlobalName) {
  std::vector<NmSymbol> Nm = nmFunctions(PGOCTL_FIXTURE_SO, false);
  const NmSymbol *Alias = byName(Nm, "fixture_add_alias");
  const NmSymbol *Add = byName(Nm, "fixture_add");
  ASSERT_NE(Alias, nullptr);
  ASSERT_NE(Add, nullptr);
  ASSERT_EQ(Alias->Addr, Add->Addr); // nm confirms it is an alias
  llvm::Expected<SymbolTable> T = SymbolTable::load(PGOCTL_FIXTURE_SO);
  ASSERT_TRUE(bool(T)) << errorText(T.takeError());
  EXPECT_EQ(T->lookup(Add->Addr)->Name, "fixture_add");
}

TEST(Symbols, StrippedFallsBackToDynsym) {
  llvm::Expected<SymbolTable> T = SymbolTable::load(PGOCTL_FIXTURE_STRIPPED_SO);
  ASSERT_TRUE(bool(T)) << errorText(T.takeError());
  EXPECT_TRUE(T->fromDynsym());
  EXPECT_TRUE(nmFunctions(PGOCTL_FIXTURE_STRIPPED_SO, false).empty()); // really stripped
  std::vector<NmSymbol> Nm = nmFunctions(PGOCTL_FIXTURE_STRIPPED_SO, true);
  const NmSymbol *Twice = byName(Nm, "fixture::Widget::twice(int) const");
  ASSERT_NE(Twice, nullptr);
  const SymbolInfo *Got = T->lookup(Twice->Addr + 1);
  ASSERT_NE(Got, nullptr);
  EXPECT_EQ(Got->Name, Twice->Name);
  // The static helper is not exported: gone from .dynsym.
  EXPECT_EQ(byName(Nm, "fixtureHelper(int)"), nullptr);
  for (const SymbolInfo &S : T->symbols())
    EXPECT_NE(S.Name, "fixtureHelper(int)");
}

/// Build-id, PT_LOAD segments and header fields as llvm-readelf prints them.
struct ReadelfInfo {
  std::string BuildId;
  std::vector<LoadSegment> Segments;
  std::string Type;
  uint64_t Entry = 0;
};

ReadelfInfo readelf(const std::string &File) {
  ReadelfInfo R;
  std::string Out = runTool(std::string(PGOCTL_LLVM_READELF) + " -hlnW " + File);
  llvm::SmallVector<llvm::StringRef, 64> Lines;
  llvm::StringRef(Out).split(Lines, '\n');
  for (llvm::StringRef L : Lines) {
    L = L.trim();
    if (L.consume_front("Build ID:"))
      R.BuildId = L.trim().str();
    else if (L.consume_front("Type:"))
      R.Type = L.trim().split(' ').first.str();
    else if (L.consume_front("Entry point address:"))
      L.trim().getAsInteger(0, R.Entry);
    else if (L.consume_front("LOAD ")) {
      llvm::SmallVector<llvm::StringRef, 12> F;
      L.split(F, ' ', -1, /*KeepEmpty=*/false);
      // Offset VirtAddr PhysAddr FileSiz MemSiz Flg... Align
      LoadSegment S;
      F[0].getAsInteger(0, S.FileOffset);
      F[1].getAsInteger(0, S.VAddr);
      F[3].getAsInteger(0, S.FileSize);
      F[4].getAsInteger(0, S.MemSize);
      for (size_t I = 5; I + 1 < F.size(); ++I) // "R E", "RW", ...
        for (char C : F[I])
          S.Flags |= C == 'R' ? llvm::ELF::PF_R : C == 'W' ? llvm::ELF::PF_W
                                              : C == 'E' ? llvm::ELF::PF_X : 0;
      R.Segments.push_back(S);
    }
  }
  return R;
}

TEST(ElfInfo, AgreesWithLlvmReadelf) {
  llvm::Expected<ElfInfo> Info = readElfInfo(PGOCTL_FIXTURE_SO);
  ASSERT_TRUE(bool(Info)) << errorText(Info.takeError());
  ReadelfInfo R = readelf(PGOCTL_FIXTURE_SO);
  ASSERT_EQ(R.BuildId.size(), 40u) << "fixture linked without --build-id=sha1?";
  EXPECT_EQ(Info->BuildId, R.BuildId);
  ASSERT_GE(R.Segments.size(), 2u);
  EXPECT_EQ(Info->Segments, R.Segments);
  EXPECT_EQ(R.Type, "DYN");
  EXPECT_TRUE(Info->IsPIE);
  EXPECT_TRUE(Info->Is64Bit);
  EXPECT_EQ(Info->Entry, R.Entry);
  // Each segment's first file byte maps to its vaddr.
  for (const LoadSegment &S : R.Segments)
    if (S.FileSize)
      EXPECT_EQ(fileOffsetToVaddr(Info->Segments, S.FileOffset), S.VAddr);
}

TEST(ElfInfo, FileOffsetToVaddrByHand) {
  std::vector<LoadSegment> Segs = {{0x0, 0x4e0, 0x0, 0x4e0, 4},
                                   {0x1000, 0x141, 0x1000, 0x141, 5},
                                   {0x3df8, 0x218, 0x2df8, 0x210, 6}};
  EXPECT_EQ(fileOffsetToVaddr(Segs, 0x10), 0x10u);
  EXPECT_EQ(fileOffsetToVaddr(Segs, 0x1140), 0x1140u);
  EXPECT_EQ(fileOffsetToVaddr(Segs, 0x2e00), 0x3e00u);
  EXPECT_EQ(fileOffsetToVaddr(Segs, 0x1141), std::nullopt); // past FileSize
  EXPECT_EQ(fileOffsetToVaddr(Segs, 0x3008), std::nullopt); // 0x2df8 + 0x210 = 0x3008
}

TEST(ElfInfo, ErrorsNameTheFile) {
  llvm::Expected<ElfInfo> Missing = readElfInfo("/nonexistent/libfoo.so");
  ASSERT_FALSE(bool(Missing));
  EXPECT_NE(errorText(Missing.takeError()).find("/nonexistent/libfoo.so"), std::string::npos);

  std::string Text = ::testing::TempDir() + "/pgoctl-not-elf.txt";
  std::ofstream(Text) << "just text, long enough to not be mistaken for anything\n";
  llvm::Expected<ElfInfo> NotElf = readElfInfo(Text);
  ASSERT_FALSE(bool(NotElf));
  EXPECT_NE(errorText(NotElf.takeError()).find(Text), std::string::npos);
  llvm::Expected<SymbolTable> NotElfSyms = SymbolTable::load(Text);
  ASSERT_FALSE(bool(NotElfSyms));
  EXPECT_NE(errorText(NotElfSyms.takeError()).find(Text), std::string::npos);
}

TEST(SymbolTable, NestedSymbolsByHand) {
  SymbolTable T = SymbolTable::fromSymbols(
      {{"inner", 0x120, 0x10}, {"outer", 0x100, 0x100}, {"next", 0x300, 0x8}});
  EXPECT_EQ(T.lookup(0xff), nullptr);
  EXPECT_EQ(T.lookup(0x100)->Name, "outer");
  EXPECT_EQ(T.lookup(0x125)->Name, "inner");
  EXPECT_EQ(T.lookup(0x130)->Name, "outer"); // past inner, still in outer
  EXPECT_EQ(T.lookup(0x1ff)->Name, "outer");
  EXPECT_EQ(T.lookup(0x200), nullptr);
  EXPECT_EQ(T.lookup(0x307)->Name, "next");
  EXPECT_EQ(T.lookup(0x308), nullptr);
}

} // namespace
