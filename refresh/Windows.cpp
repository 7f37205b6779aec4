// refresh/Windows.cpp: see Windows.h.
#include "refresh/Windows.h"

#include "core/Error.h"

namespace pgoctl::refresh {

llvm::Expected<WindowSelection> selectWindows(store::Store &S, const WindowOptions &O) {
  if (llvm::Error E = store::checkKeyPart(O.Service, "--service"))
    return std::move(E);
  if (O.Since <= 0)
    return makeKindError(ErrorKind::Usage, "--since must be a positive duration");
  WindowSelection Sel;
  Sel.PeriodStart = O.Now - O.Since;
  Sel.PeriodEnd = O.Now;
  if (Sel.PeriodStart < 0)
    Sel.PeriodStart = 0;
  // One listing per UTC day of the period (a day's folder holds the windows
  // that started that day: store/Layout.h).
  constexpr int64_t Day = 86400;
  for (int64_t D = Sel.PeriodStart - Sel.PeriodStart % Day; D <= Sel.PeriodEnd; D += Day) {
    std::string Prefix = store::rawPrefix(O.Service) + store::utcDate(D) + "/";
    if (llvm::Error E = S.list(Prefix, [&](const store::ObjectInfo &Obj) -> llvm::Error {
          std::optional<store::RawWindow> W = store::parseRawKey(Obj.Key);
          if (!W || W->Service != O.Service) {
            ++Sel.NotWindows;
            return llvm::Error::success();
          }
          if (W->Start < Sel.PeriodStart || W->Start > Sel.PeriodEnd) {
            ++Sel.OutsidePeriod;
            return llvm::Error::success();
          }
          Sel.Windows.push_back({Obj.Key, std::move(*W), Obj.Size});
          return llvm::Error::success();
        }))
      return std::move(E);
  }
  llvm::sort(Sel.Windows,
             [](const WindowRef &A, const WindowRef &B) { return A.Key < B.Key; });
  return Sel;
}

std::map<std::string, std::vector<size_t>> windowsByHost(const WindowSelection &Sel) {
  std::map<std::string, std::vector<size_t>> M;
  for (size_t I = 0; I < Sel.Windows.size(); ++I)
    M[Sel.Windows[I].W.Host].push_back(I);
  return M;
}

std::map<std::string, std::vector<size_t>> windowsByBuild(const WindowSelection &Sel) {
  std::map<std::string, std::vector<size_t>> M;
  for (size_t I = 0; I < Sel.Windows.size(); ++I)
    M[Sel.Windows[I].W.BuildId].push_back(I);
  return M;
}

} // namespace pgoctl::refresh
