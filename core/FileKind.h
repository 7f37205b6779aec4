// core/FileKind.h: what kind of toolchain profile a file is, from its first
// bytes (LLVM's own format checks for .profdata and .profraw; BOLT's .fdata
// and YAML by their first line). The one detector behind `pgoctl lock` (a
// lock's kind must match its file) and `pgoctl merge --instr` (which inputs
// are instrumented profiles).
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBufferRef.h"

namespace pgoctl {

enum class FileKind {
  Unknown,
  Profdata,      ///< sample profile: binary, extbinary or text
  InstrProfdata, ///< indexed instrumentation profile (llvm-profdata merge)
  InstrProfraw,  ///< raw instrumentation profile (.profraw, any width or byte order)
  InstrText,     ///< llvm-profdata --text, told by its header flag (":ir", ":fe", ...)
  Fdata,         ///< BOLT .fdata (LBR or no_lbr)
  Yaml,          ///< BOLT YAML profile
};

/// Head: the file's first bytes (4 KiB is enough for every kind).
FileKind sniffFileKind(llvm::MemoryBufferRef Head);
/// Reads the first 4 KiB of Path; Unknown when it cannot be read (the reader
/// that opens it next says why).
FileKind sniffFileKind(llvm::StringRef Path);

/// "a sample profile (profdata)", ...: for messages.
llvm::StringRef describe(FileKind K);

} // namespace pgoctl
