// lock/LockFile.cpp: the lock file reader and writer (see LockFile.h).
#include "lock/LockFile.h"

#include "core/Support.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ProfileData/InstrProf.h"
#include "llvm/ProfileData/InstrProfReader.h"
#include "llvm/ProfileData/SampleProfReader.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SHA256.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pgoctl::lock {

llvm::StringRef kindName(ProfileKind K) {
  switch (K) {
  case ProfileKind::Profdata:
    return "profdata";
  case ProfileKind::InstrProfdata:
    return "instr-profdata";
  case ProfileKind::Fdata:
    return "fdata";
  case ProfileKind::Yaml:
    return "yaml";
  }
  return "?";
}

std::optional<ProfileKind> parseKind(llvm::StringRef Name) {
  return llvm::StringSwitch<std::optional<ProfileKind>>(Name)
      .Case("profdata", ProfileKind::Profdata)
      .Case("instr-profdata", ProfileKind::InstrProfdata)
      .Case("fdata", ProfileKind::Fdata)
      .Case("yaml", ProfileKind::Yaml)
      .Default(std::nullopt);
}

namespace {

bool isDigits(llvm::StringRef S) {
  return !S.empty() && llvm::all_of(S, [](char C) { return C >= '0' && C <= '9'; });
}

unsigned num(llvm::StringRef S) {
  unsigned V = 0;
  for (char C : S)
    V = V * 10 + unsigned(C - '0');
  return V;
}

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
int64_t daysFromCivil(int64_t Y, unsigned M, unsigned D) {
  Y -= M <= 2;
  int64_t Era = Y / 400;
  int64_t Yoe = Y - Era * 400;
  int64_t Doy = (153 * (M > 2 ? M - 3 : M + 9) + 2) / 5 + D - 1;
  int64_t Doe = Yoe * 365 + Yoe / 4 - Yoe / 100 + Doy;
  return Era * 146097 + Doe - 719468;
}

const char *const Keys[] = {"format",          "version",          "kind",
                            "sha256",          "source",           "created",
                            "previous_sha256", "previous_source",  "previous_created",
                            "previous_version", "quality",         "quality_samples",
                            "quality_basis"};
constexpr size_t NumKeys = std::size(Keys);

std::string keyList() {
  std::string L;
  for (const char *K : Keys)
    L += (L.empty() ? "" : ", ") + std::string(K);
  return L;
}

// Printable ASCII and tab: what a value may hold (the file check already
// refused everything else).
std::string checkValue(llvm::StringRef Key, llvm::StringRef Value) {
  // The previous pin's values follow the rules of the current ones.
  if (Key.consume_front("previous_")) {
    if (Key != "sha256" && Key != "source" && Key != "created" && Key != "version")
      return llvm::formatv("unknown key `previous_{0}` (the keys are {1})", Key, keyList()).str();
    std::string Why = checkValue(Key, Value);
    return Why.empty() ? Why : "previous_" + Why;
  }
  if (Key == "format") {
    if (!Value.starts_with("pgolock-") || !isDigits(Value.drop_front(8)))
      return llvm::formatv("format must be `pgolock-1`, got `{0}`", Value).str();
    if (Value.drop_front(8) != "1")
      return llvm::formatv("format `{0}` is not one this pgoctl reads (pgolock-1); a newer "
                           "pgoctl wrote it",
                           Value)
          .str();
    return "";
  }
  if (Key == "version") {
    bool Ok = !Value.empty() && Value.size() <= 128 && llvm::isAlnum(Value[0]) &&
              llvm::all_of(Value, [](char C) {
                return llvm::isAlnum(C) || llvm::StringRef("._:+@-").contains(C);
              });
    if (!Ok)
      return llvm::formatv("version `{0}` must be a label of 1-128 letters, digits and . _ : + "
                           "@ - (starting with a letter or digit)",
                           Value)
          .str();
    return "";
  }
  if (Key == "kind") {
    if (!parseKind(Value))
      return llvm::formatv("kind `{0}` is not one of profdata, instr-profdata, fdata, yaml", Value)
          .str();
    return "";
  }
  if (Key == "sha256") {
    if (Value.size() != 64 || !llvm::all_of(Value, llvm::isHexDigit))
      return llvm::formatv("sha256 must be 64 hex digits, got `{0}`", Value).str();
    return "";
  }
  if (Key == "source") {
    if (Value.empty())
      return "source is empty (a path relative to the lock, or file://)";
    return "";
  }
  if (Key == "created") {
    if (llvm::Expected<int64_t> T = parseCreated(Value); !T)
      return llvm::toString(T.takeError());
    return "";
  }
  if (Key == "quality") {
    if (Value != "good" && Value != "thin" && Value != "poor")
      return llvm::formatv("quality `{0}` is not one of good, thin, poor", Value).str();
    return "";
  }
  if (Key == "quality_samples") {
    uint64_t N = 0;
    if (!isDigits(Value) || Value.size() > 20 || Value.getAsInteger(10, N))
      return llvm::formatv("quality_samples `{0}` must be a number of samples", Value).str();
    return "";
  }
  if (Key == "quality_basis") {
    if (Value != "branches" && Value != "instructions" && Value != "time")
      return llvm::formatv("quality_basis `{0}` is not one of branches, instructions, time", Value)
          .str();
    return "";
  }
  return llvm::formatv("unknown key `{0}` (the keys are {1})", Key, keyList()).str();
}

} // namespace

llvm::Expected<int64_t> parseCreated(llvm::StringRef Text) {
  auto Bad = [&] {
    return makeError("created `{0}` is not a UTC date and time YYYY-MM-DD[THH:MM[:SS]][Z] (from "
                     "1970 on)",
                     Text);
  };
  llvm::StringRef S = Text;
  S.consume_back("Z");
  if (S.size() < 10 || S[4] != '-' || S[7] != '-')
    return Bad();
  llvm::StringRef Y = S.substr(0, 4), M = S.substr(5, 2), D = S.substr(8, 2);
  if (!isDigits(Y) || !isDigits(M) || !isDigits(D))
    return Bad();
  unsigned H = 0, Mi = 0, Se = 0;
  llvm::StringRef Rest = S.drop_front(10);
  if (!Rest.empty()) {
    if ((Rest[0] != 'T' && Rest[0] != ' ') || (Rest.size() != 6 && Rest.size() != 9) ||
        Rest[3] != ':' || (Rest.size() == 9 && Rest[6] != ':'))
      return Bad();
    llvm::StringRef HS = Rest.substr(1, 2), MS = Rest.substr(4, 2);
    llvm::StringRef SS = Rest.size() == 9 ? Rest.substr(7, 2) : "00";
    if (!isDigits(HS) || !isDigits(MS) || !isDigits(SS))
      return Bad();
    H = num(HS), Mi = num(MS), Se = num(SS);
  }
  unsigned Year = num(Y), Mon = num(M), Day = num(D);
  static const unsigned MDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool Leap = (Year % 4 == 0 && Year % 100 != 0) || Year % 400 == 0;
  if (Year < 1970 || Mon < 1 || Mon > 12 || Day < 1 || Day > MDays[Mon - 1] ||
      (Mon == 2 && Day == 29 && !Leap) || H > 23 || Mi > 59 || Se > 60)
    return Bad();
  return daysFromCivil(Year, Mon, Day) * 86400 + H * 3600 + Mi * 60 + Se;
}

llvm::Expected<LockFile> parseLockFile(llvm::StringRef Text, llvm::StringRef Name) {
  auto Fail = [&](size_t Line, const std::string &What) -> llvm::Error {
    if (Line)
      return makeError("{0}:{1}: {2}", Name, Line, What);
    return makeError("{0}: {1}", Name, What);
  };
  if (Text.size() > MaxLockBytes)
    return Fail(0, llvm::formatv("{0} bytes; a lock file has at most {1}", Text.size(),
                                 MaxLockBytes)
                       .str());
  // ASCII text only: printable characters, tab, and line ends (\n or \r\n).
  size_t Line = 1;
  for (size_t I = 0; I < Text.size(); ++I) {
    unsigned char C = Text[I];
    if (C == '\n') {
      ++Line;
      continue;
    }
    bool CrLf = C == '\r' && I + 1 < Text.size() && Text[I + 1] == '\n';
    if (C == 0)
      return Fail(Line, "a NUL byte (a lock file is ASCII text)");
    if (!CrLf && C != '\t' && (C < 0x20 || C > 0x7e))
      return Fail(Line, "a control character or non-ASCII byte (a lock file is ASCII text)");
  }

  LockFile L;
  std::array<size_t, NumKeys> Seen{}; // the line of each key, 0 when absent
  PreviousPin Prev;
  llvm::SmallVector<llvm::StringRef, 0> Lines;
  Text.split(Lines, '\n');
  for (size_t N = 1; N <= Lines.size(); ++N) {
    llvm::StringRef Raw = Lines[N - 1];
    Raw.consume_back("\r");
    // A comment starts at `#` at the line's start or after a blank.
    for (size_t I = 0; I < Raw.size(); ++I)
      if (Raw[I] == '#' && (I == 0 || Raw[I - 1] == ' ' || Raw[I - 1] == '\t')) {
        Raw = Raw.take_front(I);
        break;
      }
    llvm::StringRef S = Raw.trim(" \t");
    if (S.empty())
      continue;
    size_t Eq = S.find('=');
    llvm::StringRef Key = Eq == llvm::StringRef::npos ? "" : S.take_front(Eq).rtrim(" \t");
    if (Key.empty() || !llvm::all_of(Key, [](char C) { return llvm::isAlnum(C) || C == '_'; }))
      return Fail(N, llvm::formatv("expected `key = value`, got `{0}`", S.take_front(80)).str());
    std::string LowerKey = Key.lower();
    llvm::StringRef Value = S.drop_front(Eq + 1).ltrim(" \t");
    if (std::string Why = checkValue(LowerKey, Value); !Why.empty())
      return Fail(N, Why);
    size_t K = 0;
    while (LowerKey != Keys[K])
      ++K;
    if (Seen[K])
      return Fail(N, llvm::formatv("`{0}` given twice (first on line {1})", LowerKey, Seen[K]).str());
    Seen[K] = N;
    switch (K) {
    case 1:
      L.Version = Value.str();
      break;
    case 2:
      L.Kind = parseKind(Value);
      break;
    case 3:
      L.Sha256 = Value.lower();
      break;
    case 4:
      L.Source = Value.str();
      break;
    case 5:
      L.Created = Value.str();
      break;
    case 6:
      Prev.Sha256 = Value.lower();
      break;
    case 7:
      Prev.Source = Value.str();
      break;
    case 8:
      Prev.Created = Value.str();
      break;
    case 9:
      Prev.Version = Value.str();
      break;
    case 10:
      L.Quality = Value.str();
      break;
    case 11:
      Value.getAsInteger(10, L.QualitySamples.emplace());
      break;
    case 12:
      L.QualityBasis = Value.str();
      break;
    default:
      break; // format: checked above
    }
  }
  for (size_t K : {size_t(0), size_t(3), size_t(4)})
    if (!Seen[K])
      return Fail(0, llvm::formatv("no `{0}` (a lock has format, sha256 and source; version, kind "
                                   "and created are optional)",
                                   Keys[K])
                         .str());
  if (Seen[6] || Seen[7] || Seen[8] || Seen[9]) {
    for (size_t K : {size_t(6), size_t(7)})
      if (!Seen[K])
        return Fail(0, llvm::formatv("no `{0}`: a previous pin has previous_sha256 and "
                                     "previous_source",
                                     Keys[K])
                           .str());
    L.Previous = std::move(Prev);
  }
  return L;
}

LockFile pinNew(const LockFile &Old, LockFile New) {
  // An Old without a pin (no lock before: the first refresh) leaves none.
  if (Old.Sha256.empty())
    New.Previous.reset();
  else
    New.Previous = PreviousPin{Old.Sha256, Old.Source, Old.Created, Old.Version};
  return New;
}

llvm::Expected<LockFile> rollBack(const LockFile &L, llvm::StringRef Name) {
  if (!L.Previous)
    return makeError("{0}: no previous pin to roll back to (the lock has no previous_sha256)",
                     Name);
  LockFile R = L;
  R.Sha256 = L.Previous->Sha256;
  R.Source = L.Previous->Source;
  R.Created = L.Previous->Created;
  R.Version = L.Previous->Version;
  R.Previous = PreviousPin{L.Sha256, L.Source, L.Created, L.Version};
  // The quality figures were the replaced pin's; the previous pin's are not kept.
  R.Quality.clear();
  R.QualitySamples.reset();
  R.QualityBasis.clear();
  return R;
}

namespace {

/// Opens Path once and checks, on that descriptor, that it is a regular file
/// of at most MaxBytes: devices, FIFOs and sockets are refused before a read.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> readRegular(llvm::StringRef Path,
                                                                uint64_t MaxBytes) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  std::string P = Path.str();
  int Fd = ::open(P.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (Fd < 0)
    return makeError("{0}: {1}", Path, std::strerror(errno));
  struct Closer {
    int Fd;
    ~Closer() { ::close(Fd); }
  } Close{Fd};
  struct stat St;
  if (::fstat(Fd, &St) != 0)
    return makeError("{0}: {1}", Path, std::strerror(errno));
  if (!S_ISREG(St.st_mode))
    return makeError("{0}: not a regular file (a directory, device, FIFO or socket)", Path);
  uint64_t Size = uint64_t(St.st_size);
  if (Size > MaxBytes)
    return makeError("{0}: {1} bytes, over the limit of {2}", Path, Size, MaxBytes);
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> B = llvm::MemoryBuffer::getOpenFile(
      Fd, Path, Size, /*RequiresNullTerminator=*/false);
  if (!B)
    return makeError("{0}: {1}", Path, B.getError().message());
  return std::move(*B);
}

} // namespace

llvm::Expected<LockFile> readLockFile(llvm::StringRef Path) {
  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> B = readRegular(Path, MaxLockBytes);
  if (!B)
    return B.takeError();
  return parseLockFile((*B)->getBuffer(), Path);
}

llvm::Expected<std::string> renderLockFile(const LockFile &L) {
  std::string Out = "# pgoctl profile lock: pins the profile pgo_target() builds with.\n"
                    "format  = pgolock-1\n";
  auto Field = [&](llvm::StringRef Key, llvm::StringRef Pad, llvm::StringRef Value) -> llvm::Error {
    // The reader's checks, plus what only the writer can break: a line end,
    // or a ` #` that would start a comment inside the value.
    for (char C : Value)
      if (static_cast<unsigned char>(C) < 0x20 || static_cast<unsigned char>(C) > 0x7e)
        return makeError("{0}: a control character or non-ASCII byte", Key);
    if (Value.contains(" #") || Value.contains("\t#") || Value.starts_with("#") ||
        Value != Value.trim(" \t"))
      return makeError("{0} `{1}`: a value may not start or end with a blank nor hold ` #`", Key,
                       Value);
    if (std::string Why = checkValue(Key, Value); !Why.empty())
      return makeError("{0}", Why);
    Out += (Key + Pad + " = " + Value + "\n").str();
    return llvm::Error::success();
  };
  if (!L.Version.empty())
    if (llvm::Error E = Field("version", "", L.Version))
      return std::move(E);
  if (L.Kind)
    if (llvm::Error E = Field("kind", "   ", kindName(*L.Kind)))
      return std::move(E);
  if (llvm::Error E = Field("sha256", " ", L.Sha256))
    return std::move(E);
  if (llvm::Error E = Field("source", " ", L.Source))
    return std::move(E);
  if (!L.Created.empty())
    if (llvm::Error E = Field("created", "", L.Created))
      return std::move(E);
  if (!L.Quality.empty())
    if (llvm::Error E = Field("quality", "", L.Quality))
      return std::move(E);
  if (L.QualitySamples)
    if (llvm::Error E = Field("quality_samples", "", std::to_string(*L.QualitySamples)))
      return std::move(E);
  if (!L.QualityBasis.empty())
    if (llvm::Error E = Field("quality_basis", "", L.QualityBasis))
      return std::move(E);
  if (const std::optional<PreviousPin> &P = L.Previous) {
    Out += "# the pin this one replaced (pgoctl lock --rollback goes back to it)\n";
    if (!P->Version.empty())
      if (llvm::Error E = Field("previous_version", "", P->Version))
        return std::move(E);
    if (llvm::Error E = Field("previous_sha256", " ", P->Sha256))
      return std::move(E);
    if (llvm::Error E = Field("previous_source", " ", P->Source))
      return std::move(E);
    if (!P->Created.empty())
      if (llvm::Error E = Field("previous_created", "", P->Created))
        return std::move(E);
  }
  return Out;
}

llvm::Expected<ProfileFacts> inspectProfile(llvm::StringRef Path, uint64_t MaxBytes) {
  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> B = readRegular(Path, MaxBytes);
  if (!B)
    return B.takeError();
  llvm::StringRef Data = (*B)->getBuffer();
  ProfileFacts F;
  F.Size = Data.size();
  F.Kind = sniffFileKind(llvm::MemoryBufferRef(Data.take_front(4096), Path));
  F.Sha256 = llvm::toHex(llvm::SHA256::hash(llvm::arrayRefFromStringRef(Data)), /*LowerCase=*/true);
  return F;
}

} // namespace pgoctl::lock
