// verify/CanonicalName.cpp: suffix folding and demangling (see CanonicalName.h).
//
// The fold works from the right on dot-separated components. A trailing
// component is dropped when it is a known suffix word (`cold`, `warm`, `part`,
// `isra`, `constprop`, `llvm`, `__uniq`, `lto_priv`, `localalias`,
// `specialized`, `cold_N` style variants), or a number that follows such a
// word (`.cold.3`, `.llvm.123456`). A number after anything else is kept:
// `foo.1` is a real name in C (static locals get `foo.1` in GCC, but only for
// variables, never functions). BOLT's `/N` and `/file/N` disambiguation of
// local symbols is cut at the first '/' of a name that is not mangled C++
// (mangled names never contain '/').
#include "verify/CanonicalName.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Demangle/Demangle.h"

namespace pgoctl::verify {

static bool isNumber(llvm::StringRef S) {
  return !S.empty() && llvm::all_of(S, [](char C) { return llvm::isDigit(C); });
}

static bool isSuffixWord(llvm::StringRef S) {
  return S == "cold" || S == "warm" || S == "part" || S == "isra" || S == "constprop" ||
         S == "llvm" || S == "__uniq" || S == "lto_priv" || S == "localalias" ||
         S == "specialized" || S == "clone" || S == "__part";
}

llvm::StringRef foldSuffixes(llvm::StringRef Name) {
  // BOLT: "name/1" or "name/file.c/1" for local symbols of equal name.
  if (size_t Slash = Name.find('/'); Slash != llvm::StringRef::npos && Slash > 0)
    Name = Name.take_front(Slash);
  for (;;) {
    size_t Dot = Name.rfind('.');
    if (Dot == llvm::StringRef::npos || Dot == 0)
      return Name;
    llvm::StringRef Last = Name.drop_front(Dot + 1);
    llvm::StringRef Head = Name.take_front(Dot);
    if (isSuffixWord(Last)) {
      Name = Head;
      continue;
    }
    if (isNumber(Last)) {
      size_t Dot2 = Head.rfind('.');
      if (Dot2 != llvm::StringRef::npos && Dot2 > 0 && isSuffixWord(Head.drop_front(Dot2 + 1))) {
        Name = Head.take_front(Dot2);
        continue;
      }
    }
    return Name;
  }
}

std::string canonicalFunctionName(llvm::StringRef Name) {
  llvm::StringRef Folded = foldSuffixes(Name);
  return llvm::demangle(Folded);
}

} // namespace pgoctl::verify
