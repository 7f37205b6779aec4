"""Renders a verify flame graph in headless Chromium and checks what it shows.

Usage: verify_chromium.py PAGE.html FUNCTION OUTDIR
Takes a screenshot (PNG) and the DOM after the page's script ran. Checks: the
PNG decodes (stdlib zlib, scanline filters undone) and is not blank: many
pixels differ from the background, and some are red (a frame that grew); the
DOM holds an SVG <title> for FUNCTION's frame. Prints `flamegraph ok`, or
`flamegraph skipped: no chromium` when no Chromium is installed (then there
is nothing to check on this machine).
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

page, function, outdir = sys.argv[1], sys.argv[2], sys.argv[3]
exe = shutil.which("chromium") or shutil.which("chromium-browser")
if not exe:
    print("flamegraph skipped: no chromium")
    sys.exit(0)
url = "file://" + os.path.abspath(page)
png_path = os.path.join(outdir, "flame.png")
if os.path.exists(png_path):
    os.unlink(png_path)
flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1200,800"]
# One launch takes both: Chromium's headless mode writes the screenshot and
# prints the DOM after the page's script ran (each launch costs ~3 s of CPU).
with tempfile.TemporaryDirectory() as prof:
    dom = subprocess.run([exe] + flags + ["--user-data-dir=" + prof, "--screenshot=" + png_path,
                                          "--dump-dom", url],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120,
                         check=True, text=True).stdout


def decode_png(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    assert depth == 8 and ctype in (2, 6), (depth, ctype)
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


w, h, bpp, rows = decode_png(open(png_path, "rb").read())
bg = tuple(rows[0][0:3])
differ = red = 0
for line in rows:
    for x in range(0, w * bpp, bpp):
        r, g, b = line[x], line[x + 1], line[x + 2]
        if (r, g, b) != bg:
            differ += 1
        if r > 200 and g < 160 and b < 160:
            red += 1
assert w > 0 and h > 0, "empty screenshot"
assert differ > 0.01 * w * h, "blank screenshot: %d of %d pixels differ" % (differ, w * h)
assert red > 100, "no red (growth) frame in the screenshot: %d red pixels" % red
assert re.search(r"<title>" + re.escape(function) + r": after", dom), \
    "no frame titled %s in the DOM" % function
print("flamegraph ok: %dx%d, %d pixels drawn, %d red" % (w, h, differ, red))
