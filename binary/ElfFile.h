// binary/ElfFile.h: one ELF file, opened and mapped once.
//
// Every view of a binary (its identity and segments, its symbols, the
// Symbolizer, BOLT's view in convert/bolt) reads the same mapped bytes: an
// ElfFile is opened once per path by whoever needs several views and shared
// through a shared_ptr. Opening checks that the file is ELF; errors name it.
#pragma once

#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace pgoctl::binary {

class ElfFile {
public:
  static llvm::Expected<std::shared_ptr<const ElfFile>> open(llvm::StringRef Path);

  const llvm::object::ELFObjectFileBase &object() const { return *Obj; }
  const std::string &path() const { return Path; }

private:
  ElfFile() = default;
  std::string Path;
  llvm::object::OwningBinary<llvm::object::ObjectFile> Owner;
  const llvm::object::ELFObjectFileBase *Obj = nullptr;
};

} // namespace pgoctl::binary
