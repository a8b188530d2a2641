// C baseline for bench/apply.ts: pre-encoded entries written to a pinned map with MAP_UPDATE_BATCH.
// Usage: batch-update PIN FILE KEY_SIZE VALUE_SIZE [CHUNK]
// FILE holds N keys (N * KEY_SIZE bytes) followed by N values (N * VALUE_SIZE bytes).
// Prints "entries=<n> update_s=<seconds in the syscalls loop> ns_per_entry=<ns>".
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long sys_bpf(int cmd, union bpf_attr *attr, unsigned int size) {
  return syscall(__NR_bpf, cmd, attr, size);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 5) { fprintf(stderr, "usage: batch-update PIN FILE KEY_SIZE VALUE_SIZE [CHUNK]\n"); return 2; }
  long ks = atol(argv[3]), vs = atol(argv[4]);
  long chunk = argc > 5 ? atol(argv[5]) : 16384;
  FILE *f = fopen(argv[2], "rb");
  if (!f) { perror("open input"); return 1; }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  long n = size / (ks + vs);
  uint8_t *buf = malloc(size);
  if (!buf || fread(buf, 1, size, f) != (size_t)size) { perror("read input"); return 1; }
  fclose(f);
  uint8_t *keys = buf, *values = buf + n * ks;

  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.pathname = (uintptr_t)argv[1];
  int fd = sys_bpf(BPF_OBJ_GET, &a, sizeof(a));
  if (fd < 0) { perror("obj get"); return 1; }

  double t0 = now_s();
  for (long at = 0; at < n; at += chunk) {
    long c = n - at < chunk ? n - at : chunk;
    memset(&a, 0, sizeof(a));
    a.batch.keys = (uintptr_t)(keys + at * ks);
    a.batch.values = (uintptr_t)(values + at * vs);
    a.batch.count = c;
    a.batch.map_fd = fd;
    if (sys_bpf(BPF_MAP_UPDATE_BATCH, &a, sizeof(a.batch)) < 0) { perror("update batch"); return 1; }
  }
  double t = now_s() - t0;
  printf("entries=%ld update_s=%.3f ns_per_entry=%.0f\n", n, t, t * 1e9 / n);
  return 0;
}
