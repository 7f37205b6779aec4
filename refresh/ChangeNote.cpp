// refresh/ChangeNote.cpp: STUB until refresh-gate lands.
#include "refresh/ChangeNote.h"

namespace pgoctl::refresh {
std::string renderChangeNote(const ChangeNoteInput &In) {
  // Service and versions passed store::checkKeyPart / are hex: no escaping needed.
  return "# Profile refresh: " + In.Service + "\n\nVersion " + In.Version + " (previous " +
         (In.Previous.empty() ? "none" : In.Previous) + "), " + std::to_string(In.Samples) +
         " samples.\n";
}
} // namespace pgoctl::refresh
