// refresh/ChangeNote.h: the Markdown change description of a refresh.
// STUB until refresh-gate lands: a few lines, no top functions.
#pragma once

#include "refresh/Gate.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pgoctl::refresh {
struct ChangeNoteInput { std::string Service, Version, Previous, Channel, LockPath;
  uint64_t Samples = 0; int64_t WindowStart = 0, WindowEnd = 0;
  struct Host { std::string Name; uint64_t Samples = 0, Windows = 0; double Weight = 0; };
  struct Build { std::string BuildId, FoundFrom; uint64_t Samples = 0, Windows = 0; bool Used = true; };
  std::vector<Host> Hosts; std::vector<Build> Builds; std::vector<GateFigure> Gate;
  // The spec's `*Previous` is PreviousProfile (as refresh-gate names it): Previous is the version.
  const llvm::sampleprof::SampleProfileMap *New = nullptr, *PreviousProfile = nullptr; };
std::string renderChangeNote(const ChangeNoteInput &In); // Markdown, every name escaped
} // namespace pgoctl::refresh
