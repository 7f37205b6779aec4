// tests/unit/TestTools.h: small helpers the unit tests share.
//
// runTool() runs a shell command (an oracle such as llvm-nm-22 or
// llvm-readelf-22) and returns its standard output, "" if it cannot start.
#pragma once

#include <cstdio>
#include <string>

namespace pgoctl::testing {

inline std::string runTool(const std::string &Cmd) {
  std::string Out;
  FILE *F = popen(Cmd.c_str(), "r");
  if (!F)
    return Out;
  char Buf[4096];
  size_t N;
  while ((N = fread(Buf, 1, sizeof(Buf), F)) > 0)
    Out.append(Buf, N);
  pclose(F);
  return Out;
}

} // namespace pgoctl::testing
