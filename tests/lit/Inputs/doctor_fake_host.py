#!/usr/bin/env python3
"""doctor_fake_host.py DIR [--pmu NAME] [--branches N] [--max-precise N]
[--paranoid P] [--kptr K] [--capeff HEX]: writes the sysfs and procfs files
`pgoctl doctor --fake-host DIR` reads, as the kernel lays them out:
  DIR/sys/bus/event_source/devices/NAME/type, .../NAME/caps/branches,
  .../NAME/caps/max_precise
  DIR/proc/sys/kernel/perf_event_paranoid, DIR/proc/sys/kernel/kptr_restrict
  DIR/proc/self/status (its CapEff line)
An option left out leaves its file out (a host without it)."""
import argparse
import os

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--pmu")
ap.add_argument("--branches", type=int)
ap.add_argument("--max-precise", type=int)
ap.add_argument("--paranoid", type=int)
ap.add_argument("--kptr", type=int)
ap.add_argument("--capeff", default="0000000000000000")
a = ap.parse_args()


def write(rel, text):
    path = os.path.join(a.dir, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text + "\n")


os.makedirs(os.path.join(a.dir, "sys/bus/event_source/devices/software"), exist_ok=True)
write("sys/bus/event_source/devices/software/type", "1")
if a.pmu:
    write(f"sys/bus/event_source/devices/{a.pmu}/type", "4")
    if a.branches is not None:
        write(f"sys/bus/event_source/devices/{a.pmu}/caps/branches", str(a.branches))
    if a.max_precise is not None:
        write(f"sys/bus/event_source/devices/{a.pmu}/caps/max_precise", str(a.max_precise))
if a.paranoid is not None:
    write("proc/sys/kernel/perf_event_paranoid", str(a.paranoid))
if a.kptr is not None:
    write("proc/sys/kernel/kptr_restrict", str(a.kptr))
write("proc/self/status", f"Name:\tpgoctl\nCapInh:\t0000000000000000\nCapEff:\t{a.capeff}")
