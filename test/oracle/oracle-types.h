/* Structs for the codec's native oracle: natural padding, packed, bitfields, union, anonymous members,
 * network-order typedefs. Mirrored by test/oracle/cov-schema.ts. */
#ifndef ORACLE_TYPES_H
#define ORACLE_TYPES_H
#include "bpf-defs.h"

enum verdict { V_DROP = 0, V_PASS = 1, V_REDIRECT = 2 };

struct padded {
	__u8 a;
	__s16 b;
	__u32 c;
	__u64 d;
	__be16 port;
	__be32 addr;
	char name[8];
	__u8 mac[6];
	__u8 ip6[16];
	enum verdict verdict;
	_Bool flag;
	__s8 e;
	double ratio;
	__be64 big;
};

struct bits {
	__u32 x : 3;
	__u32 y : 5;
	__s32 z : 12;
	__u32 w : 12;
	__u8 tail;
	__u64 q : 40;
	__u64 r : 24;
};

struct packed_s {
	__u8 a;
	__u32 b;
	__u16 c;
	__u64 d;
} __attribute__((packed));

union u {
	__u32 word;
	__u8 bytes[4];
	struct { __u16 lo; __u16 hi; } half;
};

struct with_anon {
	__u32 kind;
	union { __u32 ip4; __u8 ip6[16]; };
	struct { __u16 sport; __u16 dport; };
};
#endif
