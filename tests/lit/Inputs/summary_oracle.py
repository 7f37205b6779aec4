# summary_oracle.py PROFILE.txt PERCENT: the count at which the largest body
# counts of a text sample profile (inlinees included, call targets not) first
# reach PERCENT of their total, from first principles: sort, accumulate,
# compare with floor(total * ppm / 1e6) as LLVM's summary builder does, equal
# counts taken together.
import re, sys

counts = []
for line in open(sys.argv[1]):
    m = re.match(r"^\s+\d+(?:\.\d+)?: (\d+)(?:\s|$)", line)
    if m:
        counts.append(int(m.group(1)))
ppm = round(float(sys.argv[2]) * 10000)
want = sum(counts) * ppm // 1000000
acc, i = 0, 0
counts.sort(reverse=True)
while acc < want:
    c = counts[i]
    while i < len(counts) and counts[i] == c:
        acc += c
        i += 1
print(c)
