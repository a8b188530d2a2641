// C baseline for bench/syscall.ts: single-element lookups and updates on a hash map via bpf().
// Usage: lookup ITERATIONS   prints "lookup_ns=<ns per op> update_ns=<ns per op>".
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

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.map_type = BPF_MAP_TYPE_HASH;
  a.key_size = 4;
  a.value_size = 8;
  a.max_entries = 1024;
  int fd = sys_bpf(BPF_MAP_CREATE, &a, sizeof(a));
  if (fd < 0) { perror("map create"); return 1; }
  uint32_t key = 7;
  uint64_t value = 42, out = 0;

  double t0 = now_ns();
  for (long i = 0; i < n; i++) {
    memset(&a, 0, sizeof(a));
    a.map_fd = fd; a.key = (uintptr_t)&key; a.value = (uintptr_t)&value; a.flags = BPF_ANY;
    if (sys_bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a)) < 0) { perror("update"); return 1; }
  }
  double t1 = now_ns();
  for (long i = 0; i < n; i++) {
    memset(&a, 0, sizeof(a));
    a.map_fd = fd; a.key = (uintptr_t)&key; a.value = (uintptr_t)&out;
    if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)) < 0) { perror("lookup"); return 1; }
  }
  double t2 = now_ns();
  if (out != 42) { fprintf(stderr, "bad value\n"); return 1; }
  printf("lookup_ns=%.1f update_ns=%.1f\n", (t2 - t1) / n, (t1 - t0) / n);
  close(fd);
  return 0;
}
