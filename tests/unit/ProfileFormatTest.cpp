// tests/unit/ProfileFormatTest.cpp: the .pgoprof format (round trip, header
// checks, damaged bodies) and Profile::canonicalize (folding, renumbering).
// Expected values are written out by hand for small profiles.
#include "core/ProfileFormat.h"

#include "llvm/Support/Endian.h"

#include <gtest/gtest.h>
#include <thread>
#include <unistd.h>
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
  // Traces account for 3 of the first range's 5 records (the rest came from
  // a profile without traces) and for all of the second.
  B.Ranges = {{0x400f00, 0x400f20, 5}, {0x400f40, 0x400f50, 2}};
  B.Traces = {{0x401000, 0x400f00, 0x400f20, 3}, {kExternalAddress, 0x400f40, 0x400f50, 2}};
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
    for (size_t J = 0; J < X.Ranges.size(); ++J) {
      EXPECT_EQ(X.Ranges[J].Begin, Y.Ranges[J].Begin);
      EXPECT_EQ(X.Ranges[J].End, Y.Ranges[J].End);
      EXPECT_EQ(X.Ranges[J].Count, Y.Ranges[J].Count);
    }
    ASSERT_EQ(X.Traces.size(), Y.Traces.size());
    for (size_t J = 0; J < X.Traces.size(); ++J) {
      EXPECT_EQ(X.Traces[J].Branch, Y.Traces[J].Branch);
      EXPECT_EQ(X.Traces[J].Begin, Y.Traces[J].Begin);
      EXPECT_EQ(X.Traces[J].End, Y.Traces[J].End);
      EXPECT_EQ(X.Traces[J].Count, Y.Traces[J].Count);
    }
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

TEST(ProfileFormat, UntracedRangesAreRangesMinusTraces) {
  std::vector<RangeCount> U = sampleProfile().Binaries[0].untracedRanges();
  ASSERT_EQ(U.size(), 1u);
  EXPECT_EQ(U[0].Begin, 0x400f00u);
  EXPECT_EQ(U[0].End, 0x400f20u);
  EXPECT_EQ(U[0].Count, 2u);
}

// A version 1 file (written before traces) is a version 2 body without trace
// columns, its range columns holding every range: it reads as ranges without
// traces. A profile without traces (or function counts) is still written as
// version 1, so that older readers read it.
TEST(ProfileFormat, VersionOneReadsAsRangesWithoutTraces) {
  Profile P = sampleProfile();
  for (BinaryProfile &B : P.Binaries)
    B.Traces.clear();
  std::string Bytes = serialized(P);
  EXPECT_EQ(llvm::support::endian::read32le(Bytes.data() + 8), 1u);
  llvm::Expected<Profile> Back = parseProfile(Bytes, "v1.pgoprof");
  ASSERT_TRUE(bool(Back)) << errorText(Back.takeError());
  expectEqual(P, *Back);
  EXPECT_TRUE(Back->Binaries[0].Traces.empty());
  EXPECT_EQ(Back->Binaries[0].untracedRanges().size(), 2u);
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

// -- bounded reading (issue 18, finding 4): a small file must not make the
// reader allocate what its header or body claims.

std::string varint(uint64_t V) {
  std::string Out;
  while (V >= 0x80) {
    Out.push_back(char(V | 0x80));
    V >>= 7;
  }
  Out.push_back(char(V));
  return Out;
}

/// A protobuf field key and length prefix (wire type 2).
std::string lenField(unsigned Field, uint64_t Len) {
  return varint((uint64_t(Field) << 3) | 2) + varint(Len);
}

/// Header (version 1) + zstd of Raw.
std::string pgoprofOf(llvm::StringRef Raw) {
  std::string Z(ZSTD_compressBound(Raw.size()), '\0');
  size_t N = ZSTD_compress(Z.data(), Z.size(), Raw.data(), Raw.size(), 3);
  EXPECT_FALSE(ZSTD_isError(N));
  Z.resize(N);
  std::string Out(16, '\0');
  memcpy(Out.data(), kPgoprofMagic, 8);
  llvm::support::endian::write32le(Out.data() + 8, 1);
  return Out + Z;
}

/// A body: one binary with N IP samples, each address delta and count a
/// one-byte varint 0 (the most elements a byte can hold).
std::string sampleBomb(uint64_t N) {
  std::string Bin = lenField(13, N) + std::string(N, '\0') + lenField(14, N) +
                    std::string(N, '\0');
  return lenField(2, Bin.size()) + Bin;
}

TEST(ProfileFormatLimits, DeclaredSizeAboveTheLimitIsRefusedFirst) {
  // The finding's 33 bytes: header, then a zstd frame header declaring
  // 16 GiB (single segment, 8-byte content size) and one tiny RLE block.
  std::string Bytes(16, '\0');
  memcpy(Bytes.data(), kPgoprofMagic, 8);
  llvm::support::endian::write32le(Bytes.data() + 8, 1);
  Bytes += std::string("\x28\xb5\x2f\xfd", 4); // zstd magic
  Bytes += '\xe0';                             // FCS 8 bytes, single segment
  char Size[8];
  llvm::support::endian::write64le(Size, uint64_t(16) << 30);
  Bytes.append(Size, 8);
  Bytes += std::string("\x0b\x00\x00", 3); // last block, RLE, 1 byte
  Bytes += 'A';
  ASSERT_EQ(Bytes.size(), 33u);
  ProfileReadOptions O;
  O.MaxMemory = uint64_t(1) << 30;
  llvm::Expected<Profile> P = parseProfile(Bytes, "bomb.pgoprof", O);
  ASSERT_FALSE(bool(P));
  std::string Msg = errorText(P.takeError());
  EXPECT_NE(Msg.find("bomb.pgoprof"), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("17179869184"), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("memory limit"), std::string::npos) << Msg;
}

TEST(ProfileFormatLimits, DecompressionStopsAtTheLimit) {
  // 12 MiB of body from a few KB; the limit is 8 MiB.
  std::string Bytes = pgoprofOf(sampleBomb(6u << 20));
  EXPECT_LT(Bytes.size(), 1u << 20);
  ProfileReadOptions O;
  O.MaxMemory = uint64_t(8) << 20;
  llvm::Expected<Profile> P = parseProfile(Bytes, "z", O);
  ASSERT_FALSE(bool(P));
  std::string Msg = errorText(P.takeError());
  EXPECT_NE(Msg.find("memory limit of 8 MiB"), std::string::npos) << Msg;
}

TEST(ProfileFormatLimits, ElementsAreCountedBeforeTheParse) {
  // 2 MiB of body holds 2M one-byte counts: 1M samples as parsed, each an
  // address and a count. Within a 32 MiB limit as bytes, not as counts (the
  // reader's bound, 32 bytes a count, makes them 64 MiB).
  std::string Bytes = pgoprofOf(sampleBomb(1u << 20));
  ProfileReadOptions O;
  O.MaxMemory = uint64_t(32) << 20;
  llvm::Expected<Profile> P = parseProfile(Bytes, "z", O);
  ASSERT_FALSE(bool(P));
  std::string Msg = errorText(P.takeError());
  EXPECT_NE(Msg.find("2097152 counts"), std::string::npos) << Msg;
  // The same file under a limit that fits it parses, with every sample.
  O.MaxMemory = uint64_t(256) << 20;
  llvm::Expected<Profile> Q = parseProfile(Bytes, "z", O);
  ASSERT_TRUE(bool(Q)) << errorText(Q.takeError());
  ASSERT_EQ(Q->Binaries.size(), 1u);
  EXPECT_EQ(Q->Binaries[0].Samples.size(), size_t(1) << 20);
}

TEST(ProfileFormatLimits, EmptyMessagesCountToo) {
  // A million empty stacks: 2 bytes each on the wire, far more in memory.
  std::string Raw;
  for (int I = 0; I < 1000000; ++I)
    Raw += lenField(3, 0);
  ProfileReadOptions O;
  O.MaxMemory = uint64_t(64) << 20;
  llvm::Expected<Profile> P = parseProfile(pgoprofOf(Raw), "s", O);
  ASSERT_FALSE(bool(P));
  EXPECT_NE(errorText(P.takeError()).find("1000000 messages"), std::string::npos);
}

TEST(ProfileFormatLimits, BytesAfterTheFrameAreAnError) {
  std::string Bytes = serialized(sampleProfile()) + "junk";
  llvm::Expected<Profile> P = parseProfile(Bytes, "t");
  ASSERT_FALSE(bool(P));
  EXPECT_NE(errorText(P.takeError()).find("after the zstd frame"), std::string::npos);
}

// Finding 10: version 0 said "newer than this pgoctl reads".
TEST(ProfileFormat, VersionZeroIsInvalidNotNewer) {
  std::string Bytes = serialized(sampleProfile());
  llvm::support::endian::write32le(Bytes.data() + 8, 0);
  llvm::Expected<Profile> P = parseProfile(Bytes, "v0.pgoprof");
  ASSERT_FALSE(bool(P));
  std::string Msg = errorText(P.takeError());
  EXPECT_EQ(Msg.find("newer"), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("version 0 is not a valid version"), std::string::npos) << Msg;
}

// Finding 6: a .pgoprof from a pipe (read once, from its first byte).
TEST(ProfileFormat, ReadFromAPipe) {
  std::string Bytes = serialized(sampleProfile());
  int Fds[2];
  ASSERT_EQ(::pipe(Fds), 0);
  std::thread W([&] {
    EXPECT_EQ(::write(Fds[1], Bytes.data(), Bytes.size()), ssize_t(Bytes.size()));
    ::close(Fds[1]);
  });
  llvm::Expected<Profile> P = readProfileFile("/dev/fd/" + std::to_string(Fds[0]));
  W.join();
  ::close(Fds[0]);
  ASSERT_TRUE(bool(P)) << errorText(P.takeError());
  expectEqual(sampleProfile(), *P);
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

// --- function-level counts (format version 2) ---
// Function-level counts round-trip and fold by name; a profile with them is
// version 2, one without them is still written as version 1.
TEST(ProfileFormat, FunctionCountsAreVersion2AndRoundTrip) {
  Profile P = sampleProfile();
  for (BinaryProfile &B : P.Binaries)
    B.Traces.clear(); // traces alone would make it version 2
  std::string V1 = serialized(P);
  EXPECT_EQ(llvm::support::endian::read32le(V1.data() + 8), 1u);
  P.Binaries[0].Functions = {{"main", 0, 5}, {"hot", 3, 3}, {"hot", 1, 2}};
  std::string V2 = serialized(P);
  EXPECT_EQ(llvm::support::endian::read32le(V2.data() + 8), 2u);
  llvm::Expected<Profile> Back = parseProfile(V2, "fn.pgoprof");
  ASSERT_TRUE(bool(Back)) << errorText(Back.takeError());
  const BinaryProfile *B = Back->findBinary(P.Binaries[0].key());
  ASSERT_NE(B, nullptr);
  ASSERT_EQ(B->Functions.size(), 2u);
  EXPECT_EQ(B->Functions[0].Name, "hot");
  EXPECT_EQ(B->Functions[0].Self, 4u);
  EXPECT_EQ(B->Functions[0].Total, 5u);
  EXPECT_EQ(B->Functions[1].Name, "main");
  EXPECT_EQ(B->Functions[1].Self, 0u);
  EXPECT_EQ(B->Functions[1].Total, 5u);
}
// --- end function-level counts ---

// mainBinary names a window after its program, not after the library it
// spent most time in (libc in a load generator's first window), nor the
// kernel; a program without a build-id is still the main binary.
TEST(MainBinary, ProgramBeforeLibrariesAndKernel) {
  Profile P;
  BinaryProfile Libc, App, Kernel;
  Libc.Path = "/usr/lib/x86_64-linux-gnu/libc.so.6";
  Libc.BuildId = "aa";
  Libc.Samples = {{0x1000, 900}};
  App.Path = "/srv/app";
  App.Samples = {{0x2000, 10}};
  App.Branches = {{0x2000, 0x2010, 5, 0}};
  Kernel.Path = "[kernel.kallsyms]";
  Kernel.IsKernel = true;
  Kernel.Samples = {{0xffffffff81000000, 5000}};
  P.Binaries = {Libc, App, Kernel};
  const BinaryProfile *M = mainBinary(P);
  ASSERT_NE(M, nullptr);
  EXPECT_EQ(M->Path, "/srv/app");
  P.Binaries = {Libc, Kernel};
  M = mainBinary(P);
  ASSERT_NE(M, nullptr);
  EXPECT_EQ(M->Path, Libc.Path);
  P.Binaries = {Kernel};
  EXPECT_EQ(mainBinary(P), nullptr);
}
