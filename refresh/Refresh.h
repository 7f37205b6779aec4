// refresh/Refresh.h: the weekly profile-refresh job behind `pgoctl refresh`.
//
// runRefresh() runs the job's passes over a store:
//  1. select the period's windows (Windows.h; the period and half-life by
//     what the samples count unless given, Period.h), or read the N
//     partials of a sharded run (`Reduce`);
//  2. weight and sum them per host, then over hosts (Weights.h, Shard.h);
//     a `Partial` run writes its shard's sum here and stops;
//  3. symbolize each build with its own binary and merge at source level
//     (CrossBuild.h, BinarySource.h), and write the forms asked for;
//  4. the quality gate against the channel's previous version (Gate.h);
//  5. publish the version with its provenance and move the channel;
//  6. rewrite the lock and commit it on a new git branch (GitBranch.h), and
//     write the change note (ChangeNote.h).
// Progress and warnings go through the callbacks; the caller (cli/) maps the
// status to exit codes.
#pragma once

#include "core/Error.h"
#include "core/Support.h"
#include "refresh/Gate.h"
#include "refresh/Shard.h"
#include "refresh/Weights.h"
#include "store/Store.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pgoctl::refresh {

struct RefreshOptions {
  std::string Service;
  std::string LockPath;         ///< the lock file to rewrite (not with Partial)
  std::string Channel = "stable";
  /// --since and --half-life; what is unset follows what the period's newest
  /// window counts (Period.h). Weights.HalfLife is set from the choice.
  std::optional<int64_t> Since, HalfLife;
  WeightOptions Weights;
  std::vector<std::string> Forms = {"profdata"}; ///< profdata, fdata, yaml
  std::vector<std::string> Binaries;             ///< --binary
  std::vector<std::string> DebuginfodUrls;
  std::string Current;          ///< the current build's binary (empty: the newest build's)
  GateThresholds Thresholds;
  bool Force = false;           ///< publish even when the gate refuses
  bool NoGit = false;           ///< rewrite the lock in place, no branch
  std::string GitBranch;        ///< empty: pgoctl-refresh/SERVICE-VERSION
  std::string ChangeNote;       ///< where to write the Markdown note (empty: none)
  bool Partial = false;         ///< write Shard's sum to the store and stop
  bool Reduce = false;          ///< sum the partials of Run and go on
  ShardSpec Shard;
  std::string Run;              ///< the sharded run's id
  bool DryRun = false;          ///< merge and gate, publish nothing
  uint64_t MaxMemory = 0;       ///< bound of one object's read (0: default)
};

enum class RefreshStatus {
  Updated,        ///< published, channel moved, lock rewritten
  PartialWritten, ///< a shard's sum is in the store
  DryRun,         ///< merged and gated, nothing published
  NothingNew,     ///< no window counts, or the lock pins this profile already
  Refused,        ///< the gate refused, nothing published
};

struct RefreshResult {
  RefreshStatus Status = RefreshStatus::NothingNew;
  std::string Version; ///< the merged profile's version (Updated, DryRun)
};

struct RefreshCallbacks {
  std::function<void(llvm::StringRef)> Info;    ///< progress and gate lines
  /// Warnings (left-out builds, binaries passed over, the symbolizers'), as
  /// they are found; the libraries the job calls get this handler.
  WarningHandler Warning;
};

/// The job. Texts passed to the callbacks may hold data from the store
/// (hosts, keys): the callee escapes them for a terminal.
llvm::Expected<RefreshResult> runRefresh(store::Store &S, RefreshOptions O,
                                         const RefreshCallbacks &C, Stats &PassStats);

} // namespace pgoctl::refresh
