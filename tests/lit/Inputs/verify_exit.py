"""Runs a command, passes its stdout through, and checks its exit code.

Usage: verify_exit.py EXPECTED_CODE CMD [ARGS...]
lit's `not` accepts any failure; verify's exit codes (0 pass, 1 fail,
2 inconclusive, 3 error) must be told apart.
"""
import subprocess
import sys

want = int(sys.argv[1])
r = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE, text=True)
sys.stdout.write(r.stdout)
if r.returncode != want:
    sys.exit("exit code %d, expected %d" % (r.returncode, want))
