"""pgoctl and Debian's awscli on a real S3-compatible server (npm s3rver):
what pgoctl writes, `aws s3 cp` reads back byte for byte, and the reverse;
listing, a streaming pull, publish with a channel (s3rver ignores If-Match on
PUT, so the move takes the documented fallback), gc, and a lock whose sha256
coreutils' sha256sum agrees with.

usage: s3rver_awscli_check.py PGOCTL WORKDIR A.pgoprof B.pgoprof BINARY
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from storetest import S3rver, clean_env, run  # noqa: E402

pgoctl, work, a, b, binary = sys.argv[1:6]
os.makedirs(work, exist_ok=True)
AWS = ["/usr/bin/python3", "-m", "awscli"]


def sha256sum(path):
    return subprocess.run(["sha256sum", path], capture_output=True, check=True,
                          text=True).stdout.split()[0]


def same(p, q):
    return subprocess.run(["cmp", "-s", p, q]).returncode == 0


with S3rver(work) as srv:
    env = clean_env(work, AWS_ACCESS_KEY_ID="S3RVER", AWS_SECRET_ACCESS_KEY="S3RVER",
                    AWS_REGION="us-east-1", AWS_ENDPOINT_URL=srv.endpoint)
    aws = AWS + ["--endpoint-url", srv.endpoint]
    run(aws + ["s3", "mb", "s3://pgo-test"], env=env)
    store = ["--store", "s3://pgo-test/team"]
    now = int(time.time())

    # pgoctl writes, aws reads: byte for byte.
    _, key_a, _ = run([pgoctl, "push", a, *store, "--service", "kv", "--host", "web-1",
                       "--start", str(now - 3600)], env=env)
    key_a = key_a.strip()
    run(aws + ["s3", "cp", f"s3://pgo-test/team/{key_a}", f"{work}/a.back"], env=env)
    assert same(a, f"{work}/a.back"), "aws s3 cp read other bytes than pgoctl pushed"

    # aws writes, pgoctl reads: byte for byte.
    day = time.strftime("%Y-%m-%d", time.gmtime(now - 1800))
    key_b = f"raw/kv/{day}/web-2-none-{now - 1800}.pgoprof"
    run(aws + ["s3", "cp", b, f"s3://pgo-test/team/{key_b}"], env=env)
    run([pgoctl, "store", "get", f"s3://pgo-test/team/{key_b}", "-o", f"{work}/b.back"], env=env)
    assert same(b, f"{work}/b.back"), "pgoctl store get read other bytes than aws s3 cp wrote"

    # An old window (30 days), for --since and gc.
    _, key_old, _ = run([pgoctl, "push", a, *store, "--service", "kv", "--host", "web-3",
                         "--start", str(now - 30 * 86400)], env=env)
    key_old = key_old.strip()

    # ls agrees with aws s3api list-objects-v2.
    _, out, _ = run([pgoctl, "ls", *store, "--service", "kv", "--json"], env=env)
    ours = sorted(r["key"] for r in json.loads(out)["raw"])
    _, out, _ = run(aws + ["s3api", "list-objects-v2", "--bucket", "pgo-test", "--prefix",
                           "team/raw/kv/"], env=env)
    theirs = sorted(o["Key"][len("team/"):] for o in json.loads(out)["Contents"])
    assert ours == theirs == sorted([key_a, key_b, key_old]), (ours, theirs)
    _, out, _ = run([pgoctl, "ls", *store, "--service", "kv", "--since", "7d", "--json"], env=env)
    assert sorted(r["key"] for r in json.loads(out)["raw"]) == sorted([key_a, key_b])
    print("push / aws cp / store get / ls: ok")

    # pull --since 7d merges the two recent windows: the same counts as
    # `pgoctl merge a b` (merge's own tests hold its rules).
    _, _, err = run([pgoctl, "pull", *store, "--service", "kv", "--since", "7d", "-o",
                     f"{work}/pulled.pgoprof"], env=env)
    assert "merged 2 windows" in err, err
    run([pgoctl, "-q", "merge", a, b, "-o", f"{work}/merged.pgoprof"], env=env)

    def counts(p):
        _, out, _ = run([pgoctl, "debug", "profile", p], env=env)
        return [l for l in out.splitlines() if "window-" not in l and "service" not in l
                and "tool" not in l]
    assert counts(f"{work}/pulled.pgoprof") == counts(f"{work}/merged.pgoprof")
    print("pull: ok")

    # publish with converted forms and a channel; the objects as aws reads them.
    _, v1, err = run([pgoctl, "publish", f"{work}/pulled.pgoprof", *store, "--service", "kv",
                      "--channel", "stable", "--to", "profdata,fdata", "--binary", binary],
                     env=env)
    v1 = v1.strip()
    run(aws + ["s3", "cp", f"s3://pgo-test/team/profiles/kv/{v1}.pgoprof", f"{work}/v1.pgoprof"],
        env=env)
    assert sha256sum(f"{work}/v1.pgoprof") == v1
    run(aws + ["s3", "cp", f"s3://pgo-test/team/channels/kv/stable", f"{work}/stable.json"],
        env=env)
    assert json.load(open(f"{work}/stable.json"))["version"] == v1
    # A second version moves the channel (fallback: check, put, verify).
    _, v2, _ = run([pgoctl, "publish", a, *store, "--service", "kv", "--channel", "stable",
                    "--to", "profdata", "--binary", binary], env=env)
    v2 = v2.strip()
    run(aws + ["s3", "cp", f"s3://pgo-test/team/channels/kv/stable", f"{work}/stable.json"],
        env=env)
    c = json.load(open(f"{work}/stable.json"))
    assert c["version"] == v2 and c["previous"] == v1, c
    print("publish + channel (fallback CAS): ok")

    # lock from the store: source is the object's URL, sha256 as sha256sum says.
    run([pgoctl, "lock", *store, "--service", "kv", "--channel", "stable", "--kind", "profdata",
         "-o", f"{work}/kv.pgolock"], env=env)
    _, show, _ = run([pgoctl, "lock", "--show", f"{work}/kv.pgolock"], env=env)
    fields = dict(l.split(":", 1) for l in show.splitlines())
    src = fields["source"].strip()
    assert src == f"s3://pgo-test/team/profiles/kv/{v2}.profdata", src
    run(aws + ["s3", "cp", src, f"{work}/v2.profdata"], env=env)
    assert fields["sha256"].strip() == sha256sum(f"{work}/v2.profdata")
    run([pgoctl, "store", "get", src, "-o", f"{work}/v2.get.profdata", "--sha256",
         fields["sha256"].strip()], env=env)
    assert same(f"{work}/v2.profdata", f"{work}/v2.get.profdata")
    print("lock --store: ok")

    # gc: the 30-day-old window goes (dry run first: nothing goes); versions
    # are new, and v2 is the channel's.
    _, out, _ = run([pgoctl, "gc", *store, "--keep-days", "7", "--dry-run"], env=env)
    assert out.strip() == f"would remove {key_old}", out
    run(aws + ["s3", "cp", f"s3://pgo-test/team/{key_old}", f"{work}/old.back"], env=env)
    _, out, _ = run([pgoctl, "gc", *store, "--keep-days", "7"], env=env)
    assert out.strip() == f"removed {key_old}", out
    rc, _, _ = run(aws + ["s3", "cp", f"s3://pgo-test/team/{key_old}", f"{work}/old.back2"],
                   env=env, check=False)
    assert rc != 0
    time.sleep(1.1)  # keep-days 0: everything written before this second is old
    _, out, _ = run([pgoctl, "gc", *store, "--keep-days", "0", "--dry-run"], env=env)
    assert f"profiles/kv/{v2}" not in out and f"profiles/kv/{v1}.json" in out, out
    print("gc: ok")
