// cli/StoreOptions.cpp: see StoreOptions.h.
#include "cli/StoreOptions.h"
#include "store/Layout.h"

#include <ctime>

#include <CLI/CLI.hpp>

#include <algorithm>

namespace pgoctl::cli {

void addStoreOptions(CLI::App &App, StoreArgs &A, bool StoreRequired) {
  CLI::Option *O = App.add_option("--store", A.Url,
                                  "The profile store: file:///path or s3://bucket[/prefix]");
  if (StoreRequired)
    O->required();
  App.add_option("--s3-endpoint", A.Endpoint,
                 "S3-compatible endpoint, e.g. http://127.0.0.1:9000 (else AWS_ENDPOINT_URL)");
  App.add_option("--s3-region", A.Region, "AWS region (else AWS_REGION, AWS_DEFAULT_REGION)");
  App.add_option("--s3-addressing", A.Addressing,
                 "path | virtual | auto (virtual-hosted on AWS, path-style elsewhere)")
      ->check(CLI::IsMember({"auto", "path", "virtual"}));
  App.add_option("--aws-profile", A.Profile, "profile of ~/.aws/{credentials,config}");
  App.add_option("--attempts", A.Attempts,
                 "tries of a request that failed transiently (5xx, 429, timeout)")
      ->check(CLI::Range(1u, 20u));
  App.add_option("--timeout", A.TimeoutSec,
                 "seconds a connection may take to open, or a transfer may stall, before it "
                 "has timed out (default 30)")
      ->check(CLI::Range(1u, 3600u));
}

store::StoreOptions storeOptions(const StoreArgs &A) {
  store::StoreOptions O;
  O.Endpoint = A.Endpoint;
  O.Region = A.Region;
  O.Profile = A.Profile;
  O.Style = A.Addressing == "path"      ? store::Addressing::Path
            : A.Addressing == "virtual" ? store::Addressing::Virtual
                                        : store::Addressing::Auto;
  O.Retry.MaxAttempts = A.Attempts;
  O.LowSpeedTimeoutSec = A.TimeoutSec;
  O.ConnectTimeoutSec = std::min(A.TimeoutSec, 10u);
  return O;
}

llvm::Expected<std::unique_ptr<store::Store>> openStoreArgs(const StoreArgs &A) {
  return store::openStore(A.Url, storeOptions(A));
}

llvm::Expected<std::unique_ptr<store::Store>> openStoreArgs(const StoreArgs &A,
                                                            llvm::StringRef Url) {
  return store::openStore(Url, storeOptions(A));
}

llvm::Expected<int64_t> sinceCutoff(llvm::StringRef Since) {
  if (Since.empty())
    return 0;
  llvm::Expected<int64_t> D = store::parseDuration(Since, "--since");
  if (!D)
    return D.takeError();
  return int64_t(std::time(nullptr)) - *D;
}

} // namespace pgoctl::cli
