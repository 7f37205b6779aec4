// core/Error.cpp: typed errors, exit codes, terminal-safe text.
#include "core/Error.h"

#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/raw_ostream.h"

namespace pgoctl {

char PgoctlError::ID = 0;

void PgoctlError::log(llvm::raw_ostream &OS) const { OS << Msg; }

std::error_code PgoctlError::convertToErrorCode() const {
  return llvm::inconvertibleErrorCode();
}

KindedMessage takeKindedMessage(llvm::Error E) {
  KindedMessage Out;
  bool First = true;
  llvm::handleAllErrors(std::move(E), [&](const llvm::ErrorInfoBase &Info) {
    if (First) {
      if (Info.isA<PgoctlError>())
        Out.Kind = static_cast<const PgoctlError &>(Info).kind();
    } else {
      Out.Message += "\n";
    }
    Out.Message += Info.message();
    First = false;
  });
  return Out;
}

int exitCodeFor(ErrorKind Kind) {
  switch (Kind) {
  case ErrorKind::Usage:
    return 64;
  case ErrorKind::Input:
    return 3;
  case ErrorKind::Damaged:
    return 4;
  case ErrorKind::Mismatch:
    return 5;
  case ErrorKind::Resource:
    return 6;
  }
  return 3;
}

std::string escapeForTerminal(llvm::StringRef Text, size_t MaxBytes) {
  std::string Out;
  Out.reserve(std::min(Text.size(), MaxBytes) + 8);
  static const char Hex[] = "0123456789abcdef";
  auto escapeByte = [&](unsigned char C) {
    Out += "\\x";
    Out += Hex[C >> 4];
    Out += Hex[C & 15];
  };
  size_t I = 0;
  while (I < Text.size()) {
    if (Out.size() >= MaxBytes) {
      Out += "...";
      break;
    }
    unsigned char C = static_cast<unsigned char>(Text[I]);
    if (C < 0x20 || C == 0x7f) {
      escapeByte(C);
      ++I;
    } else if (C < 0x80) {
      Out += char(C);
      ++I;
    } else {
      unsigned Len = llvm::getNumBytesForUTF8(C);
      const auto *P = reinterpret_cast<const llvm::UTF8 *>(Text.data() + I);
      bool Ok = I + Len <= Text.size() && llvm::isLegalUTF8Sequence(P, P + Len);
      // C1 controls (U+0080..U+009F, encoded C2 80..C2 9F) act on terminals too.
      if (Ok && Len == 2 && C == 0xc2 && static_cast<unsigned char>(Text[I + 1]) < 0xa0)
        Ok = false;
      if (Ok) {
        Out.append(Text.data() + I, Len);
        I += Len;
      } else {
        escapeByte(C);
        ++I;
      }
    }
  }
  return Out;
}

std::string escapeLinesForTerminal(llvm::StringRef Text, size_t MaxBytes) {
  std::string Out;
  while (!Text.empty() && Out.size() < MaxBytes) {
    auto [Line, Rest] = Text.split('\n');
    Out += escapeForTerminal(Line, MaxBytes - Out.size());
    if (Text.size() > Line.size())
      Out += '\n';
    Text = Rest;
  }
  return Out;
}

} // namespace pgoctl
