// core/Output.h: writing an output file so that nothing a user had is lost.
//
// writeFileAtomic() is what every `-o` goes through. What it does depends on
// what the output path is now:
//   - a regular file, or nothing yet: a temporary file beside it, written,
//     fsync'ed, renamed onto it, then the folder fsync'ed. The mode (and, as
//     root, the owner) of a file it replaces are kept.
//   - a symbolic link (also a chain, also a dangling one): the same for the
//     link's final target; the link itself stays a link.
//   - a device, a FIFO or a socket (`/dev/null`, a named pipe): written to
//     directly, with no temporary file and no rename (which would replace the
//     device node with a regular file). Opening a FIFO waits for its reader,
//     as `echo > fifo` does.
//   - `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`: written
//     to that open descriptor (whatever the shell connected it to).
//   - a folder: an error saying so.
// Every write, fsync and close is checked and an error names the file. A
// temporary file is removed on every error path, and also when the process
// gets SIGINT, SIGTERM or SIGHUP while it exists (a handler installed on the
// first use unlinks the live temporary files, then re-raises the signal with
// the previous disposition).
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace pgoctl {

/// Writes Data to Path as described above.
llvm::Error writeFileAtomic(llvm::StringRef Path, llvm::StringRef Data);

} // namespace pgoctl
