# shellcheck shell=bash disable=SC2034  # sourced by loop.sh, which reads the PROJECT_* variables
# brotli/project.sh: loop.sh's settings for brotli (sourced by loop.sh; the
# interface is described there). Training input: brotli's c/ (the library
# and program sources, a tar); evaluation input: its other files (docs,
# python, tests, debian, scripts, ...), so no file is in both. Benchmarks,
# three different hot paths: compress at quality 1 (compress_fragment: one
# pass, no entropy modelling), at quality 11 (Zopfli-style backward
# references and block splitting: small input, callgrind stays affordable),
# and decompress (a quality 5 stream: context modelling in the decoder).
PROJECT_PACKAGE=brotli
PROJECT_PROGRAM=brotli/brotli
PROJECT_TRAIN_TARGET=brotli-train
PROJECT_TRAIN_DIRS=(brotli-train brotlicommon-static-train brotlidec-static-train brotlienc-static-train)
PROJECT_TRAIN_RUNS=40
PROJECT_BENCHES=(compress-q1 compress-q11 decompress)

project_cmake_args() {  # SRC SAMPLE INSTR -> cmake_args
  cmake_args=(-DBROTLI_SRC="$1" -DBROTLI_SAMPLE_PROFILE="$2" -DBROTLI_INSTR_PROFILE="$3")
}

project_inputs() {  # SRC INPUTS
  tar -C "$1" -cf "$2/train.tar" --sort=name --mtime=@0 --owner=0 --group=0 c
  tar -C "$1" -cf "$2/eval.tar" --sort=name --mtime=@0 --owner=0 --group=0 \
    --exclude=./c --exclude=./.fetched .
  # Quality 11 is ~100x slower than quality 1: its inputs are 64 KiB.
  head -c 65536 "$2/train.tar" >"$2/train-small"
  head -c 65536 "$2/eval.tar" >"$2/eval-small"
}

project_prepare() {  # PROGRAM INPUTS: inputs made by the plain build
  "$1" -q 5 -f "$2/eval.tar" -o "$2/eval.br"
}

project_train() {  # PROGRAM INPUTS TMP RUNS
  bash "$PROJECT_DIR/train.sh" "$1" "$2/train.tar" "$2/train-small" "$3" "$4"
}

# One pass of train.sh, each command through RUN (loop.sh's step 4d:
# under callgrind). Not under lbr-emu (PROJECT_PTRACE_OK unset): quality 11
# alone runs 787 M instructions, an hour under ptrace.
PROJECT_INS_PERIOD=4999
project_train_pass() {  # PROGRAM INPUTS TMP RUN
  "$4" "$1" -q 1 -f "$2/train.tar" -o "$3.q1.br"
  "$4" "$1" -q 11 -f "$2/train-small" -o "$3.q11.br"
  "$4" "$1" -q 5 -f "$2/train.tar" -o "$3.q5.br"
  "$4" "$1" -d -f "$3.q5.br" -o "$3.out"
  cmp "$2/train.tar" "$3.out"
}

project_bench() {  # NAME PROGRAM INPUTS OUT -> cmd, expect ("" = the plain build's OUT)
  case $1 in
    compress-q1) cmd=("$2" -q 1 -f "$3/eval.tar" -o "$4") expect="" ;;
    compress-q11) cmd=("$2" -q 11 -f "$3/eval-small" -o "$4") expect="" ;;
    decompress) cmd=("$2" -d -f "$3/eval.br" -o "$4") expect=$3/eval.tar ;;
  esac
}

# Wall time in process: brotli 1.0.9's program has no benchmark mode, so
# the wrapper builds brotli-speed (speed.c) beside it from the same static
# libraries; loop.sh runs it for each build but the BOLTed one (BOLT
# rewrites the program only).
PROJECT_SPEED_PROGRAM=brotli-speed
project_speed() {  # SPEED_PROGRAM INPUTS -> "BENCHMARK MB/s" lines
  "$1" "$2/eval.tar" "$2/eval-small"
}

