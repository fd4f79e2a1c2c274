/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the record format: every type round-trips, and headers,
 * sizes and versions that cannot be are refused. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check-run.h"
#include "record.h"

static unsigned char buf[1 << 16];

/* Parses the record at BUF and decodes it into R; asserts it is whole. */
static void decode_back(size_t len, uint32_t want_type, struct np_record *r)
{
	uint32_t type, size;

	ck_assert_uint_ge(len, NP_RECORD_HEADER_SIZE);
	ck_assert_int_eq(np_rec_parse_header(buf, &type, &size), 0);
	ck_assert_uint_eq(type, want_type);
	ck_assert_uint_eq(size + NP_RECORD_HEADER_SIZE, len);
	ck_assert_int_eq(np_rec_decode(type, buf + NP_RECORD_HEADER_SIZE, size, r), 0);
}

START_TEST(test_file_header)
{
	uint32_t version = 0;

	ck_assert_uint_eq(np_rec_encode_file_header(buf, sizeof(buf)), NP_FILE_HEADER_SIZE);
	ck_assert_int_eq(np_rec_check_file_header(buf, NP_FILE_HEADER_SIZE, &version), 0);
	ck_assert_uint_eq(version, NP_FORMAT_VERSION);
	ck_assert_int_eq(np_rec_check_file_header(buf, 10, &version), NP_EMAGIC);
	buf[8] = 99;
	ck_assert_int_eq(np_rec_check_file_header(buf, NP_FILE_HEADER_SIZE, &version), NP_EVERSION);
	ck_assert_uint_eq(version, 99);
	np_rec_encode_file_header(buf, sizeof(buf));
	buf[0] = 'X';
	ck_assert_int_eq(np_rec_check_file_header(buf, NP_FILE_HEADER_SIZE, &version), NP_EMAGIC);
	np_rec_encode_file_header(buf, sizeof(buf));
	buf[12] ^= 0xff;
	ck_assert_int_eq(np_rec_check_file_header(buf, NP_FILE_HEADER_SIZE, &version), NP_EBYTEORDER);
}
END_TEST

START_TEST(test_meta)
{
	struct np_record r;
	size_t len = np_rec_encode_meta(buf, sizeof(buf), "engine", "perf cpu-clock", 14);

	decode_back(len, NP_REC_META, &r);
	ck_assert_uint_eq(r.u.meta.key_len, 6);
	ck_assert(!memcmp(r.u.meta.key, "engine", 6));
	ck_assert_uint_eq(r.u.meta.value_len, 14);
	ck_assert(!memcmp(r.u.meta.value, "perf cpu-clock", 14));
	/* An empty value is allowed, an empty key is not. */
	len = np_rec_encode_meta(buf, sizeof(buf), "warning", "", 0);
	decode_back(len, NP_REC_META, &r);
	ck_assert_uint_eq(r.u.meta.value_len, 0);
	ck_assert_int_eq(np_rec_decode(NP_REC_META, "\0x", 2, &r), NP_ECORRUPT);
	ck_assert_int_eq(np_rec_decode(NP_REC_META, "ab", 2, &r), NP_ECORRUPT);
}
END_TEST

START_TEST(test_module)
{
	struct np_rec_segment segs[3] = {
		{ 0x0, 0x1234, 0x0, NP_SEG_R },
		{ 0x4000, 0x200, 0x1000, NP_SEG_R | NP_SEG_X },
		{ 0x8000, 0x10, 0x2000, NP_SEG_R | NP_SEG_W },
	};
	const uint8_t id[20] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3 };
	struct np_rec_module m = {
		.id = 7, .time_ns = 123456789, .bias = 0x7f0000000000ull,
		.build_id_len = 20, .nsegs = 3, .path_len = 14,
		.build_id = id, .path = "/usr/lib/x.so1",
	};
	struct np_rec_segment seg;
	struct np_record r;
	size_t len = np_rec_encode_module(buf, sizeof(buf), &m, segs);

	decode_back(len, NP_REC_MODULE, &r);
	ck_assert_uint_eq(r.u.module.id, 7);
	ck_assert_uint_eq(r.u.module.time_ns, 123456789);
	ck_assert_uint_eq(r.u.module.bias, 0x7f0000000000ull);
	ck_assert_uint_eq(r.u.module.build_id_len, 20);
	ck_assert(!memcmp(r.u.module.build_id, id, 20));
	ck_assert_uint_eq(r.u.module.nsegs, 3);
	for (unsigned int i = 0; i < 3; i++) {
		np_rec_module_seg(&r.u.module, i, &seg);
		ck_assert_uint_eq(seg.vaddr, segs[i].vaddr);
		ck_assert_uint_eq(seg.memsz, segs[i].memsz);
		ck_assert_uint_eq(seg.offset, segs[i].offset);
		ck_assert_uint_eq(seg.flags, segs[i].flags);
	}
	ck_assert_uint_eq(r.u.module.path_len, 14);
	ck_assert(!memcmp(r.u.module.path, "/usr/lib/x.so1", 14));
	/* Lengths that do not add up to the size are corruption. */
	buf[NP_RECORD_HEADER_SIZE + 22] = 5; /* nsegs */
	ck_assert_int_eq(np_rec_decode(NP_REC_MODULE, buf + NP_RECORD_HEADER_SIZE,
				       (uint32_t)(len - NP_RECORD_HEADER_SIZE), &r),
			 NP_ECORRUPT);
}
END_TEST

START_TEST(test_stack)
{
	uint64_t frames[NP_MAX_FRAMES];
	struct np_record r;
	size_t len;

	for (unsigned int i = 0; i < NP_MAX_FRAMES; i++)
		frames[i] = 0x400000 + i * 0x10;
	len = np_rec_encode_stack(buf, sizeof(buf), 42, frames, NP_MAX_FRAMES);
	decode_back(len, NP_REC_STACK, &r);
	ck_assert_uint_eq(r.u.stack.id, 42);
	ck_assert_uint_eq(r.u.stack.nframes, NP_MAX_FRAMES);
	for (unsigned int i = 0; i < NP_MAX_FRAMES; i++)
		ck_assert_uint_eq(np_rec_stack_frame(&r.u.stack, i), frames[i]);
	ck_assert_uint_eq(np_rec_encode_stack(buf, sizeof(buf), 1, frames, NP_MAX_FRAMES + 1), 0);
	/* Too small a buffer: nothing is written. */
	ck_assert_uint_eq(np_rec_encode_stack(buf, 20, 1, frames, 3), 0);
	len = np_rec_encode_stack(buf, sizeof(buf), 3, frames, 0);
	decode_back(len, NP_REC_STACK, &r);
	ck_assert_uint_eq(r.u.stack.nframes, 0);
}
END_TEST

START_TEST(test_fixed_records)
{
	struct np_record r;
	struct np_rec_cpu_sample s = { 1111, 77, 5, 10101010 };
	struct np_rec_lost l = { NP_LOST_SAMPLE_RING, 9 };
	struct np_rec_end e = { 1, 2, 3, 4, 5, NP_END_TARGET_GONE };
	struct np_rec_alloc a = { 10, 0x1000, 2097143, 2097143, 8, 3 };
	struct np_rec_free f = { 11, 0x1000, 8 };
	struct np_rec_module_gone g = { 4, 99 };
	size_t len;

	len = np_rec_encode_cpu_sample(buf, sizeof(buf), &s);
	decode_back(len, NP_REC_CPU_SAMPLE, &r);
	ck_assert_uint_eq(r.u.cpu_sample.time_ns, 1111);
	ck_assert_uint_eq(r.u.cpu_sample.tid, 77);
	ck_assert_uint_eq(r.u.cpu_sample.stack_id, 5);
	ck_assert_uint_eq(r.u.cpu_sample.weight, 10101010);
	len = np_rec_encode_lost(buf, sizeof(buf), &l);
	decode_back(len, NP_REC_LOST, &r);
	ck_assert_uint_eq(r.u.lost.kind, l.kind);
	ck_assert_uint_eq(r.u.lost.count, 9);
	len = np_rec_encode_end(buf, sizeof(buf), &e);
	decode_back(len, NP_REC_END, &r);
	ck_assert_uint_eq(r.u.end.samples, 3);
	ck_assert_uint_eq(r.u.end.lost, 5);
	ck_assert_uint_eq(r.u.end.flags, NP_END_TARGET_GONE);
	len = np_rec_encode_alloc(buf, sizeof(buf), &a);
	decode_back(len, NP_REC_ALLOC, &r);
	ck_assert_uint_eq(r.u.alloc.size, 2097143);
	ck_assert_uint_eq(r.u.alloc.stack_id, 3);
	len = np_rec_encode_free(buf, sizeof(buf), &f);
	decode_back(len, NP_REC_FREE, &r);
	ck_assert_uint_eq(r.u.free.addr, 0x1000);
	len = np_rec_encode_module_gone(buf, sizeof(buf), &g);
	decode_back(len, NP_REC_MODULE_GONE, &r);
	ck_assert_uint_eq(r.u.module_gone.id, 4);
	len = np_rec_encode_thread(buf, sizeof(buf), 1234, 5, "worker-1", 8);
	decode_back(len, NP_REC_THREAD, &r);
	ck_assert_uint_eq(r.u.thread.tid, 1234);
	ck_assert_uint_eq(r.u.thread.name_len, 8);
	ck_assert(!memcmp(r.u.thread.name, "worker-1", 8));
}
END_TEST

START_TEST(test_mem_events)
{
	/* Times that go back (threads), addresses far apart and close, a
	 * tid that changes, weights above the size, the largest values. */
	const struct np_rec_alloc allocs[] = {
		{ 1000, 0x7f0000001000, 32, 32, 7, 1 },
		{ 990, 0x5555000020, 2097143, 2200000, 8, 0 },
		{ UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT32_MAX,
		  UINT32_MAX },
		{ 0, 0, 0, 0, 0, 0 },
	};
	const struct np_rec_free frees[] = {
		{ 1001, 0x7f0000001000, 7 },
		{ 5, 0x10, 9 },
	};
	struct np_mem_events_enc enc;
	struct np_mem_events_iter it;
	struct np_rec_alloc a;
	struct np_rec_free f;
	struct np_record r;
	uint32_t type;
	size_t len;

	/* An empty run is no record at all. */
	ck_assert(np_rec_mem_events_start(&enc, buf, sizeof(buf)));
	ck_assert_uint_eq(np_rec_mem_events_finish(&enc), 0);
	ck_assert(!np_rec_mem_events_start(&enc, buf, 15));

	ck_assert(np_rec_mem_events_start(&enc, buf, sizeof(buf)));
	for (int i = 0; i < 4; i++) {
		ck_assert(np_rec_mem_events_add_alloc(&enc, &allocs[i]));
		if (i < 2)
			ck_assert(np_rec_mem_events_add_free(&enc, &frees[i]));
	}
	len = np_rec_mem_events_finish(&enc);
	decode_back(len, NP_REC_MEM_EVENTS, &r);
	ck_assert_uint_eq(r.u.mem_events.count, 6);
	ck_assert_uint_eq(r.u.mem_events.allocs, 4);
	np_rec_mem_events_begin(&it, &r.u.mem_events);
	for (int i = 0; i < 4; i++) {
		ck_assert(np_rec_mem_events_next(&it, &type, &a, &f));
		ck_assert_uint_eq(type, NP_REC_ALLOC);
		ck_assert(!memcmp(&a, &allocs[i], sizeof(a)));
		if (i < 2) {
			ck_assert(np_rec_mem_events_next(&it, &type, &a, &f));
			ck_assert_uint_eq(type, NP_REC_FREE);
			ck_assert_uint_eq(f.time_ns, frees[i].time_ns);
			ck_assert_uint_eq(f.addr, frees[i].addr);
			ck_assert_uint_eq(f.tid, frees[i].tid);
		}
	}
	ck_assert(!np_rec_mem_events_next(&it, &type, &a, &f));

	/* Malformed runs are refused whole: a count too high, an unknown
	 * tag bit, a run cut inside an event. */
	buf[NP_RECORD_HEADER_SIZE] = 7;
	ck_assert_int_eq(np_rec_decode(NP_REC_MEM_EVENTS,
				       buf + NP_RECORD_HEADER_SIZE,
				       (uint32_t)len - NP_RECORD_HEADER_SIZE, &r),
			 NP_ECORRUPT);
	buf[NP_RECORD_HEADER_SIZE] = 6;
	buf[NP_RECORD_HEADER_SIZE + 8] |= 0x10;
	ck_assert_int_eq(np_rec_decode(NP_REC_MEM_EVENTS,
				       buf + NP_RECORD_HEADER_SIZE,
				       (uint32_t)len - NP_RECORD_HEADER_SIZE, &r),
			 NP_ECORRUPT);
	buf[NP_RECORD_HEADER_SIZE + 8] &= ~0x10;
	ck_assert_int_eq(np_rec_decode(NP_REC_MEM_EVENTS,
				       buf + NP_RECORD_HEADER_SIZE,
				       (uint32_t)len - NP_RECORD_HEADER_SIZE - 1, &r),
			 NP_ECORRUPT);

	/* The CLI's shallow decoding takes what fits the counts unwalked,
	 * and refuses counts the payload cannot hold. */
	ck_assert_int_eq(np_rec_decode_shallow(NP_REC_MEM_EVENTS,
					       buf + NP_RECORD_HEADER_SIZE,
					       (uint32_t)len - NP_RECORD_HEADER_SIZE - 1,
					       &r),
			 0);
	ck_assert_uint_eq(r.u.mem_events.count, 6);
	buf[NP_RECORD_HEADER_SIZE] = 200;
	ck_assert_int_eq(np_rec_decode_shallow(NP_REC_MEM_EVENTS,
					       buf + NP_RECORD_HEADER_SIZE,
					       (uint32_t)len - NP_RECORD_HEADER_SIZE,
					       &r),
			 NP_ECORRUPT);

	/* A full buffer says so rather than writing past it. */
	ck_assert(np_rec_mem_events_start(&enc, buf, 16 + NP_MEM_EVENT_MAX));
	ck_assert(np_rec_mem_events_add_alloc(&enc, &allocs[2]));
	ck_assert(!np_rec_mem_events_add_free(&enc, &frees[0]));
	ck_assert_uint_le(np_rec_mem_events_finish(&enc), 16 + NP_MEM_EVENT_MAX);
}
END_TEST

/* Decodes the STACKS run in BUF and completes each definition with the
 * frames of the ones before it (ids FIRST on, at most 8): their counts. */
static void read_stacks(size_t len, uint64_t frames[][NP_MAX_FRAMES],
			int *counts, uint32_t first)
{
	struct np_stacks_iter it;
	struct np_stack_def d;
	struct np_record r;
	int i = 0;

	decode_back(len, NP_REC_STACKS, &r);
	ck_assert_uint_eq(r.u.stacks.first_id, first);
	np_rec_stacks_begin(&it, &r.u.stacks);
	while (np_rec_stacks_next(&it, &d)) {
		const uint64_t *parent = NULL;
		int parent_n = 0;

		ck_assert_uint_eq(d.id, first + (uint32_t)i);
		if (d.parent) {
			ck_assert_uint_ge(d.parent, first);
			parent = frames[d.parent - first];
			parent_n = counts[d.parent - first];
		}
		counts[i] = np_rec_stack_def_frames(&d, parent,
						    (uint32_t)parent_n,
						    frames[i]);
		i++;
	}
	ck_assert_int_eq(i, (int)r.u.stacks.count);
}

START_TEST(test_stacks)
{
	/* Leaf first.  B shares A's three root frames; C is all of B's; D
	 * is alone, with frames far apart and the largest address; E shares
	 * nothing but is B's child (keep 0); F is 256 deep. */
	static const uint64_t a[] = { 0x401010, 0x401200, 0x7f0000002000,
				      0x401000 };
	static const uint64_t b[] = { 0x401777, 0x401200, 0x7f0000002000,
				      0x401000 };
	static const uint64_t c[] = { 0x7f0000002000, 0x401000 };
	static const uint64_t d[] = { UINT64_MAX, 0, 0x10, 1 };
	static const uint64_t e[] = { 0x5000 };
	static uint64_t f[NP_MAX_FRAMES];
	static uint64_t got[8][NP_MAX_FRAMES];
	int counts[8];
	struct np_stacks_enc enc;
	struct np_record r;
	size_t len;

	for (int i = 0; i < NP_MAX_FRAMES; i++)
		f[i] = 0x400000 + (uint64_t)i * 0x1234567;
	ck_assert(np_rec_stacks_start(&enc, buf, sizeof(buf)));
	ck_assert_uint_eq(np_rec_stacks_finish(&enc), 0);
	ck_assert(!np_rec_stacks_start(&enc, buf, 15));

	ck_assert(np_rec_stacks_start(&enc, buf, sizeof(buf)));
	ck_assert(np_rec_stacks_add(&enc, 10, 0, 0, a, 4));
	ck_assert(np_rec_stacks_add(&enc, 11, 10, 3, b, 4));
	ck_assert(np_rec_stacks_add(&enc, 12, 11, 2, c, 2));
	ck_assert(np_rec_stacks_add(&enc, 13, 0, 0, d, 4));
	ck_assert(np_rec_stacks_add(&enc, 14, 11, 0, e, 1));
	ck_assert(np_rec_stacks_add(&enc, 15, 0, 0, f, NP_MAX_FRAMES));
	/* Not the next id; a parent not before it; keep without a parent;
	 * keep beyond the frames; too deep. */
	ck_assert(!np_rec_stacks_add(&enc, 17, 0, 0, a, 4));
	ck_assert(!np_rec_stacks_add(&enc, 16, 16, 1, a, 4));
	ck_assert(!np_rec_stacks_add(&enc, 16, 0, 1, a, 4));
	ck_assert(!np_rec_stacks_add(&enc, 16, 10, 5, a, 4));
	ck_assert(!np_rec_stacks_add(&enc, 16, 0, 0, f, NP_MAX_FRAMES + 1));
	len = np_rec_stacks_finish(&enc);
	read_stacks(len, got, counts, 10);
	ck_assert_int_eq(counts[0], 4);
	ck_assert(!memcmp(got[0], a, sizeof(a)));
	ck_assert_int_eq(counts[1], 4);
	ck_assert(!memcmp(got[1], b, sizeof(b)));
	ck_assert_int_eq(counts[2], 2);
	ck_assert(!memcmp(got[2], c, sizeof(c)));
	ck_assert_int_eq(counts[3], 4);
	ck_assert(!memcmp(got[3], d, sizeof(d)));
	ck_assert_int_eq(counts[4], 1);
	ck_assert(!memcmp(got[4], e, sizeof(e)));
	ck_assert_int_eq(counts[5], NP_MAX_FRAMES);
	ck_assert(!memcmp(got[5], f, sizeof(f)));
	/* Sharing makes B small: a byte each for back, keep, count, frame
	 * (0x401777 - 0x401200 needs two). */
	ck_assert_uint_le(len, 8 + 8 + 4 * 10 + 5 + 4 + 4 + 3 + 4 * 10 +
				       3 + 3 + NP_MAX_FRAMES * 10);

	/* A parent with fewer frames than kept cannot complete it. */
	{
		struct np_stack_def def = { .id = 2, .parent = 1, .keep = 3 };

		ck_assert_int_eq(np_rec_stack_def_frames(&def, a, 2, got[7]),
				 -1);
	}

	/* Malformed runs: a count too high, a parent before id 1 (back 11
	 * on id 10), a run cut inside a definition, id 0. */
	ck_assert(np_rec_stacks_start(&enc, buf, sizeof(buf)));
	ck_assert(np_rec_stacks_add(&enc, 10, 0, 0, a, 4));
	len = np_rec_stacks_finish(&enc);
	buf[NP_RECORD_HEADER_SIZE + 4] = 2;
	ck_assert_int_eq(np_rec_decode(NP_REC_STACKS, buf + NP_RECORD_HEADER_SIZE,
				       (uint32_t)len - NP_RECORD_HEADER_SIZE, &r),
			 NP_ECORRUPT);
	buf[NP_RECORD_HEADER_SIZE + 4] = 1;
	buf[NP_RECORD_HEADER_SIZE + 8] = 10;
	ck_assert_int_eq(np_rec_decode(NP_REC_STACKS, buf + NP_RECORD_HEADER_SIZE,
				       (uint32_t)len - NP_RECORD_HEADER_SIZE, &r),
			 NP_ECORRUPT);
	buf[NP_RECORD_HEADER_SIZE + 8] = 0;
	ck_assert_int_eq(np_rec_decode(NP_REC_STACKS, buf + NP_RECORD_HEADER_SIZE,
				       (uint32_t)len - NP_RECORD_HEADER_SIZE - 1, &r),
			 NP_ECORRUPT);
	ck_assert_int_eq(np_rec_decode(NP_REC_STACKS, buf + NP_RECORD_HEADER_SIZE,
				       (uint32_t)len - NP_RECORD_HEADER_SIZE, &r),
			 0);
	buf[NP_RECORD_HEADER_SIZE] = 0;
	ck_assert_int_eq(np_rec_decode(NP_REC_STACKS, buf + NP_RECORD_HEADER_SIZE,
				       (uint32_t)len - NP_RECORD_HEADER_SIZE, &r),
			 NP_ECORRUPT);

	/* A full buffer says so rather than writing past it. */
	ck_assert(np_rec_stacks_start(&enc, buf, 16 + 15 + 4 * 10));
	ck_assert(np_rec_stacks_add(&enc, 1, 0, 0, a, 4));
	ck_assert(!np_rec_stacks_add(&enc, 2, 0, 0, b, 4));
	ck_assert_uint_le(np_rec_stacks_finish(&enc), 16 + 15 + 4 * 10);
}
END_TEST

START_TEST(test_cpu_samples)
{
	/* Times that go back (threads), tids and weights that change and
	 * do not, the largest values, and stack 0 (none). */
	const struct np_rec_cpu_sample samples[] = {
		{ 5000000000, 77, 5, 1001001 },
		{ 5001001001, 77, 5, 1001001 },
		{ 5001000000, 78, 300, 1001001 },
		{ 5002002002, 78, 0, 4000000 },
		{ UINT64_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX },
		{ 0, 0, 1, 0 },
	};
	struct np_cpu_samples_enc enc;
	struct np_cpu_samples_iter it;
	struct np_rec_cpu_sample s;
	struct np_record r;
	size_t len;

	ck_assert(np_rec_cpu_samples_start(&enc, buf, sizeof(buf)));
	ck_assert_uint_eq(np_rec_cpu_samples_finish(&enc), 0);
	ck_assert(!np_rec_cpu_samples_start(&enc, buf, 11));

	ck_assert(np_rec_cpu_samples_start(&enc, buf, sizeof(buf)));
	for (int i = 0; i < 6; i++)
		ck_assert(np_rec_cpu_samples_add(&enc, &samples[i]));
	len = np_rec_cpu_samples_finish(&enc);
	decode_back(len, NP_REC_CPU_SAMPLES, &r);
	ck_assert_uint_eq(r.u.cpu_samples.count, 6);
	np_rec_cpu_samples_begin(&it, &r.u.cpu_samples);
	for (int i = 0; i < 6; i++) {
		ck_assert(np_rec_cpu_samples_next(&it, &s));
		ck_assert_uint_eq(s.time_ns, samples[i].time_ns);
		ck_assert_uint_eq(s.tid, samples[i].tid);
		ck_assert_uint_eq(s.stack_id, samples[i].stack_id);
		ck_assert_uint_eq(s.weight, samples[i].weight);
	}
	ck_assert(!np_rec_cpu_samples_next(&it, &s));

	/* The second sample, same thread and weight 1 ms on: 4 bytes. */
	ck_assert(np_rec_cpu_samples_start(&enc, buf, sizeof(buf)));
	ck_assert(np_rec_cpu_samples_add(&enc, &samples[0]));
	len = np_rec_cpu_samples_finish(&enc);
	ck_assert(np_rec_cpu_samples_start(&enc, buf, sizeof(buf)));
	ck_assert(np_rec_cpu_samples_add(&enc, &samples[0]));
	ck_assert(np_rec_cpu_samples_add(&enc, &samples[1]));
	ck_assert_uint_eq(np_rec_cpu_samples_finish(&enc), len + 4);

	/* Malformed runs: a count too high, a first sample without its
	 * thread, a run cut inside a sample. */
	buf[NP_RECORD_HEADER_SIZE] = 3;
	ck_assert_int_eq(np_rec_decode(NP_REC_CPU_SAMPLES,
				       buf + NP_RECORD_HEADER_SIZE,
				       (uint32_t)len + 4 - NP_RECORD_HEADER_SIZE, &r),
			 NP_ECORRUPT);
	buf[NP_RECORD_HEADER_SIZE] = 2;
	buf[NP_RECORD_HEADER_SIZE + 4] &= ~1;
	ck_assert_int_eq(np_rec_decode(NP_REC_CPU_SAMPLES,
				       buf + NP_RECORD_HEADER_SIZE,
				       (uint32_t)len + 4 - NP_RECORD_HEADER_SIZE, &r),
			 NP_ECORRUPT);
	buf[NP_RECORD_HEADER_SIZE + 4] |= 1;
	ck_assert_int_eq(np_rec_decode(NP_REC_CPU_SAMPLES,
				       buf + NP_RECORD_HEADER_SIZE,
				       (uint32_t)len + 3 - NP_RECORD_HEADER_SIZE, &r),
			 NP_ECORRUPT);
	/* Shallow: what fits the count passes unwalked; the CLI counts. */
	ck_assert_int_eq(np_rec_decode_shallow(NP_REC_CPU_SAMPLES,
					       buf + NP_RECORD_HEADER_SIZE,
					       (uint32_t)len + 3 - NP_RECORD_HEADER_SIZE,
					       &r),
			 0);
	ck_assert_uint_eq(r.u.cpu_samples.count, 2);
	buf[NP_RECORD_HEADER_SIZE] = 200;
	ck_assert_int_eq(np_rec_decode_shallow(NP_REC_CPU_SAMPLES,
					       buf + NP_RECORD_HEADER_SIZE,
					       (uint32_t)len + 4 - NP_RECORD_HEADER_SIZE,
					       &r),
			 NP_ECORRUPT);

	/* A full buffer says so rather than writing past it. */
	ck_assert(np_rec_cpu_samples_start(&enc, buf, 12 + NP_CPU_SAMPLE_MAX));
	ck_assert(np_rec_cpu_samples_add(&enc, &samples[4]));
	ck_assert(!np_rec_cpu_samples_add(&enc, &samples[0]));
	ck_assert_uint_le(np_rec_cpu_samples_finish(&enc), 12 + NP_CPU_SAMPLE_MAX);
}
END_TEST

START_TEST(test_bad_headers)
{
	uint32_t type, size;
	unsigned char h[8];
	uint32_t v;

	/* Unknown types, and sizes a type cannot have. */
	v = 0; memcpy(h, &v, 4); v = 4; memcpy(h + 4, &v, 4);
	ck_assert_int_eq(np_rec_parse_header(h, &type, &size), NP_ECORRUPT);
	v = NP_REC_TYPE_MAX + 1; memcpy(h, &v, 4);
	ck_assert_int_eq(np_rec_parse_header(h, &type, &size), NP_ECORRUPT);
	v = NP_REC_CPU_SAMPLE; memcpy(h, &v, 4); v = 19; memcpy(h + 4, &v, 4);
	ck_assert_int_eq(np_rec_parse_header(h, &type, &size), NP_ECORRUPT);
	v = NP_REC_META; memcpy(h, &v, 4); v = NP_RECORD_MAX_PAYLOAD + 1; memcpy(h + 4, &v, 4);
	ck_assert_int_eq(np_rec_parse_header(h, &type, &size), NP_ECORRUPT);
	v = NP_REC_CPU_SAMPLE; memcpy(h, &v, 4); v = 20; memcpy(h + 4, &v, 4);
	ck_assert_int_eq(np_rec_parse_header(h, &type, &size), 0);
	ck_assert_str_eq(np_rec_type_name(NP_REC_CPU_SAMPLE), "cpu_sample");
	ck_assert_ptr_null(np_rec_type_name(0));
	/* A LOST record of an unknown kind is corrupt. */
	struct np_rec_lost l = { 99, 1 };
	struct np_record r;
	size_t len = np_rec_encode_lost(buf, sizeof(buf), &l);
	ck_assert_int_eq(np_rec_decode(NP_REC_LOST, buf + 8, (uint32_t)len - 8, &r), NP_ECORRUPT);
}
END_TEST

/* Completes every definition of a run, against a parent of any depth. */
static void walk_stacks(const struct np_rec_stacks *s)
{
	static uint64_t parent[NP_MAX_FRAMES], out[NP_MAX_FRAMES];
	struct np_stacks_iter it;
	struct np_stack_def d;

	np_rec_stacks_begin(&it, s);
	while (np_rec_stacks_next(&it, &d))
		(void)np_rec_stack_def_frames(&d, parent,
					      (uint32_t)rand() % (NP_MAX_FRAMES + 1),
					      out);
}

static void walk_cpu_samples(const struct np_rec_cpu_samples *c)
{
	struct np_cpu_samples_iter it;
	struct np_rec_cpu_sample s;

	np_rec_cpu_samples_begin(&it, c);
	while (np_rec_cpu_samples_next(&it, &s))
		;
}

START_TEST(test_random_never_crashes)
{
	/* Decoding arbitrary bytes returns an error or a record, and never
	 * reads past the payload (checked by the sanitizer build). */
	srand(1);
	for (int i = 0; i < 20000; i++) {
		uint32_t type = (uint32_t)(rand() % (NP_REC_TYPE_MAX + 2));
		uint32_t size = (uint32_t)(rand() % 300);
		unsigned char *p = malloc(size ? size : 1);
		struct np_record r;

		for (uint32_t j = 0; j < size; j++)
			p[j] = (unsigned char)rand();
		if (np_rec_decode(type, p, size, &r) != 0)
			;
		else if (type == NP_REC_STACK)
			for (unsigned int k = 0; k < r.u.stack.nframes; k++)
				(void)np_rec_stack_frame(&r.u.stack, k);
		else if (type == NP_REC_STACKS)
			walk_stacks(&r.u.stacks);
		else if (type == NP_REC_CPU_SAMPLES)
			walk_cpu_samples(&r.u.cpu_samples);
		free(p);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_file_header);
	tcase_add_test(tc, test_meta);
	tcase_add_test(tc, test_module);
	tcase_add_test(tc, test_stack);
	tcase_add_test(tc, test_fixed_records);
	tcase_add_test(tc, test_mem_events);
	tcase_add_test(tc, test_stacks);
	tcase_add_test(tc, test_cpu_samples);
	tcase_add_test(tc, test_bad_headers);
	tcase_add_test(tc, test_random_never_crashes);
	suite_add_tcase(s, tc);
	return np_check_run(s);
}
