"""lbr-emu refuses what it does not support and reports errors clearly:
a program that starts a thread is killed with a message naming threads and
no perf.data is left behind; a missing program, bad options and an
unwritable output give a message and a nonzero status, never a crash.
It also follows a program that execs another one (setarch -> program)."""
import os
import lbremu_testlib as t

a = t.parse_args(__doc__)
threads = t.compile_c(a, "threads.c", "threads", ["-lpthread"])
out = os.path.join(a.work, "threads.data")
r = t.run([a.lbr_emu, "-o", out, "--", threads], timeout=60)
if r.returncode == 0 or "thread" not in r.stderr:
    t.fail("threaded program not refused clearly (status %d)" % r.returncode)
if os.path.exists(out) or os.path.exists(out + ".tmp"):
    t.fail("output left behind after refusing")

cases = [
    ([a.lbr_emu, "-o", out, "--", os.path.join(a.work, "no-such-program")],
     "no-such-program"),
    ([a.lbr_emu, "--depth", "8", "-o", out, "--", "true"], "--depth"),
    ([a.lbr_emu, "--period", "0", "-o", out, "--", "true"], "--period"),
    ([a.lbr_emu, "--", "true"], "-o"),
    ([a.lbr_emu, "-o", "/nonexistent-dir/x.data", "--", "true"], "nonexistent-dir"),
]
for cmd, word in cases:
    r = t.run(cmd, timeout=60)
    if r.returncode in (0, -11, -6) or r.returncode < 0:
        t.fail("%s: status %d" % (cmd, r.returncode))
    if "lbr-emu: error:" not in r.stderr or word not in r.stderr:
        t.fail("%s: unclear message %r" % (cmd, r.stderr))

# exec inside the traced process: the samples must come from the new image.
setarch = t.need("setarch")
hot = t.compile_c(a, "hot.c", "hot_pie")
data = t.lbr_emu(a, "exec.data", [setarch, "-R", hot, "200000"], "--period", "1009")
r = t.check_run(["perf", "script", "-F", "ip,sym", "-i", data])
hot_ips = sum(1 for l in r.stdout.splitlines() if "hot_loop" in l)
if hot_ips * 2 < len(r.stdout.splitlines()):
    t.fail("after exec: only %d of %d samples in hot_loop" % (hot_ips, len(r.stdout.splitlines())))
print("PASS")
