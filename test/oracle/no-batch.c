/*
 * no-batch ERRNO PROGRAM [ARG...]: runs PROGRAM with a seccomp filter under which bpf()
 * BPF_MAP_UPDATE_BATCH (26) and BPF_MAP_DELETE_BATCH (27) fail with ERRNO, as on a kernel or map type
 * without batch writes; every other syscall (and every other bpf() command) is left alone. Tests use
 * it to reach the one-by-one fallback behind batch writes on a kernel that has them.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#else
#error "no-batch: add this architecture's AUDIT_ARCH"
#endif

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: no-batch ERRNO PROGRAM [ARG...]\n");
		return 2;
	}
	unsigned int err = (unsigned int)strtoul(argv[1], NULL, 10) & SECCOMP_RET_DATA;
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 0, 6),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_bpf, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 26, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 27, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("no-batch: seccomp");
		return 1;
	}
	execvp(argv[2], argv + 2);
	perror("no-batch: exec");
	return 127;
}
