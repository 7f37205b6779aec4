// store/StoreImpl.h: what the backends share inside store/ (not an API).
#pragma once

#include "store/Store.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FormatVariadic.h"

namespace pgoctl::store {

/// A key as a backend takes it: relative, `/`-separated, no empty, `.` or
/// `..` component, no control character, at most 1024 bytes. The second line
/// of defense after checkKeyPart() (store/Layout.h) on the parts.
llvm::Error checkKey(llvm::StringRef Key);

llvm::Expected<std::unique_ptr<Store>> openDirStore(llvm::StringRef Url, llvm::StringRef Path);
llvm::Expected<std::unique_ptr<Store>> openS3Store(llvm::StringRef Url, llvm::StringRef Bucket,
                                                   llvm::StringRef Prefix,
                                                   const StoreOptions &Opts);

} // namespace pgoctl::store
