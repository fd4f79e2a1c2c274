/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of native memory: ALLOC and FREE records built with the
 * record.c encoders are read back from a memfd and replayed (bytes and
 * counts per stack, leaks, address reuse, realloc pairs, the state at a
 * moment, the peak, sampled weights), then printed by the report formats in
 * the memory views.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check-run.h"
#include "memprofile.h"
#include "profile.h"
#include "reader.h"
#include "record.h"
#include "report-options.h"
#include "report.h"

#define SEC 1000000000ull
/* start_monotonic_ns of every test file. */
#define START (100 * SEC)
/* Milliseconds after START. */
#define MS(n) (START + (uint64_t)(n) * 1000000ull)

static unsigned char file[8 << 20];
static size_t file_len;

static void keep(size_t len)
{
	ck_assert_uint_gt(len, 0);
	file_len += len;
}

#define ROOM file + file_len, sizeof(file) - file_len

static void add_meta(const char *key, const char *value)
{
	keep(np_rec_encode_meta(ROOM, key, value, strlen(value)));
}

/* A file header and the CLI's start time; INTERVAL is nativemem_interval
 * (NULL: none). */
static void begin_file(const char *interval)
{
	char start[32];

	file_len = np_rec_encode_file_header(file, sizeof(file));
	snprintf(start, sizeof(start), "%llu", (unsigned long long)START);
	add_meta("start_monotonic_ns", start);
	if (interval)
		add_meta("nativemem_interval", interval);
}

/*
 * Stacks 1..4 are made of frames in modules without a file whose paths
 * are their names: "[leaf1]" called from "[main]", and so on; stack 4 is
 * "[leaf4]" called from "[worker]".
 */
static const char *const module_names[] = {
	"[main]", "[leaf1]", "[leaf2]", "[leaf3]", "[leaf4]", "[worker]",
};
#define BASE(i) (0x100000ull * ((i) + 1))

static void add_modules(void)
{
	static const struct np_rec_segment seg = {
		.vaddr = 0, .memsz = 0x10000, .flags = NP_SEG_R | NP_SEG_X,
	};

	for (uint32_t i = 0; i < 6; i++) {
		struct np_rec_module m = {
			.id = i + 1, .bias = BASE(i), .nsegs = 1,
			.path_len = (uint32_t)strlen(module_names[i]),
			.path = module_names[i],
		};
		keep(np_rec_encode_module(ROOM, &m, &seg));
	}
}

static void add_stack(uint32_t id)
{
	uint64_t pcs[2] = { BASE(id) + 0x10, BASE(id == 4 ? 5 : 0) + 0x20 };

	keep(np_rec_encode_stack(ROOM, id, pcs, 2));
}

static void add_stacks(void)
{
	add_modules();
	for (uint32_t id = 1; id <= 4; id++)
		add_stack(id);
}

static void add_alloc_weighted(uint64_t time, uint64_t addr, uint64_t size,
			       uint64_t weight, uint32_t stack)
{
	struct np_rec_alloc a = {
		.time_ns = time, .addr = addr, .size = size, .weight = weight,
		.tid = 7, .stack_id = stack,
	};

	keep(np_rec_encode_alloc(ROOM, &a));
}

static void add_alloc(uint64_t time, uint64_t addr, uint64_t size,
		      uint32_t stack)
{
	add_alloc_weighted(time, addr, size, size, stack);
}

static void add_free(uint64_t time, uint64_t addr)
{
	struct np_rec_free f = { .time_ns = time, .addr = addr, .tid = 7 };

	keep(np_rec_encode_free(ROOM, &f));
}

static void add_lost(uint32_t kind, uint64_t count)
{
	struct np_rec_lost l = { .kind = kind, .count = count };

	keep(np_rec_encode_lost(ROOM, &l));
}

static void add_end(uint64_t time)
{
	struct np_rec_end e = { .time_ns = time };

	keep(np_rec_encode_end(ROOM, &e));
}

/* Reads the file built into P, with the --at moment AT_NS (UINT64_MAX:
 * none), as nprof report does. */
static void load(struct np_profile *p, uint64_t at_ns)
{
	int fd = memfd_create("samples.dat", MFD_CLOEXEC);
	struct np_reader *r;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, file, file_len), (ssize_t)file_len);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(np_reader_open_fd(&r, fd, "test.dat"), 0);
	np_profile_init(p);
	p->mem.at_ns = at_ns;
	ck_assert_int_eq(np_profile_read(p, r), 0);
	np_reader_close(r);
}

/* Reads the file built into P with FILTER, as nprof report does. */
static void load_filtered(struct np_profile *p,
			  const struct np_profile_filter *filter)
{
	int fd = memfd_create("samples.dat", MFD_CLOEXEC);
	struct np_reader *r;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, file, file_len), (ssize_t)file_len);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(np_reader_open_fd(&r, fd, "test.dat"), 0);
	np_profile_init(p);
	p->filter = *filter;
	ck_assert_int_eq(np_profile_read(p, r), 0);
	np_reader_close(r);
}

/* Stack ID's figures in VIEW (stack ids are the profile's stacks + 1 in
 * these files). */
static struct np_mem_value stack_value(const struct np_profile *p,
				       uint32_t id, enum np_mem_view view)
{
	ck_assert_uint_ge(p->nstacks, id);
	return np_memprofile_stack(p, &p->stacks[id - 1], view);
}

#define ck_assert_value(v, b, n)                                      \
	do {                                                          \
		struct np_mem_value v_ = (v);                         \
		ck_assert_uint_eq(v_.bytes, (b));                     \
		ck_assert_uint_eq(v_.events, (n));                    \
		ck_assert_double_eq_tol(v_.objects, (double)(n), 1e-9); \
	} while (0)

START_TEST(test_exact_bytes)
{
	struct np_profile p;

	begin_file("0");
	add_stacks();
	add_alloc(MS(1), 0x1000, 100, 1);
	add_alloc(MS(2), 0x2000, 28, 1);
	add_alloc(MS(3), 0x3000, 4096, 2);
	add_alloc(MS(4), 0x4000, 1, 3);
	add_free(MS(5), 0x1000);
	add_alloc(MS(6), 0x5000, 3, 1);
	add_end(MS(10));
	load(&p, UINT64_MAX);
	ck_assert_value(stack_value(&p, 1, NP_MEM_ALLOCATED), 131, 3);
	ck_assert_value(stack_value(&p, 2, NP_MEM_ALLOCATED), 4096, 1);
	ck_assert_value(stack_value(&p, 3, NP_MEM_ALLOCATED), 1, 1);
	ck_assert_value(stack_value(&p, 4, NP_MEM_ALLOCATED), 0, 0);
	ck_assert_value(np_memprofile_total(&p, NP_MEM_ALLOCATED), 4228, 5);
	ck_assert_uint_eq(p.mem.allocs, 5);
	ck_assert_uint_eq(p.mem.frees, 1);
	ck_assert_uint_eq(p.mem.frees_unknown, 0);
	ck_assert_uint_eq(p.mem.inconsistencies, 0);
	ck_assert_uint_eq(p.samples, 0);
	ck_assert_uint_eq(p.last_ns, MS(10));
	np_profile_release(&p);
}
END_TEST

START_TEST(test_leaks)
{
	struct np_profile p;

	begin_file("0");
	add_stacks();
	for (uint64_t i = 0; i < 10; i++)
		add_alloc(MS(i), 0x10000 + i * 0x100, 64, 1);
	add_alloc(MS(20), 0x90000, 1000, 2);
	add_alloc(MS(21), 0x91000, 500, 3);
	/* Stack 1 frees 7 of its 10; stack 3 all; stack 2 none. */
	for (uint64_t i = 0; i < 7; i++)
		add_free(MS(30 + i), 0x10000 + i * 0x100);
	add_free(MS(40), 0x91000);
	add_end(MS(50));
	load(&p, UINT64_MAX);
	ck_assert_value(stack_value(&p, 1, NP_MEM_LEAKED), 192, 3);
	ck_assert_value(stack_value(&p, 2, NP_MEM_LEAKED), 1000, 1);
	ck_assert_value(stack_value(&p, 3, NP_MEM_LEAKED), 0, 0);
	ck_assert_value(np_memprofile_total(&p, NP_MEM_LEAKED), 1192, 4);
	/* Without --at, the moment is the end: the same as the leaks. */
	ck_assert_value(np_memprofile_total(&p, NP_MEM_AT), 1192, 4);
	ck_assert_value(stack_value(&p, 1, NP_MEM_AT), 192, 3);
	ck_assert_uint_eq(p.mem.nlive, 4);
	np_profile_release(&p);
}
END_TEST

/* A free ends the latest allocation at its address; an allocation at a
 * live address replaces it. */
START_TEST(test_address_reuse)
{
	struct np_profile p;

	begin_file("0");
	add_stacks();
	add_alloc(MS(1), 0xa000, 10, 1);
	add_free(MS(2), 0xa000);
	add_alloc(MS(3), 0xa000, 20, 2);
	add_free(MS(4), 0xa000);
	add_alloc(MS(5), 0xa000, 40, 3);
	/* Freed twice: the second is of no live allocation. */
	add_alloc(MS(6), 0xb000, 5, 1);
	add_free(MS(7), 0xb000);
	add_free(MS(8), 0xb000);
	/* The free of 0xc000 was lost: the new block replaces the old. */
	add_alloc(MS(9), 0xc000, 100, 1);
	add_alloc(MS(10), 0xc000, 300, 2);
	add_end(MS(20));
	load(&p, UINT64_MAX);
	ck_assert_value(stack_value(&p, 1, NP_MEM_LEAKED), 0, 0);
	ck_assert_value(stack_value(&p, 2, NP_MEM_LEAKED), 300, 1);
	ck_assert_value(stack_value(&p, 3, NP_MEM_LEAKED), 40, 1);
	ck_assert_value(np_memprofile_total(&p, NP_MEM_LEAKED), 340, 2);
	ck_assert_value(np_memprofile_total(&p, NP_MEM_ALLOCATED), 475, 6);
	ck_assert_uint_eq(p.mem.inconsistencies, 1);
	ck_assert_uint_eq(p.mem.frees, 4);
	ck_assert_uint_eq(p.mem.frees_unknown, 1);
	ck_assert_uint_eq(p.mem.nlive, 2);
	np_profile_release(&p);
}
END_TEST

/* realloc: FREE(old) then ALLOC(new), moved or in place. */
START_TEST(test_realloc_pairs)
{
	struct np_profile p;

	begin_file("0");
	add_stacks();
	add_alloc(MS(1), 0x1000, 16, 3);
	add_free(MS(2), 0x1000);
	add_alloc(MS(2), 0x2000, 32, 3);      /* moved */
	add_free(MS(3), 0x2000);
	add_alloc(MS(3), 0x2000, 48, 3);      /* grown in place */
	add_free(MS(4), 0x2000);
	add_alloc(MS(4), 0x2000, 8, 3);       /* shrunk in place */
	/* realloc of a block from before the session: only the new one. */
	add_free(MS(5), 0x777000);
	add_alloc(MS(5), 0x3000, 64, 4);
	add_end(MS(10));
	load(&p, UINT64_MAX);
	ck_assert_value(stack_value(&p, 3, NP_MEM_ALLOCATED), 104, 4);
	ck_assert_value(stack_value(&p, 3, NP_MEM_LEAKED), 8, 1);
	ck_assert_value(stack_value(&p, 4, NP_MEM_LEAKED), 64, 1);
	ck_assert_uint_eq(p.mem.inconsistencies, 0);
	ck_assert_uint_eq(p.mem.frees_unknown, 1);
	/* The most in use at once: 48 bytes, then 48 + 0 after shrinking,
	 * then 8 + 64 = 72. */
	ck_assert_uint_eq(p.mem.peak.bytes, 72);
	ck_assert_uint_eq(p.mem.peak_ns, MS(5));
	np_profile_release(&p);
}
END_TEST

static void build_timeline(void)
{
	begin_file("0");
	add_stacks();
	add_alloc(MS(100), 0x1000, 1000, 1);
	add_alloc(MS(200), 0x2000, 2000, 2);
	add_free(MS(300), 0x1000);
	add_alloc(MS(400), 0x3000, 500, 3);
	add_free(MS(500), 0x2000);
	add_end(MS(600));
}

START_TEST(test_live_at)
{
	static const struct {
		uint64_t at_ms;
		uint64_t bytes[3]; /* stacks 1..3 */
	} cases[] = {
		{ 0, { 0, 0, 0 } },
		{ 99, { 0, 0, 0 } },
		{ 100, { 1000, 0, 0 } }, /* an event at the moment counts */
		{ 250, { 1000, 2000, 0 } },
		{ 300, { 0, 2000, 0 } },
		{ 450, { 0, 2000, 500 } },
		{ 550, { 0, 0, 500 } },
		{ 10000, { 0, 0, 500 } }, /* beyond the end: the end */
	};
	struct np_profile p;

	build_timeline();
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		uint64_t sum = 0;

		load(&p, cases[c].at_ms * 1000000ull);
		for (uint32_t id = 1; id <= 3; id++) {
			struct np_mem_value v =
			    stack_value(&p, id, NP_MEM_AT);

			ck_assert_uint_eq(v.bytes, cases[c].bytes[id - 1]);
			ck_assert_uint_eq(v.events, !!cases[c].bytes[id - 1]);
			sum += v.bytes;
		}
		ck_assert_uint_eq(np_memprofile_total(&p, NP_MEM_AT).bytes,
				  sum);
		/* The leaks do not depend on the moment. */
		ck_assert_uint_eq(np_memprofile_total(&p, NP_MEM_LEAKED).bytes,
				  500);
		ck_assert(p.mem.at_taken == (cases[c].at_ms < 500));
		np_profile_release(&p);
	}
}
END_TEST

START_TEST(test_peak)
{
	struct np_profile p;

	build_timeline();
	load(&p, UINT64_MAX);
	/* 1000 + 2000 at 200 ms; never as much again. */
	ck_assert_uint_eq(p.mem.peak.bytes, 3000);
	ck_assert_uint_eq(p.mem.peak.events, 2);
	ck_assert_uint_eq(p.mem.peak_ns, MS(200));
	ck_assert_value(stack_value(&p, 1, NP_MEM_PEAK), 1000, 1);
	ck_assert_value(stack_value(&p, 2, NP_MEM_PEAK), 2000, 1);
	ck_assert_value(stack_value(&p, 3, NP_MEM_PEAK), 0, 0);
	ck_assert_value(np_memprofile_total(&p, NP_MEM_PEAK), 3000, 2);
	np_profile_release(&p);

	/* Several rises; stacks that change after the last one, and one
	 * that does not. */
	begin_file("0");
	add_stacks();
	add_alloc(MS(1), 0x1000, 100, 1);   /* peak 100 */
	add_alloc(MS(2), 0x2000, 50, 2);    /* peak 150 */
	add_free(MS(3), 0x1000);            /* 50 */
	add_alloc(MS(4), 0x3000, 90, 3);    /* 140: not a peak */
	add_alloc(MS(5), 0x4000, 20, 3);    /* peak 160 */
	add_free(MS(6), 0x3000);            /* stack 3 changes after it */
	add_alloc(MS(7), 0x5000, 30, 1);    /* 100 */
	add_alloc(MS(8), 0x6000, 59, 4);    /* 159: not a peak */
	add_end(MS(9));
	load(&p, UINT64_MAX);
	ck_assert_uint_eq(p.mem.peak.bytes, 160);
	ck_assert_uint_eq(p.mem.peak_ns, MS(5));
	ck_assert_uint_eq(p.mem.peak_epoch, 3);
	ck_assert_value(stack_value(&p, 1, NP_MEM_PEAK), 0, 0);
	ck_assert_value(stack_value(&p, 2, NP_MEM_PEAK), 50, 1);
	ck_assert_value(stack_value(&p, 3, NP_MEM_PEAK), 110, 2);
	ck_assert_value(stack_value(&p, 4, NP_MEM_PEAK), 0, 0);
	np_profile_release(&p);
}
END_TEST

/* Sampled: each event stands for WEIGHT bytes, WEIGHT / SIZE objects. */
START_TEST(test_sampled_weights)
{
	struct np_profile p;

	begin_file("524288");
	add_stacks();
	add_alloc_weighted(MS(1), 0x1000, 4096, 528384, 1);
	add_alloc_weighted(MS(2), 0x2000, 1048576, 1220542, 1);
	add_alloc_weighted(MS(3), 0x3000, 100, 524338, 2);
	add_free(MS(4), 0x1000);
	/* 1.1 + 1.2 - 1.1 - 1.2 is not 0 in doubles: all gone must be. */
	add_alloc_weighted(MS(5), 0x4000, 10, 11, 3);
	add_alloc_weighted(MS(5), 0x5000, 10, 12, 3);
	add_free(MS(6), 0x4000);
	add_free(MS(6), 0x5000);
	add_end(MS(7));
	load(&p, UINT64_MAX);
	ck_assert_double_eq_tol(stack_value(&p, 3, NP_MEM_ALLOCATED).objects,
				2.3, 1e-9);
	ck_assert_double_eq(stack_value(&p, 3, NP_MEM_LEAKED).objects, 0);
	ck_assert_uint_eq(stack_value(&p, 3, NP_MEM_LEAKED).bytes, 0);
	ck_assert_uint_eq(stack_value(&p, 1, NP_MEM_ALLOCATED).bytes,
			  528384 + 1220542);
	ck_assert_uint_eq(stack_value(&p, 1, NP_MEM_ALLOCATED).events, 2);
	ck_assert_double_eq_tol(stack_value(&p, 1, NP_MEM_ALLOCATED).objects,
				528384.0 / 4096 + 1220542.0 / 1048576, 1e-9);
	ck_assert_double_eq_tol(stack_value(&p, 2, NP_MEM_ALLOCATED).objects,
				5243.38, 1e-9);
	ck_assert_uint_eq(stack_value(&p, 1, NP_MEM_LEAKED).bytes, 1220542);
	ck_assert_double_eq_tol(stack_value(&p, 1, NP_MEM_LEAKED).objects,
				1220542.0 / 1048576, 1e-9);
	ck_assert_uint_eq(np_memprofile_total(&p, NP_MEM_ALLOCATED).bytes,
			  528384 + 1220542 + 524338 + 23);
	ck_assert_double_eq(np_mem_objects(0, 0), 1.0);
	np_profile_release(&p);
}
END_TEST

START_TEST(test_unknown_frees)
{
	struct np_profile p;

	begin_file("0");
	add_stacks();
	/* Before any allocation: the table is still empty. */
	add_free(MS(1), 0x1000);
	add_alloc(MS(2), 0x2000, 10, 1);
	add_free(MS(3), 0x1000);
	add_free(MS(4), 0x2010);
	/* An allocation whose stack was never defined still pairs with its
	 * free, but counts nowhere. */
	add_alloc(MS(5), 0x3000, 77, 99);
	add_free(MS(6), 0x3000);
	add_alloc(MS(7), 0x4000, 88, 99);
	add_end(MS(10));
	load(&p, UINT64_MAX);
	ck_assert_uint_eq(p.mem.frees, 4);
	ck_assert_uint_eq(p.mem.frees_unknown, 3);
	ck_assert_uint_eq(p.mem.allocs_no_stack, 2);
	ck_assert_value(stack_value(&p, 1, NP_MEM_LEAKED), 10, 1);
	ck_assert_value(np_memprofile_total(&p, NP_MEM_LEAKED), 10, 1);
	ck_assert_value(np_memprofile_total(&p, NP_MEM_ALLOCATED), 10, 1);
	ck_assert_uint_eq(p.mem.nlive, 2);
	np_profile_release(&p);
}
END_TEST

/*
 * Many blocks at clustered addresses, freed in a scrambled order and
 * reused: the live table must agree with a plain array of what is live.
 */
START_TEST(test_many_blocks)
{
	enum { N = 20000 };
	static uint64_t size[N];
	struct np_profile p;
	uint64_t x = 12345, live = 0, peak = 0, t = 1;

	memset(size, 0, sizeof(size));
	begin_file("0");
	add_stacks();
	for (int round = 0; round < 6; round++) {
		for (int i = 0; i < N; i++) {
			uint64_t k;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			k = x % N;
			if (size[k]) {
				add_free(START + t++, 0x5500000000ull + k * 16);
				live -= size[k];
				size[k] = 0;
			} else {
				size[k] = 1 + x % 1000;
				add_alloc(START + t++, 0x5500000000ull + k * 16,
					  size[k], 1 + (uint32_t)(k % 4));
				live += size[k];
				if (live > peak)
					peak = live;
			}
		}
	}
	add_end(START + t);
	load(&p, UINT64_MAX);
	ck_assert_uint_eq(np_memprofile_total(&p, NP_MEM_LEAKED).bytes, live);
	ck_assert_uint_eq(p.mem.peak.bytes, peak);
	ck_assert_uint_eq(p.mem.frees_unknown, 0);
	ck_assert_uint_eq(p.mem.inconsistencies, 0);
	for (uint32_t id = 1; id <= 4; id++) {
		uint64_t want = 0, n = 0;

		for (int k = (int)id - 1; k < N; k += 4) {
			want += size[k];
			n += size[k] != 0;
		}
		ck_assert_value(stack_value(&p, id, NP_MEM_LEAKED), want, n);
	}
	/* The series for the timeline: bounded, in time order, its highest
	 * point the peak, and never above it. */
	ck_assert_uint_gt(p.mem.nseries, NP_MEM_SERIES_MAX / 4);
	ck_assert_uint_le(p.mem.nseries, NP_MEM_SERIES_MAX);
	{
		uint64_t top = 0;

		for (size_t i = 0; i < p.mem.nseries; i++) {
			if (i)
				ck_assert_uint_gt(p.mem.series[i].ns,
						  p.mem.series[i - 1].ns);
			if (p.mem.series[i].bytes > top)
				top = p.mem.series[i].bytes;
		}
		ck_assert_uint_eq(top, peak);
	}
	np_profile_release(&p);
}
END_TEST

/* --tid and --since/--until: the filter applies to allocations as the file
 * is read; a free ends a kept allocation whichever thread made it. */
START_TEST(test_filter)
{
	struct np_profile p;
	uint32_t tid = 7;

	begin_file("0");
	add_stacks();
	add_alloc(MS(100), 0x1000, 100, 1);  /* before --since */
	add_alloc(MS(1500), 0x2000, 200, 2);
	add_alloc(MS(1600), 0x3000, 300, 3);
	add_free(MS(1700), 0x3000);
	add_alloc(MS(2500), 0x4000, 400, 4); /* after --until */
	add_free(MS(2600), 0x2000);          /* after --until: not yet */
	add_end(MS(3000));
	load_filtered(&p, &(struct np_profile_filter){
		.since_ns = SEC, .until_ns = 2 * SEC, .tids = &tid, .ntids = 1,
	});
	ck_assert_uint_eq(np_memprofile_total(&p, NP_MEM_ALLOCATED).bytes, 500);
	ck_assert_uint_eq(np_memprofile_total(&p, NP_MEM_LEAKED).bytes, 200);
	ck_assert_uint_eq(p.mem.peak.bytes, 500);
	ck_assert_uint_eq(p.filtered_out, 2);
	np_profile_release(&p);

	/* Another thread's allocations are left out. */
	tid = 8;
	load_filtered(&p, &(struct np_profile_filter){
		.until_ns = UINT64_MAX, .tids = &tid, .ntids = 1,
	});
	ck_assert_uint_eq(p.mem.allocs, 0);
	ck_assert_uint_eq(p.filtered_out, 4);
	np_profile_release(&p);
}
END_TEST

/* The report of the file built, in MODE and FORMAT. */
static char *report(enum np_report_mode mode, uint64_t at_ns,
		    const struct np_report_format *format, unsigned long top)
{
	struct np_report_options opts = { .top = top, .top_given = top != 20 };
	struct np_profile p;
	struct np_report r;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	load(&p, at_ns);
	np_report_init(&r, &p, "test.dat", mode);
	if (format->symbolize)
		np_report_symbolize(&r);
	ck_assert_int_eq(format->run(&r, &opts, out), 0);
	np_report_release(&r);
	np_profile_release(&p);
	fclose(out);
	return text;
}

/* Four stacks, two blocks freed; the END record is left to the caller. */
static void build_report_body(void)
{
	begin_file("0");
	add_stacks();
	add_alloc(MS(100), 0x1000, 1536, 1);
	add_alloc(MS(110), 0x1800, 512, 1);
	add_alloc(MS(200), 0x2000, 3 << 20, 2);
	add_alloc(MS(300), 0x3000, 100, 3);
	add_free(MS(400), 0x2000);
	add_alloc(MS(500), 0x4000, 2048, 4);
	add_free(MS(600), 0x1000);
}

static void build_report_file(void)
{
	build_report_body();
	add_end(MS(1000));
}

START_TEST(test_collapsed_views)
{
	char *text;

	build_report_file();
	text = report(NP_REPORT_ALLOC, UINT64_MAX, &np_report_collapsed, 20);
	ck_assert_str_eq(text, "[main];[leaf1] 2048\n"
			       "[main];[leaf2] 3145728\n"
			       "[main];[leaf3] 100\n"
			       "[worker];[leaf4] 2048\n");
	free(text);
	text = report(NP_REPORT_LEAKS, UINT64_MAX, &np_report_collapsed, 20);
	ck_assert_str_eq(text, "[main];[leaf1] 512\n"
			       "[main];[leaf3] 100\n"
			       "[worker];[leaf4] 2048\n");
	free(text);
	text = report(NP_REPORT_LIVE, 250 * 1000000ull, &np_report_collapsed,
		      20);
	ck_assert_str_eq(text, "[main];[leaf1] 2048\n"
			       "[main];[leaf2] 3145728\n");
	free(text);
}
END_TEST

START_TEST(test_text_views)
{
	char *text;

	build_report_file();
	text = report(NP_REPORT_ALLOC, UINT64_MAX, &np_report_text, 20);
	ck_assert_ptr_nonnull(strstr(
	    text, "# nprof report: alloc, 3.0 MiB in 5 allocations, exact\n"));
	/* Self bytes and allocations, then total, by function. */
	ck_assert_ptr_nonnull(strstr(text, "self%"));
	ck_assert_ptr_nonnull(strstr(text, "allocs"));
	ck_assert_ptr_nonnull(strstr(
	    text, "  99.87% 3.0 MiB      1   99.87% 3.0 MiB      1  "
		  "[leaf2]   [leaf2]\n"));
	ck_assert_ptr_nonnull(strstr(text, "3.0 MiB in 1 allocation (99.87%):\n"
					   "    [leaf2]\n    [main]\n"));
	ck_assert_ptr_nonnull(strstr(text, "2.0 KiB in 2 allocations"));
	ck_assert_ptr_null(strstr(text, "# peak"));
	free(text);

	text = report(NP_REPORT_LEAKS, UINT64_MAX, &np_report_text, 20);
	ck_assert_ptr_nonnull(strstr(
	    text, "# nprof report: leaks, 2.6 KiB leaked in 3 allocations, "
		  "exact\n"));
	free(text);

	/* At 250 ms; the peak, 3 MiB + 2 KiB + 100 B, came at 300 ms. */
	text = report(NP_REPORT_LIVE, 250 * 1000000ull, &np_report_text, 20);
	ck_assert_ptr_nonnull(strstr(
	    text, "# nprof report: live at 0.250 s, 3.0 MiB in use in 3 "
		  "allocations, peak 3.0 MiB at 0.300 s, exact\n"));
	ck_assert_ptr_nonnull(strstr(
	    text, "\n# peak: 3.0 MiB in use at 0.300 s; the stack that held "
		  "the most then, leaf first\n"
		  "3.0 MiB in 1 allocation (99.93% of the peak):\n"
		  "    [leaf2]\n    [main]\n"));
	free(text);

	text = report(NP_REPORT_LIVE, UINT64_MAX, &np_report_text, 20);
	ck_assert_ptr_nonnull(strstr(
	    text, "# nprof report: live at the end (1.000 s), 2.6 KiB in use "
		  "in 3 allocations, peak 3.0 MiB at 0.300 s, exact\n"));
	free(text);

	/* Nothing in use at the start, but still a peak. */
	text = report(NP_REPORT_LIVE, 0, &np_report_text, 20);
	ck_assert_ptr_nonnull(strstr(text, "# nothing in use at 0.000 s\n"));
	ck_assert_ptr_nonnull(strstr(text, "# peak: 3.0 MiB"));
	free(text);
}
END_TEST

START_TEST(test_tree_view)
{
	char *text;

	build_report_file();
	text = report(NP_REPORT_ALLOC, UINT64_MAX, &np_report_tree, 20);
	ck_assert_ptr_nonnull(strstr(
	    text, "\n total%   self%       total allocs  function\n"
		  " 99.93%   0.00%     3.0 MiB      4  [main]\n"
		  " 99.87%  99.87%     3.0 MiB      1    [leaf2]\n"));
	/* 100 B is under 0.5%: hidden unless --top says otherwise. */
	ck_assert_ptr_null(strstr(text, "[leaf3]"));
	ck_assert_ptr_nonnull(strstr(text, "under 0.5% hidden"));
	free(text);
	text = report(NP_REPORT_ALLOC, UINT64_MAX, &np_report_tree, 0);
	ck_assert_ptr_nonnull(strstr(text, "  0.00%   0.00%       100 B      1"
					   "    [leaf3]\n"));
	free(text);
}
END_TEST

START_TEST(test_header_and_warnings)
{
	char *text;

	build_report_body();
	add_alloc(MS(700), 0x4000, 16, 4);      /* its free was lost */
	add_free(MS(800), 0xdead0);
	add_lost(NP_LOST_ALLOC_RING, 3);
	add_end(MS(1000));
	text = report(NP_REPORT_ALLOC, UINT64_MAX, &np_report_header, 20);
	ck_assert_ptr_nonnull(strstr(text, "\nallocation events: 6\n"
					   "frees: 3 (1 of addresses not "));
	ck_assert_ptr_nonnull(strstr(text, "\ninconsistencies: 1 ("));
	ck_assert_ptr_nonnull(strstr(text, "\nnativemem interval: 0 (exact)\n"
					   "lost allocation events: 3\n"));
	free(text);
	text = report(NP_REPORT_LEAKS, UINT64_MAX, &np_report_text, 20);
	ck_assert_ptr_nonnull(strstr(
	    text, "# warning: lost allocation events: 3 (25.0%): 3 because "
		  "the agent's allocation ring was full\n"));
	ck_assert_ptr_nonnull(strstr(text, "still in use (its free was "
					   "lost): 1\n"));
	free(text);

	/* Sampled, and a CPU file: the header has no allocation lines. */
	begin_file("524288");
	add_end(MS(1));
	text = report(NP_REPORT_ALLOC, UINT64_MAX, &np_report_text, 20);
	ck_assert_str_eq(text, "# nprof report: alloc, 0 B in 0 allocations, "
			       "sampled every 512.0 KiB\n"
			       "# no allocations in 'test.dat'\n");
	free(text);
	begin_file(NULL);
	add_end(MS(1));
	text = report(NP_REPORT_CPU, UINT64_MAX, &np_report_header, 20);
	ck_assert_ptr_null(strstr(text, "allocation events"));
	free(text);
}
END_TEST

START_TEST(test_default_view)
{
	struct np_rec_cpu_sample s = { .time_ns = MS(1), .stack_id = 1,
				       .weight = 1 };
	struct np_profile p;

	begin_file("0");
	add_stacks();
	add_alloc(MS(1), 0x1000, 10, 1);
	load(&p, UINT64_MAX);
	ck_assert_int_eq(np_report_default_mode(&p), NP_REPORT_ALLOC);
	np_profile_release(&p);
	keep(np_rec_encode_cpu_sample(ROOM, &s));
	load(&p, UINT64_MAX);
	ck_assert_int_eq(np_report_default_mode(&p), NP_REPORT_CPU);
	np_profile_release(&p);
	begin_file(NULL);
	load(&p, UINT64_MAX);
	ck_assert_int_eq(np_report_default_mode(&p), NP_REPORT_CPU);
	np_profile_release(&p);
}
END_TEST

START_TEST(test_format_bytes)
{
	static const struct {
		double bytes;
		const char *text;
	} cases[] = {
		{ 0, "0 B" },
		{ 1023, "1023 B" },
		{ 1024, "1.0 KiB" },
		{ 1536, "1.5 KiB" },
		{ 1048524, "1023.9 KiB" },
		{ 1048575, "1.0 MiB" },
		{ 3 << 20, "3.0 MiB" },
		{ 1.5 * 1073741824.0, "1.5 GiB" },
		{ 2048 * 1073741824.0, "2048.0 GiB" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		np_report_format_bytes(cases[i].bytes, buf, sizeof(buf));
		ck_assert_str_eq(buf, cases[i].text);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("memprofile");
	TCase *tc = tcase_create("replay");
	TCase *rep = tcase_create("report");

	tcase_add_test(tc, test_exact_bytes);
	tcase_add_test(tc, test_leaks);
	tcase_add_test(tc, test_address_reuse);
	tcase_add_test(tc, test_realloc_pairs);
	tcase_add_test(tc, test_live_at);
	tcase_add_test(tc, test_peak);
	tcase_add_test(tc, test_sampled_weights);
	tcase_add_test(tc, test_unknown_frees);
	tcase_add_test(tc, test_many_blocks);
	tcase_add_test(tc, test_filter);
	suite_add_tcase(s, tc);
	tcase_add_test(rep, test_collapsed_views);
	tcase_add_test(rep, test_text_views);
	tcase_add_test(rep, test_tree_view);
	tcase_add_test(rep, test_header_and_warnings);
	tcase_add_test(rep, test_default_view);
	tcase_add_test(rep, test_format_bytes);
	suite_add_tcase(s, rep);
	return np_check_run(s);
}
