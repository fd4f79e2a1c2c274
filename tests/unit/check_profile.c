/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the reader and the profile: record sequences built with the
 * record encoders in a memfd (mostly the version 1 STACK and CPU_SAMPLE,
 * simplest to write by hand) are read back and aggregated; cut-short,
 * corrupted, foreign and too new files are told apart.  (Native memory:
 * check_memprofile.c; the report's options: check_report_options.c.)
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check-run.h"
#include "profile.h"
#include "reader.h"
#include "record.h"

/* The file being built: a file header, then records. */
static unsigned char file[1 << 16];
static size_t file_len;

static void begin_file(void)
{
	file_len = np_rec_encode_file_header(file, sizeof(file));
}

/* Asserts that an encoder's record fit, and keeps it. */
static size_t keep(size_t len)
{
	ck_assert_uint_gt(len, 0);
	file_len += len;
	return len;
}

#define ROOM file + file_len, sizeof(file) - file_len

static size_t add_meta(const char *key, const char *value)
{
	return keep(np_rec_encode_meta(ROOM, key, value, strlen(value)));
}

static size_t add_stack(uint32_t id, const uint64_t *pcs, uint32_t n)
{
	return keep(np_rec_encode_stack(ROOM, id, pcs, n));
}

static size_t add_samples(uint32_t stack_id, uint32_t tid, uint32_t weight,
			  unsigned int n)
{
	size_t len = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct np_rec_cpu_sample s = {
			.time_ns = 1000 + i, .tid = tid, .stack_id = stack_id,
			.weight = weight,
		};
		len += keep(np_rec_encode_cpu_sample(ROOM, &s));
	}
	return len;
}

static size_t add_lost(uint32_t kind, uint64_t count)
{
	struct np_rec_lost l = { .kind = kind, .count = count };

	return keep(np_rec_encode_lost(ROOM, &l));
}

static size_t add_end(void)
{
	struct np_rec_end e = { .time_ns = 5000, .samples = 0 };

	return keep(np_rec_encode_end(ROOM, &e));
}

/* Opens LEN bytes of DATA with a reader, as a file called "test.dat". */
static int open_data(struct np_reader **r, const void *data, size_t len)
{
	int fd = memfd_create("samples.dat", MFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return np_reader_open_fd(r, fd, "test.dat");
}

/* Opens the first LEN bytes of the file being built. */
static int open_bytes(struct np_reader **r, size_t len)
{
	return open_data(r, file, len);
}

/* Reads the first LEN bytes into P; returns the reader's result. */
static int read_bytes(struct np_profile *p, size_t len)
{
	struct np_reader *r;
	int rc = open_bytes(&r, len);

	np_profile_init(p);
	if (rc == 0)
		rc = np_profile_read(p, r);
	np_reader_close(r);
	return rc;
}

/* The profile's stack with frames PCS, or NULL. */
static const struct np_stack *find_stack(const struct np_profile *p,
					 const uint64_t *pcs, uint32_t n)
{
	for (size_t i = 0; i < p->nstacks; i++)
		if (p->stacks[i].nframes == n &&
		    !memcmp(p->stacks[i].pcs, pcs, n * sizeof(*pcs)))
			return &p->stacks[i];
	return NULL;
}

static const uint64_t stack_a[] = { 0x1010, 0x2020, 0x3030 };
static const uint64_t stack_b[] = { 0x1111, 0x2020, 0x3030 };

START_TEST(test_counts_per_stack)
{
	struct np_profile p;

	begin_file();
	add_meta("engine", "perf cpu-clock");
	add_meta("warning", "first");
	add_meta("warning", "second");
	add_stack(1, stack_a, 3);
	add_stack(2, stack_b, 3);
	add_samples(1, 100, 10, 3);
	add_samples(2, 101, 20, 5);
	add_samples(1, 101, 10, 1);
	add_end();
	ck_assert_int_eq(read_bytes(&p, file_len), 0);
	ck_assert(!p.cut_short);
	ck_assert(p.has_end);
	ck_assert_uint_eq(p.nstacks, 2);
	ck_assert_uint_eq(find_stack(&p, stack_a, 3)->samples, 4);
	ck_assert_uint_eq(find_stack(&p, stack_a, 3)->weight, 40);
	ck_assert_uint_eq(find_stack(&p, stack_b, 3)->samples, 5);
	ck_assert_uint_eq(find_stack(&p, stack_b, 3)->weight, 100);
	ck_assert_uint_eq(p.samples, 9);
	ck_assert_uint_eq(p.weight, 140);
	ck_assert_uint_eq(p.nthreads, 2);
	ck_assert_uint_eq(p.threads[0].samples + p.threads[1].samples, 9);
	ck_assert_str_eq(np_profile_meta(&p, "engine"), "perf cpu-clock");
	/* A repeated key keeps every value; the lookup gives the last. */
	ck_assert_uint_eq(p.nmeta, 3);
	ck_assert_str_eq(np_profile_meta(&p, "warning"), "second");
	ck_assert_ptr_null(np_profile_meta(&p, "nothing"));
	np_profile_release(&p);
}
END_TEST

START_TEST(test_stack_redefinition)
{
	struct np_profile p;

	begin_file();
	add_stack(1, stack_a, 3);
	add_samples(1, 100, 1, 2);
	/* The agent reset its table: id 1 is another stack from now on. */
	add_stack(1, stack_b, 3);
	add_samples(1, 100, 1, 3);
	/* The same frames under a new id are the same stack. */
	add_stack(7, stack_a, 3);
	add_samples(7, 100, 1, 4);
	/* An id never defined: counted apart. */
	add_samples(9, 100, 1, 6);
	add_end();
	ck_assert_int_eq(read_bytes(&p, file_len), 0);
	ck_assert_uint_eq(p.nstacks, 2);
	ck_assert_uint_eq(find_stack(&p, stack_a, 3)->samples, 6);
	ck_assert_uint_eq(find_stack(&p, stack_b, 3)->samples, 3);
	ck_assert_uint_eq(p.samples, 9);
	ck_assert_uint_eq(p.samples_no_stack, 6);
	np_profile_release(&p);
}
END_TEST

/* STACKS and CPU_SAMPLES, as the agent writes them: a stack completed by
 * its parent's frames, a parent the file never defined. */
START_TEST(test_packed_records)
{
	static const uint64_t stack_c[] = { 0x1212, 0x1010, 0x2020, 0x3030 };
	struct np_stacks_enc st;
	struct np_cpu_samples_enc cs;
	struct np_profile p;
	struct np_rec_cpu_sample s = { .time_ns = 5000000000, .tid = 100,
				       .weight = 1000000 };

	begin_file();
	ck_assert(np_rec_stacks_start(&st, ROOM));
	ck_assert(np_rec_stacks_add(&st, 1, 0, 0, stack_a, 3));
	ck_assert(np_rec_stacks_add(&st, 2, 1, 2, stack_b, 3));
	ck_assert(np_rec_stacks_add(&st, 3, 1, 3, stack_c, 4));
	keep(np_rec_stacks_finish(&st));
	/* Stack 5 shares frames with stack 4, which is nowhere. */
	ck_assert(np_rec_stacks_start(&st, ROOM));
	ck_assert(np_rec_stacks_add(&st, 5, 4, 1, stack_a, 3));
	keep(np_rec_stacks_finish(&st));
	ck_assert(np_rec_cpu_samples_start(&cs, ROOM));
	for (uint32_t i = 0; i < 10; i++) {
		s.stack_id = i % 5 + 1;
		s.time_ns += 1001001;
		ck_assert(np_rec_cpu_samples_add(&cs, &s));
	}
	keep(np_rec_cpu_samples_finish(&cs));
	add_end();
	ck_assert_int_eq(read_bytes(&p, file_len), 0);
	ck_assert_uint_eq(p.nstacks, 3);
	ck_assert_uint_eq(find_stack(&p, stack_a, 3)->samples, 2);
	ck_assert_uint_eq(find_stack(&p, stack_b, 3)->samples, 2);
	ck_assert_uint_eq(find_stack(&p, stack_c, 4)->samples, 2);
	ck_assert_uint_eq(p.samples, 6);
	ck_assert_uint_eq(p.samples_no_stack, 4);
	ck_assert_uint_eq(p.last_ns, 5000000000 + 10 * 1001001);
	np_profile_release(&p);
}
END_TEST

/* A version 1 file (STACK and CPU_SAMPLE records) still reads. */
START_TEST(test_version_1)
{
	struct np_profile p;

	begin_file();
	file[8] = 1;
	add_stack(1, stack_a, 3);
	add_samples(1, 100, 10, 3);
	add_end();
	ck_assert_int_eq(read_bytes(&p, file_len), 0);
	ck_assert_uint_eq(p.version, 1);
	ck_assert_uint_eq(find_stack(&p, stack_a, 3)->samples, 3);
	np_profile_release(&p);
}
END_TEST

START_TEST(test_lost_sums)
{
	struct np_profile p;

	begin_file();
	add_lost(NP_LOST_SAMPLE_RING, 5);
	add_lost(NP_LOST_UNWIND, 1);
	add_lost(NP_LOST_SAMPLE_RING, 7);
	add_lost(NP_LOST_STREAM, 2);
	add_end();
	ck_assert_int_eq(read_bytes(&p, file_len), 0);
	ck_assert_uint_eq(p.lost[NP_LOST_SAMPLE_RING], 12);
	ck_assert_uint_eq(p.lost[NP_LOST_UNWIND], 1);
	ck_assert_uint_eq(p.lost[NP_LOST_STREAM], 2);
	ck_assert_uint_eq(p.lost[NP_LOST_ALLOC_RING], 0);
	ck_assert_uint_eq(np_profile_lost_total(&p), 15);
	np_profile_release(&p);
}
END_TEST

START_TEST(test_modules)
{
	static const struct np_rec_segment segs[] = {
	    {.vaddr = 0, .memsz = 0x1000, .flags = NP_SEG_R},
	    {.vaddr = 0x1000, .memsz = 0x2000, .flags = NP_SEG_R | NP_SEG_X},
	};
	static const uint8_t build_id[] = { 0xab, 0xcd, 0xef };
	struct np_rec_module m = {
		.id = 3, .time_ns = 10, .bias = 0x7f0000000000,
		.build_id_len = 3, .nsegs = 2, .path_len = 9,
		.build_id = build_id, .path = "/lib/x.so",
	};
	struct np_rec_module_gone g = { .id = 3, .time_ns = 20 };
	struct np_profile p;

	begin_file();
	keep(np_rec_encode_module(ROOM, &m, segs));
	keep(np_rec_encode_module_gone(ROOM, &g));
	/* Loaded again under the same id: a second module, still loaded. */
	keep(np_rec_encode_module(ROOM, &m, segs));
	add_end();
	ck_assert_int_eq(read_bytes(&p, file_len), 0);
	ck_assert_uint_eq(p.nmodules, 2);
	ck_assert_str_eq(p.modules[0].path, "/lib/x.so");
	ck_assert_uint_eq(p.modules[0].bias, 0x7f0000000000);
	ck_assert_uint_eq(p.modules[0].nsegs, 2);
	ck_assert_uint_eq(p.modules[0].segs[1].vaddr, 0x1000);
	ck_assert_uint_eq(p.modules[0].segs[1].memsz, 0x2000);
	ck_assert_uint_eq(p.modules[0].build_id_len, 3);
	ck_assert_mem_eq(p.modules[0].build_id, build_id, 3);
	ck_assert_uint_eq(p.modules[0].gone_ns, 20);
	ck_assert_uint_lt(p.modules[0].load_seq, p.modules[0].gone_seq);
	ck_assert_uint_eq(p.modules[1].gone_seq, UINT64_MAX);
	np_profile_release(&p);
}
END_TEST

/*
 * Every cut of a good file reads without error: the records before the cut
 * are kept, and the file is cut short unless it ends with its END record.
 */
START_TEST(test_cut_short)
{
	size_t ends[16], nrec = 0;
	struct np_profile p;

	begin_file();
	ends[nrec++] = file_len; /* after the file header: no record */
	add_meta("engine", "itimer");
	ends[nrec++] = file_len;
	add_stack(1, stack_a, 3);
	ends[nrec++] = file_len;
	add_samples(1, 100, 1, 1);
	ends[nrec++] = file_len;
	add_samples(1, 100, 1, 1);
	ends[nrec++] = file_len;
	add_end();
	ends[nrec++] = file_len;

	for (size_t len = NP_FILE_HEADER_SIZE; len <= file_len; len++) {
		size_t whole = 0;

		while (whole + 1 < nrec && ends[whole + 1] <= len)
			whole++;
		ck_assert_int_eq(read_bytes(&p, len), 0);
		ck_assert_uint_eq(p.records, whole);
		ck_assert(p.cut_short == (len != file_len));
		ck_assert(p.has_end == (len == file_len));
		ck_assert_uint_eq(p.samples, (whole >= 3) + (whole >= 4));
		np_profile_release(&p);
	}
}
END_TEST

START_TEST(test_no_end_is_cut_short)
{
	struct np_profile p;

	begin_file();
	add_stack(1, stack_a, 3);
	add_samples(1, 100, 1, 2);
	ck_assert_int_eq(read_bytes(&p, file_len), 0);
	ck_assert(p.cut_short);
	ck_assert_uint_eq(p.samples, 2);
	np_profile_release(&p);
}
END_TEST

START_TEST(test_corrupted_record)
{
	struct np_profile p;
	struct np_reader *r;
	struct np_record rec;
	size_t bad;
	char want[64];

	/* An unknown type in the middle. */
	begin_file();
	add_stack(1, stack_a, 3);
	bad = file_len;
	add_samples(1, 100, 1, 1);
	add_samples(1, 100, 1, 1);
	add_end();
	file[bad] = 200;
	ck_assert_int_eq(read_bytes(&p, file_len), NP_ECORRUPT);
	np_profile_release(&p);
	ck_assert_int_eq(open_bytes(&r, file_len), 0);
	ck_assert_int_eq(np_reader_next(r, &rec), 1);
	ck_assert_int_eq(np_reader_next(r, &rec), NP_ECORRUPT);
	snprintf(want, sizeof(want), "offset %zu", bad);
	ck_assert_ptr_nonnull(strstr(np_reader_errmsg(r), want));
	ck_assert_ptr_nonnull(strstr(np_reader_errmsg(r), "test.dat"));
	ck_assert_ptr_nonnull(strstr(np_reader_errmsg(r), "type 200"));
	/* Errors stick. */
	ck_assert_int_eq(np_reader_next(r, &rec), NP_ECORRUPT);
	np_reader_close(r);

	/* An impossible size for the type (a CPU sample is 20 bytes). */
	file[bad] = NP_REC_CPU_SAMPLE;
	file[bad + 4] = 21;
	ck_assert_int_eq(read_bytes(&p, file_len), NP_ECORRUPT);
	np_profile_release(&p);

	/* A size beyond any record, even where the file ends. */
	begin_file();
	add_stack(1, stack_a, 3);
	bad = file_len;
	add_samples(1, 100, 1, 1);
	file[bad + 7] = 0x7f;
	ck_assert_int_eq(read_bytes(&p, file_len), NP_ECORRUPT);
	np_profile_release(&p);

	/* A record whose payload contradicts itself. */
	begin_file();
	bad = file_len;
	add_stack(1, stack_a, 3);
	file[bad + 12] = 2; /* nframes 2 in a record sized for 3 */
	ck_assert_int_eq(read_bytes(&p, file_len), NP_ECORRUPT);
	np_profile_release(&p);
}
END_TEST

START_TEST(test_bad_files)
{
	struct np_reader *r;
	char want[32];

	/* Written by a newer nprof. */
	begin_file();
	add_end();
	file[8] = NP_FORMAT_VERSION + 1;
	ck_assert_int_eq(open_bytes(&r, file_len), NP_EVERSION);
	snprintf(want, sizeof(want), "version %d", NP_FORMAT_VERSION + 1);
	ck_assert_ptr_nonnull(strstr(np_reader_errmsg(r), want));
	ck_assert_ptr_nonnull(strstr(np_reader_errmsg(r), "upgrade nprof"));
	np_reader_close(r);

	/* Not a samples file. */
	memcpy(file, "#!/bin/sh\necho hello world\n", 27);
	ck_assert_int_eq(open_bytes(&r, 27), NP_EMAGIC);
	ck_assert_ptr_nonnull(strstr(np_reader_errmsg(r), "not an nprof"));
	np_reader_close(r);
	ck_assert_int_eq(open_bytes(&r, 3), NP_EMAGIC);
	np_reader_close(r);

	/* Empty. */
	ck_assert_int_eq(open_bytes(&r, 0), NP_EEMPTY);
	ck_assert_ptr_nonnull(strstr(np_reader_errmsg(r), "empty"));
	np_reader_close(r);

	/* Missing. */
	ck_assert_int_eq(np_reader_open(&r, "/nonexistent/x.dat"), NP_EIO);
	ck_assert_str_eq(
	    np_reader_errmsg(r),
	    "cannot open '/nonexistent/x.dat': No such file or directory");
	np_reader_close(r);

	ck_assert_str_eq(np_strerror(NP_ECORRUPT), "corrupted record");
	ck_assert_str_eq(np_strerror(-100), "unknown error");
}
END_TEST

/* A record bigger than the reader's first buffer still reads whole. */
START_TEST(test_big_records)
{
	static unsigned char big[2 << 20];
	char *value = malloc(600000);
	struct np_profile p;
	struct np_reader *r;
	size_t len;

	memset(value, 'v', 599999);
	value[599999] = '\0';
	len = np_rec_encode_file_header(big, sizeof(big));
	for (int i = 0; i < 2; i++)
		len += np_rec_encode_meta(big + len, sizeof(big) - len, "k",
					  value, strlen(value));
	ck_assert_int_eq(open_data(&r, big, len), 0);
	np_profile_init(&p);
	ck_assert_int_eq(np_profile_read(&p, r), 0);
	np_reader_close(r);
	ck_assert_uint_eq(p.nmeta, 2);
	ck_assert_uint_eq(strlen(p.meta[1].value), 599999);
	ck_assert(p.cut_short);
	np_profile_release(&p);
	free(value);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("reader and profile");

	tcase_add_test(tc, test_counts_per_stack);
	tcase_add_test(tc, test_stack_redefinition);
	tcase_add_test(tc, test_packed_records);
	tcase_add_test(tc, test_version_1);
	tcase_add_test(tc, test_lost_sums);
	tcase_add_test(tc, test_modules);
	tcase_add_test(tc, test_cut_short);
	tcase_add_test(tc, test_no_end_is_cut_short);
	tcase_add_test(tc, test_corrupted_record);
	tcase_add_test(tc, test_bad_files);
	tcase_add_test(tc, test_big_records);
	suite_add_tcase(s, tc);
	return np_check_run(s);
}
