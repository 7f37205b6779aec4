// Writes the ground-truth file, sorted so that two runs (block mode and
// single-step mode) can be compared with diff.
#include "GroundTruth.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace llvm;

namespace lbremu {

Error GroundTruth::write(const std::string &Path, const Totals &T) const {
  std::error_code EC;
  raw_fd_ostream OS(Path, EC, sys::fs::OF_Text);
  if (EC)
    return createStringError(EC, "cannot write " + Path);
  OS << "# lbr-emu ground truth v1; runtime addresses (hex)\n"
     << "# T taken instructions samples period depth\n"
     << "# M start end pgoff build-id path\n"
     << "# B from to count | R begin end count\n";
  OS << "T " << T.Taken << ' ' << T.Instructions << ' ' << T.Samples << ' '
     << T.Period << ' ' << T.Depth << '\n';
  for (const Mapping &M : Mappings)
    OS << "M " << utohexstr(M.Start, true) << ' ' << utohexstr(M.End, true)
       << ' ' << utohexstr(M.PgOff, true) << ' '
       << (M.BuildId.empty() ? std::string("-") : toHex(M.BuildId, true))
       << ' ' << M.Path << '\n';
  auto Dump = [&](char Tag, const DenseMap<Key, uint64_t> &Map) {
    std::vector<std::pair<Key, uint64_t>> V(Map.begin(), Map.end());
    std::sort(V.begin(), V.end());
    for (auto &[K, C] : V)
      OS << Tag << ' ' << utohexstr(K.first, true) << ' '
         << utohexstr(K.second, true) << ' ' << C << '\n';
  };
  Dump('B', Branches);
  Dump('R', Ranges);
  OS.close();
  if (OS.has_error())
    return createStringError(OS.error(), "error writing " + Path);
  return Error::success();
}

} // namespace lbremu
