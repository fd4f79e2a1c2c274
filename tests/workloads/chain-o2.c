/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * chain-o2 [SCALE]: built with -O2 -fomit-frame-pointer (no frame pointers
 * to walk).  Two frameless leaves, hot_leaf (three units of work) and
 * warm_leaf (one), under main -> stage1 -> stage2 -> stage3 -> stage4; a
 * qsort whose comparator (compare_slowly) is called from libc's frames;
 * a loop of clock_gettime, which runs in the vDSO; a signal handler that
 * works (handler_work, under on_usr1, __restore_rt and raise); and one
 * that works on an alternate signal stack (altstack_work, under on_usr2),
 * whose callers are on the thread's own stack.
 * SCALE 1 is ~2 s of CPU here.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ROUNDS 20
#define UNIT (1UL << 23) /* iterations */
#define SORTS 12
#define CLOCK_CALLS 400000
#define SORTED 4096

uint64_t hot_leaf(uint64_t x, unsigned long n);
uint64_t warm_leaf(uint64_t x, unsigned long n);
uint64_t stage1(uint64_t x);
uint64_t stage2(uint64_t x);
uint64_t stage3(uint64_t x);
uint64_t stage4(uint64_t x);
uint64_t sort_stage(uint64_t x);
uint64_t vdso_stage(uint64_t x);
uint64_t altstack_work(uint64_t x, unsigned long n);
uint64_t altstack_stage(uint64_t x);
uint64_t handler_work(uint64_t x, unsigned long n);
uint64_t signal_stage(uint64_t x);

static volatile uint64_t sink;
static uint64_t values[SORTED];

#define MIX(x)                                   \
	do {                                     \
		(x) ^= (x) >> 31;                \
		(x) *= 0x9e3779b97f4a7c15ull;    \
	} while (0)

__attribute__((noinline)) uint64_t hot_leaf(uint64_t x, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		MIX(x);
	return x;
}

__attribute__((noinline)) uint64_t warm_leaf(uint64_t x, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		MIX(x);
	return x;
}

__attribute__((noinline)) uint64_t stage4(uint64_t x)
{
	x = hot_leaf(x, 3 * UNIT);
	x = warm_leaf(x, UNIT);
	return x;
}

__attribute__((noinline)) uint64_t stage3(uint64_t x)
{
	return stage4(x + 3) + 1;
}

__attribute__((noinline)) uint64_t stage2(uint64_t x)
{
	return stage3(x + 2) + 1;
}

__attribute__((noinline)) uint64_t stage1(uint64_t x)
{
	return stage2(x + 1) + 1;
}

/* Slow on purpose, so that samples land in it, called from qsort. */
static int compare_slowly(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	for (int i = 0; i < 8; i++) {
		MIX(x);
		MIX(y);
	}
	sink = x ^ y;
	return *(const uint64_t *)a < *(const uint64_t *)b   ? -1
	       : *(const uint64_t *)a > *(const uint64_t *)b ? 1
							     : 0;
}

__attribute__((noinline)) uint64_t sort_stage(uint64_t x)
{
	for (int s = 0; s < SORTS; s++) {
		for (int i = 0; i < SORTED; i++) {
			MIX(x);
			values[i] = x;
		}
		qsort(values, SORTED, sizeof(values[0]), compare_slowly);
		x = values[SORTED / 2];
	}
	return x;
}

__attribute__((noinline)) uint64_t vdso_stage(uint64_t x)
{
	struct timespec ts;

	for (int i = 0; i < CLOCK_CALLS; i++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		x += (uint64_t)ts.tv_nsec;
	}
	return x;
}

__attribute__((noinline)) uint64_t handler_work(uint64_t x, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		MIX(x);
	return x;
}

static void on_usr1(int sig)
{
	sink = handler_work(sink + (uint64_t)sig, UNIT / 2);
}

__attribute__((noinline)) uint64_t signal_stage(uint64_t x)
{
	sink = x;
	raise(SIGUSR1);
	return sink;
}

/* Not the same code as handler_work and on_usr1, which GCC would fold
 * them into (-fipa-icf). */
__attribute__((noinline)) uint64_t altstack_work(uint64_t x, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		MIX(x);
		x ^= i;
	}
	return x;
}

static void on_usr2(int sig)
{
	sink = altstack_work(sink ^ (uint64_t)sig, UNIT / 2);
}

__attribute__((noinline)) uint64_t altstack_stage(uint64_t x)
{
	sink = x;
	raise(SIGUSR2);
	return sink;
}

/* SIGUSR2's handler runs on a stack of its own, in the data segment. */
static void use_altstack(void)
{
	static char altstack[1 << 16];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa = { .sa_handler = on_usr2, .sa_flags = SA_ONSTACK };

	if (sigaltstack(&ss, NULL) != 0 || sigaction(SIGUSR2, &sa, NULL) != 0) {
		perror("chain-o2: sigaltstack");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	double scale = argc > 1 ? strtod(argv[1], NULL) : 1.0;
	unsigned int rounds = (unsigned int)(ROUNDS * scale + 0.5);
	uint64_t x = 0x12345678;

	if (scale <= 0 || scale > 1000) {
		fprintf(stderr, "usage: chain-o2 [SCALE]\n");
		return 2;
	}
	if (rounds == 0)
		rounds = 1;
	signal(SIGUSR1, on_usr1);
	use_altstack();
	for (unsigned int r = 0; r < rounds; r++) {
		x = stage1(x + r);
		x = sort_stage(x);
		x = vdso_stage(x);
		x = signal_stage(x);
		x = altstack_stage(x);
	}
	sink = x;
	printf("chain-o2: %u rounds done\n", rounds);
	return 0;
}
