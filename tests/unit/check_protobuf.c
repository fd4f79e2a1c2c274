/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the protobuf writer behind --format=pprof: varints at
 * their boundaries, length-delimited fields, nested messages and packed
 * repeated fields, byte for byte as protobuf encodes them.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "check-run.h"
#include "protobuf.h"

static void expect(const struct np_pb *b, const uint8_t *bytes, size_t n)
{
	ck_assert_uint_eq(b->len, n);
	ck_assert_mem_eq(b->data, bytes, n);
}

START_TEST(test_varints)
{
	struct np_pb b = { 0 };

	np_pb_uint(&b, 1, 0);
	expect(&b, (const uint8_t[]){ 0x08, 0x00 }, 2);
	np_pb_reset(&b);
	np_pb_uint(&b, 2, 127);
	expect(&b, (const uint8_t[]){ 0x10, 0x7f }, 2);
	np_pb_reset(&b);
	np_pb_uint(&b, 1, 150); /* the example of protobuf's docs */
	expect(&b, (const uint8_t[]){ 0x08, 0x96, 0x01 }, 3);
	np_pb_reset(&b);
	np_pb_uint(&b, 16, UINT64_MAX);
	expect(&b, (const uint8_t[]){ 0x80, 0x01, 0xff, 0xff, 0xff, 0xff,
				      0xff, 0xff, 0xff, 0xff, 0xff, 0x01 },
	       12);
	np_pb_release(&b);
}
END_TEST

START_TEST(test_lengths)
{
	struct np_pb b = { 0 }, msg = { 0 };
	static const uint64_t packed[] = { 1, 300 };
	char big[200];

	np_pb_bytes(&b, 6, "", 0);
	np_pb_bytes(&b, 6, "ab", 2);
	expect(&b, (const uint8_t[]){ 0x32, 0x00, 0x32, 0x02, 'a', 'b' }, 6);
	np_pb_reset(&b);
	memset(big, 'x', sizeof(big));
	np_pb_bytes(&b, 6, big, sizeof(big));
	ck_assert_uint_eq(b.len, 3 + sizeof(big));
	ck_assert_uint_eq(b.data[1], 0xc8);
	ck_assert_uint_eq(b.data[2], 0x01);

	np_pb_reset(&b);
	np_pb_uint(&msg, 1, 150);
	np_pb_message(&b, 4, &msg);
	expect(&b, (const uint8_t[]){ 0x22, 0x03, 0x08, 0x96, 0x01 }, 5);
	np_pb_reset(&b);
	np_pb_packed(&b, 1, packed, 2);
	expect(&b, (const uint8_t[]){ 0x0a, 0x03, 0x01, 0xac, 0x02 }, 5);
	np_pb_reset(&b);
	np_pb_packed(&b, 2, NULL, 0);
	expect(&b, (const uint8_t[]){ 0x12, 0x00 }, 2);
	np_pb_release(&b);
	np_pb_release(&msg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("protobuf");
	TCase *tc = tcase_create("protobuf");

	tcase_add_test(tc, test_varints);
	tcase_add_test(tc, test_lengths);
	suite_add_tcase(s, tc);
	return np_check_run(s);
}
