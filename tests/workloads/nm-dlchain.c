/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libnm-dlchain.so, built like nm-chain-o2 (-O2 -fomit-frame-pointer, no
 * inlining, no tail calls): nm_dl_entry -> nm_dl_stage1 -> nm_dl_stage2 ->
 * nm_dl_leaf, which mallocs 6007 bytes and leaks them.  nm-dlchain-o2
 * calls it the moment dlopen returns: only the library's CFI can find
 * the callers, so its unwind table must be there by then.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain-stage.h"

void *nm_dl_leaf(int round);
uint64_t nm_dl_stage1(int round);
uint64_t nm_dl_stage2(int round);
uint64_t nm_dl_entry(int round);

static volatile uint64_t sink;

__attribute__((noinline)) void *nm_dl_leaf(int round)
{
	void *p = malloc(6007);

	if (p)
		memset(p, round, 6007);
	return p;
}

__attribute__((noinline)) uint64_t nm_dl_stage2(int round)
{
	volatile uint64_t local[5];
	void *p;

	for (int i = 0; i < 5; i++)
		local[i] = (uint64_t)(round * i);
	p = nm_dl_leaf(round);
	sink += (uint64_t)(uintptr_t)p;
	return (p != NULL) + local[round % 5];
}

STAGE(nm_dl_stage1, nm_dl_stage2, 11)
STAGE(nm_dl_entry, nm_dl_stage1, 3)
