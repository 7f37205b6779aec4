#!/usr/bin/env python3
"""collect_same_run.py PGOCTL OUT_PREFIX PERIOD PROG [ARGS...]: samples ONE run
of PROG with both `pgoctl collect --pid` and `perf record -g -p`, so that the
two profiles differ only by sampling, not by what the machine did to two runs.

PROG is started stopped (the child stops itself before exec), both tools
attach to it, and it is continued only once both sample: perf starts with its
events disabled and acknowledges `enable` on its control fifo; the agent opens
its events enabled, so it samples once it holds a perf_event fd per CPU for
the side band and the sampler. Both follow the exec and every fork (inherit).
Writes OUT_PREFIX.c.pgoprof (agent) and OUT_PREFIX.p.data (perf)."""
import os, signal, subprocess, sys, time

pgoctl, out, period, prog = sys.argv[1:5]
args = sys.argv[5:]


def online_cpus():
    n = 0
    for part in open("/sys/devices/system/cpu/online").read().strip().split(","):
        lo, _, hi = part.partition("-")
        n += int(hi or lo) - int(lo) + 1
    return n


def perf_fds(pid):
    n = 0
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == "anon_inode:[perf_event]":
                    n += 1
            except OSError:
                pass
    except OSError:
        pass
    return n


def wait_until(what, cond, procs, limit=120):
    # The limit only turns a hang into an error; no result depends on it.
    end = time.monotonic() + limit
    while not cond():
        for p in procs:
            if p.poll() is not None:
                sys.exit(f"{what}: {p.args[0]} exited with {p.returncode} before the run")
        if time.monotonic() > end:
            sys.exit(f"{what}: not ready after {limit} s")
        time.sleep(0.01)


child = os.fork()
if child == 0:
    os.kill(os.getpid(), signal.SIGSTOP)
    try:
        os.execv(prog, [prog] + args)
    finally:
        os._exit(127)
_, st = os.waitpid(child, os.WUNTRACED)
if not os.WIFSTOPPED(st):
    sys.exit(f"{prog} did not stop before exec")

ctl, ack = out + ".ctl", out + ".ack"
for f in (ctl, ack):
    if os.path.exists(f):
        os.unlink(f)
    os.mkfifo(f)
agent = subprocess.Popen([pgoctl, "collect", "--event", "cpu-clock", "--period", period,
                          "--pid", str(child), "-o", out + ".c.pgoprof"])
perf = subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-g", "-c", period,
                         "-D", "-1", "--control", f"fifo:{ctl},{ack}", "-p", str(child),
                         "-o", out + ".p.data"])
# Opened read-write so neither open blocks on the other end.
ctl_fd = os.open(ctl, os.O_RDWR)
ack_fd = os.open(ack, os.O_RDWR)
wait_until("pgoctl collect", lambda: perf_fds(agent.pid) >= 2 * online_cpus(), [agent, perf])
wait_until("perf record", lambda: perf_fds(perf.pid) >= 1, [agent, perf])
os.write(ctl_fd, b"enable\n")
reply = os.read(ack_fd, 16)
if not reply.startswith(b"ack"):
    sys.exit(f"perf record answered {reply!r} to enable")
os.kill(child, signal.SIGCONT)
_, st = os.waitpid(child, 0)
rc_agent, rc_perf = agent.wait(), perf.wait()
os.close(ctl_fd)
os.close(ack_fd)
if rc_agent or rc_perf:
    sys.exit(f"pgoctl collect exited {rc_agent}, perf record {rc_perf}")
if not os.WIFEXITED(st) or os.WEXITSTATUS(st):
    sys.exit(f"{prog} ended with status {st}")
