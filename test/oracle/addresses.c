/*
 * Fills the address structs of fixtures/src/address-types.h the way C programs do (inet_pton,
 * ether_aton, s_addr into a __be32 / __u32, memcpy into __be32[4] and __int128) and prints their
 * bytes and layouts, for test/codec-addresses.test.ts.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <stddef.h>
#include <endian.h>
#include <sys/socket.h>
#include "address-types.h"

/* Declared here: <arpa/inet.h> and <netinet/ether.h> bring glibc's struct in6_addr, which the
 * fixture header defines as the kernel does. */
int inet_pton(int af, const char *src, void *dst);
struct ether_addr;
struct ether_addr *ether_aton(const char *asc);

static void hex(const char *name, const void *p, size_t n) {
	const unsigned char *b = p;
	printf("bytes %s ", name);
	for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
	printf("\n");
}

static void pton(int af, const char *s, void *dst) {
	if (inet_pton(af, s, dst) != 1) { fprintf(stderr, "inet_pton %s failed\n", s); exit(1); }
}

static void mac(const char *s, void *dst) {
	const void *m = ether_aton(s);
	if (!m) { fprintf(stderr, "ether_aton %s failed\n", s); exit(1); }
	memcpy(dst, m, 6);
}

#define LAYOUT(T, F) printf("offset %s %s %zu\n", #T, #F, offsetof(T, F))
#define SIZE(T) printf("size %s %zu\n", #T, sizeof(T))

int main(void) {
	unsigned char a6[16];
	__be32 a4;

	struct addr_key k; memset(&k, 0, sizeof k);
	pton(AF_INET6, "2001:db8::42", a6); memcpy(&k.wide, a6, 16);
	pton(AF_INET6, "fe80::1", &k.in6);
	pton(AF_INET6, "2001:db8:0:1::7", a6); memcpy(k.be32x4, a6, 16);
	pton(AF_INET6, "::ffff:192.0.2.33", k.u8x16);
	pton(AF_INET, "192.0.2.1", &k.host_v4);
	pton(AF_INET, "198.51.100.7", &k.net_v4);
	mac("02:00:5e:10:00:01", &k.mac);
	mac("aa:bb:cc:dd:ee:ff", k.mac_bytes);
	hex("addr_key_v6", &k, sizeof k);

	memset(&k, 0, sizeof k);
	pton(AF_INET, "10.0.0.1", &a4); memcpy(&k.wide, &a4, 4);
	pton(AF_INET, "192.0.2.9", &k.in6);
	pton(AF_INET, "10.1.2.3", &k.be32x4[0]);
	pton(AF_INET, "203.0.113.5", k.u8x16);
	pton(AF_INET, "255.255.255.255", &k.host_v4);
	pton(AF_INET, "0.0.0.1", &k.net_v4);
	hex("addr_key_v4", &k, sizeof k);

	struct vip_definition v; memset(&v, 0, sizeof v);
	pton(AF_INET, "10.200.1.1", &v.vip); v.port = 80; v.proto = 6;
	hex("vip_v4", &v, sizeof v);
	memset(&v, 0, sizeof v);
	pton(AF_INET6, "2001:db8::1", v.vipv6); v.port = 443; v.proto = 17;
	hex("vip_v6", &v, sizeof v);

	struct v6_lpm_key l; memset(&l, 0, sizeof l);
	l.prefixlen = 32; pton(AF_INET6, "2001:db8::", l.addr);
	hex("lpm_katran_v6_32", &l, sizeof l);
	memset(&l, 0, sizeof l);
	l.prefixlen = 24; pton(AF_INET, "198.18.7.0", &l.addr[0]);
	hex("lpm_katran_v4_24", &l, sizeof l);

	struct in6_lpm_key m; memset(&m, 0, sizeof m);
	m.prefixlen = 64; pton(AF_INET6, "2001:db8:1:2::", &m.addr);
	hex("lpm_in6_64", &m, sizeof m);
	memset(&m, 0, sizeof m);
	m.prefixlen = 10; pton(AF_INET6, "fe80::", &m.addr);
	hex("lpm_in6_10", &m, sizeof m);

	struct mac_addr ma; mac("02:00:5e:10:00:01", &ma);
	hex("mac_addr", &ma, sizeof ma);

	SIZE(struct addr_key); SIZE(struct vip_definition); SIZE(struct v6_lpm_key); SIZE(struct in6_lpm_key); SIZE(struct mac_addr);
	LAYOUT(struct addr_key, wide); LAYOUT(struct addr_key, in6); LAYOUT(struct addr_key, be32x4); LAYOUT(struct addr_key, u8x16);
	LAYOUT(struct addr_key, host_v4); LAYOUT(struct addr_key, net_v4); LAYOUT(struct addr_key, mac); LAYOUT(struct addr_key, mac_bytes);
	LAYOUT(struct vip_definition, port); LAYOUT(struct vip_definition, proto); LAYOUT(struct in6_lpm_key, addr); LAYOUT(struct v6_lpm_key, addr);
	return 0;
}
