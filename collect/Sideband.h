// collect/Sideband.h: the first pass over a perf.data file.
//
// Reads the side-band records (MMAP, MMAP2, COMM, FORK) of the whole input into
// ProcessMaps, remembers comm changes and forks (for --comm filters), and counts
// samples per event without decoding them. Importer and `debug samples` both
// run it before they walk the samples, so address resolution is by time, not
// by where a record happens to sit in the file.
#pragma once

#include "collect/PerfReader.h"
#include "collect/ProcessMaps.h"

namespace pgoctl {

/// Pass 1: side-band records into ProcessMaps (read with SkipSamples).
class SidebandVisitor : public perf::PerfVisitor {
public:
  SidebandVisitor(ProcessMaps &Maps, const perf::ReadStats &RS) : Maps(Maps), RS(RS) {}
  void onHeader(const perf::PerfHeader &Hd) override {
    for (const perf::BuildIdEntry &B : Hd.BuildIds)
      Maps.addBuildId(B.Filename, B.BuildId);
  }
  void onMmap(const perf::MmapEvent &E) override { Maps.addMmap(E, {E.Time, RS.Records}); }
  void onComm(const perf::CommEvent &E) override {
    if (E.Exec)
      Maps.addExec(E.Pid, {E.Time, RS.Records});
    Comms.push_back({E.Pid, {E.Time, RS.Records}, E.Comm.str()});
  }
  void onForkExit(const perf::ForkExitEvent &E) override {
    if (E.IsFork) {
      Maps.addFork(E.Pid, E.Ppid, {E.Time, RS.Records});
      if (E.Pid != E.Ppid)
        Parents.push_back({E.Pid, E.Ppid, {E.Time, RS.Records}});
    }
  }

  struct CommChange {
    uint32_t Pid;
    OrderKey Key;
    std::string Comm;
  };
  struct ForkInfo {
    uint32_t Child, Parent;
    OrderKey Key;
  };
  std::vector<CommChange> Comms;
  std::vector<ForkInfo> Parents;

private:
  ProcessMaps &Maps;
  const perf::ReadStats &RS;
};


} // namespace pgoctl
