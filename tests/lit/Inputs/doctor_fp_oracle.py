#!/usr/bin/env python3
"""doctor_fp_oracle.py BINARY DOCTOR_JSON: the frame-pointer figures of
`pgoctl doctor --binary BINARY --json` against GNU binutils (the oracle: its
own decoder, not LLVM's): every function of `readelf -sW` (FUNC, size >= 4,
C runtime startup code left out as doctor documents) that has `push %rbp`
directly followed by `mov %rsp,%rbp` among its first 32 instructions in
`objdump -d` (shrink wrapping may put them after an early exit); on AArch64
(aarch64-linux-gnu-objdump) x29 stored, then set from sp. The binary is small, so doctor samples every function. Prints
`kept K of N` and exits 1 when doctor's figures differ."""
import json
import re
import subprocess
import sys

STARTUP = {"_start", "_init", "_fini", "__libc_csu_init", "__libc_csu_fini",
           "deregister_tm_clones", "register_tm_clones", "__do_global_dtors_aux",
           "frame_dummy", "_dl_relocate_static_pie"}

binary, report = sys.argv[1], json.load(open(sys.argv[2]))["binary"]
funcs = {}
for line in subprocess.run(["readelf", "-sW", binary], capture_output=True, text=True,
                           check=True).stdout.splitlines():
    f = line.split()
    if len(f) >= 8 and f[3] == "FUNC" and f[6] != "UND" and int(f[2], 0) >= 4:
        name = f[7].split("@")[0]
        if name not in STARTUP:
            funcs[int(f[1], 16)] = name

header = subprocess.run(["readelf", "-h", binary], capture_output=True, text=True,
                        check=True).stdout
aarch64 = re.search(r"Machine:\s+AArch64", header) is not None
objdump = "aarch64-linux-gnu-objdump" if aarch64 else "objdump"
dis = subprocess.run([objdump, "-d", "--no-show-raw-insn", binary], capture_output=True,
                     text=True, check=True).stdout
insns, cur = {}, None
for line in dis.splitlines():
    m = re.match(r"^([0-9a-f]+) <(.*)>:$", line)
    if m:
        cur = int(m.group(1), 16)
        insns[cur] = []
        continue
    m = re.match(r"^\s+[0-9a-f]+:\s+(.*)$", line)
    if m and cur is not None and len(insns[cur]) < 32:
        insns[cur].append(" ".join(m.group(1).split("#")[0].split()))

def sets_up_frame(body):
    if not aarch64:
        return any(a == "push %rbp" and b == "mov %rsp,%rbp" for a, b in zip(body, body[1:]))
    # AArch64: the frame record stored (x29 among a stp/str's registers), then
    # x29 set from sp (`mov x29, sp` or `add x29, sp, #N`).
    saved = False
    for insn in body:
        op, _, args = insn.partition(" ")
        regs = [r.strip(" [],!") for r in args.split(",")]
        if op in ("stp", "str") and "x29" in regs:
            saved = True
        if saved and ((op == "mov" and regs[:2] == ["x29", "sp"]) or
                      (op == "add" and regs[:2] == ["x29", "sp"])):
            return True
    return False


kept = sum(1 for addr in funcs if sets_up_frame(insns.get(addr, [])))
print(f"kept {kept} of {len(funcs)}")
ours = (report["frame_pointer_kept"], report["frame_pointer_sampled"])
if ours != (kept, len(funcs)):
    print(f"doctor says kept {ours[0]} of {ours[1]}")
    sys.exit(1)
