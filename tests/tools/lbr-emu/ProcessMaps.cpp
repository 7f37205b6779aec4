// /proc/PID/maps parser. Only executable mappings matter for LBR samples;
// [vsyscall] is skipped (kernel-emulated, never a branch source for us).
#include "ProcessMaps.h"
#include "BuildId.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;

namespace lbremu {

static bool parseLine(StringRef L, Mapping &M) {
  // start-end perms offset major:minor inode   path
  auto [Range, R1] = L.split(' ');
  auto [Perms, R2] = R1.split(' ');
  auto [Off, R3] = R2.split(' ');
  auto [Dev, R4] = R3.split(' ');
  auto [Ino, R5] = R4.split(' ');
  if (Perms.size() < 4 || Perms[2] != 'x')
    return false;
  auto [S, E] = Range.split('-');
  auto [Maj, Min] = Dev.split(':');
  if (S.getAsInteger(16, M.Start) || E.getAsInteger(16, M.End) ||
      Off.getAsInteger(16, M.PgOff) || Maj.getAsInteger(16, M.Major) ||
      Min.getAsInteger(16, M.Minor) || Ino.getAsInteger(10, M.Inode))
    return false;
  M.Path = R5.trim().str();
  if (M.Path.empty() || M.Path == "[vsyscall]")
    return false;
  return true;
}

Expected<MapsDelta> ProcessMaps::refresh() {
  std::string P = "/proc/" + std::to_string(Pid) + "/maps";
  // /proc files report size 0: read them as streams.
  auto Buf = MemoryBuffer::getFileAsStream(P);
  if (!Buf)
    return createStringError(Buf.getError(), "cannot read " + P);
  std::map<uint64_t, Mapping> Now;
  SmallVector<StringRef, 64> Lines;
  (*Buf)->getBuffer().split(Lines, '\n', -1, false);
  for (StringRef L : Lines) {
    Mapping M;
    if (parseLine(L, M))
      Now[M.Start] = std::move(M);
  }
  MapsDelta D;
  for (auto &[Start, M] : ByStart) {
    auto It = Now.find(Start);
    if (It == Now.end() || !(It->second == M))
      D.Removed.push_back(M);
  }
  for (auto &[Start, M] : Now) {
    auto It = ByStart.find(Start);
    if (It != ByStart.end() && It->second == M) {
      M.BuildId = It->second.BuildId;
      continue;
    }
    if (!M.Path.empty() && M.Path[0] == '/') {
      auto Seen = SeenBuildIds.find(M.Path);
      if (Seen != SeenBuildIds.end())
        M.BuildId = Seen->second;
      else
        M.BuildId = SeenBuildIds[M.Path] = readBuildId(M.Path);
    }
    D.Added.push_back(M);
  }
  ByStart = std::move(Now);
  return D;
}

const Mapping *ProcessMaps::find(uint64_t Addr) const {
  auto It = ByStart.upper_bound(Addr);
  if (It == ByStart.begin())
    return nullptr;
  --It;
  return Addr < It->second.End ? &It->second : nullptr;
}

} // namespace lbremu
