// collect/PerfRecord.h: the one decoder of perf kernel records.
//
// A RecordDecoder turns the bytes of one kernel record (SAMPLE, MMAP, MMAP2,
// COMM, FORK, EXIT, LOST, LOST_SAMPLES, THROTTLE, ...) into the structs of
// collect/PerfData.h and hands them to a PerfVisitor, using the recording's
// attrs (several events are told apart by sample id). The perf.data reader
// (PerfReader.cpp) calls it for every kernel record of a file; the agent
// (Agent.cpp) for every record it reads from its ring buffers, so a sample
// decodes the same way from either.
#pragma once

#include "collect/PerfData.h"
#include "collect/PerfReader.h"

#include "llvm/ADT/DenseMap.h"

#include <string>

namespace pgoctl::perf {

class RecordDecoder {
public:
  RecordDecoder(PerfHeader &H, ReadStats &S, PerfVisitor &V) : H(H), S(S), V(V) {}
  /// Skip decoding samples (they are only counted per event).
  bool SkipSamples = false;

  /// Adds an attr to the header and files its sample ids.
  void addAttr(EventAttr A);
  /// The attr with sample id Id, or nullptr.
  const EventAttr *attrById(uint64_t Id) const;

  /// Counts a record of Type in the stats (every record, kernel or tool),
  /// before decode(): a record's sequence number orders equal times.
  void countRecord(uint32_t Type) {
    S.Seq = ++S.Records;
    if (Type < 128)
      ++S.RecordsByType[Type];
  }

  enum class Result { Done, NotKernel, Damaged };
  /// Decodes record R of Size bytes (Size >= 8, the whole record readable)
  /// found at Offset (for messages). NotKernel: a perf tool record (type >= 64)
  /// for the caller. Damaged: Why says what is wrong with it.
  Result decode(const char *R, uint16_t Size, uint64_t Offset, std::string &Why);

  /// The time a record carries (a sample's TIME, a side-band record's
  /// sample_id_all time, FORK/EXIT's own), 0 when it has none.
  uint64_t recordTime(const char *R, uint16_t Size) const;

private:
  const EventAttr *attrForSample(const char *Body, size_t Len, bool *UnknownId = nullptr) const;
  const EventAttr *attrForSideband(const char *Body, size_t Len) const;
  uint64_t sidebandTime(const char *Body, size_t Len, const EventAttr *A) const;
  Result decodeSample(const char *R, uint16_t Size, uint64_t Offset, std::string &Why);
  void countSample(const EventAttr *A) {
    size_t I = size_t(A - H.Attrs.data());
    if (S.SamplesPerAttr.size() <= I)
      S.SamplesPerAttr.resize(H.Attrs.size());
    ++S.SamplesPerAttr[I];
  }
  static bool reservedId(uint64_t Id) { return Id >= ~uint64_t(1); }

  PerfHeader &H;
  ReadStats &S;
  PerfVisitor &V;
  /// Sample id to attr index. Ids come from the file, so they may be any
  /// value, including the two DenseMap reserves: those are kept aside.
  llvm::DenseMap<uint64_t, unsigned> IdToAttr;
};

} // namespace pgoctl::perf
