#!/usr/bin/env python3
"""real-projects.py WORK...: the Markdown table of bench/real-projects.sh from
the folders examples/real/loop.sh left (stats.tsv: callgrind Ir, I1 misses,
taken jumps per build and benchmark; time.tsv: median wall-time ratios to
plain). Per project and benchmark: plain, sample PGO (min, median, max over
the sample builds, each column on its own), sample PGO + BOLT, sample PGO
from emulated LBR (REAL_LBR) and instructions:pp (REAL_INS; REAL_CGINS:
min, median, max of the callgrind draws), instrumented PGO; then each sample
build's share of instrumented PGO's Ir gain, and a flag on every sample
build with more Ir than plain. The wall time comes from the project's own in-process
benchmark (speed.raw) where it has one, else from paired runs of the
benchmark's command."""
import csv
import os
import statistics
import sys


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def pct(x, base):
    return "%+.2f%%" % (100.0 * (x - base) / base)


def table(work):
    project = os.path.basename(os.path.normpath(work)).removeprefix("real-")
    stats = read_tsv(os.path.join(work, "stats.tsv"))
    if not stats:
        sys.exit("real-projects.py: no stats.tsv in %s (did loop.sh finish?)" % work)
    times = {(r["build"], r["benchmark"]): float(r["median_ratio"]) for r in read_tsv(os.path.join(work, "time.tsv"))}
    bolt_from = ""
    if os.path.exists(os.path.join(work, "bolt.from")):
        bolt_from = open(os.path.join(work, "bolt.from")).read().strip()
    benches = list(dict.fromkeys(r["benchmark"] for r in stats))
    out = []
    for bench in benches:
        rows = {r["build"]: {k: int(r[k]) for k in ("Ir", "Jt", "I1mr")} for r in stats if r["benchmark"] == bench}
        plain, instr = rows["plain"], rows.get("instr")
        samples = sorted(b for b in rows if b.startswith("sample"))
        cgins = sorted((b for b in rows if b.startswith("cgins")), key=lambda b: int(b[5:]))
        out.append("### %s: %s\n" % (project, bench))
        out.append("| build | Ir | Ir vs plain | taken jumps | vs plain | I1 misses | vs plain | wall time / plain |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|")

        def line(name, vals, wall):
            cells = [name]
            for k in ("Ir", "Jt", "I1mr"):
                cells += ["{:,}".format(vals[k]), pct(vals[k], plain[k]) if name != "plain" else ""]
            cells.append(wall)
            out.append("| " + " | ".join(cells) + " |")

        def wall_of(builds):
            w = [times[(b, bench)] for b in builds if (b, bench) in times]
            return w

        def group(builds, name):  # min, median, max rows, each column on its own
            for label, pick in (("min", min), ("median", statistics.median_low), ("max", max)):
                vals = {k: pick([rows[b][k] for b in builds]) for k in ("Ir", "Jt", "I1mr")}
                w = wall_of(builds)
                line("%s %s (%d builds)" % (name, label, len(builds)), vals, "%.3f" % pick(w) if w else "")

        def shares(builds, gain):  # each build's share of instrumented PGO's gain, and min/median/max
            cells = []
            for b in builds:
                share = "%.0f%%" % (100.0 * (plain["Ir"] - rows[b]["Ir"]) / gain) if gain > 0 else "n/a"
                flag = " **more Ir than plain**" if rows[b]["Ir"] > plain["Ir"] else ""
                cells.append("%s %s%s" % (b, share, flag))
            ir_shares = [100.0 * (plain["Ir"] - rows[b]["Ir"]) / gain for b in builds] if gain > 0 else []
            return ", ".join(cells) + ("; min/median/max %.0f/%.0f/%.0f%%" % (
                min(ir_shares), statistics.median(ir_shares), max(ir_shares)) if ir_shares else "")

        line("plain", plain, "1")
        if samples:
            group(samples, "sample PGO")
        if "bolt" in rows:
            w = wall_of(["bolt"])
            line("sample PGO + BOLT (%s)" % bolt_from, rows["bolt"], "%.3f" % w[0] if w else "")
        for b, label in (("lbr", "emulated LBR"), ("ins", "emulated instructions:pp")):
            if b in rows:
                w = wall_of([b])
                line("sample PGO from " + label, rows[b], "%.3f" % w[0] if w else "")
        if cgins:
            group(cgins, "sample PGO from instructions:pp drawn from callgrind")
        if instr:
            w = wall_of(["instr"])
            line("instrumented PGO", instr, "%.3f" % w[0] if w else "")
        if instr and samples:
            gain = plain["Ir"] - instr["Ir"]
            out.append("")
            lbr = ""
            for b, label in (("lbr", "emulated LBR"), ("ins", "emulated instructions:pp")):
                if b in rows and gain > 0:
                    lbr += "; from %s %.0f%%" % (label, 100.0 * (plain["Ir"] - rows[b]["Ir"]) / gain)
            out.append("Share of instrumented PGO's Ir gain (%s): %s%s." % (
                pct(instr["Ir"], plain["Ir"]), shares(samples, gain), lbr))
        if instr and cgins:
            gain = plain["Ir"] - instr["Ir"]
            out.append("")
            out.append("From instructions:pp samples drawn from callgrind's counts of one training pass "
                       "(%s): %s." % (pct(instr["Ir"], plain["Ir"]), shares(cgins, gain)))
        out.append("")
    if os.path.exists(os.path.join(work, "speed.raw")):
        out.append("Wall time of %s: its own in-process benchmark mode (loop.sh's project_speed), "
                   "the median over rounds of plain's speed / the build's speed.\n" % project)
    return "\n".join(out)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: real-projects.py WORK...")
    print("\n".join(table(w) for w in sys.argv[1:]))


if __name__ == "__main__":
    main()
