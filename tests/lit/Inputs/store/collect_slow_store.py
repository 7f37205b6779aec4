"""`pgoctl collect --spool --store` against a store that holds every upload
for longer than the whole run: the agent must keep sampling on schedule (one
window a second), because uploads run beside it, not inside its loop.

The store is FakeS3 (storetest.py) with a hook that holds each PUT for
HOLD seconds, past pgoctl's --timeout, so every upload times out. From first
principles: a 4 s run with --window 1 writes 4 windows (3 full ones and the
last part) when nothing stalls the loop; an upload made inside the loop
would stall it for the whole --timeout after the first window, and the run
would end with 2. The windows are counted in the agent's own log lines, and
the spool must hold every one of them (none was stored).

usage: collect_slow_store.py PGOCTL HOT WORKDIR
"""
import os
import re
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
from storetest import FakeS3, clean_env, run  # noqa: E402

pgoctl, hot, work = sys.argv[1:4]
spool = os.path.join(work, "spool")
os.makedirs(spool, exist_ok=True)
HOLD = 12  # seconds a PUT is held; over --timeout (5) and the run (4)
release = threading.Event()

with FakeS3("AKIDEXAMPLE", "slowStoreSecret") as s3:
    def hold(method, path):
        if method == "PUT":
            release.wait(HOLD)
    s3.hook = hold
    env = clean_env(work, AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
                    AWS_SECRET_ACCESS_KEY="slowStoreSecret", AWS_REGION="us-east-1",
                    AWS_ENDPOINT_URL=s3.endpoint)
    rc, out, err = run([pgoctl, "collect", "--spool", spool, "--window", "1", "--duration", "4",
                        "--store", "s3://bucket/p", "--service", "svc", "--timeout", "5",
                        "--attempts", "1", "--", hot, "8000"], env=env, check=False,
                       timeout=120)
    release.set()
    assert rc == 0, (rc, err)
    windows = [ln for ln in err.splitlines() if re.search(r"\.pgoprof: \d+ samples", ln)]
    assert len(windows) >= 4, f"{len(windows)} windows in a 4 s run:\n{err}"
    assert "not uploaded to" in err, err
    spooled = [f for f in os.listdir(spool) if f.endswith(".pgoprof")]
    assert len(spooled) == len(windows), (spooled, windows)
    print(f"windows: {len(windows)}, all kept in the spool")
