#!/usr/bin/env python3
"""tests/fuzz/make_seeds.py: seed corpora for the fuzz targets, made at test time.

The real fixtures (../shared/fixtures/perf) are read in place; what is derived
from them is written under OUT, never into the repository:
  OUT/perf_data/    the perf.data seeds: links to the fixtures, and the small
                    checked-in recordings of tests/lit/Inputs/hermetic
                    (--hermetic), decompressed;
  OUT/perf_script/  `perf script` text of small fixtures in the forms pgoctl
                    reads (-F ip / ip,brstack / pid,ip / pid,tid,ip,brstack with
                    --show-mmap-events, some with --show-task-events), each cut
                    to its first --max-bytes at a line end;
  OUT/pgoprof/      `pgoctl import` of small fixtures, and one `pgoctl merge`
                    of two of them (provenance, weights), and the protobuf body
                    of each (the zstd frame after the 16-byte header, unpacked
                    with the zstd tool when it is installed);
  OUT/dwarf/        one seed per .debug_* section of the DWARF target's
                    binaries, written by the fuzzer itself (PGOCTL_FUZZ_WRITE_SEEDS).
Without perf the text seeds are skipped (the fuzzer still runs, from the
regression corpus and its own mutations). Without the fixtures (a clone with
no ../shared beside it) the text and .pgoprof seeds come from the hermetic
recordings instead, with a note. Exit status non-zero when a tool that is
present fails.
"""
import argparse
import os
import shutil
import subprocess
import sys

# Small fixtures with samples that `perf script` and `pgoctl import` both read.
TEXT_FIXTURES = [
    ("quipper.perf.data.singleprocess-3.8", "ip", False),
    ("quipper.perf.data.branch-4.14", "ip,brstack", False),
    ("quipper.perf.data.lost_samples-4.4", "pid,ip", True),
    ("quipper.perf.data.forkexit-3.8", "pid,tid,ip,brstack", True),
    ("autofdo.ro_sample.perf", "ip", False),
    ("quipper.perf.data.callgraph_and_branch-3.8", "pid,ip,brstack", True),
]
PGOPROF_FIXTURES = [
    "quipper.perf.data.singleprocess-3.8",
    "quipper.perf.data.branch-4.14",
    "quipper.perf.data.lost_samples-4.4",
    "autofdo.ro_sample.perf",
    "quipper.perf.data.hybrid_topology",
]


def cut(data, limit):
    """The first `limit` bytes of data, ending at a line end."""
    if len(data) <= limit:
        return data
    end = data.rfind(b"\n", 0, limit)
    return data[: end + 1] if end >= 0 else data[:limit]


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)


def perf_data_seeds(fixtures, hermetic, out):
    """Fills out with the perf.data seeds; returns the hermetic ones' names."""
    fresh(out)
    if os.path.isdir(fixtures):
        for name in sorted(os.listdir(fixtures)):
            if name != "README.md":
                os.symlink(os.path.join(fixtures, name), os.path.join(out, name))
    made = []
    zstd = shutil.which("zstd")
    for name in sorted(os.listdir(hermetic)):
        if not name.endswith(".data.zst"):
            continue
        if not zstd:
            print("make_seeds: no zstd tool: hermetic perf.data seeds skipped", file=sys.stderr)
            break
        dst = os.path.join(out, name[: -len(".zst")])
        subprocess.run([zstd, "-q", "-d", "-f", os.path.join(hermetic, name), "-o", dst],
                       check=True, timeout=300)
        made.append(os.path.basename(dst))
    return made


def text_seeds(fixtures, fixture_list, out, limit):
    fresh(out)
    perf = shutil.which("perf")
    if not perf:
        print("make_seeds: no perf: text seeds skipped", file=sys.stderr)
        return
    for name, fields, tasks in fixture_list:
        cmd = [perf, "script", "-F", fields, "--show-mmap-events"]
        if tasks:
            cmd.append("--show-task-events")
        cmd += ["-i", os.path.join(fixtures, name)]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=300)
        if r.returncode != 0 or not r.stdout:
            sys.exit("make_seeds: %s failed (status %d)" % (" ".join(cmd), r.returncode))
        with open(os.path.join(out, "%s.%s.txt" % (name, fields.replace(",", "_"))), "wb") as f:
            f.write(cut(r.stdout, limit))


def pgoprof_seeds(pgoctl, fixtures, fixture_list, out):
    fresh(out)
    made = []
    for name in fixture_list:
        dst = os.path.join(out, name + ".pgoprof")
        subprocess.run([pgoctl, "-q", "import", os.path.join(fixtures, name), "-o", dst],
                       check=True, timeout=300)
        made.append(dst)
    merged = os.path.join(out, "merged.pgoprof")
    subprocess.run([pgoctl, "-q", "merge", made[0], "--weight", "3," + made[2], "-o", merged],
                   check=True, timeout=300)
    made.append(merged)
    zstd = shutil.which("zstd")
    if not zstd:
        print("make_seeds: no zstd tool: protobuf body seeds skipped", file=sys.stderr)
        return
    for path in made:
        with open(path, "rb") as f:
            frame = f.read()[16:]
        body = subprocess.run([zstd, "-d", "-c"], input=frame, stdout=subprocess.PIPE,
                              check=True, timeout=300).stdout
        with open(path + ".body", "wb") as f:
            f.write(body)


def dwarf_seeds(fuzzer, out):
    fresh(out)
    env = dict(os.environ, PGOCTL_FUZZ_WRITE_SEEDS=out, ASAN_OPTIONS="detect_leaks=0")
    subprocess.run([fuzzer], env=env, check=True, timeout=300)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pgoctl", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--hermetic", required=True)
    ap.add_argument("--dwarf-fuzzer", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-bytes", type=int, default=32768)
    a = ap.parse_args()
    perf_data = os.path.join(a.out, "perf_data")
    hermetic = perf_data_seeds(a.fixtures, a.hermetic, perf_data)
    if os.path.isdir(a.fixtures):
        fixtures, text_list, pgoprof_list = a.fixtures, TEXT_FIXTURES, PGOPROF_FIXTURES
    else:
        print("make_seeds: note: no fixtures folder %s: text and .pgoprof seeds come from "
              "the hermetic recordings" % a.fixtures, file=sys.stderr)
        fixtures = perf_data
        text_list = [(name, "ip", False) for name in hermetic[:4]]
        pgoprof_list = hermetic[:4]
    text_seeds(fixtures, text_list, os.path.join(a.out, "perf_script"), a.max_bytes)
    pgoprof_seeds(a.pgoctl, fixtures, pgoprof_list, os.path.join(a.out, "pgoprof"))
    dwarf_seeds(a.dwarf_fuzzer, os.path.join(a.out, "dwarf"))


if __name__ == "__main__":
    main()
