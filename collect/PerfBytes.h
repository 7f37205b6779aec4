// collect/PerfBytes.h: checked little-endian reads over a record's bytes,
// shared by the perf.data reader and the record decoder (internal to collect/).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace pgoctl::perf::detail {

inline uint64_t ld64(const char *P) {
  uint64_t V;
  memcpy(&V, P, 8);
  return V;
}
inline uint32_t ld32(const char *P) {
  uint32_t V;
  memcpy(&V, P, 4);
  return V;
}
inline uint16_t ld16(const char *P) {
  uint16_t V;
  memcpy(&V, P, 2);
  return V;
}

/// Checked reads over [P, End). Every read past the end sets Bad and returns 0.
struct Cursor {
  const char *P, *End;
  bool Bad = false;
  Cursor(const char *B, const char *E) : P(B), End(E) {}
  size_t left() const { return size_t(End - P); }
  bool has(uint64_t N) {
    if (N > left()) {
      Bad = true;
      return false;
    }
    return true;
  }
  uint64_t u64() {
    if (!has(8))
      return 0;
    uint64_t V = ld64(P);
    P += 8;
    return V;
  }
  uint32_t u32() {
    if (!has(4))
      return 0;
    uint32_t V = ld32(P);
    P += 4;
    return V;
  }
  uint8_t u8() {
    if (!has(1))
      return 0;
    return uint8_t(*P++);
  }
  const char *take(uint64_t N) {
    if (!has(N))
      return nullptr;
    const char *R = P;
    P += N;
    return R;
  }
  /// A perf header string: u32 length, then that many bytes, NUL-padded.
  std::string str() {
    uint32_t Len = u32();
    const char *S = take(Len);
    if (!S)
      return {};
    return std::string(S, strnlen(S, Len));
  }
};
} // namespace pgoctl::perf::detail
