// core/Warn.h: passing a warning to a WarningHandler (core/Error.h) that may
// be empty. A handler that is an options-struct member is left empty by a
// caller that does not want the warnings; libraries call warnTo() instead of
// the handler itself, so an empty one drops the warning instead of throwing.
#pragma once

#include "core/Error.h"

namespace pgoctl {

inline void warnTo(const WarningHandler &Warn, llvm::StringRef Text) {
  if (Warn)
    Warn(Text);
}

} // namespace pgoctl
