"""Shared helpers for the lbr-emu tests: argument parsing, compiling the
test programs with clang-22, running lbr-emu, reading perf script output and
the ground-truth file. Tests exit 77 (ctest SKIP_RETURN_CODE) when a tool
they need is missing."""
import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.join(HERE, "programs")
SKIP = 77


def parse_args(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--lbr-emu", required=True, help="path of the lbr-emu binary")
    p.add_argument("--work", required=True, help="scratch directory")
    p.add_argument("--cc", default="clang-22", help="C compiler")
    p.add_argument("--llvm-bin", default="/usr/lib/llvm-22/bin")
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    return a


def skip(why):
    print("SKIP: " + why)
    sys.exit(SKIP)


def fail(why):
    print("FAIL: " + why)
    sys.exit(1)


def need(tool):
    path = shutil.which(tool) if not os.path.isabs(tool) else (
        tool if os.access(tool, os.X_OK) else None)
    if not path:
        skip(tool + " not found")
    return path


def run(cmd, **kw):
    """Runs cmd, returns CompletedProcess; prints it for the ctest log."""
    print("$ " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, **kw)
    if r.stderr:
        print(r.stderr[-2000:], end="", flush=True)
    return r


def check_run(cmd, **kw):
    r = run(cmd, **kw)
    if r.returncode != 0:
        fail("command failed with status %d: %s" % (r.returncode, " ".join(cmd)))
    return r


def compile_c(args, source, out, extra=()):
    """Compiles programs/<source> with debug info into args.work/<out>."""
    need(args.cc)
    dst = os.path.join(args.work, out)
    check_run([args.cc, "-O1", "-g", "-fno-omit-frame-pointer",
               os.path.join(PROGRAMS, source), "-o", dst] + list(extra))
    return dst


def lbr_emu(args, out, command, *opts):
    """Runs lbr-emu -o out [opts] -- command; returns the perf.data path."""
    data = os.path.join(args.work, out)
    check_run([args.lbr_emu, "--stats"] + list(opts) + ["-o", data, "--"] +
              list(command))
    return data


def parse_brstack_tokens(tokens):
    """['0x1/0x2/P/-/-/0/', ...] -> [(0x1, 0x2), ...]"""
    out = []
    for t in tokens:
        parts = t.split("/")
        out.append((int(parts[0], 16), int(parts[1], 16)))
    return out


def perf_script_samples(data):
    """(ip, [(from, to), ...]) per sample, as perf script prints them."""
    perf = need("perf")
    r = check_run([perf, "script", "-F", "ip,brstack", "-i", data])
    samples = []
    for line in r.stdout.splitlines():
        tok = line.split()
        if not tok:
            continue
        samples.append((int(tok[0], 16), parse_brstack_tokens(tok[1:])))
    return samples, r.stderr


def dump_samples(path):
    """Reads lbr-emu --dump-samples output (same shape as above)."""
    samples = []
    with open(path) as f:
        for line in f:
            tok = line.split()
            samples.append((int(tok[0], 16), parse_brstack_tokens(tok[1:])))
    return samples


def read_exact(path):
    """Ground truth: dict with T (tuple), B and R ({(a, b): count})."""
    gt = {"B": {}, "R": {}, "M": []}
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                continue
            tok = line.split()
            if tok[0] == "T":
                gt["T"] = tuple(int(x) for x in tok[1:])
            elif tok[0] == "M":
                gt["M"].append(tok[1:])
            else:
                gt[tok[0]][(int(tok[1], 16), int(tok[2], 16))] = int(tok[3])
    return gt


def profgen_hottest(args, data, binary, out):
    """Runs llvm-profgen (text format); returns the hottest function."""
    profgen = need(os.path.join(args.llvm_bin, "llvm-profgen"))
    prof = os.path.join(args.work, out)
    check_run([profgen, "--perfdata", data, "--binary", binary,
               "--output", prof, "--format=text"])
    totals = {}
    with open(prof) as f:
        for line in f:
            m = re.match(r"^([^ \t].*?):(\d+):(\d+)$", line.rstrip("\n"))
            if m:
                totals[m.group(1)] = int(m.group(2))
    if not totals:
        fail("llvm-profgen wrote an empty profile " + prof)
    print("llvm-profgen totals:", sorted(totals.items(), key=lambda kv: -kv[1])[:5])
    return max(totals, key=totals.get)


def perf2bolt_hottest(args, data, binary, out):
    """Runs perf2bolt; returns the function with most branch counts."""
    p2b = need(os.path.join(args.llvm_bin, "perf2bolt"))
    fdata = os.path.join(args.work, out)
    check_run([p2b, "-p", data, "-o", fdata, binary])
    totals = {}
    with open(fdata) as f:
        for line in f:
            tok = line.split()
            # branch lines: 1 from-func from-off 1 to-func to-off mispred count
            if len(tok) == 8 and tok[0] == "1":
                totals[tok[1]] = totals.get(tok[1], 0) + int(tok[7])
    if not totals:
        fail("perf2bolt wrote an empty profile " + fdata)
    print("perf2bolt totals:", sorted(totals.items(), key=lambda kv: -kv[1])[:5])
    return max(totals, key=totals.get)
