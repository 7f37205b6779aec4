// tests/fuzz/pgoprof_fuzzer.cpp: libFuzzer target for the .pgoprof reader,
// and round-trip properties of what it accepts.
//
// For every input parseProfile() accepts (P):
//   1. canonicalize() is idempotent, and folding equal keys never wraps a
//      count below one of its parts (counts saturate);
//   2. serializeProfile(P) succeeds, and parsing those bytes gives the
//      canonical P again, field for field;
//   3. mergeProfiles({P, 1, "a"}, {P, 3, "b"}) (saturating) round-trips the
//      same way, and gives the same bytes in the other input order and when
//      the first input is merged on its own first (merge's documented
//      associativity and commutativity).
// Each input is read twice: as a .pgoprof file, and as the protobuf body of
// one (wrapped here in the header and a zstd frame), so that mutations reach
// the profile decoding and the properties without having to get past the
// zstd frame first. A broken property aborts with what differs
// (FuzzSupport.h); errors from the reader are the expected outcome for junk.
// Seeds are `pgoctl import` outputs of the real fixtures and their protobuf
// bodies (make_seeds.py).
#include "FuzzSupport.h"

#include "core/ProfileFormat.h"
#include "merge/Merge.h"

#include "llvm/Support/FormatVariadic.h"

#include <google/protobuf/stubs/logging.h>
#include <zstd.h>

#include <algorithm>

using namespace pgoctl;
using pgoctl::fuzz::fuzzCheck;

namespace {

/// The first difference between A and B, or "" when they are equal.
std::string firstDifference(const Profile &A, const Profile &B) {
  const ProfileMetadata &MA = A.Meta, &MB = B.Meta;
  if (MA.Event != MB.Event || MA.SamplePeriod != MB.SamplePeriod ||
      MA.SampleFreq != MB.SampleFreq || MA.Mode != MB.Mode ||
      MA.TimeStartNs != MB.TimeStartNs || MA.TimeEndNs != MB.TimeEndNs ||
      MA.Labels != MB.Labels || MA.ToolVersion != MB.ToolVersion ||
      MA.TotalSamples != MB.TotalSamples || MA.LostSamples != MB.LostSamples ||
      MA.UnmappedSamples != MB.UnmappedSamples)
    return "metadata";
  if (MA.Inputs != MB.Inputs)
    return "provenance";
  if (A.Binaries.size() != B.Binaries.size())
    return llvm::formatv("{0} binaries against {1}", A.Binaries.size(), B.Binaries.size());
  for (size_t I = 0; I < A.Binaries.size(); ++I) {
    const BinaryProfile &X = A.Binaries[I], &Y = B.Binaries[I];
    auto Where = [&](const char *What) {
      return llvm::formatv("binary {0} ({1}): {2}", I, X.key(), What).str();
    };
    if (X.BuildId != Y.BuildId || X.Path != Y.Path || X.IsKernel != Y.IsKernel ||
        X.Space != Y.Space)
      return Where("identity");
    if (X.Segments != Y.Segments)
      return Where("segments");
    if (!std::equal(X.Branches.begin(), X.Branches.end(), Y.Branches.begin(), Y.Branches.end(),
                    [](const BranchCount &L, const BranchCount &R) {
                      return L.From == R.From && L.To == R.To && L.Count == R.Count &&
                             L.Mispreds == R.Mispreds;
                    }))
      return Where("branches");
    if (!std::equal(X.Ranges.begin(), X.Ranges.end(), Y.Ranges.begin(), Y.Ranges.end(),
                    [](const RangeCount &L, const RangeCount &R) {
                      return L.Begin == R.Begin && L.End == R.End && L.Count == R.Count;
                    }))
      return Where("ranges");
    if (!std::equal(X.Traces.begin(), X.Traces.end(), Y.Traces.begin(), Y.Traces.end(),
                    [](const TraceCount &L, const TraceCount &R) {
                      return L.Branch == R.Branch && L.Begin == R.Begin && L.End == R.End &&
                             L.Count == R.Count;
                    }))
      return Where("traces");
    if (!std::equal(X.Samples.begin(), X.Samples.end(), Y.Samples.begin(), Y.Samples.end(),
                    [](const AddrCount &L, const AddrCount &R) {
                      return L.Addr == R.Addr && L.Count == R.Count;
                    }))
      return Where("ip samples");
  }
  if (!std::equal(A.Stacks.begin(), A.Stacks.end(), B.Stacks.begin(), B.Stacks.end(),
                  [](const StackCount &L, const StackCount &R) {
                    return L.Frames == R.Frames && L.Count == R.Count;
                  }))
    return "stacks";
  return "";
}

/// The largest count of any one entry: folding equal keys must not make
/// the profile's largest count smaller (a wrapped sum would).
uint64_t maxCount(const Profile &P) {
  uint64_t M = 0;
  for (const BinaryProfile &B : P.Binaries) {
    for (const BranchCount &X : B.Branches)
      M = std::max({M, X.Count, X.Mispreds});
    for (const RangeCount &X : B.Ranges)
      M = std::max(M, X.Count);
    for (const TraceCount &X : B.Traces)
      M = std::max(M, X.Count);
    for (const AddrCount &X : B.Samples)
      M = std::max(M, X.Count);
  }
  for (const StackCount &S : P.Stacks)
    M = std::max(M, S.Count);
  return M;
}

/// Serializes P, parses the bytes back, and checks it is P (canonical).
std::string roundTrip(const Profile &P, const char *What) {
  llvm::Expected<std::string> Bytes = serializeProfile(P);
  fuzzCheck(bool(Bytes), std::string(What) + ": serializeProfile failed on a profile " +
                             "the reader accepted: " +
                             (Bytes ? "" : llvm::toString(Bytes.takeError())));
  llvm::Expected<Profile> Back = parseProfile(*Bytes, "round-trip");
  fuzzCheck(bool(Back), std::string(What) + ": the written bytes do not read back: " +
                            (Back ? "" : llvm::toString(Back.takeError())));
  Profile C = P;
  C.canonicalize();
  std::string Diff = firstDifference(C, *Back);
  fuzzCheck(Diff.empty(), std::string(What) + ": re-read profile differs: " + Diff);
  return *Bytes;
}

/// The bytes of the saturating merge of In; What names the property checked.
std::string mergedBytes(llvm::ArrayRef<WeightedProfile> In, const char *What) {
  MergeOptions MO;
  MO.Overflow = OverflowPolicy::Saturate;
  llvm::Expected<Profile> M = mergeProfiles(In, MO);
  fuzzCheck(bool(M), std::string(What) + ": merge failed: " +
                         (M ? "" : llvm::toString(M.takeError())));
  llvm::Expected<std::string> Bytes = serializeProfile(*M);
  fuzzCheck(bool(Bytes), std::string(What) + ": serializeProfile failed: " +
                             (Bytes ? "" : llvm::toString(Bytes.takeError())));
  return *Bytes;
}

void checkProfile(llvm::StringRef Bytes) {
  llvm::Expected<Profile> P = parseProfile(Bytes, "fuzz.pgoprof");
  if (!P) {
    llvm::consumeError(P.takeError());
    return;
  }
  // 1. canonicalize: idempotent, and no count wraps.
  Profile C = *P;
  C.canonicalize();
  Profile C2 = C;
  C2.canonicalize();
  std::string Diff = firstDifference(C, C2);
  fuzzCheck(Diff.empty(), "canonicalize is not idempotent: " + Diff);
  fuzzCheck(maxCount(C) >= maxCount(*P), "canonicalize wrapped a count");

  // 2. What the writer writes reads back as the same profile.
  roundTrip(*P, "read profile");

  // 3. Merge: round trip, order and grouping.
  std::vector<WeightedProfile> In = {{*P, 1, "a.pgoprof"}, {*P, 3, "b.pgoprof"}};
  MergeOptions MO;
  MO.Overflow = OverflowPolicy::Saturate;
  llvm::Expected<Profile> M = mergeProfiles(In, MO);
  if (!M) {
    // Allowed: binaries that cannot be reconciled (address spaces).
    llvm::consumeError(M.takeError());
    return;
  }
  std::string MB = roundTrip(*M, "merged profile");
  fuzzCheck(mergedBytes({In[1], In[0]}, "reversed order") == MB,
            "merge depends on the input order");
  llvm::Expected<Profile> First = mergeProfiles({In[0]}, MO);
  fuzzCheck(bool(First), "merging one input failed where merging two succeeded: " +
                             (First ? "" : llvm::toString(First.takeError())));
  fuzzCheck(mergedBytes({{*First, 1, "a.pgoprof"}, In[1]}, "grouped") == MB,
            "merge depends on the grouping");
  // The default policy (overflow is an error) must not crash either.
  llvm::Expected<Profile> E = mergeProfiles(In, MergeOptions());
  if (!E)
    llvm::consumeError(E.takeError());
}

/// Bytes as the protobuf body of a .pgoprof (core/ProfileFormat.h's layout).
std::string wrapBody(llvm::StringRef Body) {
  std::string Out(kPgoprofMagic, sizeof(kPgoprofMagic));
  for (uint32_t Word : {kPgoprofVersion, uint32_t(0)})
    for (int I = 0; I < 4; ++I)
      Out.push_back(char(Word >> (8 * I)));
  size_t Header = Out.size();
  Out.resize(Header + ZSTD_compressBound(Body.size()));
  size_t N = ZSTD_compress(Out.data() + Header, Out.size() - Header, Body.data(), Body.size(), 1);
  fuzzCheck(!ZSTD_isError(N), "zstd compression failed");
  Out.resize(Header + N);
  return Out;
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  // protobuf logs each string field with invalid UTF-8 it parses; the reader
  // reports what matters as an error.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  llvm::StringRef Bytes(reinterpret_cast<const char *>(Data), Size);
  checkProfile(Bytes);
  checkProfile(wrapBody(Bytes));
  return 0;
}
