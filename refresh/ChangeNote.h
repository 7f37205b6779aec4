// refresh/ChangeNote.h: the Markdown change description of a refresh, which a
// CI job hands to its pull-request tool: the version and the previous one,
// samples, window, period, hosts, builds, the gate's figures, and the functions that
// gained and lost the most share of samples.
//
// Every name in it (service, hosts, build-ids, function names, the gate's
// lines) comes from profiles and the store: data, never Markdown. Each is
// shown literally: control characters as \xNN, Markdown and HTML specials as
// character references (verify's markdownLiteral), so a name cannot break a
// table, open a tag or a code span. Function names are demangled and shortened
// as verify's reports show them (briefName).
#pragma once

#include "refresh/Gate.h"

#include "llvm/ProfileData/SampleProf.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pgoctl::refresh {

struct ChangeNoteInput {
  std::string Service, Version, Previous, Channel, LockPath;
  uint64_t Samples = 0;
  int64_t WindowStart = 0, WindowEnd = 0; ///< seconds since 1970 (0: unknown)
  std::string Period; ///< e.g. "21d at a 21d half-life (...)"; empty: not shown
  struct Host {
    std::string Name;
    uint64_t Samples = 0, Windows = 0;
    double Weight = 0;
  };
  struct Build {
    std::string BuildId, FoundFrom;
    uint64_t Samples = 0, Windows = 0;
    bool Used = true;
  };
  std::vector<Host> Hosts;
  std::vector<Build> Builds;
  std::vector<GateFigure> Gate;
  /// The profiles (Previous: null for the first version). The interface's
  /// `*Previous` is named PreviousProfile: `Previous` is the version above.
  const llvm::sampleprof::SampleProfileMap *New = nullptr, *PreviousProfile = nullptr;
};

/// One function's share of samples in the previous and the new profile.
struct ShareChange {
  std::string Name; ///< the profile's name (linkage name, or `md5:HEX`)
  double Before = 0, After = 0;
};
/// The Top functions whose share grew most (largest first) and those whose
/// share fell most, by top-level function total samples; ties by name.
/// Previous may be null (everything gained).
struct ShareChanges {
  std::vector<ShareChange> Gained, Lost;
};
ShareChanges shareChanges(const llvm::sampleprof::SampleProfileMap *New,
                          const llvm::sampleprof::SampleProfileMap *Previous, size_t Top);

std::string renderChangeNote(const ChangeNoteInput &In); ///< Markdown, every name escaped

} // namespace pgoctl::refresh
