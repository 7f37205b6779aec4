"""pgoctl's S3 client against FakeS3 (storetest.py): SigV4 checked by botocore,
pagination, conditional channel moves, and faults: each a clear error with
nothing partial in the store or on disk, retries where they are right, and a
secret from the environment in no output and no file.

usage: fake_s3_check.py PGOCTL WORKDIR A.pgoprof BIG.pgoprof
(BIG: over 1 MiB, so libcurl sends it with Expect: 100-continue)
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from storetest import FakeS3, clean_env, run, tree_contains  # noqa: E402

pgoctl, work, prof, big = sys.argv[1:5]
os.makedirs(work, exist_ok=True)
SECRET = "pgoctlTestSecret/9f8e7d6c5b4a+DoNotLeak"
TOKEN = "pgoctlTestSessionToken-2b1a"
outputs = []  # every stdout and stderr, searched for the secret at the end


def pg(args, env, check=True, timeout=120):
    rc, out, err = run([pgoctl] + args, env=env, check=check, timeout=timeout)
    outputs.append(out + err)
    return rc, out, err


with open(prof, "rb") as f:
    data = f.read()

with FakeS3("AKIDEXAMPLE", SECRET, TOKEN, page_size=2) as s3:
    env = clean_env(work, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY=SECRET,
                    AWS_SESSION_TOKEN=TOKEN, AWS_REGION="us-east-1",
                    AWS_ENDPOINT_URL=s3.endpoint)
    store = ["--store", "s3://pgo-bucket/team/a"]

    # Signed requests that botocore accepts: three windows, read back, listed
    # over two pages (page size 2).
    keys = []
    for i, host in enumerate(["web-1", "web-2", "web-3"]):
        _, out, _ = pg(["push", prof, *store, "--service", "kv", "--host", host,
                        "--start", str(1764892800 + i)], env)
        keys.append(out.strip())
    assert keys[0] == keys[0].strip() and keys[0].startswith("raw/kv/2025-12-05/web-1-"), keys
    for k in keys:
        assert s3.objects["pgo-bucket/team/a/" + k] == data, k
    _, out, _ = pg(["push", big, *store, "--service", "kv", "--host", "big", "--start", "1"], env)
    assert os.path.getsize(big) > (1 << 20)
    assert s3.objects["pgo-bucket/team/a/" + out.strip()] == open(big, "rb").read()
    pg(["store", "get", "s3://pgo-bucket/team/a/" + keys[1], "-o", f"{work}/got.pgoprof"], env)
    assert open(f"{work}/got.pgoprof", "rb").read() == data
    _, out, _ = pg(["ls", *store, "--service", "kv", "--json"], env)
    import json
    listed = sorted(r["key"] for r in json.loads(out)["raw"])
    assert [k for k in listed if "/big-" not in k] == sorted(keys), (listed, keys)
    lists = [r for r in s3.requests if "list-type=2" in r[1]]
    assert len(lists) >= 2 and any("continuation-token=" in r[1] for r in lists), lists
    print("sigv4 + pagination: ok")

    # A conditional channel move (this server honours If-Match), then one that
    # another writer overtakes: exit 5, the other writer's channel stays.
    _, v1, _ = pg(["publish", prof, *store, "--service", "kv", "--channel", "stable"], env)
    v1 = v1.strip()
    chan = "pgo-bucket/team/a/channels/kv/stable"
    assert json.loads(s3.objects[chan])["version"] == v1
    puts = [r for r in s3.requests if r[0] == "PUT" and "channels" in r[1]]
    assert puts, s3.requests
    # Another writer moves the channel between this publish's read and its
    # move: the server's hook changes the channel when the conditional PUT
    # arrives, so its If-Match no longer matches.
    other = b'{"format":"pgoctl-channel-1","version":"' + b"1" * 64 + b'"}'
    s3.hook = lambda method, path: (s3.objects.__setitem__(chan, other)
                                    if method == "PUT" and path.endswith("/channels/kv/stable")
                                    else None)
    rc, out, err = pg(["publish", prof, *store, "--service", "kv", "--channel", "stable"], env,
                      check=False)
    s3.hook = None
    assert rc == 5, (rc, err)
    assert "moved by another writer" in err, err
    assert s3.objects[chan] == other
    print("conditional channel move, overtaken: ok")

    # A version description read while another publisher rewrites it in
    # place (a store whose PUT is not atomic, as npm's s3rver): the GET
    # serves half of it once. Publishing again reads it again and succeeds;
    # a description that stays damaged (the same bytes, the same ETag) is an
    # error that says so.
    vjson = f"pgo-bucket/team/a/profiles/kv/{v1}.json"
    whole = s3.objects[vjson]
    torn = {"left": 1}

    def tear_once(method, path):
        if path == vjson and method == "GET" and torn["left"]:
            torn["left"] -= 1
            s3.objects[vjson] = whole[: len(whole) // 2]
        elif path == vjson and method == "HEAD":
            s3.objects[vjson] = whole
    s3.hook = tear_once
    _, out, _ = pg(["publish", prof, *store, "--service", "kv"], env)
    s3.hook = None
    assert out.strip() == v1 and torn["left"] == 0, (out, torn)
    assert json.loads(s3.objects[vjson])["version"] == v1
    s3.objects[vjson] = whole[: len(whole) // 2]
    rc, out, err = pg(["publish", prof, *store, "--service", "kv"], env, check=False)
    assert rc != 0 and "damaged version description" in err, (rc, err)
    s3.objects[vjson] = whole
    print("version description torn by a writer, read again; damaged: error: ok")

    # A wrong secret: botocore's signature differs, 403, a clear error.
    bad = dict(env, AWS_SECRET_ACCESS_KEY=SECRET + "x")
    rc, out, err = pg(["ls", *store], bad, check=False)
    assert rc != 0 and "SignatureDoesNotMatch" in err and "HTTP 403" in err, (rc, err)
    print("wrong secret: 403: ok")

    # 403 from the server on every request.
    s3.set_fault("403")
    rc, out, err = pg(["push", prof, *store, "--service", "kv", "--host", "h403",
                       "--start", "1764892800"], env, check=False)
    assert rc != 0 and "AccessDenied" in err, err
    assert len(s3.requests) == 1, s3.requests  # a 4xx is not retried
    s3.set_fault(None)

    # 404: nothing written on disk.
    out_file = f"{work}/missing.pgoprof"
    rc, out, err = pg(["store", "get", "s3://pgo-bucket/team/a/raw/kv/none.pgoprof", "-o",
                       out_file], env, check=False)
    assert rc == 3 and "does not exist" in err, (rc, err)
    assert not os.path.exists(out_file)

    # 500 twice, then success: retried.
    s3.set_fault("500", 2)
    pg(["push", prof, *store, "--service", "kv", "--host", "h500", "--start", "1764892800"], env)
    st = [r[2] for r in s3.requests]
    assert st[:3] == [500, 500, 200], st

    # 500 every time: an error after --attempts, and no object.
    before = set(s3.objects)
    s3.set_fault("500", 100)
    rc, out, err = pg(["push", prof, *store, "--service", "kv", "--host", "h5xx",
                       "--start", "1764892800", "--attempts", "3"], env, check=False)
    assert rc != 0 and "HTTP 500" in err, err
    assert len(s3.requests) == 3, s3.requests
    assert set(s3.objects) == before
    s3.set_fault(None)
    print("403, 404, 500 then success, 500 always: ok")

    # A slow server: a timeout, and nothing on disk.
    s3.set_fault("slow")
    out_file = f"{work}/slow.pgoprof"
    rc, out, err = pg(["store", "get", "s3://pgo-bucket/team/a/" + keys[0], "-o", out_file,
                       "--timeout", "2", "--attempts", "2"], env, check=False, timeout=60)
    assert rc != 0 and "timeout" in err.lower(), err
    assert not os.path.exists(out_file)

    # A truncated body: retried, then an error; nothing on disk.
    s3.set_fault("truncated")
    out_file = f"{work}/trunc.pgoprof"
    rc, out, err = pg(["store", "get", "s3://pgo-bucket/team/a/" + keys[0], "-o", out_file,
                       "--attempts", "2"], env, check=False)
    assert rc != 0 and "after 2 attempts" in err, err
    assert not os.path.exists(out_file)

    # A huge list answer: cut at the bound, an error of kind resource (6).
    s3.set_fault("huge")
    rc, out, err = pg(["ls", *store], env, check=False)
    assert rc == 6 and "larger than" in err, (rc, err)
    s3.set_fault(None)
    print("slow, truncated, huge: ok")

    # Key parts that would escape their prefix are refused before any request.
    s3.set_fault(None)
    for bad_service in ["..", "a/b", "x\x1by", "../../etc"]:
        rc, out, err = pg(["push", prof, *store, "--service", bad_service, "--host", "h",
                           "--start", "1"], env, check=False)
        assert rc == 64, (bad_service, rc, err)
        assert "\x1b" not in err
    assert not s3.requests, s3.requests
    print("refused key parts: ok")

# The secret: in no output and no file the tests wrote (the lock, profiles, ...).
for o in outputs:
    assert SECRET not in o and TOKEN not in o, o
hits = tree_contains(work, SECRET.encode()) + tree_contains(work, TOKEN.encode())
assert not hits, hits
print("secret in no output and no file: ok")
