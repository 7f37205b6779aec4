// convert/Fdata.cpp: (being written) BOLT .fdata and pre-aggregated output.
#include "convert/Fdata.h"
#include "core/Support.h"
namespace pgoctl::convert {
llvm::Error writeFdata(const Profile &, const BinaryMatch &, const FdataOptions &,
                       llvm::raw_ostream &, ConvertSummary &) {
  return makeError("--to fdata is not implemented yet");
}
llvm::Error writePreAggregated(const Profile &, const BinaryMatch &, llvm::raw_ostream &,
                               ConvertSummary &) {
  return makeError("--to preagg is not implemented yet");
}
} // namespace pgoctl::convert
