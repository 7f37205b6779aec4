// store/Fleet.h: profiles pulled from fleet profilers over their query APIs.
//
// `pgoctl pull --from pyroscope+http(s)://HOST[/PREFIX]` asks Grafana
// Pyroscope's querier (`querier.v1.QuerierService/SelectMergeProfile`) and
// `--from parca+http(s)://HOST[/PREFIX]` Parca's query service
// (`parca.query.v1alpha1.QueryService/Query`, merge mode, pprof report) for
// one merged profile of a time range. Both speak the Connect protocol's unary
// form (HTTP/1.1 POST, `application/proto`; errors are an HTTP status and a
// JSON {"code","message"}), through the one HTTP client (store/Http.h:
// retries on 5xx and timeouts, bounded bodies). The answer is pprof bytes
// (gzipped or not) for collect/Pprof.h to import.
//
// Pyroscope: pprof output exists only as SelectMergeProfile's answer (a
// google.v1.Profile, with mappings and addresses when they were ingested).
// SelectMergeStacktraces, the older method, answers a flame graph or, with
// `format: PROFILE_FORMAT_TREE`, Pyroscope's tree bytes: function names and
// values, no addresses, no build-ids. So pgoctl asks SelectMergeProfile, and
// only on a server without it (Connect `unimplemented`, or a 404 that is not
// a Connect error: an unknown route) falls back to SelectMergeStacktraces'
// tree, turned into a names-only pprof that imports as a function-level
// profile (FleetProfile::FunctionLevel; the server's node limit applies, so
// small stacks may be merged into "other").
//
// Pyroscope's tenant goes in `X-Scope-OrgID`. Credentials come from the
// environment only, never from flags (so never from a command line another
// user can read): PGOCTL_FLEET_TOKEN (bearer) or PGOCTL_FLEET_BASIC_AUTH
// (`user:password`); no message shows them.
#pragma once

#include "store/Http.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace pgoctl::store {

enum class FleetKind { Pyroscope, Parca };

struct FleetSource {
  FleetKind Kind = FleetKind::Pyroscope;
  std::string BaseUrl; ///< http(s)://host[:port][/prefix], no trailing slash
};

/// Parses `pyroscope+http(s)://...` or `parca+http(s)://...`; a URL with
/// credentials (user@), a query or a fragment is refused (kind usage).
llvm::Expected<FleetSource> parseFleetUrl(llvm::StringRef Url);

struct FleetQuery {
  std::string ProfileType; ///< name:type:unit:period_type:period_unit[:delta]
  std::string Selector;    ///< {k="v",...}; may be empty ("{}")
  int64_t StartMs = 0, EndMs = 0;
  std::string Tenant;      ///< Pyroscope's X-Scope-OrgID (optional)
  std::string Bearer;      ///< from PGOCTL_FLEET_TOKEN
  std::string BasicAuth;   ///< user:password, from PGOCTL_FLEET_BASIC_AUTH
  uint64_t MaxBytes = uint64_t(256) << 20; ///< the largest answer taken
};

/// Fills Bearer and BasicAuth from the environment.
void fleetCredentialsFromEnv(FleetQuery &Q);

struct FleetProfile {
  std::string Pprof;          ///< pprof bytes, gzipped or not
  bool FunctionLevel = false; ///< made from a names-only tree (no addresses)
};

/// One merged profile of the query. Errors name the server's method and its
/// answer (status, Connect code and message, escaped).
llvm::Expected<FleetProfile> fetchFleetProfile(const FleetSource &S, const FleetQuery &Q,
                                               HttpClient &Http);

/// Pyroscope's tree bytes (SelectMergeStacktraces, PROFILE_FORMAT_TREE: depth
/// first from a nameless root, each node a varint name length, the name, a
/// varint self value and a varint count of children; roots are outermost
/// callers) as a pprof of function names only: one location per function,
/// one sample per node with a self value, sample and period types from
/// ProfileType. Malformed bytes are damage, never a crash or a hang.
llvm::Expected<std::string> pyroscopeTreeToPprof(llvm::StringRef Tree,
                                                 llvm::StringRef ProfileType);

} // namespace pgoctl::store
