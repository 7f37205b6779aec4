"""Records several programs at the same time with perf (cpu-clock, call chains).

Usage: verify_record.py OUT.data "PROGRAM ARGS" [OUT2.data "PROGRAM2 ARGS" ...]
The CPU time per job of a program drifts by up to ~20% between recordings
taken seconds apart on a shared machine (co-tenants on sibling hyperthreads,
frequency); that is a real change of cost per unit of work that no sampling
model can tell from a code change. Recordings that are compared with each
other are therefore taken concurrently, so they see the same machine.
"""
import shlex
import subprocess
import sys

args = sys.argv[1:]
procs = []
for out, cmd in zip(args[0::2], args[1::2]):
    procs.append(subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-F", "10000",
                                   "-g", "-o", out] + shlex.split(cmd)))
bad = [p.args for p in procs if p.wait() != 0]
if bad:
    sys.exit("perf record failed: %s" % bad)
