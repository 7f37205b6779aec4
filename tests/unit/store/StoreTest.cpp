// tests/unit/store: key checks and layout, the AWS configuration files, AWS's
// URI encoding and DirStore's compare-and-swap. Expected values are
// hand-checked (the sha256 of "abc" is FIPS 180-2's example).
#include "store/AwsConfig.h"
#include "store/Http.h"
#include "store/Layout.h"
#include "store/Store.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

using namespace pgoctl::store;

namespace {

std::string errText(llvm::Error E) { return llvm::toString(std::move(E)); }

TEST(StoreLayout, KeyPartsThatWouldEscapeAreRefused) {
  for (const char *Bad : {"", ".", "..", "a/b", "../x", "a b", "x\x1b[2Jy", "a\nb", "a\\b"})
    EXPECT_FALSE(errText(checkKeyPart(Bad, "service")).empty()) << Bad;
  EXPECT_FALSE(errText(checkKeyPart(std::string(129, 'a'), "service")).empty());
  for (const std::string &Good :
       {std::string("kv"), std::string("web-01"), std::string("api_v2.prod"),
        std::string("a+b@c"), std::string("..a"), std::string(128, 'z')})
    EXPECT_EQ(errText(checkKeyPart(Good, "service")), "") << Good;
}

TEST(StoreLayout, RawKeyRoundTrip) {
  RawWindow W{"kv", "", "web-01-a", "00ff", 1764892800};
  llvm::Expected<std::string> K = rawKey(W);
  ASSERT_TRUE(bool(K)) << errText(K.takeError());
  // 1764892800 is 2025-12-05T00:00:00Z (GNU date -u -d @1764892800).
  EXPECT_EQ(*K, "raw/kv/2025-12-05/web-01-a-00ff-1764892800.pgoprof");
  std::optional<RawWindow> Back = parseRawKey(*K);
  ASSERT_TRUE(Back.has_value());
  EXPECT_EQ(Back->Host, "web-01-a");
  EXPECT_EQ(Back->BuildId, "00ff");
  EXPECT_EQ(Back->Start, 1764892800);
  EXPECT_EQ(Back->Date, "2025-12-05");
  EXPECT_FALSE(parseRawKey("raw/kv/2025-12-05/nohyphen.pgoprof").has_value());
  EXPECT_FALSE(parseRawKey("raw/kv/x/a-b-c.pgoprof").has_value());
  W.Host = "../etc";
  EXPECT_FALSE(bool(rawKey(W)));
  consumeError(rawKey(W).takeError());
}

TEST(StoreLayout, BinaryKeys) {
  // Build-ids: lowercase hex of whole bytes, 1 to 64 bytes.
  for (const char *Bad : {"", "0", "abc", "ABCD", "00ff0g", "../00", "00 ff", "none"})
    EXPECT_FALSE(errText(checkBuildId(Bad, "build-id")).empty()) << Bad;
  EXPECT_FALSE(errText(checkBuildId(std::string(130, 'a'), "build-id")).empty());
  for (const std::string &Good : {std::string("00"), std::string("c25ed5c2b782254ff699ce2fdd201207846e9696"),
                                  std::string(128, 'f')})
    EXPECT_EQ(errText(checkBuildId(Good, "build-id")), "") << Good;

  llvm::Expected<std::string> K = binaryKey("00ff", "kvsvc");
  ASSERT_TRUE(bool(K)) << errText(K.takeError());
  EXPECT_EQ(*K, "binaries/00ff/kvsvc");
  std::optional<BinaryObject> B = parseBinaryKey(*K);
  ASSERT_TRUE(B.has_value());
  EXPECT_EQ(B->BuildId, "00ff");
  EXPECT_EQ(B->Name, "kvsvc");
  EXPECT_EQ(*binariesPrefix("00ff"), "binaries/00ff/");
  EXPECT_EQ(*binariesPrefix(""), "binaries/");
  for (const char *Bad : {"binaries/00ff", "binaries/00FF/kvsvc", "binaries/00ff/a/b",
                          "binaries/00ff/..", "raw/00ff/kvsvc"})
    EXPECT_FALSE(parseBinaryKey(Bad).has_value()) << Bad;
  for (auto [Id, Name] : {std::pair{"00ff", "../x"}, std::pair{"../00", "kvsvc"},
                          std::pair{"00ff", ""}}) {
    llvm::Expected<std::string> Bad = binaryKey(Id, Name);
    EXPECT_FALSE(bool(Bad)) << Id << " " << Name;
    if (!Bad)
      consumeError(Bad.takeError());
  }
}

TEST(StoreLayout, Durations) {
  EXPECT_EQ(*parseDuration("7d", "--since"), 7 * 86400);
  EXPECT_EQ(*parseDuration("12h", "--since"), 12 * 3600);
  EXPECT_EQ(*parseDuration("3", "--since"), 3 * 86400);
  for (const char *Bad : {"", "d", "-1d", "7w", "99999999999999d"}) {
    llvm::Expected<int64_t> D = parseDuration(Bad, "--since");
    EXPECT_FALSE(bool(D)) << Bad;
    if (!D)
      consumeError(D.takeError());
  }
}

TEST(StoreHttp, AwsUriEncoding) {
  // RFC 3986 unreserved characters stay; everything else is %XX upper case.
  EXPECT_EQ(awsUriEncode("a b/c~d_e.f-g", true), "a%20b/c~d_e.f-g");
  EXPECT_EQ(awsUriEncode("a b/c", false), "a%20b%2Fc");
  EXPECT_EQ(awsUriEncode("k=v&x+\xc3\xa9", false), "k%3Dv%26x%2B%C3%A9");
}

struct TempDir {
  llvm::SmallString<128> Path;
  TempDir() { EXPECT_FALSE(llvm::sys::fs::createUniqueDirectory("pgoctl-store-test", Path)); }
  ~TempDir() { llvm::sys::fs::remove_directories(Path); }
  std::string file(llvm::StringRef Name, llvm::StringRef Text) const {
    llvm::SmallString<128> P(Path);
    llvm::sys::path::append(P, Name);
    std::ofstream(P.str().str()) << Text.str();
    return P.str().str();
  }
};

TEST(StoreAwsConfig, FilesAndEnvironment) {
  TempDir D;
  std::string Cred = D.file("credentials", "[default]\naws_access_key_id = AKIDDEFAULT\n"
                                           "aws_secret_access_key = s1\n"
                                           "[ci]\naws_access_key_id=AKIDCI\naws_secret_access_key=s2\n"
                                           "aws_session_token = tok\n");
  std::string Conf = D.file("config", "[default]\nregion = eu-west-1\n"
                                      "[profile ci]\nregion = us-west-2\n"
                                      "s3 =\n  addressing_style = path\n"
                                      "endpoint_url = http://127.0.0.1:9000\n");
  std::map<std::string, std::string> Vars = {{"AWS_SHARED_CREDENTIALS_FILE", Cred},
                                             {"AWS_CONFIG_FILE", Conf}};
  EnvLookup Env = [&](const char *N) -> std::optional<std::string> {
    auto It = Vars.find(N);
    if (It == Vars.end())
      return std::nullopt;
    return It->second;
  };
  llvm::Expected<AwsSettings> S = loadAwsSettings(StoreOptions{}, Env);
  ASSERT_TRUE(bool(S)) << errText(S.takeError());
  EXPECT_EQ(S->AccessKeyId, "AKIDDEFAULT");
  EXPECT_EQ(S->Region, "eu-west-1");
  EXPECT_EQ(S->Style, Addressing::Auto);
  EXPECT_EQ(S->Endpoint, "");

  Vars["AWS_PROFILE"] = "ci";
  S = loadAwsSettings(StoreOptions{}, Env);
  ASSERT_TRUE(bool(S)) << errText(S.takeError());
  EXPECT_EQ(S->AccessKeyId, "AKIDCI");
  EXPECT_EQ(S->SecretAccessKey, "s2");
  EXPECT_EQ(S->SessionToken, "tok");
  EXPECT_EQ(S->Region, "us-west-2");
  EXPECT_EQ(S->Style, Addressing::Path);
  EXPECT_EQ(S->Endpoint, "http://127.0.0.1:9000");

  // The environment wins over the files; a flag wins over both.
  Vars["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  Vars["AWS_SECRET_ACCESS_KEY"] = "s3";
  Vars["AWS_REGION"] = "ap-south-1";
  StoreOptions O;
  O.Region = "sa-east-1";
  S = loadAwsSettings(O, Env);
  ASSERT_TRUE(bool(S)) << errText(S.takeError());
  EXPECT_EQ(S->AccessKeyId, "AKIDENV");
  EXPECT_EQ(S->SessionToken, "");
  EXPECT_EQ(S->Region, "sa-east-1");

  // Only one half of a key pair: an error that does not show the half.
  Vars.erase("AWS_ACCESS_KEY_ID");
  S = loadAwsSettings(StoreOptions{}, Env);
  ASSERT_FALSE(bool(S));
  std::string Msg = errText(S.takeError());
  EXPECT_EQ(Msg.find("s3"), std::string::npos) << Msg;
}

TEST(DirStore, CompareAndSwap) {
  TempDir D;
  llvm::Expected<std::unique_ptr<Store>> S = openStore("file://" + D.Path.str().str(), {});
  ASSERT_TRUE(bool(S)) << errText(S.takeError());
  Store &St = **S;
  // No object yet: an empty expected ETag matches, once.
  EXPECT_TRUE(*St.putIf("channels/kv/stable", "abc", ""));
  EXPECT_FALSE(*St.putIf("channels/kv/stable", "other", ""));
  // The ETag of a DirStore object is the sha256 of its bytes.
  const char *ShaAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  std::optional<ObjectInfo> H = *St.head("channels/kv/stable");
  ASSERT_TRUE(H.has_value());
  EXPECT_EQ(H->ETag, ShaAbc);
  EXPECT_FALSE(*St.putIf("channels/kv/stable", "xyz", "00"));
  EXPECT_EQ(*getObject(St, "channels/kv/stable", 100), "abc");
  EXPECT_TRUE(*St.putIf("channels/kv/stable", "xyz", ShaAbc));
  EXPECT_EQ(*getObject(St, "channels/kv/stable", 100), "xyz");
  // No lock file is left, and list() shows objects only.
  std::vector<std::string> Keys;
  ASSERT_FALSE(St.list("channels/", [&](const ObjectInfo &O) {
    Keys.push_back(O.Key);
    return llvm::Error::success();
  }));
  EXPECT_EQ(Keys, std::vector<std::string>{"channels/kv/stable"});
  // A body over the limit is an error, nothing delivered.
  llvm::Expected<std::string> Big = getObject(St, "channels/kv/stable", 2);
  EXPECT_FALSE(bool(Big));
  consumeError(Big.takeError());
  // Keys that would leave the store are refused by the backend too.
  for (const char *Bad : {"../x", "a//b", "/abs", "a/./b"})
    EXPECT_FALSE(errText(St.put(Bad, "x")).empty()) << Bad;
}

} // namespace
