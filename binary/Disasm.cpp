// binary/Disasm.cpp: building LLVM's MC disassembler for a binary.
#include "binary/Disasm.h"
#include "core/Support.h"

#include "llvm/MC/MCTargetOptions.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/SubtargetFeature.h"

#include <mutex>

using namespace llvm;
using namespace llvm::object;

namespace pgoctl::binary {

namespace {
void initTargets() {
  static std::once_flag Once;
  std::call_once(Once, [] {
    InitializeAllTargetInfos();
    InitializeAllTargetMCs();
    InitializeAllDisassemblers();
  });
}

} // namespace

Expected<Disasm> makeDisasm(const ObjectFile &Obj) {
  initTargets();
  Triple TT = Obj.makeTriple();
  std::string Err;
  const Target *T = TargetRegistry::lookupTarget(TT, Err);
  if (!T)
    return makeError("{0}: no LLVM target for {1}: {2}", Obj.getFileName(), TT.str(), Err);
  Expected<SubtargetFeatures> Features = Obj.getFeatures();
  if (!Features)
    return Features.takeError();
  Disasm D;
  D.MRI.reset(T->createMCRegInfo(TT));
  MCTargetOptions MCOpts;
  if (D.MRI)
    D.MAI.reset(T->createMCAsmInfo(*D.MRI, TT, MCOpts));
  D.STI.reset(T->createMCSubtargetInfo(TT, "", Features->getString()));
  D.MII.reset(T->createMCInstrInfo());
  if (!D.MRI || !D.MAI || !D.STI || !D.MII)
    return makeError("{0}: cannot create the LLVM MC objects for {1}", Obj.getFileName(),
                     TT.str());
  D.Ctx = std::make_unique<MCContext>(TT, D.MAI.get(), D.MRI.get(), D.STI.get());
  D.Dis.reset(T->createMCDisassembler(*D.STI, *D.Ctx));
  D.MIA.reset(T->createMCInstrAnalysis(D.MII.get()));
  if (!D.Dis)
    return makeError("{0}: no disassembler for {1}", Obj.getFileName(), TT.str());
  return D;
}


} // namespace pgoctl::binary
