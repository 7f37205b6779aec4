// bench/pgo-outcome/pgo_bench.cpp: a branchy program of our own where
// profile-guided optimization matters, for bench/pgo-outcome.py.
//
// Usage: pgo_bench SEED [ROUNDS]
// Every round generates its data from SEED and the round number (xorshift),
// then runs four kernels whose behaviour is skewed the way real programs are:
//  - vm:      a bytecode interpreter (switch dispatch in a loop); a few
//             opcodes make almost all of the work, the rest are rare, and the
//             error paths (division by zero, stack overflow) almost never run;
//  - shapes:  virtual calls through a base class whose dominant target (a
//             circle, ~94%) is worth promoting and inlining;
//  - lexer:   a tokenizer over generated text: biased character-class branches,
//             a word loop whose trip count is usually 1 to 4, small helpers
//             worth inlining on the hot path, a large cold error reporter;
//  - stats:   a medium-sized function (too big for the -O2 inliner) called from
//             a hot loop and from a cold one.
// The checksum printed at the end keeps the compiler honest and lets the
// benchmark check that every build computes the same thing.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

struct Rng {
  uint64_t S;
  explicit Rng(uint64_t Seed) : S(Seed * 0x9e3779b97f4a7c15ull + 1) {}
  uint32_t next() {
    S ^= S << 13;
    S ^= S >> 7;
    S ^= S << 17;
    return uint32_t(S >> 16);
  }
  // True with probability Num/1024.
  bool chance(uint32_t Num) { return (next() & 1023) < Num; }
};

// --- vm: a small stack machine ----------------------------------------------

enum Op : uint8_t {
  PUSH, LOAD, STORE, ADD, SUB, MUL, AND, XOR, SHL, SHR, DUP, SWAP, DIV, MOD, JNZ, HALT,
  NUM_OPS
};

struct Insn {
  Op Code;
  int32_t Arg;
};

struct VmError {
  int Code;
  uint32_t Pc;
};

__attribute__((noinline, cold)) void vmFail(const VmError &E, const Insn *Prog) {
  // The cold path: a long report nobody reads in the benchmark.
  static const char *Names[] = {"push", "load", "store", "add", "sub", "mul",
                                "and",  "xor",  "shl",   "shr", "dup", "swap",
                                "div",  "mod",  "jnz",   "halt"};
  char Buf[256];
  int N = snprintf(Buf, sizeof Buf, "vm error %d at pc %u (%s %d)", E.Code, E.Pc,
                   Names[Prog[E.Pc].Code], Prog[E.Pc].Arg);
  if (N > 0 && getenv("PGO_BENCH_VERBOSE"))
    fprintf(stderr, "%s\n", Buf);
}

} // namespace

// The binary operators, out of line (external linkage, so the -O2 inliner sees
// a function of its own with one call site worth inlining only when hot):
// wrapping arithmetic with a saturation rule on overflow that never fires in
// the benchmark.
int64_t arith(uint8_t Code, int64_t A, int64_t B) {
  int64_t R;
  switch (Code) {
  case 3: // ADD
    if (__builtin_add_overflow(A, B, &R))
      R = A > 0 ? INT64_MAX : INT64_MIN;
    return R;
  case 4: // SUB
    if (__builtin_sub_overflow(A, B, &R))
      R = A > 0 ? INT64_MAX : INT64_MIN;
    return R;
  case 5: // MUL
    if (__builtin_mul_overflow(A, B, &R))
      R = (A < 0) != (B < 0) ? INT64_MIN : INT64_MAX;
    return R;
  case 6: // AND
    return A & B;
  case 7: // XOR
    return A ^ B;
  default:
    abort();
  }
}

namespace {

// Runs Prog over the variables Vars; returns the top of the stack.
__attribute__((noinline)) int64_t runVm(const Insn *Prog, int64_t *Vars, uint32_t Fuel) {
  int64_t Stack[64];
  int Sp = 0;
  uint32_t Pc = 0;
  while (Fuel--) {
    const Insn &I = Prog[Pc++];
    switch (I.Code) {
    case PUSH: Stack[Sp++] = I.Arg; break;
    case LOAD: Stack[Sp++] = Vars[I.Arg & 7]; break;
    case STORE: Vars[I.Arg & 7] = Stack[--Sp]; break;
    case ADD: case SUB: case MUL: case AND: case XOR:
      --Sp;
      Stack[Sp - 1] = arith(I.Code, Stack[Sp - 1], Stack[Sp]);
      break;
    case SHL: Stack[Sp - 1] <<= (I.Arg & 15); break;
    case SHR: Stack[Sp - 1] = int64_t(uint64_t(Stack[Sp - 1]) >> (I.Arg & 15)); break;
    case DUP: Stack[Sp] = Stack[Sp - 1]; ++Sp; break;
    case SWAP: { int64_t T = Stack[Sp - 1]; Stack[Sp - 1] = Stack[Sp - 2]; Stack[Sp - 2] = T; break; }
    case DIV:
    case MOD: {
      --Sp;
      if (Stack[Sp] == 0) {
        vmFail({1, Pc - 1}, Prog);
        Stack[Sp - 1] = 0;
        break;
      }
      Stack[Sp - 1] = I.Code == DIV ? Stack[Sp - 1] / Stack[Sp] : Stack[Sp - 1] % Stack[Sp];
      break;
    }
    case JNZ:
      if (Stack[--Sp] != 0)
        Pc = uint32_t(I.Arg);
      break;
    case HALT:
      return Sp ? Stack[Sp - 1] : 0;
    default:
      vmFail({2, Pc - 1}, Prog);
      return -1;
    }
    if (Sp < 0 || Sp > 60) {
      vmFail({3, Pc - 1}, Prog);
      return -1;
    }
  }
  return Sp ? Stack[Sp - 1] : 0;
}

// A program: Vars[0] counts down from N; the body mixes Vars[1..3].
std::vector<Insn> makeProgram(Rng &R, int N) {
  std::vector<Insn> P;
  P.push_back({PUSH, N});
  P.push_back({STORE, 0});
  uint32_t Loop = uint32_t(P.size());
  int Body = 6 + int(R.next() % 4);
  for (int K = 0; K < Body; ++K) {
    uint32_t Pick = R.next() & 1023;
    int V = 1 + int(R.next() % 3);
    P.push_back({LOAD, V});
    if (Pick < 400) { // the common arithmetic
      P.push_back({LOAD, 0});
      P.push_back({ADD, 0});
    } else if (Pick < 700) {
      P.push_back({PUSH, int32_t(R.next() & 0xffff)});
      P.push_back({XOR, 0});
    } else if (Pick < 900) {
      P.push_back({SHR, 3});
      P.push_back({LOAD, 0});
      P.push_back({SUB, 0});
    } else if (Pick < 1000) {
      P.push_back({PUSH, 40503});
      P.push_back({MUL, 0});
      P.push_back({PUSH, 0xffffff});
      P.push_back({AND, 0});
    } else { // rare: division (by a nonzero constant; zero only by accident)
      P.push_back({PUSH, int32_t(R.next() % 7)});
      P.push_back({DIV, 0});
    }
    P.push_back({STORE, V});
  }
  P.push_back({LOAD, 0});
  P.push_back({PUSH, 1});
  P.push_back({SUB, 0});
  P.push_back({DUP, 0});
  P.push_back({STORE, 0});
  P.push_back({JNZ, int32_t(Loop)});
  P.push_back({LOAD, 1});
  P.push_back({LOAD, 2});
  P.push_back({XOR, 0});
  P.push_back({HALT, 0});
  return P;
}

// --- shapes: virtual calls with a dominant target ------------------------------

struct Shape {
  virtual ~Shape() = default;
  virtual int64_t weight(int64_t Scale) const = 0;
};
struct Circle final : Shape {
  int32_t R;
  explicit Circle(int32_t R) : R(R) {}
  int64_t weight(int64_t Scale) const override { return (3 * R * R * Scale) >> 4; }
};
struct Rect final : Shape {
  int32_t W, H;
  Rect(int32_t W, int32_t H) : W(W), H(H) {}
  int64_t weight(int64_t Scale) const override {
    int64_t A = int64_t(W) * H;
    return A > 1000 ? (A * Scale) >> 5 : A * Scale;
  }
};
struct Poly final : Shape {
  std::vector<int32_t> Xs;
  explicit Poly(std::vector<int32_t> Xs) : Xs(std::move(Xs)) {}
  int64_t weight(int64_t Scale) const override {
    int64_t S = 0;
    for (size_t I = 0; I + 1 < Xs.size(); ++I)
      S += int64_t(Xs[I]) * Xs[I + 1] - (Xs[I] >> 1);
    return S * Scale;
  }
};

__attribute__((noinline)) int64_t sumWeights(const std::vector<std::unique_ptr<Shape>> &V,
                                             int Passes) {
  int64_t S = 0;
  for (int P = 0; P < Passes; ++P)
    for (const auto &X : V)
      S += X->weight(P + 1);
  return S;
}

std::vector<std::unique_ptr<Shape>> makeShapes(Rng &R, int N) {
  std::vector<std::unique_ptr<Shape>> V;
  for (int I = 0; I < N; ++I) {
    uint32_t Pick = R.next() & 1023;
    if (Pick < 960)
      V.push_back(std::make_unique<Circle>(int32_t(R.next() % 100)));
    else if (Pick < 1015)
      V.push_back(std::make_unique<Rect>(int32_t(R.next() % 50), int32_t(R.next() % 50)));
    else
      V.push_back(std::make_unique<Poly>(std::vector<int32_t>{1, int32_t(R.next() % 9), 3, 4}));
  }
  return V;
}

// --- lexer: biased character classes, short words ---------------------------------

struct Lexed {
  uint64_t Hash = 0;
  uint32_t Words = 0, Numbers = 0, Puncts = 0, Errors = 0;
};

inline bool isLower(unsigned char C) { return C >= 'a' && C <= 'z'; }
inline bool isDigit(unsigned char C) { return C >= '0' && C <= '9'; }
inline bool isIdent(unsigned char C) { return isLower(C) || isDigit(C) || C == '_'; }
inline uint64_t mixHash(uint64_t H, unsigned char C) { return (H ^ C) * 0x100000001b3ull; }

__attribute__((noinline, cold)) void lexError(Lexed &L, const char *Text, size_t At) {
  // Cold: a context window for an error message.
  char Ctx[48];
  size_t From = At > 16 ? At - 16 : 0;
  size_t N = 0;
  for (size_t I = From; Text[I] && N + 1 < sizeof Ctx && I < At + 16; ++I)
    Ctx[N++] = Text[I] >= 32 && Text[I] < 127 ? Text[I] : '?';
  Ctx[N] = 0;
  ++L.Errors;
  if (getenv("PGO_BENCH_VERBOSE"))
    fprintf(stderr, "lex error at %zu: '%s'\n", At, Ctx);
}

// Decodes an escape sequence (rare): \xHH or \n, \t, \\.
size_t lexEscape(Lexed &L, const char *Text, size_t I) {
  if (Text[I + 1] == 'x') {
    unsigned V = 0;
    for (int K = 2; K < 4; ++K) {
      char C = Text[I + K];
      if (isDigit(C))
        V = V * 16 + unsigned(C - '0');
      else if (C >= 'a' && C <= 'f')
        V = V * 16 + unsigned(C - 'a' + 10);
      else {
        lexError(L, Text, I);
        return I + 1;
      }
    }
    L.Hash = mixHash(L.Hash, (unsigned char)V);
    return I + 4;
  }
  L.Hash = mixHash(L.Hash, (unsigned char)Text[I + 1]);
  return I + 2;
}

__attribute__((noinline)) Lexed lex(const char *Text) {
  Lexed L;
  size_t I = 0;
  for (;;) {
    unsigned char C = (unsigned char)Text[I];
    if (C == 0)
      break;
    if (C == ' ') { // most common
      ++I;
      continue;
    }
    if (isLower(C)) { // words: usually 1-4 characters
      uint64_t H = 0xcbf29ce484222325ull;
      size_t J = I;
      while (isIdent((unsigned char)Text[J]))
        H = mixHash(H, (unsigned char)Text[J++]);
      L.Hash += H ^ (J - I);
      ++L.Words;
      I = J;
      continue;
    }
    if (isDigit(C)) {
      uint64_t V = 0;
      while (isDigit((unsigned char)Text[I]))
        V = V * 10 + unsigned(Text[I++] - '0');
      L.Hash ^= V * 31;
      ++L.Numbers;
      continue;
    }
    if (C == '\\') {
      I = lexEscape(L, Text, I);
      continue;
    }
    if (C == ',' || C == '.' || C == ';' || C == '(' || C == ')') {
      L.Hash = mixHash(L.Hash, C);
      ++L.Puncts;
      ++I;
      continue;
    }
    lexError(L, Text, I);
    ++I;
  }
  return L;
}

std::string makeText(Rng &R, size_t Len) {
  std::string S;
  S.reserve(Len + 8);
  while (S.size() < Len) {
    uint32_t Pick = R.next() & 1023;
    if (Pick < 700) {
      int N = 1 + int(R.next() % 4) + (R.chance(40) ? 8 : 0);
      for (int K = 0; K < N; ++K)
        S.push_back(char('a' + R.next() % 26));
    } else if (Pick < 900) {
      S.push_back(char('0' + R.next() % 10));
    } else if (Pick < 1010) {
      S.push_back(",.;()"[R.next() % 5]);
    } else if (Pick < 1020) {
      S += "\\x4f";
    } else {
      S.push_back('#'); // an error
    }
    S.push_back(' ');
  }
  return S;
}

// --- stats: a medium-sized function, hot from one caller, cold from another ----------

struct Stats {
  int64_t Min = INT64_MAX, Max = INT64_MIN, Sum = 0;
  uint64_t Count = 0, Buckets[8] = {};
  int64_t Last = 0;
  uint32_t Ups = 0, Downs = 0, Runs = 0;
};

void record(Stats &S, int64_t V) {
  if (V < S.Min)
    S.Min = V;
  if (V > S.Max)
    S.Max = V;
  S.Sum += V;
  ++S.Count;
  uint64_t A = uint64_t(V < 0 ? -V : V);
  int B = A < 4 ? 0 : A < 16 ? 1 : A < 64 ? 2 : A < 256 ? 3 : A < 1024 ? 4 : A < 4096 ? 5 : A < 65536 ? 6 : 7;
  ++S.Buckets[B];
  if (V > S.Last) {
    if (S.Ups == 0)
      ++S.Runs;
    ++S.Ups;
    S.Downs = 0;
  } else if (V < S.Last) {
    if (S.Downs == 0)
      ++S.Runs;
    ++S.Downs;
    S.Ups = 0;
  }
  S.Last = V;
}

__attribute__((noinline)) int64_t statsKernel(Rng &R, int N) {
  Stats Hot, Cold;
  int64_t X = 0;
  for (int I = 0; I < N; ++I) {
    X += int64_t(R.next() % 200) - 99;
    record(Hot, X);
    if (R.chance(2)) // rare
      for (int K = 0; K < 3; ++K)
        record(Cold, X * K);
  }
  return Hot.Sum ^ int64_t(Hot.Runs) ^ int64_t(Cold.Count) ^ int64_t(Hot.Buckets[2]);
}

} // namespace

int main(int Argc, char **Argv) {
  if (Argc < 2) {
    fprintf(stderr, "usage: %s SEED [ROUNDS]\n", Argv[0]);
    return 2;
  }
  uint64_t Seed = strtoull(Argv[1], nullptr, 10);
  int Rounds = Argc > 2 ? atoi(Argv[2]) : 1;
  // The data: generated once from the seed.
  Rng R(Seed * 1000003 + 17);
  std::vector<std::vector<Insn>> Progs;
  std::vector<int64_t> Inits;
  for (int K = 0; K < 8; ++K) {
    Progs.push_back(makeProgram(R, 100 + int(R.next() % 50)));
    Inits.push_back(int64_t(R.next()));
  }
  auto Shapes = makeShapes(R, 2000);
  std::string Text = makeText(R, 20000);
  uint64_t Check = 0;
  for (int Round = 0; Round < Rounds; ++Round) {
    for (int K = 0; K < 8; ++K) {
      int64_t Vars[8] = {0, Inits[size_t(K)] + Round, int64_t(R.next()), 7, 0, 0, 0, 0};
      Check += uint64_t(runVm(Progs[size_t(K)].data(), Vars, 100000));
    }
    Check ^= uint64_t(sumWeights(Shapes, 8));
    Lexed L = lex(Text.c_str());
    Check += L.Hash ^ L.Words ^ (uint64_t(L.Numbers) << 20) ^ (uint64_t(L.Errors) << 40);
    Check ^= uint64_t(statsKernel(R, 20000));
  }
  printf("%016llx\n", (unsigned long long)Check);
  return 0;
}
