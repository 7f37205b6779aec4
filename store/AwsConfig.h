// store/AwsConfig.h: region, endpoint and credentials as the AWS tools find them.
//
// In order, first found wins:
//   credentials  AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
//                else the profile's aws_access_key_id / aws_secret_access_key /
//                aws_session_token in AWS_SHARED_CREDENTIALS_FILE
//                (~/.aws/credentials), then in AWS_CONFIG_FILE (~/.aws/config);
//                else none (anonymous requests, as to a public bucket)
//   profile      StoreOptions::Profile, AWS_PROFILE, `default`; in the config
//                file its section is `[profile NAME]` (`[default]` for default)
//   region       StoreOptions::Region, AWS_REGION, AWS_DEFAULT_REGION, the
//                profile's `region`, us-east-1
//   endpoint     StoreOptions::Endpoint, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL,
//                the profile's `endpoint_url`, else AWS's
//   addressing   StoreOptions::Style, else the profile's `s3 =` sub-section's
//                `addressing_style` (path | virtual | auto)
// The INI files are read bounded (1 MiB). No value of the secret kind is ever
// put in an error: a bad line is reported by file and line number only.
#pragma once

#include "store/Store.h"

#include "llvm/Support/Error.h"

#include <functional>
#include <optional>
#include <string>

namespace pgoctl::store {

struct AwsSettings {
  std::string AccessKeyId, SecretAccessKey, SessionToken; ///< empty: anonymous
  std::string Region;
  std::string Endpoint; ///< empty: AWS's own
  Addressing Style = Addressing::Auto;
  std::string CredentialSource; ///< "environment", a file name, or "none" (for messages)
};

/// Reads an environment variable (getenv by default; tests pass their own).
using EnvLookup = std::function<std::optional<std::string>(const char *)>;

llvm::Expected<AwsSettings> loadAwsSettings(const StoreOptions &Opts, const EnvLookup &Env = {});

} // namespace pgoctl::store
