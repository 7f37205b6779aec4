// tests/unit/collect/ReaderTestUtil.h: shared helpers of the collect/ tests.
//
// A PerfVisitor that copies out everything the reader delivers (so tests can
// inspect it after the call), and readBytes(), which writes a byte string to a
// temporary file and runs perf::readPerfData over it.
#pragma once

#include "../PerfDataBuilder.h"
#include "collect/PerfReader.h"

#include <string>
#include <vector>

namespace pgoctl::testing {

struct SeenSample {
  perf::Sample S; ///< pointer fields are not valid after the call
  size_t AttrIndex = 0;
  std::vector<uint64_t> Callchain;
  std::vector<perf::BranchEntry> Branches;
};
struct SeenMmap {
  perf::MmapEvent E; ///< E.Filename is not valid after the call: use File
  std::string File;
};
struct SeenComm {
  perf::CommEvent E;
  std::string Comm;
};
struct SeenDamage {
  uint64_t Offset, Dropped;
  std::string Message;
};

class Recorder : public perf::PerfVisitor {
public:
  void onHeader(const perf::PerfHeader &H) override {
    ++Headers;
    Header = &H;
  }
  void onSample(const perf::Sample &S) override {
    SeenSample X;
    X.S = S;
    X.AttrIndex = Header ? size_t(S.Attr - Header->Attrs.data()) : 0;
    for (uint64_t I = 0; I < S.CallchainLen; ++I)
      X.Callchain.push_back(S.callchain(I));
    for (uint64_t I = 0; I < S.NumBranches; ++I)
      X.Branches.push_back(S.branch(I));
    X.S.CallchainRaw = X.S.BranchesRaw = nullptr;
    Samples.push_back(std::move(X));
  }
  void onMmap(const perf::MmapEvent &E) override {
    Mmaps.push_back({E, E.Filename.str()});
    Mmaps.back().E.Filename = {};
  }
  void onComm(const perf::CommEvent &E) override {
    Comms.push_back({E, E.Comm.str()});
    Comms.back().E.Comm = {};
  }
  void onForkExit(const perf::ForkExitEvent &E) override { ForkExits.push_back(E); }
  void onLost(uint64_t Count, bool IsLostSamples) override {
    Lost.push_back({Count, IsLostSamples});
  }
  void onFinishedRound() override { ++Rounds; }
  void onDamage(uint64_t Offset, llvm::StringRef Message, uint64_t Dropped) override {
    Damage.push_back({Offset, Dropped, Message.str()});
  }

  const perf::PerfHeader *Header = nullptr;
  unsigned Headers = 0, Rounds = 0;
  std::vector<SeenSample> Samples;
  std::vector<SeenMmap> Mmaps;
  std::vector<SeenComm> Comms;
  std::vector<perf::ForkExitEvent> ForkExits;
  std::vector<std::pair<uint64_t, bool>> Lost;
  std::vector<SeenDamage> Damage;
};

/// The outcome of reading one byte string as a perf.data file.
struct ReadRun {
  Recorder V;
  perf::PerfHeader H;
  perf::ReadStats S;
  std::string Error; ///< "" on success
  std::string Path;  ///< of the (already removed) temporary file
};

/// Reads Bytes (written to a temporary file) with Opts. Run is filled in place
/// (its header must not move while the recorder refers to it).
inline void readBytes(llvm::StringRef Bytes, ReadRun &Run, perf::ReadOptions Opts = {}) {
  TempFile F(Bytes);
  Run.Path = F.path();
  if (llvm::Error E = perf::readPerfData(F.path(), Run.V, Opts, Run.H, Run.S))
    Run.Error = llvm::toString(std::move(E));
}

} // namespace pgoctl::testing
