// convert/ProfData.cpp: (being written) clang sample-PGO output.
#include "convert/ProfData.h"
#include "core/Support.h"
namespace pgoctl::convert {
llvm::Error writeProfData(const Profile &, llvm::ArrayRef<BinaryMatch>, const ProfDataOptions &,
                          llvm::StringRef, ConvertSummary &) {
  return makeError("--to profdata is not implemented yet");
}
llvm::Error writeUnsymbolized(const Profile &, const BinaryMatch &, llvm::raw_ostream &,
                              ConvertSummary &) {
  return makeError("--to unsymbolized is not implemented yet");
}
} // namespace pgoctl::convert
