"""The fast block mode must give exactly the branch trace that single-stepping
every instruction gives. Both modes run the same program with ASLR off
(--no-aslr, so addresses match) and --exact; their taken-branch and
fall-through-range counts must be identical. The program covers direct and
indirect calls, a jump table, recursion, PLT calls, a signal handler, and
the dynamic loader's startup code. Instruction counts may differ: single-step
mode counts every iteration of a rep-prefixed instruction."""
import lbremu_testlib as t

a = t.parse_args(__doc__)
mixed = t.compile_c(a, "mixed.c", "mixed")
gts = {}
for mode in ("block", "singlestep"):
    data = t.lbr_emu(a, mode + ".data", [mixed, "1500"],
                     "--no-aslr", "--mode", mode, "--exact", "--period", "997")
    gts[mode] = t.read_exact(data + ".exact")
b, s = gts["block"], gts["singlestep"]
for kind in ("B", "R"):
    if b[kind] != s[kind]:
        only_b = set(b[kind].items()) - set(s[kind].items())
        only_s = set(s[kind].items()) - set(b[kind].items())
        t.fail("%s counts differ: block-only %s ... single-step-only %s ..." % (
            kind, sorted(only_b)[:5], sorted(only_s)[:5]))
if b["T"][0] != s["T"][0] or b["T"][2] != s["T"][2]:
    t.fail("taken/sample totals differ: %s vs %s" % (b["T"], s["T"]))
print("identical: %d distinct branches, %d ranges, %d taken" % (
    len(b["B"]), len(b["R"]), b["T"][0]))
print("PASS")
