// core/FileKind.cpp: see FileKind.h.
#include "core/FileKind.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ProfileData/InstrProfReader.h"
#include "llvm/ProfileData/SampleProfReader.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdio>

namespace pgoctl {

namespace {

// llvm-profdata --text writes a header flag (":ir", ":fe", ":csir", ...) as
// the first line that is not a comment; a front-end text profile without one
// is not recognized (merge --instr --any-format passes it to LLVM anyway).
bool isFlaggedInstrText(const llvm::MemoryBuffer &B) {
  if (!llvm::TextInstrProfReader::hasFormat(B))
    return false;
  llvm::StringRef Rest = B.getBuffer();
  while (!Rest.empty()) {
    auto [Line, Next] = Rest.split('\n');
    Line = Line.trim();
    if (!Line.empty() && !Line.starts_with("#"))
      return Line.starts_with(":") && Line.size() > 1 && llvm::isAlpha(Line[1]);
    Rest = Next;
  }
  return false;
}

} // namespace

FileKind sniffFileKind(llvm::MemoryBufferRef Head) {
  // A copy: LLVM's line iterator (the text checks) wants a NUL at the end.
  std::unique_ptr<llvm::MemoryBuffer> B =
      llvm::MemoryBuffer::getMemBufferCopy(Head.getBuffer(), Head.getBufferIdentifier());
  llvm::StringRef S = B->getBuffer();
  if (llvm::IndexedInstrProfReader::hasFormat(*B))
    return FileKind::InstrProfdata;
  if (llvm::RawInstrProfReader64::hasFormat(*B) || llvm::RawInstrProfReader32::hasFormat(*B))
    return FileKind::InstrProfraw;
  if (llvm::sampleprof::SampleProfileReaderRawBinary::hasFormat(*B) ||
      llvm::sampleprof::SampleProfileReaderExtBinary::hasFormat(*B))
    return FileKind::Profdata;
  if (S.starts_with("no_lbr") || S.starts_with("boltedcollection") ||
      (S.size() >= 2 && S[0] >= '0' && S[0] <= '9' && S[1] == ' '))
    return FileKind::Fdata;
  if (S.starts_with("---")) {
    llvm::StringRef Rest = S.drop_front(3).ltrim(" \t\r");
    if (Rest.consume_front("\n") && Rest.starts_with("header:"))
      return FileKind::Yaml;
  }
  if (isFlaggedInstrText(*B))
    return FileKind::InstrText;
  if (llvm::sampleprof::SampleProfileReaderText::hasFormat(*B))
    return FileKind::Profdata;
  return FileKind::Unknown;
}

FileKind sniffFileKind(llvm::StringRef Path) {
  char Head[4096];
  size_t N = 0;
  if (FILE *F = fopen(Path.str().c_str(), "rb")) {
    N = fread(Head, 1, sizeof(Head), F);
    fclose(F);
  }
  if (N == 0)
    return FileKind::Unknown;
  return sniffFileKind(llvm::MemoryBufferRef(llvm::StringRef(Head, N), Path));
}

llvm::StringRef describe(FileKind K) {
  switch (K) {
  case FileKind::Profdata:
    return "a sample profile (profdata)";
  case FileKind::InstrProfdata:
    return "an indexed instrumentation profile (instr-profdata)";
  case FileKind::InstrProfraw:
    return "a raw instrumentation profile (.profraw: merge it with llvm-profdata merge first)";
  case FileKind::InstrText:
    return "an instrumentation profile in text form (merge it with llvm-profdata merge first)";
  case FileKind::Fdata:
    return "a BOLT .fdata profile (fdata)";
  case FileKind::Yaml:
    return "a BOLT YAML profile (yaml)";
  case FileKind::Unknown:
    break;
  }
  return "not a profile pgoctl knows";
}

} // namespace pgoctl
