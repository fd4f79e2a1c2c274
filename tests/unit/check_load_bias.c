/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Choosing the load bias (src/load-bias.c): hand-made program headers and
 * mappings for the layouts that broke peers (several LOAD segments with
 * gaps, --section-start, -z norelro, 4 KiB and 64 KiB alignment and
 * pages), then two real libraries of such a layout (libodd-4k.so and
 * libodd-64k.so, built from odd-layout.c) loaded here: the bias chosen
 * from their headers (read with libelf) and from /proc/self/maps must be
 * dl_iterate_phdr's dlpi_addr, and must put their symbols where dlsym does.
 */
#include "config.h"

#include <check.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check-run.h"
#include "load-bias.h"

#define KIB(n) ((uint64_t)(n) << 10)

static Elf64_Phdr load(uint64_t off, uint64_t vaddr, uint64_t filesz,
		       uint64_t memsz, uint64_t align)
{
	return (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = off,
			     .p_vaddr = vaddr, .p_paddr = vaddr,
			     .p_filesz = filesz, .p_memsz = memsz,
			     .p_align = align };
}

/* --- Hand-made tables -------------------------------------------------- */

/* A library with PT_PHDR (as executables have it). */
START_TEST(test_phdrs_pt_phdr)
{
	Elf64_Phdr ph[3] = {
		{ .p_type = PT_PHDR, .p_offset = 64, .p_vaddr = 64 },
		load(0, 0, 0x1000, 0x1000, KIB(4)),
		load(0x1000, 0x1000, 0x200, 0x200, KIB(4)),
	};
	uint64_t bias = 0;

	ck_assert_int_eq(np_load_bias_from_phdrs(ph, 3, 0x555555554040,
						 NP_PHOFF_UNKNOWN, &bias), 0);
	ck_assert_uint_eq(bias, 0x555555554000);
}
END_TEST

/* No PT_PHDR, first segment at 0x30000 (-Ttext-segment), data placed far
 * above with --section-start, no RELRO: the headers' segment says it. */
START_TEST(test_phdrs_section_start)
{
	Elf64_Phdr ph[5] = {
		load(0, 0x30000, 0x700, 0x700, KIB(4)),
		load(0x700, 0x31700, 0x1f8, 0x200, KIB(4)),
		load(0x1000, 0x80000, 0x100, 0x100, KIB(4)),
		load(0x2000, 0xa0000, 0x100, 0x100, KIB(4)),
		{ .p_type = PT_DYNAMIC, .p_offset = 0x710, .p_vaddr = 0x31710 },
	};
	uint64_t bias = 0, first = 0;

	ck_assert_int_eq(np_load_bias_from_phdrs(ph, 5, 0x7f0000030040, 64,
						 &bias), 0);
	ck_assert_uint_eq(bias, 0x7f0000000000);
	ck_assert_int_eq(np_load_first_vaddr(ph, 5, &first), 0);
	ck_assert_uint_eq(first, 0x30000);
	/* Without e_phoff and PT_PHDR nothing tells. */
	ck_assert_int_eq(np_load_bias_from_phdrs(ph, 5, 0x7f0000030040,
						 NP_PHOFF_UNKNOWN, &bias), -1);
	/* Headers in no segment (the loader keeps a copy elsewhere). */
	ck_assert_int_eq(np_load_bias_from_phdrs(ph, 5, 0x7f0000030040,
						 0x5000, &bias), -1);
	ck_assert_int_eq(np_load_first_vaddr(ph + 4, 1, &first), -1);
}
END_TEST

/* 64 KiB pages, segments aligned to 64 KiB, a gap, no RELRO: one mapping
 * per segment, each 64 KiB aligned; the first is at the bias. */
START_TEST(test_maps_64k_pages)
{
	const uint64_t b = 0xffff80000000;
	/* As /proc/PID/maps lists them, plus a stray one past a gap. */
	struct np_map_span m[4] = {
		{ b + 0x00000, b + 0x10000, 0x00000 },   /* r-x */
		{ b + 0x10000, b + 0x20000, 0x10000 },   /* rw- */
		{ b + 0x80000, b + 0x90000, 0x20000 },   /* .seg1 */
		{ b + 0xa0000, b + 0xb0000, 0x30000 },   /* .seg2 */
	};
	uint64_t bias = 0;

	ck_assert_int_eq(np_load_bias_from_maps(m, 4, 0, KIB(64), &bias), 0);
	ck_assert_uint_eq(bias, b);
}
END_TEST

/* What the aarch64 linker makes (64 KiB alignment): the RW segment starts
 * in the text's last file page (offset 0x700, vaddr 0x40700), so it is
 * mapped from file offset 0 too, one 64 KiB page higher.  The first
 * (lowest) mapping of offset 0 is the first segment, whatever the order
 * of the lines, on 64 KiB pages as on 4 KiB ones. */
START_TEST(test_maps_two_at_offset_0)
{
	const uint64_t b = 0xffff90000000;
	struct np_map_span m64[4] = {
		{ b + 0xa0000, b + 0xb0000, 0x20000 }, /* .seg2 */
		{ b + 0x40000, b + 0x50000, 0x00000 }, /* RW, from offset 0 */
		{ b + 0x30000, b + 0x40000, 0x00000 }, /* the first segment */
		{ b + 0x80000, b + 0x90000, 0x10000 }, /* .seg1 */
	};
	struct np_map_span m4[4] = {
		{ b + 0x40000, b + 0x41000, 0x00000 },
		{ b + 0x30000, b + 0x31000, 0x00000 },
		{ b + 0x80000, b + 0x81000, 0x10000 },
		{ b + 0xa0000, b + 0xa1000, 0x20000 },
	};
	uint64_t bias = 0;

	ck_assert_int_eq(np_load_bias_from_maps(m64, 4, 0x30000, KIB(64),
						&bias), 0);
	ck_assert_uint_eq(bias, b);
	bias = 0;
	ck_assert_int_eq(np_load_bias_from_maps(m4, 4, 0x30000, KIB(4),
						&bias), 0);
	ck_assert_uint_eq(bias, b);
}
END_TEST

/* A first segment not aligned to the page: the loader maps from the page
 * below it. */
START_TEST(test_maps_unaligned_first_vaddr)
{
	struct np_map_span m[1] = { { 0x7f0000030000, 0x7f0000031000, 0 } };
	uint64_t bias = 0;

	ck_assert_int_eq(np_load_bias_from_maps(m, 1, 0x30800, KIB(4), &bias),
			 0);
	ck_assert_uint_eq(bias, 0x7f0000000000);
}
END_TEST

START_TEST(test_maps_errors)
{
	struct np_map_span m[2] = {
		{ 0x7f0000001000, 0x7f0000002000, 0x1000 },
		{ 0x7f0000002000, 0x7f0000003000, 0x2000 },
	};
	uint64_t bias = 42;

	/* Only later segments mapped (the first was unmapped): no guess. */
	ck_assert_int_eq(np_load_bias_from_maps(m, 2, 0, KIB(4), &bias), -1);
	ck_assert_int_eq(np_load_bias_from_maps(m, 0, 0, KIB(4), &bias), -1);
	m[0].offset = 0;
	ck_assert_int_eq(np_load_bias_from_maps(m, 2, 0, 0, &bias), -1);
	ck_assert_int_eq(np_load_bias_from_maps(m, 2, 0, 3000, &bias), -1);
	ck_assert_uint_eq(bias, 42);
}
END_TEST

/* --- Real libraries ---------------------------------------------------- */

struct found {
	const char *path;
	uint64_t addr;
	uint64_t phdr;
	int seen;
};

static int find_lib(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct found *f = arg;

	(void)size;
	if (info->dlpi_name && strcmp(info->dlpi_name, f->path) == 0) {
		f->addr = info->dlpi_addr;
		f->phdr = (uint64_t)(uintptr_t)info->dlpi_phdr;
		f->seen = 1;
	}
	return 0;
}

/* The program headers and e_phoff of PATH, with libelf; the count. */
static size_t file_phdrs(const char *path, Elf64_Phdr *ph, size_t cap,
			 uint64_t *phoff)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	GElf_Ehdr eh;
	size_t n = 0;
	Elf *elf;

	ck_assert_msg(fd >= 0, "cannot open %s", path);
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	ck_assert_ptr_nonnull(elf);
	ck_assert_ptr_nonnull(gelf_getehdr(elf, &eh));
	ck_assert_int_eq(elf_getphdrnum(elf, &n), 0);
	ck_assert_uint_le(n, cap);
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr g;

		ck_assert_ptr_nonnull(gelf_getphdr(elf, (int)i, &g));
		ph[i] = (Elf64_Phdr){ g.p_type, g.p_flags, g.p_offset,
				      g.p_vaddr, g.p_paddr, g.p_filesz,
				      g.p_memsz, g.p_align };
	}
	*phoff = eh.e_phoff;
	elf_end(elf);
	close(fd);
	return n;
}

/* The mappings of the file PATH in /proc/self/maps; the count. */
static size_t self_maps(const char *path, struct np_map_span *m, size_t cap)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[PATH_MAX + 128];
	size_t n = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		uint64_t lo, hi, off;
		int pos = 0;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64
			   " %*s %*s %n", &lo, &hi, &off, &pos) < 3 || !pos)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line + pos, path) == 0 && n < cap)
			m[n++] = (struct np_map_span){ lo, hi, off };
	}
	fclose(f);
	return n;
}

static void check_real(const char *name, uint64_t align)
{
	char path[PATH_MAX], real[PATH_MAX];
	Elf64_Phdr ph[32];
	struct np_map_span m[32];
	struct found f = { .path = path };
	uint64_t phoff, first, bias, prev_end = 0;
	size_t n, nmaps, nload = 0;
	int gaps = 0, *seg1;
	void *h;

	snprintf(path, sizeof(path), "%s/%s", ODD_LIB_DIR, name);
	ck_assert_ptr_nonnull(realpath(path, real));
	snprintf(path, sizeof(path), "%s", real);
	n = file_phdrs(path, ph, 32, &phoff);

	/* The layout is what the link options asked for. */
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_ne(ph[i].p_type, PT_GNU_RELRO);
		if (ph[i].p_type != PT_LOAD)
			continue;
		ck_assert_uint_eq(ph[i].p_align, align);
		if (nload++ && ph[i].p_vaddr > ((prev_end + align - 1) & ~(align - 1)))
			gaps++;
		prev_end = ph[i].p_vaddr + ph[i].p_memsz;
	}
	ck_assert_uint_ge(nload, 3);
	ck_assert_int_ge(gaps, 1);
	ck_assert_int_eq(np_load_first_vaddr(ph, n, &first), 0);
	ck_assert_uint_eq(first, 0x30000);

	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	ck_assert_msg(h != NULL, "dlopen %s: %s", path, dlerror());
	dl_iterate_phdr(find_lib, &f);
	ck_assert_msg(f.seen, "%s not listed by dl_iterate_phdr", path);

	/* From the headers, as the loader mapped them. */
	ck_assert_int_eq(np_load_bias_from_phdrs(ph, n, f.phdr, phoff, &bias),
			 0);
	ck_assert_uint_eq(bias, f.addr);

	/* From the mappings: never the first mapping's address itself. */
	nmaps = self_maps(path, m, 32);
	ck_assert_uint_ge(nmaps, 2);
	ck_assert_int_eq(np_load_bias_from_maps(m, nmaps, first,
						(uint64_t)sysconf(_SC_PAGESIZE),
						&bias), 0);
	ck_assert_uint_eq(bias, f.addr);
	ck_assert_uint_ne(m[0].start, f.addr);

	/* The bias puts .seg1 (--section-start=.seg1=0x80000) where the
	 * loader did. */
	seg1 = dlsym(h, "odd_seg1");
	ck_assert_ptr_nonnull(seg1);
	ck_assert_uint_eq((uint64_t)(uintptr_t)seg1, bias + 0x80000);
	ck_assert_int_eq(*seg1, 1);
	dlclose(h);
}

START_TEST(test_real_4k_segments)
{
	check_real("libodd-4k.so", KIB(4));
}
END_TEST

START_TEST(test_real_64k_segments)
{
	check_real("libodd-64k.so", KIB(64));
}
END_TEST

static Suite *load_bias_suite(void)
{
	Suite *s = suite_create("load_bias");
	TCase *tc = tcase_create("tables");

	tcase_add_test(tc, test_phdrs_pt_phdr);
	tcase_add_test(tc, test_phdrs_section_start);
	tcase_add_test(tc, test_maps_64k_pages);
	tcase_add_test(tc, test_maps_two_at_offset_0);
	tcase_add_test(tc, test_maps_unaligned_first_vaddr);
	tcase_add_test(tc, test_maps_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("real");
	tcase_add_test(tc, test_real_4k_segments);
	tcase_add_test(tc, test_real_64k_segments);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return np_check_run(load_bias_suite());
}
