// verify/CanonicalName.cpp: suffix folding and demangling (see CanonicalName.h).
//
// The fold works from the right on dot-separated components. A trailing
// component is dropped when it is a known suffix word (`cold`, `warm`, `part`,
// `isra`, `constprop`, `llvm`, `__uniq`, `lto_priv`, `localalias`,
// `specialized`, `cold_N` style variants), or a number that follows such a
// word (`.cold.3`, `.llvm.123456`). A number after anything else is kept:
// `foo.1` is a real name in C (static locals get `foo.1` in GCC, but only for
// variables, never functions). BOLT's `/N` and `/file/N` disambiguation of
// local symbols is cut at the first '/' when the name before it is a symbol
// and the name ends in a number. Names that arrive demangled (symbol tables
// demangle) carry the suffixes as the demangler prints them, after the
// parameter list: `f(int) (.__uniq.42.cold.0)`; they fold the same way.
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

/// BOLT's "name/1" or "name/file.c/1" for local symbols of equal name: the
/// head is a symbol (no parameter list, no space: `operator/(...)` is not
/// cut) and the last component a number.
static llvm::StringRef cutBoltDisambiguation(llvm::StringRef Name) {
  size_t Slash = Name.find('/');
  if (Slash == llvm::StringRef::npos || Slash == 0)
    return Name;
  llvm::StringRef Head = Name.take_front(Slash);
  if (Head.find_first_of("( ") != llvm::StringRef::npos ||
      !isNumber(Name.drop_front(Name.rfind('/') + 1)))
    return Name;
  return Head;
}

llvm::StringRef foldSuffixes(llvm::StringRef Name) {
  Name = cutBoltDisambiguation(Name);
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

/// A name as the demangler prints a mangled name with suffixes:
/// `f(int) (.__uniq.42.cold.0)` (symbol tables hand out demangled names).
/// The suffixes in the trailing parenthesis are folded as on the mangled
/// name; what is left of them (an unknown suffix) stays.
static std::string foldDemangledSuffixes(llvm::StringRef Name) {
  if (!Name.ends_with(")"))
    return Name.str();
  size_t Open = Name.rfind(" (.");
  if (Open == llvm::StringRef::npos || Open == 0)
    return Name.str();
  llvm::StringRef Suffix = Name.slice(Open + 2, Name.size() - 1); // ".__uniq.42.cold.0"
  if (Suffix.find_first_of("() ") != llvm::StringRef::npos)
    return Name.str();
  std::string Probe = "x" + Suffix.str();
  llvm::StringRef Left = foldSuffixes(Probe).drop_front(1);
  std::string Out = Name.take_front(Open).str();
  if (!Left.empty())
    Out += " (" + Left.str() + ")";
  return Out;
}

std::string canonicalFunctionName(llvm::StringRef Name) {
  return foldDemangledSuffixes(llvm::demangle(foldSuffixes(Name)));
}

} // namespace pgoctl::verify
