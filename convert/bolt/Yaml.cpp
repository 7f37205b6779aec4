// convert/bolt/Yaml.cpp: BOLT YAML profiles through llvm-bolt, and their
// merge across builds (see Yaml.h).
#include "convert/bolt/Yaml.h"

#include "convert/bolt/Fdata.h"
#include "core/Error.h"
#include "core/Support.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLTraits.h"

#include <map>
#include <optional>

namespace pgoctl::convert {
namespace {

// --- The YAML profile, as llvm::yaml reads and writes it -------------------
// The fields of BOLT 22's profile (bolt/Profile/ProfileYAMLMapping.h) that
// LBR and sample profiles use, with BOLT's keys, defaults and styles. Pseudo
// probe fields are not mapped, so a profile carrying them is refused by the
// reader (an unknown key) instead of losing them in a merge.
namespace yb {
struct CallSite {
  llvm::yaml::Hex32 Offset = 0;
  uint32_t DestId = 0;
  uint32_t EntryDiscriminator = 0;
  uint64_t Count = 0, Mispreds = 0;
  bool operator==(const CallSite &) const = default;
};
struct Successor {
  uint32_t Index = 0;
  uint64_t Count = 0, Mispreds = 0;
  bool operator==(const Successor &) const = default;
};
struct Block {
  uint32_t Index = 0, NumInstructions = 0;
  llvm::yaml::Hex64 Hash = 0;
  uint64_t ExecCount = 0, EventCount = 0;
  std::vector<CallSite> CallSites;
  std::vector<Successor> Successors;
  bool operator==(const Block &) const = default;
};
struct Function {
  std::string Name;
  uint32_t Id = 0, NumBasicBlocks = 0;
  llvm::yaml::Hex64 Hash = 0;
  uint64_t ExecCount = 0, ExternEntryCount = 0;
  std::vector<Block> Blocks;
};
enum class HashFunction { StdHash, XXH3 };
LLVM_YAML_STRONG_TYPEDEF(uint16_t, ProfileFlags)
enum : uint16_t { FlagLbr = 1, FlagSample = 2, FlagMemEvent = 4 };
struct Header {
  uint32_t Version = 1;
  std::string FileName, Id;
  ProfileFlags Flags = ProfileFlags(0);
  std::string Origin, EventNames;
  bool IsDFSOrder = true;
  HashFunction Hash = HashFunction::StdHash;
};
struct Profile {
  Header Head;
  std::vector<Function> Functions;
};
} // namespace yb
} // namespace
} // namespace pgoctl::convert

LLVM_YAML_IS_FLOW_SEQUENCE_VECTOR(pgoctl::convert::yb::CallSite)
LLVM_YAML_IS_FLOW_SEQUENCE_VECTOR(pgoctl::convert::yb::Successor)
LLVM_YAML_IS_SEQUENCE_VECTOR(pgoctl::convert::yb::Block)
LLVM_YAML_IS_SEQUENCE_VECTOR(pgoctl::convert::yb::Function)

namespace llvm::yaml {
using namespace pgoctl::convert::yb;
template <> struct MappingTraits<CallSite> {
  static void mapping(IO &Io, CallSite &C) {
    Io.mapRequired("off", C.Offset);
    Io.mapRequired("fid", C.DestId);
    Io.mapOptional("disc", C.EntryDiscriminator, uint32_t(0));
    Io.mapRequired("cnt", C.Count);
    Io.mapOptional("mis", C.Mispreds, uint64_t(0));
  }
  static const bool flow = true;
};
template <> struct MappingTraits<Successor> {
  static void mapping(IO &Io, Successor &S) {
    Io.mapRequired("bid", S.Index);
    Io.mapRequired("cnt", S.Count);
    Io.mapOptional("mis", S.Mispreds, uint64_t(0));
  }
  static const bool flow = true;
};
template <> struct MappingTraits<Block> {
  static void mapping(IO &Io, Block &B) {
    Io.mapRequired("bid", B.Index);
    Io.mapRequired("insns", B.NumInstructions);
    Io.mapOptional("hash", B.Hash, Hex64(0));
    Io.mapOptional("exec", B.ExecCount, uint64_t(0));
    Io.mapOptional("events", B.EventCount, uint64_t(0));
    Io.mapOptional("calls", B.CallSites, std::vector<CallSite>());
    Io.mapOptional("succ", B.Successors, std::vector<Successor>());
  }
};
template <> struct MappingTraits<Function> {
  static void mapping(IO &Io, Function &F) {
    Io.mapRequired("name", F.Name);
    Io.mapRequired("fid", F.Id);
    Io.mapRequired("hash", F.Hash);
    Io.mapRequired("exec", F.ExecCount);
    Io.mapOptional("extern", F.ExternEntryCount, uint64_t(0));
    Io.mapRequired("nblocks", F.NumBasicBlocks);
    Io.mapOptional("blocks", F.Blocks, std::vector<Block>());
  }
};
template <> struct ScalarBitSetTraits<ProfileFlags> {
  static void bitset(IO &Io, ProfileFlags &V) {
    Io.bitSetCase(V, "lbr", uint32_t(FlagLbr));
    Io.bitSetCase(V, "sample", uint32_t(FlagSample));
    Io.bitSetCase(V, "memevent", uint32_t(FlagMemEvent));
  }
};
template <> struct ScalarEnumerationTraits<HashFunction> {
  static void enumeration(IO &Io, HashFunction &V) {
    Io.enumCase(V, "std-hash", HashFunction::StdHash);
    Io.enumCase(V, "xxh3", HashFunction::XXH3);
  }
};
template <> struct MappingTraits<Header> {
  static void mapping(IO &Io, Header &H) {
    Io.mapRequired("profile-version", H.Version);
    Io.mapRequired("binary-name", H.FileName);
    Io.mapOptional("binary-build-id", H.Id);
    Io.mapRequired("profile-flags", H.Flags);
    Io.mapOptional("profile-origin", H.Origin);
    Io.mapOptional("profile-events", H.EventNames);
    Io.mapOptional("dfs-order", H.IsDFSOrder);
    Io.mapOptional("hash-func", H.Hash, HashFunction::StdHash);
  }
};
template <> struct MappingTraits<pgoctl::convert::yb::Profile> {
  static void mapping(IO &Io, pgoctl::convert::yb::Profile &P) {
    Io.mapRequired("header", P.Head);
    Io.mapRequired("functions", P.Functions);
  }
};
} // namespace llvm::yaml

namespace pgoctl::convert {
namespace {

// --- llvm-bolt -----------------------------------------------------------------

/// The last lines of a tool's log, for an error message.
std::string logTail(llvm::StringRef Path) {
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  if (!Buf)
    return "(no log)";
  llvm::StringRef Text = (*Buf)->getBuffer().rtrim();
  size_t From = Text.size() > 2000 ? Text.size() - 2000 : 0;
  return Text.substr(From).str();
}

/// A temporary file that is removed when this goes out of scope.
struct TempFile {
  llvm::SmallString<128> Path;
  llvm::FileRemover Remover;
  static llvm::Expected<std::unique_ptr<TempFile>> create(llvm::StringRef Suffix) {
    auto T = std::make_unique<TempFile>();
    if (std::error_code EC = llvm::sys::fs::createTemporaryFile("pgoctl-bolt", Suffix, T->Path))
      return makeError("cannot create a temporary .{0} file: {1}", Suffix, EC.message());
    T->Remover.setFile(T->Path);
    return T;
  }
};

// --- merge -----------------------------------------------------------------------

llvm::Expected<yb::Profile> parseYaml(const std::string &Bytes, const std::string &Name) {
  // BOLT reads a file as YAML when it starts so (YAMLProfileReader::isYAML);
  // an empty stream would otherwise parse as an empty profile.
  if (!llvm::StringRef(Bytes).starts_with("---\n"))
    return makeKindError(ErrorKind::Damaged,
                         "{0}: not a BOLT YAML profile (it does not start with `---`)", Name);
  std::string Diag;
  auto Handler = [](const llvm::SMDiagnostic &D, void *Ctx) {
    auto &Out = *static_cast<std::string *>(Ctx);
    if (Out.empty())
      Out = llvm::formatv("line {0}: {1}", D.getLineNo(), D.getMessage()).str();
  };
  yb::Profile P;
  llvm::yaml::Input In(Bytes, nullptr, Handler, &Diag);
  In >> P;
  if (In.error())
    return makeKindError(ErrorKind::Damaged, "{0}: not a BOLT YAML profile pgoctl can merge: {1}",
                         Name, Diag.empty() ? In.error().message() : Diag);
  if (P.Head.Version != 1)
    return makeKindError(ErrorKind::Damaged, "{0}: BOLT YAML profile-version {1} (pgoctl merges 1)",
                         Name, P.Head.Version);
  return P;
}

/// Adds B to A, failing on overflow (counts of merged profiles are sums).
llvm::Error addCount(uint64_t &A, uint64_t B, llvm::StringRef Where) {
  bool Overflow = false;
  uint64_t R = llvm::SaturatingAdd(A, B, &Overflow);
  if (Overflow)
    return makeKindError(ErrorKind::Resource, "{0}: a count overflows 64 bits in the merge", Where);
  A = R;
  return llvm::Error::success();
}

bool sameShape(const yb::Function &A, const yb::Function &B) {
  if (A.Hash != B.Hash || A.NumBasicBlocks != B.NumBasicBlocks)
    return false;
  // Blocks present in both must be the same block (BOLT writes only blocks
  // with counts, so the lists may differ in which blocks they hold).
  std::map<uint32_t, const yb::Block *> ByIndex;
  for (const yb::Block &Blk : A.Blocks)
    ByIndex[Blk.Index] = &Blk;
  for (const yb::Block &Blk : B.Blocks) {
    auto It = ByIndex.find(Blk.Index);
    if (It != ByIndex.end() &&
        (It->second->Hash != Blk.Hash || It->second->NumInstructions != Blk.NumInstructions))
      return false;
  }
  return true;
}

/// Adds From (an older build's profile of the same code, its call sites
/// already renumbered) into Into.
llvm::Error addFunction(yb::Function &Into, const yb::Function &From) {
  llvm::StringRef Where = Into.Name;
  if (llvm::Error E = addCount(Into.ExecCount, From.ExecCount, Where))
    return E;
  if (llvm::Error E = addCount(Into.ExternEntryCount, From.ExternEntryCount, Where))
    return E;
  for (const yb::Block &FB : From.Blocks) {
    if (FB.Index >= Into.NumBasicBlocks)
      return makeKindError(ErrorKind::Damaged, "{0}: block {1} of {2}", Where, FB.Index,
                           Into.NumBasicBlocks);
    auto It = llvm::find_if(Into.Blocks, [&](const yb::Block &B) { return B.Index == FB.Index; });
    if (It == Into.Blocks.end()) {
      Into.Blocks.push_back(FB);
      continue;
    }
    yb::Block &IB = *It;
    if (llvm::Error E = addCount(IB.ExecCount, FB.ExecCount, Where))
      return E;
    if (llvm::Error E = addCount(IB.EventCount, FB.EventCount, Where))
      return E;
    for (const yb::CallSite &FC : FB.CallSites) {
      auto C = llvm::find_if(IB.CallSites, [&](const yb::CallSite &X) {
        return X.Offset == FC.Offset && X.DestId == FC.DestId &&
               X.EntryDiscriminator == FC.EntryDiscriminator;
      });
      if (C == IB.CallSites.end()) {
        IB.CallSites.push_back(FC);
        continue;
      }
      if (llvm::Error E = addCount(C->Count, FC.Count, Where))
        return E;
      if (llvm::Error E = addCount(C->Mispreds, FC.Mispreds, Where))
        return E;
    }
    for (const yb::Successor &FS : FB.Successors) {
      if (FS.Index >= Into.NumBasicBlocks)
        return makeKindError(ErrorKind::Damaged, "{0}: successor {1} of {2} blocks", Where,
                             FS.Index, Into.NumBasicBlocks);
      auto S = llvm::find_if(IB.Successors,
                             [&](const yb::Successor &X) { return X.Index == FS.Index; });
      if (S == IB.Successors.end()) {
        IB.Successors.push_back(FS);
        continue;
      }
      if (llvm::Error E = addCount(S->Count, FS.Count, Where))
        return E;
      if (llvm::Error E = addCount(S->Mispreds, FS.Mispreds, Where))
        return E;
    }
  }
  llvm::sort(Into.Blocks, [](const yb::Block &A, const yb::Block &B) { return A.Index < B.Index; });
  return llvm::Error::success();
}

} // namespace

llvm::Expected<std::string> findLlvmBolt(llvm::StringRef Given) {
  namespace fs = llvm::sys::fs;
  if (!Given.empty()) {
    if (!fs::can_execute(Given))
      return makeKindError(ErrorKind::Input, "--llvm-bolt {0}: no such executable", Given);
    return Given.str();
  }
  std::vector<std::string> Looked;
  if (auto Clang = llvm::sys::findProgramByName("clang-22")) {
    llvm::SmallString<256> Real;
    if (!fs::real_path(*Clang, Real)) {
      llvm::SmallString<256> Bolt(llvm::sys::path::parent_path(Real));
      llvm::sys::path::append(Bolt, "llvm-bolt");
      if (fs::can_execute(Bolt))
        return std::string(Bolt);
      Looked.push_back(std::string(Bolt));
    }
  }
  const char *Fixed = "/usr/lib/llvm-22/bin/llvm-bolt";
  if (fs::can_execute(Fixed))
    return std::string(Fixed);
  Looked.push_back(Fixed);
  for (const char *Name : {"llvm-bolt-22", "llvm-bolt"})
    if (auto P = llvm::sys::findProgramByName(Name))
      return *P;
  Looked.push_back("llvm-bolt-22 and llvm-bolt on PATH");
  return makeKindError(ErrorKind::Input,
                       "llvm-bolt not found (looked at {0}): install BOLT 22 (apt-get install "
                       "bolt-22) or give --llvm-bolt PATH",
                       llvm::join(Looked, ", "));
}

llvm::Expected<std::string> writeBoltYaml(const Profile &P, const BinaryMatch &B,
                                          const BoltYamlOptions &Opts, ConvertSummary &Sum) {
  llvm::Expected<std::string> Bolt = findLlvmBolt(Opts.LlvmBolt);
  if (!Bolt)
    return Bolt.takeError();
  std::string Fdata;
  {
    llvm::raw_string_ostream OS(Fdata);
    if (llvm::Error E = writeFdata(P, B, Opts.Fdata, OS, Sum))
      return std::move(E);
  }
  auto FdataFile = TempFile::create("fdata");
  if (!FdataFile)
    return FdataFile.takeError();
  auto YamlFile = TempFile::create("yaml");
  if (!YamlFile)
    return YamlFile.takeError();
  auto LogFile = TempFile::create("log");
  if (!LogFile)
    return LogFile.takeError();
  {
    std::error_code EC;
    llvm::raw_fd_ostream OS((*FdataFile)->Path, EC);
    if (!EC) {
      OS << Fdata;
      OS.close();
      EC = OS.error();
    }
    if (EC)
      return makeKindError(ErrorKind::Resource, "{0}: {1}", (*FdataFile)->Path, EC.message());
  }
  // llvm-bolt reads the .fdata for the binary, builds its CFG, attaches the
  // counts and writes them with its hashes; /dev/null as the output makes it
  // skip the rewrite.
  std::string DataArg = "-data=" + std::string((*FdataFile)->Path);
  std::string YamlPath = std::string((*YamlFile)->Path);
  llvm::SmallVector<llvm::StringRef, 8> Argv = {*Bolt, B.ElfPath, DataArg, "-w", YamlPath,
                                                "-o", "/dev/null"};
  llvm::StringRef Log = (*LogFile)->Path;
  std::optional<llvm::StringRef> Redirects[] = {llvm::StringRef(""), Log, Log};
  std::string ErrMsg;
  int Rc = llvm::sys::ExecuteAndWait(*Bolt, Argv, std::nullopt, Redirects, Opts.TimeoutSeconds,
                                     0, &ErrMsg);
  if (Rc != 0)
    return makeError("{0} on {1} failed ({2}); its log ends:\n{3}", *Bolt, B.ElfPath,
                     ErrMsg.empty() ? "exit status " + std::to_string(Rc) : ErrMsg,
                     logTail(Log));
  auto Buf = llvm::MemoryBuffer::getFile(YamlPath);
  if (!Buf)
    return makeError("{0} on {1} wrote no YAML profile: {2}", *Bolt, B.ElfPath,
                     Buf.getError().message());
  std::string Yaml = (*Buf)->getBuffer().str();
  if (!llvm::StringRef(Yaml).starts_with("---\n"))
    return makeError("{0} on {1} wrote something that is not a YAML profile; its log ends:\n{2}",
                     *Bolt, B.ElfPath, logTail(Log));
  return Yaml;
}

llvm::Expected<std::string> mergeBoltYaml(llvm::ArrayRef<std::string> Profiles,
                                          llvm::ArrayRef<std::string> Names,
                                          BoltYamlMergeSummary *SumOut) {
  if (Profiles.empty())
    return makeKindError(ErrorKind::Usage, "no BOLT YAML profile to merge");
  auto NameOf = [&](size_t I) {
    return I < Names.size() ? Names[I] : "YAML profile #" + std::to_string(I);
  };
  std::vector<yb::Profile> In;
  for (size_t I = 0; I < Profiles.size(); ++I) {
    auto P = parseYaml(Profiles[I], NameOf(I));
    if (!P)
      return P.takeError();
    In.push_back(std::move(*P));
  }
  const size_t Newest = In.size() - 1;
  const yb::Header &H = In[Newest].Head;
  auto Mode = [](const yb::Header &X) { return uint16_t(X.Flags) & (yb::FlagLbr | yb::FlagSample); };
  for (size_t I = 0; I < Newest; ++I) {
    const yb::Header &O = In[I].Head;
    if (O.Hash != H.Hash)
      return makeKindError(ErrorKind::Mismatch, "{0} and {1}: different hash functions",
                           NameOf(I), NameOf(Newest));
    if (O.IsDFSOrder != H.IsDFSOrder)
      return makeKindError(ErrorKind::Mismatch, "{0} and {1}: different block orders (dfs-order)",
                           NameOf(I), NameOf(Newest));
    if (Mode(O) != Mode(H))
      return makeKindError(ErrorKind::Mismatch, "{0} and {1}: an LBR and a non-LBR profile",
                           NameOf(I), NameOf(Newest));
  }

  // Pass 1: which input's profile each name takes (the newest that has it),
  // and the output ids: the newest build's own, then fresh ones above every
  // id the newest profile uses (its call sites may name unprofiled callees).
  BoltYamlMergeSummary Sum;
  llvm::StringMap<uint32_t> OutId;
  llvm::StringMap<size_t> Owner; // name -> input whose profile is kept
  uint32_t Next = 0;
  llvm::DenseSet<uint32_t> NewestIds; // an id names one function (call sites use it)
  for (const yb::Function &F : In[Newest].Functions) {
    if (!Owner.try_emplace(F.Name, Newest).second)
      return makeKindError(ErrorKind::Damaged, "{0}: function {1} twice", NameOf(Newest), F.Name);
    if (!NewestIds.insert(F.Id).second)
      return makeKindError(ErrorKind::Damaged, "{0}: function id {1} twice", NameOf(Newest), F.Id);
    OutId[F.Name] = F.Id;
    Next = std::max(Next, F.Id + 1);
    for (const yb::Block &B : F.Blocks)
      for (const yb::CallSite &C : B.CallSites)
        Next = std::max(Next, C.DestId + 1);
  }
  for (size_t I = Newest; I-- > 0;)
    for (const yb::Function &F : In[I].Functions)
      if (Owner.try_emplace(F.Name, I).second) {
        OutId[F.Name] = Next++;
        ++Sum.OnlyOlder;
      }
  const uint32_t Unknown = Next; // callees no merged profile has

  // Pass 2: renumber the older inputs' call sites, then take each function
  // from its owner and add the older profiles of the same code.
  for (size_t I = 0; I < Newest; ++I) {
    llvm::DenseMap<uint32_t, uint32_t> Renumber;
    for (const yb::Function &F : In[I].Functions)
      if (!Renumber.try_emplace(F.Id, OutId[F.Name]).second)
        return makeKindError(ErrorKind::Damaged, "{0}: function id {1} twice", NameOf(I), F.Id);
    for (yb::Function &F : In[I].Functions) {
      F.Id = OutId[F.Name];
      for (yb::Block &B : F.Blocks)
        for (yb::CallSite &C : B.CallSites) {
          auto It = Renumber.find(C.DestId);
          C.DestId = It == Renumber.end() ? Unknown : It->second;
        }
    }
  }
  llvm::StringMap<yb::Function> Out;
  for (size_t I = Newest + 1; I-- > 0;)
    for (yb::Function &F : In[I].Functions) {
      size_t Own = Owner.lookup(F.Name);
      if (Own == I) {
        std::string Name = F.Name;
        if (!Out.try_emplace(Name, std::move(F)).second)
          return makeKindError(ErrorKind::Damaged, "{0}: function {1} twice", NameOf(I), Name);
        continue;
      }
      yb::Function &Into = Out.find(F.Name)->second;
      if (!sameShape(Into, F)) {
        ++Sum.Superseded;
        continue;
      }
      if (llvm::Error E = addFunction(Into, F))
        return addContext(std::move(E), NameOf(I));
      ++Sum.Summed;
    }

  yb::Profile Merged;
  Merged.Head = H;
  if (In.size() > 1)
    Merged.Head.Origin = llvm::formatv("pgoctl merge of {0} builds; newest: {1}", In.size(),
                                       H.Origin.empty() ? "unknown origin" : H.Origin)
                             .str();
  for (auto &KV : Out)
    Merged.Functions.push_back(std::move(KV.second));
  llvm::sort(Merged.Functions,
             [](const yb::Function &A, const yb::Function &B) { return A.Id < B.Id; });
  Sum.Functions = Merged.Functions.size();
  if (SumOut)
    *SumOut = Sum;
  std::string Bytes;
  llvm::raw_string_ostream OS(Bytes);
  llvm::yaml::Output YOut(OS, nullptr, /*WrapColumn=*/0);
  YOut << Merged;
  return Bytes;
}

} // namespace pgoctl::convert
