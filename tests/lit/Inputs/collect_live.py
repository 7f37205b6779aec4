#!/usr/bin/env python3
"""collect_live.py MODE PGOCTL WORKDIR PROG [ARGS...]: drives `pgoctl collect`
against running programs, which lit's shell cannot (no `&`), and checks the
result from the profile's `pgoctl debug profile` dump.

Modes:
  pid      PROG runs first; the agent attaches with --pid (synthetic mmaps of
           a running process) for 2 s.
  comm     the agent starts first with --comm NAME(PROG); PROG starts 1 s
           later and must be sampled.
  cgroup   a cgroup is made under /sys/fs/cgroup; the agent starts on it
           (empty), PROG then starts inside it and must be sampled.
  sigterm  the agent runs PROG with a 60 s window; SIGTERM after 2 s must
           write that window (one complete profile, exit 0).
  kill9    the agent spools 0.3 s windows; kill -9 after 2 s: every .pgoprof
           in the spool reads back whole, and a new agent on the spool
           removes the temporary a kill can leave.
  spoolfull  0.2 s windows into a spool capped below three windows: the
           oldest are dropped (warnings, and the count in the next window's
           metadata); the newest window written is always kept.
A check that fails exits 1 with what it saw."""
import os, shutil, signal, subprocess, sys, time

mode, pgoctl, work, prog = sys.argv[1:5]
args = sys.argv[5:]
os.makedirs(work, exist_ok=True)


def dump(path):
    return subprocess.run([pgoctl, "debug", "profile", path], capture_output=True, text=True,
                          check=True).stdout


def samples_in(d, name):
    """IP samples of binaries whose path ends in /name, and all samples."""
    cur, n = None, 0
    total = 0
    for line in d.splitlines():
        p = line.split()
        if p[:1] == ["samples"]:
            total = int(p[1])
        elif p[:1] == ["binary"]:
            cur = p[2]
        elif p[:1] == ["ip"] and cur and cur.endswith("/" + name):
            n += int(p[2])
    return n, total


def own_binaries():
    """The program, the libraries ldd says it loads, the kernel and the vdso."""
    names = {os.path.basename(prog), "[kernel.kallsyms]", "[vdso]"}
    for line in subprocess.run(["ldd", prog], capture_output=True, text=True).stdout.splitlines():
        p = line.split()
        if p:
            names.add(os.path.basename(os.path.realpath(p[2] if len(p) > 2 and p[1] == "=>" else p[0])))
    return names


def check_prog_sampled(out, min_share):
    """The program has samples, at least min_share of all, and no binary that
    is not the program's (another process's samples were not filtered out)."""
    d = dump(out)
    n, total = samples_in(d, os.path.basename(prog))
    print(f"{os.path.basename(prog)}: {n} of {total} samples")
    if n < 20 or n < min_share * total:
        sys.exit("the program was not sampled as expected")
    own, cur = own_binaries(), None
    for line in d.splitlines():
        p = line.split()
        if p[:1] == ["binary"]:
            cur = p[2]
        elif p[:1] == ["ip"] and cur and os.path.basename(cur) not in own:
            sys.exit(f"samples of {cur}, which is not the program's")
    return d


def start_prog(pre=None):
    return subprocess.Popen([prog] + args, stdout=subprocess.DEVNULL, preexec_fn=pre)


common = ["--event", "cpu-clock", "--period", "1000003"]


def wait_for_child(agent, seconds=60):
    """Waits until the agent has started its command (it samples from then)."""
    path = f"/proc/{agent.pid}/task/{agent.pid}/children"
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if open(path).read().strip():
                return
        except OSError:
            pass
        time.sleep(0.05)
    sys.exit("the agent did not start its command")
if mode == "pid":
    p = start_prog()
    time.sleep(0.5)
    out = os.path.join(work, "pid.pgoprof")
    r = subprocess.run([pgoctl, "collect", "--pid", str(p.pid), "--duration", "2", "-o", out] + common)
    p.kill(); p.wait()
    if r.returncode:
        sys.exit(f"collect exited {r.returncode}")
    check_prog_sampled(out, 0.3)
elif mode == "comm":
    out = os.path.join(work, "comm.pgoprof")
    a = subprocess.Popen([pgoctl, "collect", "--comm", os.path.basename(prog), "--duration", "3",
                          "-o", out] + common)
    time.sleep(1)
    p = start_prog()
    rc = a.wait()
    p.kill(); p.wait()
    if rc:
        sys.exit(f"collect exited {rc}")
    d = check_prog_sampled(out, 0.3)
    if "/python" in d:
        sys.exit("samples of another command were kept")
elif mode == "cgroup":
    # The cgroup v2 hierarchy: /sys/fs/cgroup itself, or (hybrid systems)
    # its "unified" mount.
    v2 = [l.split()[1] for l in open("/proc/self/mounts") if l.split()[2] == "cgroup2"]
    if not v2:
        sys.exit("no cgroup v2 hierarchy mounted")
    cg = os.path.join(v2[0], "pgoctl-collect-test-%d" % os.getpid())
    os.mkdir(cg)
    try:
        out = os.path.join(work, "cgroup.pgoprof")
        a = subprocess.Popen([pgoctl, "collect", "--cgroup", cg, "--duration", "3", "-o", out] + common)
        time.sleep(1)

        def join():
            with open(os.path.join(cg, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))
        p = start_prog(join)
        rc = a.wait()
        p.kill(); p.wait()
        if rc:
            sys.exit(f"collect exited {rc}")
        check_prog_sampled(out, 0.3)
    finally:
        time.sleep(0.2)
        os.rmdir(cg)
elif mode == "sigterm":
    spool = os.path.join(work, "spool")
    shutil.rmtree(spool, ignore_errors=True)
    a = subprocess.Popen([pgoctl, "collect", "--spool", spool, "--window", "60", "--service", "t"]
                         + common + ["--", prog] + args)
    wait_for_child(a)
    time.sleep(2)
    a.send_signal(signal.SIGTERM)
    rc = a.wait(timeout=30)
    files = sorted(os.listdir(spool))
    print("exit", rc, "spool", files)
    if rc != 0 or len(files) != 1 or not files[0].endswith(".pgoprof"):
        sys.exit("SIGTERM did not write exactly the one window")
    check_prog_sampled(os.path.join(spool, files[0]), 0.3)
elif mode == "kill9":
    spool = os.path.join(work, "spool9")
    shutil.rmtree(spool, ignore_errors=True)
    a = subprocess.Popen([pgoctl, "collect", "--spool", spool, "--window", "0.3", "--service", "t"]
                         + common + ["--", prog] + args, stderr=subprocess.DEVNULL)
    wait_for_child(a)
    time.sleep(2)
    children = open(f"/proc/{a.pid}/task/{a.pid}/children").read().split()
    a.kill()
    a.wait()
    for c in children:  # the command outlives a killed agent, as with perf
        os.kill(int(c), signal.SIGKILL)
    files = sorted(os.listdir(spool))
    print("after kill -9:", len(files), "files")
    whole = [f for f in files if f.endswith(".pgoprof")]
    for f in whole:
        dump(os.path.join(spool, f))  # raises if a file is partial or damaged
    others = [f for f in files if not f.endswith(".pgoprof")]
    if any(".pgoprof.tmp" not in f for f in others) or not whole:
        sys.exit(f"unexpected spool content: {files}")
    # A new agent on the spool removes a temporary the kill left behind.
    subprocess.run([pgoctl, "collect", "--spool", spool, "--duration", "0.2", "--service", "t"]
                   + common + ["--", "true"], check=True, stderr=subprocess.DEVNULL)
    left = [f for f in os.listdir(spool) if not f.endswith(".pgoprof")]
    if left:
        sys.exit(f"temporaries left: {left}")
    print(f"{len(whole)} whole windows, no partial file")
elif mode == "spoolfull":
    spool = os.path.join(work, "spoolfull")
    shutil.rmtree(spool, ignore_errors=True)
    r = subprocess.run([pgoctl, "collect", "--spool", spool, "--window", "0.2", "--spool-max-mb",
                        "0.004", "--duration", "2", "--service", "t"] + common + ["--", prog] + args,
                       capture_output=True, text=True)
    print(r.stderr)
    if r.returncode:
        sys.exit(f"collect exited {r.returncode}")
    wins = []
    for l in r.stderr.splitlines():
        i = l.find(spool)
        if i >= 0 and " samples (" in l:
            wins.append(l[i:].split(":")[0])
    left = sorted(os.path.join(spool, f) for f in os.listdir(spool))
    print("written", len(wins), "left", len(left))
    if len(wins) < 4 or "dropped the oldest window" not in r.stderr:
        sys.exit("the spool never filled")
    if wins[-1] not in left:
        sys.exit("the newest window was dropped")
    kept = set(left)
    # What is left is the newest windows: no window is kept after a newer one was dropped.
    seen_kept = False
    for w in wins:
        if w in kept:
            seen_kept = True
        elif seen_kept:
            sys.exit(f"{w} was dropped but an older window was kept")
    counts = [l for f in left for l in dump(f).splitlines() if "pgoctl.spool-dropped-windows" in l]
    if not counts:
        sys.exit("no window records the dropped count")
    print("dropped counts:", counts)
else:
    sys.exit(f"unknown mode {mode}")
