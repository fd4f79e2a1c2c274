/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * STAGE(name, next, words): a function of a chain that the unwinder must
 * climb, with a frame of its own size (WORDS words of locals) and work
 * after its call to NEXT, so that the call stays a call.
 */
#ifndef NPROF_TESTS_CHAIN_STAGE_H
#define NPROF_TESTS_CHAIN_STAGE_H

#include <stdint.h>

#define STAGE(name, next, words)                                      \
	__attribute__((noinline)) uint64_t name(int round)            \
	{                                                             \
		volatile uint64_t local[words];                       \
		uint64_t r;                                           \
                                                                      \
		for (int i = 0; i < (words); i++)                     \
			local[i] = (uint64_t)(round + i);             \
		r = next(round);                                      \
		return r + local[round % (words)];                    \
	}

#endif
