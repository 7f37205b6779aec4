# shellcheck shell=bash disable=SC2034  # sourced by loop.sh, which reads the PROJECT_* variables
# lz4/project.sh: loop.sh's settings for lz4 (sourced by loop.sh; the
# interface is described there). Training input: lz4's lib/ and programs/
# (a tar); evaluation input: its other files (doc, tests, examples, debian,
# ...), so no file is in both. Benchmarks: compress at level 1, decompress.
PROJECT_PACKAGE=lz4
PROJECT_PROGRAM=lz4/lz4
PROJECT_TRAIN_TARGET=lz4-train
PROJECT_TRAIN_DIRS=(lz4-train lz4_static-train)
PROJECT_TRAIN_RUNS=200
PROJECT_BENCHES=(compress decompress)

project_cmake_args() {  # SRC SAMPLE INSTR -> cmake_args
  cmake_args=(-DLZ4_SRC="$1" -DLZ4_SAMPLE_PROFILE="$2" -DLZ4_INSTR_PROFILE="$3")
}

project_inputs() {  # SRC INPUTS
  tar -C "$1" -cf "$2/train.tar" --sort=name --mtime=@0 --owner=0 --group=0 lib programs
  tar -C "$1" -cf "$2/eval.tar" --sort=name --mtime=@0 --owner=0 --group=0 \
    --exclude=./lib --exclude=./programs --exclude=./.fetched .
}

project_prepare() {  # PROGRAM INPUTS: inputs made by the plain build
  "$1" -1 -f -q "$2/eval.tar" "$2/eval.lz4"
}

project_train() {  # PROGRAM INPUTS TMP RUNS
  bash "$PROJECT_DIR/train.sh" "$1" "$2/train.tar" "$3" "$4"
}

project_bench() {  # NAME PROGRAM INPUTS OUT -> cmd, expect ("" = the plain build's OUT)
  case $1 in
    compress) cmd=("$2" -1 -f -q "$3/eval.tar" "$4") expect="" ;;
    decompress) cmd=("$2" -d -f -q "$3/eval.lz4" "$4") expect=$3/eval.tar ;;
  esac
}

# One pass under lbr-emu takes about a minute.
PROJECT_PTRACE_OK=1
PROJECT_INS_PERIOD=241
project_train_pass() {  # PROGRAM INPUTS TMP RUN: one pass of train.sh, each command through RUN
  "$4" "$1" -1 -f -q "$2/train.tar" "$3.lz4"
  "$4" "$1" -d -f -q "$3.lz4" "$3.out"
}

# Wall time, in process: lz4's own benchmark mode (-b1: level 1, each
# iteration compresses and decompresses the evaluation input in memory, -i3
# iterations, the best kept) prints MB/s; no process start or file I/O in
# the figure (a CLI run of decompress is ~0.2 ms of work in ~2 ms).
project_speed() {  # PROGRAM INPUTS -> "compress MB/s" and "decompress MB/s" lines
  "$1" -b1 -i3 "$2/eval.tar" 2>&1 | tr '\r' '\n' |
    sed -n 's/.*, *\([0-9.]*\) MB\/s ,\([0-9.]*\) MB\/s.*/compress \1\ndecompress \2/p' | tail -2
}

