// loadgen.h: kvsvc's load generator: a reproducible stream of pipelined HTTP
// requests with a production-like mix (hot keys, reads over writes, batches,
// a trickle of bad requests).
#pragma once
#include <cstdint>
#include <string>

namespace kvsvc {
// Appends `n` requests to `out`, drawn from a fixed mix with seed `seed`.
void generate_load(std::string &out, size_t n, uint64_t seed);
} // namespace kvsvc
