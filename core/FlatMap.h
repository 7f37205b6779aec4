// core/FlatMap.h: an open-addressing hash map for the aggregation hot path.
//
// Keys are small trivially-copyable structs with hash(), == and isEmpty(): the
// all-zero key marks an empty slot, so callers must never insert a key that
// isEmpty(). Values are small structs. Linear probing over one array of
// slots, power-of-two capacity, grows at 50% load. No per-insert allocation,
// no tombstones (the aggregation never erases). Iteration order is
// unspecified: callers sort.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pgoctl {

/// A strong 64-bit mix (the murmur3 finalizer).
inline uint64_t mix64(uint64_t X) {
  X ^= X >> 33;
  X *= 0xff51afd7ed558ccdULL;
  X ^= X >> 33;
  X *= 0xc4ceb9fe1a85ec53ULL;
  X ^= X >> 33;
  return X;
}

template <typename K, typename V> class FlatMap {
public:
  struct Slot {
    K Key;
    V Value;
  };

  explicit FlatMap(size_t InitialCapacity = 1024) { rehash(roundUp(InitialCapacity)); }

  /// Returns the value for Key (which must not be empty), value-initialized if new.
  V &operator[](const K &Key) { return find(Key, Key.hash()); }

  /// operator[] with Key.hash() already computed (see prefetch).
  V &find(const K &Key, uint64_t Hash) {
    size_t I = size_t(Hash) & Mask;
    while (true) {
      Slot &S = Slots[I];
      if (S.Key == Key)
        return S.Value;
      if (S.Key.isEmpty()) {
        if ((Size + 1) * 2 > Slots.size()) {
          rehash(Slots.size() * 2);
          return find(Key, Hash);
        }
        S.Key = Key;
        ++Size;
        return S.Value;
      }
      I = (I + 1) & Mask;
    }
  }

  /// Starts loading Key's home slot: a caller with several keys to count
  /// (one LBR sample's branches) prefetches them all first, so the cache
  /// misses overlap instead of following one another.
  void prefetch(uint64_t Hash) const {
    __builtin_prefetch(Slots.data() + (size_t(Hash) & Mask));
  }

  size_t size() const { return Size; }
  size_t bytes() const { return Slots.size() * sizeof(Slot); }

  template <typename Fn> void forEach(Fn F) const {
    for (const Slot &S : Slots)
      if (!S.Key.isEmpty())
        F(S.Key, S.Value);
  }

private:
  static size_t roundUp(size_t N) {
    size_t C = 16;
    while (C < N)
      C *= 2;
    return C;
  }
  void rehash(size_t NewCap) {
    std::vector<Slot> Old;
    Old.swap(Slots);
    Slots.assign(NewCap, Slot{K(), V()});
    Size = 0;
    Mask = NewCap - 1;
    for (const Slot &S : Old) {
      if (S.Key.isEmpty())
        continue;
      size_t I = size_t(S.Key.hash()) & Mask;
      while (!Slots[I].Key.isEmpty())
        I = (I + 1) & Mask;
      Slots[I] = S;
      ++Size;
    }
  }

  std::vector<Slot> Slots;
  size_t Mask = 0; ///< Slots.size() - 1 (a division by the slot size saved)
  size_t Size = 0;
};

} // namespace pgoctl
