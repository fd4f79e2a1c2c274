/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of turning perf records into nprof records: perf records laid
 * out by hand go through np_perf_samples into a file, which the reader
 * reads back: the executable's MODULE with its load bias and segments (this
 * test program itself, mapped at a made-up address), the vDSO, thread
 * names, stacks without perf's context markers or the garbage above the
 * outermost frame (one stack for both ways of seeing it ends),
 * THROTTLE as one warning, samples with tid, time and weight, LOST.
 * (The bias of a mapping: np_elf_image_bias, tested here too.)
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture.h"
#include "check-run.h"
#include "elf-image.h"
#include "perf-samples.h"
#include "profile.h"
#include "reader.h"

#define BIAS 0x555500000000ull

static unsigned char rec[4096];
static size_t len;

static void begin(uint32_t type)
{
	struct perf_event_header h = { .type = type };

	memset(rec, 0, sizeof(rec));
	memcpy(rec, &h, sizeof(h));
	len = sizeof(h);
}

static void add(const void *p, size_t n)
{
	memcpy(rec + len, p, n);
	len += n;
}

static void add_u32(uint32_t v)
{
	add(&v, 4);
}

static void add_u64(uint64_t v)
{
	add(&v, 8);
}

/* The NUL-padded name, the sample_id {pid, tid, time}, the size. */
static void finish(const char *name, uint32_t tid, uint64_t time)
{
	if (name) {
		size_t n = strlen(name) + 1;

		add(name, n);
		len = (len + 7) & ~(size_t)7;
	}
	add_u32(100);
	add_u32(tid);
	add_u64(time);
	((struct perf_event_header *)(void *)rec)->size = (uint16_t)len;
}

static void mmap2(uint64_t addr, uint64_t size, uint64_t pgoff,
		  uint32_t prot, const char *name)
{
	begin(PERF_RECORD_MMAP2);
	add_u32(100);
	add_u32(100);
	add_u64(addr);
	add_u64(size);
	add_u64(pgoff);
	add_u32(8);  /* maj */
	add_u32(1);  /* min */
	add_u64(42); /* ino */
	add_u64(0);  /* ino generation */
	add_u32(prot);
	add_u32(MAP_PRIVATE);
	finish(name, 100, 10);
}

static void sample(uint32_t tid, uint64_t time, const uint64_t *chain,
		   uint64_t n)
{
	begin(PERF_RECORD_SAMPLE);
	add_u64(chain[1]); /* ip */
	add_u32(100);
	add_u32(tid);
	add_u64(time);
	add_u64(1000000); /* period */
	add_u64(n);
	for (uint64_t i = 0; i < n; i++)
		add_u64(chain[i]);
	((struct perf_event_header *)(void *)rec)->size = (uint16_t)len;
}

/* This program's first executable segment, as the kernel maps it. */
static const struct np_rec_segment *text_segment(struct np_elf_image *img,
						 char *exe)
{
	ssize_t n = readlink("/proc/self/exe", exe, PATH_MAX - 1);

	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	ck_assert_int_eq(np_elf_image_read(exe, img), 0);
	for (unsigned int i = 0; i < img->nsegs; i++)
		if (img->segs[i].flags & NP_SEG_X)
			return &img->segs[i];
	ck_abort_msg("no executable segment in %s", exe);
	return NULL;
}

START_TEST(test_bias)
{
	struct np_elf_image img;
	char exe[PATH_MAX];
	const struct np_rec_segment *text = text_segment(&img, exe);
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), bias = 0;
	uint64_t addr = (BIAS + text->vaddr) & ~(page - 1);

	ck_assert_int_eq(np_elf_image_bias(&img, addr, text->offset & ~(page - 1),
					   &bias), 0);
	ck_assert_uint_eq(bias, BIAS);
	/* A mapping that starts further in the segment. */
	ck_assert_int_eq(np_elf_image_bias(&img, addr + page,
					   (text->offset & ~(page - 1)) + page,
					   &bias), 0);
	ck_assert_uint_eq(bias, BIAS);
	/* An offset no executable segment holds. */
	ck_assert_int_eq(np_elf_image_bias(&img, addr, 1ull << 40, &bias), -1);
}
END_TEST

START_TEST(test_convert)
{
	char path[] = "/tmp/check_perf_samples.XXXXXX";
	char *argv[] = { "record", NULL };
	struct np_elf_image img;
	char exe[PATH_MAX];
	const struct np_rec_segment *text = text_segment(&img, exe);
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t pc = BIAS + text->vaddr + 16;
	struct np_capture cap;
	struct np_perf_samples *ps;
	struct np_profile p;
	struct np_reader *r;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(np_capture_begin(&cap, path, 1, argv), 0);
	ps = np_perf_samples_new(&cap, 1000000);
	ck_assert_ptr_nonnull(ps);

	mmap2((BIAS + text->vaddr) & ~(page - 1), 0x10000,
	      text->offset & ~(page - 1), PROT_READ | PROT_EXEC, exe);
	np_perf_samples_other(rec, len, ps);
	/* The same module mapped again is not sent again. */
	np_perf_samples_other(rec, len, ps);
	mmap2(0x7fff0000000ull, 0x2000, 0, PROT_READ | PROT_EXEC, "[vdso]");
	np_perf_samples_other(rec, len, ps);
	/* Anonymous code names no file: no module. */
	mmap2(0x7f0000000000ull, 0x1000, 0, PROT_READ | PROT_EXEC, "//anon");
	np_perf_samples_other(rec, len, ps);
	begin(PERF_RECORD_COMM);
	add_u32(100);
	add_u32(101);
	finish("worker", 101, 20);
	np_perf_samples_other(rec, len, ps);

	/* Context markers go; the walk past the outermost frame is cut,
	 * at a kernel address or at a caller in no code mapping. */
	uint64_t chain[] = { PERF_CONTEXT_USER, pc, pc + 100, pc + 200,
			     0xffffffff81000000ull, pc + 300 };
	uint64_t wild[] = { PERF_CONTEXT_USER, pc, pc + 100, pc + 200,
			    0x1000, pc + 300 };
	for (int i = 0; i < 3; i++) {
		sample(101, 1000 + (uint64_t)i, chain, 6);
		np_perf_samples_sample(rec, len, ps);
	}
	sample(101, 1500, wild, 6);
	np_perf_samples_sample(rec, len, ps);
	/* Only a marker: no user frames, counted as lost. */
	sample(101, 2000, chain, 1);
	np_perf_samples_sample(rec, len, ps);
	begin(PERF_RECORD_LOST);
	add_u64(1);
	add_u64(7);
	finish(NULL, 101, 30);
	np_perf_samples_other(rec, len, ps);
	/* Throttling is said once, at the end. */
	for (int i = 0; i < 2; i++) {
		begin(PERF_RECORD_THROTTLE);
		add_u64(40);
		add_u64(1);
		add_u64(1);
		finish(NULL, 101, 40);
		np_perf_samples_other(rec, len, ps);
	}
	np_perf_samples_finish(ps);
	np_perf_samples_free(ps);
	ck_assert_int_eq(np_capture_finish(&cap, 0), 0);

	np_profile_init(&p);
	ck_assert_int_eq(np_reader_open(&r, path), 0);
	ck_assert_int_eq(np_profile_read(&p, r), 0);
	np_reader_close(r);
	unlink(path);

	ck_assert_uint_eq(p.nmodules, 2);
	ck_assert_str_eq(p.modules[0].path, exe);
	ck_assert_uint_eq(p.modules[0].bias, BIAS);
	ck_assert_uint_eq(p.modules[0].nsegs, img.nsegs);
	ck_assert_uint_eq(p.modules[0].build_id_len, img.build_id_len);
	ck_assert_str_eq(p.modules[1].path, "[vdso]");
	ck_assert_uint_eq(p.modules[1].bias, 0x7fff0000000ull);
	ck_assert_uint_eq(p.nstacks, 1);
	ck_assert_uint_eq(p.stacks[0].nframes, 3);
	ck_assert_uint_eq(p.stacks[0].pcs[0], pc);
	ck_assert_uint_eq(p.stacks[0].pcs[2], pc + 200);
	ck_assert_uint_eq(p.samples, 4);
	ck_assert_uint_eq(p.weight, 4000000);
	ck_assert_uint_eq(p.nthreads, 1);
	ck_assert_uint_eq(p.threads[0].tid, 101);
	ck_assert_str_eq(p.threads[0].name, "worker");
	ck_assert_uint_eq(p.lost[NP_LOST_SAMPLE_RING], 7);
	ck_assert_uint_eq(p.lost[NP_LOST_UNWIND], 1);
	ck_assert(p.has_end);
	ck_assert_ptr_nonnull(np_profile_meta(&p, "warning"));
	ck_assert_ptr_nonnull(strstr(np_profile_meta(&p, "warning"),
				     "throttled sampling 2 times"));
	np_profile_release(&p);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("perf_samples");
	TCase *tc = tcase_create("convert");

	tcase_add_test(tc, test_bias);
	tcase_add_test(tc, test_convert);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return np_check_run(suite());
}
