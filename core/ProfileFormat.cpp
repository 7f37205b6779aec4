// core/ProfileFormat.cpp: .pgoprof = magic + version + zstd(protobuf).
#include "core/ProfileFormat.h"
#include "core/Support.h"
#include "core/profile.pb.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/MemoryBuffer.h"

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
  for (const RangeCount &R : B.Ranges) {
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
  llvm::support::endian::write32le(Out.data() + 8, kPgoprofVersion);
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

llvm::Expected<Profile> parseProfile(llvm::StringRef Bytes, llvm::StringRef Name) {
  if (!isPgoprof(Bytes))
    return makeError("{0}: not a .pgoprof file (bad magic)", Name);
  if (Bytes.size() < kHeaderSize)
    return makeError("{0}: truncated .pgoprof header ({1} bytes)", Name, Bytes.size());
  uint32_t Version = llvm::support::endian::read32le(Bytes.data() + 8);
  if (Version == 0 || Version > kPgoprofVersion)
    return makeError("{0}: .pgoprof format version {1} is newer than this pgoctl "
                     "reads (up to {2}); upgrade pgoctl",
                     Name, Version, kPgoprofVersion);
  llvm::StringRef Body = Bytes.drop_front(kHeaderSize);
  unsigned long long Size = ZSTD_getFrameContentSize(Body.data(), Body.size());
  if (Size == ZSTD_CONTENTSIZE_ERROR || Size == ZSTD_CONTENTSIZE_UNKNOWN)
    return makeError("{0}: offset {1}: corrupt zstd frame", Name, kHeaderSize);
  if (Size > (1ull << 34))
    return makeError("{0}: implausible uncompressed size {1}", Name, Size);
  std::string Raw(Size, '\0');
  size_t N = ZSTD_decompress(Raw.data(), Raw.size(), Body.data(), Body.size());
  if (ZSTD_isError(N) || N != Size)
    return makeError("{0}: offset {1}: zstd decompression failed: {2}", Name,
                     kHeaderSize, ZSTD_isError(N) ? ZSTD_getErrorName(N) : "short");
  pb::Profile Msg;
  if (!Msg.ParseFromString(Raw))
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

llvm::Error writeProfileFile(const Profile &P, llvm::StringRef Path) {
  llvm::Expected<std::string> Bytes = serializeProfile(P);
  if (!Bytes)
    return Bytes.takeError();
  return writeFileAtomic(Path, *Bytes);
}

llvm::Expected<Profile> readProfileFile(llvm::StringRef Path) {
  auto MB = llvm::MemoryBuffer::getFileOrSTDIN(Path, /*IsText=*/false,
                                               /*RequiresNullTerminator=*/false);
  if (!MB)
    return makeError("{0}: {1}", Path, MB.getError().message());
  return parseProfile((*MB)->getBuffer(), Path);
}

} // namespace pgoctl
