// ProcessMaps: the executable mappings of the traced process, read from
// /proc/PID/maps, each with the build-id of its file. refresh() re-reads the
// maps and reports what appeared and disappeared since the last call, so the
// perf.data writer can emit MMAP2 records and the tracer can drop stale code.
#pragma once

#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

namespace lbremu {

struct Mapping {
  uint64_t Start = 0, End = 0, PgOff = 0;
  uint32_t Major = 0, Minor = 0;
  uint64_t Inode = 0;
  std::string Path; // file path, or "[vdso]"
  std::vector<uint8_t> BuildId;

  bool operator==(const Mapping &O) const {
    return Start == O.Start && End == O.End && PgOff == O.PgOff &&
           Inode == O.Inode && Path == O.Path;
  }
};

struct MapsDelta {
  std::vector<Mapping> Added;
  std::vector<Mapping> Removed;
};

class ProcessMaps {
public:
  explicit ProcessMaps(pid_t Pid) : Pid(Pid) {}
  llvm::Expected<MapsDelta> refresh();
  // The mapping holding Addr, or nullptr.
  const Mapping *find(uint64_t Addr) const;
  // All mappings ever seen (for the BUILD_ID feature): path -> build-id.
  const std::map<std::string, std::vector<uint8_t>> &buildIds() const {
    return SeenBuildIds;
  }
  const std::map<uint64_t, Mapping> &current() const { return ByStart; }
  void setPid(pid_t P) { Pid = P; }

private:
  pid_t Pid;
  std::map<uint64_t, Mapping> ByStart;
  std::map<std::string, std::vector<uint8_t>> SeenBuildIds;
};

} // namespace lbremu
