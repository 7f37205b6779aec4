// store/AwsConfig.cpp: the AWS environment and the ~/.aws INI files.
#include "store/AwsConfig.h"

#include "core/Error.h"
#include "core/Support.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstdlib>
#include <map>

namespace pgoctl::store {
namespace {

/// section -> key -> value; a nested block (`s3 =` then indented lines) is
/// stored as keys `s3.addressing_style`.
using Ini = std::map<std::string, std::map<std::string, std::string>>;

llvm::Expected<std::optional<Ini>> readIni(const std::string &Path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> B =
      llvm::MemoryBuffer::getFile(Path, /*IsText=*/true, /*RequiresNullTerminator=*/false);
  if (!B) {
    if (B.getError() == std::errc::no_such_file_or_directory)
      return std::nullopt;
    return makeKindError(ErrorKind::Input, "{0}: {1}", Path, B.getError().message());
  }
  if ((*B)->getBufferSize() > (1u << 20))
    return makeKindError(ErrorKind::Input, "{0}: over 1 MiB, not an AWS configuration file", Path);
  Ini Out;
  std::string Section, Nested;
  llvm::SmallVector<llvm::StringRef, 64> Lines;
  (*B)->getBuffer().split(Lines, '\n');
  unsigned LineNo = 0;
  for (llvm::StringRef Raw : Lines) {
    ++LineNo;
    bool Indented = !Raw.empty() && (Raw[0] == ' ' || Raw[0] == '\t');
    llvm::StringRef L = Raw.trim();
    if (L.empty() || L[0] == '#' || L[0] == ';')
      continue;
    if (L.front() == '[') {
      if (!L.consume_back("]"))
        return makeKindError(ErrorKind::Input, "{0}:{1}: a section header without `]`", Path,
                             LineNo);
      Section = L.drop_front().trim().str();
      Nested.clear();
      continue;
    }
    auto [K, V] = L.split('=');
    if (K.size() == L.size())
      return makeKindError(ErrorKind::Input, "{0}:{1}: expected `key = value`", Path, LineNo);
    std::string Key = K.trim().lower();
    llvm::StringRef Val = V.trim();
    if (Indented && !Nested.empty()) {
      Out[Section][Nested + "." + Key] = Val.str();
      continue;
    }
    Nested = Val.empty() ? Key : "";
    if (!Val.empty())
      Out[Section][Key] = Val.str();
  }
  return Out;
}

std::string homeFile(const EnvLookup &Env, const char *Var, const char *Name) {
  if (std::optional<std::string> P = Env(Var); P && !P->empty())
    return *P;
  std::optional<std::string> Home = Env("HOME");
  llvm::SmallString<256> P(Home ? *Home : "");
  llvm::sys::path::append(P, ".aws", Name);
  return P.str().str();
}

const std::string *lookup(const std::optional<Ini> &F, const std::string &Section,
                          const std::string &Key) {
  if (!F)
    return nullptr;
  auto S = F->find(Section);
  if (S == F->end())
    return nullptr;
  auto K = S->second.find(Key);
  return K == S->second.end() || K->second.empty() ? nullptr : &K->second;
}

} // namespace

llvm::Expected<AwsSettings> loadAwsSettings(const StoreOptions &Opts, const EnvLookup &EnvIn) {
  EnvLookup Env = EnvIn ? EnvIn : [](const char *N) -> std::optional<std::string> {
    if (const char *V = std::getenv(N))
      return std::string(V);
    return std::nullopt;
  };
  auto env = [&](const char *N) -> std::string {
    std::optional<std::string> V = Env(N);
    return V ? *V : std::string();
  };
  std::string Profile = !Opts.Profile.empty() ? Opts.Profile : env("AWS_PROFILE");
  if (Profile.empty())
    Profile = "default";
  std::string CredPath = homeFile(Env, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
  std::string ConfPath = homeFile(Env, "AWS_CONFIG_FILE", "config");
  llvm::Expected<std::optional<Ini>> Cred = readIni(CredPath);
  if (!Cred)
    return Cred.takeError();
  llvm::Expected<std::optional<Ini>> Conf = readIni(ConfPath);
  if (!Conf)
    return Conf.takeError();
  std::string ConfSection = Profile == "default" ? "default" : "profile " + Profile;

  AwsSettings S;
  if (!env("AWS_ACCESS_KEY_ID").empty() || !env("AWS_SECRET_ACCESS_KEY").empty()) {
    S.AccessKeyId = env("AWS_ACCESS_KEY_ID");
    S.SecretAccessKey = env("AWS_SECRET_ACCESS_KEY");
    S.SessionToken = env("AWS_SESSION_TOKEN");
    S.CredentialSource = "environment";
    if (S.AccessKeyId.empty() || S.SecretAccessKey.empty())
      return makeKindError(ErrorKind::Usage, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be "
                                             "set together");
  } else {
    struct Src {
      const std::optional<Ini> *F;
      std::string Section, Path;
    } Srcs[] = {{&*Cred, Profile, CredPath}, {&*Conf, ConfSection, ConfPath}};
    for (const Src &X : Srcs) {
      const std::string *Id = lookup(*X.F, X.Section, "aws_access_key_id");
      const std::string *Secret = lookup(*X.F, X.Section, "aws_secret_access_key");
      if (!Id && !Secret)
        continue;
      if (!Id || !Secret)
        return makeKindError(ErrorKind::Usage,
                             "{0}: profile `{1}` has only one of aws_access_key_id and "
                             "aws_secret_access_key",
                             X.Path, escapeForTerminal(Profile, 64));
      S.AccessKeyId = *Id;
      S.SecretAccessKey = *Secret;
      if (const std::string *T = lookup(*X.F, X.Section, "aws_session_token"))
        S.SessionToken = *T;
      S.CredentialSource = X.Path;
      break;
    }
    if (S.CredentialSource.empty())
      S.CredentialSource = "none";
  }
  for (const std::string *V :
       {&S.AccessKeyId, &S.SecretAccessKey, &S.SessionToken})
    for (unsigned char C : *V)
      if (C < 0x21 || C == 0x7f || (C == ':' && V == &S.AccessKeyId))
        return makeKindError(ErrorKind::Usage,
                             "AWS credentials from {0} hold a space, control character or (in the "
                             "key id) a colon",
                             S.CredentialSource);

  S.Region = Opts.Region;
  for (const char *N : {"AWS_REGION", "AWS_DEFAULT_REGION"})
    if (S.Region.empty())
      S.Region = env(N);
  if (S.Region.empty())
    if (const std::string *R = lookup(*Conf, ConfSection, "region"))
      S.Region = *R;
  if (S.Region.empty())
    S.Region = "us-east-1";
  for (char C : S.Region)
    if (!(llvm::isAlnum(C) || C == '-'))
      return makeKindError(ErrorKind::Usage, "AWS region `{0}`: letters, digits and - only",
                           escapeForTerminal(S.Region, 64));

  S.Endpoint = Opts.Endpoint;
  for (const char *N : {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"})
    if (S.Endpoint.empty())
      S.Endpoint = env(N);
  if (S.Endpoint.empty())
    for (const char *K : {"s3.endpoint_url", "endpoint_url"})
      if (const std::string *E = lookup(*Conf, ConfSection, K); E && S.Endpoint.empty())
        S.Endpoint = *E;
  while (llvm::StringRef(S.Endpoint).ends_with("/"))
    S.Endpoint.pop_back();
  if (!S.Endpoint.empty() && !llvm::StringRef(S.Endpoint).starts_with("http://") &&
      !llvm::StringRef(S.Endpoint).starts_with("https://"))
    return makeKindError(ErrorKind::Usage, "S3 endpoint `{0}`: expected http:// or https://",
                         escapeForTerminal(S.Endpoint, 256));
  for (unsigned char C : S.Endpoint)
    if (C < 0x21 || C == 0x7f || C == '@')
      return makeKindError(ErrorKind::Usage,
                           "S3 endpoint: a space, control character or `@` (credentials never go "
                           "in the URL)");

  S.Style = Opts.Style;
  if (S.Style == Addressing::Auto)
    if (const std::string *A = lookup(*Conf, ConfSection, "s3.addressing_style"))
      S.Style = *A == "path" ? Addressing::Path : *A == "virtual" ? Addressing::Virtual
                                                                  : Addressing::Auto;
  return S;
}

} // namespace pgoctl::store
