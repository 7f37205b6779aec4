// convert/sample/ProfDataSummary.cpp: see ProfDataSummary.h.
#include "convert/sample/ProfDataSummary.h"

#include "core/Support.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/ProfileData/InstrProfReader.h"
#include "llvm/ProfileData/ProfileCommon.h"
#include "llvm/ProfileData/SampleProfReader.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/VirtualFileSystem.h"

#include <algorithm>

namespace pgoctl::convert {

llvm::Expected<uint32_t> parseCutoffPercent(llvm::StringRef Text) {
  llvm::StringRef T = Text.trim();
  auto [Whole, Frac] = T.split('.');
  bool Digits = !Whole.empty() && llvm::all_of(Whole, llvm::isDigit) &&
                llvm::all_of(Frac, llvm::isDigit) && (Frac.size() > 0 || !T.ends_with("."));
  if (!Digits || Whole.size() > 3)
    return makeError("cutoff `{0}`: expected a percentage such as 99 or 99.7", Text);
  if (Frac.size() > 4)
    return makeError("cutoff `{0}`: at most four decimals (LLVM's summary counts in parts per "
                     "million)",
                     Text);
  uint64_t W = 0, F = 0;
  Whole.getAsInteger(10, W);
  if (!Frac.empty())
    Frac.getAsInteger(10, F);
  for (size_t I = Frac.size(); I < 4; ++I)
    F *= 10;
  uint64_t Ppm = W * 10000 + F;
  if (Ppm == 0 || Ppm >= 1000000)
    return makeError("cutoff `{0}`: must be above 0 and below 100", Text);
  return static_cast<uint32_t>(Ppm);
}

std::string formatCutoffPercent(uint32_t Cutoff) {
  std::string S = std::to_string(Cutoff / 10000);
  uint32_t Frac = Cutoff % 10000;
  if (Frac) {
    std::string D = std::to_string(Frac);
    D.insert(0, 4 - D.size(), '0');
    while (D.back() == '0')
      D.pop_back();
    S += "." + D;
  }
  return S;
}

llvm::Expected<SampleSummary> sampleProfileSummary(llvm::StringRef Path,
                                                   llvm::ArrayRef<uint32_t> Cutoffs) {
  std::vector<uint32_t> Sorted(Cutoffs.begin(), Cutoffs.end());
  std::sort(Sorted.begin(), Sorted.end());
  Sorted.erase(std::unique(Sorted.begin(), Sorted.end()), Sorted.end());
  for (uint32_t C : Sorted)
    if (C == 0 || C >= 1000000)
      return makeError("{0}: cutoff {1} parts per million is not in (0, 1000000)", Path, C);

  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> Buf =
      llvm::MemoryBuffer::getFile(Path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!Buf)
    return makeError("{0}: cannot read: {1}", Path, Buf.getError().message());
  if (llvm::IndexedInstrProfReader::hasFormat(**Buf))
    return makeError("{0}: an instrumentation profile (-fprofile-use), not a sample profile; "
                     "the summary is for .profdata from `pgoctl convert --to profdata`",
                     Path);

  llvm::LLVMContext Ctx;
  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> FS = llvm::vfs::getRealFileSystem();
  std::unique_ptr<llvm::MemoryBuffer> Owned = std::move(*Buf);
  auto Reader = llvm::sampleprof::SampleProfileReader::create(Owned, Ctx, *FS);
  if (!Reader)
    return makeError("{0}: not a sample profile LLVM can read: {1}", Path,
                     Reader.getError().message());
  if (std::error_code EC = (*Reader)->read())
    return makeError("{0}: malformed sample profile: {1}", Path, EC.message());

  return summarizeSampleProfiles((*Reader)->getProfiles(), Sorted);
}

SampleSummary summarizeSampleProfiles(const llvm::sampleprof::SampleProfileMap &Profiles,
                                      llvm::ArrayRef<uint32_t> Cutoffs) {
  std::vector<uint32_t> Sorted(Cutoffs.begin(), Cutoffs.end());
  std::sort(Sorted.begin(), Sorted.end());
  Sorted.erase(std::unique(Sorted.begin(), Sorted.end()), Sorted.end());
  llvm::SampleProfileSummaryBuilder Builder(Sorted);
  std::unique_ptr<llvm::ProfileSummary> PS = Builder.computeSummaryForProfiles(Profiles);
  SampleSummary Out;
  Out.TotalCount = PS->getTotalCount();
  Out.MaxCount = PS->getMaxCount();
  Out.NumCounts = PS->getNumCounts();
  Out.NumFunctions = PS->getNumFunctions();
  for (const llvm::ProfileSummaryEntry &E : PS->getDetailedSummary())
    Out.Entries.push_back({E.Cutoff, E.MinCount, E.NumCounts});
  return Out;
}

} // namespace pgoctl::convert
