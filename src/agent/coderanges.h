/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The executable segments of patched libraries, and whether each library
 * seems built without frame pointers (most of its exported functions do
 * not start with push %rbp; mov %rsp,%rbp).  The allocation hooks read it,
 * lock-free, to recover the caller of a frameless function (libc's strdup,
 * libstdc++'s operator new) that walking frame pointers would skip.
 * Written by hook-table.c under its lock; a reader may see a stale entry,
 * which only makes a stack less precise: memory is never read through it.
 */
#ifndef NPROF_AGENT_CODERANGES_H
#define NPROF_AGENT_CODERANGES_H

#include <stdint.h>

#include "got.h"

enum np_code_kind {
	NP_CODE_NONE = 0,      /* not in a known library's code */
	NP_CODE_FRAMES = 1,    /* keeps frame pointers, or unknown */
	NP_CODE_FRAMELESS = 2, /* built without them */
};

/* Adds IM's executable segments (IM pinned) under KEY, which tells this
 * load from any other (the load bias does not: it is 0 for every object
 * linked at a fixed address); removes them again. */
void np_coderanges_add(const struct np_elf_image *im, uint64_t key);
void np_coderanges_remove(uint64_t key);

enum np_code_kind np_coderanges_kind(uint64_t pc);

/* Whether IM's exported functions mostly lack a frame-pointer prologue. */
int np_coderanges_guess_frameless(const struct np_elf_image *im);

#endif /* NPROF_AGENT_CODERANGES_H */
