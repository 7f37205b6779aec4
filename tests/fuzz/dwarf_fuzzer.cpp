// tests/fuzz/dwarf_fuzzer.cpp: libFuzzer target for convert's DWARF path.
//
// The binaries are real: tests/fuzz/dwarf_fuzz_input.c built by clang with
// -g (DWARF 5 and DWARF 4, next to this fuzzer; PGOCTL_FUZZ_DWARF_DIR
// overrides the folder). An input is a patch of their debug info, so every
// mutation stays inside DWARF: byte 0 picks the binary (bit 7) and one of its
// .debug_* sections (the rest, modulo their number); the following bytes
// overwrite that section from its start (bytes past the input keep their
// original value; the section's size and the rest of the ELF never change).
// An empty input is the unchanged binary.
//
// Each patched binary goes through what `pgoctl convert` runs: matchBinaries,
// then writeProfData (text) for a fixed LBR profile and writeProfData
// (extbinary) for a fixed IP profile, and writeFdata for the LBR profile.
// The profiles are made once from the unchanged binary: a fall-through range
// from each block start to each branch, call and return, the taken branch of
// each direct jump and call, and an IP sample on every instruction, so every
// function and line gets symbolized. Any crash, hang, sanitizer report or
// unbounded allocation is a bug; errors and warnings are the expected outcome.
//
// With PGOCTL_FUZZ_WRITE_SEEDS=DIR set, the fuzzer writes one seed per section
// (the section's original bytes) into DIR and exits. With
// PGOCTL_FUZZ_DWARF_NAMES=1 it also checks that damage never gives a silently
// wrong name (issue 18, finding 3): when writeProfData warns of nothing, every
// top-level function of the text profile is a function symbol of the binary
// (the symbol table is outside the patched sections). Off by default: today
// a changed .debug_str renames functions without a warning.
#include "FuzzSupport.h"

#include "convert/bolt/Fdata.h"
#include "convert/sample/ProfData.h"
#include "binary/Symbolizer.h"
#include "binary/Symbols.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

using namespace pgoctl;
using namespace pgoctl::convert;
using namespace pgoctl::binary;

namespace {

struct Section {
  std::string Name;
  uint64_t Offset = 0, Size = 0; ///< in the file
};

struct Target {
  std::string Path;         ///< the unchanged binary
  std::string Bytes;        ///< its contents
  std::vector<Section> Debug; ///< its .debug_* sections, in section order
  Profile Lbr, Ip;          ///< the fixed profiles
  std::set<std::string> FunctionSymbols;
};

std::vector<Target> Targets;
std::string OutDir; ///< scratch folder for writeProfData's output
bool CheckNames = false; ///< PGOCTL_FUZZ_DWARF_NAMES

[[noreturn]] void die(const std::string &Msg) {
  std::fprintf(stderr, "dwarf_fuzzer: %s\n", Msg.c_str());
  std::exit(1);
}

std::string fuzzerDir(const char *Argv0) {
  if (const char *Env = std::getenv("PGOCTL_FUZZ_DWARF_DIR"); Env && *Env)
    return Env;
  llvm::SmallString<256> Exe;
  if (llvm::sys::fs::real_path("/proc/self/exe", Exe))
    Exe = Argv0;
  return std::string(llvm::sys::path::parent_path(Exe));
}

std::vector<Section> debugSections(const std::string &Path, const std::string &Bytes) {
  auto Obj = llvm::object::ObjectFile::createObjectFile(
      llvm::MemoryBufferRef(Bytes, Path));
  if (!Obj)
    die(Path + ": " + llvm::toString(Obj.takeError()));
  auto *Elf = llvm::dyn_cast<llvm::object::ELFObjectFileBase>(Obj->get());
  if (!Elf)
    die(Path + ": not ELF");
  std::vector<Section> Out;
  for (llvm::object::ELFSectionRef S : Elf->sections()) {
    llvm::Expected<llvm::StringRef> Name = S.getName();
    if (!Name)
      die(Path + ": " + llvm::toString(Name.takeError()));
    if (Name->starts_with(".debug_") && S.getSize() > 0)
      Out.push_back({Name->str(), S.getOffset(), S.getSize()});
  }
  if (Out.empty())
    die(Path + ": no .debug_* sections (built without -g?)");
  return Out;
}

/// The fixed LBR and IP profiles of the unchanged binary (see the header).
void makeProfiles(Target &T) {
  llvm::Expected<binary::ElfInfo> Info = binary::readElfInfo(T.Path);
  if (!Info)
    die(llvm::toString(Info.takeError()));
  llvm::Expected<std::unique_ptr<Symbolizer>> S = Symbolizer::create(T.Path, {});
  if (!S)
    die(llvm::toString(S.takeError()));
  const Symbolizer &Sy = **S;
  BinaryProfile B;
  B.BuildId = Info->BuildId;
  B.Path = "/opt/app/" + std::string(llvm::sys::path::filename(T.Path));
  B.Segments = Info->Segments;
  BinaryProfile L = B, I = B;
  for (const BinaryFunction &F : Sy.functions())
    for (auto [Lo, Hi] : F.Ranges) {
      uint64_t Begin = Lo;
      for (uint32_t K = Sy.instLowerBound(Lo); K < Sy.numInsts() && Sy.instAddr(K) < Hi; ++K) {
        uint64_t Addr = Sy.instAddr(K);
        I.Samples.push_back({Addr, 1 + K % 7});
        InstKind Kind = Sy.instKind(K);
        if (Kind == InstKind::Other || Kind == InstKind::Nop)
          continue;
        L.Ranges.push_back({Begin, Addr, 10 + K % 5});
        if (std::optional<uint64_t> To = Sy.directTarget(K))
          L.Branches.push_back({Addr, *To, 10 + K % 5, K % 2});
        Begin = Addr + Sy.instSize(K);
      }
    }
  if (L.Ranges.empty() || I.Samples.empty())
    die(T.Path + ": no instructions in any function");
  T.Lbr.Meta.Mode = ProfileMode::Lbr;
  T.Lbr.Meta.Event = "br_inst_retired.near_taken";
  T.Lbr.Binaries.push_back(std::move(L));
  T.Lbr.canonicalize();
  T.Ip.Meta.Mode = ProfileMode::IpSamples;
  T.Ip.Meta.Event = "cycles";
  T.Ip.Binaries.push_back(std::move(I));
  T.Ip.canonicalize();
  llvm::Expected<SymbolTable> Syms = SymbolTable::load(T.Path);
  if (!Syms)
    die(llvm::toString(Syms.takeError()));
  for (const SymbolInfo &Sym : Syms->symbols())
    T.FunctionSymbols.insert(Sym.Name);
}

/// With no warning, the text profile at Path names only functions of T.
void checkNames(const Target &T, const std::string &Path, bool Warned) {
  if (Warned)
    return;
  auto MB = llvm::MemoryBuffer::getFile(Path);
  if (!MB)
    return;
  llvm::StringRef Text = (*MB)->getBuffer();
  while (!Text.empty()) {
    auto [Line, Rest] = Text.split('\n');
    Text = Rest;
    if (Line.empty() || Line.front() == ' ')
      continue;
    llvm::StringRef Name = Line.rsplit(':').first.rsplit(':').first;
    pgoctl::fuzz::fuzzCheck(T.FunctionSymbols.count(Name.str()),
                            "no warning, but the profile names '" + Name.str() +
                                "', which is no function of the binary");
  }
}

void writeSeeds(const std::string &Dir) {
  if (std::error_code EC = llvm::sys::fs::create_directories(Dir))
    die(Dir + ": " + EC.message());
  for (size_t Ti = 0; Ti < Targets.size(); ++Ti)
    for (size_t Si = 0; Si < Targets[Ti].Debug.size(); ++Si) {
      const Target &T = Targets[Ti];
      const Section &S = T.Debug[Si];
      std::string Seed(1, char((Ti << 7) | Si));
      Seed += T.Bytes.substr(S.Offset, S.Size);
      llvm::SmallString<256> Path(Dir);
      llvm::sys::path::append(Path, llvm::sys::path::filename(T.Path).str() + S.Name);
      std::error_code EC;
      llvm::raw_fd_ostream OS(Path, EC);
      if (EC)
        die(std::string(Path) + ": " + EC.message());
      OS << Seed;
    }
}

void convertAll(const Target &T, const Profile &P, const std::string &ElfPath, bool Text) {
  llvm::Expected<std::vector<BinaryMatch>> M = matchBinaries(P, {ElfPath}, false);
  if (!M) {
    llvm::consumeError(M.takeError());
    return;
  }
  ConvertSummary Sum;
  ProfDataOptions PD;
  PD.Fmt = Text ? ProfDataOptions::Format::Text : ProfDataOptions::Format::ExtBinary;
  bool Warned = false;
  PD.Warn = [&](llvm::StringRef) { Warned = true; };
  std::string Out = OutDir + "/out.prof";
  if (llvm::Error E = writeProfData(P, *M, PD, Out, Sum))
    llvm::consumeError(std::move(E));
  else if (Text && CheckNames)
    checkNames(T, Out, Warned);
  if (P.Meta.Mode != ProfileMode::Lbr)
    return;
  std::string Fdata;
  llvm::raw_string_ostream OS(Fdata);
  ConvertSummary FSum;
  if (llvm::Error E = writeFdata(P, (*M)[0], FdataOptions(), OS, FSum))
    llvm::consumeError(std::move(E));
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *Argc, char ***Argv) {
  // No split debug info from the machine: only the binary's own DWARF.
  setenv("PGOCTL_DEBUG_ROOT", "/nonexistent-pgoctl-debug-root", 1);
  std::string Dir = fuzzerDir((*Argv)[0]);
  const char *Names = std::getenv("PGOCTL_FUZZ_DWARF_NAMES");
  CheckNames = Names && std::strcmp(Names, "1") == 0;
  for (const char *Name : {"dwarf_fuzz_input.dwarf5", "dwarf_fuzz_input.dwarf4"}) {
    Target T;
    llvm::SmallString<256> Path(Dir);
    llvm::sys::path::append(Path, Name);
    T.Path = std::string(Path);
    auto MB = llvm::MemoryBuffer::getFile(T.Path);
    if (!MB)
      die(T.Path + ": " + MB.getError().message());
    T.Bytes = (*MB)->getBuffer().str();
    T.Debug = debugSections(T.Path, T.Bytes);
    makeProfiles(T);
    Targets.push_back(std::move(T));
  }
  if (const char *Seeds = std::getenv("PGOCTL_FUZZ_WRITE_SEEDS"); Seeds && *Seeds) {
    writeSeeds(Seeds);
    std::exit(0);
  }
  // Scratch outputs on tmpfs when there is one: the writer fsyncs every
  // output, and on a loaded disk one fsync took over the 10 s timeout.
  llvm::SmallString<256> Tmp;
  std::error_code EC = llvm::sys::fs::is_directory("/dev/shm")
                           ? llvm::sys::fs::createUniqueDirectory("/dev/shm/pgoctl-dwarf-fuzz", Tmp)
                           : std::make_error_code(std::errc::no_such_file_or_directory);
  if (EC && (EC = llvm::sys::fs::createUniqueDirectory("pgoctl-dwarf-fuzz", Tmp)))
    die(std::string("scratch folder: ") + EC.message());
  OutDir = std::string(Tmp);
  std::atexit([] { llvm::sys::fs::remove_directories(OutDir); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  uint8_t Sel = Size ? Data[0] : 0;
  const Target &T = Targets[(Sel >> 7) % Targets.size()];
  const Section &S = T.Debug[(Sel & 0x7f) % T.Debug.size()];
  std::string Bytes = T.Bytes;
  if (Size > 1)
    memcpy(Bytes.data() + S.Offset, Data + 1, std::min<uint64_t>(Size - 1, S.Size));
  pgoctl::fuzz::MemFile F(reinterpret_cast<const uint8_t *>(Bytes.data()), Bytes.size());
  if (!F.ok())
    return 0;
  convertAll(T, T.Lbr, F.path(), /*Text=*/true);
  convertAll(T, T.Ip, F.path(), /*Text=*/false);
  return 0;
}
