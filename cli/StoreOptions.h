// cli/StoreOptions.h: the options every store command shares (--store URL,
// --s3-endpoint, --s3-region, --s3-addressing, --aws-profile, --attempts, --timeout), and
// opening the store they name. Credentials never come from a flag: only from
// the AWS environment and files (store/AwsConfig.h), so they are not in argv.
#pragma once

#include "store/Store.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace pgoctl::cli {

struct StoreArgs {
  std::string Url;
  std::string Endpoint, Region, Profile, Addressing = "auto";
  unsigned Attempts = 4;
  unsigned TimeoutSec = 30;
};

/// Adds --store (required unless StoreRequired is false) and the S3 options.
void addStoreOptions(CLI::App &App, StoreArgs &A, bool StoreRequired = true);
/// The StoreOptions of the flags.
store::StoreOptions storeOptions(const StoreArgs &A);
/// Opens A.Url.
llvm::Expected<std::unique_ptr<store::Store>> openStoreArgs(const StoreArgs &A);
/// --since 7d: the oldest start time (seconds since 1970) it admits; 0 when
/// Since is empty (everything).
llvm::Expected<int64_t> sinceCutoff(llvm::StringRef Since);
/// Opens another URL with the same S3 options.
llvm::Expected<std::unique_ptr<store::Store>> openStoreArgs(const StoreArgs &A,
                                                            llvm::StringRef Url);

} // namespace pgoctl::cli
