// store.cpp: open-addressing hash table with fixed-size slots; see store.h.
#include "store.h"

#include <cstring>

namespace kvsvc {

uint64_t hash_key(std::string_view key) {
  // 8 bytes at a time, then the tail; multiply-xorshift mixing.
  uint64_t h = 0x9e3779b97f4a7c15ull ^ key.size();
  const char *p = key.data();
  size_t n = key.size();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
    p += 8;
    n -= 8;
  }
  uint64_t tail = 0;
  for (size_t i = 0; i < n; ++i)
    tail |= uint64_t(uint8_t(p[i])) << (8 * i);
  h = (h ^ tail) * 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 29;
  return h < 2 ? h + 2 : h;  // 0 and 1 mark empty and deleted slots
}

Store::Store(size_t capacity_pow2) : slots_(capacity_pow2) {}

size_t Store::find(std::string_view key, uint64_t h) const {
  size_t mask = slots_.size() - 1;
  for (size_t i = h & mask, n = 0; n < slots_.size(); i = (i + 1) & mask, ++n) {
    ++probes_;
    const Slot &s = slots_[i];
    if (s.hash == 0)
      return SIZE_MAX;
    if (s.hash == h && s.key_len == key.size() && std::memcmp(s.key, key.data(), key.size()) == 0)
      return i;
  }
  return SIZE_MAX;
}

bool Store::get(std::string_view key, std::string_view &value) const {
  size_t i = find(key, hash_key(key));
  if (i == SIZE_MAX)
    return false;
  value = std::string_view(slots_[i].value, slots_[i].value_len);
  return true;
}

Store::PutResult Store::put(std::string_view key, std::string_view value) {
  if (key.size() > kMaxKey || value.size() > kMaxValue)
    return PutResult::TooLong;
  uint64_t h = hash_key(key);
  size_t i = find(key, h);
  if (i != SIZE_MAX) {
    std::memcpy(slots_[i].value, value.data(), value.size());
    slots_[i].value_len = uint8_t(value.size());
    return PutResult::Updated;
  }
  if (used_ + 1 > slots_.size() * 3 / 4)
    return PutResult::Full;
  size_t mask = slots_.size() - 1;
  for (i = h & mask; slots_[i].hash > 1; i = (i + 1) & mask)
    ++probes_;
  if (slots_[i].hash == 0)
    ++used_;
  Slot &s = slots_[i];
  s.hash = h;
  s.key_len = uint8_t(key.size());
  std::memcpy(s.key, key.data(), key.size());
  s.value_len = uint8_t(value.size());
  std::memcpy(s.value, value.data(), value.size());
  ++size_;
  return PutResult::Inserted;
}

bool Store::erase(std::string_view key) {
  size_t i = find(key, hash_key(key));
  if (i == SIZE_MAX)
    return false;
  slots_[i].hash = 1;
  --size_;
  return true;
}

} // namespace kvsvc
