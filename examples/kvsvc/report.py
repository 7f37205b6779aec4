#!/usr/bin/env python3
# report.py: the short report at the end of scripts/demo.sh: throughput
# medians of each build (from kvsvc's "... req/s ..." lines), the response
# checksums (every build must answer the same), and the hottest functions of
# the profiles before and after (`pgoctl show --json`).
import argparse
import json
import re
import statistics
import subprocess
import sys

LINE = re.compile(r"^kvsvc: (\d+) requests in ([\d.]+) s \(([\d.]+) s CPU\): (\d+) req/s per CPU second.*checksum ([0-9a-f]+)\)")


def short(name):
    """kvsvc::Store::get(std::basic_string_view<...>) const -> kvsvc::Store::get"""
    if not name:
        return None
    depth, out = 0, []
    for ch in name:
        if ch in "(<":
            depth += 1
        elif ch in ")>":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    s = "".join(out).replace(" const", "").strip()
    s = re.sub(r"\.__uniq\.\d+", "", s).split(" ")[-1]  # no return type
    parts = s.split("::")
    if len(s) > 36 and len(parts) > 3:  # ns::...::Class::method
        s = "::".join([parts[0], "..."] + parts[-2:])
    return s


def hottest(pgoctl, profile, n):
    out = subprocess.run([pgoctl, "show", profile, "--json", "--top", str(n)], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    top = json.loads(out)["top"]
    rows = []
    for e in top["entries"]:
        where = e["binary"].rsplit("/", 1)[-1]
        rows.append((e["percent"], short(e.get("function")) or "%s+%s" % (where, e.get("address", "?")), where))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pgoctl", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--runs", action="append", default=[], help="NAME=log of kvsvc runs")
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", required=True)
    ap.add_argument("--top", type=int, default=6)
    a = ap.parse_args()

    print("== report")
    base = None
    sums = set()
    print("   throughput: requests per CPU second of the serving thread")
    print("   %-20s %14s %8s   %s" % ("build", "median req/s", "vs plain", "runs"))
    for spec in a.runs:
        name, path = spec.split("=", 1)
        vals = []
        with open(path) as f:
            for line in f:
                m = LINE.match(line)
                if m:
                    vals.append(int(m.group(4)))
                    sums.add(m.group(5))
        if not vals:
            sys.exit("report: no kvsvc output in %s" % path)
        med = statistics.median(vals)
        base = base or med
        print("   %-20s %14.0f %+7.1f%%   %s" % (name, med, 100.0 * (med / base - 1), " ".join(str(v) for v in vals)))
    print("   responses: %s" % ("identical in every build (checksum %s)" % sums.pop() if len(sums) == 1
                                 else "DIFFER between builds: %s" % ", ".join(sorted(sums))))
    before, after = hottest(a.pgoctl, a.before, a.top), hottest(a.pgoctl, a.after, a.top)
    print("   hottest functions (share of cpu-clock samples)")
    print("   %-44s | %s" % ("before: plain kvsvc", "after: sample PGO + BOLT kvsvc.bolt"))
    for i in range(max(len(before), len(after))):
        cell = lambda rows: "%5.1f%%  %-36s" % (rows[i][0], rows[i][1][:36]) if i < len(rows) else ""
        print("   %-44s | %s" % (cell(before), cell(after)))
    return 0 if len(sums) <= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
