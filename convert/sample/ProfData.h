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

#include "llvm/ProfileData/SampleProf.h"

#include <memory>

namespace pgoctl::convert {

/// A sample profile in memory; its function names live in Syms.
struct SampleMap {
  llvm::sampleprof::SampleProfileMap Map;
  bool FSDiscriminators = false;
  std::vector<std::unique_ptr<Symbolizer>> Syms;
};

/// The sample profile of P's given binaries: each binary symbolized and
/// turned into a map of its own (llvm-profgen's maximum over the
/// instructions of a source location holds within one binary), then the
/// maps summed as `llvm-profdata merge` sums them. So several builds of one
/// source merge at source level, and a function two binaries define counts
/// the samples of both.
llvm::Expected<SampleMap> buildSampleMap(const Profile &P, llvm::ArrayRef<BinaryMatch> Binaries,
                                         const ProfDataOptions &Opts, ConvertSummary &Sum);

/// The bytes of M as Opts says (text or extbinary); Name is for messages.
llvm::Expected<std::string> serializeSampleMap(SampleMap &M, const ProfDataOptions &Opts,
                                               llvm::StringRef Name, ConvertSummary &Sum);

/// checkAttribution, serializeSampleMap, written atomically (for a caller
/// that keeps the map, e.g. for convert's quality figures).
llvm::Error writeSampleMap(SampleMap &M, const ProfDataOptions &Opts, llvm::StringRef OutPath,
                           ConvertSummary &Sum);

/// buildSampleMap, then writeSampleMap.
llvm::Error writeProfData(const Profile &P, llvm::ArrayRef<BinaryMatch> Binaries,
                          const ProfDataOptions &Opts, llvm::StringRef OutPath,
                          ConvertSummary &Sum);

llvm::Error writeUnsymbolized(const Profile &P, const BinaryMatch &B,
                              llvm::raw_ostream &OS, ConvertSummary &Sum);

} // namespace pgoctl::convert
