// core/Input.h: an input file opened once, and the memory limit readers apply.
//
// Formats are told apart by their first bytes. Opening the path a second time
// to parse after sniffing breaks every input that can be read only once
// (`import <(cat x.data)`, a named FIFO, standard input): the sniffed bytes are
// gone. InputFile opens once, reads the head, and gives the head back to the
// parser: a regular file is re-read from offset 0 with pread/mmap (the
// descriptor's own offset is never moved by the sniff), anything else is read
// as a stream whose first bytes come from the saved head.
//
// Readers check every size an input declares against what the input can hold
// and against a memory limit before allocating it; defaultMaxMemory() is that
// limit's default: half of the physical memory, at most 4 GiB, at least
// 256 MiB (commands can override it, e.g. with --max-memory).
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace pgoctl {

/// Half of physical memory, clamped to [256 MiB, 4 GiB].
uint64_t defaultMaxMemory();

class InputFile {
public:
  /// Opens Path ("-" is standard input) and reads up to HeadBytes of it. A
  /// folder is an error that says so.
  static llvm::Expected<InputFile> open(llvm::StringRef Path, size_t HeadBytes = 4096);

  InputFile(InputFile &&O) noexcept;
  InputFile &operator=(InputFile &&O) = delete;
  InputFile(const InputFile &) = delete;
  ~InputFile();

  const std::string &path() const { return Path; }
  int fd() const { return FD; }
  /// A regular file: pread, mmap and several passes are fine.
  bool isRegular() const { return Regular; }
  /// Size at open time (regular files; 0 otherwise).
  uint64_t size() const { return Size; }
  /// The first bytes (fewer only if the input is shorter).
  llvm::StringRef head() const { return Head; }
  /// The head bytes not yet returned by read() (streams only; a regular file
  /// is read again from offset 0 by whoever reads it).
  llvm::StringRef unreadHead() const { return llvm::StringRef(Head).drop_front(HeadPos); }

  /// Sequential read from the start: head first, then the descriptor.
  /// Returns 0 at the end of the input.
  llvm::Expected<size_t> read(char *Dst, size_t N);
  /// Marks the head as consumed (a stream reader that copied unreadHead()).
  void consumeHead() { HeadPos = Head.size(); }
  /// Rewinds a regular file for another sequential pass.
  llvm::Error rewind();
  /// The whole input; an error when it holds more than Limit bytes.
  llvm::Expected<std::string> readAll(uint64_t Limit);

private:
  InputFile() = default;
  std::string Path;
  int FD = -1;
  bool Own = false;
  bool Regular = false;
  uint64_t Size = 0;
  std::string Head;
  size_t HeadPos = 0;
  uint64_t Offset = 0; ///< of the next sequential read (regular files)
};

} // namespace pgoctl
