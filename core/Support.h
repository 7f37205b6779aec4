// core/Support.h: small pieces every pgoctl library shares.
//
// Errors are llvm::Error / llvm::Expected everywhere in library code; this file
// adds the helpers that make such errors name what went wrong (a file, a byte
// offset, a record). It also holds the pass timer behind `--stats` and hex
// formatting. The output writer (writeFileAtomic) is in core/Output.h, included
// here for the callers that know it from this header. No global state: a Stats
// object is created by the command and passed down.
#pragma once

#include "core/Output.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FormatVariadic.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace pgoctl {

/// An error carrying a formatted message (inconvertibleErrorCode-based).
template <typename... Ts>
llvm::Error makeError(const char *Fmt, Ts &&...Vals) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 llvm::formatv(Fmt, std::forward<Ts>(Vals)...).str());
}

/// Prefixes an error's message with `Context: ` (e.g. a file name).
llvm::Error addContext(llvm::Error E, llvm::StringRef Context);

/// Lowercase hex of a byte string (build-ids).
std::string toHex(llvm::StringRef Bytes);


/// Timings of the passes of one command, printed by `--stats`.
class Stats {
public:
  class Pass {
  public:
    Pass(Stats &S, std::string Name);
    ~Pass();
    Pass(const Pass &) = delete;
    Pass &operator=(const Pass &) = delete;

  private:
    Stats &S;
    std::string Name;
    std::chrono::steady_clock::time_point Start;
  };

  struct Entry {
    std::string Name;
    double Seconds = 0;
  };
  /// Named counters shown with the timings (bytes read, records, ...).
  void count(llvm::StringRef Name, uint64_t Value);
  const std::vector<Entry> &passes() const { return Passes; }
  std::string render() const;

private:
  std::vector<Entry> Passes;
  std::vector<std::pair<std::string, uint64_t>> Counters;
};

/// Peak resident set size of this process, in bytes (from getrusage).
uint64_t peakRssBytes();

} // namespace pgoctl
