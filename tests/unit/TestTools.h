// tests/unit/TestTools.h: small helpers the unit tests share.
//
// runTool() runs a shell command (an oracle such as llvm-nm-22 or
// llvm-readelf-22) and returns its standard output, "" if it cannot start.
// nmSymbol() looks one defined symbol up in `llvm-nm --print-size`'s output.
#pragma once

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <cstdio>
#include <optional>
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

struct NmSymbol {
  uint64_t Addr = 0, Size = 0;
};

/// The address and size of the defined symbol Name in File, as the llvm-nm
/// at Nm lists it; nullopt when it is not there.
inline std::optional<NmSymbol> nmSymbol(const std::string &Nm, const std::string &File,
                                        llvm::StringRef Name) {
  std::string Out = runTool(Nm + " --print-size --defined-only " + File);
  llvm::SmallVector<llvm::StringRef, 64> Lines;
  llvm::StringRef(Out).split(Lines, '\n');
  for (llvm::StringRef L : Lines) {
    llvm::SmallVector<llvm::StringRef, 4> F;
    L.split(F, ' ', -1, false);
    NmSymbol S;
    if (F.size() == 4 && F[3] == Name && !F[0].getAsInteger(16, S.Addr) &&
        !F[1].getAsInteger(16, S.Size))
      return S;
  }
  return std::nullopt;
}

} // namespace pgoctl::testing
