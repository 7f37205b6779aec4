# lit configuration for pgoctl's CLI tests (tests/lit/*.test).
# Paths come from lit.site.cfg.py, which CMake writes into the build tree.
import os
import shutil
import subprocess

import lit.formats

config.name = "pgoctl"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".test"]
config.excludes = ["Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.pgoctl_build_dir, "tests", "lit")

llvm_bin = "/usr/lib/llvm-22/bin"
config.environment["PATH"] = os.pathsep.join(
    [os.path.dirname(config.pgoctl_bin), llvm_bin, config.environment.get("PATH", os.environ["PATH"])])
for var in ("HOME", "TMPDIR"):
    if var in os.environ:
        config.environment[var] = os.environ[var]

config.substitutions.append(("%pgoctl", config.pgoctl_bin))
config.substitutions.append(("%fixtures", config.fixtures_dir))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))
config.substitutions.append(("%clang", "clang-22"))
config.substitutions.append(("%python", config.python))

config.substitutions.append(("%lbremu", config.lbremu_bin or "lbr-emu-not-built"))
if config.lbremu_bin and os.path.exists(config.lbremu_bin):
    config.available_features.add("lbr-emu")
if os.path.isdir(config.fixtures_dir):
    config.available_features.add("fixtures")
if shutil.which("perf"):
    config.available_features.add("perf")
    # Can this machine record? (software clock events only are needed)
    try:
        probe = subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-o", "/dev/null", "true"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        if probe.returncode == 0:
            config.available_features.add("perf-record")
    except Exception:
        pass
