/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Built with -fno-plt: malloc is reached through a GLOB_DAT slot, and
 * through a pointer stored in data (an R_X86_64_64 relocation).
 */
#include <stdlib.h>

void *nm_noplt_alloc(size_t n);
void *nm_ptr_alloc(size_t n);

void *(*nm_alloc_ptr)(size_t) = malloc;

void *nm_noplt_alloc(size_t n)
{
	return malloc(n);
}

void *nm_ptr_alloc(size_t n)
{
	return nm_alloc_ptr(n);
}
