// BuildId: reads the NT_GNU_BUILD_ID note of an ELF file (via llvm::object).
#pragma once

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <vector>

namespace lbremu {

// The raw build-id bytes, or empty if the file has none or is not ELF.
std::vector<uint8_t> readBuildId(llvm::StringRef Path);

} // namespace lbremu
