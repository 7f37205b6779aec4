#!/usr/bin/env python3
"""place_debug.py BINARY DEBUGFILE ROOT: copies DEBUGFILE to
ROOT/.build-id/xx/yyyy.debug, the distribution layout for split debug info,
with the build-id of BINARY as llvm-readelf prints it."""
import os
import re
import shutil
import subprocess
import sys

binary, debug, root = sys.argv[1:4]
notes = subprocess.run(["/usr/lib/llvm-22/bin/llvm-readelf", "-n", binary],
                       check=True, capture_output=True, text=True).stdout
build_id = re.search(r"Build ID:\s*([0-9a-f]+)", notes).group(1)
dest = os.path.join(root, ".build-id", build_id[:2], build_id[2:] + ".debug")
os.makedirs(os.path.dirname(dest), exist_ok=True)
shutil.copy(debug, dest)
print(dest)
