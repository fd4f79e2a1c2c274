/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Linked with --section-start for .seg1 and .seg2, -z norelro and 4 KiB
 * pages: several LOAD segments with a gap between them and no RELRO, so the
 * load bias differs from the first mapping's address.
 */
#include <stdlib.h>

void *nm_sections_alloc(size_t n);

__attribute__((section(".seg1"))) int nm_seg1_data[64] = { 1 };
__attribute__((section(".seg2"))) int nm_seg2_data[64] = { 2 };

void *nm_sections_alloc(size_t n)
{
	return malloc(n + (size_t)nm_seg1_data[0] - 1 +
		      (size_t)nm_seg2_data[0] - 2);
}
