// verify/FlameGraph.h: a differential flame graph as one self-contained HTML
// file (inline CSS and JavaScript, no network), to open offline or attach to
// a CI run.
//
// The call tree merges the folded stacks of both sides by canonical name
// (root at the bottom). A frame's width is its after-cost (inclusive, in the
// report's unit: per unit of work, or share); frames that vanished keep their
// before-cost as width (the legend says how many). Its color is the table's
// verdict on its function (the inline-aware, canonical-name, relative self
// change of Verify.h): red for a real growth, blue for a real shrinkage, the
// deeper the larger (full color at 2x or 1/2), grey for anything else, so
// identical builds come out grey and picture and table agree. Labels are
// short names (briefName); hovering shows the full name and the numbers (an
// SVG <title> per frame, so the names are in the DOM), clicking zooms into a
// frame, the search box highlights frames whose name contains a string (or
// matches a regular expression) and shows their share. The page's data
// (JSON in <script id="data">) has the short and full names and per name the
// table's status and change.
#pragma once

#include "verify/Verify.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

namespace pgoctl::verify {

struct FlameGraphOptions {
  std::string Title = "pgoctl verify: differential flame graph";
  double MinWidthFraction = 0.0005; ///< frames narrower than this are merged away
};

void writeFlameGraph(const VerifyResult &R, const FlameGraphOptions &O, llvm::raw_ostream &OS);
llvm::Error writeFlameGraphFile(const VerifyResult &R, const FlameGraphOptions &O,
                                llvm::StringRef Path);

} // namespace pgoctl::verify
