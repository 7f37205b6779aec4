"""Two publishers of the same profile, one with a .profdata form and one
without, interleaved deterministically on the fake S3: the one without is
held (the server's hook) right after it found no .json for the version; the
other publishes completely; then the first goes on. The version's .json must
still list the .profdata form the second stored (publishing is idempotent
and never loses a form), and name its sha256 as the object has it.

usage: publish_race_check.py PGOCTL WORKDIR PROFILE.pgoprof BINARY
"""
import hashlib
import json
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
from storetest import FakeS3, clean_env, run  # noqa: E402

pgoctl, work, prof, binary = sys.argv[1:5]
os.makedirs(work, exist_ok=True)
version = hashlib.sha256(open(prof, "rb").read()).hexdigest()
json_key = f"race/team/profiles/kv/{version}.json"

with FakeS3("AKIDEXAMPLE", "fake-secret") as s3:
    env = clean_env(work, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="fake-secret",
                    AWS_REGION="us-east-1", AWS_ENDPOINT_URL=s3.endpoint)
    store = ["--store", "s3://race/team", "--service", "kv"]
    at_head, go_on = threading.Event(), threading.Event()

    def hook(method, path):
        # Hold the first publisher's .json PUT (it has looked for the .json and
        # found none) until the other is done.
        if method == "PUT" and path == json_key and not at_head.is_set():
            at_head.set()
            go_on.wait(300)
    s3.hook = hook
    first = subprocess.Popen([pgoctl, "publish", prof, *store], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert at_head.wait(300), "the first publisher never wrote the .json"
    run([pgoctl, "publish", prof, *store, "--to", "profdata", "--binary", binary], env=env)
    go_on.set()
    out, err = first.communicate(timeout=300)
    s3.hook = None
    assert first.returncode == 0, err.decode()
    info = json.loads(s3.objects[json_key])
    print("forms:", " ".join(info["forms"]))
    pd = s3.objects.get(f"race/team/profiles/kv/{version}.profdata")
    assert pd is not None, "the .profdata object is missing"
    if "profdata" in info["forms"]:
        assert info["form_sha256"]["profdata"] == hashlib.sha256(pd).hexdigest()
        print("profdata sha256: as stored")
