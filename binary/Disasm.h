// binary/Disasm.h: the LLVM MC objects one disassembly needs.
//
// makeDisasm() builds the register, asm, subtarget and instruction info, the
// MC context, the disassembler and the instruction analysis for an object
// file's target (its triple and features), initializing LLVM's targets once
// per process. Shared by the Symbolizer (profdata) and the BOLT view of a
// binary (fdata), so both decode instructions the same way.
#pragma once

#include "llvm/MC/MCAsmInfo.h"
#include "llvm/MC/MCContext.h"
#include "llvm/MC/MCDisassembler/MCDisassembler.h"
#include "llvm/MC/MCInstrAnalysis.h"
#include "llvm/MC/MCInstrInfo.h"
#include "llvm/MC/MCRegisterInfo.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/Error.h"

#include <memory>

namespace pgoctl::binary {

struct Disasm {
  std::unique_ptr<llvm::MCRegisterInfo> MRI;
  std::unique_ptr<llvm::MCAsmInfo> MAI;
  std::unique_ptr<llvm::MCSubtargetInfo> STI;
  std::unique_ptr<llvm::MCInstrInfo> MII;
  std::unique_ptr<llvm::MCContext> Ctx;
  std::unique_ptr<llvm::MCDisassembler> Dis;
  std::unique_ptr<llvm::MCInstrAnalysis> MIA;
};

/// The MC objects for Obj's target; an error names the file and the triple.
llvm::Expected<Disasm> makeDisasm(const llvm::object::ObjectFile &Obj);

} // namespace pgoctl::binary
