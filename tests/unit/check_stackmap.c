/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the agent's stack table (src/agent/stackmap.c): the same
 * stack keeps its id, a new one shares as much of the root end as an
 * earlier stack has, and every definition it asks for, sent through the
 * STACKS encoder and read back as the report does, gives the stack again.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check-run.h"
#include "record.h"
#include "stackmap.h"

#define MAX_IDS 300000

/* What a reader has rebuilt: each id's frames. */
static uint64_t *frames_of[MAX_IDS];
static uint32_t nframes_of[MAX_IDS];
static unsigned char buf[1 << 16];

static void remember(uint32_t id, const uint64_t *frames, uint32_t n)
{
	frames_of[id] = malloc((n ? n : 1) * sizeof(*frames));
	memcpy(frames_of[id], frames, n * sizeof(*frames));
	nframes_of[id] = n;
}

/* Interns FRAMES, and for a new stack sends its definition through the
 * encoder and the decoder, checking that the reader gets FRAMES back. */
static uint32_t intern(struct np_stackmap *m, const uint64_t *frames,
		       uint32_t n, int *is_new)
{
	struct np_stack_new def;
	uint32_t id = np_stackmap_intern(m, frames, n, &def);
	struct np_stacks_enc enc;
	struct np_stacks_iter it;
	struct np_stack_def d;
	struct np_record r;
	uint64_t back[NP_MAX_FRAMES];
	uint32_t type, size;
	int got;

	ck_assert_uint_gt(id, 0);
	ck_assert_uint_lt(id, MAX_IDS);
	*is_new = def.is_new;
	if (!def.is_new) {
		ck_assert_uint_eq(nframes_of[id], n);
		ck_assert(!memcmp(frames_of[id], frames, n * sizeof(*frames)));
		return id;
	}
	ck_assert_ptr_null(frames_of[id]);
	ck_assert(np_rec_stacks_start(&enc, buf, sizeof(buf)));
	ck_assert(np_rec_stacks_add(&enc, id, def.parent, def.keep, frames, n));
	np_rec_stacks_finish(&enc);
	ck_assert_int_eq(np_rec_parse_header(buf, &type, &size), 0);
	ck_assert_int_eq(np_rec_decode(type, buf + NP_RECORD_HEADER_SIZE, size,
				       &r), 0);
	np_rec_stacks_begin(&it, &r.u.stacks);
	ck_assert(np_rec_stacks_next(&it, &d));
	got = np_rec_stack_def_frames(&d, frames_of[d.parent],
				      nframes_of[d.parent], back);
	ck_assert_int_eq(got, (int)n);
	ck_assert(!memcmp(back, frames, n * sizeof(*frames)));
	remember(id, frames, n);
	return id;
}

static void forget_all(void)
{
	for (uint32_t i = 0; i < MAX_IDS; i++) {
		free(frames_of[i]);
		frames_of[i] = NULL;
		nframes_of[i] = 0;
	}
}

START_TEST(test_shares_the_root_end)
{
	static const uint64_t a[] = { 0x10, 0x20, 0x30, 0x40 };
	static const uint64_t b[] = { 0x11, 0x20, 0x30, 0x40 };
	static const uint64_t c[] = { 0x30, 0x40 };
	static const uint64_t d[] = { 0x12, 0x11, 0x20, 0x30, 0x40 };
	static const uint64_t e[] = { 0x40, 0x30 };
	struct np_stackmap *m = np_stackmap_create();
	struct np_stack_new def;
	uint32_t ida, idb;
	int is_new;

	ck_assert_ptr_nonnull(m);
	ida = intern(m, a, 4, &is_new);
	ck_assert(is_new);
	ck_assert_uint_eq(intern(m, a, 4, &is_new), ida);
	ck_assert(!is_new);
	/* B shares A's three root frames. */
	idb = np_stackmap_intern(m, b, 4, &def);
	ck_assert(def.is_new);
	ck_assert_uint_eq(def.parent, ida);
	ck_assert_uint_eq(def.keep, 3);
	remember(idb, b, 4);
	/* C is the root end of both: nothing new to send but its id. */
	np_stackmap_intern(m, c, 2, &def);
	ck_assert(def.is_new);
	ck_assert_uint_eq(def.keep, 2);
	ck_assert(def.parent == ida || def.parent == idb);
	/* D goes on from B; E shares nothing. */
	np_stackmap_intern(m, d, 5, &def);
	ck_assert_uint_eq(def.parent, idb);
	ck_assert_uint_eq(def.keep, 4);
	np_stackmap_intern(m, e, 2, &def);
	ck_assert_uint_eq(def.parent, 0);
	ck_assert_uint_eq(def.keep, 0);
	/* No frames at all: one id, once. */
	ck_assert_uint_gt(np_stackmap_intern(m, a, 0, &def), 0);
	ck_assert(def.is_new);
	np_stackmap_intern(m, a, 0, &def);
	ck_assert(!def.is_new);
	/* Forgotten (a module went away): defined anew, from nothing. */
	np_stackmap_forget(m);
	ck_assert_uint_gt(np_stackmap_intern(m, b, 4, &def), idb);
	ck_assert(def.is_new);
	ck_assert_uint_eq(def.parent, 0);
	np_stackmap_free(m);
	forget_all();
}
END_TEST

/* Many stacks, deep and random, past the table's capacity: every id the
 * table gives maps back to its frames through the records, and ids are
 * never reused. */
START_TEST(test_many_stacks)
{
	struct np_stackmap *m = np_stackmap_create();
	uint64_t frames[NP_MAX_FRAMES];
	uint32_t last = 0;
	int is_new, news = 0;

	srand(7);
	for (int i = 0; i < 200000; i++) {
		uint32_t n = 1 + (uint32_t)rand() % 40;
		uint32_t id;

		/* Few roots, branching more toward the leaf. */
		for (uint32_t k = 0; k < n; k++)
			frames[n - 1 - k] = 0x400000 + (uint64_t)k * 0x100 +
					    (uint64_t)(rand() % (1 + k / 4));
		id = intern(m, frames, n, &is_new);
		if (is_new) {
			ck_assert_uint_gt(id, last);
			last = id;
			news++;
		}
	}
	ck_assert_int_gt(news, 1000);
	np_stackmap_free(m);
	forget_all();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stackmap");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_shares_the_root_end);
	tcase_add_test(tc, test_many_stacks);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return np_check_run(s);
}
