"""Checks the weekly-refresh deployment examples (examples/deploy/,
examples/ci/github-refresh.yml) against what issue 21's plan asks of them:
each YAML file parses (PyYAML), every `pgoctl refresh` command line uses only
the flags of the command's grammar (the list below, copied from
refresh-spec.md, not from pgoctl), and each file has its scheduling and
exit-code handling. Prints one line per file; exits non-zero with what is wrong.

Usage: check_deploy.py EXAMPLES_DIR
"""
import configparser
import os
import re
import shlex
import sys

import yaml

# `pgoctl refresh`'s flags (refresh-spec.md) and the store options every store
# command takes (cli/StoreOptions.h).
FLAGS = set("""--store --service --lock --since --now --half-life --host-weight --to --channel
--binary --debuginfod --current --min-samples --min-binary-share --min-hot-coverage
--min-similarity --max-size-ratio --force --git-branch --no-git --change-note --shard
--partial --run --reduce --dry-run --stats --s3-endpoint --s3-region --s3-addressing
--aws-profile --attempts --timeout""".split())
VALUELESS = {"--force", "--no-git", "--partial", "--reduce", "--dry-run", "--stats"}
SECRET_WORDS = re.compile(r"secret|password|token|AKIA", re.I)

root = sys.argv[1]
problems = []


def problem(where, what):
    problems.append(f"{where}: {what}")


def check_refresh_args(where, args):
    """args: the words after `refresh`."""
    i = 0
    seen = set()
    while i < len(args):
        a = args[i]
        if not a.startswith("--") or a.split("=")[0] not in FLAGS:
            problem(where, f"`{a}` is not a flag of pgoctl refresh")
            i += 1
            continue
        seen.add(a)
        i += 1 if a in VALUELESS or "=" in a else 2
    # --lock names the file the refresh rewrites: every step but a shard's.
    for need in ("--store", "--service") + (() if "--partial" in seen else ("--lock",)):
        if need not in seen:
            problem(where, f"no {need}")
    for a in args:
        if SECRET_WORDS.search(a):
            problem(where, f"a credential-like word on the command line: {a}")
    return seen


def refresh_words(words, where):
    """The arguments after `refresh` in a word list starting with the program."""
    if "refresh" not in words:
        problem(where, "no `refresh` command")
        return []
    return words[words.index("refresh") + 1:]


def shell_refresh(script, where):
    """`pgoctl refresh ...` from a shell script or an ExecStart (continued lines joined)."""
    text = script.replace("\\\n", " ")
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        if len(words) >= 2 and words[0].endswith("pgoctl") and words[1] == "refresh":
            if "2>" in words:  # a redirection: not the command's
                del words[words.index("2>"):words.index("2>") + 2]
            return check_refresh_args(where, words[2:])
    problem(where, "no `pgoctl refresh` line")
    return set()


def weekly_cron(expr):
    f = expr.split()
    return len(f) == 5 and f[2] == "*" and f[3] == "*" and re.fullmatch(r"[0-6]", f[4])


def env_is_secret(env, name):
    for e in env:
        if e.get("name") == name:
            return "secretKeyRef" in e.get("valueFrom", {})
    return False


def container_args(c):
    """The refresh's words of a container: its args, after `refresh` unless a
    shell wrapper passes them on as "$@"."""
    cmd = c.get("command", [])
    if cmd[:2] == ["/bin/sh", "-c"]:
        if 'pgoctl refresh "$@"' not in cmd[2]:
            problem(c["name"], "the shell wrapper does not run `pgoctl refresh \"$@\"`")
        if not re.search(r'2\) .*exit 0', cmd[2]):
            problem(c["name"], "exit code 2 (nothing new) is not a success")
        return c["args"]
    return refresh_words(c["args"], c["name"])


# --- Kubernetes CronJob.
p = os.path.join(root, "deploy", "pgoctl-refresh-cronjob.yaml")
(cj,) = list(yaml.safe_load_all(open(p)))
spec = cj["spec"]
if cj["kind"] != "CronJob" or spec.get("concurrencyPolicy") != "Forbid":
    problem(p, "not a CronJob with concurrencyPolicy Forbid")
if not weekly_cron(spec["schedule"]):
    problem(p, f"schedule {spec['schedule']!r} is not weekly")
pod = spec["jobTemplate"]["spec"]["template"]["spec"]
(c,) = pod["containers"]
check_refresh_args(p, container_args(c))
for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
    if not env_is_secret(c["env"], k):
        problem(p, f"{k} does not come from a Secret")
print("cronjob: ok" if not problems else "cronjob: FAILED")

# --- Indexed Job (map) and reduce Job.
n = len(problems)
p = os.path.join(root, "deploy", "pgoctl-refresh-sharded.yaml")
docs = list(yaml.safe_load_all(open(p)))
jobs = {d["metadata"]["name"]: d for d in docs}
m, r = jobs.get("pgoctl-refresh-map"), jobs.get("pgoctl-refresh-reduce")
if not m or not r:
    problem(p, "no map or reduce Job")
else:
    ms = m["spec"]
    if ms.get("completionMode") != "Indexed":
        problem(p, "the map Job is not Indexed")
    (mc,) = ms["template"]["spec"]["containers"]
    margs = container_args(mc)
    seen = check_refresh_args(p + " (map)", margs)
    shard = margs[margs.index("--shard") + 1] if "--shard" in margs else ""
    if shard != f"$(JOB_COMPLETION_INDEX)/{ms['completions']}":
        problem(p, f"--shard {shard!r} is not $(JOB_COMPLETION_INDEX)/<completions>")
    if not {"--partial", "--run"} <= seen:
        problem(p, "the map has no --partial --run")
    (rc,) = r["spec"]["template"]["spec"]["containers"]
    rargs = container_args(rc)
    rseen = check_refresh_args(p + " (reduce)", rargs)
    if not {"--reduce", "--run"} <= rseen or "--shard" in rseen:
        problem(p, "the reduce has no --reduce --run (or has --shard)")
    # The reduce takes the period and the weights from the partials.
    for f in ("--since", "--now", "--half-life", "--host-weight"):
        if f in rseen:
            problem(p, f"the reduce gives {f} (it comes from the partials)")
    run = lambda a: a[a.index("--run") + 1] if "--run" in a else None
    if run(margs) != run(rargs):
        problem(p, "map and reduce name different runs")
    envs = lambda c: {e["name"]: e.get("value") for e in c["env"]}
    if envs(mc).get("RUN_ID") != envs(rc).get("RUN_ID"):
        problem(p, "map and reduce have different RUN_IDs")
    for c in (mc, rc):
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            if not env_is_secret(c["env"], k):
                problem(p, f"{c['name']}: {k} does not come from a Secret")
print("sharded: ok" if len(problems) == n else "sharded: FAILED")

# --- GitHub Actions workflow.
n = len(problems)
p = os.path.join(root, "ci", "github-refresh.yml")
wf = yaml.safe_load(open(p))
on = wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as true
crons = [s["cron"] for s in on.get("schedule", [])]
if not crons or not all(weekly_cron(c) for c in crons):
    problem(p, f"schedule {crons} is not weekly")
steps = [s for j in wf["jobs"].values() for s in j["steps"]]
run = "\n".join(s.get("run", "") for s in steps)
shell_refresh(run, p)
if "gh pr create" not in run or "--body-file change-note.md" not in run:
    problem(p, "no `gh pr create --body-file` of the change note")
pr = [s for s in steps if "gh pr create" in s.get("run", "")]
if not pr or pr[0].get("if") != "steps.refresh.outputs.rc == '0'":
    problem(p, "the pull request is not opened on exit 0 only")
if not re.search(r"2\) echo[^\n]*\n", run) or re.search(r"2\)[^\n]*exit 1", run):
    problem(p, "exit 2 is not a success")
if not re.search(r"3\)(.|\n)*?::error(.|\n)*?exit 1", run):
    problem(p, "exit 3 does not fail the job with an error line")
print("workflow: ok" if len(problems) == n else "workflow: FAILED")

# --- systemd units.
n = len(problems)
p = os.path.join(root, "deploy", "pgoctl-refresh.service")
cp = configparser.ConfigParser(strict=False, interpolation=None)
cp.optionxform = str
cp.read(p)
svc = cp["Service"]
shell_refresh("pgoctl " + svc["ExecStart"].split("pgoctl", 1)[1], p)
if svc.get("Type") != "oneshot" or "2" not in svc.get("SuccessExitStatus", "").split():
    problem(p, "not a oneshot with SuccessExitStatus=2")
t = os.path.join(root, "deploy", "pgoctl-refresh.timer")
tp = configparser.ConfigParser(strict=False, interpolation=None)
tp.optionxform = str
tp.read(t)
tm = tp["Timer"]
if tm.get("Persistent") != "true" or not tm.get("RandomizedDelaySec"):
    problem(t, "no Persistent=true and RandomizedDelaySec")
print("systemd: ok" if len(problems) == n else "systemd: FAILED")

if problems:
    sys.exit("\n".join(problems))
