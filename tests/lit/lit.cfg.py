# lit configuration for pgoctl's CLI tests (tests/lit/*.test).
# Paths come from lit.site.cfg.py, which CMake writes into the build tree.
#
# Two tiers (lit --param tier=hermetic|live|all, default all):
# - hermetic: checked-in inputs (Inputs/hermetic/, made by Inputs/regen.sh,
#   and the shared perf.data fixtures) or none; the same result on every
#   machine, checkout and load, so they run in parallel;
# - live: tests that record (perf record, lbr-emu) and declare it with
#   `REQUIRES: live`; run one at a time (see tests/CMakeLists.txt).
import os
import re
import shutil
import subprocess

import lit.formats

config.name = "pgoctl"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.pgoctl_build_dir, "tests", "lit")

tier = lit_config.params.get("tier", "all")
if tier not in ("hermetic", "live", "all"):
    lit_config.fatal(f"--param tier={tier}: expected hermetic, live or all")
_live_re = re.compile(r"REQUIRES:.*\blive\b")


def _is_live(path):
    with open(path, encoding="utf-8") as f:
        return any(_live_re.search(line) for line in f)


# Each tier leaves out the other's files (lit's excludes are file names).
config.excludes = ["Inputs"]
if tier != "all":
    for name in sorted(os.listdir(config.test_source_root)):
        if name.endswith(".test"):
            live = _is_live(os.path.join(config.test_source_root, name))
            if live != (tier == "live"):
                config.excludes.append(name)
if tier != "hermetic":
    config.available_features.add("live")

llvm_bin = "/usr/lib/llvm-22/bin"
path = config.environment.get("PATH", os.environ["PATH"])
first = [os.path.dirname(config.pgoctl_bin), llvm_bin]
# tests/python-bin/python3 links to config.python (see the top CMakeLists.txt):
# `python3` and `#!/usr/bin/env python3` scripts start the tests' Python too.
first.append(os.path.join(config.pgoctl_build_dir, "tests", "python-bin"))
config.environment["PATH"] = os.pathsep.join(first + [path])
for var in ("HOME", "TMPDIR"):
    if var in os.environ:
        config.environment[var] = os.environ[var]

config.substitutions.append(("%pgoctl", config.pgoctl_bin))
config.substitutions.append(("%fixtures", config.fixtures_dir))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))
config.substitutions.append(("%hermetic", os.path.join(config.test_source_root, "Inputs", "hermetic")))
config.substitutions.append(("%clang", "clang-22"))
config.substitutions.append(("%python", config.python))

# The LBR emulator samples every N-th taken branch counted from exec, so the
# branches ld.so and libc take over the environment, argv and a randomized
# stack move the sampling phase. %lbremu runs the program without ASLR in a
# fixed environment; tests `cd` to the program's folder and run it as
# `./prog`, so argv[0] (and the stack) do not depend on the checkout's path.
lbremu = config.lbremu_bin or "lbr-emu-not-built"
config.substitutions.append(("%lbremu", f"env -i PATH=/usr/bin:/bin LC_ALL=C {lbremu} --no-aslr"))
if config.lbremu_bin and os.path.exists(config.lbremu_bin):
    config.available_features.add("lbr-emu")
if os.path.isdir(config.fixtures_dir):
    config.available_features.add("fixtures")
if shutil.which("perf"):
    config.available_features.add("perf")
    # Can this machine record? (software clock events only are needed)
    if tier != "hermetic":
        try:
            probe = subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-o", "/dev/null", "true"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
            if probe.returncode == 0:
                config.available_features.add("perf-record")
        except Exception:
            pass
if shutil.which("zstd"):
    config.available_features.add("zstd")
# GNU binutils for AArch64: the oracle of doctor's frame-pointer check there.
if shutil.which("aarch64-linux-gnu-objdump") and shutil.which("ld.lld"):
    config.available_features.add("aarch64-binutils")

# npm packages scripts/setup-deps.sh installs into a pinned prefix: s3rver
# (the store tests, store-*.test), pprof-format (the independent pprof writer
# of Inputs/pprof_from_perf_script.cjs) and @parca/client (the independent
# Parca client of Inputs/parca_query.mjs); and Debian's awscli (its botocore
# signs the oracle signatures).
npm_prefix = os.environ.get("PGOCTL_NPM_PREFIX") or os.path.join(
    os.environ.get("HOME", "/root"), ".cache", "pgoctl-npm")
config.substitutions.append(("%npm_prefix", npm_prefix))
if os.path.exists(os.path.join(npm_prefix, "node_modules", ".bin", "s3rver")):
    config.available_features.add("s3rver")
if os.path.exists("/usr/lib/python3/dist-packages/awscli/__init__.py"):
    config.available_features.add("awscli")
if "PGOCTL_NPM_PREFIX" in os.environ:
    config.environment["PGOCTL_NPM_PREFIX"] = os.environ["PGOCTL_NPM_PREFIX"]
if shutil.which("node") and os.path.isfile(
        os.path.join(npm_prefix, "node_modules", "pprof-format", "package.json")):
    config.available_features.add("pprof-format")
    if os.path.isfile(os.path.join(npm_prefix, "node_modules", "@parca", "client", "package.json")):
        config.available_features.add("parca-client")
# Debian's debuginfod (refresh-debuginfod.test: binaries by build-id).
if shutil.which("debuginfod"):
    config.available_features.add("debuginfod")
# valgrind's callgrind: tests/tools/cg-samples' counts (cg-samples.test).
if shutil.which("valgrind") and shutil.which("callgrind_annotate"):
    config.available_features.add("valgrind")
if shutil.which("systemd-analyze"):
    config.available_features.add("systemd-analyze")
# A core PMU in sysfs (hardware events); doctor-live.test checks the case
# without one (a VM).
if any(os.path.exists(os.path.join("/sys/bus/event_source/devices", p, "type"))
       for p in ("cpu", "cpu_core", "cpu_atom", "armv8_pmuv3_0", "armv8_pmuv3")):
    config.available_features.add("core-pmu")
