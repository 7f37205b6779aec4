// core/ProfileScale.h: multiplying every count of a profile by a fraction.
//
// scaleCounts() is the one place counts are scaled (refresh/'s weights):
// each count c becomes floor(c * Num / Den), computed exactly in 128 bits,
// so the result depends on nothing but the count and the fraction (no
// floating point, no order). Ranges vs traces (core/Profile.h): the traces
// are scaled, the ranges no trace accounts for are scaled, and each range is
// rebuilt as the sum of the two, so every range stays the sum of its traces
// (plus its untraced part) after rounding. Records whose count rounds to
// zero are dropped (a record that was zero already is kept, as the format
// keeps it). The metadata totals (total, lost, unmapped samples) are scaled
// the same way; provenance keeps the raw counts of each input.
#pragma once

#include "core/Profile.h"

#include <cstdint>

namespace pgoctl {

/// Scales every count of P by Num/Den (Den > 0), rounding down. Returns the
/// number of counts that did not fit in 64 bits (they saturate at
/// UINT64_MAX); the caller decides whether that is an error.
uint64_t scaleCounts(Profile &P, uint64_t Num, uint64_t Den);

/// floor(C * Num / Den) exactly; Saturated is set when it exceeds 2^64-1.
uint64_t scaleCount(uint64_t C, uint64_t Num, uint64_t Den, bool &Saturated);

} // namespace pgoctl
