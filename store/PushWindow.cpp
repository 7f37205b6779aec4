// store/PushWindow.cpp: a window file to its raw-window key and into a store
// (see PushWindow.h).
#include "store/PushWindow.h"
#include "store/Store.h"

#include "core/Error.h"
#include "core/Input.h"
#include "core/Profile.h"
#include "core/ProfileFormat.h"
#include "core/Support.h"

#include "llvm/Support/Chrono.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"

#include <map>

namespace pgoctl::store {

namespace {

/// The build-id of the window's program (core's mainBinary), else `none`.
std::string mainBuildId(const Profile &P) {
  const BinaryProfile *B = mainBinary(P);
  return B && !B->BuildId.empty() ? B->BuildId : "none";
}

std::string pick(const std::string &Given, const std::map<std::string, std::string> &L,
                 const char *Label) {
  if (!Given.empty())
    return Given;
  auto It = L.find(Label);
  return It == L.end() ? "" : It->second;
}

} // namespace

llvm::Expected<RawWindow> rawWindowFor(const Profile &P, llvm::StringRef File,
                                       const PushKeyOptions &O) {
  RawWindow W;
  W.Service = pick(O.Service, P.Meta.Labels, "service");
  W.Host = pick(O.Host, P.Meta.Labels, "host");
  if (W.Host.empty() && !P.Meta.Inputs.empty())
    W.Host = P.Meta.Inputs.front().Host;
  if (W.Service.empty())
    return makeKindError(ErrorKind::Usage, "{0}: no `service` label; give --service", File);
  if (W.Host.empty())
    return makeKindError(ErrorKind::Usage, "{0}: no `host` label or host; give --host", File);
  auto BL = P.Meta.Labels.find("build-id");
  W.BuildId = BL != P.Meta.Labels.end() ? BL->second : mainBuildId(P);
  std::string StartText = pick(O.Start, P.Meta.Labels, "start");
  if (!StartText.empty()) {
    if (llvm::StringRef(StartText).getAsInteger(10, W.Start) || W.Start < 0)
      return makeKindError(ErrorKind::Usage, "{0}: start `{1}` is not seconds since 1970",
                           File, escapeForTerminal(StartText, 64));
  } else {
    llvm::sys::fs::file_status St;
    if (std::error_code EC = llvm::sys::fs::status(File, St))
      return makeKindError(ErrorKind::Input, "{0}: {1}", File, EC.message());
    W.Start = llvm::sys::toTimeT(St.getLastModificationTime());
  }
  return W;
}

llvm::Expected<std::string> pushWindowFile(Store &S, llvm::StringRef File,
                                           const PushKeyOptions &O, uint64_t MaxMemory) {
  llvm::Expected<InputFile> In = InputFile::open(File);
  if (!In)
    return In.takeError();
  llvm::Expected<std::string> Bytes = In->readAll(MaxMemory);
  if (!Bytes)
    return addContext(Bytes.takeError(), File);
  llvm::Expected<Profile> P = parseProfile(*Bytes, File, ProfileReadOptions{MaxMemory});
  if (!P)
    return P.takeError();
  llvm::Expected<RawWindow> W = rawWindowFor(*P, File, O);
  if (!W)
    return W.takeError();
  llvm::Expected<std::string> Key = rawKey(*W);
  if (!Key)
    return addContext(Key.takeError(), File);
  if (llvm::Error E = S.put(*Key, *Bytes))
    return addContext(std::move(E), File);
  return *Key;
}

} // namespace pgoctl::store
