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

/// One merged profile of the query: pprof bytes. Errors name the server's
/// method and its answer (status, Connect code and message, escaped).
llvm::Expected<std::string> fetchFleetProfile(const FleetSource &S, const FleetQuery &Q,
                                              HttpClient &Http);

} // namespace pgoctl::store
