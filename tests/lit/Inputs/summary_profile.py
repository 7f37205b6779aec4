# summary_profile.py OUT: writes a text sample profile with many counts, ties
# and inlinees (a fixed LCG, so the file is the same on every run) for
# summary.test, which compares `pgoctl summary` with llvm-profdata.
import sys

x = 12345
def rnd(n):
    global x
    x = (x * 1103515245 + 12345) % (1 << 31)
    return x % n

with open(sys.argv[1], "w") as f:
    for fn in range(8):
        lines = []
        for line in range(1, 25):
            # a few hot lines, many lukewarm ones, some ties
            c = rnd(5) == 0 and 100000 + rnd(900000) or rnd(3000) // 10 * 10
            lines.append(" %d: %d" % (line, c))
        inl = [" 30: inl%d:0" % fn] + ["  %d: %d" % (k, rnd(50000)) for k in range(1, 6)]
        total = sum(int(l.split(": ")[1]) for l in lines + inl[1:])
        f.write("f%d:%d:%d\n" % (fn, total, rnd(1000)) + "\n".join(lines + inl) + "\n")
