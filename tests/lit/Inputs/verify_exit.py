"""Runs a command, passes its stdout through, and checks its exit code.

Usage: verify_exit.py EXPECTED_CODE[,CODE...] CMD [ARGS...]
lit's `not` accepts any failure; verify's exit codes (0 pass, 1 fail,
2 inconclusive, 3 error) must be told apart.
"""
import subprocess
import sys

want = [int(c) for c in sys.argv[1].split(",")]
r = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE, text=True)
sys.stdout.write(r.stdout)
if r.returncode not in want:
    sys.exit("exit code %d, expected %s" % (r.returncode, sys.argv[1]))
