#!/usr/bin/env python3
"""check_overlap.py BASE TEST MIN_PERCENT: runs `llvm-profdata overlap --sample
BASE TEST` (LLVM's own comparison of two sample profiles, the oracle) and
checks that the whole-program similarity is at least MIN_PERCENT. Prints the
similarity and the function overlap."""
import re
import subprocess
import sys

base, test, minimum = sys.argv[1], sys.argv[2], float(sys.argv[3])
out = subprocess.run(["/usr/lib/llvm-22/bin/llvm-profdata", "overlap", "--sample", base, test],
                     check=True, capture_output=True, text=True).stdout
sim = re.search(r"Whole program profile similarity:\s*([0-9.]+)%", out)
funcs = re.search(r"Function overlap:\s*([0-9.]+)%", out)
if not sim:
    sys.exit("no similarity in llvm-profdata's output:\n" + out)
similarity = float(sim.group(1))
print(f"similarity {similarity:.3f}% function overlap {funcs.group(1) if funcs else '?'}%")
if similarity < minimum:
    sys.exit(f"similarity {similarity}% < {minimum}%\n{out}")
