/* Prints the bytes of structs filled with chosen values, and their layouts, for the codec tests. */
#include <stdio.h>
#include <string.h>
#include <stddef.h>
#include <endian.h>
#include "firewall-types.h"
#include "oracle-types.h"

static void hex(const char *name, const void *p, size_t n) {
	const unsigned char *b = p;
	printf("bytes %s ", name);
	for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
	printf("\n");
}
#define LAYOUT(T, F) printf("offset %s %s %zu\n", #T, #F, offsetof(T, F))
#define SIZE(T) printf("size %s %zu\n", #T, sizeof(T))

int main(void) {
	struct padded p; memset(&p, 0, sizeof p);
	p.a = 0xab; p.b = -2; p.c = 0xdeadbeef; p.d = 0x0102030405060708ULL; p.port = htobe16(8080);
	p.addr = htobe32(0x0a000001); memcpy(p.name, "abc", 3);
	unsigned char mac[6] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}; memcpy(p.mac, mac, 6);
	p.ip6[0] = 0x20; p.ip6[1] = 0x01; p.ip6[2] = 0x0d; p.ip6[3] = 0xb8; p.ip6[15] = 1; p.verdict = V_PASS; p.flag = 1; p.e = -5; p.ratio = 1.5;
	p.big = htobe64(0x1122334455667788ULL);
	hex("padded", &p, sizeof p);

	struct bits b; memset(&b, 0, sizeof b);
	b.x = 5; b.y = 17; b.z = -3; b.w = 0xabc; b.tail = 0x7f; b.q = 0x123456789aULL; b.r = 0xfedcba;
	hex("bits", &b, sizeof b);

	struct packed_s s; memset(&s, 0, sizeof s);
	s.a = 1; s.b = 0x11223344; s.c = 0x5566; s.d = 0x778899aabbccddeeULL;
	hex("packed_s", &s, sizeof s);

	union u un; memset(&un, 0, sizeof un); un.half.lo = 1; un.half.hi = 2;
	hex("u", &un, sizeof un);

	struct with_anon w; memset(&w, 0, sizeof w); w.kind = 4; w.ip4 = 0x0100000a; w.sport = 1; w.dport = 443;
	hex("with_anon", &w, sizeof w);

	struct lpm_ip_key_st k; memset(&k, 0, sizeof k); k.prefixLen = 56; k.ingress_ifindex = 6;
	k.ip_data[0] = 10; k.ip_data[1] = 10; k.ip_data[2] = 10;
	hex("lpm_ip_key_st", &k, sizeof k);

	struct rulesVal_st r; memset(&r, 0, sizeof r);
	r.rules[3].ruleId = 7; r.rules[3].protocol = 6; r.rules[3].dstPortStart = 80; r.rules[3].dstPortEnd = 443; r.rules[3].action = 1;
	r.rules[99].ruleId = 0xffffffff; r.rules[99].icmpType = 8; r.rules[99].action = 2;
	hex("rulesVal_st", &r, sizeof r);

	SIZE(struct padded); SIZE(struct bits); SIZE(struct packed_s); SIZE(union u); SIZE(struct with_anon);
	SIZE(struct lpm_ip_key_st); SIZE(struct ruleType_st); SIZE(struct rulesVal_st); SIZE(struct ruleStatistics_st);
	LAYOUT(struct padded, a); LAYOUT(struct padded, b); LAYOUT(struct padded, c); LAYOUT(struct padded, d);
	LAYOUT(struct padded, port); LAYOUT(struct padded, addr); LAYOUT(struct padded, name); LAYOUT(struct padded, mac);
	LAYOUT(struct padded, ip6); LAYOUT(struct padded, verdict); LAYOUT(struct padded, flag); LAYOUT(struct padded, e);
	LAYOUT(struct padded, ratio); LAYOUT(struct padded, big);
	LAYOUT(struct bits, tail);
	LAYOUT(struct packed_s, a); LAYOUT(struct packed_s, b); LAYOUT(struct packed_s, c); LAYOUT(struct packed_s, d);
	LAYOUT(struct with_anon, kind); LAYOUT(struct with_anon, ip4); LAYOUT(struct with_anon, ip6);
	LAYOUT(struct with_anon, sport); LAYOUT(struct with_anon, dport);
	LAYOUT(struct lpm_ip_key_st, prefixLen); LAYOUT(struct lpm_ip_key_st, ingress_ifindex); LAYOUT(struct lpm_ip_key_st, ip_data);
	LAYOUT(struct ruleType_st, ruleId); LAYOUT(struct ruleType_st, protocol); LAYOUT(struct ruleType_st, dstPortStart);
	LAYOUT(struct ruleType_st, dstPortEnd); LAYOUT(struct ruleType_st, icmpType); LAYOUT(struct ruleType_st, icmpCode);
	LAYOUT(struct ruleType_st, action);
	LAYOUT(struct ruleStatistics_st, allow_stats); LAYOUT(struct ruleStatistics_st, deny_stats);
	return 0;
}
