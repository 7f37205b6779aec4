// Command-line parsing for lbr-emu. Hand-written (not llvm::cl) so that the
// options after "--" belong to the traced program untouched.
#include "Options.h"

#include "llvm/ADT/StringRef.h"

using namespace llvm;

namespace lbremu {

const char *usageText() {
  return "usage: lbr-emu [--event branches|instructions [-g]] [--period N]\n"
         "               [--phase N]\n"
         "               [--depth 16|32] [--exact]\n"
         "               [--exact-out FILE] [--dump-samples FILE]\n"
         "               [--mode block|singlestep] [--cpu N|none] [--stats]\n"
         "               [--no-aslr]\n"
         "               -o out.perf.data -- program [args...]\n";
}

static Error bad(const Twine &Msg) {
  return createStringError(inconvertibleErrorCode(), Msg);
}

Expected<Options> parseOptions(int Argc, char **Argv) {
  Options O;
  int I = 0;
  auto NeedValue = [&](StringRef Name) -> Expected<StringRef> {
    if (I + 1 >= Argc)
      return bad("option " + Name + " needs a value");
    return StringRef(Argv[++I]);
  };
  for (; I < Argc; ++I) {
    StringRef A = Argv[I];
    if (A == "--") {
      ++I;
      break;
    }
    if (A == "--period") {
      auto V = NeedValue(A);
      if (!V)
        return V.takeError();
      if (V->getAsInteger(10, O.Period) || O.Period == 0)
        return bad("--period wants a positive integer, got '" + *V + "'");
    } else if (A == "--phase") {
      auto V = NeedValue(A);
      if (!V)
        return V.takeError();
      if (V->getAsInteger(10, O.Phase))
        return bad("--phase wants a non-negative integer, got '" + *V + "'");
    } else if (A == "--event") {
      auto V = NeedValue(A);
      if (!V)
        return V.takeError();
      if (*V == "branches")
        O.Event = SampledEvent::Branches;
      else if (*V == "instructions")
        O.Event = SampledEvent::Instructions;
      else
        return bad("--event wants branches or instructions, got '" + *V + "'");
    } else if (A == "-g") {
      O.CallChains = true;
    } else if (A == "--depth") {
      auto V = NeedValue(A);
      if (!V)
        return V.takeError();
      if (V->getAsInteger(10, O.Depth) || (O.Depth != 16 && O.Depth != 32))
        return bad("--depth wants 16 or 32, got '" + *V + "'");
    } else if (A == "--exact") {
      O.Exact = true;
    } else if (A == "--exact-out") {
      auto V = NeedValue(A);
      if (!V)
        return V.takeError();
      O.ExactOutput = V->str();
      O.Exact = true;
    } else if (A == "--dump-samples") {
      auto V = NeedValue(A);
      if (!V)
        return V.takeError();
      O.DumpSamples = V->str();
    } else if (A == "--mode") {
      auto V = NeedValue(A);
      if (!V)
        return V.takeError();
      if (*V == "block")
        O.Mode = TraceMode::Block;
      else if (*V == "singlestep")
        O.Mode = TraceMode::SingleStep;
      else
        return bad("--mode wants block or singlestep, got '" + *V + "'");
    } else if (A == "--cpu") {
      auto V = NeedValue(A);
      if (!V)
        return V.takeError();
      if (*V == "none")
        O.PinCpu = -2;
      else if (V->getAsInteger(10, O.PinCpu) || O.PinCpu < 0)
        return bad("--cpu wants a CPU number or 'none', got '" + *V + "'");
    } else if (A == "--no-aslr") {
      O.NoAslr = true;
    } else if (A == "--stats") {
      O.Stats = true;
    } else if (A == "-o" || A == "--output") {
      auto V = NeedValue(A);
      if (!V)
        return V.takeError();
      O.Output = V->str();
    } else if (A == "-h" || A == "--help") {
      return bad("help requested");
    } else {
      return bad("unknown option '" + A + "'");
    }
  }
  for (; I < Argc; ++I)
    O.Command.push_back(Argv[I]);
  if (O.Output.empty())
    return bad("missing -o out.perf.data");
  if (O.Command.empty())
    return bad("missing program to run after --");
  if (O.CallChains && O.Event != SampledEvent::Instructions)
    return bad("-g needs --event instructions (a branch stack is the LBR's call context)");
  if (O.Phase >= O.Period)
    return bad("--phase " + Twine(O.Phase) + " is not below --period " + Twine(O.Period));
  if (O.Exact && O.ExactOutput.empty())
    O.ExactOutput = O.Output + ".exact";
  return O;
}

} // namespace lbremu
