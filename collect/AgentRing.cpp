// collect/AgentRing.cpp: ring buffer reading (see AgentRing.h).
#include "collect/AgentRing.h"

#include <algorithm>
#include <atomic>
#include <cstring>

namespace pgoctl::collect {

uint64_t drainRing(RingView &R, std::vector<char> &Scratch, RecordFn F) {
  // data_head is written by the kernel: load it with acquire order before
  // reading the data; publish data_tail with release order after.
  uint64_t Head = __atomic_load_n(&R.Ctl->data_head, __ATOMIC_ACQUIRE);
  uint64_t Tail = R.Ctl->data_tail;
  uint64_t Start = Tail;
  const uint64_t Mask = R.Size - 1;
  while (Head - Tail >= sizeof(perf_event_header)) {
    uint64_t Off = Tail & Mask;
    perf_event_header Hd;
    if (Off + sizeof(Hd) <= R.Size) {
      memcpy(&Hd, R.Data + Off, sizeof(Hd));
    } else {
      size_t First = size_t(R.Size - Off);
      memcpy(&Hd, R.Data + Off, First);
      memcpy(reinterpret_cast<char *>(&Hd) + First, R.Data, sizeof(Hd) - First);
    }
    if (Hd.size < sizeof(Hd) || Hd.size > R.Size || Head - Tail < Hd.size) {
      Tail = Head; // damage (or a half-written record): skip what is there
      break;
    }
    if (Off + Hd.size <= R.Size) {
      F(R.Data + Off, Hd.size);
    } else {
      Scratch.resize(Hd.size);
      size_t First = size_t(R.Size - Off);
      memcpy(Scratch.data(), R.Data + Off, First);
      memcpy(Scratch.data() + First, R.Data, Hd.size - First);
      F(Scratch.data(), Hd.size);
    }
    Tail += Hd.size;
  }
  __atomic_store_n(&R.Ctl->data_tail, Tail, __ATOMIC_RELEASE);
  return Tail - Start;
}

MemoryRing::MemoryRing(uint64_t DataBytes) {
  Storage.assign(sizeof(perf_event_mmap_page) + DataBytes, 0);
  View.Ctl = reinterpret_cast<perf_event_mmap_page *>(Storage.data());
  View.Data = Storage.data() + sizeof(perf_event_mmap_page);
  View.Size = DataBytes;
}

bool MemoryRing::push(const char *Record, uint16_t Size) {
  uint64_t Head = View.Ctl->data_head, Tail = View.Ctl->data_tail;
  if (View.Size - (Head - Tail) < Size)
    return false;
  uint64_t Off = Head & (View.Size - 1);
  size_t First = size_t(std::min<uint64_t>(Size, View.Size - Off));
  memcpy(View.Data + Off, Record, First);
  memcpy(View.Data, Record + First, Size - First);
  __atomic_store_n(&View.Ctl->data_head, Head + Size, __ATOMIC_RELEASE);
  return true;
}

} // namespace pgoctl::collect
