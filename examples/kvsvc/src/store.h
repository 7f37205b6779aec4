// store.h: the key-value store of kvsvc: fixed-size slots in an open-
// addressing table (linear probing, tombstones), keys hashed with a 64-bit
// multiply-xorshift hash.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

namespace kvsvc {

uint64_t hash_key(std::string_view key);

class Store {
public:
  static constexpr size_t kMaxKey = 48, kMaxValue = 96;
  explicit Store(size_t capacity_pow2);

  bool get(std::string_view key, std::string_view &value) const;
  enum class PutResult { Inserted, Updated, Full, TooLong };
  PutResult put(std::string_view key, std::string_view value);
  bool erase(std::string_view key);
  size_t size() const { return size_; }
  size_t capacity() const { return slots_.size(); }
  uint64_t probes() const { return probes_; }

private:
  struct Slot {
    uint64_t hash = 0;  // 0: empty, 1: tombstone
    uint8_t key_len = 0, value_len = 0;
    char key[kMaxKey];
    char value[kMaxValue];
  };
  size_t find(std::string_view key, uint64_t h) const;
  std::vector<Slot> slots_;
  size_t size_ = 0, used_ = 0;
  mutable uint64_t probes_ = 0;
};

} // namespace kvsvc
