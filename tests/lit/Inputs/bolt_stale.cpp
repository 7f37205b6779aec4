// bolt_stale.cpp: a small request loop built twice (-DVERSION_B or not) for
// the BOLT stale-matching test and bench/refresh-bolt.sh. Between the two
// builds route() gains a branch and validate() moves below the dispatch
// code, so addresses, function ids and some block hashes change. Most rare
// conditions are written `if (rare) { ... }`, which clang lays out with the
// common path as a taken branch: BOLT's block layout removes those jumps
// when its profile says which side is hot.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

struct Request {
  uint32_t Kind;
  uint32_t Key;
  uint32_t Len;
};

static uint64_t Table[1024];
static uint64_t Errors, Slow;

static uint64_t next(uint64_t &S) {
  S = S * 6364136223846793005ull + 1442695040888963407ull;
  return S >> 33;
}

#ifndef VERSION_B
__attribute__((noinline)) bool validate(const Request &R) {
  if (R.Len > 4000) {
    ++Errors;
    return false;
  }
  if (R.Key == 0xFFFFFFFFu) {
    ++Errors;
    return false;
  }
  if (R.Kind > 15) {
    ++Errors;
    return false;
  }
  return true;
}
#endif

__attribute__((noinline)) uint64_t parse(const Request &R) {
  uint64_t H = R.Key * 0x9E3779B97F4A7C15ull;
  for (uint32_t I = 0; I < R.Len; ++I) {
    if (((H >> (I & 31)) & 15) == 0) {
      H ^= H >> 7;
      ++Slow;
    }
    H += I * 31u;
  }
  return H;
}

__attribute__((noinline)) uint64_t lookup(uint64_t H) {
  uint64_t &Slot = Table[H & 1023];
  if (Slot == 0) {
    Slot = H | 1;
    return 0;
  }
  if (Slot == (H | 1))
    return 1;
  return 2;
}

__attribute__((noinline)) int route(const Request &R) {
#ifdef VERSION_B
  if (R.Len > 3000 && R.Kind == 3)
    return 7;
#endif
  switch (R.Kind) {
  case 0:
  case 1:
  case 2:
  case 3:
  case 4:
  case 5:
    return 1;
  case 6:
    return 2;
  case 7:
    return 3;
  default:
    return 4;
  }
}

#ifdef VERSION_B
__attribute__((noinline)) bool validate(const Request &R) {
  if (R.Len > 4000) {
    ++Errors;
    return false;
  }
  if (R.Key == 0xFFFFFFFFu) {
    ++Errors;
    return false;
  }
  if (R.Kind > 15) {
    ++Errors;
    return false;
  }
  return true;
}
#endif

__attribute__((noinline)) uint64_t handle(const Request &R) {
  if (!validate(R))
    return 0;
  uint64_t H = parse(R);
  int Route = route(R);
  if (Route == 4) {
    H ^= 0xABCDEF;
    ++Slow;
  }
  if (Route == 7)
    H += 1;
  return H + lookup(H) * 3 + Route;
}

int main(int Argc, char **Argv) {
  long N = Argc > 1 ? std::atol(Argv[1]) : 1000;
  uint64_t S = 42, Sum = 0;
  for (long I = 0; I < N; ++I) {
    Request R;
    uint64_t X = next(S);
    // Kinds 0-5 take ~94% of the requests, 6-15 the rest.
    R.Kind = (X & 15) == 0 ? uint32_t(6 + (X >> 4) % 10) : uint32_t((X >> 4) % 6);
    R.Key = uint32_t(next(S));
    R.Len = 8 + uint32_t(next(S) % 24);
    if (next(S) % 997 == 0)
      R.Len = 5000;
    Sum += handle(R);
  }
  std::printf("requests %ld sum %llu errors %llu slow %llu\n", N, (unsigned long long)Sum,
              (unsigned long long)Errors, (unsigned long long)Slow);
  return 0;
}
