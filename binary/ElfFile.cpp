// binary/ElfFile.cpp: opening an ELF file once (see ElfFile.h).
#include "binary/ElfFile.h"
#include "core/Error.h"
#include "core/Support.h"

namespace pgoctl::binary {

llvm::Expected<std::shared_ptr<const ElfFile>> ElfFile::open(llvm::StringRef Path) {
  auto Obj = llvm::object::ObjectFile::createObjectFile(Path);
  if (!Obj)
    return addContext(Obj.takeError(), Path);
  auto *Elf = llvm::dyn_cast<llvm::object::ELFObjectFileBase>(Obj->getBinary());
  if (!Elf)
    return makeKindError(ErrorKind::Input, "{0}: not an ELF file", Path);
  std::shared_ptr<ElfFile> F(new ElfFile());
  F->Path = Path.str();
  F->Owner = std::move(*Obj);
  F->Obj = Elf;
  return std::shared_ptr<const ElfFile>(std::move(F));
}

} // namespace pgoctl::binary
