"""Checks verify's Markdown as a reader sees it, and the flame graph against it.

Usage: verify_markdown.py REPORT.md REPORT.json FLAME.html OUTDIR

- The Markdown is under 65,536 characters (one pull-request comment) and
  starts with the verdict, then the gate rules.
- cmark-gfm (GitHub's CommonMark renderer, Debian's cmark-gfm, with the
  table extension; --unsafe keeps the inline HTML GitHub keeps: <code
  title=...>) renders it to OUTDIR/report.html; every
  table cell's text (what a reader sees) is at most 100 characters.
- Headless Chromium screenshots the page at 1400 px wide (OUTDIR/report.png),
  and its DOM after layout shows no table wider than the window.
- The flame graph's embedded data (not its pixels) gives every top-5
  function (by self cost, before or after, from the JSON) the table's status:
  red for regressed, blue for improved, grey otherwise.
Prints `markdown ok`; exits 1 with the reasons otherwise.
"""
import html
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

md_path, json_path, flame_path, outdir = sys.argv[1:5]
md = open(md_path, encoding="utf-8").read()
report = json.load(open(json_path, encoding="utf-8"))
bad = []
if len(md) >= 65536:
    bad.append("markdown is %d characters" % len(md))
lines = md.splitlines()
if not lines or not re.match(r"### pgoctl verify: .*\*\*(PASS|FAIL|INCONCLUSIVE)\*\*", lines[0]):
    bad.append("first line is not the verdict: %r" % (lines[0] if lines else ""))
first_table = next((i for i, l in enumerate(lines) if l.startswith("|")), None)
if first_table is None or "gate rule" not in lines[first_table]:
    bad.append("the first table is not the gate rules")

page = subprocess.run(["cmark-gfm", "--unsafe", "-e", "table", md_path], check=True,
                      stdout=subprocess.PIPE, text=True).stdout
html_path = os.path.join(outdir, "report.html")
with open(html_path, "w", encoding="utf-8") as f:
    f.write("<!DOCTYPE html><html><head><meta charset='utf-8'><style>body{font-family:sans-serif;"
            "font-size:14px} table{border-collapse:collapse} td,th{border:1px solid #ccc;"
            "padding:3px 6px}</style></head><body>" + page +
            "<script>document.title='width:'+Math.max(...[...document.querySelectorAll('table')]"
            ".map(t=>t.getBoundingClientRect().right))</script></body></html>")


class Cells(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self.cur = [], None

    def handle_starttag(self, tag, attrs):
        if tag in ("td", "th"):
            self.cur = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cur is not None:
            self.cells.append(self.cur)
            self.cur = None

    def handle_data(self, data):
        if self.cur is not None:
            self.cur += data


p = Cells()
p.feed(page)
if not p.cells:
    bad.append("no table cells in the rendered Markdown")
for c in p.cells:
    if len(c.strip()) > 100:
        bad.append("cell of %d characters: %r" % (len(c.strip()), c[:120]))
print("cells: %d, longest %d characters" % (len(p.cells),
                                           max([len(c.strip()) for c in p.cells] or [0])))

exe = shutil.which("chromium") or shutil.which("chromium-browser")
if exe:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--window-size=1400,1000", "--hide-scrollbars"]
    url = "file://" + os.path.abspath(html_path)
    with tempfile.TemporaryDirectory() as prof:
        subprocess.run([exe] + flags + ["--user-data-dir=" + prof,
                                        "--screenshot=" + os.path.join(outdir, "report.png"), url],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120,
                       check=True)
    with tempfile.TemporaryDirectory() as prof:
        dom = subprocess.run([exe] + flags + ["--user-data-dir=" + prof, "--dump-dom", url],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120,
                             check=True, text=True).stdout
    m = re.search(r"<title>width:([0-9.]+)</title>", dom)
    if not m:
        bad.append("chromium: no layout width in the DOM")
    elif float(m.group(1)) > 1400:
        bad.append("a table is %s px wide at a 1400 px window" % m.group(1))
    else:
        print("widest table %.0f px of 1400" % float(m.group(1)))
    if not os.path.getsize(os.path.join(outdir, "report.png")):
        bad.append("empty screenshot")
else:
    print("screenshot skipped: no chromium")

flame = open(flame_path, encoding="utf-8").read()
data = json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', flame,
                            re.S).group(1).replace("<\\/", "</"))
by_name = dict(zip(data["full"], data["change"]))
top = [f for f in report["functions"] if f["rank_before_self"] >= 0 or f["rank_after_self"] >= 0]
for f in top:
    want = f["self"]["status"] if (f["self"]["status"] in ("regressed", "improved")
                                   and "inline_churn" not in f) else "same"
    got = by_name.get(f["name"], ["absent"])[0]
    if f["name"] in by_name and got != want:
        bad.append("flame graph says %s, table %s: %s" % (got, want, f["name"][:80]))
    if f["name"] not in by_name:
        bad.append("top function not in the flame graph: %s" % f["name"][:80])
print("top-5 functions checked in the flame graph: %d" % len(top))
if bad:
    print("\n".join(bad))
    sys.exit(1)
print("markdown ok")
