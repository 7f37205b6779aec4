// collect/Doctor.cpp: the checks of `pgoctl doctor` (see Doctor.h).
#include "collect/Doctor.h"
#include "binary/Symbols.h"
#include "core/Error.h"
#include "core/Input.h"
#include "core/Profile.h"
#include "core/ProfileFormat.h"
#include "core/Support.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Regex.h"

#include <cstdlib>
#include <sys/utsname.h>

namespace pgoctl::collect {

namespace {

struct Checks {
  std::vector<DoctorCheck> &Out;
  DoctorNeed Need;
  /// A problem: a failure when the pipeline asked for needs it (always for
  /// what collect needs), else a warning.
  DoctorCheck &problem(llvm::StringRef Group, llvm::StringRef Id, bool CollectNeedsIt,
                       std::string Summary) {
    CheckStatus S =
        Need == DoctorNeed::Full || CollectNeedsIt ? CheckStatus::Fail : CheckStatus::Warn;
    return add(Group, Id, S, std::move(Summary));
  }
  DoctorCheck &add(llvm::StringRef Group, llvm::StringRef Id, CheckStatus S,
                   std::string Summary) {
    Out.push_back({Group.str(), Id.str(), S, std::move(Summary), {}});
    return Out.back();
  }
};

/// `major.minor[.patch]` after "version" in a tool's --version output.
std::string parseVersion(llvm::StringRef Text, unsigned &Major) {
  llvm::Regex Re("version ([0-9]+)(\\.[0-9]+)+");
  llvm::SmallVector<llvm::StringRef, 3> M;
  if (!Re.match(Text, &M))
    return "";
  M[1].getAsInteger(10, Major);
  return M[0].drop_front(8).str();
}

/// Runs `Path [Sub] --version` (argv, no shell; at most 10 s) and returns
/// what it printed on stdout and stderr, at most 64 KiB; empty when it could
/// not run. llvm-profdata before LLVM 15 wants a subcommand (`merge`).
std::string runVersion(llvm::StringRef Path, llvm::StringRef Sub = "") {
  llvm::SmallString<128> Tmp;
  int Fd;
  if (llvm::sys::fs::createTemporaryFile("pgoctl-doctor", "txt", Fd, Tmp))
    return "";
  llvm::sys::Process::SafelyCloseFileDescriptor(Fd);
  std::string P = Path.str();
  llvm::SmallVector<llvm::StringRef, 3> Args = {P};
  if (!Sub.empty())
    Args.push_back(Sub);
  Args.push_back("--version");
  std::optional<llvm::StringRef> Redirects[] = {llvm::StringRef(""), llvm::StringRef(Tmp),
                                                llvm::StringRef(Tmp)};
  llvm::sys::ExecuteAndWait(P, Args, std::nullopt, Redirects, /*SecondsToWait=*/10);
  std::string Out;
  if (auto B = llvm::MemoryBuffer::getFile(Tmp, /*IsText=*/true))
    Out = (*B)->getBuffer().take_front(64 << 10).str();
  llvm::sys::fs::remove(Tmp);
  return Out;
}

/// A program by name on PATH, or a path as given; empty when none.
std::string findProgram(llvm::StringRef NameOrPath) {
  if (NameOrPath.contains('/'))
    return llvm::sys::fs::can_execute(NameOrPath) ? NameOrPath.str() : std::string();
  llvm::ErrorOr<std::string> P = llvm::sys::findProgramByName(NameOrPath);
  return P ? *P : std::string();
}

ToolFacts toolAt(llvm::StringRef Name, std::string Path) {
  ToolFacts T;
  T.Name = Name.str();
  T.Path = std::move(Path);
  if (!T.Path.empty())
    T.Version =
        parseVersion(runVersion(T.Path, Name == "llvm-profdata" ? "merge" : ""), T.Major);
  return T;
}

/// The compiler: as given, else $CXX, $CC, clang++, clang on PATH, else the
/// clang of the LLVM pgoctl is built with.
ToolFacts findClang(const DoctorOptions &O) {
  if (!O.Clang.empty())
    return toolAt("clang", findProgram(O.Clang));
  for (const char *Var : {"CXX", "CC"})
    if (const char *V = getenv(Var); V && *V) {
      // "ccache clang++" and the like: the last word is the compiler.
      llvm::StringRef Cmd = llvm::StringRef(V).trim().rsplit(' ').second;
      if (Cmd.empty())
        Cmd = llvm::StringRef(V).trim();
      return toolAt("clang", findProgram(Cmd));
    }
  for (const char *N : {"clang++", "clang"})
    if (std::string P = findProgram(N); !P.empty())
      return toolAt("clang", P);
  return toolAt("clang", findProgram(llvm::formatv("/usr/lib/llvm-{0}/bin/clang++",
                                                   LLVM_VERSION_MAJOR)
                                         .str()));
}

/// An LLVM tool as ProfileGuided.cmake finds it: beside the compiler's real
/// file, then /usr/lib/llvm-N/bin (the compiler's N, then pgoctl's), then
/// PATH; never a `-NN` suffixed name (Debian's llvm-bolt-22 runs another mode).
ToolFacts findLlvmTool(llvm::StringRef Name, llvm::StringRef Given, const ToolFacts &Clang) {
  if (!Given.empty())
    return toolAt(Name, findProgram(Given));
  std::vector<std::string> Dirs;
  if (!Clang.Path.empty()) {
    llvm::SmallString<256> Real;
    if (!llvm::sys::fs::real_path(Clang.Path, Real))
      Dirs.push_back(llvm::sys::path::parent_path(Real).str());
    if (Clang.Major)
      Dirs.push_back(llvm::formatv("/usr/lib/llvm-{0}/bin", Clang.Major).str());
  }
  Dirs.push_back(llvm::formatv("/usr/lib/llvm-{0}/bin", LLVM_VERSION_MAJOR).str());
  for (const std::string &D : Dirs) {
    llvm::SmallString<256> P(D);
    llvm::sys::path::append(P, Name);
    if (llvm::sys::fs::can_execute(P))
      return toolAt(Name, std::string(P));
  }
  return toolAt(Name, findProgram(Name));
}

std::string yesNo(bool B) { return B ? "yes" : "no"; }

void hostChecks(const DoctorOptions &O, DoctorReport &R, Checks &C) {
  const HostFacts &H = R.Host;
  const std::string Self = shellQuote(O.SelfPath.empty() ? "pgoctl" : O.SelfPath);
  const std::vector<std::string> VmFix = {
      "in a VM: give the guest the host's PMU (QEMU/KVM: -cpu host,pmu=on; libvirt: "
      "<pmu state='on'/>; a cloud: a bare-metal or whole-host instance type)"};

  // PMU.
  std::string Pfm = H.PfmPmu.empty() ? std::string("libpfm4 knows no core PMU here")
                                     : "libpfm4 PMU " + H.PfmPmu + " (" + H.PfmPmuDesc + ")" +
                                           (H.PfmForced ? ", forced by LIBPFM_FORCE_PMU" : "");
  if (!H.SysfsCorePmu.empty()) {
    C.add("host", "pmu", CheckStatus::Ok, "core PMU " + H.SysfsCorePmu + "; " + Pfm);
  } else {
    DoctorCheck &K = C.add("host", "pmu", CheckStatus::Warn,
                           "no core PMU in sysfs (software events only); " + Pfm);
    K.Fix = VmFix;
  }

  // Branch records.
  R.BranchEvent = takenBranchEvent(H.PfmPmu).str();
  R.BranchKind = branchRecordKind(H.PfmPmu).str();
  std::string Kind = R.BranchKind.empty() ? "branch records" : R.BranchKind;
  if (H.BranchDepth > 0 && H.BranchProbeOk) {
    C.add("host", "branch-records", CheckStatus::Ok,
          llvm::formatv("{0}: {1}-deep branch stacks, {2} opens", Kind, H.BranchDepth,
                        R.BranchEvent)
              .str());
  } else {
    std::string Why =
        H.BranchDepth > 0
            ? llvm::formatv("{0} advertises {1}-deep branch records but opening {2} failed: "
                            "{3}",
                            H.SysfsCorePmu, H.BranchDepth,
                            R.BranchEvent.empty() ? std::string("a branch stack")
                                                  : R.BranchEvent,
                            H.BranchProbeError.empty() ? std::string("not probed")
                                                       : H.BranchProbeError)
                  .str()
            : H.SysfsCorePmu.empty() ? std::string("no core PMU")
                                     : H.SysfsCorePmu + " has no caps/branches";
    DoctorCheck &K = C.problem("host", "branch-records", false, "none: " + Why);
    if (H.BranchDepth == 0) {
      if (!H.SysfsCorePmu.empty()) // else the pmu check says it
        K.Fix = VmFix;
      K.Fix.push_back("on hardware: Intel since Haswell (LBR), AMD Zen 3 (BRS, Linux 5.19+) "
                      "or Zen 4 (LbrExtV2, Linux 6.1+), Arm with BRBE (Linux 6.7+)");
    }
    K.Fix.push_back("without them: IP samples with frame-pointer call chains (sample PGO "
                    "through the estimator, BOLT through `pgoctl convert --to fdata "
                    "--infer-edges`)");
  }

  // The event --event auto opens.
  llvm::Expected<EventChoice> Ev = selectEvent(H, EventRequest{});
  if (Ev) {
    R.AutoEvent = *Ev;
    C.add("host", "event", Ev->Kind == EventKind::Lbr ? CheckStatus::Ok : CheckStatus::Info,
          "collect --event auto opens " + Ev->Name + ": " + Ev->Why);
  } else {
    R.AutoEventError = llvm::toString(Ev.takeError());
    C.problem("host", "event", true, "collect --event auto: " + R.AutoEventError);
  }

  // perf_event_paranoid and capabilities: what collect may open.
  // -1/0: everything; 1: own processes, user and kernel; 2: own processes,
  // user space; 3 (Debian's patch): nothing without CAP_PERFMON/CAP_SYS_ADMIN.
  std::vector<std::string> PermFix = {
      "setcap cap_perfmon,cap_syslog=ep " + Self +
          "   (Linux 5.8+; before: cap_sys_admin)",
      "or in the agent's systemd unit: AmbientCapabilities=CAP_PERFMON CAP_SYSLOG",
      "or: sysctl -w kernel.perf_event_paranoid=0 && echo 'kernel.perf_event_paranoid = 0' "
      "> /etc/sysctl.d/60-pgoctl.conf"};
  std::string Caps = "CAP_PERFMON " + yesNo(H.CapPerfmon) + ", CAP_SYS_ADMIN " +
                     yesNo(H.CapSysAdmin);
  if (!H.PerfEventParanoid) {
    DoctorCheck &K = C.problem("host", "perf-events", true,
                               "kernel.perf_event_paranoid unreadable: a kernel without "
                               "perf events (CONFIG_PERF_EVENTS)?");
    K.Fix = {"a kernel built with CONFIG_PERF_EVENTS=y; in a container: mount /proc "
             "and allow the perf_event_open system call (seccomp)"};
  } else {
    int P = *H.PerfEventParanoid;
    bool Own = H.privileged() || P <= 2;
    std::string What =
        H.mayProfileSystemWide()
            ? "every target (-- CMD, --pid, --comm, --cgroup, -a)"
        : Own ? "own processes only (-- CMD, --pid); not --comm, --cgroup, -a"
              : "nothing";
    std::string Summary =
        llvm::formatv("kernel.perf_event_paranoid = {0}, {1}: collect may profile {2}; "
                      "kernel samples {3}",
                      P, Caps, What, H.mayProfileKernel() ? "yes" : "no")
            .str();
    if (!Own) {
      C.problem("host", "perf-events", true, Summary).Fix = PermFix;
    } else if (!H.mayProfileSystemWide()) {
      C.add("host", "perf-events", CheckStatus::Warn, Summary).Fix = PermFix;
    } else {
      C.add("host", "perf-events", CheckStatus::Ok, Summary);
    }
  }

  // kptr_restrict: kernel addresses in /proc/kallsyms (where kernel samples go).
  if (H.KptrRestrict) {
    int K = *H.KptrRestrict;
    bool Visible = K == 0 || (K == 1 && (H.CapSyslog || H.CapSysAdmin));
    std::string S = llvm::formatv("kernel.kptr_restrict = {0}, CAP_SYSLOG {1}: kernel "
                                  "addresses {2}",
                                  K, yesNo(H.CapSyslog),
                                  Visible ? "visible" : "hidden (kernel samples unmapped)")
                        .str();
    if (Visible)
      C.add("host", "kptr-restrict", CheckStatus::Ok, S);
    else
      C.add("host", "kptr-restrict", CheckStatus::Warn, S).Fix = {
          K == 1 ? "give the agent CAP_SYSLOG (setcap cap_perfmon,cap_syslog=ep " + Self + ")"
                 : "sysctl -w kernel.kptr_restrict=1 and CAP_SYSLOG, or "
                   "kernel.kptr_restrict=0"};
  }

  // perf: not needed by collect; only to record perf.data by hand.
  R.PerfPath = findProgram("perf");
  if (!R.PerfPath.empty()) {
    unsigned Major = 0;
    R.PerfVersion = parseVersion(runVersion(R.PerfPath), Major);
    C.add("host", "perf", CheckStatus::Info,
          "perf " + (R.PerfVersion.empty() ? std::string("(version unknown)") : R.PerfVersion) +
              " at " + escapeForTerminal(R.PerfPath, 200) +
              " (collect does not need it; import reads what it records)");
  } else {
    C.add("host", "perf", CheckStatus::Info,
          "no perf on PATH: collect does not need it (it opens perf events itself)");
  }
}

void binaryChecks(const binary::BuildFacts &B, bool BranchRecords, Checks &C) {
  if (!B.BuildId.empty())
    C.add("binary", "build-id", CheckStatus::Ok, "build-id " + B.BuildId);
  else
    C.add("binary", "build-id", CheckStatus::Warn,
          "no build-id: profiles of different builds cannot be told apart")
        .Fix = {"link with -Wl,--build-id=sha1"};

  if (B.SymtabFunctions)
    C.add("binary", "symbols", CheckStatus::Ok,
          llvm::formatv("not stripped: {0} function symbols", B.SymtabFunctions).str());
  else
    C.problem("binary", "symbols", false,
              llvm::formatv("stripped: no .symtab ({0} exported functions in .dynsym)",
                            B.DynsymFunctions)
                  .str())
        .Fix = {"give pgoctl the unstripped file (--binary), or keep one: "
                "objcopy --only-keep-debug BIN BIN.debug before strip",
                "or link without -s / install without strip"};

  if (B.DwarfVersion) {
    std::string S = llvm::formatv("DWARF {0}, {1} units", B.DwarfVersion, B.DwarfUnits).str();
    if (B.SkeletonUnits)
      S += llvm::formatv(", {0} split (-gsplit-dwarf: line tables here, the rest in .dwo)",
                         B.SkeletonUnits)
               .str();
    if (B.DamagedUnits) {
      S += llvm::formatv(", {0} damaged (their functions come from the symbol table)",
                         B.DamagedUnits)
               .str();
      C.add("binary", "debug-info", CheckStatus::Warn, S);
    } else {
      C.add("binary", "debug-info", CheckStatus::Ok, S);
    }
  } else {
    DoctorCheck &K = C.problem(
        "binary", "debug-info", false,
        "no DWARF: sample PGO needs line tables"
            + (B.DebugLink.empty() ? std::string()
                                   : " (.gnu_debuglink names " + B.DebugLink +
                                         ": give that file with --binary)"));
    K.Fix = {"compile with -g (or at least -gline-tables-only) -fdebug-info-for-profiling"};
  }

  if (B.DwarfVersion) {
    if (B.LineTablesWithDiscriminators)
      C.add("binary", "debug-info-for-profiling", CheckStatus::Ok,
            llvm::formatv("discriminators in {0} of {1} line tables scanned",
                          B.LineTablesWithDiscriminators, B.LineTablesScanned)
                .str());
    else
      C.add("binary", "debug-info-for-profiling", CheckStatus::Warn,
            llvm::formatv("no discriminators in the {0} line tables scanned: loop bodies "
                          "and their exits share line numbers in the profile",
                          B.LineTablesScanned)
                .str())
          .Fix = {"compile with -fdebug-info-for-profiling"};
  }

  if (!B.FramePointersChecked) {
    C.add("binary", "frame-pointers", CheckStatus::Info,
          "not checked on " + B.Architecture);
  } else if (B.FpSampled == 0) {
    C.add("binary", "frame-pointers", CheckStatus::Info, "no functions to sample");
  } else {
    double Share = double(B.FpKept) / double(B.FpSampled);
    std::string S =
        llvm::formatv("{0} of {1} {2} functions set up a frame pointer ({3:P0})", B.FpKept,
                      B.FpSampled, B.FpHot ? "hottest" : "sampled", Share)
            .str();
    if (B.FpKept < B.FpSampled && !B.FpMissing.empty())
      S += "; without: " + llvm::join(B.FpMissing, ", ");
    std::vector<std::string> Fix = {"compile with -fno-omit-frame-pointer "
                                    "-mno-omit-leaf-frame-pointer"};
    if (Share >= 0.9) {
      C.add("binary", "frame-pointers", CheckStatus::Ok, "kept: " + S);
    } else if (BranchRecords) {
      C.add("binary", "frame-pointers", CheckStatus::Info,
            "omitted (branch records do without call chains): " + S);
    } else {
      C.problem("binary", "frame-pointers", false,
                (Share <= 0.1 ? "omitted: frame-pointer call chains break here: "
                              : "partly omitted: call chains break in some functions: ") +
                    S)
          .Fix = Fix;
    }
  }

  if (B.EmitRelocs)
    C.add("binary", "emit-relocs", CheckStatus::Ok,
          "relocations kept (--emit-relocs): BOLT can move functions");
  else
    C.problem("binary", "emit-relocs", false,
              "no relocations of code (--emit-relocs): BOLT cannot reorder functions")
        .Fix = {"link with -Wl,--emit-relocs (pgo_target(... MODE BOLT) adds it)"};

  if (B.LocalFunctions == 0)
    C.add("binary", "unique-linkage-names", CheckStatus::Ok,
          B.SymtabFunctions ? "no internal (static) functions" : "no symbol table to check");
  else if (B.UniqFunctions)
    C.add("binary", "unique-linkage-names", CheckStatus::Ok,
          llvm::formatv("{0} of {1} internal functions carry .__uniq. names",
                        B.UniqFunctions, B.LocalFunctions)
              .str());
  else
    C.add("binary", "unique-linkage-names", CheckStatus::Warn,
          llvm::formatv("none of {0} internal functions has a .__uniq. name: static "
                        "functions of the same name in different files share a profile",
                        B.LocalFunctions)
              .str())
        .Fix = {"compile with -funique-internal-linkage-names"};
}

void toolChecks(const DoctorOptions &O, DoctorReport &R, Checks &C) {
  ToolFacts Clang = findClang(O);
  R.Tools.push_back(Clang);
  R.Tools.push_back(findLlvmTool("llvm-profdata", O.LlvmProfdata, Clang));
  R.Tools.push_back(findLlvmTool("llvm-bolt", O.LlvmBolt, Clang));
  for (const ToolFacts &T : R.Tools) {
    std::string Pkg = T.Name == "clang"       ? "clang-" LLVM_VERSION_STRING
                      : T.Name == "llvm-bolt" ? "bolt-" LLVM_VERSION_STRING
                                              : "llvm-" LLVM_VERSION_STRING;
    Pkg = Pkg.substr(0, Pkg.find('.'));
    if (T.Path.empty()) {
      std::string Given = T.Name == "clang"           ? O.Clang
                          : T.Name == "llvm-profdata" ? O.LlvmProfdata
                                                      : O.LlvmBolt;
      C.problem("tools", T.Name, false,
                Given.empty() ? "not found" : "not found: " + escapeForTerminal(Given, 200))
          .Fix = {"apt-get install " + Pkg};
      continue;
    }
    std::string S = escapeForTerminal(T.Path, 300) + " (" +
                    (T.Version.empty() ? std::string("no version printed") : "LLVM " + T.Version) +
                    ")";
    if (T.Version.empty() || !T.Major) {
      C.problem("tools", T.Name, false, S + ": not an LLVM tool that runs?")
          .Fix = {"apt-get install " + Pkg};
    } else if (T.Major < LLVM_VERSION_MAJOR) {
      C.add("tools", T.Name, CheckStatus::Warn,
            S + llvm::formatv(": older than the LLVM {0} pgoctl writes profiles with",
                              LLVM_VERSION_MAJOR)
                    .str())
          .Fix = {"apt-get install " + Pkg};
    } else {
      C.add("tools", T.Name, CheckStatus::Ok, S);
    }
  }
}

/// The sampled addresses (IP samples, starts of LBR ranges) of O.Binary in
/// the profile O.Profile, matched by build-id (else by file name when the
/// binary has none). Returns a sentence about what was found.
llvm::Expected<std::string> hotAddresses(const DoctorOptions &O,
                                         std::vector<std::pair<uint64_t, uint64_t>> &Out) {
  llvm::Expected<binary::ElfInfo> Elf = binary::readElfInfo(O.Binary);
  if (!Elf)
    return Elf.takeError();
  llvm::Expected<InputFile> In = InputFile::open(O.Profile);
  if (!In)
    return In.takeError();
  uint64_t Max = O.MaxMemory ? O.MaxMemory : defaultMaxMemory();
  llvm::Expected<std::string> Bytes = In->readAll(Max);
  if (!Bytes)
    return addContext(Bytes.takeError(), O.Profile);
  llvm::Expected<Profile> P = parseProfile(*Bytes, O.Profile, ProfileReadOptions{Max});
  if (!P)
    return P.takeError();
  llvm::StringRef Name = llvm::sys::path::filename(O.Binary);
  for (const BinaryProfile &B : P->Binaries) {
    bool Same = !Elf->BuildId.empty() ? B.BuildId == Elf->BuildId
                                      : llvm::sys::path::filename(B.Path) == Name;
    if (!Same || B.IsKernel || B.Space != AddressSpace::ElfVaddr)
      continue;
    for (const AddrCount &S : B.Samples)
      Out.push_back({S.Addr, S.Count});
    for (const RangeCount &R : B.Ranges)
      Out.push_back({R.Begin, R.Count});
  }
  if (Out.empty())
    return llvm::formatv("{0} has no samples of this binary (build-id {1}): the frame-pointer "
                         "check sampled all functions",
                         escapeForTerminal(O.Profile, 300),
                         Elf->BuildId.empty() ? std::string("none") : Elf->BuildId)
        .str();
  return llvm::formatv("frame pointers checked in the hottest functions of {0}",
                       escapeForTerminal(O.Profile, 300))
      .str();
}

} // namespace

llvm::StringRef statusName(CheckStatus S) {
  switch (S) {
  case CheckStatus::Ok:
    return "ok";
  case CheckStatus::Info:
    return "info";
  case CheckStatus::Warn:
    return "warn";
  case CheckStatus::Fail:
    return "fail";
  }
  return "?";
}

bool DoctorReport::ok() const {
  return llvm::none_of(Checks, [](const DoctorCheck &C) { return C.Status == CheckStatus::Fail; });
}

std::string shellQuote(llvm::StringRef S) {
  if (!S.empty() && llvm::all_of(S, [](char C) {
        return llvm::isAlnum(C) || llvm::StringRef("/._-+=:,@").contains(C);
      }))
    return S.str();
  std::string Q = "'";
  for (char C : S) {
    if (C == '\'')
      Q += "'\\''";
    else
      Q += C;
  }
  return escapeForTerminal(Q + "'", 1024);
}

llvm::Expected<DoctorReport> runDoctor(const DoctorOptions &O) {
  DoctorReport R;
  R.Need = O.Need;
  std::optional<binary::BuildFacts> Build;
  std::string ProfileNote;
  if (!O.Binary.empty()) {
    binary::BuildFactsOptions BO = O.Build;
    if (!O.Profile.empty()) {
      llvm::Expected<std::string> Note = hotAddresses(O, BO.HotAddresses);
      if (!Note)
        return Note.takeError();
      ProfileNote = std::move(*Note);
    }
    llvm::Expected<binary::BuildFacts> B = binary::inspectBuild(O.Binary, BO);
    if (!B)
      return B.takeError();
    Build = std::move(*B);
  }
  R.Host = probeHost(O.Probe);
  Checks C{R.Checks, O.Need};
  hostChecks(O, R, C);
  if (Build) {
    bool Lbr = R.AutoEvent && R.AutoEvent->Kind == EventKind::Lbr;
    binaryChecks(*Build, Lbr, C);
    if (!ProfileNote.empty())
      C.add("binary", "profile", Build->FpHot ? CheckStatus::Info : CheckStatus::Warn,
            ProfileNote);
    R.Build = std::move(Build);
  }
  if (O.CheckTools)
    toolChecks(O, R, C);
  return R;
}

} // namespace pgoctl::collect
