// verify/Report.h: verify's verdict as a terminal table, JSON and Markdown.
//
// The table and the Markdown (ready to post as a pull-request comment) show
// the verdict, the gate rules, the hot set's change, and the functions that
// changed most (by self cost), each with before and after cost, the change in
// percent with its interval, the inclusive change and the status; then the
// model and the notes (normalization, samples needed). JSON carries every
// number, with a fixed key order, for machines.
#pragma once

#include "verify/Verify.h"

#include "llvm/Support/raw_ostream.h"

namespace pgoctl::verify {

struct ReportOptions {
  unsigned Rows = 20; ///< functions listed, largest self-cost change first (0: all)
};

void writeTable(const VerifyResult &R, const ReportOptions &O, llvm::raw_ostream &OS);
void writeMarkdown(const VerifyResult &R, const ReportOptions &O, llvm::raw_ostream &OS);
void writeJson(const VerifyResult &R, llvm::raw_ostream &OS);

} // namespace pgoctl::verify
