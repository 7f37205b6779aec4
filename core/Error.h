// core/Error.h: typed errors and the warning callback every library uses.
//
// Library code returns llvm::Error / llvm::Expected. An error made here carries
// a kind that callers can branch on (retry, skip an input, report a mismatch)
// and that cli/main.cpp maps to the documented exit code in one place:
//   usage     64  a flag or argument is wrong (EX_USAGE)
//   input      3  a file is missing, unreadable or not of the expected kind
//   damaged    4  a file is of the right kind but its content is corrupt
//   mismatch   5  inputs do not belong together (a binary of another build)
//   resource   6  a limit was hit (--max-memory, a size cap)
// Errors without a kind (llvm::StringError from LLVM) count as input errors.
// Warnings never go to a logger from a library: they go to a Warn callback
// that the command passes down (cli prints them on stderr, tests collect them).
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FormatVariadic.h"

#include <functional>
#include <string>

namespace pgoctl {

enum class ErrorKind { Input, Usage, Damaged, Mismatch, Resource };

/// An error with a kind and a message.
class PgoctlError : public llvm::ErrorInfo<PgoctlError> {
public:
  static char ID;
  PgoctlError(ErrorKind Kind, std::string Msg) : Kind(Kind), Msg(std::move(Msg)) {}
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override;
  ErrorKind kind() const { return Kind; }
  std::string message() const override { return Msg; }

private:
  ErrorKind Kind;
  std::string Msg;
};

/// An error of the given kind with a formatted message.
template <typename... Ts>
llvm::Error makeKindError(ErrorKind Kind, const char *Fmt, Ts &&...Vals) {
  return llvm::make_error<PgoctlError>(Kind,
                                       llvm::formatv(Fmt, std::forward<Ts>(Vals)...).str());
}

/// An error taken apart: the kind of its first payload (Input when it has
/// none) and every payload's message, one per line.
struct KindedMessage {
  ErrorKind Kind = ErrorKind::Input;
  std::string Message;
};
KindedMessage takeKindedMessage(llvm::Error E);

/// The process exit code of an error kind (see the table above).
int exitCodeFor(ErrorKind Kind);

/// Receives one warning (a whole sentence, no trailing newline).
using WarningHandler = std::function<void(llvm::StringRef)>;

/// Text from a file made safe for a terminal or a one-line message: control
/// characters (and DEL, C1 controls and bytes of invalid UTF-8) become \xNN
/// escapes, and text beyond MaxBytes is cut with "...". A backslash stays as it
/// is, so text escaped once (by a reader's excerpt) is not escaped again.
std::string escapeForTerminal(llvm::StringRef Text, size_t MaxBytes = 4096);

/// The same for a message of several lines that we composed: each line is
/// escaped and the newlines between them are kept.
std::string escapeLinesForTerminal(llvm::StringRef Text, size_t MaxBytes = 16 * 1024);

} // namespace pgoctl
