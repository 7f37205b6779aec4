"""Counts the records of one type that `perf report -D` (stdin) lists before
a file offset: `records_before.py TYPE OFFSET` prints "N records of type
TYPE before OFFSET". perf report -D prints each record of the data section
as "0xOFFSET@FILE [0xSIZE]: event: TYPE".
"""
import re
import sys

kind, limit = int(sys.argv[1]), int(sys.argv[2], 0)
n = 0
for line in sys.stdin:
    m = re.match(r"^(0x[0-9a-f]+)@\S+ \[0x[0-9a-f]+\]: event: (\d+)$", line.rstrip())
    if m and int(m.group(2)) == kind and int(m.group(1), 16) < limit:
        n += 1
print("%d records of type %d before %s" % (n, kind, sys.argv[2]))
