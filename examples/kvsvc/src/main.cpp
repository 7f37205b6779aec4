// main.cpp: kvsvc's entry point. Generates the load (loadgen.cpp), then serves
// it the way the network loop would (64 KB reads, requests split across reads
// carried over) for several rounds, and prints the throughput (per CPU second
// of the serving thread, and per wall-clock second) and a checksum
// of the responses (equal for every build of the same source).
//   kvsvc [--requests N] [--rounds R] [--seed S] [--stats]
#include "loadgen.h"
#include "service.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <time.h>

namespace {

struct Result {
  uint64_t bytes_out = 0, checksum = 0xcbf29ce484222325ull;
};

// The measured part: every round feeds the whole load through the service.
__attribute__((noinline)) Result kvsvc_run_load(kvsvc::Service &svc, const std::string &load,
                                                int rounds) {
  constexpr size_t kRead = 64 * 1024;
  Result res;
  std::string pending, out;
  for (int round = 0; round < rounds; ++round) {
    for (size_t pos = 0; pos < load.size(); pos += kRead) {
      pending.append(load, pos, kRead);
      size_t used = svc.serve(pending, out);
      pending.erase(0, used);
      // "Send" the responses: fold their size and last bytes into the checksum.
      res.bytes_out += out.size();
      for (size_t i = out.size() > 16 ? out.size() - 16 : 0; i < out.size(); ++i)
        res.checksum = (res.checksum ^ uint8_t(out[i])) * 0x100000001b3ull;
      out.clear();
    }
  }
  return res;
}

double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

} // namespace

int main(int argc, char **argv) {
  size_t requests = 200000;
  int rounds = 5;
  uint64_t seed = 42;
  bool stats = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--requests") && i + 1 < argc)
      requests = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc)
      rounds = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc)
      seed = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--stats"))
      stats = true;
    else {
      std::fprintf(stderr, "usage: kvsvc [--requests N] [--rounds R] [--seed S] [--stats]\n");
      return 2;
    }
  }
  std::string load;
  kvsvc::generate_load(load, requests, seed);
  kvsvc::Service svc(1 << 16);

  auto t0 = std::chrono::steady_clock::now();
  double cpu0 = cpu_seconds();
  Result res = kvsvc_run_load(svc, load, rounds);
  double cpu = cpu_seconds() - cpu0;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Throughput per CPU second: on a busy machine wall time also counts the
  // time other processes held the core.
  const kvsvc::Counters &c = svc.counters();
  std::printf("kvsvc: %llu requests in %.3f s (%.3f s CPU): %.0f req/s per CPU second, %.0f req/s wall "
              "(responses %llu bytes, checksum %016llx)\n",
              (unsigned long long)c.requests, secs, cpu, double(c.requests) / (cpu > 0 ? cpu : secs),
              double(c.requests) / secs, (unsigned long long)res.bytes_out,
              (unsigned long long)res.checksum);
  if (stats)
    std::printf("ok %llu, not found %llu, client errors %llu, server errors %llu; gets %llu, puts %llu, "
                "deletes %llu, incrs %llu, batches %llu (%llu ops), JSON bodies %llu; %zu keys; "
                "access log %llu lines, %llu bytes\n",
                (unsigned long long)c.ok, (unsigned long long)c.not_found,
                (unsigned long long)c.client_errors, (unsigned long long)c.server_errors,
                (unsigned long long)c.gets, (unsigned long long)c.puts,
                (unsigned long long)c.deletes, (unsigned long long)c.incrs,
                (unsigned long long)c.batches, (unsigned long long)c.batch_ops,
                (unsigned long long)c.json_bodies, svc.store().size(),
                (unsigned long long)svc.access_log().lines(), (unsigned long long)svc.access_log().bytes());
  return 0;
}
