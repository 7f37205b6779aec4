"""perf script reads lbr-emu's output without complaint and prints exactly
the samples lbr-emu wrote (compared with --dump-samples), for a PIE, a
non-PIE and a program that dlopens a shared library of its own."""
import os
import lbremu_testlib as t

a = t.parse_args(__doc__)
t.need("perf")
pie = t.compile_c(a, "hot.c", "hot_pie")
nopie = t.compile_c(a, "hot.c", "hot_nopie", ["-no-pie", "-fno-pie"])
plugin = t.compile_c(a, "plugin.c", "libplugin.so", ["-shared", "-fPIC"])
dlmain = t.compile_c(a, "dlmain.c", "dlmain", ["-ldl"])

cases = [("pie", [pie, "400000"]), ("nopie", [nopie, "400000"]),
         ("dlopen", [dlmain, plugin, "300000"])]
for name, cmd in cases:
    dump = os.path.join(a.work, name + ".samples")
    data = t.lbr_emu(a, name + ".data", cmd, "--dump-samples", dump,
                     "--period", "1009")
    got, err = t.perf_script_samples(data)
    want = t.dump_samples(dump)
    bad = [l for l in err.splitlines()
           if any(w in l.lower() for w in ("warning", "error", "fail", "invalid"))]
    if bad:
        t.fail("%s: perf script complained: %s" % (name, bad))
    if len(want) < 20:
        t.fail("%s: only %d samples written" % (name, len(want)))
    if got != want:
        diff = next(i for i in range(min(len(got), len(want))) if got[i] != want[i]) \
            if got[:len(want)] != want[:len(got)] else min(len(got), len(want))
        t.fail("%s: perf script shows %d samples, lbr-emu wrote %d; first "
               "difference at sample %d" % (name, len(got), len(want), diff))
    print("%s: %d samples identical" % (name, len(got)))

# The library's hot function must be where the dlopen program's samples are.
r = t.check_run(["perf", "script", "-F", "ip,sym,dso", "-i",
                 os.path.join(a.work, "dlopen.data")])
in_plugin = sum(1 for l in r.stdout.splitlines()
                if "plugin_work" in l and "libplugin.so" in l)
lines = len(r.stdout.splitlines())
if in_plugin * 2 < lines:
    t.fail("dlopen: only %d of %d sample IPs resolve to plugin_work in "
           "libplugin.so" % (in_plugin, lines))
print("dlopen: %d of %d sample IPs in plugin_work (libplugin.so)" % (in_plugin, lines))
print("PASS")
