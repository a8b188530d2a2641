/*
 * The C consumer bench/events.ts compares bpfmap with: libbpf's ring_buffer__poll on a pinned
 * BPF_MAP_TYPE_RINGBUF of the events fixture's struct event, each record written as the NDJSON line
 * `bpfmap events --json --type event` prints (same keys, same order, the receive time taken once per
 * poll and every 4096 records), through a 1 MiB buffer to stdout. Integers are formatted by hand, not with printf.
 *
 *   gcc -O2 -o ringbuf-ndjson bench/c/ringbuf-ndjson.c -lbpf
 *   ringbuf-ndjson PIN SECONDS > /dev/null
 *
 * Prints `RECORDS SECONDS CPU_SECONDS` on stderr (seconds from the first record to the end; CPU
 * seconds of the whole run, waiting costs none).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct event {
	uint64_t seq;
	uint32_t magic;
	uint32_t kind;
	uint8_t saddr[4];
	uint16_t proto; /* network order */
	uint16_t low;
	uint64_t pkt_len;
};

static char out[1 << 20];
static size_t pos;
static char now[24];
static unsigned long long records;
static double first, end;

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

static void flush(void)
{
	size_t off = 0;
	while (off < pos) {
		ssize_t n = write(1, out + off, pos - off);
		if (n <= 0) exit(1);
		off += n;
	}
	pos = 0;
}

static void put(const char *s, size_t n)
{
	memcpy(out + pos, s, n);
	pos += n;
}

#define PUT(s) put(s, sizeof(s) - 1)

static void put_u64(uint64_t v)
{
	char d[20];
	int i = 20;
	do {
		d[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	put(d + i, 20 - i);
}

static void set_now(void)
{
	struct timespec t;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &t);
	gmtime_r(&t.tv_sec, &tm);
	char b[96];
	snprintf(b, sizeof b, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, t.tv_nsec / 1000000);
	memcpy(now, b, 24);
}

static int on_record(void *ctx, void *data, size_t len)
{
	const struct event *e = data;
	(void)ctx;
	if (records++ == 0)
		first = mono();
	/* ring_buffer__poll returns only once the ring is empty: with a producer faster than this
	 * consumer that is never, so the time (and the end) are looked at every 4096 records, and
	 * an error return stops the poll. */
	if ((records & 4095) == 0) {
		set_now();
		if (mono() >= end)
			return -1;
	}
	if (pos > sizeof(out) - 4096)
		flush();
	PUT("{\"map\":\"rb_events\",\"time\":\"");
	put(now, 24);
	PUT("\",\"size\":");
	put_u64(len);
	PUT(",\"value\":");
	if (len < sizeof(*e)) {
		PUT("null}\n");
		return 0;
	}
	PUT("{\"seq\":");
	put_u64(e->seq);
	PUT(",\"magic\":");
	put_u64(e->magic);
	PUT(",\"kind\":");
	if (e->kind == 1)
		PUT("\"EVENT_RINGBUF\"");
	else if (e->kind == 2)
		PUT("\"EVENT_PERF\"");
	else
		put_u64(e->kind);
	PUT(",\"saddr\":[");
	for (int i = 0; i < 4; i++) {
		if (i)
			PUT(",");
		put_u64(e->saddr[i]);
	}
	PUT("],\"proto\":");
	put_u64(ntohs(e->proto));
	PUT(",\"low\":");
	put_u64(e->low);
	PUT(",\"pkt_len\":");
	put_u64(e->pkt_len);
	PUT("}}\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s PIN SECONDS\n", argv[0]);
		return 2;
	}
	int fd = bpf_obj_get(argv[1]);
	if (fd < 0) {
		perror("bpf_obj_get");
		return 1;
	}
	struct ring_buffer *rb = ring_buffer__new(fd, on_record, NULL, NULL);
	if (!rb) {
		perror("ring_buffer__new");
		return 1;
	}
	end = mono() + atof(argv[2]);
	double c0 = cpu();
	while (mono() < end) {
		set_now();
		int n = ring_buffer__poll(rb, 100);
		if (n < 0)
			break;
	}
	flush();
	double s = mono() - first;
	fprintf(stderr, "%llu %.3f %.3f\n", records, records ? s : 0.0, records ? cpu() - c0 : 0.0);
	ring_buffer__free(rb);
	return 0;
}
