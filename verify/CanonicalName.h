// verify/CanonicalName.h: one name per function across builds.
//
// Before and after a release the same source function carries different
// symbol names: PGO and LTO clone and rename it (`.llvm.NNN` promoted locals,
// `.__uniq.NNN` internal linkage names, GCC's `.part.N`, `.isra.N`,
// `.constprop.N`), hot/cold splitting moves part of it into `f.cold` or
// `f.cold.N`, and BOLT's split fragments are `f.cold.N` / `f.warm` and its
// local-symbol disambiguation `f/N` or `f/file.c/N`. canonicalFunctionName()
// folds every such suffix (repeatedly: `f.isra.0.constprop.1.cold` is `f`) and
// then demangles (llvm::demangle), so `_ZL3foov.llvm.42` and `_ZL3foov.cold`
// are both `foo()`. Suffixes are stripped from the mangled name first, so the
// demangler never sees them; a name that is not mangled is returned folded.
#pragma once

#include "llvm/ADT/StringRef.h"

#include <string>

namespace pgoctl::verify {

/// The symbol name with compiler and tool suffixes removed (still mangled).
llvm::StringRef foldSuffixes(llvm::StringRef Name);

/// foldSuffixes() then llvm::demangle(); a name demangled already, with its
/// suffixes printed by the demangler (`f(int) (.cold.0)`), folds to `f(int)`.
std::string canonicalFunctionName(llvm::StringRef Name);

} // namespace pgoctl::verify
