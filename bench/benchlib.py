"""Shared by the bench/ scripts: run one tool and measure it.

run() starts a command, drains its stderr, and returns its wall time, its peak
RSS (from wait4: the largest of the process and the children it waited for,
so a tool that runs `perf script` is charged for it) and its exit code; a
failure prints the tail of stderr.
"""
import os
import subprocess
import sys
import time


def run(name, argv, stdout=subprocess.DEVNULL):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE)
    err = p.stderr.read().decode(errors="replace")
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        print(f"{name}: exit {rc}\n{err[-2000:]}", file=sys.stderr)
    return {"name": name, "wall": wall, "rss_mb": ru.ru_maxrss / 1024.0, "rc": rc}
