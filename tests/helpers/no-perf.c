/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * no-perf [--no-timers [--no-itimer]] CMD [ARGS...]: runs CMD where
 * perf_event_open fails with EACCES (with --no-timers, timer_create too,
 * and with --no-itimer, setitimer as well), as under a strict container
 * profile, so that tests can see nprof fall back to ctimer or itimer, or
 * go without CPU sampling.  A seccomp filter does it; children inherit it
 * across exec.
 * Exits 125 if the filter cannot be installed, 127 if CMD cannot be run.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define FILTER_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FILTER_ARCH AUDIT_ARCH_AARCH64
#else
#error "no-perf: unsupported architecture"
#endif

#define DENY (SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA))

/* A number no system call has: a comparison with it never matches. */
#define NO_SYSCALL 0xffffffffu

static int install_filter(int no_timers, int no_itimer)
{
	struct sock_filter filter[] = {
		/* Another ABI (x32, i386 on x86_64): let it be. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FILTER_ARCH, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_perf_event_open, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			 no_timers ? __NR_timer_create : NO_SYSCALL, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			 no_itimer ? __NR_setitimer : NO_SYSCALL, 2, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, DENY),
	};
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};

	/* Unprivileged processes may only filter themselves this way. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		fprintf(stderr, "no-perf: PR_SET_NO_NEW_PRIVS: %s\n", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
		fprintf(stderr, "no-perf: PR_SET_SECCOMP: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int no_timers = 0, no_itimer = 0;
	int i = 1;

	if (i < argc && !strcmp(argv[i], "--no-timers")) {
		no_timers = 1;
		i++;
		if (i < argc && !strcmp(argv[i], "--no-itimer")) {
			no_itimer = 1;
			i++;
		}
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc) {
		fputs("usage: no-perf [--no-timers [--no-itimer]] CMD [ARGS...]\n",
		      stderr);
		return 2;
	}
	if (install_filter(no_timers, no_itimer) != 0)
		return 125;
	execvp(argv[i], argv + i);
	fprintf(stderr, "no-perf: cannot run '%s': %s\n", argv[i], strerror(errno));
	return 127;
}
