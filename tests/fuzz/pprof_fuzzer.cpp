// tests/fuzz/pprof_fuzzer.cpp: libFuzzer target for the pprof reader
// (collect/Pprof.h), and properties of what it accepts.
//
// Each input is read twice: as it is (a protobuf body, or gzip when it starts
// with the gzip magic) and wrapped here in a gzip stream, so that mutations
// reach the schema scan and the import without first having to get past the
// gzip checksum, and the inflate path still sees every body. The memory limit
// is 64 MiB, so a bomb is an error here as it is for a user.
// For every input the reader accepts (P):
//   1. the IP samples of every binary, plus the unmapped ones, are at most the
//      profile's total (each sample's leaf is counted once);
//   2. serializeProfile(P) succeeds and parsing those bytes gives P again
//      (binaries, counts, function-level counts, stacks);
//   3. every stack frame names a binary of P or none.
// isPprof() runs on every input too. Seeds: tests/fuzz/pprof-seeds (the
// hermetic fixtures of tests/lit, written by npm pprof-format).
#include "FuzzSupport.h"

#include "collect/Pprof.h"
#include "core/ProfileFormat.h"

#include "llvm/Support/MathExtras.h"

#include <google/protobuf/stubs/logging.h>
#include <zlib.h>

using namespace pgoctl;
using pgoctl::fuzz::fuzzCheck;

namespace {

std::string gzip(llvm::StringRef Body) {
  z_stream Z{};
  fuzzCheck(deflateInit2(&Z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK,
            "deflateInit2 failed");
  std::string Out(deflateBound(&Z, uLong(Body.size())) + 32, '\0');
  Z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(Body.data()));
  Z.avail_in = uInt(Body.size());
  Z.next_out = reinterpret_cast<Bytef *>(Out.data());
  Z.avail_out = uInt(Out.size());
  fuzzCheck(deflate(&Z, Z_FINISH) == Z_STREAM_END, "deflate did not finish");
  Out.resize(Out.size() - Z.avail_out);
  deflateEnd(&Z);
  return Out;
}

bool sameProfile(const Profile &A, const Profile &B) {
  if (A.Binaries.size() != B.Binaries.size() || A.Stacks.size() != B.Stacks.size())
    return false;
  for (size_t I = 0; I < A.Binaries.size(); ++I) {
    const BinaryProfile &X = A.Binaries[I], &Y = B.Binaries[I];
    if (X.key() != Y.key() || X.Space != Y.Space || X.IsKernel != Y.IsKernel ||
        X.Samples.size() != Y.Samples.size() || X.Functions.size() != Y.Functions.size())
      return false;
    for (size_t J = 0; J < X.Samples.size(); ++J)
      if (X.Samples[J].Addr != Y.Samples[J].Addr || X.Samples[J].Count != Y.Samples[J].Count)
        return false;
    for (size_t J = 0; J < X.Functions.size(); ++J)
      if (X.Functions[J].Name != Y.Functions[J].Name ||
          X.Functions[J].Self != Y.Functions[J].Self ||
          X.Functions[J].Total != Y.Functions[J].Total)
        return false;
  }
  for (size_t I = 0; I < A.Stacks.size(); ++I)
    if (A.Stacks[I].Frames != B.Stacks[I].Frames || A.Stacks[I].Count != B.Stacks[I].Count)
      return false;
  return A.Meta.TotalSamples == B.Meta.TotalSamples &&
         A.Meta.UnmappedSamples == B.Meta.UnmappedSamples && A.Meta.Event == B.Meta.Event;
}

void check(llvm::StringRef Bytes) {
  ImportOptions Opts;
  Opts.MaxMemory = 64 << 20;
  ImportSummary Sum;
  llvm::Expected<Profile> P = importPprofBytes(Bytes, "fuzz.pb", Opts, Sum);
  if (!P) {
    llvm::consumeError(P.takeError());
    return;
  }
  // 1. Leaves are counted once.
  uint64_t Ip = P->Meta.UnmappedSamples;
  bool Saturated = false;
  for (const BinaryProfile &B : P->Binaries)
    for (const AddrCount &S : B.Samples)
      Ip = llvm::SaturatingAdd(Ip, S.Count, &Saturated);
  fuzzCheck(Saturated || Ip <= P->Meta.TotalSamples,
            "IP samples exceed the profile's total");
  // 3. Frames name binaries of the profile.
  for (const StackCount &S : P->Stacks)
    for (const Frame &F : S.Frames)
      fuzzCheck(F.Binary == Frame::kNoBinary || F.Binary < P->Binaries.size(),
                "a stack frame names a binary the profile does not have");
  // 2. Round trip through .pgoprof.
  llvm::Expected<std::string> Out = serializeProfile(*P);
  fuzzCheck(bool(Out), "serializeProfile failed on an imported pprof: " +
                           (Out ? "" : llvm::toString(Out.takeError())));
  llvm::Expected<Profile> Back = parseProfile(*Out, "round-trip");
  fuzzCheck(bool(Back), "the written profile does not read back: " +
                            (Back ? "" : llvm::toString(Back.takeError())));
  fuzzCheck(sameProfile(*P, *Back), "the re-read profile differs");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  google::protobuf::SetLogHandler(nullptr); // invalid UTF-8 in strings is logged
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  llvm::StringRef Bytes(reinterpret_cast<const char *>(Data), Size);
  (void)isPprof(Bytes.take_front(4096));
  check(Bytes);
  check(gzip(Bytes));
  return 0;
}
