#!/usr/bin/env python3
# bench/side-by-side.py: throughput of two kvsvc builds run at the same time.
#   python3 bench/side-by-side.py A B [--rounds 40] [--requests 200000] [--load-rounds 5]
# Sequential runs on this VM drift by tens of percent within minutes, so A and
# B run concurrently, one per CPU, and each round is two such pairs with the
# CPUs swapped (the two CPUs' speeds differ too, by up to 40% for a while);
# the round's ratio B/A is the geometric mean of the two pairs' ratios.
# Prints the median ratio over the rounds, its interquartile range, and how
# many rounds B won. Run A against A first to see the machine's own spread.
import argparse
import math
import os
import re
import statistics
import subprocess
import sys

RATE = re.compile(r"(\d+) req/s per CPU second")


def main():
    ap = argparse.ArgumentParser(description="throughput of two kvsvc builds run at the same time, one per CPU")
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--load-rounds", type=int, default=5)
    a = ap.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        sys.exit("side-by-side: needs two CPUs")
    load = ["--requests", str(a.requests), "--rounds", str(a.load_rounds)]

    def pair(ca, cb):
        procs = [subprocess.Popen(["taskset", "-c", str(c), b] + load, stdout=subprocess.PIPE, text=True)
                 for c, b in ((ca, a.a), (cb, a.b))]
        rates = []
        for p in procs:
            out = p.communicate()[0]
            m = RATE.search(out)
            if p.returncode != 0 or not m:
                sys.exit("side-by-side: %s failed:\n%s" % (p.args, out))
            rates.append(int(m.group(1)))
        return rates[1] / rates[0]

    ratios = sorted(math.sqrt(pair(cpus[0], cpus[1]) * pair(cpus[1], cpus[0])) for _ in range(a.rounds))
    q = lambda f: ratios[min(len(ratios) - 1, int(f * len(ratios)))]
    print("B/A: median %+.2f%%, interquartile range %+.1f%% to %+.1f%%, B faster in %d of %d rounds "
          "(min %+.1f%%, max %+.1f%%)" % (100 * (statistics.median(ratios) - 1), 100 * (q(0.25) - 1),
                                           100 * (q(0.75) - 1), sum(r > 1 for r in ratios), len(ratios),
                                           100 * (ratios[0] - 1), 100 * (ratios[-1] - 1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
