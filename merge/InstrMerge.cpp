// merge/InstrMerge.cpp: merging instrumented profiles (.profraw, .profdata)
// into one indexed .profdata with LLVM's InstrProfReader and InstrProfWriter.
//
// One reader at a time: each input is opened (the reader picks raw 32/64-bit,
// either byte order, or indexed), its profile kind checked against what was
// merged so far, and every record scaled by the input's weight and added to
// the writer. The writer's per-record complaints (counter mismatch, counter
// overflow) arrive through a callback and become warnings naming the file and
// the function, or an error under MismatchPolicy::Error. The merged profile is
// serialized in memory and written with writeFileAtomic, only when every input
// was read. See InstrMerge.h for the rules.
#include "merge/InstrMerge.h"
#include "core/Warn.h"

#include "core/FileKind.h"
#include "core/Support.h"

#include "llvm/ProfileData/InstrProf.h"
#include "llvm/ProfileData/InstrProfReader.h"
#include "llvm/ProfileData/InstrProfWriter.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <optional>

namespace pgoctl {

InstrProfFormat detectInstrProfile(llvm::StringRef Path) {
  switch (sniffFileKind(Path)) {
  case FileKind::InstrProfdata:
    return InstrProfFormat::Indexed;
  case FileKind::InstrProfraw:
    return InstrProfFormat::Raw;
  case FileKind::InstrText:
    return InstrProfFormat::Text;
  default:
    return InstrProfFormat::None;
  }
}

llvm::StringRef formatName(InstrProfFormat F) {
  switch (F) {
  case InstrProfFormat::Raw:
    return "raw";
  case InstrProfFormat::Indexed:
    return "indexed";
  case InstrProfFormat::Text:
    return "text";
  case InstrProfFormat::None:
    break;
  }
  return "none";
}

namespace {

using llvm::InstrProfKind;

bool has(InstrProfKind K, InstrProfKind Bit) { return static_cast<bool>(K & Bit); }

std::string levelName(bool IR) {
  return IR ? "IR (-fprofile-generate)" : "front-end (-fprofile-instr-generate)";
}

/// The profile kind in words, for the summary and for kind-mismatch errors.
std::string kindName(InstrProfKind K) {
  std::string S = has(K, InstrProfKind::FrontendInstrumentation) ? levelName(false)
                  : has(K, InstrProfKind::IRInstrumentation)     ? levelName(true)
                                                                 : "unknown";
  if (has(K, InstrProfKind::ContextSensitive))
    S += ", context-sensitive";
  if (has(K, InstrProfKind::FunctionEntryOnly))
    S += ", function entry only";
  if (has(K, InstrProfKind::SingleByteCoverage))
    S += ", single-byte coverage";
  if (has(K, InstrProfKind::TemporalProfile))
    S += ", temporal";
  return S;
}

/// An InstrProfError's message as `Path: message` (other errors unchanged but
/// for the prefix).
llvm::Error fileError(llvm::StringRef Path, llvm::Error E) {
  return makeError("{0}: {1}", Path, llvm::toString(std::move(E)));
}

bool isMismatch(llvm::instrprof_error C) {
  return C == llvm::instrprof_error::count_mismatch ||
         C == llvm::instrprof_error::hash_mismatch ||
         C == llvm::instrprof_error::bitmap_mismatch ||
         C == llvm::instrprof_error::value_site_count_mismatch;
}

/// Collects what the writer reports while one input's records are added.
struct RecordIssues {
  static constexpr uint64_t MaxShown = 20; ///< mismatch warnings per input

  const InstrMergeOptions &Opts;
  InstrMergeSummary &Sum;
  llvm::StringRef Path;
  bool Failed = false;
  std::string FirstMismatch;
  uint64_t Mismatches = 0;

  void report(llvm::StringRef Func, llvm::Error E) {
    auto [Code, Msg] = llvm::InstrProfError::take(std::move(E));
    std::string Text = llvm::formatv("{0}: {1}: {2}", Path, Func,
                                     llvm::InstrProfError(Code, Msg).message())
                           .str();
    if (isMismatch(Code)) {
      ++Sum.MismatchedRecords;
      if (FirstMismatch.empty())
        FirstMismatch = Text;
      if (Opts.OnMismatch == InstrMergeOptions::MismatchPolicy::Error) {
        Failed = true;
        return;
      }
      if (++Mismatches > MaxShown)
        return;
      // The writer drops the whole record on a counter or bitmap mismatch,
      // only its value profile on a value-site mismatch.
      Text += Code == llvm::instrprof_error::value_site_count_mismatch
                  ? " (its value profile skipped"
                  : " (record skipped";
      Text += "; are the inputs from different builds?)";
    }
    warnTo(Opts.Warn, Text);
  }

  void finish() {
    if (Mismatches > MaxShown)
      warnTo(Opts.Warn, llvm::formatv("{0}: {1} more mismatched records skipped", Path,
                                      Mismatches - MaxShown)
                            .str());
  }
};

/// The merge so far.
struct MergeState {
  llvm::InstrProfWriter W;
  /// IR or front-end, and the first input that said so. The writer's own
  /// check (mergeProfileKind) lets an indexed front-end profile through, as
  /// its kind reads back Unknown; llvm-profdata merges such inputs silently.
  std::optional<bool> IRLevel;
  std::string IRLevelFrom;
  explicit MergeState(bool Sparse) : W(Sparse) {}
};

/// Reads one input and adds it to the merge.
llvm::Error addInput(const WeightedPath &In, const InstrMergeOptions &Opts, MergeState &M,
                     InstrMergeSummary &Sum) {
  llvm::InstrProfWriter &W = M.W;
  InstrMergeSummary::Input &Row = Sum.Inputs.emplace_back();
  Row.Path = In.Path;
  Row.Weight = In.Weight;
  Row.Format = detectInstrProfile(In.Path);
  if (Row.Format == InstrProfFormat::None) {
    uint64_t Size = 0;
    if (std::error_code EC = llvm::sys::fs::file_size(In.Path, Size))
      return makeError("{0}: {1}", In.Path, EC.message());
    if (Size == 0) { // what a crashed instrumented run may leave; llvm-profdata skips it
      Row.Skipped = true;
      warnTo(Opts.Warn, llvm::formatv("{0}: empty file, skipped", In.Path).str());
      return llvm::Error::success();
    }
    // With AnyFormat LLVM's reader is the judge (a front-end text profile,
    // or its error).
    if (!Opts.AnyFormat)
      return makeError("{0}: not an instrumented profile (no .profraw, indexed .profdata or "
                       "text profile header); sample and instrumented profiles do not mix",
                       In.Path);
  }

  // The reader's own non-fatal complaints: the first one per file.
  std::string ReaderWarning;
  auto Warn = [&](llvm::Error E) {
    std::string Msg = llvm::toString(std::move(E));
    if (ReaderWarning.empty())
      ReaderWarning = std::move(Msg);
  };
  auto FS = llvm::vfs::getRealFileSystem();
  auto ReaderOr = llvm::InstrProfReader::create(In.Path, *FS, /*Correlator=*/nullptr,
                                                /*BIDFetcher=*/nullptr,
                                                llvm::InstrProfCorrelator::NONE, Warn);
  if (!ReaderOr) {
    auto [Code, Msg] = llvm::InstrProfError::take(ReaderOr.takeError());
    if (Code == llvm::instrprof_error::empty_raw_profile) {
      Row.Skipped = true;
      warnTo(Opts.Warn, llvm::formatv("{0}: empty raw profile, skipped", In.Path).str());
      return llvm::Error::success();
    }
    return makeError("{0}: {1}", In.Path,
                     llvm::InstrProfError(Code, Msg).message());
  }
  std::unique_ptr<llvm::InstrProfReader> Reader = std::move(*ReaderOr);
  if (Row.Format == InstrProfFormat::None) // raw and indexed have a magic
    Row.Format = InstrProfFormat::Text;

  bool IR = Reader->isIRLevelProfile();
  if (!M.IRLevel) {
    M.IRLevel = IR;
    M.IRLevelFrom = In.Path;
  } else if (*M.IRLevel != IR) {
    return makeError("{0}: a {1} profile cannot be merged with the {2} profile {3}", In.Path,
                     levelName(IR), levelName(*M.IRLevel), M.IRLevelFrom);
  }

  InstrProfKind Before = W.getProfileKind();
  if (llvm::Error E = W.mergeProfileKind(Reader->getProfileKind())) {
    std::string Why = llvm::toString(std::move(E));
    return makeError("{0}: a {1} profile cannot be merged with the {2} profiles before it ({3})",
                     In.Path, kindName(Reader->getProfileKind()), kindName(Before), Why);
  }

  RecordIssues Issues{Opts, Sum, In.Path, false, {}, 0};
  for (llvm::NamedInstrProfRecord &R : *Reader) {
    ++Row.Records;
    std::string Func = R.Name.str();
    // Scale first, then add with weight 1: the writer's weighted merge leaves
    // a value-profile target that is new to a function unweighted (LLVM 22),
    // so llvm-profdata's result then depends on input order and threads.
    if (In.Weight > 1)
      R.scale(In.Weight, 1, [&](llvm::instrprof_error C) {
        Issues.report(Func, llvm::make_error<llvm::InstrProfError>(C));
      });
    W.addRecord(std::move(R), 1, [&](llvm::Error E) { Issues.report(Func, std::move(E)); });
  }
  Issues.finish();
  if (Reader->hasError())
    return fileError(In.Path, Reader->getError());
  if (Issues.Failed)
    return makeError("{0} (--on-mismatch error: are the inputs from different builds?)",
                     Issues.FirstMismatch);

  if (Reader->hasTemporalProfile()) {
    auto &Traces = Reader->getTemporalProfTraces(In.Weight);
    if (!Traces.empty())
      W.addTemporalProfileTraces(Traces, Reader->getTemporalProfTraceStreamSize());
  }
  std::vector<llvm::object::BuildID> Ids;
  if (llvm::Error E = Reader->readBinaryIds(Ids))
    return fileError(In.Path, std::move(E));
  W.addBinaryIds(Ids);
  if (Reader->hasMemoryProfile())
    warnTo(Opts.Warn,
           llvm::formatv("{0}: memory profile (memprof) data is not carried over", In.Path)
               .str());
  if (!ReaderWarning.empty())
    warnTo(Opts.Warn, llvm::formatv("{0}: {1}", In.Path, ReaderWarning).str());
  return llvm::Error::success();
}

} // namespace

llvm::Error mergeInstrProfiles(llvm::ArrayRef<WeightedPath> Inputs,
                               const InstrMergeOptions &Opts, llvm::StringRef OutPath,
                               InstrMergeSummary &Sum) {
  if (Inputs.empty())
    return makeError("no input profiles");
  for (const WeightedPath &In : Inputs)
    if (In.Weight == 0)
      return makeError("{0}: weight must be >= 1", In.Path);

  MergeState M(Opts.Sparse);
  llvm::InstrProfWriter &W = M.W;
  for (const WeightedPath &In : Inputs)
    if (llvm::Error E = addInput(In, Opts, M, Sum))
      return E;
  if (llvm::all_of(Sum.Inputs, [](const auto &R) { return R.Skipped; }))
    return makeError("no profile to merge: every input is an empty raw profile");
  InstrProfKind K = W.getProfileKind();
  if (M.IRLevel && !*M.IRLevel) // an indexed front-end profile reads back Unknown
    K |= InstrProfKind::FrontendInstrumentation;
  Sum.Kind = kindName(K);

  std::string Bytes;
  llvm::raw_string_ostream OS(Bytes);
  if (llvm::Error E = W.write(OS))
    return makeError("{0}: {1}", OutPath, llvm::toString(std::move(E)));
  // Read the result back: the function count is what a consumer will see
  // (--sparse drops records), and a profile LLVM cannot read is not written.
  auto Back = llvm::IndexedInstrProfReader::create(
      llvm::MemoryBuffer::getMemBuffer(Bytes, OutPath, /*RequiresNullTerminator=*/false));
  if (!Back)
    return makeError("{0}: the merged profile does not read back: {1}", OutPath,
                     llvm::toString(Back.takeError()));
  for (const llvm::NamedInstrProfRecord &R : **Back) {
    (void)R;
    ++Sum.Functions;
  }
  if ((*Back)->hasError())
    return makeError("{0}: the merged profile does not read back: {1}", OutPath,
                     llvm::toString((*Back)->getError()));
  return writeFileAtomic(OutPath, Bytes);
}

} // namespace pgoctl
