// collect/Doctor.h: `pgoctl doctor`, what this host and a binary can do for
// profile-guided builds and what is missing, each problem with the lines
// that fix it.
//
// Checks (each has a stable id, a status and fix lines):
//   host     pmu, branch-records, event (what `collect --event auto` would
//            open and why), perf-events (kernel.perf_event_paranoid and the
//            capabilities: which collect targets are allowed), kptr-restrict,
//            perf (only informative: collect does not need it);
//   binary   build-id, symbols, debug-info (DWARF version),
//            debug-info-for-profiling (line-table discriminators),
//            frame-pointers (needed for call chains without branch records),
//            emit-relocs (BOLT), unique-linkage-names;
//   tools    clang, llvm-profdata, llvm-bolt: found as ProfileGuided.cmake
//            finds them (beside the compiler, then /usr/lib/llvm-N/bin, then
//            PATH), each with its version.
// A check fails when the pipeline cannot run as asked without the fix:
// DoctorNeed::Full (profile with branch records, convert, build with sample
// PGO and BOLT) or DoctorNeed::Collect (only `pgoctl collect` of the host's
// own processes; the other problems are then warnings).
#pragma once

#include "binary/BuildFacts.h"
#include "collect/Events.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace pgoctl::collect {

enum class CheckStatus { Ok, Info, Warn, Fail };
llvm::StringRef statusName(CheckStatus S); ///< "ok", "info", "warn", "fail"

struct DoctorCheck {
  std::string Group; ///< "host", "binary", "tools"
  std::string Id;
  CheckStatus Status = CheckStatus::Ok;
  std::string Summary;          ///< one line (text from files escaped)
  std::vector<std::string> Fix; ///< commands or flags, one per line
};

enum class DoctorNeed { Collect, Full };

struct ToolFacts {
  std::string Name;    ///< "clang", "llvm-profdata", "llvm-bolt"
  std::string Path;    ///< empty when not found
  std::string Version; ///< "22.1.0"; empty when it did not say
  unsigned Major = 0;
};

struct DoctorOptions {
  HostProbeOptions Probe;
  DoctorNeed Need = DoctorNeed::Full;
  std::string Binary; ///< --binary (empty: host and tools only)
  /// --profile: a .pgoprof of the binary; its hottest functions are the
  /// frame-pointer sample (else a spread of all functions).
  std::string Profile;
  uint64_t MaxMemory = 0; ///< for reading Profile (0: the default)
  binary::BuildFactsOptions Build;
  /// Tools given by the user (empty: searched). Clang defaults to $CXX,
  /// $CC, then clang++ / clang on PATH, then the LLVM pgoctl was built with.
  std::string Clang, LlvmProfdata, LlvmBolt;
  bool CheckTools = true;
  /// pgoctl's own path, for the `setcap` fix line.
  std::string SelfPath;
};

struct DoctorReport {
  HostFacts Host;
  std::optional<EventChoice> AutoEvent; ///< what --event auto opens
  std::string AutoEventError;
  std::string BranchEvent, BranchKind; ///< this PMU's taken-branch event / facility
  std::optional<binary::BuildFacts> Build;
  std::vector<ToolFacts> Tools;
  std::string PerfPath, PerfVersion;
  std::vector<DoctorCheck> Checks;
  DoctorNeed Need = DoctorNeed::Full;
  /// No check failed: the pipeline asked for can run.
  bool ok() const;
};

/// Runs every check. Errors: only a --binary that cannot be read as ELF.
llvm::Expected<DoctorReport> runDoctor(const DoctorOptions &O);

/// Text quoted for a POSIX shell, for fix lines that hold a path.
std::string shellQuote(llvm::StringRef S);

} // namespace pgoctl::collect
