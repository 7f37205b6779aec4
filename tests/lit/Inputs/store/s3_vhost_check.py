"""Virtual-hosted addressing (`--s3-addressing virtual`) on a real
S3-compatible server (npm s3rver, `--service-endpoint localhost`, so that
`<bucket>.s3.localhost` names a bucket), cross-checked with Debian's awscli
in its own virtual-hosted mode. `<bucket>.s3.localhost` does not resolve
here, so both clients go through a loopback forward proxy (storetest's
LoopbackProxy, found through `http_proxy`), which also records the Host
header and path of every request: pgoctl's must name the bucket in the
host, never in the path.

usage: s3_vhost_check.py PGOCTL WORKDIR A.pgoprof B.pgoprof
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from storetest import LoopbackProxy, S3rver, clean_env, run  # noqa: E402

pgoctl, work, a, b = sys.argv[1:5]
os.makedirs(work, exist_ok=True)
AWS = ["/usr/bin/python3", "-m", "awscli"]
BUCKET = "vbkt"


def same(p, q):
    return subprocess.run(["cmp", "-s", p, q]).returncode == 0


with S3rver(work, ["--service-endpoint", "localhost"]) as srv, LoopbackProxy(srv.port) as px:
    endpoint = f"http://s3.localhost:{srv.port}"
    vhost = f"{BUCKET}.s3.localhost:{srv.port}"
    os.makedirs(f"{work}/.aws", exist_ok=True)
    with open(f"{work}/.aws/config", "w") as f:
        f.write("[default]\nregion = us-east-1\ns3 =\n    addressing_style = virtual\n")
    env = clean_env(work, AWS_ACCESS_KEY_ID="S3RVER", AWS_SECRET_ACCESS_KEY="S3RVER",
                    AWS_REGION="us-east-1", http_proxy=px.url, HTTP_PROXY=px.url)
    aws = AWS + ["--endpoint-url", endpoint]
    run(aws + ["s3", "mb", f"s3://{BUCKET}"], env=env)
    assert any(h == vhost for _, _, h, _ in px.seen), f"aws did not address {vhost}: {px.seen}"

    store = ["--store", f"s3://{BUCKET}/team", "--s3-endpoint", endpoint,
             "--s3-addressing", "virtual"]
    now = int(time.time())
    px.seen.clear()
    keys = []
    for f, host, age in ((a, "web-1", 3600), (b, "web-2", 1800)):
        _, k, _ = run([pgoctl, "push", f, *store, "--service", "kv", "--host", host,
                       "--start", str(now - age)], env=env)
        keys.append(k.strip())
    _, out, _ = run([pgoctl, "ls", *store, "--service", "kv", "--json"], env=env)
    ours = sorted(r["key"] for r in json.loads(out)["raw"])
    mine = list(px.seen)
    assert mine, "pgoctl sent nothing through the proxy"
    bad = [(m, h, p) for _, m, h, p in mine if h != vhost or p.startswith(f"/{BUCKET}/")
           or p.startswith(f"/{BUCKET}?")]
    assert not bad, f"requests not virtual-hosted ({vhost}, bucket not in the path): {bad}"
    methods = sorted({(m, p.split("?")[0] == "/") for _, m, _, p in mine})
    assert ("PUT", False) in methods and ("GET", True) in methods, methods
    print(f"pgoctl virtual-hosted: {len(mine)} requests to {BUCKET}.s3.localhost: ok")

    # awscli (virtual-hosted too) lists and reads what pgoctl wrote.
    _, out, _ = run(aws + ["s3api", "list-objects-v2", "--bucket", BUCKET, "--prefix",
                           "team/raw/kv/"], env=env)
    theirs = sorted(o["Key"][len("team/"):] for o in json.loads(out)["Contents"])
    assert ours == theirs == sorted(keys), (ours, theirs, keys)
    for f, k in zip((a, b), keys):
        run(aws + ["s3", "cp", f"s3://{BUCKET}/team/{k}", f"{work}/back"], env=env)
        assert same(f, f"{work}/back"), f"aws s3 cp read other bytes than pgoctl pushed ({k})"
    print("ls = aws s3api list-objects-v2, aws s3 cp byte for byte: ok")

    # And the reverse: aws writes, pgoctl reads (virtual-hosted).
    run(aws + ["s3", "cp", a, f"s3://{BUCKET}/team/from-aws.pgoprof"], env=env)
    run([pgoctl, "store", "get", f"s3://{BUCKET}/team/from-aws.pgoprof", "--s3-endpoint",
         endpoint, "--s3-addressing", "virtual", "-o", f"{work}/from-aws"], env=env)
    assert same(a, f"{work}/from-aws")
    print("aws s3 cp -> pgoctl store get: ok")
