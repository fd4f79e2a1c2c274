/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the GOT patcher (src/agent/got.c) on a fake loaded object
 * built in a buffer: a dynamic section, symbols, JMPREL and RELA tables, a
 * read-only (RELRO) page of GOT slots and a writable data page.  Patching
 * and unpatching must touch only the right slots, put page protections
 * back, and leave alone a slot that no longer holds what was written (the
 * library was reloaded meanwhile).
 */
#include "config.h"

#include <check.h>
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check-run.h"
#include "got.h"

/* The relocation types the patcher looks for, on this machine. */
#if defined(__x86_64__)
#define R_JUMP_SLOT R_X86_64_JUMP_SLOT
#define R_GLOB_DAT R_X86_64_GLOB_DAT
#define R_ABS64 R_X86_64_64
#elif defined(__aarch64__)
#define R_JUMP_SLOT R_AARCH64_JUMP_SLOT
#define R_GLOB_DAT R_AARCH64_GLOB_DAT
#define R_ABS64 R_AARCH64_ABS64
#endif

static const char *const names[] = { "malloc", "free", "calloc" };

struct fake {
	unsigned char *base;
	size_t ps;
	ElfW(Phdr) phdr[3];
	struct np_elf_image im;
};

static struct fake f;

static uintptr_t *slot_at(size_t page, size_t off)
{
	return (uintptr_t *)(f.base + page * f.ps + off);
}

static void build(void)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	static const char strtab[] = "\0malloc\0free\0other\0calloc";
	unsigned char *b = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ElfW(Sym) *sym;
	ElfW(Rela) *jmprel, *rela;
	ElfW(Dyn) *dyn;
	size_t o_sym = 256, o_str = 512, o_jmp = 768, o_rela = 1024;

	ck_assert(b != MAP_FAILED);
	munmap(b + 3 * ps, ps); /* page 3: nothing mapped */
	f.base = b;
	f.ps = ps;
	/* Page 0: dynamic section and tables.  Like ld.so, some d_ptr are
	 * absolute, some as linked (relative). */
	dyn = (ElfW(Dyn) *)b;
	dyn[0] = (ElfW(Dyn)){ DT_SYMTAB, { (uintptr_t)b + o_sym } };
	dyn[1] = (ElfW(Dyn)){ DT_STRTAB, { o_str } };
	dyn[2] = (ElfW(Dyn)){ DT_STRSZ, { sizeof(strtab) } };
	dyn[3] = (ElfW(Dyn)){ DT_JMPREL, { (uintptr_t)b + o_jmp } };
	dyn[4] = (ElfW(Dyn)){ DT_PLTRELSZ, { 2 * sizeof(ElfW(Rela)) } };
	dyn[5] = (ElfW(Dyn)){ DT_PLTREL, { DT_RELA } };
	dyn[6] = (ElfW(Dyn)){ DT_RELA, { o_rela } };
	dyn[7] = (ElfW(Dyn)){ DT_RELASZ, { 3 * sizeof(ElfW(Rela)) } };
	dyn[8] = (ElfW(Dyn)){ DT_RELAENT, { sizeof(ElfW(Rela)) } };
	dyn[9] = (ElfW(Dyn)){ DT_NULL, { 0 } };
	sym = (ElfW(Sym) *)(b + o_sym);
	memset(sym, 0, 5 * sizeof(*sym));
	sym[1].st_name = 1;  /* malloc, undefined */
	sym[2].st_name = 8;  /* free */
	sym[3].st_name = 13; /* other */
	sym[4].st_name = 19; /* calloc, defined here */
	sym[4].st_shndx = 1;
	sym[4].st_value = 0x40;
	memcpy(b + o_str, strtab, sizeof(strtab));
	jmprel = (ElfW(Rela) *)(b + o_jmp);
	/* Out of order on purpose: the result is sorted. */
	jmprel[0] = (ElfW(Rela)){ ps + 8, ELF64_R_INFO(3, R_JUMP_SLOT), 0 };
	jmprel[1] = (ElfW(Rela)){ ps + 0, ELF64_R_INFO(1, R_JUMP_SLOT), 0 };
	rela = (ElfW(Rela) *)(b + o_rela);
	rela[0] = (ElfW(Rela)){ ps + 16, ELF64_R_INFO(2, R_GLOB_DAT), 0 };
	rela[1] = (ElfW(Rela)){ 2 * ps, ELF64_R_INFO(4, R_ABS64), 0 };
	/* An addend: a pointer into malloc, not malloc itself. */
	rela[2] = (ElfW(Rela)){ 2 * ps + 8, ELF64_R_INFO(1, R_ABS64), 8 };
	*slot_at(1, 0) = 0xa0;
	*slot_at(1, 8) = 0xa8;
	*slot_at(1, 16) = 0xb0;
	*slot_at(2, 0) = 0xc0;
	*slot_at(2, 8) = 0xc8;
	f.phdr[0] = (ElfW(Phdr)){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W,
				  .p_vaddr = 0, .p_memsz = 3 * ps };
	f.phdr[1] = (ElfW(Phdr)){ .p_type = PT_DYNAMIC, .p_vaddr = 0,
				  .p_memsz = 10 * sizeof(ElfW(Dyn)) };
	/* RELRO over page 1 and half of page 2: ld.so protects page 1. */
	f.phdr[2] = (ElfW(Phdr)){ .p_type = PT_GNU_RELRO, .p_vaddr = ps,
				  .p_memsz = ps + ps / 2 };
	f.im = (struct np_elf_image){ (uintptr_t)b, f.phdr, 3 };
	ck_assert_int_eq(mprotect(b + ps, ps, PROT_READ), 0);
}

static void teardown(void)
{
	munmap(f.base, 3 * f.ps);
}

/* The protection of the page at P, from /proc/self/maps: "rw", "r-"... */
static void page_perms(const void *p, char out[3])
{
	FILE *maps = fopen("/proc/self/maps", "r");
	unsigned long lo, hi;
	char perms[8];

	strcpy(out, "??");
	ck_assert(maps);
	while (fscanf(maps, "%lx-%lx %7s %*[^\n]", &lo, &hi, perms) == 3)
		if ((uintptr_t)p >= lo && (uintptr_t)p < hi) {
			memcpy(out, perms, 2);
			out[2] = '\0';
			break;
		}
	fclose(maps);
}

START_TEST(test_find)
{
	struct np_got_slot s[8];
	int n;

	build();
	n = np_got_find(&f.im, names, 3, s, 8);
	ck_assert_int_eq(n, 3);
	ck_assert_ptr_eq((void *)s[0].addr, slot_at(1, 0));
	ck_assert_int_eq(s[0].func, 0);
	ck_assert_int_eq(s[0].kind, NP_GOT_JUMP_SLOT);
	ck_assert_int_eq(s[0].undefined, 1);
	ck_assert_uint_eq(s[0].value, 0xa0);
	ck_assert_ptr_eq((void *)s[1].addr, slot_at(1, 16));
	ck_assert_int_eq(s[1].func, 1);
	ck_assert_int_eq(s[1].kind, NP_GOT_GLOB_DAT);
	ck_assert_ptr_eq((void *)s[2].addr, slot_at(2, 0));
	ck_assert_int_eq(s[2].func, 2);
	ck_assert_int_eq(s[2].kind, NP_GOT_ABS);
	ck_assert_int_eq(s[2].undefined, 0);
	/* Too small a buffer: the count says how much room to make. */
	ck_assert_int_eq(np_got_find(&f.im, names, 3, s, 1), 3);
	teardown();
}
END_TEST

START_TEST(test_page_prot)
{
	build();
	ck_assert_int_eq(np_got_page_prot(&f.im, (uintptr_t)f.base, f.ps),
			 PROT_READ | PROT_WRITE);
	ck_assert_int_eq(np_got_page_prot(&f.im, (uintptr_t)f.base + f.ps,
					  f.ps),
			 PROT_READ);
	/* RELRO ends inside page 2: ld.so leaves that page writable. */
	ck_assert_int_eq(np_got_page_prot(&f.im, (uintptr_t)f.base + 2 * f.ps,
					  f.ps),
			 PROT_READ | PROT_WRITE);
	ck_assert_int_eq(np_got_page_prot(&f.im, (uintptr_t)f.base + 3 * f.ps,
					  f.ps),
			 0);
	teardown();
}
END_TEST

START_TEST(test_patch_unpatch)
{
	struct np_got_slot s[8];
	uintptr_t hooks[3] = { 0x1111, 0x2222, 0x3333 };
	uintptr_t orig[3];
	uint8_t done[3];
	char perms[3];
	int n;

	build();
	n = np_got_find(&f.im, names, 3, s, 8);
	ck_assert_int_eq(n, 3);
	/* Patched: every slot of ours, the others untouched. */
	ck_assert_int_eq(np_got_write(&f.im, s, n, hooks, NULL, done, f.ps), 3);
	ck_assert_uint_eq(*slot_at(1, 0), 0x1111);
	ck_assert_uint_eq(*slot_at(1, 16), 0x2222);
	ck_assert_uint_eq(*slot_at(2, 0), 0x3333);
	ck_assert_uint_eq(*slot_at(1, 8), 0xa8);  /* "other" */
	ck_assert_uint_eq(*slot_at(2, 8), 0xc8);  /* addend 8 */
	ck_assert_uint_eq(s[0].value, 0xa0);      /* the originals */
	ck_assert_uint_eq(s[1].value, 0xb0);
	ck_assert_uint_eq(s[2].value, 0xc0);
	page_perms(slot_at(1, 0), perms);
	ck_assert_str_eq(perms, "r-"); /* RELRO put back */
	page_perms(slot_at(2, 0), perms);
	ck_assert_str_eq(perms, "rw");

	/* Slot 2 changed behind our back (a reload): it must stay. */
	*slot_at(2, 0) = 0x9999;
	for (int i = 0; i < 3; i++)
		orig[i] = s[i].value;
	ck_assert_int_eq(np_got_write(&f.im, s, n, orig, hooks, done, f.ps), 2);
	ck_assert_int_eq(done[0], 1);
	ck_assert_int_eq(done[1], 1);
	ck_assert_int_eq(done[2], 0);
	ck_assert_uint_eq(*slot_at(1, 0), 0xa0);
	ck_assert_uint_eq(*slot_at(1, 16), 0xb0);
	ck_assert_uint_eq(*slot_at(2, 0), 0x9999);
	page_perms(slot_at(1, 0), perms);
	ck_assert_str_eq(perms, "r-");
	/* Unpatching twice changes nothing. */
	ck_assert_int_eq(np_got_write(&f.im, s, n, orig, hooks, done, f.ps), 0);
	teardown();
}
END_TEST

START_TEST(test_contains)
{
	build();
	ck_assert(np_got_contains(&f.im, (uintptr_t)f.base));
	ck_assert(np_got_contains(&f.im, (uintptr_t)f.base + 3 * f.ps - 1));
	ck_assert(!np_got_contains(&f.im, (uintptr_t)f.base + 3 * f.ps));
	teardown();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("got");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_page_prot);
	tcase_add_test(tc, test_patch_unpatch);
	tcase_add_test(tc, test_contains);
	suite_add_tcase(s, tc);
	return np_check_run(s);
}
