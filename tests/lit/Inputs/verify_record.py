"""Records several programs at the same time with perf (cpu-clock, call chains).

Usage: verify_record.py OUT.data "PROGRAM ARGS JOBS" [OUT2.data "PROGRAM2 ARGS JOBS" ...]
The CPU time per job of a program drifts by up to ~20% between recordings
taken seconds apart on a shared machine (co-tenants on sibling hyperthreads,
frequency); that is a real change of cost per unit of work that no sampling
model can tell from a code change. Recordings that are compared with each
other are therefore taken concurrently, so they see the same machine.

Concurrent is not enough on a VM whose CPUs differ in speed for minutes (a
fresh-clone CI run once saw one of the two CPUs ~15% slower for a whole test:
a planted 2x speedup measured -58.6%). So each program's JOBS (its last
argument) run in two halves inside one recording, the first half pinned to CPU
i and the second to CPU i+1 (mod the CPU count), program i starting on CPU i:
every program spends about as long on each CPU, and the total work stays JOBS.
That needs as many programs on each CPU at every moment: with a program count
that is not a multiple of the CPU count (3 on 2 CPUs: two would always share
one) the programs run unpinned, as the scheduler places them.
"""
import os
import shlex
import subprocess
import sys

args = sys.argv[1:]
ncpu = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(ncpu))
procs = []
for i, (out, cmd) in enumerate(zip(args[0::2], args[1::2])):
    words = shlex.split(cmd)
    if not words or not words[-1].isdigit():
        sys.exit("verify_record: the last argument of %r must be the job count" % cmd)
    jobs = int(words[-1])
    first, second = jobs // 2, jobs - jobs // 2
    prog = " ".join(shlex.quote(w) for w in words[:-1])
    if len(args) // 2 % len(cpus) == 0:
        a, b = cpus[i % len(cpus)], cpus[(i + 1) % len(cpus)]
        script = "taskset -c %d %s %d && taskset -c %d %s %d" % (a, prog, first, b, prog, second)
    else:
        script = "%s %d && %s %d" % (prog, first, prog, second)
    procs.append(subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-F", "10000",
                                   "-g", "-o", out, "--", "sh", "-c", script]))
bad = [p.args for p in procs if p.wait() != 0]
if bad:
    sys.exit("perf record failed: %s" % bad)
