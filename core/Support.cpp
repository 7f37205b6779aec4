// core/Support.cpp: error context, hex, pass timers.
#include "core/Support.h"
#include "core/Error.h"

#include "llvm/Support/raw_ostream.h"

#include <sys/resource.h>

namespace pgoctl {

llvm::Error addContext(llvm::Error E, llvm::StringRef Context) {
  if (!E)
    return E;
  KindedMessage M = takeKindedMessage(std::move(E));
  return makeKindError(M.Kind, "{0}: {1}", Context, M.Message);
}

std::string toHex(llvm::StringRef Bytes) {
  static const char Digits[] = "0123456789abcdef";
  std::string Out;
  Out.reserve(Bytes.size() * 2);
  for (unsigned char C : Bytes) {
    Out.push_back(Digits[C >> 4]);
    Out.push_back(Digits[C & 15]);
  }
  return Out;
}

Stats::Pass::Pass(Stats &S, std::string Name)
    : S(S), Name(std::move(Name)), Start(std::chrono::steady_clock::now()) {}

Stats::Pass::~Pass() {
  std::chrono::duration<double> D = std::chrono::steady_clock::now() - Start;
  S.Passes.push_back({std::move(Name), D.count()});
}

void Stats::count(llvm::StringRef Name, uint64_t Value) {
  for (auto &[K, V] : Counters)
    if (K == Name) {
      V += Value;
      return;
    }
  Counters.emplace_back(Name.str(), Value);
}

std::string Stats::render() const {
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  double Total = 0;
  for (const Entry &E : Passes)
    Total += E.Seconds;
  OS << "pass                              seconds\n";
  for (const Entry &E : Passes)
    OS << llvm::formatv("  {0,-30} {1,9:f3}\n", E.Name, E.Seconds);
  OS << llvm::formatv("  {0,-30} {1,9:f3}\n", "total", Total);
  for (const auto &[K, V] : Counters)
    OS << llvm::formatv("  {0,-30} {1,9}\n", K, V);
  OS << llvm::formatv("  {0,-30} {1,9:f1} MiB\n", "peak RSS",
                      double(peakRssBytes()) / (1024.0 * 1024.0));
  return Out;
}

uint64_t peakRssBytes() {
  struct rusage RU;
  if (getrusage(RUSAGE_SELF, &RU) != 0)
    return 0;
  return uint64_t(RU.ru_maxrss) * 1024;
}

} // namespace pgoctl
