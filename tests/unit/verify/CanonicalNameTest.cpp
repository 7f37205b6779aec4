// Suffix folding and demangling: a table of symbol names as compilers and
// BOLT produce them, each with the name a person would expect.
#include "verify/CanonicalName.h"

#include "llvm/Demangle/Demangle.h"

#include <gtest/gtest.h>

using namespace pgoctl::verify;

TEST(CanonicalName, FoldTable) {
  struct Case {
    const char *In, *Out;
  } Cases[] = {
      {"main", "main"},
      {"foo.cold", "foo"},
      {"foo.cold.1", "foo"},
      {"foo.cold.12", "foo"},
      {"foo.warm", "foo"},
      {"foo.llvm.1234567890", "foo"},
      {"foo.__uniq.113735891638742213358935391826585131425", "foo"},
      {"foo.__uniq.1234.llvm.5678", "foo"},
      {"foo.part.0", "foo"},
      {"foo.isra.0", "foo"},
      {"foo.constprop.3", "foo"},
      {"foo.isra.0.constprop.1.cold", "foo"},
      {"foo.lto_priv.0", "foo"},
      {"foo.localalias", "foo"},
      {"foo.specialized.2", "foo"},
      {"foo/1", "foo"},          // BOLT: local symbols of equal name
      {"foo/file.c/2", "foo"},   // BOLT: with the file
      {"foo.cold.0/1", "foo"},
      {"foo.1", "foo.1"},         // a number after an ordinary name stays
      {"cold", "cold"},           // the whole name is never dropped
      {".cold", ".cold"},
      {"coldfoo.cold", "coldfoo"},
      {"_Z3fooi.cold", "_Z3fooi"},
      {"_ZL3barv.__uniq.42.llvm.7", "_ZL3barv"},
  };
  for (const Case &C : Cases)
    EXPECT_EQ(foldSuffixes(C.In).str(), C.Out) << C.In;
}

TEST(CanonicalName, DemanglesAfterFolding) {
  EXPECT_EQ(canonicalFunctionName("_Z3fooi"), "foo(int)");
  EXPECT_EQ(canonicalFunctionName("_Z3fooi.cold"), "foo(int)");
  EXPECT_EQ(canonicalFunctionName("_Z3fooi.cold.3"), "foo(int)");
  EXPECT_EQ(canonicalFunctionName("_ZL3barv.__uniq.42.llvm.7"), "bar()");
  EXPECT_EQ(canonicalFunctionName("_ZN2ns5Klass6methodEv.llvm.99"), "ns::Klass::method()");
  EXPECT_EQ(canonicalFunctionName("_ZN2ns5Klass6methodEv/1"), "ns::Klass::method()");
  EXPECT_EQ(canonicalFunctionName("hash_block.cold"), "hash_block");
  // Symbol tables hand out demangled names: the suffixes come after the
  // parameter list, as the demangler prints them.
  EXPECT_EQ(canonicalFunctionName("lookup(char const*, int) (.__uniq.3028819207215.cold.0)"),
            "lookup(char const*, int)");
  EXPECT_EQ(canonicalFunctionName(llvm::demangle("_ZL6lookupPKci.__uniq.302881.cold.0")),
            "lookup(char const*, int)");
  EXPECT_EQ(canonicalFunctionName("f(int) (.llvm.12)"), "f(int)");
  EXPECT_EQ(canonicalFunctionName("f(int) (.part.0.isra.1)"), "f(int)");
  EXPECT_EQ(canonicalFunctionName("f(int) (.weird)"), "f(int) (.weird)"); // unknown: kept
  // `operator/` is no BOLT disambiguation.
  EXPECT_EQ(canonicalFunctionName("operator/(V const&, V const&)"),
            "operator/(V const&, V const&)");
  EXPECT_EQ(canonicalFunctionName("_ZdvRK1VS1_"), "operator/(V const&, V const&)");
  // Overloads stay apart.
  EXPECT_NE(canonicalFunctionName("_Z3fooi"), canonicalFunctionName("_Z3fool"));
}
