// refresh/Gate.cpp: STUB until refresh-gate lands (passes everything).
#include "refresh/Gate.h"

namespace pgoctl::refresh {
GateResult evaluateGate(const GateInput &, const GateThresholds &) { return {}; }
} // namespace pgoctl::refresh
