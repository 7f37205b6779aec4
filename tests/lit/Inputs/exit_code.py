"""Runs a command and prints its output, then `exit N` with its exit code;
exits 0 itself (lit's `not` cannot tell 1 from other failures).

Usage: exit_code.py COMMAND [ARGS...]
"""
import subprocess
import sys

p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
sys.stdout.write(p.stdout)
print("exit %d" % p.returncode)
