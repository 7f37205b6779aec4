// collect/PerfScriptText.h: `perf script` text as an input.
//
// Reads what `perf script -F ip[,brstack] --show-mmap-events` prints, with or
// without a pid (`-F pid,ip,...` or `-F pid,tid,ip,...`), and with
// `--show-task-events` (COMM exec, FORK) if present, and feeds the same
// PerfVisitor callbacks as the binary reader, so an import of the text and of
// its perf.data give the same profile. The text carries no timestamps; lines
// are in perf's time order, so their order is the time order. Call chains
// (perf prints them map-relative, which the text cannot undo) are refused with
// a hint to use -G or to import the perf.data itself.
#pragma once

#include "collect/PerfReader.h"

namespace pgoctl::perf {

/// True if Bytes looks like perf script text (and not binary perf.data).
bool looksLikePerfScript(llvm::StringRef Bytes);

llvm::Error readPerfScriptText(llvm::StringRef Path, PerfVisitor &Visitor,
                               PerfHeader &Header, ReadStats &Stats);
/// The same from an input opened once (core/Input.h): a file, or a pipe or
/// FIFO streamed a line at a time.
llvm::Error readPerfScriptText(InputFile &In, PerfVisitor &Visitor, PerfHeader &Header,
                               ReadStats &Stats);

} // namespace pgoctl::perf
