/*
 * A paced producer for bench/noloss.ts: runs a pinned program with BPF_PROG_TEST_RUN at RATE
 * runs per second for SECONDS, on a 1 ms clock (each tick runs what the schedule asks for so far,
 * so a late tick catches up), and prints `RUNS SECONDS` on stdout.
 *
 *   gcc -O2 -o paced-producer bench/c/paced-producer.c -lbpf
 *   paced-producer PROG_PIN PACKET_FILE RATE SECONDS
 */
#include <bpf/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s PROG_PIN PACKET_FILE RATE SECONDS\n", argv[0]);
		return 2;
	}
	int fd = bpf_obj_get(argv[1]);
	if (fd < 0) {
		perror("bpf_obj_get");
		return 1;
	}
	char pkt[256];
	FILE *f = fopen(argv[2], "rb");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	size_t len = fread(pkt, 1, sizeof pkt, f);
	fclose(f);
	double rate = atof(argv[3]), seconds = atof(argv[4]);
	unsigned long long total = (unsigned long long)(rate * seconds), runs = 0;
	struct timespec tick;
	clock_gettime(CLOCK_MONOTONIC, &tick);
	double t0 = mono();
	while (runs < total) {
		unsigned long long due = (unsigned long long)((mono() - t0) * rate) + 1;
		if (due > total)
			due = total;
		if (due > runs) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len, .repeat = due - runs);
			if (bpf_prog_test_run_opts(fd, &o)) {
				perror("bpf_prog_test_run_opts");
				return 1;
			}
			runs = due;
		}
		tick.tv_nsec += 1000000;
		if (tick.tv_nsec >= 1000000000) {
			tick.tv_nsec -= 1000000000;
			tick.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL);
	}
	printf("%llu %.3f\n", runs, mono() - t0);
	return 0;
}
