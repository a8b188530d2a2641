// libbpf's view of an object's map definitions, without loading anything: bpf_object__open_file,
// then one JSON line per map (name, type, key_size, value_size, max_entries, map_flags, map_extra,
// numa_node), or {"error": ...} with libbpf's warnings when it refuses the object.
// Build: gcc -O1 -o libbpf-maps libbpf-maps.c -lbpf
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

static char warnings[8192];

static int on_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t used = strlen(warnings);
	if (level == LIBBPF_WARN && used < sizeof(warnings) - 1)
		vsnprintf(warnings + used, sizeof(warnings) - used, fmt, ap);
	return 0;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20) printf("\\u%04x", *s);
		else putchar(*s);
	}
	putchar('"');
}

int main(int argc, char **argv)
{
	if (argc != 2) { fprintf(stderr, "usage: libbpf-maps OBJ\n"); return 2; }
	libbpf_set_print(on_print);
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || libbpf_get_error(obj)) {
		printf("{\"error\":");
		json_string(warnings);
		printf("}\n");
		return 0;
	}
	struct bpf_map *m;
	bpf_object__for_each_map(m, obj) {
		printf("{\"name\":");
		json_string(bpf_map__name(m));
		printf(",\"type\":%d,\"keySize\":%u,\"valueSize\":%u,\"maxEntries\":%u,\"mapFlags\":%u,\"mapExtra\":\"%llu\",\"numaNode\":%u}\n",
		       bpf_map__type(m), bpf_map__key_size(m), bpf_map__value_size(m), bpf_map__max_entries(m),
		       bpf_map__map_flags(m), (unsigned long long)bpf_map__map_extra(m), bpf_map__numa_node(m));
	}
	bpf_object__close(obj);
	return 0;
}
