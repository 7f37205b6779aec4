// tests/unit/ProfileFormatTest.cpp: the .pgoprof format (round trip, header
// checks, damaged bodies) and Profile::canonicalize (folding, renumbering).
// Expected values are written out by hand for small profiles.
#include "core/ProfileFormat.h"

#include "llvm/Support/Endian.h"

#include <gtest/gtest.h>
#include <zstd.h>

using namespace pgoctl;

namespace {

std::string errorText(llvm::Error E) { return llvm::toString(std::move(E)); }

/// A small profile touching every field of the format.
Profile sampleProfile() {
  Profile P;
  P.Meta.Event = "br_inst_retired.near_taken";
  P.Meta.SamplePeriod = 200003;
  P.Meta.Mode = ProfileMode::Lbr;
  P.Meta.TimeStartNs = 1000;
  P.Meta.TimeEndNs = 5000;
  P.Meta.Labels = {{"service", "web"}, {"version", "1.2"}};
  P.Meta.ToolVersion = "pgoctl test";
  P.Meta.TotalSamples = 42;
  P.Meta.LostSamples = 2;
  P.Meta.UnmappedSamples = 1;
  P.Meta.Inputs.push_back({"a.data", "perf.data", "abcd", "host1", "6.1", "6.1.0", 42,
                           1, 1000, 5000});
  BinaryProfile B;
  B.BuildId = "0123456789abcdef";
  B.Path = "/usr/bin/app";
  B.Segments = {{0x400000, 0x1000, 0, 0x1000, 5}};
  B.Branches = {{0x401000, 0x400f00, 7, 1}, {0x401010, kExternalAddress, 3, 0}};
  B.Ranges = {{0x400f00, 0x400f20, 5}};
  B.Samples = {{0x401000, 9}, {0x401004, 1}};
  P.Binaries.push_back(B);
  BinaryProfile K;
  K.Path = "[kernel.kallsyms]";
  K.IsKernel = true;
  K.Samples = {{0xffffffff81000000, 4}};
  P.Binaries.push_back(K);
  P.Stacks.push_back({{{0, 0x401000}, {Frame::kNoBinary, 0x1234}}, 5});
  return P;
}

void expectEqual(const Profile &A, const Profile &B) {
  EXPECT_EQ(A.Meta.Event, B.Meta.Event);
  EXPECT_EQ(A.Meta.SamplePeriod, B.Meta.SamplePeriod);
  EXPECT_EQ(A.Meta.Mode, B.Meta.Mode);
  EXPECT_EQ(A.Meta.Labels, B.Meta.Labels);
  EXPECT_EQ(A.Meta.Inputs, B.Meta.Inputs);
  EXPECT_EQ(A.Meta.TotalSamples, B.Meta.TotalSamples);
  EXPECT_EQ(A.Meta.LostSamples, B.Meta.LostSamples);
  EXPECT_EQ(A.Meta.UnmappedSamples, B.Meta.UnmappedSamples);
  ASSERT_EQ(A.Binaries.size(), B.Binaries.size());
  for (size_t I = 0; I < A.Binaries.size(); ++I) {
    const BinaryProfile &X = A.Binaries[I], &Y = B.Binaries[I];
    EXPECT_EQ(X.key(), Y.key());
    EXPECT_EQ(X.IsKernel, Y.IsKernel);
    EXPECT_EQ(X.Segments, Y.Segments);
    ASSERT_EQ(X.Branches.size(), Y.Branches.size());
    for (size_t J = 0; J < X.Branches.size(); ++J) {
      EXPECT_EQ(X.Branches[J].From, Y.Branches[J].From);
      EXPECT_EQ(X.Branches[J].To, Y.Branches[J].To);
      EXPECT_EQ(X.Branches[J].Count, Y.Branches[J].Count);
      EXPECT_EQ(X.Branches[J].Mispreds, Y.Branches[J].Mispreds);
    }
    ASSERT_EQ(X.Samples.size(), Y.Samples.size());
    for (size_t J = 0; J < X.Samples.size(); ++J) {
      EXPECT_EQ(X.Samples[J].Addr, Y.Samples[J].Addr);
      EXPECT_EQ(X.Samples[J].Count, Y.Samples[J].Count);
    }
    ASSERT_EQ(X.Ranges.size(), Y.Ranges.size());
  }
  ASSERT_EQ(A.Stacks.size(), B.Stacks.size());
  for (size_t I = 0; I < A.Stacks.size(); ++I) {
    EXPECT_EQ(A.Stacks[I].Frames, B.Stacks[I].Frames);
    EXPECT_EQ(A.Stacks[I].Count, B.Stacks[I].Count);
  }
}

std::string serialized(const Profile &P) {
  llvm::Expected<std::string> S = serializeProfile(P);
  EXPECT_TRUE(bool(S)) << (S ? "" : errorText(S.takeError()));
  return S ? *S : std::string();
}

TEST(ProfileFormat, RoundTrip) {
  Profile P = sampleProfile();
  std::string Bytes = serialized(P);
  ASSERT_TRUE(isPgoprof(Bytes));
  llvm::Expected<Profile> Back = parseProfile(Bytes, "mem");
  ASSERT_TRUE(bool(Back)) << errorText(Back.takeError());
  expectEqual(P, *Back); // P is already canonical: binaries sort by key as written
  EXPECT_EQ(Back->Binaries[0].Branches[1].To, kExternalAddress);
  EXPECT_EQ(Back->Stacks[0].Frames[1].Binary, Frame::kNoBinary);
  EXPECT_EQ(serialized(*Back), Bytes); // re-serializing gives the same bytes
}

TEST(ProfileFormat, FileRoundTrip) {
  std::string Path = ::testing::TempDir() + "/pgoctl-roundtrip.pgoprof";
  ASSERT_FALSE(bool(writeProfileFile(sampleProfile(), Path)));
  llvm::Expected<Profile> Back = readProfileFile(Path);
  ASSERT_TRUE(bool(Back)) << errorText(Back.takeError());
  expectEqual(sampleProfile(), *Back);
}

TEST(ProfileFormat, BadMagic) {
  std::string Bytes = serialized(sampleProfile());
  Bytes[0] = 'X';
  llvm::Expected<Profile> P = parseProfile(Bytes, "x.pgoprof");
  ASSERT_FALSE(bool(P));
  std::string Msg = errorText(P.takeError());
  EXPECT_NE(Msg.find("x.pgoprof"), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("bad magic"), std::string::npos) << Msg;
}

TEST(ProfileFormat, MissingFileNamesIt) {
  llvm::Expected<Profile> P = readProfileFile("/nonexistent/dir/p.pgoprof");
  ASSERT_FALSE(bool(P));
  EXPECT_NE(errorText(P.takeError()).find("/nonexistent/dir/p.pgoprof"), std::string::npos);
}

TEST(ProfileFormat, NewerVersionIsAClearError) {
  std::string Bytes = serialized(sampleProfile());
  llvm::support::endian::write32le(Bytes.data() + 8, kPgoprofVersion + 1);
  llvm::Expected<Profile> P = parseProfile(Bytes, "new.pgoprof");
  ASSERT_FALSE(bool(P));
  std::string Msg = errorText(P.takeError());
  EXPECT_NE(Msg.find("newer"), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("new.pgoprof"), std::string::npos) << Msg;
}

TEST(ProfileFormat, EveryTruncationIsAnError) {
  std::string Bytes = serialized(sampleProfile());
  for (size_t N = 0; N < Bytes.size(); ++N) {
    llvm::Expected<Profile> P = parseProfile(llvm::StringRef(Bytes).take_front(N), "t");
    EXPECT_FALSE(bool(P)) << "prefix of " << N << " of " << Bytes.size() << " bytes parsed";
    if (!P)
      llvm::consumeError(P.takeError());
  }
}

TEST(ProfileFormat, GarbageBodyIsAnError) {
  std::string Bytes = serialized(sampleProfile()).substr(0, 16) + std::string(64, '\x5a');
  llvm::Expected<Profile> P = parseProfile(Bytes, "g");
  ASSERT_FALSE(bool(P));
  EXPECT_NE(errorText(P.takeError()).find("zstd"), std::string::npos);
}

TEST(ProfileFormat, ValidZstdOfNonProtobufIsAnError) {
  // 0xff bytes: a protobuf field key with an over-long varint, never valid.
  std::string Raw(32, '\xff');
  std::string Z(ZSTD_compressBound(Raw.size()), '\0');
  size_t N = ZSTD_compress(Z.data(), Z.size(), Raw.data(), Raw.size(), 1);
  ASSERT_FALSE(ZSTD_isError(N));
  Z.resize(N);
  std::string Bytes = serialized(sampleProfile()).substr(0, 16) + Z;
  llvm::Expected<Profile> P = parseProfile(Bytes, "p");
  ASSERT_FALSE(bool(P));
  EXPECT_NE(errorText(P.takeError()).find("protobuf"), std::string::npos);
}

TEST(ProfileFormat, FlippedBytesNeverCrash) {
  // Each single-byte corruption must give an error or a profile, not a crash.
  std::string Good = serialized(sampleProfile());
  for (size_t I = 0; I < Good.size(); ++I) {
    std::string Bad = Good;
    Bad[I] = char(Bad[I] ^ 0x41);
    llvm::Expected<Profile> P = parseProfile(Bad, "f");
    if (!P)
      llvm::consumeError(P.takeError());
  }
}

TEST(Canonicalize, FoldsDuplicatesAndRenumbersFrames) {
  Profile P;
  BinaryProfile Z; // key "path:/z": sorts after "buildid:..."
  Z.Path = "/z";
  Z.Samples = {{0x20, 1}, {0x10, 2}, {0x20, 3}};
  Z.Branches = {{5, 6, 1, 0}, {1, 2, 10, 1}, {5, 6, 4, 2}};
  BinaryProfile A1;
  A1.BuildId = "aa";
  A1.Path = "/b/app";
  A1.Samples = {{0x100, 1}};
  BinaryProfile A2 = A1; // same build-id, other path: folds into one binary
  A2.Path = "/a/app";
  A2.Samples = {{0x100, 2}, {0x50, 7}};
  P.Binaries = {Z, A1, A2};
  // Stacks name binaries by old index: 0 = /z, 1 and 2 = app.
  P.Stacks = {{{{0, 0x10}, {1, 0x100}}, 3}, {{{0, 0x10}, {2, 0x100}}, 4}, {{{2, 0x50}}, 1}};
  P.canonicalize();

  ASSERT_EQ(P.Binaries.size(), 2u);
  EXPECT_EQ(P.Binaries[0].key(), "buildid:aa");
  EXPECT_EQ(P.Binaries[0].Path, "/a/app"); // smallest path kept
  ASSERT_EQ(P.Binaries[0].Samples.size(), 2u);
  EXPECT_EQ(P.Binaries[0].Samples[0].Addr, 0x50u);
  EXPECT_EQ(P.Binaries[0].Samples[0].Count, 7u);
  EXPECT_EQ(P.Binaries[0].Samples[1].Addr, 0x100u);
  EXPECT_EQ(P.Binaries[0].Samples[1].Count, 3u);
  const BinaryProfile &Zc = P.Binaries[1];
  ASSERT_EQ(Zc.Samples.size(), 2u);
  EXPECT_EQ(Zc.Samples[0].Count, 2u);
  EXPECT_EQ(Zc.Samples[1].Count, 4u);
  ASSERT_EQ(Zc.Branches.size(), 2u);
  EXPECT_EQ(Zc.Branches[1].From, 5u);
  EXPECT_EQ(Zc.Branches[1].Count, 5u);
  EXPECT_EQ(Zc.Branches[1].Mispreds, 2u);

  // Renumbered: /z is now 1, app is 0; the two 2-frame stacks become equal.
  ASSERT_EQ(P.Stacks.size(), 2u);
  std::vector<Frame> Leaf = {{0, 0x50}};
  std::vector<Frame> Two = {{1, 0x10}, {0, 0x100}};
  EXPECT_EQ(P.Stacks[0].Frames, Leaf);
  EXPECT_EQ(P.Stacks[0].Count, 1u);
  EXPECT_EQ(P.Stacks[1].Frames, Two);
  EXPECT_EQ(P.Stacks[1].Count, 7u);

  Profile Again = P; // idempotent
  Again.canonicalize();
  EXPECT_EQ(serialized(Again), serialized(P));
}

} // namespace
