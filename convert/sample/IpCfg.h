// convert/sample/IpCfg.h: the IP estimator's control-flow graphs (step 1 of
// ProfDataIp.cpp).
//
// A sampled function is cut into basic blocks at its range starts, at direct
// branch targets, at jump-table targets and after every jump, jcc, return and
// call that never returns (other calls do not end a block: the code after a
// call runs as often as the call). Edges: fall-through, direct jump and jcc
// targets inside the function, a read jump table's targets; an indirect jump
// whose table was not read (a tail call, or an unreadable table) gets every
// block that nothing else jumps to. Blocks without successors are exits.
// A block of nops that nothing reaches, after a jump and before the loop
// header it aligns, is alignment padding: it never runs. It keeps its
// fall-through edge and is marked; the flow (IpFlow.h) decides.
//
// buildCfg() works on a FunctionCode, a plain table of the function's
// instructions (kind, direct target, no-return, jump table), so a test can
// give it a hand-written function; functionCode() reads that table from the
// Symbolizer. Instruction indices are the Symbolizer's throughout.
#pragma once

#include "convert/Convert.h"

#include "llvm/ADT/DenseMap.h"

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace pgoctl::convert {

/// What retires just before an instruction of a block, in the block: a
/// time sample lands on the instruction after the one it waited for (skid),
/// so this decides how much time a sample on the instruction stands for
/// (IpFlow.h, fitSkidWeights). A block's first instruction follows the
/// branch or fall-through that entered it: Other.
enum class SkidClass : uint8_t {
  AfterMoveLoad,
  AfterOtherLoad,
  AfterStore,
  AfterLoadStore,
  AfterCall,
  Other,
};
constexpr unsigned kSkidClasses = 6;

/// A function's basic blocks: instruction indices [Begin, End), successors
/// by block number, and the block's count (the raw estimate, then the flow's).
struct Cfg {
  struct Block {
    uint32_t Begin = 0, End = 0;
    std::vector<SkidClass> Skid; ///< per instruction Begin, Begin + 1, ...
    uint64_t Weight = 0;
    std::vector<uint32_t> Succs;
    std::vector<uint64_t> SuccFlow; ///< per successor, after the flow (empty: no flow)
    bool EndsInNoReturn = false;    ///< its last instruction is a call that never returns
    bool TableKnown = false;        ///< an indirect jump whose jump table was read
    bool UntabledJump = false;      ///< an indirect jump whose table was not read
    bool Padding = false;           ///< nops nothing reaches: alignment, never runs
  };
  std::vector<Block> Blocks;
  uint32_t Entry = 0;
};

/// One instruction as the CFG sees it.
struct CfgInst {
  InstKind Kind = InstKind::Other;
  /// A direct jump's or jcc's target, when it is an instruction of the
  /// binary (calls: not set).
  std::optional<uint32_t> Target;
  bool NoReturn = false;       ///< a call that never returns
  std::vector<uint32_t> Table; ///< an indirect jump's table targets in the function (empty: unread)
  MemAccess Mem = MemAccess::None;
};

/// A function's code: its address ranges as spans of consecutive instruction
/// indices (sorted, disjoint), and its entry instruction.
struct FunctionCode {
  struct Span {
    uint32_t Begin = 0;
    std::vector<CfgInst> Insts; ///< instructions Begin, Begin + 1, ...
    uint32_t end() const { return Begin + uint32_t(Insts.size()); }
  };
  std::vector<Span> Spans;
  std::optional<uint32_t> Entry; ///< the entry instruction (none: block 0 is the entry)
  /// Instruction I, when it is in a span.
  const CfgInst *inst(uint32_t I) const;
};

/// The CFG of a function (block weights 0).
Cfg buildCfg(const FunctionCode &Code);

/// The block of G holding instruction I.
std::optional<uint32_t> blockOf(const Cfg &G, uint32_t I);

/// Calls that never return (they end a block, with no fall-through): into a
/// PLT entry of a library function known not to return, or into a function
/// of the binary that has no return, no indirect jump and no jump out of
/// itself (a [[noreturn]] helper ending in __cxa_throw). Memoized per target.
class NoReturn {
public:
  explicit NoReturn(const Symbolizer &S) : S(S) {}
  /// Whether instruction I is a direct call that never returns.
  bool call(uint32_t I);

private:
  bool target(uint64_t T) const;

  const Symbolizer &S;
  llvm::DenseMap<uint64_t, bool> Memo;
};

/// Function F's code as the Symbolizer disassembled it.
FunctionCode functionCode(const Symbolizer &S, uint32_t F, NoReturn &NR);

/// The direct calls and direct tail jumps of function F (its graph G) into
/// the entry of a function (a call may target F itself, a jump may not), as
/// (block of G, callee function): each runs the callee's entry once.
std::vector<std::pair<uint32_t, uint32_t>> entryCallsOf(const Symbolizer &S, uint32_t F,
                                                        const Cfg &G);

} // namespace pgoctl::convert
