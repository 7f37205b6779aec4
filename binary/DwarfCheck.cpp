// binary/DwarfCheck.cpp: open a DWARFContext and read every unit eagerly,
// attributing each problem LLVM reports to the unit being read (see
// DwarfCheck.h).
#include "binary/DwarfCheck.h"
#include "core/Warn.h"
#include "binary/Symbolizer.h"

#include "llvm/BinaryFormat/Dwarf.h"
#include "llvm/DebugInfo/DWARF/DWARFDebugAbbrev.h"
#include "llvm/DebugInfo/DWARF/DWARFDie.h"
#include "llvm/DebugInfo/DWARF/DWARFFormValue.h"
#include "llvm/DebugInfo/DWARF/DWARFUnit.h"
#include "llvm/Object/Decompressor.h"
#include "llvm/Support/FormatVariadic.h"

namespace pgoctl::binary {

using namespace llvm;

/// Where LLVM's complaints go: to the unit being checked, or (after the
/// check, while symbolizing) to the late handler, at most kMaxLate of them.
struct DwarfSink {
  WarningHandler Late;
  unsigned LateSeen = 0;
  bool Checking = false;
  std::string First; ///< the first complaint about the unit being checked
  std::string Section = ".debug_info";
  uint64_t Offset = 0;
  static constexpr unsigned kMaxLate = 3;

  void report(std::string Msg) {
    if (Checking) {
      if (First.empty())
        First = formatv("{0} at offset {1:x}: {2}", Section, Offset, Msg);
      return;
    }
    if (++LateSeen <= kMaxLate)
      warnTo(Late, "DWARF: " + Msg);
  }
};

namespace {

using Sink = DwarfSink;

/// Reads a string attribute the way getName would, but keeps the error.
void checkString(Sink &S, const DWARFDie &Die, dwarf::Attribute A) {
  std::optional<DWARFFormValue> V = Die.find(A);
  if (!V)
    return;
  Expected<const char *> Str = V->getAsCString();
  if (!Str)
    S.report(toString(Str.takeError()));
  else if (!*Str)
    S.report(formatv("{0} of DIE at {1:x} is no string", dwarf::AttributeString(A),
                     Die.getOffset())
                 .str());
}

void checkReference(Sink &S, const DWARFDie &Die, dwarf::Attribute A) {
  if (Die.find(A) && !Die.getAttributeValueAsReferencedDie(A))
    S.report(formatv("{0} of DIE at {1:x} names no DIE", dwarf::AttributeString(A),
                     Die.getOffset())
                 .str());
}

/// Forms a DWARF 5 line table's directory and file entries may use. LLVM's
/// line-table parser hands each entry's form to DWARFFormValue::extractValue,
/// which reaches llvm_unreachable (undefined behaviour in a release build: a
/// crash or garbage) on a form it does not know; a damaged entry-format list
/// must be caught first.
bool lineTableForm(uint64_t F) {
  switch (F) {
  case dwarf::DW_FORM_string: case dwarf::DW_FORM_line_strp: case dwarf::DW_FORM_strp:
  case dwarf::DW_FORM_strp_sup: case dwarf::DW_FORM_strx: case dwarf::DW_FORM_strx1:
  case dwarf::DW_FORM_strx2: case dwarf::DW_FORM_strx3: case dwarf::DW_FORM_strx4:
  case dwarf::DW_FORM_udata: case dwarf::DW_FORM_sdata: case dwarf::DW_FORM_data1:
  case dwarf::DW_FORM_data2: case dwarf::DW_FORM_data4: case dwarf::DW_FORM_data8:
  case dwarf::DW_FORM_data16: case dwarf::DW_FORM_block: case dwarf::DW_FORM_block1:
  case dwarf::DW_FORM_block2: case dwarf::DW_FORM_block4: case dwarf::DW_FORM_flag:
  case dwarf::DW_FORM_sec_offset:
    return true;
  default:
    return false;
  }
}

/// Forms an abbreviation may declare (DWARF 2-5 and the GNU extensions clang
/// and GCC emit). LLVM's DIE parser skips attribute values by form and reads
/// out of bounds on one it does not know (a segfault in getULEB128), so a
/// damaged .debug_abbrev must be caught before any DIE is read.
/// DW_FORM_indirect is refused too: no producer of ours emits it, and its
/// nested form would reach the parser unchecked.
bool abbrevForm(uint64_t F) {
  if (F >= dwarf::DW_FORM_addr && F <= dwarf::DW_FORM_addrx4 && F != 0x02 &&
      F != dwarf::DW_FORM_indirect)
    return true;
  switch (F) {
  case dwarf::DW_FORM_GNU_addr_index: case dwarf::DW_FORM_GNU_str_index:
  case dwarf::DW_FORM_GNU_ref_alt: case dwarf::DW_FORM_GNU_strp_alt:
    return true;
  default:
    return false;
  }
}

/// Walks every abbreviation of .debug_abbrev (code, tag, children flag, then
/// attribute/form pairs up to 0,0); "" when each form is known and every
/// declaration ends inside the section, else what is wrong and where.
std::string checkAbbrevForms(StringRef Data) {
  DataExtractor D(Data, /*IsLittleEndian=*/true, 8);
  DataExtractor::Cursor C(0);
  while (C && C.tell() < Data.size()) {
    uint64_t Code = D.getULEB128(C);
    if (!C)
      break;
    if (Code == 0) // the end of one unit's table
      continue;
    uint64_t DeclAt = C.tell();
    D.getULEB128(C); // tag
    D.getU8(C);      // children
    while (C) {
      uint64_t Attr = D.getULEB128(C);
      uint64_t FormAt = C.tell();
      uint64_t Form = D.getULEB128(C);
      if (!C || (Attr == 0 && Form == 0))
        break;
      if (!abbrevForm(Form))
        return formatv(".debug_abbrev at offset {0:x}: unknown form {1:x} in the "
                       "abbreviation at {2:x}",
                       FormAt, Form, DeclAt);
      if (Form == dwarf::DW_FORM_implicit_const)
        D.getSLEB128(C);
    }
  }
  if (!C) {
    std::string Msg = formatv(".debug_abbrev: a declaration runs past the section end ({0})",
                              toString(C.takeError()));
    return Msg;
  }
  return "";
}

/// Checks the entry formats of the DWARF 5 line-table header at Offset
/// before LLVM parses it; "" when they are sound (or the header is older).
std::string checkLineTableForms(const DWARFContext &Ctx, uint64_t Offset) {
  const DWARFObject &Obj = Ctx.getDWARFObj();
  DataExtractor D(Obj.getLineSection().Data, Obj.isLittleEndian(), 8);
  DataExtractor::Cursor C(Offset);
  uint64_t Length = D.getU32(C);
  dwarf::DwarfFormat Format = dwarf::DWARF32;
  if (Length == dwarf::DW_LENGTH_DWARF64) {
    Format = dwarf::DWARF64;
    Length = D.getU64(C);
  }
  uint16_t Version = D.getU16(C);
  if (!C) {
    consumeError(C.takeError());
    return ""; // LLVM reports a truncated header itself
  }
  if (Version < 5)
    return "";
  uint8_t AddrSize = D.getU8(C);
  D.getU8(C); // segment selector size
  D.getUnsigned(C, Format == dwarf::DWARF64 ? 8 : 4); // header_length
  D.skip(C, 5); // minimum_instruction_length .. line_range
  uint8_t OpcodeBase = D.getU8(C);
  D.skip(C, OpcodeBase ? OpcodeBase - 1 : 0);
  dwarf::FormParams Params{Version, AddrSize, Format};
  for (const char *What : {"directory", "file name"}) {
    uint8_t NumFormats = D.getU8(C);
    std::vector<dwarf::Form> Forms;
    for (unsigned K = 0; K < NumFormats && C; ++K) {
      D.getULEB128(C); // content type
      uint64_t Form = D.getULEB128(C);
      if (C && !lineTableForm(Form))
        return formatv("{0} entry format {1} has form {2:x}, which is no line-table form", What, K,
                       Form);
      Forms.push_back(dwarf::Form(Form));
    }
    uint64_t NumEntries = D.getULEB128(C);
    // Every line-table form takes at least one byte: more entries than bytes
    // left (or entries without a format) is damage, and would loop for as
    // many as the count says.
    if (C && NumEntries && (Forms.empty() || NumEntries > D.size() - C.tell()))
      return formatv("{0} count {1} does not fit the section", What, NumEntries);
    for (uint64_t E = 0; E < NumEntries && C; ++E)
      for (dwarf::Form F : Forms) {
        uint64_t At = C.tell();
        if (!DWARFFormValue::skipValue(F, D, &At, Params) || At > D.size())
          return formatv("{0} entry {1} leaves the section", What, E);
        D.skip(C, At - C.tell());
      }
  }
  if (!C)
    consumeError(C.takeError()); // a truncated header: LLVM reports it
  (void)Length;
  return "";
}

/// Walks U's DIEs as LLVM's extractFast does, with each attribute's end
/// checked against the unit's: LLVM adds a block's length to the offset and
/// reads the next attribute there, past the section (a SEGV on a damaged
/// length). "" when every DIE lies within the unit.
std::string checkDieBounds(DWARFUnit &U) {
  const DWARFAbbreviationDeclarationSet *Abbrevs = U.getAbbreviations();
  if (!Abbrevs)
    return "its abbreviations cannot be read";
  DWARFDataExtractor D = U.getDebugInfoExtractor();
  uint64_t End = std::min<uint64_t>(U.getNextUnitOffset(), D.size());
  uint64_t Off = U.getOffset() + U.getHeaderSize();
  while (Off < End) {
    uint64_t DieOff = Off;
    uint64_t Code = D.getULEB128(&Off);
    if (Off > End)
      return formatv("DIE at {0:x} runs past the unit", DieOff).str();
    if (Code == 0)
      continue;
    const DWARFAbbreviationDeclaration *Decl = Abbrevs->getAbbreviationDeclaration(uint32_t(Code));
    if (!Decl)
      return formatv("DIE at {0:x} has no abbreviation {1}", DieOff, Code).str();
    for (const DWARFAbbreviationDeclaration::AttributeSpec &A : Decl->attributes()) {
      if (A.isImplicitConst())
        continue;
      if (!DWARFFormValue::skipValue(A.Form, D, &Off, U.getFormParams()) || Off > End)
        return formatv("DIE at {0:x}: {1} runs past the unit", DieOff,
                       dwarf::AttributeString(A.Attr))
            .str();
    }
  }
  return "";
}

void checkUnit(Sink &S, DWARFContext &Ctx, DWARFUnit &U) {
  S.Section = ".debug_info";
  S.Offset = U.getOffset();
  if (std::string Bad = checkDieBounds(U); !Bad.empty()) {
    S.report(Bad);
    return;
  }
  DWARFDie UnitDie = U.getUnitDIE(/*ExtractUnitDIEOnly=*/false);
  if (!UnitDie) {
    S.report("the unit has no DIE");
    return;
  }
  for (const DWARFDebugInfoEntry &Entry : U.dies()) {
    DWARFDie Die(&U, &Entry);
    if (!Die.isValid() || !Die.getAbbreviationDeclarationPtr())
      continue;
    dwarf::Tag T = Die.getTag();
    if (T != dwarf::DW_TAG_subprogram && T != dwarf::DW_TAG_inlined_subroutine &&
        T != dwarf::DW_TAG_compile_unit)
      continue;
    checkString(S, Die, dwarf::DW_AT_name);
    checkString(S, Die, dwarf::DW_AT_linkage_name);
    checkString(S, Die, dwarf::DW_AT_MIPS_linkage_name);
    checkReference(S, Die, dwarf::DW_AT_abstract_origin);
    checkReference(S, Die, dwarf::DW_AT_specification);
    if (std::optional<DWARFFormValue> Lo = Die.find(dwarf::DW_AT_low_pc))
      if (!Lo->getAsSectionedAddress())
        S.report(formatv("DW_AT_low_pc of DIE at {0:x} is no address", Die.getOffset()).str());
    if (Die.find(dwarf::DW_AT_ranges)) {
      Expected<DWARFAddressRangesVector> Rs = Die.getAddressRanges();
      if (!Rs)
        S.report(toString(Rs.takeError()));
    }
  }
  if (std::optional<uint64_t> Stmt = dwarf::toSectionOffset(UnitDie.find(dwarf::DW_AT_stmt_list))) {
    S.Section = ".debug_line";
    S.Offset = *Stmt;
    if (std::string Bad = checkLineTableForms(Ctx, *Stmt); !Bad.empty()) {
      S.report(Bad);
      return;
    }
    Expected<const DWARFDebugLine::LineTable *> LT =
        Ctx.getLineTableForUnit(&U, [&](Error E) { S.report(toString(std::move(E))); });
    if (!LT)
      S.report(toString(LT.takeError()));
    else if (!*LT)
      S.report("no line table");
  }
}

} // namespace

CheckedDwarf openCheckedDwarf(const object::ObjectFile &Obj,
                              WarningHandler LateProblems, DwarfCheckMode Mode) {
  auto S = std::make_shared<Sink>();
  S->Late = std::move(LateProblems);
  auto Handler = [S](Error E) { S->report(toString(std::move(E))); };
  CheckedDwarf Out;
  // .debug_abbrev first: with a damaged one no DIE of any unit can be read
  // safely, so there is no DWARF to use.
  for (const object::SectionRef &Sec : Obj.sections()) {
    Expected<StringRef> Name = Sec.getName();
    if (!Name || (*Name != ".debug_abbrev" && *Name != ".zdebug_abbrev")) {
      if (!Name)
        consumeError(Name.takeError());
      continue;
    }
    Expected<StringRef> Contents = Sec.getContents();
    if (!Contents) {
      Out.Problems.push_back(".debug_abbrev: " + toString(Contents.takeError()));
      return Out;
    }
    // A compressed section (-gz) is checked after decompression, bounded by
    // what a real abbreviation table can need.
    SmallVector<char, 0> Plain;
    StringRef Data = *Contents;
    if (Sec.isCompressed() || *Name == ".zdebug_abbrev") {
      Expected<object::Decompressor> Dec =
          object::Decompressor::create(*Name, *Contents, Obj.isLittleEndian(), Obj.is64Bit());
      Error E = Dec ? (Dec->getDecompressedSize() > (uint64_t(256) << 20)
                           ? createStringError("declares more than 256 MiB")
                           : Dec->resizeAndDecompress(Plain))
                    : Dec.takeError();
      if (E) {
        Out.Problems.push_back(".debug_abbrev: cannot decompress: " + toString(std::move(E)));
        return Out;
      }
      Data = StringRef(Plain.data(), Plain.size());
    }
    if (std::string Bad = checkAbbrevForms(Data); !Bad.empty()) {
      Out.Problems.push_back(Bad);
      return Out;
    }
  }
  Out.Ctx = DWARFContext::create(Obj, DWARFContext::ProcessDebugRelocations::Process, nullptr, "",
                                 Handler, Handler);
  S->Checking = true;
  // Unit headers: a unit whose header does not parse is dropped by LLVM; the
  // complaint is kept.
  S->Section = ".debug_info";
  auto Units = Out.Ctx->compile_units();
  if (!S->First.empty()) {
    Out.Problems.push_back(S->First);
    S->First.clear();
  }
  S->Checking = false;
  Out.Sink = S;
  if (Mode == DwarfCheckMode::AllUnits)
    for (const std::unique_ptr<DWARFUnit> &U : Units)
      Out.check(*U);
  return Out;
}

bool CheckedDwarf::check(DWARFUnit &U) {
  Sink->Checking = true;
  checkUnit(*Sink, U.getContext(), U);
  Sink->Checking = false;
  if (Sink->First.empty())
    return true;
  Damaged.push_back(U.getOffset());
  Problems.push_back(Sink->First);
  Sink->First.clear();
  return false;
}

bool CheckedDwarf::damaged(const DWARFUnit &U) const {
  return llvm::is_contained(Damaged, U.getOffset());
}

bool sameFunctionName(StringRef DwarfName, StringRef SymbolName) {
  return symbolTableFunctionName(DwarfName) == symbolTableFunctionName(SymbolName);
}

} // namespace pgoctl::binary
