#!/usr/bin/env bash
# bench/store.sh: the profile store on a loopback S3 server (npm s3rver).
#  1. push and pull of the same objects: pgoctl (push, then pull's download
#     side via `store get` of each) against `aws s3 cp --recursive`;
#  2. pull + merge of N windows of about 1 MB: wall time and peak RSS for
#     several N, to show memory flat in the number of windows.
# usage: bench/store.sh BUILD_DIR [N_MAX=1000] [SAMPLES_PER_WINDOW=500000]
# Results and the machine they ran on: bench/store.md.
set -euo pipefail
BUILD=$(cd "$1" && pwd)
NMAX=${2:-1000}
SAMPLES=${3:-500000}
PGOCTL="$BUILD/cli/pgoctl"
HERE=$(cd "$(dirname "$0")" && pwd)
NPM_PREFIX="${PGOCTL_NPM_PREFIX:-$HOME/.cache/pgoctl-npm}"
WORK=$(mktemp -d /tmp/pgoctl-bench-store.XXXXXX)
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/s3"
"$NPM_PREFIX/node_modules/.bin/s3rver" -d "$WORK/s3" --address 127.0.0.1 --port "$PORT" --silent &
S3PID=$!
cleanup() { # keeps the script's own exit status (not s3rver's SIGTERM)
  local rc=$?
  kill "$S3PID" 2>/dev/null || true
  wait "$S3PID" 2>/dev/null || true
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT"
AWS=(/usr/bin/python3 -m awscli --endpoint-url "$AWS_ENDPOINT_URL")
for _ in $(seq 100); do "${AWS[@]}" s3 ls >/dev/null 2>&1 && break; sleep 0.1; done
"${AWS[@]}" s3 mb s3://bench >/dev/null

# 10 distinct windows, copied to NMAX files with distinct mtimes (a window's
# start, so distinct keys).
/usr/bin/python3 "$HERE/make_windows.py" "$WORK/distinct" 10 "$SAMPLES"
mkdir -p "$WORK/win"
for i in $(seq 0 $((NMAX - 1))); do
  f="$WORK/win/w$(printf %05d "$i").pgoprof"
  cp "$WORK/distinct/w$(printf %05d $((i % 10))).pgoprof" "$f"
  touch -d "@$((1764892800 + i))" "$f"
done
BYTES=$(du -sb "$WORK/win" | cut -f1)
echo "windows: $NMAX, $((BYTES / NMAX)) bytes each on average"

rss() { # rss LABEL CMD...: wall seconds and peak RSS (GNU time)
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
  read -r secs kb < "$WORK/time"
  printf '%-44s %8.2f s  %8d KiB peak RSS\n' "$label" "$secs" "$kb"
}

N1=$(( NMAX < 100 ? NMAX : 100 ))
mkdir -p "$WORK/first"
cp -p $(ls "$WORK"/win/*.pgoprof | head -n "$N1") "$WORK/first/"
rss "pgoctl push ($N1 objects)" "$PGOCTL" push "$WORK"/first/*.pgoprof --store s3://bench/p --service bench --host h
rss "aws s3 cp --recursive up ($N1 objects)" "${AWS[@]}" s3 cp --recursive --quiet "$WORK/first" s3://bench/a/
"$PGOCTL" ls --store s3://bench/p --service bench --json > "$WORK/ls.json"
mkdir -p "$WORK/down"
rss "pgoctl store get x$N1 (one process each)" bash -c "
  /usr/bin/python3 -c 'import json,sys; [print(r[\"key\"]) for r in json.load(open(sys.argv[1]))[\"raw\"]]' '$WORK/ls.json' |
  while read -r k; do '$PGOCTL' store get \"s3://bench/p/\$k\" -o '$WORK/down/'\$(basename \"\$k\") 2>/dev/null; done"
rss "aws s3 cp --recursive down ($N1 objects)" "${AWS[@]}" s3 cp --recursive --quiet s3://bench/a/ "$WORK/down2/"
rss "pgoctl pull (download + merge, $N1 windows)" "$PGOCTL" pull --store s3://bench/p --service bench -o "$WORK/pulled.pgoprof"

# pull + merge: N windows for growing N, each in a store of its own.
for n in 10 100 300 $NMAX; do
  [ "$n" -le "$NMAX" ] || continue
  "$PGOCTL" push $(ls "$WORK"/win/*.pgoprof | head -n "$n") --store "s3://bench/n$n" --service bench --host h >/dev/null
  rss "pgoctl pull + merge, $n windows" "$PGOCTL" pull --store "s3://bench/n$n" --service bench -o "$WORK/m$n.pgoprof"
  rm -rf "$WORK/s3/bench/n$n" 2>/dev/null || true
done
