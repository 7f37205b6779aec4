"""llvm-profgen --perfdata and perf2bolt -p accept lbr-emu's output for a
PIE and a non-PIE program (and for a dlopen'ed library with llvm-profgen)
and produce non-empty profiles whose hottest function is the one the
program spends its time in (hot_loop / plugin_work)."""
import lbremu_testlib as t

a = t.parse_args(__doc__)
t.need("perf")
emit = ["-Wl,--emit-relocs"]
pie = t.compile_c(a, "hot.c", "hot_pie", emit)
nopie = t.compile_c(a, "hot.c", "hot_nopie", ["-no-pie", "-fno-pie"] + emit)

for name, binary in (("pie", pie), ("nopie", nopie)):
    data = t.lbr_emu(a, name + ".data", [binary, "600000"])
    hot = t.profgen_hottest(a, data, binary, name + ".prof")
    if hot != "hot_loop":
        t.fail("%s: llvm-profgen's hottest function is %s, not hot_loop" % (name, hot))
    hot = t.perf2bolt_hottest(a, data, binary, name + ".fdata")
    if hot != "hot_loop":
        t.fail("%s: perf2bolt's hottest function is %s, not hot_loop" % (name, hot))
    print("%s: llvm-profgen and perf2bolt agree: hot_loop" % name)
print("PASS")
