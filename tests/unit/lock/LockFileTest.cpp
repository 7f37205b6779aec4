// Tests of lock/LockFile.h: a valid lock, every invalid field (each error
// names the lock, the line and the field), old locks, the writer's round
// trip, and the profile kinds from files llvm-profdata writes (the oracle for
// the .profdata formats). Hashes are checked against sha256sum in the
// cmake-module test pgoctl-lock.
#include "lock/LockFile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

using namespace pgoctl::lock;

namespace {

const char *const Sha = "56ee580b7cdc8f72dde01cac151303dd0c5ba70f2ecf4f46c601feeaaa316d8b";

std::string goodLock() {
  return std::string("# profiles/mysvc.pgolock\n"
                     "format  = pgolock-1\n"
                     "version = 2026-11-20.3\n"
                     "kind    = profdata\n"
                     "sha256  = ") +
         Sha +
         "\n"
         "source  = ../../profiles/mysvc-2026-11-20.profdata   # relative to this file\n"
         "created = 2026-11-20T08:58:41Z\n";
}

std::string errorOf(llvm::StringRef Text) {
  llvm::Expected<LockFile> L = parseLockFile(Text, "x.pgolock");
  if (L)
    return "";
  return llvm::toString(L.takeError());
}

/// The lock with line `Line` (1-based) replaced.
std::string withLine(unsigned Line, llvm::StringRef NewLine) {
  llvm::SmallVector<llvm::StringRef, 8> Lines;
  std::string G = goodLock();
  llvm::StringRef(G).split(Lines, '\n');
  std::string Out;
  for (unsigned I = 0; I < Lines.size(); ++I) {
    if (I + 1 == Lines.size() && Lines[I].empty())
      break;
    Out += (I + 1 == Line ? NewLine : Lines[I]).str() + "\n";
  }
  return Out;
}

TEST(LockFile, ReadsAValidLock) {
  llvm::Expected<LockFile> L = parseLockFile(goodLock(), "x.pgolock");
  ASSERT_TRUE(bool(L)) << llvm::toString(L.takeError());
  EXPECT_EQ(L->Version, "2026-11-20.3");
  ASSERT_TRUE(L->Kind.has_value());
  EXPECT_EQ(*L->Kind, ProfileKind::Profdata);
  EXPECT_EQ(L->Sha256, Sha);
  EXPECT_EQ(L->Source, "../../profiles/mysvc-2026-11-20.profdata"); // comment cut
  EXPECT_EQ(L->Created, "2026-11-20T08:58:41Z");
}

TEST(LockFile, OldLocksStayReadable) {
  // pgo_lock.cmake's layout; and one with only the required keys, CRLF ends,
  // upper-case hex and keys.
  std::string Old = std::string("# pgoctl profile lock: pins the profile pgo_target() builds with.\n"
                                "format  = pgolock-1\nversion = svc.profdata\nkind    = fdata\n"
                                "sha256  = ") +
                    Sha + "\nsource  = svc.fdata\ncreated = 2026-11-20T08:58:41Z\n";
  EXPECT_EQ(errorOf(Old), "");
  std::string Min = "FORMAT = pgolock-1\r\nSHA256 = " + llvm::StringRef(Sha).upper() +
                    "\r\nsource = store://kv/svc@v3\r\n";
  llvm::Expected<LockFile> L = parseLockFile(Min, "m.pgolock");
  ASSERT_TRUE(bool(L)) << llvm::toString(L.takeError());
  EXPECT_EQ(L->Sha256, Sha); // lower-cased
  EXPECT_FALSE(L->Kind.has_value());
  EXPECT_EQ(L->Source, "store://kv/svc@v3");
}

struct BadCase {
  unsigned Line;
  const char *Text;
  const char *Says;
};

TEST(LockFile, EveryInvalidFieldNamesLockLineAndField) {
  const BadCase Cases[] = {
      {2, "format = pgolock-2", "format `pgolock-2` is not one this pgoctl reads"},
      {2, "format = pgolock-x", "format must be `pgolock-1`"},
      {2, "format = pgolock-", "format must be"},
      {3, "version = v1$(id)", "version `v1$(id)` must be a label"},
      {3, "version = -rf", "version"},
      {3, "version = .", "version"},
      {4, "kind = exe", "kind `exe` is not one of"},
      {4, "kind = ", "kind `` is not one of"},
      {5, "sha256 = abc", "sha256 must be 64 hex digits"},
      {5, "sha256 = gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg", "sha256"},
      {6, "source =", "source is empty"},
      {7, "created = yesterday", "created `yesterday` is not a UTC date"},
      {7, "created = 2026-13-01T00:00:00Z", "created"},
      {7, "created = 2026-02-29", "created"},
      {7, "created = 2026-01-01T24:00:00Z", "created"},
      {7, "created = 1969-12-31", "created"},
      {7, "shaa256 = x", "unknown key `shaa256`"},
      {7, "no equals sign", "expected `key = value`"},
      {7, "= value", "expected `key = value`"},
      {7, "kind = fdata", "`kind` given twice (first on line 4)"},
  };
  for (const BadCase &C : Cases) {
    std::string E = errorOf(withLine(C.Line, C.Text));
    EXPECT_NE(E.find("x.pgolock:" + std::to_string(C.Line) + ": "), std::string::npos)
        << C.Text << " -> " << E;
    EXPECT_NE(E.find(C.Says), std::string::npos) << C.Text << " -> " << E;
  }
  std::string Long = withLine(3, "version = " + std::string(129, 'a'));
  EXPECT_NE(errorOf(Long).find("x.pgolock:3: version"), std::string::npos);
}

TEST(LockFile, RefusesBytesAndMissingKeys) {
  EXPECT_NE(errorOf(withLine(3, "version = v\x1b]0;title\x07")).find("x.pgolock:3: a control character"),
            std::string::npos);
  EXPECT_NE(errorOf(withLine(6, "source = caf\xc3\xa9.profdata")).find("x.pgolock:6: a control character or non-ASCII"),
            std::string::npos);
  std::string Nul = goodLock();
  Nul[Nul.find("source") + 2] = '\0';
  EXPECT_NE(errorOf(Nul).find("x.pgolock:6: a NUL byte"), std::string::npos);
  EXPECT_NE(errorOf(withLine(4, "kind = profdata\rsha256 = x")).find("x.pgolock:4: a control"),
            std::string::npos); // a bare CR could hide a line on a terminal
  EXPECT_NE(errorOf("format = pgolock-1\nsource = a\n").find("x.pgolock: no `sha256`"), std::string::npos);
  EXPECT_NE(errorOf(std::string("sha256 = ") + Sha + "\nsource = a\n").find("no `format`"), std::string::npos);
  EXPECT_NE(errorOf(std::string("format = pgolock-1\nsha256 = ") + Sha + "\n").find("no `source`"),
            std::string::npos);
  EXPECT_NE(errorOf(std::string(MaxLockBytes + 1, '#')).find("at most 65536"), std::string::npos);
}

TEST(LockFile, CreatedIsUtcEpochSeconds) {
  // Hand-checked: 2000-03-01 is 11017 days after 1970-01-01 (30 years of
  // 365 days, 7 leap days to 1999, plus Jan 31 + Feb 29).
  EXPECT_EQ(*parseCreated("2000-03-01"), 11017 * 86400);
  EXPECT_EQ(*parseCreated("1970-01-02T00:00:01Z"), 86401);
  EXPECT_EQ(*parseCreated("2024-02-29T12:30"), (19782 * 86400) + 12 * 3600 + 30 * 60);
  EXPECT_FALSE(bool(parseCreated("2024-02-30"))); // consumes the error
  llvm::consumeError(parseCreated("2024-2-3").takeError());
}

TEST(LockFile, WriterRoundTrips) {
  LockFile L;
  L.Version = "v1";
  L.Kind = ProfileKind::InstrProfdata;
  L.Sha256 = Sha;
  L.Source = "a$(touch PWNED);b.profdata"; // odd but printable: data, kept as is
  L.Created = "2026-11-20T08:58:41Z";
  llvm::Expected<std::string> T = renderLockFile(L);
  ASSERT_TRUE(bool(T)) << llvm::toString(T.takeError());
  llvm::Expected<LockFile> R = parseLockFile(*T, "w.pgolock");
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(R->Version, L.Version);
  EXPECT_EQ(R->Kind, L.Kind);
  EXPECT_EQ(R->Sha256, L.Sha256);
  EXPECT_EQ(R->Source, L.Source);
  EXPECT_EQ(R->Created, L.Created);
  // What the reader would cut or refuse, the writer refuses.
  for (const char *Src : {"a #b", "x\ny", " lead", ""}) {
    LockFile B = L;
    B.Source = Src;
    llvm::Expected<std::string> BT = renderLockFile(B);
    EXPECT_FALSE(bool(BT)) << Src;
    if (!BT)
      llvm::consumeError(BT.takeError());
  }
  LockFile V = L;
  V.Version = "1 2";
  llvm::Expected<std::string> VT = renderLockFile(V);
  ASSERT_FALSE(bool(VT));
  EXPECT_NE(llvm::toString(VT.takeError()).find("version"), std::string::npos);
}

// Files written by llvm-profdata (the oracle for LLVM's formats).
// The pin a refresh replaced: previous_* keys, read and written, checked like
// the current ones; pinNew keeps one step back; rollBack swaps, twice is none.
const char *const OtherSha = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

TEST(LockFile, PreviousPinReadAndWritten) {
  std::string Text = goodLock() + "previous_version = 2026-11-13.1\nprevious_sha256 = " +
                     OtherSha + "\nprevious_source = s3://b/profiles/svc/old.profdata\n"
                                "previous_created = 2026-11-13T08:00:00Z\n";
  llvm::Expected<LockFile> L = parseLockFile(Text, "x.pgolock");
  ASSERT_TRUE(bool(L)) << llvm::toString(L.takeError());
  ASSERT_TRUE(L->Previous.has_value());
  EXPECT_EQ(L->Previous->Sha256, OtherSha);
  EXPECT_EQ(L->Previous->Source, "s3://b/profiles/svc/old.profdata");
  EXPECT_EQ(L->Previous->Created, "2026-11-13T08:00:00Z");
  EXPECT_EQ(L->Previous->Version, "2026-11-13.1");
  llvm::Expected<std::string> Out = renderLockFile(*L);
  ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
  llvm::Expected<LockFile> Back = parseLockFile(*Out, "y.pgolock");
  ASSERT_TRUE(bool(Back)) << llvm::toString(Back.takeError());
  ASSERT_TRUE(Back->Previous.has_value());
  EXPECT_EQ(Back->Previous->Sha256, OtherSha);
  EXPECT_EQ(Back->Previous->Source, L->Previous->Source);
  EXPECT_EQ(Back->Previous->Created, L->Previous->Created);
  EXPECT_EQ(Back->Previous->Version, L->Previous->Version);
  // Old locks have none, and are written without one.
  llvm::Expected<LockFile> Old = parseLockFile(goodLock(), "x.pgolock");
  ASSERT_TRUE(bool(Old));
  EXPECT_FALSE(Old->Previous.has_value());
  llvm::Expected<std::string> OldOut = renderLockFile(*Old);
  ASSERT_TRUE(bool(OldOut));
  EXPECT_EQ(OldOut->find("previous"), std::string::npos);
}

TEST(LockFile, PreviousPinChecked) {
  EXPECT_EQ(errorOf(goodLock() + "previous_sha256 = abc\nprevious_source = x\n"),
            "x.pgolock:8: previous_sha256 must be 64 hex digits, got `abc`");
  EXPECT_EQ(errorOf(goodLock() + "previous_sha256 = " + OtherSha +
                    "\nprevious_source = x\nprevious_created = yesterday\n"),
            "x.pgolock:10: previous_created `yesterday` is not a UTC date and time "
            "YYYY-MM-DD[THH:MM[:SS]][Z] (from 1970 on)");
  EXPECT_EQ(errorOf(goodLock() + "previous_sha256 = " + OtherSha + "\n"),
            "x.pgolock: no `previous_source`: a previous pin has previous_sha256 and "
            "previous_source");
  EXPECT_NE(errorOf(goodLock() + "previous_kind = fdata\n").find("unknown key `previous_kind`"),
            std::string::npos);
}

TEST(LockFile, PinNewAndRollBack) {
  llvm::Expected<LockFile> Old = parseLockFile(goodLock(), "x.pgolock");
  ASSERT_TRUE(bool(Old));
  LockFile New = *Old;
  New.Sha256 = OtherSha;
  New.Source = "s3://b/profiles/svc/new.profdata";
  New.Created = "2026-12-05T10:00:00Z";
  New.Version = "2026-12-05.1";
  LockFile P = pinNew(*Old, New);
  EXPECT_EQ(P.Sha256, OtherSha);
  ASSERT_TRUE(P.Previous.has_value());
  EXPECT_EQ(P.Previous->Sha256, Sha);
  EXPECT_EQ(P.Previous->Source, "../../profiles/mysvc-2026-11-20.profdata");
  EXPECT_EQ(P.Previous->Created, "2026-11-20T08:58:41Z");
  EXPECT_EQ(P.Previous->Version, "2026-11-20.3");
  // No lock before (the first refresh): no previous pin, and it renders.
  LockFile First = pinNew(LockFile{}, New);
  EXPECT_FALSE(First.Previous.has_value());
  llvm::Expected<std::string> FirstText = renderLockFile(First);
  EXPECT_TRUE(bool(FirstText)) << (FirstText ? "" : llvm::toString(FirstText.takeError()));
  // One step back only: pinning again drops the oldest.
  LockFile Q = pinNew(P, *Old);
  EXPECT_EQ(Q.Previous->Sha256, OtherSha);

  llvm::Expected<LockFile> R = rollBack(P, "x.pgolock");
  ASSERT_TRUE(bool(R));
  EXPECT_EQ(R->Sha256, Sha);
  EXPECT_EQ(R->Source, "../../profiles/mysvc-2026-11-20.profdata");
  EXPECT_EQ(R->Version, "2026-11-20.3");
  EXPECT_EQ(R->Previous->Sha256, OtherSha);
  llvm::Expected<LockFile> RR = rollBack(*R, "x.pgolock");
  ASSERT_TRUE(bool(RR));
  EXPECT_EQ(RR->Sha256, OtherSha);
  EXPECT_EQ(RR->Created, "2026-12-05T10:00:00Z");
  EXPECT_EQ(RR->Previous->Sha256, Sha);

  llvm::Expected<LockFile> None = rollBack(*Old, "x.pgolock");
  ASSERT_FALSE(bool(None));
  EXPECT_EQ(llvm::toString(None.takeError()),
            "x.pgolock: no previous pin to roll back to (the lock has no previous_sha256)");
}

// quality / quality_samples: convert's verdict of the pinned profile.
TEST(LockFile, QualityReadCheckedAndWritten) {
  llvm::Expected<LockFile> L =
      parseLockFile(goodLock() + "quality = thin\nquality_samples = 8123\nquality_basis = time\n",
                    "x.pgolock");
  ASSERT_TRUE(bool(L)) << llvm::toString(L.takeError());
  EXPECT_EQ(L->Quality, "thin");
  ASSERT_TRUE(L->QualitySamples.has_value());
  EXPECT_EQ(*L->QualitySamples, 8123u);
  llvm::Expected<std::string> Out = renderLockFile(*L);
  ASSERT_TRUE(bool(Out)) << llvm::toString(Out.takeError());
  EXPECT_EQ(L->QualityBasis, "time");
  EXPECT_NE(Out->find("quality = thin\nquality_samples = 8123\nquality_basis = time\n"),
            std::string::npos)
      << *Out;
  llvm::Expected<LockFile> Back = parseLockFile(*Out, "y.pgolock");
  ASSERT_TRUE(bool(Back)) << llvm::toString(Back.takeError());
  EXPECT_EQ(Back->Quality, "thin");
  EXPECT_EQ(*Back->QualitySamples, 8123u);
  EXPECT_EQ(Back->QualityBasis, "time");
  // Old locks have none, and are written without them.
  llvm::Expected<LockFile> Old = parseLockFile(goodLock(), "x.pgolock");
  ASSERT_TRUE(bool(Old));
  EXPECT_TRUE(Old->Quality.empty());
  EXPECT_FALSE(Old->QualitySamples.has_value());
  llvm::Expected<std::string> OldOut = renderLockFile(*Old);
  ASSERT_TRUE(bool(OldOut));
  EXPECT_EQ(OldOut->find("quality"), std::string::npos);
  // Bad values name the line (goodLock has 7 lines).
  EXPECT_EQ(errorOf(goodLock() + "quality = great\n"),
            "x.pgolock:8: quality `great` is not one of good, thin, poor");
  EXPECT_EQ(errorOf(goodLock() + "quality_basis = cycles\n"),
            "x.pgolock:8: quality_basis `cycles` is not one of branches, instructions, time");
  EXPECT_EQ(errorOf(goodLock() + "quality_samples = 12x\n"),
            "x.pgolock:8: quality_samples `12x` must be a number of samples");
  EXPECT_NE(errorOf(goodLock() + "quality_samples = 123456789012345678901\n"), "");
  EXPECT_NE(errorOf(goodLock() + "previous_quality = good\n").find("unknown key"),
            std::string::npos);
  // The writer refuses what the reader would.
  LockFile Bad = *Old;
  Bad.Quality = "thin $(id)";
  llvm::Expected<std::string> BadOut = renderLockFile(Bad);
  ASSERT_FALSE(bool(BadOut));
  EXPECT_NE(llvm::toString(BadOut.takeError()).find("quality"), std::string::npos);
  // A rollback drops them: they were the replaced pin's.
  LockFile New = *L;
  New.Sha256 = OtherSha;
  llvm::Expected<LockFile> R = rollBack(pinNew(*Old, New), "x.pgolock");
  ASSERT_TRUE(bool(R));
  EXPECT_TRUE(R->Quality.empty());
  EXPECT_FALSE(R->QualitySamples.has_value());
}

class ProfileKinds : public ::testing::Test {
protected:
  llvm::SmallString<128> Dir;
  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("pgoctl-lock-test", Dir));
  }
  void TearDown() override { llvm::sys::fs::remove_directories(Dir); }
  std::string path(llvm::StringRef Name) { return (Dir + "/" + Name).str(); }
  std::string write(llvm::StringRef Name, llvm::StringRef Text) {
    std::error_code EC;
    llvm::raw_fd_ostream OS(path(Name), EC);
    OS << Text;
    return path(Name);
  }
  void profdata(llvm::ArrayRef<llvm::StringRef> Args) {
    std::vector<llvm::StringRef> A = {PGOCTL_LLVM_PROFDATA};
    A.insert(A.end(), Args.begin(), Args.end());
    ASSERT_EQ(llvm::sys::ExecuteAndWait(PGOCTL_LLVM_PROFDATA, A), 0);
  }
  DetectedKind kindOf(const std::string &P) {
    llvm::Expected<ProfileFacts> F = inspectProfile(P, 1 << 20);
    if (!F) {
      ADD_FAILURE() << llvm::toString(F.takeError());
      return DetectedKind::Unknown;
    }
    return F->Kind;
  }
};

TEST_F(ProfileKinds, FromTheFirstBytes) {
  std::string Text = write("s.txt", "main:5000:10\n 1: 10\n 3: 4000\n");
  profdata({"merge", "--sample", "--binary", Text, "-o", path("s.binary")});
  profdata({"merge", "--sample", "--extbinary", Text, "-o", path("s.ext")});
  std::string Instr = write("i.proftext", ":ir\nmain\n# Func Hash:\n1234\n# Num Counters:\n1\n"
                                          "# Counter Values:\n100\n");
  profdata({"merge", Instr, "-o", path("i.profdata")});
  EXPECT_EQ(kindOf(Text), DetectedKind::Profdata);
  EXPECT_EQ(kindOf(path("s.binary")), DetectedKind::Profdata);
  EXPECT_EQ(kindOf(path("s.ext")), DetectedKind::Profdata);
  EXPECT_EQ(kindOf(path("i.profdata")), DetectedKind::InstrProfdata);
  EXPECT_EQ(kindOf(write("n.fdata", "no_lbr cpu-clock:\n1 main 0 500\n")), DetectedKind::Fdata);
  EXPECT_EQ(kindOf(write("l.fdata", "1 main 0 1 f 0 0 2000\n")), DetectedKind::Fdata);
  EXPECT_EQ(kindOf(write("p.yaml", "---\nheader:\n  profile-version: 1\n")), DetectedKind::Yaml);
  EXPECT_EQ(kindOf(write("secret.txt", "password = hunter2\n")), DetectedKind::Unknown);
  // llvm-profdata --text of an IR profile: its header flag after a comment.
  EXPECT_EQ(kindOf(write("i.proftext", "# IR level Instrumentation Flag\n:ir\nmain\n# Func Hash:\n"
                                        "1234\n# Num Counters:\n1\n# Counter Values:\n100\n")),
            DetectedKind::InstrText);
}

TEST_F(ProfileKinds, RefusesSpecialFilesAndBigOnes) {
  for (const char *Dev : {"/dev/zero", "/dev/null"}) {
    llvm::Expected<ProfileFacts> F = inspectProfile(Dev, 1 << 20);
    ASSERT_FALSE(bool(F)) << Dev;
    EXPECT_NE(llvm::toString(F.takeError()).find("not a regular file"), std::string::npos);
  }
  ASSERT_EQ(mkfifo(path("p.fifo").c_str(), 0600), 0);
  // Refused without waiting for a writer (a plain open would block).
  llvm::Expected<ProfileFacts> F = inspectProfile(path("p.fifo"), 1 << 20);
  ASSERT_FALSE(bool(F));
  EXPECT_NE(llvm::toString(F.takeError()).find("not a regular file"), std::string::npos);
  llvm::Expected<ProfileFacts> Big = inspectProfile(write("big.txt", std::string(100, 'x')), 99);
  ASSERT_FALSE(bool(Big));
  EXPECT_NE(llvm::toString(Big.takeError()).find("100 bytes, over the limit of 99"), std::string::npos);
  llvm::Expected<LockFile> L = readLockFile(path("p.fifo"));
  ASSERT_FALSE(bool(L));
  EXPECT_NE(llvm::toString(L.takeError()).find("not a regular file"), std::string::npos);
}

} // namespace
