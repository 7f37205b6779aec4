#!/usr/bin/env bash
# refresh-e2e.sh: the weekly profile refresh end to end on examples/kvsvc
# (issue 21), in a temporary folder:
#  1. npm s3rver on a free loopback port (the store: s3://pgo/team);
#  2. the service repo: a git repo with a copy of examples/kvsvc (its
#     CMakeLists uses include(ProfileGuided); the locks are given at configure
#     time as its CI would: -DKVSVC_SAMPLE_PROFILE=kvsvc.pgolock);
#  3. build 1 (release 1, no profile yet) and three simulated hosts: three
#     concurrent `pgoctl collect -- kvsvc` runs (cpu-clock IP samples with
#     frame-pointer chains, --label host=hostN, each its own load seed), whose
#     windows are pushed to the store dated 5 days ago;
#  4. the week-1 profile: pull, publish (channel stable), `pgoctl lock
#     --store` -> kvsvc.pgolock, committed;
#  5. a real source change (examples/kvsvc/patches/v2-len-route.patch: a new
#     route and a changed hot function), committed; build 2 with the locked
#     profile, fetched from S3 by pgo_target (`pgoctl store get`); three hosts
#     again, windows dated 1 day ago;
#  6. `pgoctl refresh --store s3://... --service kvsvc --lock kvsvc.pgolock
#     --binary build1/kvsvc --binary build2/kvsvc --to profdata,yaml`: exit 0,
#     the lock changed on a new git branch, the working tree untouched;
#  7. build 3: the current source configured with the locks of that branch:
#     both profiles fetched from S3, MODE SAMPLE and MODE BOLT (stale-matched
#     YAML, -infer-stale-profile), same responses as build 2;
#  8. `pgoctl verify` on build 2 (before) and build 3 (after), recorded side
#     by side with `pgoctl collect`: prints its verdict.
# Stops at step 6 with a message (exit 3) when this pgoctl has no `refresh`.
# Env: PGOCTL_BUILD_DIR (a configured and built pgoctl tree, default ./build;
# its pgoctlConfig.cmake is find_package(pgoctl)'s) or PGOCTL (its
# cli/pgoctl), RE2E_WORK (default: a
# new temporary folder, removed at the end unless RE2E_KEEP=1), RE2E_FREQ
# (collect's --freq, default 10000), RE2E_REQUESTS/RE2E_ROUNDS (one host's
# load, default 100000 x 6), RE2E_JOBS (kvsvc build jobs, default 2).
# Needs: clang++-22, llvm-bolt, git, npm s3rver (scripts/setup-deps.sh),
# perf_event_open (root or CAP_PERFMON).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
if [ -n "${PGOCTL:-}" ]; then  # <build>/cli/pgoctl
  build=$(cd "$(dirname "$PGOCTL")/.." && pwd)
else
  build=$(cd "${PGOCTL_BUILD_DIR:-$root/build}" && pwd)
fi
pgoctl=$build/cli/pgoctl
freq=${RE2E_FREQ:-10000}
requests=${RE2E_REQUESTS:-100000}
rounds=${RE2E_ROUNDS:-6}
jobs=${RE2E_JOBS:-2}
npm_prefix=${PGOCTL_NPM_PREFIX:-$HOME/.cache/pgoctl-npm}
s3rver=$npm_prefix/node_modules/.bin/s3rver
patch=$root/examples/kvsvc/patches/v2-len-route.patch

die() { echo "refresh-e2e: FAIL: $*" >&2; exit 1; }
[ -x "$pgoctl" ] || die "no pgoctl at $pgoctl (build it: cmake --build $build --target pgoctl)"
[ -f "$build/pgoctlConfig.cmake" ] || die "$build has no pgoctlConfig.cmake (configure pgoctl there)"
[ -x "$s3rver" ] || die "npm s3rver is not installed under $npm_prefix (bash scripts/setup-deps.sh)"
command -v clang++-22 >/dev/null || die "clang++-22 is not installed"
[ -x /usr/lib/llvm-22/bin/llvm-bolt ] || die "llvm-bolt (/usr/lib/llvm-22/bin) is not installed"

if [ -n "${RE2E_WORK:-}" ]; then
  work=$RE2E_WORK
  rm -rf "$work"
  mkdir -p "$work"
else
  work=$(mktemp -d /tmp/pgoctl-refresh-e2e.XXXXXX)
fi
work=$(cd "$work" && pwd)
log=$work/log.txt
: >"$log"

# --- 1. s3rver --------------------------------------------------------------
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/s3"
"$s3rver" -d "$work/s3" --address 127.0.0.1 --port "$port" --silent --configure-bucket pgo \
  >>"$log" 2>&1 &
s3pid=$!
cleanup() {  # keeps the script's exit status
  local rc=$?
  kill "$s3pid" 2>/dev/null || true
  wait "$s3pid" 2>/dev/null || true
  if [ "${RE2E_KEEP:-0}" != 1 ] && [ -z "${RE2E_WORK:-}" ]; then rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
# Credentials: s3rver takes any; set here, never printed.
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
for _ in $(seq 300); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$s3pid" 2>/dev/null || die "s3rver exited (see $log)"
  sleep 0.1
done
store=s3://pgo/team
echo "== 1. s3rver on a free loopback port: store $store"

# --- 2. the service repo ------------------------------------------------------
repo=$work/kvsvc-repo
mkdir -p "$repo"
cp -r "$root/examples/kvsvc/src" "$root/examples/kvsvc/CMakeLists.txt" "$repo/"
# The CI's identity, for these commits and the refresh's (git run by pgoctl).
export GIT_AUTHOR_NAME=kvsvc-ci GIT_AUTHOR_EMAIL=ci@kvsvc.invalid
export GIT_COMMITTER_NAME=kvsvc-ci GIT_COMMITTER_EMAIL=ci@kvsvc.invalid
git() { command git -c init.defaultBranch=main -c commit.gpgsign=false "$@"; }
git -C "$repo" init -q
git -C "$repo" add -A
git -C "$repo" commit -q -m "kvsvc release 1"
echo "== 2. service repo: kvsvc release 1 ($(git -C "$repo" rev-parse --short HEAD))"

kvsvc_build() {  # <src> <build dir> <sample lock or ""> <bolt lock or "">
  cmake -S "$1" -B "$2" -G Ninja -DCMAKE_CXX_COMPILER=clang++-22 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -Dpgoctl_DIR="$build" -DPGO_PGOCTL="$pgoctl" -DKVSVC_SAMPLE_PROFILE="$3" -DKVSVC_BOLT_PROFILE="$4" \
    -DKVSVC_INSTR_PROFILE= >"$2.configure.log" 2>&1 || { cat "$2.configure.log"; die "configure of $2"; }
  sed -n '/pgo_target summary/,/^-- Configuring/p' "$2.configure.log" | grep -v Configuring | sed 's/^/   /'
  cmake --build "$2" --target kvsvc -j "$jobs" >"$2.build.log" 2>&1 ||
    { tail -40 "$2.build.log"; die "build of $2"; }
}

# hosts <build number> <binary> <days ago>: three hosts run <binary> under
# pgoctl collect at once; their windows are pushed with starts <days ago>.
hosts() {
  local b=$1 bin=$2 days=$3 pids=() h
  for h in 1 2 3; do
    mkdir -p "$work/spool/b$b/host$h"
    "$pgoctl" collect --event cpu-clock --freq "$freq" --window 1 --service kvsvc \
      --label "host=host$h" --label "release=$b" --spool "$work/spool/b$b/host$h" -- \
      "$bin" --requests "$requests" --rounds "$rounds" --seed "$h" \
      >"$work/collect.b$b.host$h.log" 2>&1 &
    pids+=($!)
  done
  for h in 1 2 3; do
    wait "${pids[$((h - 1))]}" || die "pgoctl collect of host$h (build $b) failed: $work/collect.b$b.host$h.log"
  done
  local now base i f n
  now=$(date -u +%s)
  base=$((now - days * 86400))
  for h in 1 2 3; do
    i=0
    for f in "$work/spool/b$b/host$h"/*.pgoprof; do
      [ -e "$f" ] || die "host$h (build $b) wrote no window"
      # A window every 5 minutes from <days ago>; hosts a minute apart.
      touch -d "@$((base + h * 60 + i * 300))" "$f"
      i=$((i + 1))
    done
    "$pgoctl" push "$work/spool/b$b/host$h"/*.pgoprof --store "$store" --service kvsvc --host "host$h" \
      >"$work/push.b$b.host$h.txt" 2>>"$log" || die "push of host$h (build $b)"
    n=$(grep -c '^raw/kvsvc/' "$work/push.b$b.host$h.txt" || true)
    [ "$n" = "$i" ] || die "host$h (build $b): pushed $n of $i windows"
    echo "   host$h: $i windows pushed"
  done
}

# --- 3. build 1 and its three hosts -----------------------------------------
echo "== 3. build 1 (no profile yet); three hosts run it under pgoctl collect, push to $store"
kvsvc_build "$repo" "$work/build1" "" ""
hosts 1 "$work/build1/kvsvc" 5

# --- 4. the week-1 profile, pinned -------------------------------------------
echo "== 4. week-1 profile: pull, publish (channel stable), lock --store, commit"
"$pgoctl" -q pull --store "$store" --service kvsvc -o "$work/week1.pgoprof" 2>>"$log" || die "pull"
"$pgoctl" -q publish "$work/week1.pgoprof" --store "$store" --service kvsvc --channel stable \
  --to profdata --binary "$work/build1/kvsvc" >"$work/week1.version" 2>>"$log" || die "publish"
"$pgoctl" -q lock --store "$store" --service kvsvc --channel stable --kind profdata \
  -o "$repo/kvsvc.pgolock" >>"$log" 2>&1 || die "lock --store"
grep -q "^source *= *$store/profiles/kvsvc/" "$repo/kvsvc.pgolock" || die "the lock's source is not in $store"
git -C "$repo" add kvsvc.pgolock
git -C "$repo" commit -q -m "profile: pin the week-1 profile"
old_sha=$(sed -n 's/^sha256 *= *//p' "$repo/kvsvc.pgolock")
echo "   kvsvc.pgolock pins sha256 ${old_sha:0:12}"

# --- 5. the source change, build 2 and its three hosts --------------------------
echo "== 5. source change ($(basename "$patch")), build 2 with the locked profile from S3"
git -C "$repo" apply "$patch" || die "$patch does not apply"
git -C "$repo" commit -q -a -m "kvsvc release 2: GET /len/<key>, key check by table"
kvsvc_build "$repo" "$work/build2" kvsvc.pgolock ""
[ -f "$work/build2/pgo-profiles/$old_sha/fetched" ] || die "build 2 did not fetch the profile from S3"
grep -q -- "-fprofile-sample-use=" "$work/build2/compile_commands.json" || die "build 2 has no sample PGO"
echo "   three hosts run build 2"
hosts 2 "$work/build2/kvsvc" 1

# --- 6. refresh ----------------------------------------------------------------
echo "== 6. pgoctl refresh --store $store --service kvsvc --lock kvsvc.pgolock --to profdata,yaml"
if ! "$pgoctl" refresh --help 2>/dev/null | grep -- --lock >/dev/null; then
  echo "STOPPED before the refresh: this pgoctl ($pgoctl) has no 'refresh' command yet" \
    "(issue 21, branch rcore); steps 1-5 passed."
  exit 3
fi
branch=pgo/refresh-e2e
status_before=$(git -C "$repo" status --porcelain)
head_before=$(git -C "$repo" rev-parse HEAD)
lock_before=$(sha256sum "$repo/kvsvc.pgolock")
rc=0
(cd "$repo" && "$pgoctl" refresh --store "$store" --service kvsvc --lock kvsvc.pgolock \
  --binary "$work/build1/kvsvc" --binary "$work/build2/kvsvc" --to profdata,yaml \
  --git-branch "$branch" --change-note "$work/change-note.md") >"$work/refresh.out" 2>"$work/refresh.err" ||
  rc=$?
sed 's/^/   /' "$work/refresh.out" "$work/refresh.err"
[ "$rc" = 0 ] || die "pgoctl refresh exited $rc (0: updated)"
[ "$(git -C "$repo" rev-parse HEAD)" = "$head_before" ] || die "refresh moved HEAD"
[ "$(git -C "$repo" status --porcelain)" = "$status_before" ] || die "refresh changed the working tree"
[ "$(sha256sum "$repo/kvsvc.pgolock")" = "$lock_before" ] || die "refresh rewrote the checked-out lock"
git -C "$repo" rev-parse --verify -q "refs/heads/$branch" >/dev/null || die "no branch $branch"
echo "   git log $branch (not merged; HEAD and the working tree untouched):"
git -C "$repo" log --format='     %h %s' "HEAD..$branch"
[ "$(git -C "$repo" rev-list --count "HEAD..$branch")" -ge 1 ] || die "$branch has no new commit"
changed=$(git -C "$repo" diff --name-only HEAD "$branch")
echo "   files changed on $branch: $(echo $changed)"
echo "$changed" | grep -qx kvsvc.pgolock || die "$branch does not change kvsvc.pgolock"
new_lock=$(git -C "$repo" show "$branch:kvsvc.pgolock")
new_sha=$(echo "$new_lock" | sed -n 's/^sha256 *= *//p')
[ -n "$new_sha" ] && [ "$new_sha" != "$old_sha" ] || die "the new lock pins no new sha256"
echo "$new_lock" | grep -q "^previous_sha256 *= *$old_sha" || die "the new lock does not keep the previous sha256"
echo "   kvsvc.pgolock: sha256 ${old_sha:0:12} -> ${new_sha:0:12} (previous kept)"

# --- 7. build 3 from the branch: SAMPLE + BOLT, profiles from S3 ---------------------
echo "== 7. build 3: the current source with the locks of $branch (SAMPLE + BOLT)"
git -C "$repo" worktree add -q "$work/kvsvc-refresh" "$branch"
# The BOLT lock: a lock of kind yaml on the branch if the refresh wrote one;
# else (the refresh rewrites the SAMPLE lock only) the CI step pins the YAML
# form of the version the new lock names (its source with .yaml for
# .profdata), fetched from the store, in the branch's checkout.
bolt_lock=""
for f in "$work/kvsvc-refresh"/*.pgolock; do
  grep -q '^kind *= *yaml' "$f" && bolt_lock=$(basename "$f")
done
if [ -z "$bolt_lock" ]; then
  src=$(echo "$new_lock" | sed -n 's/^source *= *//p')
  yaml_url=${src%.profdata}.yaml
  "$pgoctl" -q store get "$yaml_url" -o "$work/kvsvc.yaml" >>"$log" 2>&1 ||
    die "the store has no YAML form $yaml_url (refresh --to yaml)"
  "$pgoctl" -q lock "$work/kvsvc.yaml" --kind yaml --source "$yaml_url" \
    --version "$(echo "$new_lock" | sed -n 's/^version *= *//p')" \
    -o "$work/kvsvc-refresh/kvsvc-bolt.pgolock" >>"$log" 2>&1 || die "lock of $yaml_url"
  bolt_lock=kvsvc-bolt.pgolock
  echo "   BOLT lock: the YAML form of the new version, pinned by sha256 ($bolt_lock)"
fi
bolt_sha=$(sed -n 's/^sha256 *= *//p' "$work/kvsvc-refresh/$bolt_lock")
kvsvc_build "$work/kvsvc-refresh" "$work/build3" kvsvc.pgolock "$bolt_lock"
for s in "$new_sha" "$bolt_sha"; do
  [ -f "$work/build3/pgo-profiles/$s/fetched" ] || die "build 3 did not fetch ${s:0:12} from S3"
done
grep -q -- "-fprofile-sample-use=" "$work/build3/compile_commands.json" || die "build 3 has no sample PGO"
grep -q -- "-infer-stale-profile" "$work/build3/build.ninja" || die "build 3's BOLT step has no -infer-stale-profile"
[ -x "$work/build3/kvsvc.bolt" ] || die "build 3 wrote no kvsvc.bolt"
/usr/lib/llvm-22/bin/llvm-readelf -S "$work/build3/kvsvc.bolt" | grep -q '\.note\.bolt_info' ||
  die "kvsvc.bolt was not written by BOLT"
sum2=$("$work/build2/kvsvc" --requests 20000 --rounds 2 | sed 's/.*checksum //')
sum3=$("$work/build3/kvsvc.bolt" --requests 20000 --rounds 2 | sed 's/.*checksum //')
[ "$sum2" = "$sum3" ] || die "build 3 (BOLTed) answers differently from build 2"
echo "   both profiles fetched from S3; -fprofile-sample-use, BOLT -infer-stale-profile; same responses"

# --- 8. verify ---------------------------------------------------------------------
echo "== 8. pgoctl verify: build 2 (before) against build 3 (after), recorded side by side"
work_n=$((requests * rounds))
pids=()
for side in before after; do
  bin=$work/build2/kvsvc
  [ "$side" = after ] && bin=$work/build3/kvsvc.bolt
  "$pgoctl" collect --event cpu-clock --freq "$freq" --service kvsvc --label "work=$work_n" \
    -o "$work/$side.pgoprof" -- "$bin" --requests "$requests" --rounds "$rounds" \
    >"$work/collect.$side.log" 2>&1 &
  pids+=($!)
done
wait "${pids[0]}" && wait "${pids[1]}" || die "collect of the verify pair failed"
rc=0
"$pgoctl" verify --before "$work/before.pgoprof" --after "$work/after.pgoprof" \
  --binary-before "$work/build2/kvsvc" --binary-after "$work/build3/kvsvc.bolt" --ignore '[kernel]' \
  --rows 5 >"$work/verify.txt" 2>>"$log" || rc=$?
sed 's/^/   /' "$work/verify.txt"
case $rc in
  0) verdict=PASS ;; 1) verdict=FAIL ;; 2) verdict=INCONCLUSIVE ;; *) die "pgoctl verify exited $rc" ;;
esac
echo "   verify verdict: $verdict (exit $rc)"
echo "== refresh-e2e: ok"
