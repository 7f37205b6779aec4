#!/usr/bin/env python3
"""tests/fuzz/perf_diff_fuzz.py: differential fuzzing of pgoctl's perf.data decoder against perf.

Takes the real fixtures (read in place), mutates their bytes with a seeded PRNG
(bit flips, byte and word sets, truncation, chunk duplication; mostly inside
the data section, often aimed at a record's header or body; a duplicated
chunk moves the header's data size and feature offsets along, so the damage
stays where it was made), and runs each mutant through the oracle and
pgoctl, as the debug-samples lit tests compare them:
    perf script -F ip,brstack -i MUTANT      (stderr: only for skips-refused)
    pgoctl debug samples MUTANT
and, when pgoctl refuses a mutant perf reads, `pgoctl debug samples
--keep-going MUTANT`. Each mutant falls into one class.

Agreement (the test passes):
  same          both exit 0 and print the same samples, byte for byte.
  both-reject   both exit non-zero, and pgoctl's error names the file.
  salvage       perf exits 0 (it skips or stops at damage without failing),
                pgoctl exits with an error naming the file and the byte
                offset of the damage, and with --keep-going pgoctl prints
                some of perf's lines, in perf's order: the samples read
                before the damage, delivered in time order (perf, which
                went on, prints samples read after it among them).
  skips-refused perf exits non-zero, naming the record it cannot process
                ("0xOFFSET [0xSIZE]: failed to process type: T"); pgoctl
                exits 0; and with the records perf refuses cut out of the
                mutant (up to 5, one at a time, the header's data size and
                feature offsets following), perf reads it and prints exactly
                what pgoctl printed for the mutant. That is: the records perf
                refuses add no sample to pgoctl's output (a side-band record
                whose event id matches no event, a record type pgoctl skips),
                and every other sample agrees. (A SAMPLE perf refuses that
                pgoctl prints, e.g. one whose event id matches no event, which
                pgoctl gives to the first event, is lenient.) Also this
                class, when perf fails without naming a record, or still
                fails once the records it named are cut: pgoctl prints
                exactly what perf prints for the unmutated fixture (damage in
                something pgoctl does not need for samples, such as a
                THREAD_MAP's entry count or a record turned into a
                HEADER_ATTR; perf runs with its memory bounded).
  skips-unknown as skips-refused, where perf refuses the file for "unknown
                events" without naming them: every record of a type perf does
                not know (perf_knows()) is cut out. pgoctl skips record types
                it does not know (and counts them in ReadStats::UnknownRecords:
                `import` warns with the count), so a newer perf's records do
                not stop it; perf 6.1 refuses them. Tolerated, and counted
                apart: the samples agree, but `debug samples` says nothing of
                the skipped records.
  skips-ignored perf fails (often dies: perf trusts the entry count of a
                THREAD_MAP or CPU_MAP); pgoctl exits 0; and with every record
                of a type pgoctl reads past unused (PGOCTL_SKIPS) or perf
                does not know, and every HEADER_ATTR in a file's data section
                (a damaged record: perf writes a file's attrs in its header),
                cut out of the mutant, perf reads it and prints exactly what
                pgoctl printed for the mutant.
Disagreement (the test fails; the mutant is saved for a regression):
  crash         pgoctl died of a signal, or exited non-zero without an
                "error:" message, or with another status than 0 (success) and
                3 (error; cli/main.cpp).
  hang          pgoctl took longer than --timeout seconds (perf is given the
                same limit; a perf timeout counts as perf rejecting).
  differ        both exit 0 with different samples.
  salvage-bad   perf exits 0 and pgoctl refuses, but its error names no offset,
                or --keep-going prints samples that are not perf's, in order.
  lenient       pgoctl exits 0 where perf fails, and it is not skips-refused.
  reject-unclear both reject, but pgoctl's error does not name the file.

Saved mutants (--save) are named <class>-<fixture>-<n>; a file in
--regressions is replayed first, in every run, and must agree (its fixture,
for skips-refused, is the one its name contains). The repository keeps each
regression as a recipe of byte edits to its fixture (NAME.bytes, see
apply_recipe; `perf_diff_fuzz.py --recipe MUTANT FIXTURES_DIR` prints one),
not as a copy of the fixture. Exit status: 0
when every mutant agrees, 1 on a disagreement, 77 (ctest's skip) without
perf or fixtures.
"""
import argparse
import os
import random
import re
import resource
import shutil
import struct
import subprocess
import sys
import time

# Small fixtures perf reads in well under a second, file and pipe mode, IP
# and LBR samples.
FIXTURES = [
    "quipper.perf.data.singleprocess-3.8",
    "quipper.perf.data.branch-4.14",
    "quipper.perf.data.lost_samples-4.4",
    "autofdo.ro_sample.perf",
    "quipper.perf.data.systemwide.1-3.8",
    "quipper.perf.data.piped.header_features_aligned-6.12",
]
AGREE = ("same", "both-reject", "salvage", "skips-refused", "skips-unknown", "skips-ignored")
DISAGREE = ("crash", "hang", "differ", "salvage-bad", "lenient", "reject-unclear")
INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x40, 0x10]
OFFSET_RE = re.compile(r"offset \d+")
REFUSED_RE = re.compile(r"^(0x[0-9a-f]+) \[(0x[0-9a-f]+)\]: failed to process type", re.M)


class Layout:
    """Where the data section and its records lie in a perf.data file."""

    def __init__(self, data):
        self.pipe = struct.unpack_from("<Q", data, 8)[0] == 16
        if self.pipe:
            self.begin, self.end = 16, len(data)
        else:
            do, dsz = struct.unpack_from("<2Q", data, 40)
            self.begin, self.end = do, min(do + dsz, len(data))
        self.records = [(off, size) for off, size, _ in self.walk(data)]

    def walk(self, data):
        """(offset, size, type) of each record, up to the first bad size."""
        off = self.begin
        while off + 8 <= self.end:
            rtype, size = struct.unpack_from("<I", data, off)[0], struct.unpack_from(
                "<H", data, off + 6)[0]
            if size < 8 or off + size > self.end:
                break
            yield off, size, rtype
            off += size


def grow_data_section(buf, at, n):
    """After n bytes were inserted at `at` in the data section of a file-mode
    perf.data (removed, when n < 0): the header's data size grows by n, and
    the feature sections (a table of (offset, size) right after the data, one
    per feature bit) move by n, so the file stays valid around the change."""
    if len(buf) < 104:
        return
    do, dsz = struct.unpack_from("<2Q", buf, 40)
    if not do <= at <= do + dsz or dsz + n < 0:
        return
    struct.pack_into("<Q", buf, 48, dsz + n)
    table = do + dsz + n
    features = int.from_bytes(bytes(buf[72:104]), "little")
    for i in range(bin(features).count("1")):
        entry = table + 16 * i
        if entry + 16 > len(buf):
            break
        off = struct.unpack_from("<Q", buf, entry)[0]
        if off >= at:
            struct.pack_into("<Q", buf, entry, off + n)


def mutate(rng, data, layout):
    """A mutant of data and a description of what was done."""
    buf = bytearray(data)
    ops = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        # Records still whole after earlier operations (a truncation).
        records = [r for r in layout.records if r[0] + r[1] <= len(buf)]
        kind = rng.choices(
            ["flip", "byte", "word", "rec-size", "rec-type", "truncate", "dup", "anywhere"],
            weights=[25, 15, 15, 10, 5, 10, 10, 10])[0]
        # Where: a record's header or body (most), the data section, the whole file.
        if kind == "anywhere":
            pos = rng.randrange(len(buf))
            kind = rng.choice(["flip", "byte", "word"])
        elif records and rng.random() < 0.8:
            off, size = rng.choice(records)
            pos = off + rng.randrange(size)
        else:
            pos = rng.randrange(layout.begin, max(layout.begin + 1, min(layout.end, len(buf))))
        pos = min(pos, len(buf) - 1)
        if kind == "flip":
            bit = rng.randrange(8)
            buf[pos] ^= 1 << bit
            ops.append("flip bit %d of byte %d" % (bit, pos))
        elif kind == "byte":
            v = rng.choice(INTERESTING + [rng.randrange(256)])
            buf[pos] = v
            ops.append("set byte %d to 0x%02x" % (pos, v))
        elif kind == "word":
            width = rng.choice((2, 4, 8))
            pos = min(pos, len(buf) - width)
            v = rng.choice([0, 1, 8, 0xffff, 0x7fffffff, 0xffffffff, (1 << 63), (1 << 64) - 1,
                            rng.getrandbits(64)]) & ((1 << (8 * width)) - 1)
            buf[pos:pos + width] = v.to_bytes(width, "little")
            ops.append("set %d bytes at %d to 0x%x" % (width, pos, v))
        elif kind in ("rec-size", "rec-type") and records:
            off, size = rng.choice(records)
            if kind == "rec-size":
                v = rng.choice([0, 4, 8, size - 8, size - 1, size + 1, size + 8, 0xffff,
                                rng.randrange(65536)]) & 0xffff
                struct.pack_into("<H", buf, off + 6, v)
                ops.append("record at %d: size %d -> %d" % (off, size, v))
            else:
                old = struct.unpack_from("<I", buf, off)[0]
                v = rng.choice([0, 1, 2, 3, 4, 7, 9, 10, 11, 64, 67, 68, 81, 99,
                                rng.getrandbits(32)])
                struct.pack_into("<I", buf, off, v)
                ops.append("record at %d: type %d -> %d" % (off, old, v))
        elif kind == "truncate":
            cut = rng.randrange(max(1, min(len(buf), layout.end)))
            del buf[cut:]
            ops.append("truncate to %d bytes" % cut)
            if len(buf) == 0:
                break
        elif kind == "dup":
            if records and rng.random() < 0.7:
                off, size = rng.choice(records)
                chunk = bytes(buf[off:off + size])
                at = rng.choice(records)[0]
                what = "record at %d (%d bytes)" % (off, size)
            else:
                off = rng.randrange(layout.begin, max(layout.begin + 1, layout.end))
                chunk = bytes(buf[off:off + rng.randrange(1, 256)])
                at = rng.randrange(layout.begin, max(layout.begin + 1, layout.end))
                what = "%d bytes at %d" % (len(chunk), off)
            at = min(at, len(buf))
            buf[at:at] = chunk
            if not layout.pipe:
                grow_data_section(buf, at, len(chunk))
            ops.append("duplicate %s at %d" % (what, at))
        if len(buf) < 16:
            break
    return bytes(buf), ops


# perf trusts declared counts: a THREAD_MAP whose entry count has one bit
# flipped made perf 6.1 allocate 24 GiB and die to the OOM killer. The oracle
# runs with its address space bounded, so such a mutant is perf rejecting it.
ORACLE_MEMORY = 4 << 30


def bound_memory():
    resource.setrlimit(resource.RLIMIT_AS, (ORACLE_MEMORY, ORACLE_MEMORY))


def run(cmd, timeout, bounded=False):
    """(status, stdout, stderr); status None on timeout. bounded: the
    oracle's address space is limited to ORACLE_MEMORY (not pgoctl's: an
    ASan build reserves terabytes of address space)."""
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                           preexec_fn=bound_memory if bounded else None)
        return r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired:
        return None, b"", b""


def is_line_subsequence(a, b):
    """Whether a's lines are some of b's, in b's order (possibly none)."""
    want = a.split(b"\n")
    i = 0
    for line in b.split(b"\n"):
        if i < len(want) and line == want[i]:
            i += 1
    return i == len(want) or (i == len(want) - 1 and want[-1] == b"")


def perf_after_cuts(args, buf, cuts, pipe, cut_path):
    """Cuts the records at cuts ((offset, size) pairs) out of buf, in place
    (a file's data size and feature offsets follow), writes it to cut_path
    and runs the oracle on it: (status, stdout, stderr)."""
    for off, size in sorted(cuts, reverse=True):
        del buf[off:off + size]
        if not pipe:
            grow_data_section(buf, off, -size)
    with open(cut_path, "wb") as f:
        f.write(buf)
    return run([args.perf, "script", "-F", "ip,brstack", "-i", cut_path], args.timeout,
               bounded=True)


def classify(args, path, original_perf):
    """(class, detail) for one file; original_perf is what perf prints for
    the unmutated fixture (None for a regression input)."""
    p_rc, p_out, p_err = run([args.perf, "script", "-F", "ip,brstack", "-i", path], args.timeout,
                             bounded=True)
    g_rc, g_out, g_err = run([args.pgoctl, "debug", "samples", path], args.timeout)
    err = g_err.decode("utf-8", "replace").strip().splitlines()
    first = err[0] if err else ""
    if g_rc is None:
        return "hang", "pgoctl ran longer than %ds" % args.timeout
    if g_rc not in (0, 3) or (g_rc != 0 and "error:" not in first):
        return "crash", "pgoctl exit status %d: %s" % (g_rc, "\n".join(err[-5:]))
    perf_ok = p_rc == 0
    if g_rc == 0 and perf_ok:
        if g_out == p_out:
            return "same", ""
        return "differ", first_difference(p_out, g_out)
    if g_rc != 0 and not perf_ok:
        if path not in g_err.decode("utf-8", "replace"):
            return "reject-unclear", first
        return "both-reject", first
    if g_rc != 0:  # perf read it
        if not OFFSET_RE.search(first):
            return "salvage-bad", "error names no offset: " + first
        k_rc, k_out, k_err = run([args.pgoctl, "debug", "samples", "--keep-going", path],
                                 args.timeout)
        if k_rc is None:
            return "hang", "pgoctl --keep-going ran longer than %ds" % args.timeout
        if k_rc not in (0, 3):
            return "crash", "pgoctl --keep-going exit status %d" % k_rc
        if not is_line_subsequence(k_out, p_out):
            return "salvage-bad", "--keep-going: " + first_difference(p_out, k_out)
        return "salvage", first
    # pgoctl read it, perf failed
    why = "perf status %s (%s)" % (p_rc, perf_reason(p_err))
    names_record = REFUSED_RE.search(p_err.decode("utf-8", "replace")) or \
        b"unknown events" in p_err
    if not names_record and original_perf is not None and g_out == original_perf:
        return "skips-refused", why
    with open(path, "rb") as f:
        buf = bytearray(f.read())
    pipe = len(buf) >= 16 and struct.unpack_from("<Q", buf, 8)[0] == 16
    cut_path = os.path.join(args.work, "cut.data")
    cls = "skips-refused"
    for _ in range(5):
        text = p_err.decode("utf-8", "replace")
        m = REFUSED_RE.search(text)
        if m:
            # In pipe mode perf counts offsets from the end of the 16-byte
            # pipe header, not from the start of the file.
            cuts = [(int(m.group(1), 16) + (16 if pipe else 0), int(m.group(2), 16))]
        elif "unknown events" in text:
            cls = "skips-unknown"
            cuts = [(off, size) for off, size, rtype in Layout(buf).walk(buf)
                    if not perf_knows(rtype)]
        else:
            break
        if not cuts or any(size == 0 or off + size > len(buf) for off, size in cuts):
            break
        p_rc, p_out, p_err = perf_after_cuts(args, buf, cuts, pipe, cut_path)
        if p_rc == 0:
            if p_out == g_out:
                return cls, why
            return "lenient", why + "; with the refused records cut: " + \
                first_difference(p_out, g_out)
    # The cuts did not make perf read it (it still fails, now without naming
    # a record: other damage in a record it needs and pgoctl does not). As
    # when perf names no record: pgoctl must print exactly what perf prints
    # for the unmutated fixture.
    if original_perf is not None and g_out == original_perf:
        return "skips-refused", why + "; perf still fails with the refused records cut"
    # Or cut every record pgoctl skips from the mutant, and every HEADER_ATTR
    # of a file's data section (perf writes a file's attrs in its header: one
    # in the data is a damaged record, which perf then applies to the side-band
    # records after it): perf must read the rest and print exactly what
    # pgoctl printed for the mutant.
    with open(path, "rb") as f:
        buf = bytearray(f.read())
    cuts = [(off, size) for off, size, rtype in Layout(buf).walk(buf)
            if rtype in PGOCTL_SKIPS or not perf_knows(rtype) or (rtype == 64 and not pipe)]
    if cuts:
        p_rc, p_out, _ = perf_after_cuts(args, buf, cuts, pipe, cut_path)
        if p_rc == 0 and p_out == g_out:
            return "skips-ignored", why + "; with the %d records pgoctl skips cut" % len(cuts)
    return "lenient", why + "; against the unmutated fixture: " + \
        first_difference(original_perf or b"", g_out)


# Record types pgoctl reads past without using them: the kernel's READ, AUX,
# ITRACE_START, SWITCH, SWITCH_CPU_WIDE, NAMESPACES, KSYMBOL, BPF_EVENT,
# CGROUP, TEXT_POKE, AUX_OUTPUT_HW_ID (collect/PerfRecord.cpp) and perf's
# HEADER_EVENT_TYPE, ID_INDEX, AUXTRACE_INFO, AUXTRACE_ERROR, THREAD_MAP,
# CPU_MAP, STAT_CONFIG, STAT, STAT_ROUND, TIME_CONV, FINISHED_INIT
# (collect/PerfReader.cpp).
PGOCTL_SKIPS = {8, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21,
                65, 69, 70, 72, 73, 74, 75, 76, 77, 79, 82}


def perf_knows(rtype):
    """Whether perf 6.1 knows the record type: the kernel's PERF_RECORD_MMAP (1)
    to PERF_RECORD_AUX_OUTPUT_HW_ID (21), and perf's own user types
    PERF_RECORD_HEADER_ATTR (64) to PERF_RECORD_FINISHED_INIT (82)."""
    return 1 <= rtype <= 21 or 64 <= rtype <= 82


def perf_reason(err):
    """perf's first error line, e.g. '0x36c0 [0x30]: failed to process type: 9 [Bad address]'."""
    for line in err.decode("utf-8", "replace").splitlines():
        if "failed" in line or "rror" in line or "unknown" in line:
            return line.strip()[:160]
    return "no message"


def first_difference(a, b):
    la, lb = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return "line %d: perf '%s', pgoctl '%s'" % (
                i + 1, x.decode("utf-8", "replace")[:120], y.decode("utf-8", "replace")[:120])
    return "perf %d lines, pgoctl %d lines" % (len(la), len(lb))


# A regression is kept as a recipe, NAME.bytes, not as a copy of the fixture
# it mutates: a line "fixture FILE", then one line "OFFSET HEX" per byte that
# differs. (Every mutant kept so far has its fixture's length.)
def apply_recipe(recipe, fixtures, work):
    """(fixture name, path of the mutant rebuilt in work) for a .bytes recipe."""
    fixture, edits = None, []
    for line in open(recipe):
        words = line.split()
        if len(words) == 2 and words[0] == "fixture":
            fixture = words[1]
        elif len(words) == 2:
            edits.append((int(words[0]), int(words[1], 16)))
    if not fixture or os.path.basename(fixture) != fixture:
        sys.exit("perf_diff_fuzz: %s: no 'fixture NAME' line" % recipe)
    data = bytearray(open(os.path.join(fixtures, fixture), "rb").read())
    for off, value in edits:
        if off >= len(data) or not 0 <= value <= 255:
            sys.exit("perf_diff_fuzz: %s: edit %d %x is outside %s" % (recipe, off, value,
                                                                     fixture))
        data[off] = value
    path = os.path.join(work, os.path.basename(recipe)[:-len(".bytes")])
    with open(path, "wb") as f:
        f.write(data)
    return fixture, path


def write_recipe(mutant, fixtures):
    """Prints the .bytes recipe of a saved mutant (named <class>-<fixture>-<n>)."""
    known = sorted(os.listdir(fixtures), key=len, reverse=True)
    name = os.path.basename(mutant)
    fixture = next((f for f in known if f in name), None)
    data, orig = open(mutant, "rb").read(), None
    if fixture:
        orig = open(os.path.join(fixtures, fixture), "rb").read()
    if orig is None or len(orig) != len(data):
        sys.exit("perf_diff_fuzz: %s: not a same-length mutant of a fixture" % mutant)
    print("fixture %s" % fixture)
    for off, (a, b) in enumerate(zip(orig, data)):
        if a != b:
            print("%d %02x" % (off, b))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--recipe":
        write_recipe(sys.argv[2], sys.argv[3])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pgoctl", required=True)
    ap.add_argument("--perf", default="perf")
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--fixture", action="append", help="fixture file name (repeatable; "
                    "default: %s)" % ", ".join(FIXTURES))
    ap.add_argument("--mutants", type=int, default=200)
    ap.add_argument("--max-seconds", type=float, default=0,
                    help="stop making mutants after this long (0: no limit)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=int, default=60, help="per run, seconds")
    ap.add_argument("--work", required=True, help="scratch folder")
    ap.add_argument("--save", help="folder for disagreeing mutants (default WORK/findings)")
    ap.add_argument("--save-all", action="store_true",
                    help="also save agreeing mutants of the non-'same' classes")
    ap.add_argument("--regressions", help="folder of mutants to replay first")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    perf = shutil.which(args.perf)
    if not perf or not os.path.isdir(args.fixtures):
        print("perf_diff_fuzz: skipped: needs perf and %s" % args.fixtures)
        return 77
    args.perf = perf
    save = args.save or os.path.join(args.work, "findings")
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    os.makedirs(save, exist_ok=True)

    counts = {}
    findings = []

    def record(cls, detail, path, label):
        counts[cls] = counts.get(cls, 0) + 1
        if args.verbose or cls not in AGREE:
            print("%-14s %s %s" % (cls, label, detail))
        return cls

    def perf_of_fixture(name):
        rc, out, _ = run([args.perf, "script", "-F", "ip,brstack", "-i",
                          os.path.join(args.fixtures, name)], args.timeout, bounded=True)
        if rc != 0:
            sys.exit("perf_diff_fuzz: perf script cannot read the fixture %s" % name)
        return out

    if args.regressions and os.path.isdir(args.regressions):
        known = sorted(os.listdir(args.fixtures), key=len, reverse=True)
        for name in sorted(os.listdir(args.regressions)):
            path = os.path.join(args.regressions, name)
            if name.startswith(".") or not os.path.isfile(path):
                continue
            if name.endswith(".bytes"):
                fixture, path = apply_recipe(path, args.fixtures, args.work)
            else:
                # Saved mutants are named <class>-<fixture>-<n>.
                fixture = next((f for f in known if f in name), None)
            cls, detail = classify(args, path, perf_of_fixture(fixture) if fixture else None)
            if record(cls, detail, path, "regression " + name) not in AGREE:
                findings.append((cls, path, detail, []))

    rng = random.Random(args.seed)
    names = args.fixture or FIXTURES
    originals = {}
    for name in names:
        data = open(os.path.join(args.fixtures, name), "rb").read()
        originals[name] = (data, Layout(data), perf_of_fixture(name))
    start = time.monotonic()
    made = 0
    mutant = os.path.join(args.work, "mutant.data")
    for n in range(args.mutants):
        if args.max_seconds and time.monotonic() - start > args.max_seconds:
            break
        name = rng.choice(names)
        data, layout, original_perf = originals[name]
        m, ops = mutate(rng, data, layout)
        with open(mutant, "wb") as f:
            f.write(m)
        cls, detail = classify(args, mutant, original_perf)
        made += 1
        record(cls, detail, mutant, "#%d %s [%s]" % (n, name, "; ".join(ops)))
        if cls not in AGREE or (args.save_all and cls != "same"):
            dst = os.path.join(save, "%s-%s-%d" % (cls, name, n))
            shutil.copyfile(mutant, dst)
            if cls not in AGREE:
                findings.append((cls, dst, detail, ops))

    elapsed = time.monotonic() - start
    print("perf_diff_fuzz: %d mutants of %d fixtures in %.0f s (seed %d)" %
          (made, len(names), elapsed, args.seed))
    for cls in AGREE + DISAGREE:
        if cls in counts:
            print("  %-14s %5d%s" % (cls, counts[cls], "" if cls in AGREE else "  DISAGREE"))
    for cls, path, detail, ops in findings:
        print("finding: %s %s\n  %s%s" % (cls, path, detail,
                                          ("\n  mutation: " + "; ".join(ops)) if ops else ""))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
