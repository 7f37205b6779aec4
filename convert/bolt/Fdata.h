// convert/bolt/Fdata.h: BOLT profiles from a pgoctl profile.
//
// writeFdata() writes perf2bolt's `.fdata`: in LBR mode one line per taken
// branch, `1 <func> <off> 1 <func> <off> <mispreds> <count>`, with function-
// relative hex offsets from the ELF symbol table and local symbols named as
// perf2bolt names them, plus the fall-through information BOLT reads; in
// no_lbr mode (IP profiles) a `no_lbr` header and `1 <func> <off> <count>`
// lines; with FdataOptions::InferEdges an IP profile is written in LBR mode
// instead, from the edges the IP estimator infers (SampleBuilder.h:
// estimateLbr), so that BOLT can lay out blocks. writePreAggregated() writes
// BOLT's pre-aggregated format for
// `perf2bolt --pa`. Samples outside any function are counted in the summary.
#pragma once

#include "convert/Convert.h"

namespace pgoctl::convert {

llvm::Error writeFdata(const Profile &P, const BinaryMatch &B, const FdataOptions &Opts,
                       llvm::raw_ostream &OS, ConvertSummary &Sum);

/// Warn receives the warnings (ranges whose return part is estimated).
llvm::Error writePreAggregated(const Profile &P, const BinaryMatch &B,
                               llvm::raw_ostream &OS, ConvertSummary &Sum,
                               const WarningHandler &Warn);

} // namespace pgoctl::convert
