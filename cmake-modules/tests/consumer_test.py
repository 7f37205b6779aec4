#!/usr/bin/env python3
# consumer_test.py: end-to-end tests of include(ProfileGuided). Each case
# configures and builds the tiny consumer project (consumer/) in a fresh
# folder, from the source checkout or from a `cmake --install` prefix of this
# pgoctl build, and checks compile_commands.json, the build's commands, the
# configure output (warnings, errors naming the file and both hashes) and the
# binaries (BOLT's .note.bolt_info). Usage:
#   consumer_test.py --case NAME --source <pgoctl src> --build <pgoctl build> --work <dir>
import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

LLVM_BIN = "/usr/lib/llvm-22/bin"
CXX = "clang++-22"

SAMPLE_A = "main:5000:10\n 1: 10\n 3: 4000\n 4: 40\n"
SAMPLE_B = "main:9000:10\n 1: 10\n 3: 8000\n 4: 80\n"
# A no_lbr BOLT profile in perf2bolt's format: samples at function starts.
FDATA = "no_lbr cpu-clock:\n1 main 0 500\n1 _Z8checksumPKci 0 2000\n"
# An LBR-mode one (branch records): main's call into checksum.
FDATA_LBR = "1 main 0 1 _Z8checksumPKci 0 0 2000\n"


class Failure(Exception):
    pass


def check(cond, what, detail=""):
    if not cond:
        raise Failure(what + ("\n--- detail ---\n" + detail if detail else ""))
    print("ok:", what)


def run(cmd, cwd=None, env=None, expect_ok=True, timeout=None):
    # Its own process group, so a timeout also ends what the command started.
    with subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          start_new_session=True) as proc:
        try:
            stdout, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
    p = subprocess.CompletedProcess(cmd, proc.returncode, stdout)
    if expect_ok and p.returncode != 0:
        raise Failure("command failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), p.stdout))
    return p


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


def now_utc():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def lock(path, profile_rel, sha, created=None, version="v1", kind="profdata"):
    """A lock file; `created` now unless a test wants another date."""
    return write(path, "# test lock\nformat = pgolock-1\nversion = %s\nkind = %s\n"
                       "sha256 = %s\nsource = %s\ncreated = %s\n" % (
                           version, kind, sha, profile_rel, created or now_utc()))


class Consumer:
    def __init__(self, args, name):
        self.args = args
        self.dir = os.path.join(args.work, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.src = os.path.join(self.dir, "src")
        shutil.copytree(os.path.join(os.path.dirname(os.path.abspath(__file__)), "consumer"), self.src)
        self.build = os.path.join(self.dir, "build")

    def configure(self, expect_ok=True, cxx=CXX, timeout=None, **opts):
        cmd = ["cmake", "-S", self.src, "-B", self.build, "-G", "Ninja",
               "-DCMAKE_CXX_COMPILER=" + cxx, "-DCMAKE_BUILD_TYPE=Release",
               "-DPGOCTL_SOURCE_DIR=" + self.args.source]
        cmd += ["-D%s=%s" % (k, v) for k, v in opts.items()]
        try:
            p = run(cmd, expect_ok=False, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Failure("configure did not finish within %s s (hangs?): %s" % (timeout, " ".join(cmd)))
        if expect_ok and p.returncode != 0:
            raise Failure("configure failed:\n" + p.stdout)
        if not expect_ok:
            check(p.returncode != 0, "configure fails", p.stdout)
        # CMake wraps message text at spaces: compare with whitespace folded.
        return " ".join(p.stdout.split())

    def ninja(self, *targets):
        return run(["ninja", "-C", self.build] + list(targets)).stdout

    def commands(self):
        """compile_commands.json as {source file name: command}."""
        with open(os.path.join(self.build, "compile_commands.json")) as f:
            return {os.path.basename(e["file"]): e.get("command") or " ".join(e["arguments"]) for e in json.load(f)}

    def link_command(self, target):
        return run(["ninja", "-C", self.build, "-t", "commands", target]).stdout.strip().splitlines()[-1]


def assert_flags_only_on_svc(c, flag_prefix, profile_sha=None):
    cmds = c.commands()
    check(set(cmds) >= {"main.cpp", "util.cpp", "tool.cpp"}, "compile_commands.json has main, util, tool", str(cmds))
    svc = cmds["main.cpp"]
    check(flag_prefix in svc, "%s in svc's compile command" % flag_prefix, svc)
    if profile_sha:
        check("pgo-profiles/%s/" % profile_sha in svc, "the profile's sha256 is in svc's flags", svc)
    for other in ("util.cpp", "tool.cpp"):
        check("-fprofile" not in cmds[other] and "-funique-internal-linkage-names" not in cmds[other],
              "no profile flags for %s" % other, cmds[other])


def has_bolt_note(path):
    out = run([LLVM_BIN + "/llvm-readelf", "-S", path]).stdout
    return ".note.bolt_info" in out


# --- cases -------------------------------------------------------------------

def case_source_sample(a):
    """SAMPLE from a source checkout: flags on svc only, with the hash; a new
    profile (a new lock) rebuilds svc's objects and nothing else."""
    c = Consumer(a, "source-sample")
    pa = write(os.path.join(c.src, "profiles/a.prof.txt"), SAMPLE_A)
    pb = write(os.path.join(c.src, "profiles/b.prof.txt"), SAMPLE_B)
    lk = lock(os.path.join(c.src, "profiles/svc.pgolock"), "a.prof.txt", sha256(pa))
    out = c.configure(CONSUMER_SAMPLE=lk)
    check("pgo_target(svc MODE SAMPLE): a.prof.txt version v1 sha256 %s" % sha256(pa)[:12] in out,
          "configure reports the pinned profile", out)
    check("Warning" not in out, "no warnings", out)
    assert_flags_only_on_svc(c, "-fprofile-sample-use=", sha256(pa))
    svc = c.commands()["main.cpp"]
    for f in ("-fdebug-info-for-profiling", "-funique-internal-linkage-names",
              "-mllvm -inline-enable-cost-benefit-analysis=true",
              "-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer"):
        check(f in svc, f + " in svc's compile command", svc)
    for other in ("util.cpp", "tool.cpp"):
        check("-inline-enable-cost-benefit-analysis" not in c.commands()[other],
              "PGO_SAMPLE_FLAGS not on %s" % other)
    check(os.path.isfile(os.path.join(c.build, "pgo-profiles", sha256(pa), "profile.profdata")),
          "the profile is cached in the build tree under its hash, with a fixed name")
    if shutil.which("pgoctl") is None:
        # No pgoctl here (no find_package, none on PATH): clang's own hot count.
        check("pgoctl not found" in out and "clang's own hot count (99%)" in out,
              "without pgoctl the module says the hot count is clang's", out)
        check("profile-summary-hot-count" not in svc, "no hot count without pgoctl", svc)
    c.ninja()
    # Pin profile b: the lock is a configure dependency, so plain `ninja`
    # reconfigures, and the changed flags rebuild svc's objects only.
    lock(os.path.join(c.src, "profiles/svc.pgolock"), "b.prof.txt", sha256(pb), version="v2")
    out = c.ninja()
    check("Re-running CMake" in out, "a new lock re-runs the configure", out)
    check("main.cpp.o" in out, "svc's object is rebuilt with the new profile", out)
    check("tool.cpp.o" not in out and "util.cpp.o" not in out, "other objects are not rebuilt", out)
    assert_flags_only_on_svc(c, "-fprofile-sample-use=", sha256(pb))
    out = c.ninja()
    check("no work to do" in out, "then the build is up to date", out)
    # PGO_PGOCTL names a pgoctl for the hot count. SAMPLE_B's body counts are
    # 8000, 80, 10 (total 8090): the largest counts reaching 99.9% of it
    # (8082) are 8000 + 80 + 10, so its 99.9% line is 10; 99% (8009.1) is
    # reached at 80.
    pgoctl = os.path.join(a.build, "cli", "pgoctl")

    def configure_hot(cutoff, **opts):
        return c.configure(CONSUMER_SAMPLE=os.path.join(c.src, "profiles/svc.pgolock"), PGO_PGOCTL=pgoctl,
                           PGO_SAMPLE_HOT_CUTOFF=cutoff, **opts)

    for cutoff, want in (("99.9", 10), ("99", 80)):
        out = configure_hot(cutoff)
        check("hot count %d (the profile's %s%% line)" % (want, cutoff) in out, "configure reports the hot count", out)
        cmds = c.commands()
        check("-mllvm -profile-summary-hot-count=%d" % want in cmds["main.cpp"],
              "svc gets -profile-summary-hot-count=%d at %s%%" % (want, cutoff), cmds["main.cpp"])
        for other in ("util.cpp", "tool.cpp"):
            check("profile-summary" not in cmds[other], "no hot count on %s" % other, cmds[other])
    # The count is memoized beside the cached profile; a damaged memo is asked again.
    memo = os.path.join(c.build, "pgo-profiles", sha256(pb), "hot-count-_99_9.txt")
    check(open(memo).read().strip() == "10", "the 99.9% count is memoized beside the profile", memo)
    write(memo, "garbage\n")
    out = configure_hot("99.9")
    check("hot count 10 (the profile's 99.9% line)" in out and open(memo).read().strip() == "10",
          "a damaged memo is recomputed", out)
    out = configure_hot("")
    check("profile-summary-hot-count" not in c.commands()["main.cpp"], "PGO_SAMPLE_HOT_CUTOFF \"\": no hot count")
    out = configure_hot("100")
    check("CMake Warning" in out and "must be above 0 and below 100" in out and "clang's own hot count" in out,
          "a bad PGO_SAMPLE_HOT_CUTOFF warns with pgoctl's message and builds on", out)
    check("profile-summary-hot-count" not in c.commands()["main.cpp"], "no hot count after the warning")
    # Two -mllvm options in PGO_SAMPLE_FLAGS both reach clang (CMake would
    # drop the second bare -mllvm as a duplicate); a hot-count option there
    # wins over PGO_SAMPLE_HOT_CUTOFF.
    out = configure_hot("99.7", PGO_SAMPLE_FLAGS="-mllvm;-inline-enable-cost-benefit-analysis=true;"
                                                   "-mllvm;-profile-summary-cutoff-hot=999000")
    svc = c.commands()["main.cpp"]
    check("-mllvm -inline-enable-cost-benefit-analysis=true" in svc and
          "-mllvm -profile-summary-cutoff-hot=999000" in svc, "both -mllvm options in svc's command", svc)
    check("profile-summary-hot-count" not in svc and "PGO_SAMPLE_HOT_CUTOFF not applied" in out,
          "PGO_SAMPLE_FLAGS' hot option wins", out)
    c.ninja()


def case_lto(a):
    """SAMPLE with LTO: the optimizer runs again at the link, so the link gets
    the profile and the -mllvm options (as -plugin-opt=); without LTO it gets
    no -plugin-opt (GNU ld would refuse it). The effect is checked in the
    link map: the LTO backend's .text.hot.* sections follow the hot count."""
    c = Consumer(a, "lto")
    # Body counts 4000, 60, 40, 10 (total 4110): the largest counts reaching
    # 97% (3986.7) are 4000; 99.7% (4097.67): 4000+60+40, so 40; 99.9%
    # (4105.89): all four, so 10. warm's entry count is 60, main's 10: at 40
    # warm is hot and main is not, at 10 both are, at 4000 neither.
    prof = write(os.path.join(c.src, "profiles/lto.prof.txt"),
                 "main:5000:10\n 1: 10\n 3: 4000\n 4: 40\n_Z4warmi:60:60\n 0: 60\n")
    pgoctl = os.path.join(a.build, "cli", "pgoctl")
    svc_map = os.path.join(c.build, "svc.map")

    def hot_sections():
        text = open(svc_map).read()
        return {f for f in ("main", "_Z4warmi") if ".text.hot." + f in text}

    def build(cutoff, **opts):
        out = c.configure(CONSUMER_SAMPLE=prof, PGO_PGOCTL=pgoctl, PGO_SAMPLE_HOT_CUTOFF=cutoff,
                          CONSUMER_LINK_MAP="ON", **opts)
        c.ninja()
        return out, c.link_command("svc")

    # No LTO: the profile on the link line is ignored by clang, no -plugin-opt.
    out, link = build("99.7")
    check("-fprofile-sample-use=" in link and "plugin-opt" not in link,
          "without LTO: no -plugin-opt on svc's link (GNU ld would refuse it)", link)
    # CMake's INTERPROCEDURAL_OPTIMIZATION (ThinLTO), GNU ld with LLVM's plugin.
    for cutoff, count, hot in (("99.7", 40, {"_Z4warmi"}), ("99.9", 10, {"main", "_Z4warmi"}), ("97", 4000, set())):
        out, link = build(cutoff, CMAKE_INTERPROCEDURAL_OPTIMIZATION="ON")
        check("-fprofile-sample-use=%s/pgo-profiles/%s/profile.profdata" % (c.build, sha256(prof)) in link,
              "LTO: svc's link gets the cached profile", link)
        for opt in ("-plugin-opt=-profile-summary-hot-count=%d" % count,
                    "-plugin-opt=-inline-enable-cost-benefit-analysis=true"):
            check(opt in link, "LTO at %s%%: %s on svc's link" % (cutoff, opt), link)
        check("plugin-opt" not in c.link_command("tool") and "-fprofile" not in c.link_command("tool"),
              "not on tool's link", c.link_command("tool"))
        check(hot_sections() == hot, "LTO at %s%% (hot count %d): the backend's hot functions are %s" % (
            cutoff, count, sorted(hot) or "none"), str(sorted(hot_sections())))
    # -flto in the flags instead of the property, and lld.
    out, link = build("99.9", CMAKE_INTERPROCEDURAL_OPTIMIZATION="OFF", CMAKE_CXX_FLAGS="-flto=thin",
                      CMAKE_EXE_LINKER_FLAGS="-fuse-ld=lld")
    check("-plugin-opt=-profile-summary-hot-count=10" in link, "-flto=thin in CMAKE_CXX_FLAGS counts as LTO", link)
    check(hot_sections() == {"main", "_Z4warmi"}, "lld's LTO backend uses the hot count too",
          str(sorted(hot_sections())))
    # A static library with the profile: what links it gets the link options.
    c.configure(CONSUMER_SAMPLE_UTIL=prof, PGO_PGOCTL=pgoctl, PGO_SAMPLE_HOT_CUTOFF="99.7",
                CMAKE_INTERPROCEDURAL_OPTIMIZATION="ON", CMAKE_CXX_FLAGS="", CMAKE_EXE_LINKER_FLAGS="")
    c.ninja()
    link = c.link_command("svc")
    check("-fprofile-sample-use=" in link and "-plugin-opt=-profile-summary-hot-count=40" in link,
          "a static library's LTO link options reach the executable that links it", link)
    check("plugin-opt" not in c.link_command("tool"), "and not tool, which does not link it")


def case_package(a):
    """find_package(pgoctl) from a `cmake --install` prefix: PGOCTL_EXECUTABLE
    runs, SAMPLE flags on svc only, BOLT step works with the installed files."""
    c = Consumer(a, "package")
    prefix = os.path.join(c.dir, "prefix")
    run(["cmake", "--install", a.build, "--prefix", prefix])
    exe = os.path.join(prefix, "bin", "pgoctl")
    check(os.access(exe, os.X_OK), "pgoctl installed")
    check(os.path.isfile(os.path.join(prefix, "lib", "cmake", "pgoctl", "ProfileGuided.cmake")),
          "ProfileGuided.cmake installed")
    pa = write(os.path.join(c.src, "profiles/a.prof.txt"), SAMPLE_A)
    fd = write(os.path.join(c.src, "profiles/svc.fdata"), FDATA)
    out = c.configure(CONSUMER_FROM="package", CMAKE_PREFIX_PATH=prefix,
                      CONSUMER_SAMPLE=lock(os.path.join(c.src, "profiles/svc.pgolock"), "a.prof.txt", sha256(pa)),
                      CONSUMER_BOLT=fd)
    check("consumer: PGOCTL_EXECUTABLE=%s" % exe in out, "PGOCTL_EXECUTABLE points into the prefix", out)
    check(run([exe, "--help"]).returncode == 0, "the installed pgoctl runs")
    assert_flags_only_on_svc(c, "-fprofile-sample-use=", sha256(pa))
    # The package's pgoctl gives the hot count at the default 99.7%: SAMPLE_A's
    # counts are 4000, 40, 10 (total 4050); 99.7% of it (4037.85) is reached
    # at 40.
    check("hot count 40 (the profile's 99.7% line)" in out, "configure reports the hot count", out)
    check("-mllvm -profile-summary-hot-count=40" in c.commands()["main.cpp"],
          "svc gets the installed pgoctl's hot count", c.commands()["main.cpp"])
    c.ninja()
    check(has_bolt_note(os.path.join(c.build, "svc")), "svc is BOLT-processed in place")


def case_bolt(a):
    """BOLT: --emit-relocs on svc's link only; building svc's own target
    rewrites svc in place (llvm-bolt's note in svc, the linker's output kept
    as svc.prebolt), both run alike; an incremental rebuild re-BOLTs, an
    up-to-date one does nothing; install() picks up the BOLTed file;
    BOLT_OUTPUT puts the copy elsewhere; a shared library; a multi-config
    generator; pgo_install."""
    c = Consumer(a, "bolt")
    fd = write(os.path.join(c.src, "profiles/svc.fdata"), FDATA)
    out = c.configure(CONSUMER_BOLT=fd)
    check(re.search(r"pgo_target summary.*svc BOLT sha256 %s, \d+ days old" % sha256(fd)[:12], out) is not None,
          "the configure summary lists svc's BOLT profile", out)
    out = c.ninja("svc")
    check("BOLT: wrote" in out, "building the target svc runs BOLT", out)
    link = c.link_command("svc")
    check("--emit-relocs" in link, "svc links with --emit-relocs", link)
    check("--emit-relocs" not in c.link_command("tool"), "tool does not")
    svc, pre = os.path.join(c.build, "svc"), os.path.join(c.build, "svc.prebolt")
    check(has_bolt_note(svc), "svc (the target's own file) has .note.bolt_info")
    check(os.path.isfile(pre) and not has_bolt_note(pre), "the linker's output is kept as svc.prebolt")
    check(run([svc, "1000"]).stdout == run([pre, "1000"]).stdout, "both give the same output")
    check(not os.path.exists(svc + ".bolt"), "no svc.bolt beside it")
    log = open(svc + ".bolt.log").read()
    check("non-empty execution profile" in log and "BOLT-ERROR" not in log, "BOLT used the profile", log)
    out = c.ninja()  # the rest (tool)
    check("BOLT: wrote" not in out and "no work to do" in c.ninja(), "an up-to-date BOLT step does not re-run", out)
    check("-update-debug-sections" in log.splitlines()[0] and "-reorder-blocks=none" in log.splitlines()[0]
          and "-split-functions" not in log.splitlines()[0],
          "a no_lbr .fdata gets the module's no_lbr flags (functions reordered only)", log.splitlines()[0])
    # An incremental rebuild: a changed source re-links svc and BOLTs the new link.
    with open(os.path.join(c.src, "main.cpp"), "a") as f:
        f.write("int unused_after_edit() { return 3; }\n")
    out = c.ninja("svc")
    check("main.cpp.o" in out and "BOLT: wrote" in out, "a changed source re-links and re-BOLTs svc", out)
    check(has_bolt_note(svc) and not has_bolt_note(pre), "svc is BOLTed again, svc.prebolt is the new link")
    check("no work to do" in c.ninja("svc"), "then it is up to date")
    # install(TARGETS) (pgo_install without BOLT_OUTPUT) installs the BOLTed svc.
    c.configure(CONSUMER_BOLT=fd, CONSUMER_INSTALL="ON")
    c.ninja()
    prefix = os.path.join(c.dir, "prefix-inplace")
    run(["cmake", "--install", c.build, "--prefix", prefix])
    installed = os.path.join(prefix, "bin", "svc")
    check(has_bolt_note(installed) and run([installed, "1000"]).stdout == run([pre, "1000"]).stdout,
          "install() installs the BOLTed svc, and it runs", installed)
    # An LBR-mode .fdata (branch records) gets the full default set; a new
    # profile re-links and re-BOLTs svc.
    lbr_fd = write(os.path.join(c.src, "profiles/svc-lbr.fdata"), FDATA_LBR)
    c.configure(CONSUMER_BOLT=lbr_fd)
    out = c.ninja("svc")
    check("BOLT: wrote" in out, "a new BOLT profile re-BOLTs svc", out)
    first = open(svc + ".bolt.log").read().splitlines()[0]
    check("-reorder-blocks=ext-tsp" in first and "-split-functions" in first and "-update-debug-sections" in first,
          "an LBR .fdata gets the default BOLT flags", first)
    # PGO_BOLT_FLAGS overrides the defaults, and a new command re-runs BOLT.
    c.configure(CONSUMER_BOLT=fd, PGO_BOLT_FLAGS="-reorder-blocks=reverse")
    out = c.ninja()
    first = open(svc + ".bolt.log").read().splitlines()[0]
    check("BOLT: wrote" in out and "-reorder-blocks=reverse" in first and "ext-tsp" not in first,
          "PGO_BOLT_FLAGS replaces the default flags", out + first)
    check(has_bolt_note(svc), "still BOLT-processed")
    # BOLT_OUTPUT: the BOLTed copy there, the linked svc left as it is.
    other = os.path.join(c.build, "deploy", "svc-opt")
    c.configure(CONSUMER_BOLT=fd, PGO_BOLT_FLAGS="", CONSUMER_BOLT_OUTPUT=other)
    out = c.ninja("svc")
    check(os.path.isfile(other) and has_bolt_note(other) and not has_bolt_note(svc),
          "BOLT_OUTPUT: the BOLTed copy there, svc as linked", out)
    prefix = os.path.join(c.dir, "prefix-output")
    run(["cmake", "--install", c.build, "--prefix", prefix])
    check(has_bolt_note(os.path.join(prefix, "bin", "svc")), "pgo_install installs BOLT_OUTPUT's file as bin/svc")
    # A shared library: libutil.so BOLTed in place.
    c.configure(CONSUMER_BOLT="", CONSUMER_BOLT_OUTPUT="", CONSUMER_INSTALL="OFF", CONSUMER_UTIL_SHARED="ON",
                CONSUMER_BOLT_UTIL=fd)
    c.ninja()
    lib = os.path.join(c.build, "libutil.so")
    check("--emit-relocs" in c.link_command("util"), "libutil.so links with --emit-relocs", c.link_command("util"))
    check(has_bolt_note(lib) and os.path.isfile(lib + ".prebolt") and not has_bolt_note(lib + ".prebolt"),
          "libutil.so is BOLTed in place, libutil.so.prebolt kept")
    check(run([svc, "1000"]).stdout == run([pre, "1000"]).stdout, "svc runs with the BOLTed libutil.so")
    # A multi-config generator: each configuration's binary is BOLTed.
    mc = Consumer(a, "bolt-multi-config")
    fd = write(os.path.join(mc.src, "profiles/svc.fdata"), FDATA)
    run(["cmake", "-S", mc.src, "-B", mc.build, "-G", "Ninja Multi-Config", "-DCMAKE_CXX_COMPILER=" + CXX,
         "-DPGOCTL_SOURCE_DIR=" + a.source, "-DCONSUMER_BOLT=" + fd, "-DCONSUMER_INSTALL=ON"])
    for cfg in ("Debug", "Release"):
        run(["cmake", "--build", mc.build, "--config", cfg])
    for cfg in ("Debug", "Release"):
        out = os.path.join(mc.build, cfg, "svc")
        check(has_bolt_note(out) and not has_bolt_note(out + ".prebolt"),
              "multi-config: %s/svc is BOLT-processed" % cfg)
    prefix = os.path.join(mc.dir, "prefix")
    run(["cmake", "--install", mc.build, "--config", "Release", "--prefix", prefix])
    installed = os.path.join(prefix, "bin", "svc")
    check(os.path.isfile(installed) and has_bolt_note(installed), "pgo_install installs Release/svc as bin/svc")
    check(run([installed, "1000"]).stdout == run([os.path.join(mc.build, "Release", "svc.prebolt"), "1000"]).stdout,
          "and it runs with the same output")
    # Without a BOLT profile it installs the target as linked.
    c.configure(CONSUMER_BOLT="", CONSUMER_UTIL_SHARED="OFF", CONSUMER_BOLT_UTIL="", CONSUMER_INSTALL="ON")
    c.ninja()
    prefix = os.path.join(c.dir, "prefix")
    run(["cmake", "--install", c.build, "--prefix", prefix])
    installed = os.path.join(prefix, "bin", "svc")
    check(os.path.isfile(installed) and not has_bolt_note(installed),
          "without a BOLT profile pgo_install installs svc as linked")


def case_missing(a):
    """A lock whose profile is missing: a warning naming the file, a build
    without the profile (but ready to be profiled)."""
    c = Consumer(a, "missing")
    lk = lock(os.path.join(c.src, "profiles/svc.pgolock"), "gone.prof.txt", "ab" * 32)
    out = c.configure(PGO_ON_UNAVAILABLE="WARN", CONSUMER_SAMPLE=lk)
    gone = os.path.join(c.src, "profiles", "gone.prof.txt")
    check("CMake Warning" in out and gone in out and "does not exist" in out, "warning names the missing file", out)
    check("Building without this profile" in out, "warning says the build goes on without it", out)
    c.ninja()
    cmds = c.commands()
    check(all("-fprofile-sample-use" not in v for v in cmds.values()), "no -fprofile-sample-use anywhere", str(cmds))
    check("-funique-internal-linkage-names" in cmds["main.cpp"], "svc is still built ready for profiling")
    # Neither a lock nor a profile there.
    out = c.configure(PGO_ON_UNAVAILABLE="WARN", CONSUMER_SAMPLE=os.path.join(c.src, "nope.profdata"))
    check("CMake Warning" in out and "nope.profdata" in out, "a missing plain profile path warns too", out)
    # A source the module cannot fetch from yet.
    lk = write(os.path.join(c.src, "profiles/store.pgolock"),
               "format = pgolock-1\nsha256 = %s\nsource = store://kv/svc@v3\n" % ("cd" * 32))
    out = c.configure(PGO_ON_UNAVAILABLE="WARN", CONSUMER_SAMPLE=lk)
    check("not supported yet" in out and "store://" in out, "an unsupported source scheme warns", out)


def case_required(a):
    """REQUIRED: a missing profile is a configure error naming the file."""
    c = Consumer(a, "required")
    lk = lock(os.path.join(c.src, "profiles/svc.pgolock"), "gone.prof.txt", "ab" * 32)
    out = c.configure(expect_ok=False, CONSUMER_SAMPLE=lk, CONSUMER_REQUIRED="ON")
    check("CMake Error" in out and os.path.join(c.src, "profiles", "gone.prof.txt") in out,
          "the error names the missing file", out)


def case_sha_mismatch(a):
    """A profile that is not the pinned one: REQUIRED fails naming both
    hashes; without REQUIRED a warning naming both, and no profile flags."""
    c = Consumer(a, "sha-mismatch")
    pa = write(os.path.join(c.src, "profiles/a.prof.txt"), SAMPLE_A)
    pinned = hashlib.sha256(SAMPLE_B.encode()).hexdigest()
    lk = lock(os.path.join(c.src, "profiles/svc.pgolock"), "a.prof.txt", pinned)
    out = c.configure(PGO_ON_UNAVAILABLE="WARN", expect_ok=False, CONSUMER_SAMPLE=lk, CONSUMER_REQUIRED="ON")
    check("CMake Error" in out and pinned in out and sha256(pa) in out and "mismatch" in out,
          "the error names both hashes", out)
    out = c.configure(PGO_ON_UNAVAILABLE="WARN", CONSUMER_SAMPLE=lk, CONSUMER_REQUIRED="OFF")
    check("CMake Warning" in out and pinned in out and sha256(pa) in out, "the warning names both hashes", out)
    c.ninja()
    check(all("-fprofile-sample-use" not in v for v in c.commands().values()), "no profile flags")


def case_stale(a):
    """A profile older than MAX_AGE_DAYS warns (and is used); 0 turns it off."""
    c = Consumer(a, "stale")
    pa = write(os.path.join(c.src, "profiles/a.prof.txt"), SAMPLE_A)
    lk = lock(os.path.join(c.src, "profiles/svc.pgolock"), "a.prof.txt", sha256(pa), created="2001-02-03T04:05:06Z")
    out = c.configure(CONSUMER_SAMPLE=lk, CONSUMER_MAX_AGE_DAYS="30")
    check("stale profile" in out and "2001-02-03T04:05:06Z" in out, "a stale warning with the date", out)
    assert_flags_only_on_svc(c, "-fprofile-sample-use=", sha256(pa))
    out = c.configure(CONSUMER_SAMPLE=lk, CONSUMER_MAX_AGE_DAYS="0")
    check("stale profile" not in out, "MAX_AGE_DAYS 0: no stale warning", out)
    # A fresh one: created now.
    lk = lock(os.path.join(c.src, "profiles/svc.pgolock"), "a.prof.txt", sha256(pa),
              created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    out = c.configure(CONSUMER_SAMPLE=lk, CONSUMER_MAX_AGE_DAYS="30")
    check("stale profile" not in out and ", 0 days old" in out, "a profile made now is 0 days old", out)


def case_wrong_kind(a):
    """An .fdata given to SAMPLE, a sample profile given to BOLT: warnings."""
    c = Consumer(a, "wrong-kind")
    fd = write(os.path.join(c.src, "profiles/svc.fdata"), FDATA)
    pa = write(os.path.join(c.src, "profiles/a.prof.txt"), SAMPLE_A)
    out = c.configure(PGO_ON_UNAVAILABLE="WARN", CONSUMER_BOLT=pa, CONSUMER_INSTRUMENTED=fd)
    check("is not a BOLT .fdata profile" in out, "a sample profile for BOLT warns", out)
    check("is not an indexed instrumentation profile" in out, "an .fdata for INSTRUMENTED warns", out)
    c.ninja()
    check(not os.path.exists(os.path.join(c.build, "svc.prebolt")), "no BOLT step without a BOLT profile")


def case_instrumented(a):
    """The training companion: svc-train with -fprofile-generate, run it,
    merge, then MODE INSTRUMENTED with -fprofile-use on svc only."""
    c = Consumer(a, "instrumented")
    c.configure(CONSUMER_TRAINING="ON")
    with open(os.path.join(c.build, "compile_commands.json")) as f:
        entries = [e["command"] for e in json.load(f)]
    for cmd in entries:
        check(("-fprofile-generate=" in cmd) == ("CMakeFiles/svc-train.dir/" in cmd),
              "-fprofile-generate only on svc-train", cmd)
    c.ninja("svc-train")
    run([os.path.join(c.build, "svc-train"), "20000"])
    c.ninja("svc-train-profdata")
    prof = os.path.join(c.build, "pgo-training", "svc-train.profdata")
    check(os.path.isfile(prof), "svc-train-profdata merged the .profraw files")
    out = c.configure(CONSUMER_TRAINING="ON", CONSUMER_INSTRUMENTED=prof)
    check("Warning" not in out, "no warnings", out)
    with open(os.path.join(c.build, "compile_commands.json")) as f:
        entries = json.load(f)
    for e in entries:
        cmd = e.get("command", "")
        uses = "-fprofile-use=" in cmd
        is_svc = "CMakeFiles/svc.dir/" in cmd
        check(uses == is_svc, "-fprofile-use only on svc (%s)" % e["file"], cmd)
    out = c.ninja("svc")
    check("warning" not in out.lower(), "svc builds with the profile without warnings", out)


def case_gcc(a):
    """A non-clang compiler: a clear message for SAMPLE, no profile flags;
    BOLT still works (it does not care which compiler built the binary)."""
    if not shutil.which("g++"):
        print("UNSUPPORTED: no g++")
        return
    c = Consumer(a, "gcc")
    pa = write(os.path.join(c.src, "profiles/a.prof.txt"), SAMPLE_A)
    fd = write(os.path.join(c.src, "profiles/svc.fdata"), FDATA)
    out = c.configure(PGO_ON_UNAVAILABLE="WARN", cxx="g++", CONSUMER_SAMPLE=pa, CONSUMER_BOLT=fd, CONSUMER_TRAINING="ON")
    check("MODE SAMPLE needs clang" in out and "GNU" in out, "SAMPLE with GCC: a clear message", out)
    check("the training variant needs clang" in out, "training variant with GCC: a clear message", out)
    c.ninja()
    check(all("-fprofile" not in v for v in c.commands().values()), "no profile flags with GCC")
    check(has_bolt_note(os.path.join(c.build, "svc")), "BOLT works on GCC's binary")


# --- lock files are data: hostile names and sources (issue 18, finding 1) ----

def all_commands(c):
    """Every compile and link command of the build (ninja -t commands)."""
    return run(["ninja", "-C", c.build, "-t", "commands"]).stdout


def files_named(root, name):
    return [os.path.join(d, name) for d, _, fs in os.walk(root) if name in fs]


def hostile_name_case(a, case, name, marker):
    """A sample profile whose file name is hostile, pinned by a correct lock:
    configure and build succeed, no name from the lock reaches a command
    line (the cached profile has a fixed name), and `marker` appears in no
    command and no file."""
    c = Consumer(a, case)
    pa = write(os.path.join(c.src, "profiles", name), SAMPLE_A)
    lk = lock(os.path.join(c.src, "profiles/svc.pgolock"), name, sha256(pa))
    out = c.configure(CONSUMER_SAMPLE=lk)
    check("Warning" not in out and "Error" not in out, "configure accepts the pinned profile", out)
    check(files_named(c.dir, "PWNED") == [], "configure ran nothing from the name")
    c.ninja()
    check(files_named(c.dir, "PWNED") == [], "the build ran nothing from the name")
    cached = "%s/pgo-profiles/%s/profile.profdata" % (c.build, sha256(pa))
    svc_compile = c.commands()["main.cpp"]
    svc_link = c.link_command("svc")
    check("-fprofile-sample-use=" + cached in svc_compile, "svc compiles with the fixed cached name", svc_compile)
    check("-fprofile-sample-use=" + cached in svc_link, "svc links with the fixed cached name", svc_link)
    cmds = all_commands(c)
    check(marker not in cmds, "`%s` is on no command line" % marker, cmds)
    with open(os.path.join(c.build, "build.ninja")) as f:
        ninja = f.read()
    check(marker not in ninja, "`%s` is nowhere in build.ninja" % marker)
    with open(os.path.join(c.build, "compile_commands.json")) as f:
        check(marker not in f.read(), "`%s` is not in compile_commands.json" % marker)


def case_lock_shell_name(a):
    """`a$(touch PWNED).profdata`: the link line used to run `touch PWNED`."""
    hostile_name_case(a, "lock-shell-name", "a$(touch PWNED).profdata", "touch PWNED")


def case_lock_semicolon_name(a):
    """A `;` in the name used to split the flag: an extra -D on svc's compile line."""
    hostile_name_case(a, "lock-semicolon-name", "a;-DPGO_INJECTED=1;b.prof.txt", "PGO_INJECTED")


def case_lock_genex_name(a):
    """A generator expression in the name used to be evaluated by CMake."""
    hostile_name_case(a, "lock-genex-name", "a$<1:PGO_GENEX>.prof.txt", "PGO_GENEX")


def case_lock_outside_repo(a):
    """A lock source outside the repository (and the lock's folder): refused
    with an error naming the lock, even with the right sha256, and nothing is
    copied into the build tree."""
    c = Consumer(a, "lock-outside-repo")
    lockdir = os.path.join(c.src, "profiles")
    outside = write(os.path.join(c.dir, "outside", "stolen.prof.txt"), SAMPLE_A)  # a valid profile
    sources = [(os.path.relpath(outside, lockdir), outside)]
    if os.path.isfile("/etc/hostname"):
        sources.append((os.path.relpath("/etc/hostname", lockdir), "/etc/hostname"))  # ../../../../etc/hostname
        sources.append(("file:///etc/hostname", "/etc/hostname"))
    for source, target in sources:
        lk = lock(os.path.join(lockdir, "svc.pgolock"), source, sha256(target))
        shutil.rmtree(c.build, ignore_errors=True)
        out = c.configure(expect_ok=False, CONSUMER_SAMPLE=lk)
        check("CMake Error" in out and lk in out and "outside" in out,
              "source %s: a configure error naming the lock and saying why" % source, out)
        check(not os.path.isdir(os.path.join(c.build, "pgo-profiles", sha256(target))),
              "source %s: nothing copied into the build tree" % source)


def case_lock_dev_zero(a):
    """`source = /dev/zero` used to hang configure (hashing an endless file)."""
    c = Consumer(a, "lock-dev-zero")
    for source in ("/dev/zero", "file:///dev/zero"):
        lk = lock(os.path.join(c.src, "profiles/svc.pgolock"), source, "ab" * 32)
        out = c.configure(expect_ok=False, timeout=60, CONSUMER_SAMPLE=lk)
        check("CMake Error" in out and "/dev/zero" in out, "source %s: refused with an error naming it" % source, out)


def case_lock_fifo(a):
    """A FIFO as source used to hang configure; it is refused, inside the repo too."""
    c = Consumer(a, "lock-fifo")
    fifo = os.path.join(c.src, "profiles", "p.fifo")
    os.makedirs(os.path.dirname(fifo), exist_ok=True)
    os.mkfifo(fifo)
    lk = lock(os.path.join(c.src, "profiles/svc.pgolock"), "p.fifo", "ab" * 32)
    out = c.configure(PGO_ON_UNAVAILABLE="WARN", timeout=60, CONSUMER_SAMPLE=lk, CONSUMER_REQUIRED="OFF")
    check("not a regular file" in out and fifo in out, "a FIFO source is refused, naming it", out)
    out = c.configure(PGO_ON_UNAVAILABLE="WARN", expect_ok=False, timeout=60, CONSUMER_SAMPLE=fifo, CONSUMER_REQUIRED="ON")
    check("not a regular file" in out, "a FIFO as plain profile path too", out)
    # Sizes are bounded: a profile over PGO_PROFILE_MAX_BYTES is not read.
    pa = write(os.path.join(c.src, "profiles/a.prof.txt"), SAMPLE_A)
    lk = lock(os.path.join(c.src, "profiles/svc.pgolock"), "a.prof.txt", sha256(pa))
    out = c.configure(PGO_ON_UNAVAILABLE="WARN", CONSUMER_SAMPLE=lk, CONSUMER_REQUIRED="OFF", PGO_PROFILE_MAX_BYTES="10")
    check("has %d bytes, over PGO_PROFILE_MAX_BYTES (10)" % len(SAMPLE_A) in out, "a profile over the cap is refused", out)
    check(all("-fprofile-sample-use" not in v for v in c.commands().values()), "and not used")
    out = c.configure(PGO_ON_UNAVAILABLE="WARN", CONSUMER_SAMPLE=lk, PGO_PROFILE_MAX_BYTES="1073741824")
    check("Warning" not in out, "under the cap it is used", out)


def case_lock_sha_not_profile(a):
    """A sha256 mismatch on a file that is not a profile must not print that
    file's sha256 (the configure log would leak a hash of any file)."""
    c = Consumer(a, "lock-sha-not-profile")
    secret = write(os.path.join(c.src, "profiles", "secret.txt"), "password = hunter2\n")
    lk = lock(os.path.join(c.src, "profiles/svc.pgolock"), "secret.txt", "ab" * 32)
    out = c.configure(PGO_ON_UNAVAILABLE="WARN", CONSUMER_SAMPLE=lk)
    check(sha256(secret) not in out, "the file's sha256 is not printed", out)
    check("CMake Warning" in out and "secret.txt" in out and "not a sample profile" in out,
          "a warning naming the file and what is wrong", out)
    check("hunter2" not in out, "nor its content", out)


def case_lock_future_date(a):
    """A `created` date in the future used to give a negative age."""
    c = Consumer(a, "lock-future-date")
    pa = write(os.path.join(c.src, "profiles/a.prof.txt"), SAMPLE_A)
    lk = lock(os.path.join(c.src, "profiles/svc.pgolock"), "a.prof.txt", sha256(pa), created="2999-01-01T00:00:00Z")
    out = c.configure(CONSUMER_SAMPLE=lk, CONSUMER_MAX_AGE_DAYS="30")
    check(re.search(r"-[0-9]+ days", out) is None and "days old" not in out, "no negative age", out)
    check("in the future" in out and "2999-01-01T00:00:00Z" in out, "a warning that the date is in the future", out)
    assert_flags_only_on_svc(c, "-fprofile-sample-use=", sha256(pa))


def instr_profile(path):
    """An indexed instrumentation profile, written by llvm-profdata from text."""
    text = write(path + ".proftext", ":ir\nmain\n# Func Hash:\n1234\n# Num Counters:\n1\n# Counter Values:\n100\n")
    run([LLVM_BIN + "/llvm-profdata", "merge", "-o", path, text])
    check(open(path, "rb").read(8) == b"\xfflprofi\x81", "llvm-profdata wrote an indexed instrumentation profile")
    return path


def case_lock_kind_mismatch(a):
    """An instrumented profile locked as `kind = profdata` and used in SAMPLE
    mode: a configure error (it used to be a warning, or accepted)."""
    c = Consumer(a, "lock-kind-mismatch")
    ip = instr_profile(os.path.join(c.src, "profiles", "svc.instr.profdata"))
    lk = lock(os.path.join(c.src, "profiles/svc.pgolock"), "svc.instr.profdata", sha256(ip), kind="profdata")
    out = c.configure(expect_ok=False, CONSUMER_SAMPLE=lk)
    check("CMake Error" in out and lk in out and "instr-profdata" in out,
          "the lock's kind contradicts the file: error naming the lock and the file's kind", out)
    # Locked with its right kind, but used in SAMPLE mode.
    lk = lock(os.path.join(c.src, "profiles/svc.pgolock"), "svc.instr.profdata", sha256(ip), kind="instr-profdata")
    out = c.configure(expect_ok=False, CONSUMER_SAMPLE=lk)
    check("CMake Error" in out and "MODE SAMPLE" in out and "instr-profdata" in out,
          "an instr-profdata lock in SAMPLE mode: error", out)
    # And right: MODE INSTRUMENTED takes it.
    out = c.configure(CONSUMER_SAMPLE="", CONSUMER_INSTRUMENTED=lk)
    check("Warning" not in out, "MODE INSTRUMENTED takes it", out)
    check("-fprofile-use=%s/pgo-profiles/%s/profile.instr-profdata" % (c.build, sha256(ip)) in c.commands()["main.cpp"],
          "svc gets the cached instrumented profile", c.commands()["main.cpp"])


def case_lock_bad_fields(a):
    """Every field is validated; a bad lock is a configure error naming the
    lock file, the line and what is wrong."""
    c = Consumer(a, "lock-bad-fields")
    pa = write(os.path.join(c.src, "profiles/a.prof.txt"), SAMPLE_A)
    good = {"format": "pgolock-1", "version": "v1", "kind": "profdata", "sha256": sha256(pa),
            "source": "a.prof.txt", "created": now_utc()}
    keys = list(good)
    bad = [("format", "pgolock-2", "format"), ("format", "pgolock-x", "format"),
           ("version", "v1$(id)", "version"), ("kind", "exe", "kind"),
           ("sha256", "abc", "sha256"), ("sha256", "g" * 64, "sha256"),
           ("created", "yesterday", "created"), ("created", "2026-13-01T00:00:00Z", "created"),
           ("source", "", "source"), ("shaa256", "x", "unknown key")]
    for key, value, what in bad:
        fields = dict(good)
        fields[key] = value
        order = keys + ([key] if key not in keys else [])
        text = "# bad lock\n" + "".join("%s = %s\n" % (k, fields[k]) for k in order)
        lk = write(os.path.join(c.src, "profiles/svc.pgolock"), text)
        line = 2 + order.index(key)
        out = c.configure(expect_ok=False, CONSUMER_SAMPLE=lk)
        check("CMake Error" in out and "%s:%d:" % (lk, line) in out and what in out,
              "%s = %r: error at %s:%d" % (key, value, os.path.basename(lk), line), out)
    # A duplicate key, a control character, no sha256 at all.
    for text, line, what in (("format = pgolock-1\nsha256 = %s\nsha256 = %s\nsource = a.prof.txt\n" % (
                                  sha256(pa), sha256(pa)), 3, "twice"),
                             ("format = pgolock-1\nversion = v\x1b]0;x\x07\nsha256 = %s\nsource = a.prof.txt\n" % (
                                  sha256(pa)), 2, "control character"),
                             ("format = pgolock-1\nsource = a.prof.txt\n", 0, "sha256")):
        lk = write(os.path.join(c.src, "profiles/svc.pgolock"), text)
        out = c.configure(expect_ok=False, CONSUMER_SAMPLE=lk)
        where = "%s:%d:" % (lk, line) if line else lk
        check("CMake Error" in out and where in out and what in out and "\x1b" not in out,
              "%s: error at %s" % (what, where), out)
    # An old lock written by pgo_lock.cmake before `kind` was checked stays readable.
    lk = write(os.path.join(c.src, "profiles/svc.pgolock"),
               "# pgoctl profile lock: pins the profile pgo_target() builds with.\nformat  = pgolock-1\n"
               "version = a.prof.txt\nkind    = profdata\nsha256  = %s\nsource  = a.prof.txt\n"
               "created = 2026-11-20T08:58:41Z\n" % sha256(pa))
    out = c.configure(CONSUMER_SAMPLE=lk, CONSUMER_MAX_AGE_DAYS="0")
    check("Error" not in out and "Warning" not in out, "a lock in the old layout still reads", out)


def case_lock_previous(a):
    """A lock that keeps the pin it replaced (previous_* keys, as `pgoctl
    refresh` writes them and `pgoctl lock --rollback` swaps them): the build
    uses the current pin only, even when the previous profile is gone; a bad
    previous value is a configure error naming the line."""
    c = Consumer(a, "lock-previous")
    pa = write(os.path.join(c.src, "profiles/a.prof.txt"), SAMPLE_A)
    pb = write(os.path.join(c.src, "profiles/b.prof.txt"), "main:900:1\n 1: 900\n")
    sha_b = sha256(pb)
    base = "format = pgolock-1\nkind = profdata\nsha256 = %s\nsource = a.prof.txt\ncreated = %s\n" % (
        sha256(pa), now_utc())
    prev = "previous_version = v0\nprevious_sha256 = %s\nprevious_source = b.prof.txt\n" \
           "previous_created = 2026-11-01T00:00:00Z\n" % sha_b
    lk = write(os.path.join(c.src, "profiles/svc.pgolock"), base + prev)
    os.remove(pb)
    out = c.configure(CONSUMER_SAMPLE=lk)
    check("Warning" not in out and "Error" not in out, "previous_* keys are accepted", out)
    assert_flags_only_on_svc(c, "-fprofile-sample-use=", sha256(pa))
    check(sha_b not in c.commands()["main.cpp"], "the previous pin is not used", c.commands()["main.cpp"])
    lk = write(os.path.join(c.src, "profiles/svc.pgolock"),
               base + prev.replace("previous_sha256 = %s" % sha_b, "previous_sha256 = abc"))
    out = c.configure(expect_ok=False, CONSUMER_SAMPLE=lk)
    check("%s:7:" % lk in out and "previous_sha256 must be 64 hex digits" in out,
          "a bad previous_sha256: error at its line", out)


def case_lock_quality(a):
    """The lock's quality verdict (`quality`, `quality_samples`, as `pgoctl
    lock --quality` and `pgoctl refresh` write them) is shown in the
    configure summary; a lock without them still configures ("quality
    unknown"); bad values are configure errors naming the line."""
    c = Consumer(a, "lock-quality")
    pgoctl = os.path.join(a.build, "cli", "pgoctl")
    pa = write(os.path.join(c.src, "profiles/a.prof.txt"), SAMPLE_A)
    lk = os.path.join(c.src, "profiles", "svc.pgolock")
    run([pgoctl, "lock", pa, "--kind", "profdata", "--version", "v7", "--quality", "thin",
         "--quality-samples", "8123", "-o", lk])
    text = open(lk).read()
    check(re.search(r"^quality\s*=\s*thin$", text, re.M) and re.search(r"^quality_samples\s*=\s*8123$", text, re.M),
          "pgoctl lock --quality writes the fields", text)
    # A profile of time samples: the summary says so, and a status line what to record instead.
    run([pgoctl, "lock", pa, "--kind", "profdata", "--version", "v7", "--quality", "good",
         "--quality-samples", "8123", "--quality-basis", "time", "-o", lk])
    check(re.search(r"^quality_basis\s*=\s*time$", open(lk).read(), re.M) is not None,
          "pgoctl lock --quality-basis writes the field", open(lk).read())
    out = c.configure(CONSUMER_SAMPLE=lk)
    check(re.search(r"svc SAMPLE version v7, .*quality good \(8123 time samples\)", out) is not None
          and "lean toward slow instructions" in out and "Warning" not in out,
          "a time-sample profile: named in the summary, advice in a status line", out)
    run([pgoctl, "lock", pa, "--kind", "profdata", "--version", "v7", "--quality", "good",
         "--quality-samples", "8123", "--quality-basis", "instructions", "-o", lk])
    out = c.configure(CONSUMER_SAMPLE=lk)
    check("(8123 instruction samples)" in out and "lean toward" not in out,
          "an instruction-sample profile: no advice", out)
    run([pgoctl, "lock", pa, "--kind", "profdata", "--version", "v7", "--quality", "thin",
         "--quality-samples", "8123", "-o", lk])
    out = c.configure(CONSUMER_SAMPLE=lk)
    check(re.search(r"pgo_target summary.* svc SAMPLE version v7, sha256 %s, 0 days old, quality thin "
                    r"\(8123 samples\)" % sha256(pa)[:12], out) is not None,
          "the summary shows the verdict and the samples", out)
    check("record longer" in out and "Warning" not in out, "a thin profile: a status line, no warning", out)
    assert_flags_only_on_svc(c, "-fprofile-sample-use=", sha256(pa))
    # No quality fields (an older lock): configures, the summary says unknown.
    lk = lock(os.path.join(c.src, "profiles/svc.pgolock"), "a.prof.txt", sha256(pa))
    out = c.configure(CONSUMER_SAMPLE=lk)
    check("Warning" not in out and "Error" not in out and re.search(
        r"svc SAMPLE version v1, sha256 %s, 0 days old, quality unknown" % sha256(pa)[:12], out) is not None,
          "a lock without quality fields configures", out)
    # Good: no advice line.
    write(lk, open(lk).read() + "quality = good\n")
    out = c.configure(CONSUMER_SAMPLE=lk)
    check(", quality good" in out and "record longer" not in out, "a good profile: no advice", out)
    # Bad values: data never reaches the summary unchecked.
    for value, what in (("quality = great", "quality `great` is not one of good, thin, poor"),
                        ("quality = thin $(id)", "is not one of good, thin, poor"),
                        ("quality_samples = 12x", "quality_samples `12x` must be a number"),
                        ("quality_basis = cycles", "quality_basis `cycles` is not one of branches, instructions, time"),
                        ("quality_samples = 123456789012345678901", "must be a number"),
                        ("previous_quality = good", "unknown key `previous_quality`")):
        bad = write(os.path.join(c.src, "profiles/bad.pgolock"),
                    open(lock(os.path.join(c.src, "profiles/svc.pgolock"), "a.prof.txt", sha256(pa))).read()
                    + value + "\n")
        out = c.configure(expect_ok=False, CONSUMER_SAMPLE=bad)
        check("CMake Error" in out and "%s:8:" % bad in out and what in out, "%s: error at line 8" % value, out)
    # pgoctl reads the same fields with the same rules.
    show = run([pgoctl, "lock", "--show", os.path.join(c.src, "profiles/bad.pgolock")], expect_ok=False)
    check(show.returncode != 0 and "previous_quality" in show.stdout, "pgoctl lock --show refuses it too", show.stdout)


def case_pgoctl_lock(a):
    """`pgoctl lock` writes a lock the module reads: its sha256 is the one
    coreutils' sha256sum gives, the kind is checked against the file, and
    the build uses the pinned profile."""
    c = Consumer(a, "pgoctl-lock")
    pgoctl = os.path.join(a.build, "cli", "pgoctl")
    pa = write(os.path.join(c.src, "profiles", "a b;$(x).prof.txt"), SAMPLE_A)
    lk = os.path.join(c.src, "profiles", "svc.pgolock")
    p = run([pgoctl, "lock", pa, "--kind", "profdata", "--version", "2026-12-05.1", "-o", lk])
    check(p.stdout.count("\n") <= 1 and "wrote" in p.stdout, "one line on stderr", p.stdout)
    oracle = run(["sha256sum", pa]).stdout.split()[0]
    text = open(lk).read()
    check(re.search(r"^sha256\s*=\s*%s$" % oracle, text, re.M) is not None,
          "the lock's sha256 is sha256sum's", text + "\n" + oracle)
    check(re.search(r"^source\s*=\s*a b;\$\(x\)\.prof\.txt$", text, re.M) is not None,
          "source: the profile relative to the lock's folder", text)
    show = run([pgoctl, "lock", "--show", lk]).stdout
    check("sha256:  " + oracle in show and "kind:    profdata" in show, "--show reads it back", show)
    out = c.configure(CONSUMER_SAMPLE=lk)
    check("Warning" not in out and "version 2026-12-05.1 sha256 %s" % oracle[:12] in out,
          "the module takes pgoctl's lock", out)
    assert_flags_only_on_svc(c, "-fprofile-sample-use=%s/pgo-profiles/%s/profile.profdata" % (c.build, oracle))
    c.ninja()
    # The kind is checked against the file: an instrumented profile is not profdata.
    ip = instr_profile(os.path.join(c.src, "profiles", "svc.instr.profdata"))
    p = run([pgoctl, "lock", ip, "--kind", "profdata", "-o", lk + ".2"], expect_ok=False)
    check(p.returncode != 0 and "indexed instrumentation profile" in p.stdout and not os.path.exists(lk + ".2"),
          "pgoctl lock refuses an instrumented profile as --kind profdata", p.stdout)
    p = run([pgoctl, "lock", "/dev/zero", "--kind", "profdata", "-o", lk + ".2"], expect_ok=False, timeout=60)
    check(p.returncode != 0 and "not a regular file" in p.stdout, "and a device", p.stdout)
    run([pgoctl, "lock", ip, "--kind", "instr-profdata", "-o", lk])
    check(run(["sha256sum", ip]).stdout.split()[0] in open(lk).read(), "instr-profdata lock: sha256sum's hash")
    out = c.configure(CONSUMER_SAMPLE="", CONSUMER_INSTRUMENTED=lk)
    check("Warning" not in out, "MODE INSTRUMENTED takes it", out)


def case_store_fetch(a):
    """A lock whose source is http:// or s3:// (pgoctl lock --store writes
    such locks): configure fetches it, checks its sha256 against the lock's
    (coreutils' sha256sum is the oracle), caches it by hash (a second
    configure with the server gone still works), refuses a download with
    another hash leaving nothing behind, and never shows the S3 secret."""
    import http.server
    import threading
    sys.path.insert(0, os.path.join(a.source, "tests", "lit", "Inputs", "store"))
    from storetest import FakeS3
    c = Consumer(a, "store-fetch")
    pgoctl = os.path.join(a.build, "cli", "pgoctl")
    served = os.path.join(c.dir, "served")
    os.makedirs(served)
    pa = write(os.path.join(served, "a.prof.txt"), SAMPLE_A)
    sha = run(["sha256sum", pa]).stdout.split()[0]

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *x, **k):
            super().__init__(*x, directory=served, **k)

        def log_message(self, *x):
            pass
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d/a.prof.txt" % httpd.server_address[1]
    lk = lock(os.path.join(c.src, "profiles", "http.pgolock"), url, sha)
    out = c.configure(CONSUMER_SAMPLE=lk)
    check("Warning" not in out and "sha256 %s" % sha[:12] in out, "http:// source fetched", out)
    assert_flags_only_on_svc(c, "-fprofile-sample-use=%s/pgo-profiles/%s/profile.profdata" % (c.build, sha))
    bad = "ab" * 32
    lk_bad = lock(os.path.join(c.src, "profiles", "bad.pgolock"), url, bad)
    out = c.configure(expect_ok=False, CONSUMER_SAMPLE=lk_bad, CONSUMER_REQUIRED="ON")
    check("CMake Error" in out and url in out, "a download with another hash is an error naming the URL", out)
    left = os.listdir(os.path.join(c.build, "pgo-profiles", bad)) if os.path.isdir(
        os.path.join(c.build, "pgo-profiles", bad)) else []
    check(left == [], "nothing is left of the refused download", str(left))
    httpd.shutdown()
    out = c.configure(CONSUMER_SAMPLE=lk)
    check("Warning" not in out and "sha256 %s" % sha[:12] in out, "cached by hash: no fetch", out)

    # s3:// through `pgoctl store get`, with credentials in the environment only.
    secret = "consumerTestSecret+XyZ/1234"
    with FakeS3("AKIDCONSUMER", secret) as s3:
        data = open(pa, "rb").read().replace(b"5000", b"5001")
        s3.objects["pgo-bucket/kv/profiles/kv/x.profdata"] = data
        sha2 = hashlib.sha256(data).hexdigest()
        os.environ.update(AWS_ACCESS_KEY_ID="AKIDCONSUMER", AWS_SECRET_ACCESS_KEY=secret,
                          AWS_REGION="us-east-1", AWS_ENDPOINT_URL=s3.endpoint)
        lk3 = lock(os.path.join(c.src, "profiles", "s3.pgolock"),
                   "s3://pgo-bucket/kv/profiles/kv/x.profdata", sha2)
        out = c.configure(CONSUMER_SAMPLE=lk3, PGO_PGOCTL=pgoctl)
        check("Warning" not in out and "sha256 %s" % sha2[:12] in out, "s3:// source fetched", out)
        check(any(r[0] == "GET" for r in s3.requests), "fetched with a signed GET", str(s3.requests))
        out2 = c.configure(expect_ok=False, CONSUMER_SAMPLE=lock(
            os.path.join(c.src, "profiles", "s3-missing.pgolock"),
            "s3://pgo-bucket/kv/profiles/kv/gone.profdata", "cd" * 32),
            CONSUMER_REQUIRED="ON", PGO_PGOCTL=pgoctl)
        check("CMake Error" in out2 and "does not exist" in out2, "a missing s3 object: an error saying so", out2)
    holding = []
    for d, _, files in os.walk(c.dir):
        for f in files:
            with open(os.path.join(d, f), "rb") as fh:
                if secret.encode() in fh.read():
                    holding.append(os.path.join(d, f))
    check(not holding, "no file holds the secret", str(holding))
    check(secret not in out and secret not in out2, "no output holds the secret")


# --- issue 23: libraries, several targets, vendored projects, errors -----------

def compiles(c, name, target=None):
    """The compile command of source `name` (of `target` when given)."""
    if target is None:
        return c.commands()[name]
    with open(os.path.join(c.build, "compile_commands.json")) as f:
        for e in json.load(f):
            cmd = e.get("command") or " ".join(e["arguments"])
            if os.path.basename(e["file"]) == name and "CMakeFiles/%s.dir/" % target in cmd:
                return cmd
    raise Failure("no compile command of %s for %s" % (name, target))


def case_library(a):
    """pgo_target(svc util ...): one call gives the profile to the executable
    and to the static (then shared) library that holds its hot code; the
    summary lists each. pgo_training_target on the library, then on svc:
    svc-train links the instrumented util-train, and the merged profile
    (llvm-profdata show) has the library's function; MODE INSTRUMENTED on
    both uses it."""
    c = Consumer(a, "library")
    pa = write(os.path.join(c.src, "profiles/a.prof.txt"), SAMPLE_A)
    lk = lock(os.path.join(c.src, "profiles/svc.pgolock"), "a.prof.txt", sha256(pa), version="2026-12-01.2")
    out = c.configure(CONSUMER_SAMPLE_MULTI=lk)
    for f in ("main.cpp", "util.cpp"):
        cmd = compiles(c, f)
        check("-fprofile-sample-use=%s/pgo-profiles/%s/profile.profdata" % (c.build, sha256(pa)) in cmd
              and "-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer" in cmd,
              "%s (svc, static util) gets the profile and frame pointers" % f, cmd)
    check("-fprofile" not in compiles(c, "tool.cpp"), "tool gets nothing")
    for t in ("svc", "util"):
        check(re.search(r"pgo_target summary.* %s SAMPLE version 2026-12-01\.2, sha256 %s, 0 days old"
                        % (t, sha256(pa)[:12]), out) is not None, "the summary has %s's line" % t, out)
    c.ninja()
    out = c.configure(CONSUMER_SAMPLE_MULTI=lk, CONSUMER_UTIL_SHARED="ON")
    check("-fprofile-sample-use=" in compiles(c, "util.cpp"), "a shared util gets it too")
    c.ninja()
    # Training: the library's copy first, then svc's, which links it.
    out = c.configure(CONSUMER_SAMPLE_MULTI="", CONSUMER_UTIL_SHARED="OFF", CONSUMER_TRAINING_LIB="ON",
                      CONSUMER_TRAINING="ON")
    with open(os.path.join(c.build, "compile_commands.json")) as f:
        entries = json.load(f)
    util_train = [e["command"] for e in entries if "CMakeFiles/util-train.dir/" in e["command"]]
    check(len(util_train) == 1 and "-fprofile-generate=" in util_train[0], "util-train compiles util.cpp instrumented",
          str(util_train))
    link = c.link_command("svc-train")
    check("libutil-train.a" in link and "libutil.a" not in link, "svc-train links util-train, not util", link)
    c.ninja("svc-train")
    run([os.path.join(c.build, "svc-train"), "20000"])
    c.ninja("svc-train-profdata")
    prof = os.path.join(c.build, "pgo-training", "svc-train.profdata")
    show = run([LLVM_BIN + "/llvm-profdata", "show", "--all-functions", prof]).stdout
    check("_Z8checksumPKci" in show and "main" in show, "the merged profile has util's checksum and svc's main", show)
    out = c.configure(CONSUMER_TRAINING_LIB="ON", CONSUMER_TRAINING="ON", CONSUMER_INSTRUMENTED_MULTI=prof)
    for f, t in (("main.cpp", "svc"), ("util.cpp", "util")):
        check("-fprofile-use=" in compiles(c, f, t), "%s built with -fprofile-use" % f, compiles(c, f, t))
    out = c.ninja("svc")
    check("warning" not in out.lower(), "svc and util build with the profile without warnings", out)


def case_vendored_language(a):
    """A vendored C project whose project() enables C and CXX: pgo_target on
    its C targets checks the C compiler only (the top level's CXX is g++), and
    the compiler of the folder that defines them (clang-22)."""
    if not shutil.which("g++") or not shutil.which("gcc"):
        print("UNSUPPORTED: no g++/gcc")
        return
    c = Consumer(a, "vendored-language")
    prof = write(os.path.join(c.src, "profiles/vz.prof.txt"), "vz_sum:5000:10\n 1: 10\n 3: 4000\n")
    out = c.configure(cxx="g++", CMAKE_C_COMPILER="clang-22", CONSUMER_VENDORED="ON",
                      CONSUMER_SAMPLE_VENDORED=prof, CONSUMER_REQUIRED="ON")
    check("needs clang" not in out and "Warning" not in out, "no compiler complaint for a C target", out)
    for f in ("vz.c", "vzbench.c"):
        check("-fprofile-sample-use=" in compiles(c, f), "%s gets the profile" % f, compiles(c, f))
    check(re.search(r"pgo_target summary.* vzbench SAMPLE sha256 .* vz SAMPLE sha256 ", out) is not None,
          "the summary lists both", out)
    c.ninja("vzbench")
    # The same targets built by GCC: a configure error naming the C compiler.
    c2 = Consumer(a, "vendored-language-gcc")
    prof = write(os.path.join(c2.src, "profiles/vz.prof.txt"), "vz_sum:5000:10\n 1: 10\n 3: 4000\n")
    out = c2.configure(expect_ok=False, CMAKE_C_COMPILER="gcc", CONSUMER_VENDORED="ON",
                       CONSUMER_SAMPLE_VENDORED=prof)
    check("C compiler GNU" in out and "needs clang" in out and "CXX compiler Clang" not in out,
          "GCC for a C target: an error naming the C compiler only", out)


def case_bolt_vendored(a):
    """BOLT on a target of a vendored folder (add_subdirectory): CMake adds a
    POST_BUILD step only in the folder that defines a target, so the module
    gives it vzbench-bolt (part of all), which writes the BOLTed copy to
    pgo-bolt/vzbench and leaves the linked file as it is; both give the same
    output; an up-to-date build does nothing; a new profile re-BOLTs."""
    c = Consumer(a, "bolt-vendored")
    fd = write(os.path.join(c.src, "profiles/vz.fdata"),
               "no_lbr cpu-clock:\n1 main 0 500\n1 vz_sum 0 2000\n")
    c.configure(CMAKE_C_COMPILER="clang-22", CONSUMER_VENDORED="ON", CONSUMER_BOLT_VENDORED=fd)
    out = c.ninja()
    check("BOLT: wrote" in out, "the build runs BOLT on vzbench", out)
    check("--emit-relocs" in c.link_command("vendored/vzbench"), "vzbench links with --emit-relocs")
    copy = os.path.join(c.build, "pgo-bolt", "vzbench")
    linked = os.path.join(c.build, "vendored", "vzbench")
    check(has_bolt_note(copy), "pgo-bolt/vzbench has .note.bolt_info", copy)
    check(not has_bolt_note(linked), "the linked vendored/vzbench is left as it is")
    check(run([copy, "1000"]).stdout == run([linked, "1000"]).stdout, "both give the same output")
    check("no work to do" in c.ninja(), "an up-to-date build does not re-run BOLT")
    fd2 = write(os.path.join(c.src, "profiles/vz2.fdata"),
                "no_lbr cpu-clock:\n1 main 0 900\n1 vz_sum 0 100\n")
    c.configure(CMAKE_C_COMPILER="clang-22", CONSUMER_VENDORED="ON", CONSUMER_BOLT_VENDORED=fd2)
    check("BOLT: wrote" in c.ninja(), "a new profile re-BOLTs vzbench")


def case_unavailable(a):
    """A build meant to use PGO that cannot is a configure error by default;
    PGO_ON_UNAVAILABLE=WARN builds without the profile and the summary says so."""
    c = Consumer(a, "unavailable")
    lk = lock(os.path.join(c.src, "profiles/svc.pgolock"), "gone.prof.txt", "ab" * 32)
    out = c.configure(expect_ok=False, CONSUMER_SAMPLE=lk)
    check("CMake Error" in out and "gone.prof.txt" in out and "does not exist" in out
          and "PGO_ON_UNAVAILABLE=WARN" in out, "a missing profile stops the configure and names the option", out)
    out = c.configure(CONSUMER_SAMPLE=lk, PGO_ON_UNAVAILABLE="WARN")
    check("CMake Warning" in out and "Building without this profile" in out, "WARN: a warning", out)
    check(re.search(r"pgo_target summary.* svc SAMPLE NO PROFILE", out) is not None,
          "the summary says svc has no profile", out)
    c.ninja()
    out = c.configure(expect_ok=False, CONSUMER_SAMPLE=lk, PGO_ON_UNAVAILABLE="WARN", CONSUMER_REQUIRED="ON")
    check("REQUIRED" in out, "REQUIRED is an error even with WARN", out)
    out = c.configure(expect_ok=False, CONSUMER_SAMPLE=lk, PGO_ON_UNAVAILABLE="MAYBE", CONSUMER_REQUIRED="OFF")
    check("PGO_ON_UNAVAILABLE must be ERROR or WARN" in out, "a bad PGO_ON_UNAVAILABLE is refused", out)


def case_bolt_yaml(a):
    """A BOLT YAML profile (llvm-bolt -w, the stale-matching kind): MODE BOLT
    passes -infer-stale-profile, and svc is BOLTed with it; on the next build
    (a changed source) BOLT matches the stale profile and the build says so;
    PGO_BOLT_FLAGS keeps -infer-stale-profile."""
    c = Consumer(a, "bolt-yaml")
    c.configure(CONSUMER_BOLT="")
    c.ninja("svc")
    svc = os.path.join(c.build, "svc")
    fd = write(os.path.join(c.src, "profiles/svc.fdata"), FDATA_LBR)
    yaml = os.path.join(c.src, "profiles/svc.yaml")
    run([LLVM_BIN + "/llvm-bolt", svc, "-o", os.path.join(c.dir, "scratch"), "-data=" + fd, "-w", yaml])
    check(open(yaml).read().startswith("---"), "llvm-bolt wrote a YAML profile")
    lk = lock(os.path.join(c.src, "profiles/svc.pgolock"), "svc.yaml", sha256(yaml), kind="yaml")
    out = c.configure(CONSUMER_BOLT=lk)
    check("Warning" not in out, "the yaml lock is taken", out)
    out = c.ninja("svc")
    first = open(svc + ".bolt.log").read().splitlines()[0]
    check("-infer-stale-profile" in first and "profile.yaml" in first, "llvm-bolt gets -infer-stale-profile", first)
    check(has_bolt_note(svc), "svc is BOLTed with the YAML profile")
    # The next build: checksum() (the profiled function) gains a branch, so
    # its hash changes and the profile is stale for it. BOLT matches it and
    # the build says so in a status line, not a warning.
    src = os.path.join(c.src, "util.cpp")
    text = open(src).read()
    changed = text.replace("  int h = 7;\n", "  int h = 7;\n  if (n > 1000)\n    return -n;\n")
    check(changed != text, "util.cpp changed")
    write(src, changed)
    out = c.ninja("svc")
    log = open(svc + ".bolt.log").read()
    check("invalid (possibly stale) profile" in log and "inferred profile for 1 " in log,
          "BOLT found checksum's profile stale and inferred it", log)
    check("BOLT: stale profile matched to this build: inferred profile for" in out and "Warning" not in out,
          "the build reports the stale match as a status, no warning", out)
    check(run([svc, "1000"]).stdout == run([svc + ".prebolt", "1000"]).stdout, "the BOLTed svc runs alike")
    # PGO_BOLT_FLAGS replaces the defaults; a YAML profile still gets -infer-stale-profile.
    c.configure(CONSUMER_BOLT=lk, PGO_BOLT_FLAGS="-reorder-blocks=reverse")
    c.ninja("svc")
    first = open(svc + ".bolt.log").read().splitlines()[0]
    check("-reorder-blocks=reverse" in first and "-infer-stale-profile" in first,
          "PGO_BOLT_FLAGS plus -infer-stale-profile for a YAML profile", first)
    # A YAML profile of IP samples (profile-flags: [ sample ]) gets the no_lbr defaults.
    sample_yaml = write(os.path.join(c.src, "profiles/svc-sample.yaml"),
                        open(yaml).read().replace("profile-flags:   [ lbr ]", "profile-flags:   [ sample ]"))
    check("[ sample ]" in open(sample_yaml).read(), "a sample-mode YAML profile")
    lk2 = lock(os.path.join(c.src, "profiles/svc-sample.pgolock"), "svc-sample.yaml", sha256(sample_yaml), kind="yaml")
    out = c.configure(CONSUMER_BOLT=lk2, PGO_BOLT_FLAGS="")
    check("the profile has no branch records" in out, "configure says the sample YAML has no branch records", out)
    c.ninja("svc")
    first = open(svc + ".bolt.log").read().splitlines()[0]
    check("-reorder-blocks=none" in first and "-infer-stale-profile" in first,
          "a sample YAML gets the no_lbr flags and -infer-stale-profile", first)


CASES = {n[5:].replace("_", "-"): f for n, f in globals().items() if n.startswith("case_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", required=True, choices=sorted(CASES))
    ap.add_argument("--source", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    a.source, a.build, a.work = map(os.path.abspath, (a.source, a.build, a.work))
    try:
        CASES[a.case](a)
    except Failure as e:
        print("FAIL:", e)
        return 1
    print("PASS:", a.case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
