// GroundTruth: exact counts of every taken branch and every fall-through
// range seen by the tracer (--exact), and the writer of the text file that
// tests compare sampled estimates against.
//
// File format (one record per line, hex addresses without 0x, all addresses
// are RUNTIME virtual addresses of the traced process):
//   # comment lines
//   T <taken-branches> <instructions> <samples> <period> <depth>
//   M <start> <end> <pgoff> <build-id or -> <path>   executable mapping
//   B <from> <to> <count>     taken branch: from = branch insn, to = target
//   R <begin> <end> <count>   fall-through range: begin = target of a taken
//                             branch (or the entry point / the resume point
//                             after a signal), end = address of the next
//                             taken branch instruction (inclusive)
// To convert to an ELF virtual address: addr - start + pgoff gives the file
// offset; add the segment's p_vaddr - p_offset.
#pragma once

#include "ProcessMaps.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace lbremu {

class GroundTruth {
public:
  void branch(uint64_t From, uint64_t To) {
    if (HaveBegin)
      ++Ranges[{Begin, From}];
    ++Branches[{From, To}];
    Begin = To;
    HaveBegin = true;
  }
  // Execution continues at Pc without a taken branch (start, signal, exec).
  void resume(uint64_t Pc) {
    Begin = Pc;
    HaveBegin = true;
  }
  void noteMapping(const Mapping &M) { Mappings.push_back(M); }

  struct Totals {
    uint64_t Taken = 0, Instructions = 0, Samples = 0, Period = 0, Depth = 0;
  };
  llvm::Error write(const std::string &Path, const Totals &T) const;

private:
  using Key = std::pair<uint64_t, uint64_t>;
  llvm::DenseMap<Key, uint64_t> Branches, Ranges;
  std::vector<Mapping> Mappings;
  uint64_t Begin = 0;
  bool HaveBegin = false;
};

} // namespace lbremu
