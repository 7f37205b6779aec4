// convert/sample/IpCfg.cpp: basic blocks and edges of a sampled function (see
// IpCfg.h).
#include "convert/sample/IpCfg.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <map>

namespace pgoctl::convert {

namespace {

bool endsBlock(InstKind K) {
  return K == InstKind::CondBranch || K == InstKind::UncondBranch ||
         K == InstKind::IndirectJump || K == InstKind::Return;
}

/// The class of the instruction after X in a block.
SkidClass skidAfter(const CfgInst &X) {
  if (X.Kind == InstKind::Call)
    return SkidClass::AfterCall;
  switch (X.Mem) {
  case MemAccess::MoveLoad:
    return SkidClass::AfterMoveLoad;
  case MemAccess::OtherLoad:
    return SkidClass::AfterOtherLoad;
  case MemAccess::Store:
    return SkidClass::AfterStore;
  case MemAccess::LoadStore:
    return SkidClass::AfterLoadStore;
  case MemAccess::None:
    break;
  }
  return SkidClass::Other;
}

bool knownNoReturn(llvm::StringRef Name) {
  Name = Name.take_until([](char C) { return C == '@'; }); // symbol versions
  static const llvm::StringRef Names[] = {
      "abort", "exit", "_exit", "_Exit", "quick_exit", "__stack_chk_fail",
      "__assert_fail", "__assert_perror_fail", "__fortify_fail", "__chk_fail",
      "longjmp", "_longjmp", "siglongjmp", "__longjmp_chk", "pthread_exit",
      "__libc_fatal", "err", "errx", "verr", "verrx", "__cxa_throw", "__cxa_rethrow",
      "_Unwind_Resume", "__cxa_bad_cast", "__cxa_bad_typeid",
      "__cxa_throw_bad_array_new_length", "__cxa_pure_virtual", "__cxa_deleted_virtual",
      "__cxa_call_unexpected", "__cxa_call_terminate", "_ZSt9terminatev"};
  if (llvm::is_contained(Names, Name))
    return true;
  // std::__throw_*(...) and std::__glibcxx_assert_fail(...): _ZSt<len>__throw_...
  if (Name.consume_front("_ZSt")) {
    Name = Name.drop_while([](char C) { return C >= '0' && C <= '9'; });
    return Name.starts_with("__throw_") || Name.starts_with("__glibcxx_assert_fail");
  }
  return false;
}

} // namespace

const CfgInst *FunctionCode::inst(uint32_t I) const {
  for (const Span &S : Spans)
    if (I >= S.Begin && I < S.end())
      return &S.Insts[I - S.Begin];
  return nullptr;
}

std::optional<uint32_t> blockOf(const Cfg &G, uint32_t I) {
  auto It = llvm::upper_bound(G.Blocks, I,
                              [](uint32_t V, const Cfg::Block &B) { return V < B.Begin; });
  if (It == G.Blocks.begin())
    return std::nullopt;
  --It;
  if (I >= It->End)
    return std::nullopt;
  return uint32_t(It - G.Blocks.begin());
}

Cfg buildCfg(const FunctionCode &Code) {
  // Leaders: span starts, jump-table targets, the instruction after one that
  // ends a block, direct jump targets inside the function.
  std::vector<uint32_t> Leaders;
  for (const FunctionCode::Span &Sp : Code.Spans) {
    Leaders.push_back(Sp.Begin);
    for (const CfgInst &X : Sp.Insts)
      Leaders.insert(Leaders.end(), X.Table.begin(), X.Table.end());
  }
  for (const FunctionCode::Span &Sp : Code.Spans)
    for (uint32_t I = Sp.Begin; I < Sp.end(); ++I) {
      const CfgInst &X = Sp.Insts[I - Sp.Begin];
      if ((endsBlock(X.Kind) || X.NoReturn) && I + 1 < Sp.end())
        Leaders.push_back(I + 1);
      if (X.Kind != InstKind::Call && X.Target && Code.inst(*X.Target))
        Leaders.push_back(*X.Target);
    }
  llvm::sort(Leaders);
  Leaders.erase(std::unique(Leaders.begin(), Leaders.end()), Leaders.end());
  Cfg G;
  for (const FunctionCode::Span &Sp : Code.Spans) {
    uint32_t End = Sp.end();
    auto It = llvm::lower_bound(Leaders, Sp.Begin);
    for (; It != Leaders.end() && *It < End; ++It) {
      Cfg::Block B;
      B.Begin = *It;
      B.End = std::next(It) != Leaders.end() && *std::next(It) < End ? *std::next(It) : End;
      B.Skid.reserve(B.End - B.Begin);
      B.Skid.push_back(SkidClass::Other);
      for (uint32_t I = B.Begin + 1; I < B.End; ++I)
        B.Skid.push_back(skidAfter(Sp.Insts[I - 1 - Sp.Begin]));
      G.Blocks.push_back(std::move(B));
    }
  }
  if (Code.Entry)
    if (std::optional<uint32_t> Eb = blockOf(G, *Code.Entry))
      G.Entry = *Eb;
  // Edges.
  std::vector<uint32_t> IndirectJumps;
  std::vector<bool> HasPred(G.Blocks.size(), false);
  auto BlockStartingAt = [&](uint32_t I) -> std::optional<uint32_t> {
    std::optional<uint32_t> B = blockOf(G, I);
    if (B && G.Blocks[*B].Begin == I)
      return B;
    return std::nullopt;
  };
  for (uint32_t K = 0; K < G.Blocks.size(); ++K) {
    Cfg::Block &B = G.Blocks[K];
    const CfgInst &Last = *Code.inst(B.End - 1);
    InstKind Kind = Last.Kind;
    B.EndsInNoReturn = Last.NoReturn;
    bool FallsThrough = Kind != InstKind::UncondBranch && Kind != InstKind::Return &&
                        Kind != InstKind::IndirectJump && !B.EndsInNoReturn;
    if (!Last.Table.empty()) {
      B.TableKnown = true;
      for (uint32_t Ti : Last.Table)
        if (std::optional<uint32_t> Tb = BlockStartingAt(Ti))
          B.Succs.push_back(*Tb);
    } else if (Kind == InstKind::IndirectJump) {
      IndirectJumps.push_back(K);
      B.UntabledJump = true;
    }
    if ((Kind == InstKind::CondBranch || Kind == InstKind::UncondBranch) && Last.Target)
      if (std::optional<uint32_t> Tb = BlockStartingAt(*Last.Target))
        B.Succs.push_back(*Tb);
    if (FallsThrough && K + 1 < G.Blocks.size() && G.Blocks[K + 1].Begin == B.End)
      B.Succs.push_back(K + 1);
    llvm::sort(B.Succs);
    B.Succs.erase(std::unique(B.Succs.begin(), B.Succs.end()), B.Succs.end());
    for (uint32_t T : B.Succs)
      HasPred[T] = true;
  }
  // Padding: nops that nothing reaches (IpFlow.h says what the flow does
  // with it).
  for (uint32_t K = 0; K < G.Blocks.size(); ++K) {
    Cfg::Block &B = G.Blocks[K];
    B.Padding = !HasPred[K] && K != G.Entry;
    for (uint32_t I = B.Begin; I < B.End && B.Padding; ++I)
      B.Padding = Code.inst(I)->Kind == InstKind::Nop;
  }
  // Blocks nothing jumps to (targets of unread jump tables, landing pads):
  // successors of every indirect jump whose table was not read, else reached
  // from outside.
  for (uint32_t K = 0; K < G.Blocks.size(); ++K)
    if (!HasPred[K] && K != G.Entry)
      for (uint32_t J : IndirectJumps)
        G.Blocks[J].Succs.push_back(K);
  return G;
}

bool NoReturn::call(uint32_t I) {
  if (S.instKind(I) != InstKind::Call)
    return false;
  std::optional<uint64_t> T = S.directTarget(I);
  if (!T)
    return false;
  auto [It, New] = Memo.try_emplace(*T, false);
  if (New)
    It->second = target(*T);
  return It->second;
}

bool NoReturn::target(uint64_t T) const {
  if (llvm::StringRef Plt = S.pltSymbol(T); !Plt.empty())
    return knownNoReturn(Plt);
  const FuncRange *R = S.funcRangeStartingAt(T);
  if (!R || !R->IsEntry)
    return false;
  if (knownNoReturn(S.name(S.functions()[R->Func].Name)))
    return true;
  bool Any = false;
  for (const auto &[Lo, Hi] : S.functions()[R->Func].Ranges)
    for (uint32_t K = S.instLowerBound(Lo), E = S.instLowerBound(Hi); K < E; ++K) {
      Any = true;
      InstKind Kind = S.instKind(K);
      if (Kind == InstKind::Return || Kind == InstKind::IndirectJump)
        return false;
      if (Kind == InstKind::CondBranch || Kind == InstKind::UncondBranch) {
        std::optional<uint64_t> To = S.directTarget(K);
        const FuncRange *TR = To ? S.funcRangeAt(*To) : nullptr;
        if (!TR || TR->Func != R->Func)
          return false;
      }
    }
  return Any;
}

FunctionCode functionCode(const Symbolizer &S, uint32_t F, NoReturn &NR) {
  const BinaryFunction &Fn = S.functions()[F];
  std::vector<std::pair<uint32_t, uint32_t>> Spans;
  uint64_t EntryAddr = ~uint64_t(0);
  for (const auto &[Lo, Hi] : Fn.Ranges) {
    uint32_t Begin = S.instLowerBound(Lo), End = S.instLowerBound(Hi);
    if (Begin >= End)
      continue;
    Spans.emplace_back(Begin, End);
    if (const FuncRange *R = S.funcRangeStartingAt(Lo); R && R->IsEntry)
      EntryAddr = Lo;
  }
  FunctionCode Code;
  if (Spans.empty())
    return Code;
  llvm::sort(Spans);
  if (EntryAddr == ~uint64_t(0))
    EntryAddr = S.instAddr(Spans.front().first);
  Code.Entry = S.findInst(EntryAddr);
  auto InFunc = [&](uint32_t I) {
    for (const auto &[B, E] : Spans)
      if (I >= B && I < E)
        return true;
    return false;
  };
  for (const auto &[Begin, End] : Spans) {
    FunctionCode::Span &Sp = Code.Spans.emplace_back();
    Sp.Begin = Begin;
    Sp.Insts.resize(End - Begin);
    for (uint32_t I = Begin; I < End; ++I) {
      CfgInst &X = Sp.Insts[I - Begin];
      X.Kind = S.instKind(I);
      X.Mem = S.instMem(I);
      X.NoReturn = NR.call(I);
      if (X.Kind != InstKind::Call)
        if (std::optional<uint64_t> T = S.directTarget(I))
          X.Target = S.findInst(*T);
      if (X.Kind == InstKind::IndirectJump)
        for (uint64_t T : S.jumpTableTargets(I, Fn.Ranges))
          if (std::optional<uint32_t> Ti = S.findInst(T); Ti && InFunc(*Ti))
            X.Table.push_back(*Ti);
    }
  }
  return Code;
}

std::vector<std::pair<uint32_t, uint32_t>> entryCallsOf(const Symbolizer &S, uint32_t F,
                                                        const Cfg &G) {
  std::vector<std::pair<uint32_t, uint32_t>> Out;
  for (uint32_t K = 0; K < G.Blocks.size(); ++K)
    for (uint32_t I = G.Blocks[K].Begin; I < G.Blocks[K].End; ++I) {
      InstKind Kind = S.instKind(I);
      if (Kind != InstKind::Call && Kind != InstKind::UncondBranch)
        continue;
      std::optional<uint64_t> T = S.directTarget(I);
      if (!T)
        continue;
      const FuncRange *R = S.funcRangeStartingAt(*T);
      if (R && R->IsEntry && (Kind == InstKind::Call || R->Func != F))
        Out.emplace_back(K, R->Func);
    }
  return Out;
}

} // namespace pgoctl::convert
