// Build-id lookup: scans PT_NOTE segments first (what the loader maps), then
// SHT_NOTE sections, for a GNU note of type NT_GNU_BUILD_ID.
#include "BuildId.h"

#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Object/ObjectFile.h"

using namespace llvm;
using namespace llvm::object;

namespace lbremu {

template <class ELFT>
static std::vector<uint8_t> fromElf(const ELFFile<ELFT> &F) {
  auto Match = [](const typename ELFT::Note &N) {
    return N.getType() == ELF::NT_GNU_BUILD_ID && N.getName() == "GNU";
  };
  if (auto Phdrs = F.program_headers()) {
    for (const auto &P : *Phdrs) {
      if (P.p_type != ELF::PT_NOTE)
        continue;
      Error Err = Error::success();
      for (const auto &N : F.notes(P, Err))
        if (Match(N)) {
          auto D = N.getDesc(P.p_align);
          consumeError(std::move(Err));
          return {D.begin(), D.end()};
        }
      consumeError(std::move(Err));
    }
  } else {
    consumeError(Phdrs.takeError());
  }
  if (auto Shdrs = F.sections()) {
    for (const auto &S : *Shdrs) {
      if (S.sh_type != ELF::SHT_NOTE)
        continue;
      Error Err = Error::success();
      for (const auto &N : F.notes(S, Err))
        if (Match(N)) {
          auto D = N.getDesc(S.sh_addralign);
          consumeError(std::move(Err));
          return {D.begin(), D.end()};
        }
      consumeError(std::move(Err));
    }
  } else {
    consumeError(Shdrs.takeError());
  }
  return {};
}

std::vector<uint8_t> readBuildId(StringRef Path) {
  auto Bin = ObjectFile::createObjectFile(Path);
  if (!Bin) {
    consumeError(Bin.takeError());
    return {};
  }
  if (auto *E = dyn_cast<ELF64LEObjectFile>(Bin->getBinary()))
    return fromElf(E->getELFFile());
  return {};
}

} // namespace lbremu
