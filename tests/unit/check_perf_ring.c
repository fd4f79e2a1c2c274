/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the perf ring reader on rings laid out by hand as the
 * kernel writes them: records that wrap around the end come out whole,
 * other records come before samples across rings, what was read is given
 * back (data_tail), and a record that cannot be stops the ring's walk.
 */
#include "config.h"

#include <check.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>

#include "check-run.h"
#include "perf-ring.h"

#define PAGE 4096
#define DATA 4096

/* A fake ring: a control page and DATA bytes; records written from POS. */
struct fake {
	unsigned char *mem;
	uint64_t head;
};

static void fake_init(struct fake *f, struct np_perf_ring *ring,
		      uint64_t start)
{
	f->mem = aligned_alloc(PAGE, PAGE + DATA);
	ck_assert_ptr_nonnull(f->mem);
	memset(f->mem, 0, PAGE + DATA);
	f->head = start;
	memset(ring, 0, sizeof(*ring));
	ring->fd = -1;
	ring->base = f->mem;
	ring->data = f->mem + PAGE;
	ring->data_size = DATA;
	ring->tail = start;
	ring->meta_pos = start;
}

/* Writes a record of TYPE, SIZE bytes, its payload bytes all FILL, at the
 * head, wrapping around as the kernel does; publishes the new head. */
static void fake_put(struct fake *f, uint32_t type, uint16_t size,
		     unsigned char fill)
{
	unsigned char rec[1024];
	struct perf_event_header h = { .type = type, .misc = 0, .size = size };
	struct perf_event_mmap_page *pc = (void *)f->mem;

	memset(rec, fill, size);
	memcpy(rec, &h, sizeof(h));
	for (uint16_t i = 0; i < size; i++)
		f->mem[PAGE + ((f->head + i) & (DATA - 1))] = rec[i];
	f->head += size;
	pc->data_head = f->head;
}

/* What the callbacks saw, in order. */
static struct {
	int n;
	char kind[16];   /* 'o' other, 's' sample */
	uint32_t type[16];
	unsigned char fill[16];
	int whole[16];   /* every payload byte was FILL */
} seen;

static void note(const void *hdr, size_t size, char kind)
{
	const struct perf_event_header *h = hdr;
	const unsigned char *p = hdr;
	int i = seen.n++, whole = 1;

	ck_assert_int_lt(i, 16);
	ck_assert_uint_eq(size, h->size);
	for (size_t k = sizeof(*h); k < size; k++)
		whole &= p[k] == p[sizeof(*h)];
	seen.kind[i] = kind;
	seen.type[i] = h->type;
	seen.fill[i] = p[sizeof(*h)];
	seen.whole[i] = whole;
}

static void on_other(const void *hdr, size_t size, void *arg)
{
	(void)arg;
	note(hdr, size, 'o');
}

static void on_sample(const void *hdr, size_t size, void *arg)
{
	(void)arg;
	note(hdr, size, 's');
}

START_TEST(test_wrap_around)
{
	struct np_perf_ring ring;
	struct np_perf_rings r = { .ring = &ring, .n = 1 };
	struct perf_event_mmap_page *pc;
	struct fake f;

	r.scratch = malloc(65536);
	/* 40 bytes before the end: the second sample straddles it. */
	fake_init(&f, &ring, 3 * DATA - 40);
	pc = (void *)f.mem;
	fake_put(&f, PERF_RECORD_SAMPLE, 32, 0x11);
	fake_put(&f, PERF_RECORD_SAMPLE, 64, 0x22);
	fake_put(&f, PERF_RECORD_LOST, 24, 0x33);
	memset(&seen, 0, sizeof(seen));
	np_perf_rings_read(&r, on_other, on_sample, NULL);
	ck_assert_int_eq(seen.n, 3);
	ck_assert_int_eq(seen.kind[0], 'o');
	ck_assert_uint_eq(seen.type[0], PERF_RECORD_LOST);
	ck_assert_int_eq(seen.kind[1], 's');
	ck_assert_uint_eq(seen.fill[1], 0x11);
	ck_assert_int_eq(seen.kind[2], 's');
	ck_assert_uint_eq(seen.fill[2], 0x22);
	for (int i = 0; i < 3; i++)
		ck_assert(seen.whole[i]);
	/* All read, all given back; a second read finds nothing. */
	ck_assert_uint_eq(pc->data_tail, f.head);
	memset(&seen, 0, sizeof(seen));
	np_perf_rings_read(&r, on_other, on_sample, NULL);
	ck_assert_int_eq(seen.n, 0);
	/* More comes: only the new records. */
	fake_put(&f, PERF_RECORD_SAMPLE, 16, 0x44);
	np_perf_rings_read(&r, on_other, on_sample, NULL);
	ck_assert_int_eq(seen.n, 1);
	ck_assert_uint_eq(seen.fill[0], 0x44);
	ck_assert_uint_eq(pc->data_tail, f.head);
	free(f.mem);
	free(r.scratch);
}
END_TEST

START_TEST(test_others_first_across_rings)
{
	struct np_perf_ring ring[2];
	struct np_perf_rings r = { .ring = ring, .n = 2 };
	struct fake f0, f1;

	r.scratch = malloc(65536);
	fake_init(&f0, &ring[0], 0);
	fake_init(&f1, &ring[1], 0);
	/* A sample on CPU 0 whose mapping was recorded on CPU 1. */
	fake_put(&f0, PERF_RECORD_SAMPLE, 32, 0x01);
	fake_put(&f1, PERF_RECORD_MMAP2, 48, 0x02);
	memset(&seen, 0, sizeof(seen));
	np_perf_rings_read(&r, on_other, on_sample, NULL);
	ck_assert_int_eq(seen.n, 2);
	ck_assert_int_eq(seen.kind[0], 'o');
	ck_assert_uint_eq(seen.fill[0], 0x02);
	ck_assert_int_eq(seen.kind[1], 's');
	ck_assert_uint_eq(seen.fill[1], 0x01);
	free(f0.mem);
	free(f1.mem);
	free(r.scratch);
}
END_TEST

START_TEST(test_bad_size_stops)
{
	struct np_perf_ring ring;
	struct np_perf_rings r = { .ring = &ring, .n = 1 };
	struct perf_event_mmap_page *pc;
	struct fake f;

	r.scratch = malloc(65536);
	fake_init(&f, &ring, 0);
	pc = (void *)f.mem;
	fake_put(&f, PERF_RECORD_SAMPLE, 16, 0x05);
	/* A size of 0 would loop forever: the walk stops there. */
	fake_put(&f, PERF_RECORD_SAMPLE, 16, 0x06);
	f.mem[PAGE + 16 + 6] = 0;
	f.mem[PAGE + 16 + 7] = 0;
	memset(&seen, 0, sizeof(seen));
	np_perf_rings_read(&r, on_other, on_sample, NULL);
	ck_assert_int_eq(seen.n, 1);
	ck_assert_uint_eq(seen.fill[0], 0x05);
	ck_assert_uint_eq(pc->data_tail, f.head);
	free(f.mem);
	free(r.scratch);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("perf_ring");
	TCase *tc = tcase_create("read");

	tcase_add_test(tc, test_wrap_around);
	tcase_add_test(tc, test_others_first_across_rings);
	tcase_add_test(tc, test_bad_size_stops);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return np_check_run(suite());
}
