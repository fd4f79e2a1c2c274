/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nm-chain-o2: built with -O2 -fomit-frame-pointer, allocates known sizes
 * (primes) at the end of main -> nm_stage1 -> nm_stage2 -> nm_stage3 ->
 * nm_stage4, with nothing but CFI to find the callers by, 5 times:
 * nm_alloc_leaf mallocs 7919 bytes (leaked), callocs 4099 and reallocs
 * 1009 to 2003 (freed); nm_dup_leaf strdups a 100-character string (101
 * bytes, allocated by libc, leaked).  Each stage keeps an array on its stack, so
 * that its frame has a size of its own.  Allocating is the first thing main
 * does: the agent's unwind tables must be ready before main runs.  Prints
 * "ok".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain-stage.h"

void *nm_alloc_leaf(int round);
char *nm_dup_leaf(const char *text);
uint64_t nm_stage1(int round);
uint64_t nm_stage2(int round);
uint64_t nm_stage3(int round);
uint64_t nm_stage4(int round);

static volatile uint64_t sink;
static int bad;

static void *check(void *p, size_t n)
{
	if (!p)
		bad = 1;
	else
		memset(p, 0x5a, n);
	return p;
}

/* malloc 7919 (leaked), then calloc 4099 and realloc 1009 -> 2003, both
 * freed: 7919 + 4099 + 1009 + 2003 bytes per call. */
__attribute__((noinline)) void *nm_alloc_leaf(int round)
{
	void *kept = check(malloc(7919), 7919);
	void *z = check(calloc(1, 4099), 4099);
	void *r = check(malloc(1009), 1009);

	r = check(realloc(r, 2003), 2003);
	sink += (uint64_t)(uintptr_t)z + (uint64_t)round;
	free(z);
	free(r);
	return kept;
}

__attribute__((noinline)) char *nm_dup_leaf(const char *text)
{
	char *copy = strdup(text);

	if (!copy || strlen(copy) != 100)
		bad = 1;
	return copy;
}

__attribute__((noinline)) uint64_t nm_stage4(int round)
{
	char text[101];
	char *copy;
	void *kept;

	memset(text, 'a' + round, 100);
	text[100] = '\0';
	kept = nm_alloc_leaf(round);
	copy = nm_dup_leaf(text);
	sink += (uint64_t)(uintptr_t)copy;
	return (uint64_t)(uintptr_t)kept;
}
STAGE(nm_stage3, nm_stage4, 5)
STAGE(nm_stage2, nm_stage3, 11)
STAGE(nm_stage1, nm_stage2, 3)

int main(void)
{
	for (int round = 0; round < 5; round++)
		sink += nm_stage1(round);
	puts(bad ? "bad" : "ok");
	return bad;
}
