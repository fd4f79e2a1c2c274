/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of symbolized stacks as the collapsed format prints them:
 * names escaped, stacks that name the same functions merged, and addresses
 * of this very program named from its own file (its load bias and segments
 * read with dl_iterate_phdr), or shown as [module+0xoffset] when the file is
 * missing or its build-id differs.
 */
#include "config.h"

#include <check.h>
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check-run.h"
#include "demangle.h"
#include "profile.h"
#include "record.h"
#include "report-collapsed.h"
#include "report-options.h"
#include "report.h"
#include "symbols.h"

/* Two functions of this program to find by address. */
static volatile int sink;

static __attribute__((noinline)) void leaf_function(void)
{
	for (int i = 0; i < 100; i++)
		sink += i;
}

static __attribute__((noinline)) void caller_function(void)
{
	leaf_function();
	sink++;
}

static unsigned char buf[1 << 16];
static struct np_profile profile;

/* Decodes the record an encoder left in BUF into the profile. */
static void add(size_t len)
{
	struct np_record rec;
	uint32_t type, size;

	ck_assert_uint_gt(len, 0);
	ck_assert_int_eq(np_rec_parse_header(buf, &type, &size), 0);
	ck_assert_int_eq(np_rec_decode(type, buf + NP_RECORD_HEADER_SIZE, size,
				       &rec), 0);
	np_profile_add(&profile, &rec);
}

static void add_stack(uint32_t id, const uint64_t *pcs, uint32_t n)
{
	add(np_rec_encode_stack(buf, sizeof(buf), id, pcs, n));
}

static void add_samples(uint32_t stack_id, unsigned int n)
{
	struct np_rec_cpu_sample s = { .tid = 1, .stack_id = stack_id,
				       .weight = 1000 };

	for (unsigned int i = 0; i < n; i++)
		add(np_rec_encode_cpu_sample(buf, sizeof(buf), &s));
}

/* This program as the agent would record it. */
struct self {
	uint64_t bias;
	struct np_rec_segment segs[16];
	uint16_t nsegs;
	uint8_t build_id[64];
	uint16_t build_id_len;
	char path[4096];
};

static void read_build_id(struct self *me, const char *notes, size_t size)
{
	size_t off = 0;

	while (off + sizeof(ElfW(Nhdr)) <= size) {
		const ElfW(Nhdr) *n = (const void *)(notes + off);
		size_t name = (n->n_namesz + 3) & ~(size_t)3;
		size_t desc = (n->n_descsz + 3) & ~(size_t)3;

		if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
		    !memcmp(notes + off + sizeof(*n), "GNU", 4) &&
		    n->n_descsz <= sizeof(me->build_id)) {
			memcpy(me->build_id, notes + off + sizeof(*n) + name,
			       n->n_descsz);
			me->build_id_len = (uint16_t)n->n_descsz;
		}
		off += sizeof(*n) + name + desc;
	}
}

/* The first object listed is the program itself. */
static int first_object(struct dl_phdr_info *info, size_t size, void *data)
{
	struct self *me = data;

	me->bias = info->dlpi_addr;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && me->nsegs < 16)
			me->segs[me->nsegs++] = (struct np_rec_segment){
				.vaddr = ph->p_vaddr, .memsz = ph->p_memsz,
				.offset = ph->p_offset, .flags = ph->p_flags,
			};
		if (ph->p_type == PT_NOTE)
			read_build_id(me, (const char *)(info->dlpi_addr +
							 ph->p_vaddr),
				      ph->p_memsz);
	}
	return 1;
}

static void find_self(struct self *me)
{
	ssize_t n;

	memset(me, 0, sizeof(*me));
	dl_iterate_phdr(first_object, me);
	n = readlink("/proc/self/exe", me->path, sizeof(me->path) - 1);
	ck_assert_int_gt(n, 0);
	me->path[n] = '\0';
	ck_assert_uint_gt(me->nsegs, 0);
	ck_assert_uint_gt(me->build_id_len, 0);
}

/* Adds a MODULE for this program's mapping, under PATH. */
static void add_module(uint32_t id, const struct self *me, const char *path,
		       bool wrong_build_id)
{
	uint8_t build_id[64];
	struct np_rec_module m = {
		.id = id, .bias = me->bias, .build_id_len = me->build_id_len,
		.nsegs = me->nsegs, .path_len = (uint32_t)strlen(path),
		.build_id = build_id, .path = path,
	};

	memcpy(build_id, me->build_id, me->build_id_len);
	if (wrong_build_id)
		build_id[0] ^= 0xff;
	add(np_rec_encode_module(buf, sizeof(buf), &m, me->segs));
}

static void add_module_gone(uint32_t id)
{
	struct np_rec_module_gone g = { .id = id };

	add(np_rec_encode_module_gone(buf, sizeof(buf), &g));
}

/* The collapsed report of the profile. */
static char *collapsed(void)
{
	struct np_report_options opts = { .top = 20 };
	struct np_report r;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	np_report_init(&r, &profile, "test.dat", NP_REPORT_CPU);
	np_report_symbolize(&r);
	ck_assert_int_eq(np_report_collapsed.run(&r, &opts, out), 0);
	np_report_release(&r);
	fclose(out);
	return text;
}

static uint64_t addr(void (*fn)(void), unsigned int offset)
{
	return (uint64_t)(uintptr_t)fn + offset;
}

static void setup(void)
{
	np_profile_init(&profile);
}

static void teardown(void)
{
	np_profile_release(&profile);
}

START_TEST(test_escape)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	np_collapsed_put_name(out, "a;b\nc\rd e");
	fclose(out);
	ck_assert_str_eq(text, "a:b c d e");
	free(text);
}
END_TEST

/* Made-up names: escaped in the stack, merged when they print alike. */
START_TEST(test_escape_in_stacks)
{
	struct np_report_options opts = { .top = 20 };
	struct np_report r;
	uint32_t f[4];
	struct np_report_stack stacks[2];
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	np_report_init(&r, &profile, "test.dat", NP_REPORT_CPU);
	r.symbols = np_symbols_new(&profile);
	f[0] = np_symbols_function(r.symbols, "odd;leaf", "/lib/a.so");
	f[1] = np_symbols_function(r.symbols, "root\nfn", "/lib/a.so");
	/* Another module: another function, but the same text. */
	f[2] = np_symbols_function(r.symbols, "odd;leaf", "/lib/b.so");
	f[3] = f[1];
	ck_assert_uint_ne(f[0], f[2]);
	stacks[0] = (struct np_report_stack){ .functions = &f[0], .nframes = 2,
					      .value = 4, .events = 4 };
	stacks[1] = (struct np_report_stack){ .functions = &f[2], .nframes = 2,
					      .value = 3, .events = 3 };
	r.stacks = stacks;
	r.nstacks = 2;
	ck_assert_int_eq(np_report_collapsed.run(&r, &opts, out), 0);
	fclose(out);
	ck_assert_str_eq(text, "root fn;odd:leaf 7\n");
	free(text);
	r.stacks = NULL;
	np_report_release(&r);
}
END_TEST

/* Addresses outside every module are [unknown]: two stacks merge. */
START_TEST(test_merge_unknown)
{
	static const uint64_t a[] = { 0x10, 0x20 }, b[] = { 0x30, 0x40 };
	static const uint64_t k[] = { 0xffffffff81000000ull, 0x50 };
	char *text;

	add_stack(1, a, 2);
	add_stack(2, b, 2);
	add_stack(3, k, 2);
	add_stack(4, NULL, 0);
	add_samples(1, 2);
	add_samples(2, 3);
	add_samples(3, 1);
	add_samples(4, 1);
	text = collapsed();
	ck_assert_str_eq(text, "[unknown] 1\n"
			       "[unknown];[kernel] 1\n"
			       "[unknown];[unknown] 5\n");
	free(text);
}
END_TEST

START_TEST(test_symbolize_self)
{
	struct self me;
	uint64_t s1[] = { addr(leaf_function, 2), addr(caller_function, 1) };
	uint64_t s2[] = { addr(leaf_function, 6), addr(caller_function, 1) };
	uint64_t s3[] = { addr(caller_function, 0) };
	char *text;

	find_self(&me);
	add_module(1, &me, me.path, false);
	add_stack(1, s1, 2);
	add_stack(2, s2, 2);
	add_stack(3, s3, 1);
	add_samples(1, 3);
	add_samples(2, 2);
	add_samples(3, 1);
	text = collapsed();
	/* Two stacks at different addresses name the same functions. */
	ck_assert_str_eq(text, "caller_function 1\n"
			       "caller_function;leaf_function 5\n");
	free(text);
}
END_TEST

/* A caller frame holds a return address, looked up one byte before. */
START_TEST(test_caller_lookup)
{
	struct self me;
	const struct np_sym_frame *frames;
	struct np_symbols *s;
	uint64_t pc = addr(caller_function, 0);

	find_self(&me);
	add_module(1, &me, me.path, false);
	s = np_symbols_new(&profile);
	ck_assert_uint_eq(np_symbols_resolve(s, pc, false, 10, &frames), 1);
	ck_assert_str_eq(np_symbols_name(s, frames[0].function),
			 "caller_function");
	ck_assert_str_eq(np_symbols_module(s, frames[0].function),
			 strrchr(me.path, '/') + 1);
	/* As a return address, PC is looked up a byte before: the end of
	 * whatever precedes, or, when that byte is in no function (padding,
	 * as before a signal trampoline), the function that starts at PC. */
	{
		char *before;

		np_symbols_resolve(s, pc - 1, false, 10, &frames);
		before = strdup(np_symbols_name(s, frames[0].function));
		np_symbols_resolve(s, pc, true, 10, &frames);
		if (before[0] == '[')
			ck_assert_str_eq(np_symbols_name(s, frames[0].function),
					 "caller_function");
		else
			ck_assert_str_eq(np_symbols_name(s, frames[0].function),
					 before);
		free(before);
	}
	/* Cached: the same answer twice. */
	ck_assert_uint_eq(np_symbols_resolve(s, pc + 1, true, 10, &frames), 1);
	ck_assert_str_eq(np_symbols_name(s, frames[0].function),
			 "caller_function");
	np_symbols_free(s);
}
END_TEST

/* Not the file that was profiled, or no file: frames become addresses. */
START_TEST(test_unusable_modules)
{
	struct self me;
	uint64_t s1[] = { addr(leaf_function, 2) };
	char want[256], *text;

	find_self(&me);
	add_module(1, &me, me.path, true);
	add_stack(1, s1, 1);
	add_samples(1, 1);
	text = collapsed();
	snprintf(want, sizeof(want), "[%s+0x%llx] 1\n",
		 strrchr(me.path, '/') + 1,
		 (unsigned long long)(s1[0] - me.bias));
	ck_assert_str_eq(text, want);
	free(text);

	np_profile_release(&profile);
	np_profile_init(&profile);
	add_module(1, &me, "/nonexistent/libgone.so", false);
	add_stack(1, s1, 1);
	add_samples(1, 1);
	text = collapsed();
	snprintf(want, sizeof(want), "[libgone.so+0x%llx] 1\n",
		 (unsigned long long)(s1[0] - me.bias));
	ck_assert_str_eq(text, want);
	free(text);

	np_profile_release(&profile);
	np_profile_init(&profile);
	add_module(1, &me, "[vdso]", false);
	add_stack(1, s1, 1);
	add_samples(1, 1);
	text = collapsed();
	ck_assert_str_eq(text, "[vdso] 1\n");
	free(text);
}
END_TEST

/*
 * A library unloaded, and this program "loaded" at the same addresses: a
 * stack is named with the module mapped when it was defined.
 */
START_TEST(test_module_reuse)
{
	struct self me;
	uint64_t before[] = { addr(leaf_function, 2) };
	uint64_t after[] = { addr(leaf_function, 3) };
	char want[256], *text;

	find_self(&me);
	add_module(1, &me, "/nonexistent/old.so", false);
	add_stack(1, before, 1);
	add_module_gone(1);
	add_module(2, &me, me.path, false);
	add_stack(2, after, 1);
	add_samples(1, 2);
	add_samples(2, 3);
	text = collapsed();
	snprintf(want, sizeof(want), "[old.so+0x%llx] 2\nleaf_function 3\n",
		 (unsigned long long)(before[0] - me.bias));
	ck_assert_str_eq(text, want);
	free(text);
}
END_TEST

START_TEST(test_demangle)
{
	static const char *const cases[][2] = {
	    {"_ZN3foo3barEv", "foo::bar()"},
	    {"_ZNSt6vectorIiSaIiEE9push_backERKi",
	     "std::vector<int, std::allocator<int> >::push_back(int const&)"},
	    {"_ZN3foo3barEv.cold", "foo::bar() [clone .cold]"},
	    /* Rust legacy: the hash is left out. */
	    {"_ZN4core3fmt5write17h5a1bd5b2bd7b1c2eE", "core::fmt::write"},
	    /* Rust v0. */
	    {"_RNvNtCs9ltgdHTiPiY_4core3ptr13drop_in_place",
	     "core::ptr::drop_in_place"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *d = np_demangle(cases[i][0]);

		ck_assert_ptr_nonnull(d);
		ck_assert_str_eq(d, cases[i][1]);
		free(d);
	}
	ck_assert_ptr_null(np_demangle("main"));
	ck_assert_ptr_null(np_demangle("_Zjunk"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("collapsed");
	TCase *tc = tcase_create("collapsed");
	TCase *sym = tcase_create("symbols");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_escape_in_stacks);
	tcase_add_test(tc, test_merge_unknown);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(sym, setup, teardown);
	tcase_add_test(sym, test_symbolize_self);
	tcase_add_test(sym, test_caller_lookup);
	tcase_add_test(sym, test_unusable_modules);
	tcase_add_test(sym, test_module_reuse);
	tcase_add_test(sym, test_demangle);
	suite_add_tcase(s, sym);
	return np_check_run(s);
}
