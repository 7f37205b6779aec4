// convert/sample/ProfData.h: clang sample-PGO profiles from a pgoctl profile.
//
// writeProfData() symbolizes each binary once (DWARF line tables and inline
// stacks through LLVM's DebugInfo; the ELF symbol table when there is no debug
// info) and builds LLVM FunctionSamples with llvm-profgen's attribution
// semantics for LBR profiles (a range's count given to every instruction in
// it; the maximum over the instructions of one source location; call targets
// from taken branches; head samples from calls into a function), or a
// documented estimator for IP-only profiles; then writes them with LLVM's
// SampleProfileWriter (text or extbinary, optional MD5 names and profile
// symbol list). writeUnsymbolized() writes the text `llvm-profgen
// --unsymbolized-profile` reads.
#pragma once

#include "convert/Convert.h"

namespace pgoctl::convert {

llvm::Error writeProfData(const Profile &P, llvm::ArrayRef<BinaryMatch> Binaries,
                          const ProfDataOptions &Opts, llvm::StringRef OutPath,
                          ConvertSummary &Sum);

llvm::Error writeUnsymbolized(const Profile &P, const BinaryMatch &B,
                              llvm::raw_ostream &OS, ConvertSummary &Sum);

} // namespace pgoctl::convert
