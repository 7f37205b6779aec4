// Unit tests of a partial's JSON (refresh/Partial.cpp): what `refresh
// --reduce` reads from the store is checked before reduce relies on it.
#include "refresh/Shard.h"

#include <gtest/gtest.h>

using namespace pgoctl;
using namespace pgoctl::refresh;

namespace {

/// A partial as `refresh --partial` writes it: shard 1 of 2, one host.
std::string partial(const std::string &Of = "2", const std::string &HalfLife = "259200",
                    const std::string &Den = "63132663808") {
  return R"({"format": "pgoctl-refresh-partial-1", "service": "kv", "run": "w1",
  "shard": 1, "of": )" + Of + R"(,
  "options": {"now": 1764892800, "since": 604800, "half_life": )" + HalfLife + R"(,
              "host_weight": "equal"},
  "windows": 1, "too_old": 0, "samples": 3763, "samples_in_service": 3763,
  "first_start": 1764892800, "last_start": 1764892800,
  "keys": ["raw/kv/2025-12-05/web-1-ab-1764892800.pgoprof"], "warnings": [],
  "hosts": [{"host": "web-1", "windows": 1, "samples": 3763, "decayed_total": 63132663808,
             "num": 4294967296, "den": )" + Den + R"(}],
  "builds": [{"build_id": "ab", "windows": 1, "samples": 3763,
              "keys": ["raw/kv/2025-12-05/web-1-ab-1764892800.pgoprof"]}]})";
}

std::string parseError(const std::string &Text) {
  PartialHeader H;
  Accumulated A;
  llvm::Error E = parsePartialJson(Text, "s3://b/partials/kv/w1/1-of-2.json", H, A);
  return E ? llvm::toString(std::move(E)) : "";
}

} // namespace

TEST(PartialJson, ReadsWhatTheWriterWrites) {
  PartialHeader H;
  Accumulated A;
  ASSERT_FALSE(bool(parsePartialJson(partial(), "p.json", H, A)));
  EXPECT_EQ(H.Shard.Index, 1u);
  EXPECT_EQ(H.Shard.Count, 2u);
  ASSERT_EQ(A.Hosts.size(), 1u);
  EXPECT_EQ(A.Hosts[0].S.Den, 63132663808u);
  // Written back and read again: the same bytes.
  std::string Out = renderPartialJson(H, A);
  PartialHeader H2;
  Accumulated A2;
  ASSERT_FALSE(bool(parsePartialJson(Out, "p.json", H2, A2)));
  EXPECT_EQ(renderPartialJson(H2, A2), Out);
}

// A store anyone can write to: a shard count of 4e9 made reduce list every
// missing shard (a string of ~40 GB); a zero denominator divided by zero in
// the change note's weights.
TEST(PartialJson, RefusesWhatReduceCannotUse) {
  EXPECT_NE(parseError(partial("4000000000")).find("shard 1 of 4000000000"), std::string::npos)
      << parseError(partial("4000000000"));
  EXPECT_NE(parseError(partial("1")).find("shard 1 of 1"), std::string::npos);
  EXPECT_NE(parseError(partial("2", "0")).find("half_life"), std::string::npos);
  EXPECT_NE(parseError(partial("2", "259200", "0")).find("host web-1: a scale of zero"),
            std::string::npos);
  EXPECT_NE(parseError("[1, 2]").find("not a JSON object"), std::string::npos);
  EXPECT_NE(parseError(partial("\"two\"")).find("1-of-2.json"), std::string::npos);
}

// Found by the refresh_partial fuzzer: nlohmann's get<uint64_t>() cast the
// float 4.9e19 (undefined behaviour) and would wrap -1 to 2^64-1; a shard
// count of 2^32 fit no `unsigned`. Each is refused, naming the field.
TEST(PartialJson, RefusesNumbersOutsideTheirType) {
  EXPECT_EQ(parseError(partial("2", "259200", "4.92511e+19")),
            "s3://b/partials/kv/w1/1-of-2.json: den: not an integer in [0, 18446744073709551615]");
  EXPECT_EQ(parseError(partial("2", "259200", "-1")),
            "s3://b/partials/kv/w1/1-of-2.json: den: not an integer in [0, 18446744073709551615]");
  EXPECT_EQ(parseError(partial("2", "259200", "2.0")),
            "s3://b/partials/kv/w1/1-of-2.json: den: not an integer in [0, 18446744073709551615]");
  EXPECT_EQ(parseError(partial("4294967298")),
            "s3://b/partials/kv/w1/1-of-2.json: of: not an integer in [0, 4294967295]");
  EXPECT_EQ(parseError(partial("2", "9223372036854775808")),
            "s3://b/partials/kv/w1/1-of-2.json: half_life: not an integer in "
            "[-9223372036854775808, 9223372036854775807]");
}
