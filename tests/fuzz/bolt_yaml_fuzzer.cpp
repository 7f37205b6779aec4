// tests/fuzz/bolt_yaml_fuzzer.cpp: libFuzzer target for mergeBoltYaml
// (convert/bolt/Yaml.h), which reads BOLT YAML profiles of several builds
// from the store in a refresh.
//
// The input is one to four YAML profiles separated by lines "#--8<--" (a
// YAML comment, so a separator mutated away still leaves YAML). When the
// merge accepts them, its output must be accepted again as the only input
// and come back byte for byte (the output is canonical: ids renumbered,
// functions ordered). Any crash, sanitizer report or unstable output is a
// bug; errors are the expected outcome for junk.
#include "convert/bolt/Yaml.h"

#include "llvm/ADT/StringRef.h"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  llvm::StringRef Text(reinterpret_cast<const char *>(Data), Size);
  std::vector<std::string> Inputs;
  for (;;) {
    size_t Cut = Text.find("\n#--8<--\n");
    if (Cut == llvm::StringRef::npos || Inputs.size() == 3) {
      Inputs.push_back(Text.str());
      break;
    }
    Inputs.push_back(Text.take_front(Cut).str());
    Text = Text.drop_front(Cut + 9);
  }
  llvm::Expected<std::string> M = pgoctl::convert::mergeBoltYaml(Inputs);
  if (!M) {
    llvm::consumeError(M.takeError());
    return 0;
  }
  llvm::Expected<std::string> Again = pgoctl::convert::mergeBoltYaml({*M});
  if (!Again) {
    std::string Why = llvm::toString(Again.takeError());
    fprintf(stderr, "fuzz property violated: the merge's output is refused: %s\n--- output:\n%s\n",
            Why.c_str(), M->c_str());
    std::abort();
  }
  if (*Again != *M) {
    fprintf(stderr, "fuzz property violated: the output changes when merged again\n--- once:\n%s\n"
            "--- twice:\n%s\n", M->c_str(), Again->c_str());
    std::abort();
  }
  return 0;
}
