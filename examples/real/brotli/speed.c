/* brotli-speed: the in-process benchmark brotli 1.0.9's program does not
 * have (loop.sh's project_speed). It links the same static libraries as the
 * brotli program of its build, so it runs the build's (PGO) library code
 * without process starts or file I/O in the figure.
 *
 * Usage: brotli-speed EVAL EVAL_SMALL
 * Prints "compress-q1 MB/s", "compress-q11 MB/s" (on EVAL_SMALL) and
 * "decompress MB/s" (of EVAL compressed at quality 5), each in MB of
 * uncompressed data per second: the best of 3 passes, a pass repeating the
 * operation for at least 0.2 s. Exits 1 when a round trip does not give
 * EVAL back. */
#include <brotli/decode.h>
#include <brotli/encode.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static unsigned char *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
  if (!buf || n < 0 || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "%s: cannot read\n", path);
    exit(2);
  }
  fclose(f);
  *size = (size_t)n;
  return buf;
}

/* Compresses in (n bytes) at quality q into out (capacity *out_n). */
static void compress(int q, const unsigned char *in, size_t n, unsigned char *out, size_t *out_n) {
  if (!BrotliEncoderCompress(q, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, n, in, out_n, out)) {
    fprintf(stderr, "brotli-speed: compression failed\n");
    exit(1);
  }
}

/* MB of `bytes` per second of op(arg): the best of 3 passes of >= 0.2 s. */
static double speed(void (*op)(void *), void *arg, size_t bytes) {
  double best = 0;
  for (int pass = 0; pass < 3; ++pass) {
    double t0 = now(), t;
    size_t reps = 0;
    do {
      op(arg);
      ++reps;
      t = now() - t0;
    } while (t < 0.2);
    double mbs = (double)bytes * (double)reps / t / 1e6;
    if (mbs > best)
      best = mbs;
  }
  return best;
}

struct job {
  int quality;
  const unsigned char *in;
  size_t in_n;
  unsigned char *out;
  size_t out_cap, out_n;
};

static void run_compress(void *p) {
  struct job *j = p;
  j->out_n = j->out_cap;
  compress(j->quality, j->in, j->in_n, j->out, &j->out_n);
}

static void run_decompress(void *p) {
  struct job *j = p;
  j->out_n = j->out_cap;
  if (BrotliDecoderDecompress(j->in_n, j->in, &j->out_n, j->out) != BROTLI_DECODER_RESULT_SUCCESS) {
    fprintf(stderr, "brotli-speed: decompression failed\n");
    exit(1);
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: brotli-speed EVAL EVAL_SMALL\n");
    return 2;
  }
  size_t n, small_n;
  unsigned char *eval = read_file(argv[1], &n);
  unsigned char *small = read_file(argv[2], &small_n);
  size_t cap = BrotliEncoderMaxCompressedSize(n > small_n ? n : small_n);
  unsigned char *out = malloc(cap), *back = malloc(n ? n : 1);
  if (!cap || !out || !back) {
    fprintf(stderr, "brotli-speed: out of memory\n");
    return 2;
  }

  struct job q1 = {1, eval, n, out, cap, 0};
  printf("compress-q1 %.3f\n", speed(run_compress, &q1, n));
  struct job q11 = {11, small, small_n, out, cap, 0};
  printf("compress-q11 %.3f\n", speed(run_compress, &q11, small_n));

  struct job q5 = {5, eval, n, out, cap, 0};
  run_compress(&q5);
  struct job dec = {0, out, q5.out_n, back, n, 0};
  run_decompress(&dec);
  if (dec.out_n != n || memcmp(back, eval, n) != 0) {
    fprintf(stderr, "brotli-speed: the round trip does not give %s back\n", argv[1]);
    return 1;
  }
  printf("decompress %.3f\n", speed(run_decompress, &dec, n));
  return 0;
}
