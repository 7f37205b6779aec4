// convert/bolt/Yaml.h: mergeBoltYaml on two hand-written builds' profiles.
// Build "old" and build "new" share f (same hash: counts add up, the old
// call into g renumbered to g's new id), g changed (another hash: the new
// profile only), and h exists in the old build only (kept under a fresh id
// above every id the new profile uses, its calls renumbered: f to f's new
// id, an unprofiled callee to the one "unknown" id). Expected values are
// worked out by hand in the comments.
#include "convert/bolt/Yaml.h"
#include "core/Error.h"

#include <gtest/gtest.h>

namespace {

using pgoctl::convert::BoltYamlMergeSummary;
using pgoctl::convert::mergeBoltYaml;

std::string header(const char *BuildId, const char *Origin, const char *Hash = "xxh3") {
  return std::string("---\nheader:\n  profile-version: 1\n  binary-name: svc\n"
                     "  binary-build-id: ") +
         BuildId + "\n  profile-flags: [ lbr ]\n  profile-origin: " + Origin +
         "\n  profile-events: ''\n  dfs-order: false\n  hash-func: " + Hash + "\n";
}

const char *OldFunctions = R"(functions:
  - name: f
    fid: 1
    hash: 0x10
    exec: 10
    nblocks: 2
    blocks:
      - bid: 0
        insns: 3
        hash: 0x100
        exec: 10
        calls: [ { off: 0x4, fid: 2, cnt: 3 } ]
        succ: [ { bid: 1, cnt: 4 } ]
  - name: g
    fid: 2
    hash: 0x20
    exec: 3
    nblocks: 1
    blocks:
      - bid: 0
        insns: 2
        hash: 0x200
        exec: 3
  - name: h
    fid: 3
    hash: 0x30
    exec: 5
    nblocks: 1
    blocks:
      - bid: 0
        insns: 4
        hash: 0x300
        exec: 5
        calls: [ { off: 0x8, fid: 1, cnt: 5 }, { off: 0xC, fid: 40, cnt: 2 } ]
)";

const char *NewFunctions = R"(functions:
  - name: f
    fid: 5
    hash: 0x10
    exec: 1
    nblocks: 2
    blocks:
      - bid: 0
        insns: 3
        hash: 0x100
        exec: 1
        calls: [ { off: 0x4, fid: 6, cnt: 1 }, { off: 0x8, fid: 9, cnt: 2 } ]
        succ: [ { bid: 1, cnt: 1 } ]
      - bid: 1
        insns: 1
        hash: 0x101
        exec: 1
  - name: g
    fid: 6
    hash: 0x21
    exec: 7
    nblocks: 1
    blocks:
      - bid: 0
        insns: 2
        hash: 0x201
        exec: 7
)";

TEST(BoltYamlMerge, SumsSameCodeKeepsNewestRenumbers) {
  std::string Old = header("aaaa", "branch profile reader") + OldFunctions;
  std::string New = header("bbbb", "perf data aggregator") + NewFunctions;
  BoltYamlMergeSummary Sum;
  auto Out = mergeBoltYaml({Old, New}, {"old.yaml", "new.yaml"}, &Sum);
  ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
  EXPECT_EQ(Sum.Functions, 3u);
  EXPECT_EQ(Sum.Summed, 1u);     // f
  EXPECT_EQ(Sum.Superseded, 1u); // old g
  EXPECT_EQ(Sum.OnlyOlder, 1u);  // h
  // The newest ids are 5, 6 and the callee 9: h gets 10, unknown callees 11.
  // f: exec 10+1, block 0 exec 10+1, the call at 0x4 (old: g=2 -> 6) 3+1,
  // the edge to block 1 4+1.
  const char *Want = R"(---
header:
  profile-version: 1
  binary-name:     svc
  binary-build-id: bbbb
  profile-flags:   [ lbr ]
  profile-origin:  'pgoctl merge of 2 builds; newest: perf data aggregator'
  profile-events:  ''
  dfs-order:       false
  hash-func:       xxh3
functions:
  - name:            f
    fid:             5
    hash:            0x10
    exec:            11
    nblocks:         2
    blocks:
      - bid:             0
        insns:           3
        hash:            0x100
        exec:            11
        calls:           [ { off: 0x4, fid: 6, cnt: 4 }, { off: 0x8, fid: 9, cnt: 2 } ]
        succ:            [ { bid: 1, cnt: 5 } ]
      - bid:             1
        insns:           1
        hash:            0x101
        exec:            1
  - name:            g
    fid:             6
    hash:            0x21
    exec:            7
    nblocks:         1
    blocks:
      - bid:             0
        insns:           2
        hash:            0x201
        exec:            7
  - name:            h
    fid:             10
    hash:            0x30
    exec:            5
    nblocks:         1
    blocks:
      - bid:             0
        insns:           4
        hash:            0x300
        exec:            5
        calls:           [ { off: 0x8, fid: 5, cnt: 5 }, { off: 0xC, fid: 11, cnt: 2 } ]
...
)";
  EXPECT_EQ(*Out, Want);
}

TEST(BoltYamlMerge, OneInputKeepsItsHeader) {
  std::string New = header("bbbb", "perf data aggregator") + NewFunctions;
  auto Out = mergeBoltYaml({New});
  ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
  EXPECT_NE(Out->find("profile-origin:  perf data aggregator"), std::string::npos) << *Out;
  EXPECT_NE(Out->find("fid:             6"), std::string::npos) << *Out;
}

TEST(BoltYamlMerge, RefusesDifferentHashFunctions) {
  std::string Old = header("aaaa", "x", "std-hash") + OldFunctions;
  std::string New = header("bbbb", "y") + NewFunctions;
  auto Out = mergeBoltYaml({Old, New}, {"old.yaml", "new.yaml"});
  ASSERT_FALSE(bool(Out));
  EXPECT_EQ(llvm::toString(Out.takeError()), "old.yaml and new.yaml: different hash functions");
}

TEST(BoltYamlMerge, RefusesFieldsItWouldDrop) {
  // A pseudo-probe field pgoctl does not merge: an error, not a silent drop.
  std::string New = header("bbbb", "y") + NewFunctions + "    probes: [ { blk: [ 1 ] } ]\n";
  auto Out = mergeBoltYaml({New}, {"probes.yaml"});
  ASSERT_FALSE(bool(Out));
  std::string Msg = llvm::toString(Out.takeError());
  EXPECT_NE(Msg.find("probes.yaml: not a BOLT YAML profile pgoctl can merge"), std::string::npos)
      << Msg;
  EXPECT_NE(Msg.find("unknown key 'probes'"), std::string::npos) << Msg;
}

TEST(BoltYamlMerge, RefusesGarbageAndEmpty) {
  auto Out = mergeBoltYaml({std::string("---\nnot yaml: [")}, {"bad.yaml"});
  ASSERT_FALSE(bool(Out));
  EXPECT_NE(llvm::toString(Out.takeError()).find("bad.yaml: not a BOLT YAML profile pgoctl can merge"),
            std::string::npos);
  // An empty file is not an empty profile.
  auto Empty = mergeBoltYaml({std::string()}, {"empty.yaml"});
  ASSERT_FALSE(bool(Empty));
  EXPECT_EQ(llvm::toString(Empty.takeError()),
            "empty.yaml: not a BOLT YAML profile (it does not start with `---`)");
  auto None = mergeBoltYaml({});
  ASSERT_FALSE(bool(None));
  llvm::consumeError(None.takeError());
}

TEST(BoltYamlMerge, RefusesAnIdTwiceInTheNewest) {
  // Call sites name callees by id: two functions under one id make them
  // ambiguous. Refused in the newest input as in the older ones (found by
  // the bolt_yaml fuzzer: the output's order then depended on hashing).
  std::string Two = header("bbbb", "y") + R"(functions:
  - name: a
    fid: 8
    hash: 0x1
    exec: 1
    nblocks: 1
    blocks:
      - bid: 0
        insns: 1
        hash: 0x10
        exec: 1
  - name: b
    fid: 8
    hash: 0x2
    exec: 1
    nblocks: 1
    blocks:
      - bid: 0
        insns: 1
        hash: 0x20
        exec: 1
)";
  auto Out = mergeBoltYaml({Two}, {"two.yaml"});
  ASSERT_FALSE(bool(Out));
  EXPECT_EQ(llvm::toString(Out.takeError()), "two.yaml: function id 8 twice");
}

} // namespace
