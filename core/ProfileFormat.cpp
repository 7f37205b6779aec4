// core/ProfileFormat.cpp: .pgoprof = magic + version + zstd(protobuf).
#include "core/ProfileFormat.h"
#include "core/Error.h"
#include "core/Support.h"
#include "core/profile.pb.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Endian.h"

#include <algorithm>
#include <cstdlib>
#include <memory>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <zstd.h>

namespace pgoctl {

namespace {
constexpr size_t kHeaderSize = 16;
constexpr int kZstdLevel = 3;

void toProto(const BinaryProfile &B, pb::Binary &Out) {
  Out.set_build_id(B.BuildId);
  Out.set_path(B.Path);
  Out.set_is_kernel(B.IsKernel);
  Out.set_address_space(uint32_t(B.Space));
  for (const LoadSegment &S : B.Segments) {
    pb::LoadSegment *PS = Out.add_segments();
    PS->set_vaddr(S.VAddr);
    PS->set_mem_size(S.MemSize);
    PS->set_file_offset(S.FileOffset);
    PS->set_file_size(S.FileSize);
    PS->set_flags(S.Flags);
  }
  uint64_t Prev = 0;
  for (const BranchCount &Br : B.Branches) {
    Out.add_branch_from_delta(Br.From - Prev);
    Out.add_branch_to_delta(int64_t(Br.To - Br.From));
    Out.add_branch_count(Br.Count);
    Out.add_branch_mispreds(Br.Mispreds);
    Prev = Br.From;
  }
  Prev = 0;
  for (const RangeCount &R : B.untracedRanges()) {
    Out.add_range_begin_delta(R.Begin - Prev);
    Out.add_range_length(R.End - R.Begin);
    Out.add_range_count(R.Count);
    Prev = R.Begin;
  }
  Prev = 0;
  for (const AddrCount &S : B.Samples) {
    Out.add_sample_addr_delta(S.Addr - Prev);
    Out.add_sample_count(S.Count);
    Prev = S.Addr;
  }
  Prev = 0;
  for (const TraceCount &T : B.Traces) {
    Out.add_trace_begin_delta(T.Begin - Prev);
    Out.add_trace_length(T.End - T.Begin);
    Out.add_trace_branch_delta(int64_t(T.Branch - T.Begin));
    Out.add_trace_count(T.Count);
    Prev = T.Begin;
  }
  for (const FunctionCount &F : B.Functions) {
    Out.add_function_name(F.Name);
    Out.add_function_self(F.Self);
    Out.add_function_total(F.Total);
  }
}

llvm::Error fromProto(const pb::Binary &In, BinaryProfile &B) {
  B.BuildId = In.build_id();
  B.Path = In.path();
  B.IsKernel = In.is_kernel();
  if (In.address_space() > uint32_t(AddressSpace::FileOffset))
    return makeError("binary '{0}': unknown address space {1}", In.path(),
                     In.address_space());
  B.Space = AddressSpace(In.address_space());
  for (const pb::LoadSegment &S : In.segments())
    B.Segments.push_back(
        {S.vaddr(), S.mem_size(), S.file_offset(), S.file_size(), S.flags()});
  int NB = In.branch_from_delta_size();
  if (In.branch_to_delta_size() != NB || In.branch_count_size() != NB ||
      In.branch_mispreds_size() != NB)
    return makeError("binary '{0}': branch columns differ in length", In.path());
  uint64_t Prev = 0;
  B.Branches.resize(NB);
  for (int I = 0; I < NB; ++I) {
    BranchCount &Br = B.Branches[I];
    Br.From = Prev + In.branch_from_delta(I);
    Br.To = Br.From + uint64_t(In.branch_to_delta(I));
    Br.Count = In.branch_count(I);
    Br.Mispreds = In.branch_mispreds(I);
    Prev = Br.From;
  }
  int NR = In.range_begin_delta_size();
  if (In.range_length_size() != NR || In.range_count_size() != NR)
    return makeError("binary '{0}': range columns differ in length", In.path());
  Prev = 0;
  B.Ranges.resize(NR);
  for (int I = 0; I < NR; ++I) {
    RangeCount &R = B.Ranges[I];
    R.Begin = Prev + In.range_begin_delta(I);
    R.End = R.Begin + In.range_length(I);
    R.Count = In.range_count(I);
    Prev = R.Begin;
  }
  int NS = In.sample_addr_delta_size();
  if (In.sample_count_size() != NS)
    return makeError("binary '{0}': sample columns differ in length", In.path());
  Prev = 0;
  B.Samples.resize(NS);
  for (int I = 0; I < NS; ++I) {
    B.Samples[I].Addr = Prev + In.sample_addr_delta(I);
    B.Samples[I].Count = In.sample_count(I);
    Prev = B.Samples[I].Addr;
  }
  int NT = In.trace_begin_delta_size();
  if (In.trace_length_size() != NT || In.trace_branch_delta_size() != NT ||
      In.trace_count_size() != NT)
    return makeError("binary '{0}': trace columns differ in length", In.path());
  Prev = 0;
  B.Traces.resize(NT);
  for (int I = 0; I < NT; ++I) {
    TraceCount &T = B.Traces[I];
    T.Begin = Prev + In.trace_begin_delta(I);
    T.End = T.Begin + In.trace_length(I);
    T.Branch = T.Begin + uint64_t(In.trace_branch_delta(I));
    T.Count = In.trace_count(I);
    Prev = T.Begin;
  }
  // The range columns hold what the traces do not (version 2; all of them
  // in version 1, which has no traces).
  if (!B.Traces.empty()) {
    std::vector<RangeCount> Traced = rangesOfTraces(B.Traces);
    B.Ranges.insert(B.Ranges.end(), Traced.begin(), Traced.end());
    B.canonicalize();
  }
  int NF = In.function_name_size();
  if (In.function_self_size() != NF || In.function_total_size() != NF)
    return makeError("binary '{0}': function columns differ in length", In.path());
  B.Functions.resize(size_t(NF));
  for (int I = 0; I < NF; ++I)
    B.Functions[size_t(I)] = {In.function_name(I), In.function_self(I), In.function_total(I)};
  return llvm::Error::success();
}

void metaToProto(const ProfileMetadata &M, pb::Metadata &Out) {
  Out.set_event(M.Event);
  Out.set_sample_period(M.SamplePeriod);
  Out.set_sample_freq(M.SampleFreq);
  Out.set_mode(uint32_t(M.Mode));
  Out.set_time_start_ns(M.TimeStartNs);
  Out.set_time_end_ns(M.TimeEndNs);
  for (const auto &[K, V] : M.Labels) {
    pb::Label *L = Out.add_labels();
    L->set_key(K);
    L->set_value(V);
  }
  Out.set_tool_version(M.ToolVersion);
  Out.set_total_samples(M.TotalSamples);
  Out.set_lost_samples(M.LostSamples);
  Out.set_unmapped_samples(M.UnmappedSamples);
  for (const Provenance &P : M.Inputs) {
    pb::Provenance *PP = Out.add_inputs();
    PP->set_source(P.Source);
    PP->set_kind(P.Kind);
    PP->set_sha256(P.Sha256);
    PP->set_host(P.Host);
    PP->set_os_release(P.OsRelease);
    PP->set_perf_version(P.PerfVersion);
    PP->set_samples(P.Samples);
    PP->set_weight(P.Weight);
    PP->set_time_start_ns(P.TimeStartNs);
    PP->set_time_end_ns(P.TimeEndNs);
  }
}

void metaFromProto(const pb::Metadata &In, ProfileMetadata &M) {
  M.Event = In.event();
  M.SamplePeriod = In.sample_period();
  M.SampleFreq = In.sample_freq();
  M.Mode = In.mode() <= uint32_t(ProfileMode::Lbr) ? ProfileMode(In.mode())
                                                   : ProfileMode::Unknown;
  M.TimeStartNs = In.time_start_ns();
  M.TimeEndNs = In.time_end_ns();
  for (const pb::Label &L : In.labels())
    M.Labels[L.key()] = L.value();
  M.ToolVersion = In.tool_version();
  M.TotalSamples = In.total_samples();
  M.LostSamples = In.lost_samples();
  M.UnmappedSamples = In.unmapped_samples();
  for (const pb::Provenance &P : In.inputs())
    M.Inputs.push_back({P.source(), P.kind(), P.sha256(), P.host(), P.os_release(),
                        P.perf_version(), P.samples(), P.weight(), P.time_start_ns(),
                        P.time_end_ns()});
}
} // namespace

bool isPgoprof(llvm::StringRef Bytes) {
  return Bytes.size() >= sizeof(kPgoprofMagic) &&
         memcmp(Bytes.data(), kPgoprofMagic, sizeof(kPgoprofMagic)) == 0;
}

llvm::Expected<std::string> serializeProfile(const Profile &In) {
  Profile P = In;
  P.canonicalize();
  pb::Profile Msg;
  metaToProto(P.Meta, *Msg.mutable_meta());
  for (const BinaryProfile &B : P.Binaries)
    toProto(B, *Msg.add_binaries());
  for (const StackCount &S : P.Stacks) {
    pb::Stack *PS = Msg.add_stacks();
    for (const Frame &F : S.Frames) {
      PS->add_frame_binary(F.Binary == Frame::kNoBinary ? 0 : F.Binary + 1);
      PS->add_frame_addr(F.Addr);
    }
    PS->set_count(S.Count);
  }
  std::string Raw;
  if (!Msg.SerializeToString(&Raw))
    return makeError("cannot serialize the profile (protobuf)");

  std::string Out(kHeaderSize, '\0');
  memcpy(Out.data(), kPgoprofMagic, sizeof(kPgoprofMagic));
  // Version 1 when nothing needs version 2, so older readers read it.
  bool NeedsV2 = llvm::any_of(P.Binaries, [](const BinaryProfile &B) {
    return !B.Functions.empty() || !B.Traces.empty();
  });
  llvm::support::endian::write32le(Out.data() + 8, NeedsV2 ? kPgoprofVersion : 1);
  llvm::support::endian::write32le(Out.data() + 12, 0);
  size_t Bound = ZSTD_compressBound(Raw.size());
  Out.resize(kHeaderSize + Bound);
  size_t N = ZSTD_compress(Out.data() + kHeaderSize, Bound, Raw.data(), Raw.size(),
                           kZstdLevel);
  if (ZSTD_isError(N))
    return makeError("zstd compression failed: {0}", ZSTD_getErrorName(N));
  Out.resize(kHeaderSize + N);
  return Out;
}

namespace {

/// The header's checks; Header holds its first kHeaderSize bytes or fewer.
llvm::Error checkHeader(llvm::StringRef Header, llvm::StringRef Name) {
  if (!isPgoprof(Header))
    return makeError("{0}: not a .pgoprof file (bad magic)", Name);
  if (Header.size() < kHeaderSize)
    return makeError("{0}: truncated .pgoprof header ({1} bytes)", Name, Header.size());
  uint32_t Version = llvm::support::endian::read32le(Header.data() + 8);
  if (Version == 0)
    return makeError("{0}: offset 8: .pgoprof format version 0 is not a valid version "
                     "(the header is damaged)",
                     Name);
  if (Version > kPgoprofVersion)
    return makeError("{0}: .pgoprof format version {1} is newer than this pgoctl "
                     "reads (up to {2}); upgrade pgoctl",
                     Name, Version, kPgoprofVersion);
  return llvm::Error::success();
}

using ReadFn = llvm::function_ref<llvm::Expected<size_t>(char *, size_t)>;

/// A decompressed body: a malloc'ed buffer grown with realloc, which for large
/// blocks moves pages (mremap) instead of copying and zero-filling them.
class BodyBuffer {
public:
  BodyBuffer() = default;
  BodyBuffer(BodyBuffer &&O) noexcept : P(O.P), Cap(O.Cap), Len(O.Len) { O.P = nullptr; }
  BodyBuffer &operator=(BodyBuffer &&) = delete;
  ~BodyBuffer() { free(P); }
  bool grow(size_t NewCap) {
    char *Q = static_cast<char *>(realloc(P, NewCap));
    if (!Q)
      return false;
    P = Q;
    Cap = NewCap;
    return true;
  }
  char *data() const { return P; }
  size_t capacity() const { return Cap; }
  llvm::StringRef str() const { return llvm::StringRef(P, Len); }
  size_t Len = 0;

private:
  char *P = nullptr;
  size_t Cap = 0;
};

/// Decompresses the single zstd frame that Read yields, as a stream into a
/// buffer that grows as output comes and never past Limit: the frame's
/// declared size is checked against the limit, never used to allocate.
llvm::Expected<BodyBuffer> decompressBody(ReadFn Read, llvm::StringRef Name,
                                           uint64_t Limit) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx *)> D(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!D)
    return makeError("{0}: cannot create a zstd decompressor", Name);
  std::vector<char> InBuf(1 << 16);
  ZSTD_inBuffer In{InBuf.data(), 0, 0};
  BodyBuffer Out;
  size_t &Used = Out.Len;
  uint64_t Consumed = 0; // compressed bytes before In
  bool OutFull = false, Done = false;
  auto limitError = [&] {
    return makeKindError(ErrorKind::Resource,
                         "{0}: the profile body decompresses to more than the memory "
                         "limit of {1} MiB (raise it with --max-memory if the file is "
                         "trusted)",
                         Name, Limit >> 20);
  };
  while (!Done) {
    if (In.pos == In.size && !OutFull) {
      Consumed += In.size;
      llvm::Expected<size_t> N = Read(InBuf.data(), InBuf.size());
      if (!N)
        return N.takeError();
      if (*N == 0)
        break;
      In = {InBuf.data(), *N, 0};
      if (Consumed == 0) {
        unsigned long long Declared = ZSTD_getFrameContentSize(InBuf.data(), *N);
        if (Declared != ZSTD_CONTENTSIZE_ERROR && Declared != ZSTD_CONTENTSIZE_UNKNOWN &&
            Declared > Limit)
          return makeKindError(ErrorKind::Resource,
                               "{0}: offset {1}: the zstd frame declares {2} bytes "
                               "uncompressed, more than the memory limit of {3} MiB",
                               Name, kHeaderSize, Declared, Limit >> 20);
      }
    }
    if (Used == Out.capacity()) {
      if (Out.capacity() >= Limit)
        return limitError();
      size_t Want = size_t(
          std::min<uint64_t>(std::max<uint64_t>(2 * Out.capacity(), 1 << 20), Limit));
      if (!Out.grow(Want))
        return makeKindError(ErrorKind::Resource, "{0}: out of memory at {1} MiB of body",
                             Name, Want >> 20);
    }
    ZSTD_outBuffer O{Out.data() + Used, Out.capacity() - Used, 0};
    size_t RC = ZSTD_decompressStream(D.get(), &O, &In);
    if (ZSTD_isError(RC))
      return makeError("{0}: offset {1}: corrupt zstd data: {2}", Name,
                       kHeaderSize + Consumed + In.pos, ZSTD_getErrorName(RC));
    Used += O.pos;
    OutFull = O.pos == O.size;
    Done = RC == 0;
  }
  if (!Done)
    return makeError("{0}: offset {1}: truncated: the zstd frame ends early", Name,
                     kHeaderSize + Consumed);
  // One frame is the format; anything after it is damage.
  bool Trailing = In.pos < In.size;
  if (!Trailing) {
    char Probe;
    llvm::Expected<size_t> N = Read(&Probe, 1);
    if (!N)
      return N.takeError();
    Trailing = *N > 0;
  }
  if (Trailing)
    return makeError("{0}: offset {1}: bytes after the zstd frame", Name,
                     kHeaderSize + Consumed + In.pos);
  return std::move(Out);
}

/// What parsing a body would allocate, counted from its wire format by a scan
/// that allocates nothing: submessages, repeated scalar elements (a packed
/// varint is at least one byte, so a short body can hold many) and string
/// bytes.
struct BodyCensus {
  uint64_t Messages = 0, Elements = 0, StringBytes = 0;
};

enum class MsgKind { Profile, Meta, Binary, Stack, Leaf, None };

MsgKind childKind(MsgKind Parent, uint32_t Field) {
  switch (Parent) {
  case MsgKind::Profile:
    return Field == 1 ? MsgKind::Meta
           : Field == 2 ? MsgKind::Binary
           : Field == 3 ? MsgKind::Stack
                        : MsgKind::None;
  case MsgKind::Meta:
    return Field == 7 || Field == 12 ? MsgKind::Leaf : MsgKind::None;
  case MsgKind::Binary:
    return Field == 5 ? MsgKind::Leaf : MsgKind::None;
  default:
    return MsgKind::None;
  }
}

bool isRepeatedScalar(MsgKind M, uint32_t Field) {
  return (M == MsgKind::Binary && ((Field >= 6 && Field <= 18) || Field == 20 || Field == 21)) ||
         (M == MsgKind::Stack && (Field == 1 || Field == 2));
}

/// Scans one message of kind M that ends at End (an offset into Base).
bool scanBody(google::protobuf::io::CodedInputStream &In, const uint8_t *Base, int End,
              MsgKind M, BodyCensus &C) {
  using WFL = google::protobuf::internal::WireFormatLite;
  while (In.CurrentPosition() < End) {
    uint32_t Tag = In.ReadTag();
    if (Tag == 0)
      return false;
    uint32_t Field = WFL::GetTagFieldNumber(Tag);
    switch (WFL::GetTagWireType(Tag)) {
    case WFL::WIRETYPE_VARINT: {
      uint64_t V;
      if (!In.ReadVarint64(&V))
        return false;
      C.Elements += isRepeatedScalar(M, Field);
      break;
    }
    case WFL::WIRETYPE_FIXED64:
      if (!In.Skip(8))
        return false;
      break;
    case WFL::WIRETYPE_FIXED32:
      if (!In.Skip(4))
        return false;
      break;
    case WFL::WIRETYPE_LENGTH_DELIMITED: {
      uint32_t Len;
      if (!In.ReadVarint32(&Len))
        return false;
      int Pos = In.CurrentPosition();
      if (int64_t(Len) > int64_t(End) - Pos)
        return false;
      int SubEnd = Pos + int(Len);
      MsgKind Child = childKind(M, Field);
      if (Child != MsgKind::None) {
        ++C.Messages;
        if (!scanBody(In, Base, SubEnd, Child, C))
          return false;
        break;
      }
      if (isRepeatedScalar(M, Field)) // packed: one element per final varint byte
        for (int I = Pos; I < SubEnd; ++I)
          C.Elements += Base[I] < 0x80;
      else
        C.StringBytes += Len;
      // A function name is a string and an entry of its own.
      C.Elements += 3 * (M == MsgKind::Binary && Field == 19);
      if (!In.Skip(int(Len)))
        return false;
      break;
    }
    default:
      return false; // groups: not in this format
    }
  }
  return In.CurrentPosition() == End;
}

/// Parses a decompressed body once its census fits the memory limit.
llvm::Expected<Profile> parseBody(llvm::StringRef Raw, llvm::StringRef Name,
                                  const ProfileReadOptions &Opts) {
  if (Raw.size() > size_t(INT32_MAX))
    return makeError("{0}: the profile body is {1} bytes, more than protobuf reads (2 GiB)",
                     Name, Raw.size());
  const auto *Base = reinterpret_cast<const uint8_t *>(Raw.data());
  BodyCensus C;
  {
    google::protobuf::io::CodedInputStream In(Base, int(Raw.size()));
    if (!scanBody(In, Base, int(Raw.size()), MsgKind::Profile, C))
      return makeError("{0}: corrupt profile body (protobuf parse failed)", Name);
  }
  // Upper bounds per item: a message and what it becomes in the Profile (the
  // largest, Binary, for all), an element as parsed (8 bytes, doubled by
  // vector growth) plus its share of a Profile entry, strings twice.
  constexpr uint64_t kPerMessage = sizeof(pb::Binary) + sizeof(BinaryProfile) + 64;
  constexpr uint64_t kPerElement = 32;
  uint64_t Need = Raw.size() + C.Messages * kPerMessage + C.Elements * kPerElement +
                  2 * C.StringBytes;
  if (Need > Opts.MaxMemory)
    return makeKindError(ErrorKind::Resource,
                         "{0}: the profile holds {1} messages and {2} counts, about "
                         "{3} MiB in memory, more than the memory limit of {4} MiB "
                         "(raise it with --max-memory if the file is trusted)",
                         Name, C.Messages, C.Elements, Need >> 20, Opts.MaxMemory >> 20);
  pb::Profile Msg;
  if (!Msg.ParseFromArray(Raw.data(), int(Raw.size())))
    return makeError("{0}: corrupt profile body (protobuf parse failed)", Name);
  Profile P;
  metaFromProto(Msg.meta(), P.Meta);
  P.Binaries.resize(Msg.binaries_size());
  for (int I = 0; I < Msg.binaries_size(); ++I)
    if (llvm::Error E = fromProto(Msg.binaries(I), P.Binaries[I]))
      return addContext(std::move(E), Name);
  for (const pb::Stack &S : Msg.stacks()) {
    if (S.frame_binary_size() != S.frame_addr_size())
      return makeError("{0}: stack columns differ in length", Name);
    StackCount SC;
    SC.Count = S.count();
    SC.Frames.reserve(size_t(S.frame_addr_size()));
    for (int I = 0; I < S.frame_addr_size(); ++I) {
      uint32_t Bin = S.frame_binary(I);
      if (Bin > P.Binaries.size())
        return makeError("{0}: stack frame names binary {1} of {2}", Name, Bin,
                         P.Binaries.size());
      SC.Frames.push_back({Bin == 0 ? Frame::kNoBinary : Bin - 1, S.frame_addr(I)});
    }
    P.Stacks.push_back(std::move(SC));
  }
  return P;
}

} // namespace

llvm::Expected<Profile> parseProfile(llvm::StringRef Bytes, llvm::StringRef Name,
                                     const ProfileReadOptions &Opts) {
  if (llvm::Error E = checkHeader(Bytes.take_front(kHeaderSize), Name))
    return std::move(E);
  llvm::StringRef Body = Bytes.drop_front(kHeaderSize);
  auto Read = [&](char *Dst, size_t N) -> llvm::Expected<size_t> {
    size_t K = std::min(N, Body.size());
    memcpy(Dst, Body.data(), K);
    Body = Body.drop_front(K);
    return K;
  };
  llvm::Expected<BodyBuffer> Raw = decompressBody(Read, Name, Opts.MaxMemory);
  if (!Raw)
    return Raw.takeError();
  return parseBody(Raw->str(), Name, Opts);
}

llvm::Expected<Profile> parseProfile(llvm::StringRef Bytes, llvm::StringRef Name) {
  return parseProfile(Bytes, Name, ProfileReadOptions());
}

llvm::Expected<Profile> readProfile(InputFile &In, const ProfileReadOptions &Opts) {
  llvm::StringRef Name = In.path();
  char Header[kHeaderSize];
  size_t Got = 0;
  while (Got < kHeaderSize) {
    llvm::Expected<size_t> N = In.read(Header + Got, kHeaderSize - Got);
    if (!N)
      return N.takeError();
    if (*N == 0)
      break;
    Got += *N;
  }
  if (Got == 0)
    return makeError("{0}: empty input, not a .pgoprof file", Name);
  if (llvm::Error E = checkHeader(llvm::StringRef(Header, Got), Name))
    return std::move(E);
  auto Read = [&](char *Dst, size_t N) { return In.read(Dst, N); };
  llvm::Expected<BodyBuffer> Raw = decompressBody(Read, Name, Opts.MaxMemory);
  if (!Raw)
    return Raw.takeError();
  return parseBody(Raw->str(), Name, Opts);
}

llvm::Error writeProfileFile(const Profile &P, llvm::StringRef Path) {
  llvm::Expected<std::string> Bytes = serializeProfile(P);
  if (!Bytes)
    return Bytes.takeError();
  return writeFileAtomic(Path, *Bytes);
}

llvm::Expected<Profile> readProfileFile(llvm::StringRef Path,
                                        const ProfileReadOptions &Opts) {
  llvm::Expected<InputFile> In = InputFile::open(Path, kHeaderSize);
  if (!In)
    return In.takeError();
  return readProfile(*In, Opts);
}

llvm::Expected<Profile> readProfileFile(llvm::StringRef Path) {
  return readProfileFile(Path, ProfileReadOptions());
}

} // namespace pgoctl
