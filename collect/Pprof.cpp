// collect/Pprof.cpp: the pprof reader (see Pprof.h).
#include "collect/Pprof.h"
#include "collect/ImportBinaries.h"
#include "binary/Locate.h"
#include "core/Error.h"
#include "core/Support.h"
#include "collect/pprof.pb.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <zlib.h>

#include <algorithm>
#include <map>
#include <unordered_map>

namespace pgoctl {

namespace {

namespace pp = perftools::profiles;
using WFL = google::protobuf::internal::WireFormatLite;

bool isGzip(llvm::StringRef B) {
  return B.size() >= 2 && uint8_t(B[0]) == 0x1f && uint8_t(B[1]) == 0x8b;
}

// ---------------------------------------------------------------------------
// Bounded streaming inflate.

using ReadFn = llvm::function_ref<llvm::Expected<size_t>(char *, size_t)>;

/// Inflates the gzip stream Read yields (concatenated members too, as gzip
/// does) into a string that never grows past Limit bytes.
llvm::Expected<std::string> inflateBounded(ReadFn Read, llvm::StringRef Name, uint64_t Limit) {
  z_stream Z{};
  if (inflateInit2(&Z, 15 + 16) != Z_OK)
    return makeError("{0}: cannot start a gzip decompressor", Name);
  llvm::scope_exit Cleanup([&] { inflateEnd(&Z); });
  std::vector<char> InBuf(1 << 16);
  std::string Out;
  uint64_t Consumed = 0; // compressed bytes before the current buffer
  int RC = Z_OK;
  bool Eof = false;
  while (true) {
    if (Z.avail_in == 0 && !Eof) {
      Consumed += uint64_t(Z.next_in ? Z.next_in - reinterpret_cast<Bytef *>(InBuf.data()) : 0);
      llvm::Expected<size_t> N = Read(InBuf.data(), InBuf.size());
      if (!N)
        return N.takeError();
      Eof = *N == 0;
      Z.next_in = reinterpret_cast<Bytef *>(InBuf.data());
      Z.avail_in = uInt(*N);
    }
    if (RC == Z_STREAM_END) {
      if (Z.avail_in == 0 && Eof)
        break;
      // Another gzip member follows (or trailing bytes, which inflate rejects).
      if (inflateReset(&Z) != Z_OK)
        return makeError("{0}: cannot restart the gzip decompressor", Name);
      RC = Z_OK;
      continue;
    }
    if (Out.size() >= Limit)
      return makeKindError(ErrorKind::Resource,
                           "{0}: the gzip data decompresses to more than the memory limit "
                           "of {1} MiB (a decompression bomb, or raise --max-memory if the "
                           "file is trusted)",
                           Name, Limit >> 20);
    size_t Old = Out.size();
    // Doubling, within the limit, and at most 1 GiB a step (avail_out is 32-bit).
    size_t Grow = size_t(std::min<uint64_t>({std::max<size_t>(Old, 1 << 16), Limit - Old,
                                             uint64_t(1) << 30}));
    Out.resize(Old + Grow);
    Z.next_out = reinterpret_cast<Bytef *>(Out.data() + Old);
    Z.avail_out = uInt(Grow);
    RC = inflate(&Z, Z_NO_FLUSH);
    Out.resize(Old + (Grow - Z.avail_out));
    uint64_t At = Consumed + uint64_t(Z.next_in - reinterpret_cast<Bytef *>(InBuf.data()));
    if (RC == Z_NEED_DICT || RC == Z_DATA_ERROR || RC == Z_STREAM_ERROR)
      return makeKindError(ErrorKind::Damaged, "{0}: offset {1}: corrupt gzip data: {2}",
                           Name, At, Z.msg ? Z.msg : "inflate failed");
    if (RC == Z_MEM_ERROR)
      return makeKindError(ErrorKind::Resource, "{0}: out of memory inflating gzip data", Name);
    if (RC == Z_BUF_ERROR && Z.avail_in == 0 && Eof)
      return makeKindError(ErrorKind::Damaged,
                           "{0}: offset {1}: truncated gzip data (the stream ends early)",
                           Name, At);
  }
  return Out;
}

// ---------------------------------------------------------------------------
// Schema scan: wire types, and what a parse would allocate.

enum class Msg : uint8_t { Profile, ValueType, Sample, Label, Mapping, Location, Line, Function, None };

enum class Kind : uint8_t { Unknown, Varint, Packed, String, Message };

struct FieldInfo {
  Kind K = Kind::Unknown;
  Msg Child = Msg::None;
  const char *Name = "";
};

const char *msgName(Msg M) {
  static const char *Names[] = {"Profile", "ValueType", "Sample",   "Label",
                                "Mapping", "Location",  "Line",     "Function"};
  return M == Msg::None ? "?" : Names[size_t(M)];
}

FieldInfo fieldInfo(Msg M, uint32_t F) {
  using K = Kind;
  switch (M) {
  case Msg::Profile:
    switch (F) {
    case 1: return {K::Message, Msg::ValueType, "sample_type"};
    case 2: return {K::Message, Msg::Sample, "sample"};
    case 3: return {K::Message, Msg::Mapping, "mapping"};
    case 4: return {K::Message, Msg::Location, "location"};
    case 5: return {K::Message, Msg::Function, "function"};
    case 6: return {K::String, Msg::None, "string_table"};
    case 7: return {K::Varint, Msg::None, "drop_frames"};
    case 8: return {K::Varint, Msg::None, "keep_frames"};
    case 9: return {K::Varint, Msg::None, "time_nanos"};
    case 10: return {K::Varint, Msg::None, "duration_nanos"};
    case 11: return {K::Message, Msg::ValueType, "period_type"};
    case 12: return {K::Varint, Msg::None, "period"};
    case 13: return {K::Packed, Msg::None, "comment"};
    case 14: return {K::Varint, Msg::None, "default_sample_type"};
    case 15: return {K::Varint, Msg::None, "doc_url"};
    }
    break;
  case Msg::ValueType:
    if (F == 1 || F == 2)
      return {K::Varint, Msg::None, F == 1 ? "type" : "unit"};
    break;
  case Msg::Sample:
    switch (F) {
    case 1: return {K::Packed, Msg::None, "location_id"};
    case 2: return {K::Packed, Msg::None, "value"};
    case 3: return {K::Message, Msg::Label, "label"};
    }
    break;
  case Msg::Label: {
    static const char *N[] = {"key", "str", "num", "num_unit"};
    if (F >= 1 && F <= 4)
      return {K::Varint, Msg::None, N[F - 1]};
    break;
  }
  case Msg::Mapping: {
    static const char *N[] = {"id",       "memory_start",  "memory_limit",     "file_offset",
                              "filename", "build_id",      "has_functions",    "has_filenames",
                              "has_line_numbers", "has_inline_frames"};
    if (F >= 1 && F <= 10)
      return {K::Varint, Msg::None, N[F - 1]};
    break;
  }
  case Msg::Location:
    switch (F) {
    case 1: return {K::Varint, Msg::None, "id"};
    case 2: return {K::Varint, Msg::None, "mapping_id"};
    case 3: return {K::Varint, Msg::None, "address"};
    case 4: return {K::Message, Msg::Line, "line"};
    case 5: return {K::Varint, Msg::None, "is_folded"};
    }
    break;
  case Msg::Line: {
    static const char *N[] = {"function_id", "line", "column"};
    if (F >= 1 && F <= 3)
      return {K::Varint, Msg::None, N[F - 1]};
    break;
  }
  case Msg::Function: {
    static const char *N[] = {"id", "name", "system_name", "filename", "start_line"};
    if (F >= 1 && F <= 5)
      return {K::Varint, Msg::None, N[F - 1]};
    break;
  }
  case Msg::None:
    break;
  }
  return {};
}

const char *wireName(uint32_t W) {
  switch (W) {
  case WFL::WIRETYPE_VARINT: return "varint";
  case WFL::WIRETYPE_FIXED64: return "fixed64";
  case WFL::WIRETYPE_LENGTH_DELIMITED: return "length-delimited";
  case WFL::WIRETYPE_START_GROUP: return "start-group";
  case WFL::WIRETYPE_END_GROUP: return "end-group";
  case WFL::WIRETYPE_FIXED32: return "fixed32";
  }
  return "invalid";
}

struct Census {
  uint64_t Messages = 0, Elements = 0, StringBytes = 0, Strings = 0;
};

/// Scans the message M in [In's position, End); on damage sets Err to a
/// message with the byte offset. Depth is bounded by the schema (Profile >
/// Location > Line).
bool scan(google::protobuf::io::CodedInputStream &In, const uint8_t *Base, int End, Msg M,
          Census &C, std::string &Err) {
  while (In.CurrentPosition() < End) {
    int At = In.CurrentPosition();
    uint32_t Tag = In.ReadTag();
    if (Tag == 0) {
      Err = llvm::formatv("offset {0}: bad field tag in {1}", At, msgName(M)).str();
      return false;
    }
    uint32_t Field = WFL::GetTagFieldNumber(Tag), Wire = WFL::GetTagWireType(Tag);
    FieldInfo FI = fieldInfo(M, Field);
    auto wrongWire = [&](const char *Want) {
      Err = llvm::formatv("offset {0}: {1}.{2} (field {3}) has wire type {4}, expected {5}",
                          At, msgName(M), FI.Name, Field, wireName(Wire), Want)
                .str();
      return false;
    };
    auto truncated = [&] {
      Err = llvm::formatv("offset {0}: {1} field {2} runs past the end of its message", At,
                          msgName(M), Field)
                .str();
      return false;
    };
    switch (FI.K) {
    case Kind::Varint:
      if (Wire != WFL::WIRETYPE_VARINT)
        return wrongWire("varint");
      break;
    case Kind::Packed:
      if (Wire != WFL::WIRETYPE_VARINT && Wire != WFL::WIRETYPE_LENGTH_DELIMITED)
        return wrongWire("varint or packed");
      break;
    case Kind::String:
    case Kind::Message:
      if (Wire != WFL::WIRETYPE_LENGTH_DELIMITED)
        return wrongWire("length-delimited");
      break;
    case Kind::Unknown:
      break;
    }
    switch (Wire) {
    case WFL::WIRETYPE_VARINT: {
      uint64_t V;
      if (!In.ReadVarint64(&V))
        return truncated();
      C.Elements += FI.K == Kind::Packed;
      break;
    }
    case WFL::WIRETYPE_FIXED64:
      if (End - In.CurrentPosition() < 8 || !In.Skip(8))
        return truncated();
      break;
    case WFL::WIRETYPE_FIXED32:
      if (End - In.CurrentPosition() < 4 || !In.Skip(4))
        return truncated();
      break;
    case WFL::WIRETYPE_LENGTH_DELIMITED: {
      uint32_t Len;
      if (!In.ReadVarint32(&Len))
        return truncated();
      int Pos = In.CurrentPosition();
      if (int64_t(Len) > int64_t(End) - Pos)
        return truncated();
      int SubEnd = Pos + int(Len);
      if (FI.K == Kind::Message) {
        ++C.Messages;
        if (!scan(In, Base, SubEnd, FI.Child, C, Err))
          return false;
        break;
      }
      if (FI.K == Kind::Packed) {
        for (int I = Pos; I < SubEnd; ++I) // one element per final varint byte
          C.Elements += Base[I] < 0x80;
        if (Len && Base[SubEnd - 1] >= 0x80)
          return truncated();
      } else {
        C.StringBytes += Len;
        ++C.Strings;
      }
      if (!In.Skip(int(Len)))
        return truncated();
      break;
    }
    default:
      Err = llvm::formatv("offset {0}: {1} field {2} has wire type {3}, which pprof never uses",
                          At, msgName(M), Field, wireName(Wire))
                .str();
      return false;
    }
  }
  if (In.CurrentPosition() != End) {
    Err = llvm::formatv("offset {0}: a {1} message runs past its end", In.CurrentPosition(),
                        msgName(M))
              .str();
    return false;
  }
  return true;
}

/// True when Bytes (possibly cut short) reads as a sequence of top-level
/// Profile fields with their wire types, and is binary: it holds a NUL byte
/// (text never does, see looksLikePerfScript) or at least three such fields.
/// Submessages are not looked into here: damage inside them is the reader's
/// to report, with its offset.
bool looksLikeProfile(llvm::StringRef Bytes) {
  int End = int(std::min<size_t>(Bytes.size(), 1 << 20));
  const auto *B = reinterpret_cast<const uint8_t *>(Bytes.data());
  google::protobuf::io::CodedInputStream In(B, End);
  int Fields = 0;
  while (In.CurrentPosition() < End) {
    uint32_t Tag = In.ReadTag();
    if (Tag == 0)
      return false;
    uint32_t Wire = WFL::GetTagWireType(Tag);
    FieldInfo FI = fieldInfo(Msg::Profile, WFL::GetTagFieldNumber(Tag));
    if (FI.K == Kind::Unknown)
      return false;
    if (Wire == WFL::WIRETYPE_VARINT) {
      if (FI.K != Kind::Varint && FI.K != Kind::Packed)
        return false;
      uint64_t V;
      if (!In.ReadVarint64(&V))
        break; // cut at the end of the head
    } else if (Wire == WFL::WIRETYPE_LENGTH_DELIMITED) {
      if (FI.K == Kind::Varint)
        return false;
      uint32_t Len;
      if (!In.ReadVarint32(&Len) || int64_t(Len) > int64_t(End) - In.CurrentPosition())
        break; // runs past the head we have: fine so far
      In.Skip(int(Len));
    } else {
      return false;
    }
    ++Fields;
  }
  return Fields >= 3 || (Fields > 0 && Bytes.contains('\0'));
}

// ---------------------------------------------------------------------------
// The import proper.

/// Build-ids as pgoctl keeps them: lowercase hex. pprof writers store hex
/// text (Go, Parca); a string that is not hex is taken as raw bytes.
std::string normalizeBuildId(llvm::StringRef S) {
  bool Hex = !S.empty() && llvm::all_of(S, llvm::isHexDigit);
  return Hex ? S.lower() : pgoctl::toHex(S);
}

class PprofImporter {
public:
  PprofImporter(const pp::Profile &P, llvm::StringRef Name, const ImportOptions &Opts,
                ImportSummary &Sum)
      : P(P), Name(Name), Opts(Opts), Sum(Sum) {}

  llvm::Expected<Profile> run();

private:
  llvm::Error damaged(const llvm::Twine &What) {
    return makeKindError(ErrorKind::Damaged, "{0}: {1}", Name, What.str());
  }
  /// The string at index I, or damage naming Field.
  llvm::Expected<llvm::StringRef> str(int64_t I, const llvm::Twine &Field) {
    if (I == 0)
      return llvm::StringRef();
    if (I < 0 || I >= P.string_table_size())
      return damaged(Field + " is string index " + llvm::Twine(I) + ", outside the string " +
                     "table of " + llvm::Twine(P.string_table_size()) + " strings");
    return llvm::StringRef(P.string_table(int(I)));
  }
  // The passes of run(), in order.
  llvm::Error checkStrings();
  llvm::Error indexIds();
  llvm::Expected<int> chooseValue();
  llvm::Error classifyMappings();
  llvm::Error locateBinaries();
  void mapLocations();
  llvm::Error countSamples(int VI, uint64_t Divisor);
  Profile buildProfile();
  void report(const Profile &Out, uint64_t Divisor);
  void fillMetadata(Profile &Out, llvm::StringRef ChosenType);

  const pp::Profile &P;
  llvm::StringRef Name;
  const ImportOptions &Opts;
  ImportSummary &Sum;

  // Ids and addresses take every u64 value, DenseMap's reserved keys too:
  // std::unordered_map for them.
  std::unordered_map<uint64_t, int> MappingIdx, LocationIdx, FunctionIdx;

  /// Per mapping: its binary's index among Bins, and its address convention.
  struct MapInfo {
    int Bin = -1;
    bool Runtime = true; ///< runtime addresses (else ELF virtual addresses)
    uint64_t InRange = 0, OutOfRange = 0;
  };
  std::vector<MapInfo> Maps;
  /// The profile's binaries as they form: identity, convention use, ELF.
  struct Bin {
    BinaryProfile B;
    bool AnyRuntime = false, AnyVaddr = false;
    std::optional<binary::ElfInfo> Elf;
  };
  std::vector<Bin> Bins;
  std::map<std::string, int> BinByKey;

  /// Per location: its frame (binary, address in the binary's space), or for
  /// a name-only one, its binary.
  struct LocFrame {
    bool HasAddr = false, Dropped = false;
    Frame F;
    int Bin = -1;
  };
  std::vector<LocFrame> Frames;
  uint64_t OutsideSegments = 0, DroppedVaddrs = 0;

  // The counts, per binary.
  struct FnCount {
    uint64_t Self = 0, Total = 0;
  };
  std::vector<std::unordered_map<uint64_t, uint64_t>> IpCounts;
  std::vector<std::map<std::string, FnCount>> FnCounts;
  std::map<std::vector<Frame>, uint64_t> StackCounts;
  uint64_t Total = 0, Unmapped = 0;
  bool Saturated = false;
  int binFor(const std::string &BuildId, const std::string &Path, bool Kernel) {
    std::string Key = BuildId.empty() ? Path : BuildId;
    auto [It, New] = BinByKey.try_emplace(Key, int(Bins.size()));
    if (New) {
      Bins.emplace_back();
      Bins.back().B.BuildId = BuildId;
      Bins.back().B.Path = Path;
      Bins.back().B.IsKernel = Kernel;
    }
    return It->second;
  }
};

llvm::Error PprofImporter::checkStrings() {
  if (P.string_table_size() > 0 && !P.string_table(0).empty())
    return damaged("string_table[0] must be the empty string (it is '" +
                   escapeForTerminal(P.string_table(0), 64) + "')");
  auto check = [&](int64_t I, const llvm::Twine &Field) -> llvm::Error {
    llvm::Expected<llvm::StringRef> S = str(I, Field);
    return S ? llvm::Error::success() : S.takeError();
  };
  for (int I = 0; I < P.sample_type_size(); ++I) {
    if (llvm::Error E = check(P.sample_type(I).type(), "sample_type[" + llvm::Twine(I) + "].type"))
      return E;
    if (llvm::Error E = check(P.sample_type(I).unit(), "sample_type[" + llvm::Twine(I) + "].unit"))
      return E;
  }
  for (auto [V, F] : {std::pair{P.drop_frames(), "drop_frames"}, {P.keep_frames(), "keep_frames"},
                      {P.default_sample_type(), "default_sample_type"},
                      {P.doc_url(), "doc_url"}, {P.period_type().type(), "period_type.type"},
                      {P.period_type().unit(), "period_type.unit"}})
    if (llvm::Error E = check(V, F))
      return E;
  for (int I = 0; I < P.comment_size(); ++I)
    if (llvm::Error E = check(P.comment(I), "comment[" + llvm::Twine(I) + "]"))
      return E;
  for (int I = 0; I < P.mapping_size(); ++I) {
    const pp::Mapping &M = P.mapping(I);
    if (llvm::Error E = check(M.filename(), "mapping[" + llvm::Twine(I) + "].filename"))
      return E;
    if (llvm::Error E = check(M.build_id(), "mapping[" + llvm::Twine(I) + "].build_id"))
      return E;
  }
  for (int I = 0; I < P.function_size(); ++I) {
    const pp::Function &F = P.function(I);
    for (auto [V, Fld] : {std::pair{F.name(), "name"}, {F.system_name(), "system_name"},
                          {F.filename(), "filename"}})
      if (llvm::Error E = check(V, "function[" + llvm::Twine(I) + "]." + Fld))
        return E;
  }
  for (int I = 0; I < P.sample_size(); ++I)
    for (int J = 0; J < P.sample(I).label_size(); ++J) {
      const pp::Label &L = P.sample(I).label(J);
      std::string At = ("sample[" + llvm::Twine(I) + "].label[" + llvm::Twine(J) + "].").str();
      for (auto [V, Fld] : {std::pair{L.key(), "key"}, {L.str(), "str"}, {L.num_unit(), "num_unit"}})
        if (llvm::Error E = check(V, At + Fld))
          return E;
    }
  return llvm::Error::success();
}

llvm::Error PprofImporter::indexIds() {
  auto index = [&](auto &Map, uint64_t Id, int I, const char *What) -> llvm::Error {
    if (Id == 0)
      return damaged(llvm::Twine(What) + "[" + llvm::Twine(I) + "].id is 0 (ids are non-zero)");
    if (!Map.try_emplace(Id, I).second)
      return damaged(llvm::Twine(What) + "[" + llvm::Twine(I) + "].id " + llvm::Twine(Id) +
                     " is used twice");
    return llvm::Error::success();
  };
  for (int I = 0; I < P.mapping_size(); ++I)
    if (llvm::Error E = index(MappingIdx, P.mapping(I).id(), I, "mapping"))
      return E;
  for (int I = 0; I < P.location_size(); ++I)
    if (llvm::Error E = index(LocationIdx, P.location(I).id(), I, "location"))
      return E;
  for (int I = 0; I < P.function_size(); ++I)
    if (llvm::Error E = index(FunctionIdx, P.function(I).id(), I, "function"))
      return E;
  for (int I = 0; I < P.location_size(); ++I) {
    const pp::Location &L = P.location(I);
    if (L.mapping_id() && !MappingIdx.count(L.mapping_id()))
      return damaged("location[" + llvm::Twine(I) + "].mapping_id " +
                     llvm::Twine(L.mapping_id()) + " names no mapping");
    for (int J = 0; J < L.line_size(); ++J)
      if (!FunctionIdx.count(L.line(J).function_id()))
        return damaged("location[" + llvm::Twine(I) + "].line[" + llvm::Twine(J) +
                       "].function_id " + llvm::Twine(L.line(J).function_id()) +
                       " names no function");
  }
  for (int I = 0; I < P.sample_size(); ++I) {
    const pp::Sample &S = P.sample(I);
    for (int J = 0; J < S.location_id_size(); ++J)
      if (!LocationIdx.count(S.location_id(J)))
        return damaged("sample[" + llvm::Twine(I) + "].location_id[" + llvm::Twine(J) + "] " +
                       llvm::Twine(S.location_id(J)) + " names no location");
    if (S.value_size() != P.sample_type_size())
      return damaged("sample[" + llvm::Twine(I) + "] has " + llvm::Twine(S.value_size()) +
                     " values for " + llvm::Twine(P.sample_type_size()) + " sample types");
  }
  return llvm::Error::success();
}

llvm::Expected<int> PprofImporter::chooseValue() {
  std::string Types;
  for (int I = 0; I < P.sample_type_size(); ++I) {
    llvm::StringRef T = *str(P.sample_type(I).type(), ""), U = *str(P.sample_type(I).unit(), "");
    Types += (Types.empty() ? "" : ", ") + escapeForTerminal(T, 64) + "/" +
             escapeForTerminal(U, 64);
  }
  auto typeIs = [&](int I, llvm::StringRef T, llvm::StringRef U) {
    return *str(P.sample_type(I).type(), "") == T &&
           (U.empty() || *str(P.sample_type(I).unit(), "") == U);
  };
  if (!Opts.SampleType.empty()) {
    for (int I = 0; I < P.sample_type_size(); ++I)
      if (typeIs(I, Opts.SampleType, ""))
        return I;
    return makeKindError(ErrorKind::Usage, "{0}: no sample type '{1}' (sample types: {2})",
                         Name, escapeForTerminal(Opts.SampleType, 64), Types);
  }
  for (int I = 0; I < P.sample_type_size(); ++I)
    if (typeIs(I, "samples", "count"))
      return I;
  for (int I = 0; I < P.sample_type_size(); ++I)
    if (typeIs(I, "cpu", "nanoseconds"))
      return I;
  return makeKindError(ErrorKind::Input,
                       "{0}: no sample type counts CPU samples (samples/count or "
                       "cpu/nanoseconds); sample types: {1}; choose one with --sample-type",
                       Name, Types.empty() ? std::string("none") : Types);
}

llvm::Error PprofImporter::classifyMappings() {
  Maps.resize(size_t(P.mapping_size()));
  for (const pp::Location &L : P.location()) {
    if (!L.mapping_id() || !L.address())
      continue;
    const pp::Mapping &M = P.mapping(MappingIdx[L.mapping_id()]);
    MapInfo &MI = Maps[size_t(MappingIdx[L.mapping_id()])];
    if (L.address() >= M.memory_start() && L.address() < M.memory_limit())
      ++MI.InRange;
    else
      ++MI.OutOfRange;
  }
  for (int I = 0; I < P.mapping_size(); ++I) {
    const pp::Mapping &M = P.mapping(I);
    MapInfo &MI = Maps[size_t(I)];
    llvm::StringRef File = *str(M.filename(), "");
    if (MI.InRange && MI.OutOfRange)
      return damaged(llvm::formatv("mapping {0} ('{1}', [{2:x}, {3:x})): {4} location "
                                   "addresses lie inside its range and {5} outside, so they "
                                   "are neither runtime addresses nor ELF virtual addresses",
                                   M.id(), escapeForTerminal(File, 256), M.memory_start(),
                                   M.memory_limit(), MI.InRange, MI.OutOfRange)
                         .str());
    MI.Runtime = MI.OutOfRange == 0;
    bool Kernel = File.starts_with("[kernel.kallsyms]");
    MI.Bin = binFor(Kernel ? "" : normalizeBuildId(*str(M.build_id(), "")),
                    Kernel ? "[kernel.kallsyms]" : File.str(), Kernel);
    if (MI.InRange || MI.OutOfRange) {
      (MI.Runtime && !Kernel ? Bins[size_t(MI.Bin)].AnyRuntime : Bins[size_t(MI.Bin)].AnyVaddr) =
          true;
    }
  }
  return llvm::Error::success();
}

llvm::Expected<Profile> PprofImporter::run() {
  if (llvm::Error E = checkStrings())
    return std::move(E);
  if (llvm::Error E = indexIds())
    return std::move(E);
  llvm::Expected<int> VI = chooseValue();
  if (!VI)
    return VI.takeError();
  if (llvm::Error E = classifyMappings())
    return std::move(E);
  // Value to sample count: cpu nanoseconds over a period in nanoseconds.
  uint64_t Divisor = 1;
  if (*str(P.sample_type(*VI).unit(), "") == "nanoseconds" && P.period() > 0 &&
      *str(P.period_type().unit(), "") == "nanoseconds")
    Divisor = uint64_t(P.period());
  if (llvm::Error E = locateBinaries())
    return std::move(E);
  mapLocations();
  if (llvm::Error E = countSamples(*VI, Divisor))
    return std::move(E);
  Profile Out = buildProfile();
  report(Out, Divisor);
  fillMetadata(Out, *str(P.sample_type(*VI).type(), ""));
  Out.canonicalize();
  return Out;
}

// Each binary's ELF, by the one rule (binary/Locate.h): runtime addresses
// become ELF virtual addresses through its segments.
llvm::Error PprofImporter::locateBinaries() {
  llvm::Expected<ImportBinaries> Found = ImportBinaries::create(Opts, Sum);
  if (!Found)
    return Found.takeError();
  for (Bin &B : Bins) {
    if (B.B.IsKernel || !(B.AnyRuntime || B.AnyVaddr))
      continue;
    B.Elf = Found->find(B.B.Path, B.B.BuildId);
    if (B.Elf) {
      B.B.Segments = B.Elf->Segments;
      if (B.B.BuildId.empty())
        B.B.BuildId = B.Elf->BuildId;
    }
    B.B.Space = (B.Elf || !B.AnyRuntime) ? AddressSpace::ElfVaddr : AddressSpace::FileOffset;
  }
  return llvm::Error::success();
}

// Each location once: its frame (binary, address in the binary's space) or
// its function names.
void PprofImporter::mapLocations() {
  Frames.assign(size_t(P.location_size()), LocFrame());
  int NoMappingBin = -1;
  for (int I = 0; I < P.location_size(); ++I) {
    const pp::Location &L = P.location(I);
    LocFrame &LF = Frames[size_t(I)];
    if (!L.mapping_id()) {
      if (L.address()) {
        LF.HasAddr = true;
        LF.F = {Frame::kNoBinary, L.address()};
      } else {
        if (NoMappingBin < 0)
          NoMappingBin = binFor("", "", false);
        LF.Bin = NoMappingBin;
      }
      continue;
    }
    int MIdx = MappingIdx[L.mapping_id()];
    const pp::Mapping &M = P.mapping(MIdx);
    const MapInfo &MI = Maps[size_t(MIdx)];
    LF.Bin = MI.Bin;
    if (!L.address())
      continue;
    LF.HasAddr = true;
    Bin &B = Bins[size_t(MI.Bin)];
    uint64_t A = L.address();
    if (B.B.IsKernel) {
      LF.F = {uint32_t(MI.Bin), A};
    } else if (MI.Runtime) {
      uint64_t Off = A - M.memory_start() + M.file_offset();
      if (B.Elf) {
        if (std::optional<uint64_t> VA = fileOffsetToVaddr(B.Elf->Segments, Off))
          Off = *VA;
        else
          ++OutsideSegments;
      }
      LF.F = {uint32_t(MI.Bin), Off};
    } else if (B.B.Space == AddressSpace::ElfVaddr) {
      LF.F = {uint32_t(MI.Bin), A};
    } else {
      LF.Dropped = true;
      ++DroppedVaddrs;
    }
  }
}

// The samples: leaf addresses, stacks of addresses, and function-level
// counts for frames with names only.
llvm::Error PprofImporter::countSamples(int VI, uint64_t Divisor) {
  IpCounts.assign(Bins.size(), {});
  auto add = [&](uint64_t &Dst, uint64_t N) {
    bool Ov = false;
    Dst = llvm::SaturatingAdd(Dst, N, &Ov);
    Saturated |= Ov;
  };
  std::vector<Frame> Stack;
  llvm::DenseSet<std::pair<int, int>> Seen; // (binary, function index) counted in this sample
  for (int I = 0; I < P.sample_size(); ++I) {
    const pp::Sample &S = P.sample(I);
    int64_t V = S.value(VI);
    if (V < 0)
      return damaged("sample[" + llvm::Twine(I) + "].value[" + llvm::Twine(VI) + "] is " +
                     llvm::Twine(V) + " (negative: a diff profile cannot be imported)");
    uint64_t N = uint64_t(V) / Divisor + (uint64_t(V) % Divisor * 2 >= Divisor && Divisor > 1);
    if (N == 0)
      continue;
    add(Total, N);
    if (S.location_id_size() == 0)
      continue;
    Stack.clear();
    Seen.clear();
    for (int J = 0; J < S.location_id_size(); ++J) {
      int LIdx = LocationIdx[S.location_id(J)];
      const LocFrame &LF = Frames[size_t(LIdx)];
      if (LF.HasAddr) {
        if (LF.Dropped)
          continue;
        if (J == 0) {
          if (LF.F.Binary == Frame::kNoBinary)
            add(Unmapped, N);
          else
            add(IpCounts[LF.F.Binary][LF.F.Addr], N);
        }
        Stack.push_back(LF.F);
        continue;
      }
      // Name-only: self for the leaf's innermost function, total for all.
      const pp::Location &L = P.location(LIdx);
      if (FnCounts.size() < Bins.size())
        FnCounts.resize(Bins.size());
      for (int K = 0; K < L.line_size(); ++K) {
        int FIdx = FunctionIdx[L.line(K).function_id()];
        const pp::Function &F = P.function(FIdx);
        // The system name is the linkage name (mangled) that compilers and
        // symbol tables use; the name may be demangled.
        llvm::StringRef FName = *str(F.system_name(), "");
        if (FName.empty())
          FName = *str(F.name(), "");
        if (FName.empty())
          continue;
        FnCount &C = FnCounts[size_t(LF.Bin)][FName.str()];
        if (J == 0 && K == 0)
          add(C.Self, N);
        if (Seen.insert({LF.Bin, FIdx}).second)
          add(C.Total, N);
      }
    }
    if (!Stack.empty())
      add(StackCounts[Stack], N);
  }
  return llvm::Error::success();
}

// The counts as a profile; binaries that got nothing (mappings of data,
// unused libraries) go.
Profile PprofImporter::buildProfile() {
  Profile Out;
  std::vector<int> OutIdx(Bins.size(), -1);
  for (size_t I = 0; I < Bins.size(); ++I) {
    BinaryProfile &B = Bins[I].B;
    for (auto [A, C] : IpCounts[I])
      B.Samples.push_back({A, C});
    if (I < FnCounts.size())
      for (auto &[FName, C] : FnCounts[I])
        B.Functions.push_back({FName, C.Self, C.Total});
    OutIdx[I] = int(Out.Binaries.size());
    Out.Binaries.push_back(std::move(B));
  }
  for (auto &[Fs, C] : StackCounts) {
    StackCount SC;
    SC.Count = C;
    for (Frame F : Fs) {
      if (F.Binary != Frame::kNoBinary)
        F.Binary = uint32_t(OutIdx[F.Binary]);
      SC.Frames.push_back(F);
    }
    Out.Stacks.push_back(std::move(SC));
  }
  std::vector<int> Keep(Out.Binaries.size(), 0);
  for (size_t I = 0; I < Out.Binaries.size(); ++I)
    Keep[I] = !Out.Binaries[I].Samples.empty() || !Out.Binaries[I].Functions.empty();
  for (const StackCount &SC : Out.Stacks)
    for (const Frame &F : SC.Frames)
      if (F.Binary != Frame::kNoBinary)
        Keep[F.Binary] = 1;
  std::vector<uint32_t> NewIdx(Out.Binaries.size(), Frame::kNoBinary);
  std::vector<BinaryProfile> Kept;
  for (size_t I = 0; I < Out.Binaries.size(); ++I)
    if (Keep[I]) {
      NewIdx[I] = uint32_t(Kept.size());
      Kept.push_back(std::move(Out.Binaries[I]));
    }
  Out.Binaries = std::move(Kept);
  for (StackCount &SC : Out.Stacks)
    for (Frame &F : SC.Frames)
      if (F.Binary != Frame::kNoBinary)
        F.Binary = NewIdx[F.Binary];
  return Out;
}

// What the user should know: addresses kept or dropped, saturation, and
// what became of frames without addresses and of cpu nanoseconds.
void PprofImporter::report(const Profile &Out, uint64_t Divisor) {
  if (OutsideSegments)
    Sum.Warnings.push_back(std::to_string(OutsideSegments) +
                           " addresses fell outside every PT_LOAD segment of their "
                           "binary; kept as file offsets");
  if (DroppedVaddrs)
    Sum.Warnings.push_back(std::to_string(DroppedVaddrs) +
                           " locations with ELF virtual addresses were dropped: their binary "
                           "also has runtime addresses and was not found (give --binary)");
  if (Saturated)
    Sum.Warnings.push_back("counts above 2^64-1 were saturated");
  bool AnyFunctions = llvm::any_of(Out.Binaries, [](const BinaryProfile &B) {
    return !B.Functions.empty();
  });
  if (AnyFunctions)
    Sum.Notes.push_back("frames without addresses became function-level counts "
                        "(block-level PGO needs addresses)");
  if (Divisor > 1)
    Sum.Notes.push_back("cpu nanoseconds divided by the period of " + std::to_string(Divisor) +
                        " ns to count samples");
}

void PprofImporter::fillMetadata(Profile &Out, llvm::StringRef ChosenType) {
  ProfileMetadata &M = Out.Meta;
  // CPU time sampled every period ns is what perf calls cpu-clock; naming it
  // so lets convert scale counts as it does for perf's (ProfDataIp).
  llvm::StringRef PeriodType = *str(P.period_type().type(), "");
  bool CpuClock = PeriodType == "cpu" && *str(P.period_type().unit(), "") == "nanoseconds";
  M.Event = CpuClock ? "cpu-clock" : (PeriodType.empty() ? ChosenType : PeriodType).str();
  if (P.period() > 0)
    M.SamplePeriod = uint64_t(P.period());
  M.Mode = ProfileMode::IpSamples;
  if (P.time_nanos() > 0) {
    M.TimeStartNs = uint64_t(P.time_nanos());
    M.TimeEndNs = M.TimeStartNs + uint64_t(std::max<int64_t>(P.duration_nanos(), 0));
  }
  M.Labels = Opts.Labels;
  M.ToolVersion = toolVersion().str();
  M.TotalSamples = Total;
  M.UnmappedSamples = Unmapped;
  Provenance Pv;
  Pv.Source = Name.str();
  Pv.Kind = "pprof";
  Pv.Samples = Total;
  Pv.TimeStartNs = M.TimeStartNs;
  Pv.TimeEndNs = M.TimeEndNs;
  M.Inputs.push_back(std::move(Pv));
  Sum.Samples = Total;
  Sum.SamplesUsed = Total;
  Sum.UnmappedIps = Unmapped;
}

/// Parses a decompressed body after the schema scan says it is sound and
/// fits the memory limit, and imports it.
llvm::Expected<Profile> importBody(llvm::StringRef Raw, llvm::StringRef Name,
                                   const ImportOptions &Opts, ImportSummary &Sum) {
  if (Raw.size() > size_t(INT32_MAX))
    return makeKindError(ErrorKind::Resource,
                         "{0}: the profile is {1} bytes, more than protobuf reads (2 GiB)", Name,
                         Raw.size());
  const auto *Base = reinterpret_cast<const uint8_t *>(Raw.data());
  Census C;
  std::string Err;
  {
    google::protobuf::io::CodedInputStream In(Base, int(Raw.size()));
    if (!scan(In, Base, int(Raw.size()), Msg::Profile, C, Err))
      return makeKindError(ErrorKind::Damaged, "{0}: not a valid pprof profile: {1}", Name, Err);
  }
  // Upper bounds: each message as parsed plus what the import keeps of it,
  // each packed element (8 bytes, doubled by growth) and each string twice.
  constexpr uint64_t kPerMessage = 256, kPerElement = 32, kPerString = 64;
  uint64_t Need = Raw.size() + C.Messages * kPerMessage + C.Elements * kPerElement +
                  C.Strings * kPerString + 2 * C.StringBytes;
  if (Need > Opts.MaxMemory)
    return makeKindError(ErrorKind::Resource,
                         "{0}: the profile holds {1} messages and {2} values, about {3} MiB in "
                         "memory, more than the memory limit of {4} MiB (raise it with "
                         "--max-memory if the file is trusted)",
                         Name, C.Messages, C.Elements, Need >> 20, Opts.MaxMemory >> 20);
  pp::Profile Msg;
  if (!Msg.ParseFromArray(Raw.data(), int(Raw.size())))
    return makeKindError(ErrorKind::Damaged, "{0}: not a valid pprof profile (protobuf parse "
                                             "failed)", Name);
  PprofImporter Imp(Msg, Name, Opts, Sum);
  Sum.InputBytes = Raw.size();
  return Imp.run();
}

} // namespace

bool isPprof(llvm::StringRef Head) {
  // gzip: the reader inflates it and says what is wrong if it is no pprof.
  return isGzip(Head) || looksLikeProfile(Head);
}

namespace {
/// Filters of perf recordings have nothing to select in a pprof profile.
llvm::Error checkPprofOptions(const ImportOptions &Opts, llvm::StringRef Name) {
  const char *Flag = Opts.Pid ? "--pid"
                     : !Opts.Comm.empty() ? "--comm"
                     : !Opts.Event.empty() ? "--event"
                                           : nullptr;
  if (!Flag)
    return llvm::Error::success();
  return makeKindError(ErrorKind::Usage,
                       "{0}: {1} selects samples of a perf recording; this is a pprof "
                       "profile (choose its values with --sample-type)",
                       Name, Flag);
}
} // namespace

llvm::Expected<Profile> importPprofBytes(llvm::StringRef Bytes, llvm::StringRef Name,
                                         const ImportOptions &Opts, ImportSummary &Sum) {
  if (llvm::Error E = checkPprofOptions(Opts, Name))
    return std::move(E);
  Sum.Format = isGzip(Bytes) ? "pprof (gzip)" : "pprof";
  if (!isGzip(Bytes)) {
    if (Bytes.size() > Opts.MaxMemory)
      return makeKindError(ErrorKind::Resource, "{0}: larger than the memory limit of {1} MiB",
                           Name, Opts.MaxMemory >> 20);
    return importBody(Bytes, Name, Opts, Sum);
  }
  auto Read = [&](char *Dst, size_t N) -> llvm::Expected<size_t> {
    size_t K = std::min(N, Bytes.size());
    memcpy(Dst, Bytes.data(), K);
    Bytes = Bytes.drop_front(K);
    return K;
  };
  llvm::Expected<std::string> Raw = inflateBounded(Read, Name, Opts.MaxMemory);
  if (!Raw)
    return Raw.takeError();
  return importBody(*Raw, Name, Opts, Sum);
}

llvm::Expected<Profile> importPprof(InputFile &In, const ImportOptions &Opts,
                                    ImportSummary &Sum, Stats &PassStats) {
  if (llvm::Error E = checkPprofOptions(Opts, In.path()))
    return std::move(E);
  std::string Raw;
  bool Gzip = isGzip(In.head());
  {
    Stats::Pass Pass(PassStats, Gzip ? "read and inflate pprof" : "read pprof");
    if (Gzip) {
      auto Read = [&](char *Dst, size_t N) { return In.read(Dst, N); };
      llvm::Expected<std::string> R = inflateBounded(Read, In.path(), Opts.MaxMemory);
      if (!R)
        return R.takeError();
      Raw = std::move(*R);
    } else {
      llvm::Expected<std::string> R = In.readAll(Opts.MaxMemory);
      if (!R)
        return R.takeError();
      Raw = std::move(*R);
    }
  }
  Sum.Format = Gzip ? "pprof (gzip)" : "pprof";
  Stats::Pass Pass(PassStats, "import pprof");
  return importBody(Raw, In.path(), Opts, Sum);
}

} // namespace pgoctl
