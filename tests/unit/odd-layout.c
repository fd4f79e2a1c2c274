/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A library for check_load_bias, linked with its first segment at 0x30000
 * (-Ttext-segment), two data sections placed far above (--section-start,
 * so there are gaps between LOAD segments), -z norelro, and 4 KiB or
 * 64 KiB segment alignment: the load bias is then no mapping's address.
 */
__attribute__((section(".seg1"))) int odd_seg1[64] = { 1 };
__attribute__((section(".seg2"))) int odd_seg2[64] = { 2 };

int odd_layout_sum(void);

int odd_layout_sum(void)
{
	return odd_seg1[0] + odd_seg2[0];
}
