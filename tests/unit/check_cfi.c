/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CFI parser and the unwinder (src/agent/cfi*.c, unwind-dwarf.c),
 * compiled into this program: hand-made .eh_frame data with every DW_CFA
 * op that gcc and clang emit for x86_64, and an aarch64 prologue, body and
 * epilogue (return address column 30, LR kept in its register), the
 * tables of this program and of libc as the compiler made them, and
 * unwinds of this program's own stack (through libc, a signal frame,
 * 128 KiB frames) compared with __builtin_return_address.  Built with
 * -O2 -fomit-frame-pointer.  Runs on x86_64 and aarch64 (also under
 * qemu-aarch64, see tests/cross/run-aarch64).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfi-table.h"
#include "cfi.h"
#include "check-run.h"
#include "stack-bounds.h"
#include "unwind.h"

/* --- Hand-made CFI ------------------------------------------------------ */

static uint8_t mem[4096] __attribute__((aligned(64)));
static size_t pos;
static uint64_t func; /* where the made-up functions are */
static size_t hdr_at, fde_at[10];
static unsigned int nfde;

static void b1(uint8_t v)
{
	mem[pos++] = v;
}

static void b4(uint32_t v)
{
	memcpy(mem + pos, &v, 4);
	pos += 4;
}

static void bytes(const uint8_t *p, size_t n)
{
	memcpy(mem + pos, p, n);
	pos += n;
}

static uint64_t addr_of(size_t off)
{
	return (uint64_t)(uintptr_t)(mem + off);
}

static void end_entry(size_t at)
{
	uint32_t len = (uint32_t)(pos - at - 4);

	memcpy(mem + at, &len, 4);
}

static struct np_cfi_mem whole(void)
{
	struct np_cfi_mem m = { addr_of(0), addr_of(sizeof(mem)) };

	return m;
}

static void make_fde(size_t cie, uint32_t start, uint32_t len,
		     const uint8_t *insns, size_t n)
{
	size_t at = pos;

	b4(0);
	b4((uint32_t)(pos - cie));
	b4((uint32_t)(int32_t)(func + start - addr_of(pos)));
	b4(len);
	b1(0); /* augmentation data length */
	bytes(insns, n);
	end_entry(at);
	fde_at[nfde++] = at;
}

/* The .eh_frame_hdr at hdr_at for .eh_frame at EH, whose FDEs (in
 * fde_at) cover functions from STARTS. */
static void make_hdr(size_t eh, const uint32_t *starts)
{
	size_t ptr_field;

	pos = hdr_at;
	b1(1);
	b1(0x1b); /* eh_frame_ptr: pcrel sdata4 */
	b1(0x03); /* fde_count: udata4 */
	b1(0x3b); /* table: datarel sdata4 */
	ptr_field = pos;
	b4((uint32_t)(eh - ptr_field));
	b4(nfde);
	for (unsigned int i = 0; i < nfde; i++) {
		b4((uint32_t)(int32_t)(func + starts[i] - addr_of(hdr_at)));
		b4((uint32_t)(fde_at[i] - hdr_at));
	}
}

/* The row the table gives at function offset OFF. */
static struct np_cfi_row row_at(const struct np_cfi_table *t, uint32_t off)
{
	const struct np_cfi_row *r = np_cfi_table_find(t, func + off);
	struct np_cfi_row none;

	if (r)
		return *r;
	memset(&none, 0, sizeof(none));
	none.kind = 0xff; /* no row at all */
	return none;
}

#define CHECK_ROW(t, off, k, cfa, fp, ra)                                   \
	do {                                                                \
		struct np_cfi_row r_ = row_at((t), (off));                  \
		ck_assert_msg(r_.kind == (k), "at 0x%x: kind %d, want %d",  \
			      (off), r_.kind, (k));                         \
		ck_assert_msg(r_.cfa_off == (cfa),                          \
			      "at 0x%x: cfa %d, want %d", (off),            \
			      r_.cfa_off, (cfa));                           \
		ck_assert_msg(r_.fp_off == (fp), "at 0x%x: fp %d, want %d", \
			      (off), r_.fp_off, (fp));                      \
		ck_assert_msg(r_.aux == (ra), "at 0x%x: aux %d, want %d",   \
			      (off), r_.aux, (ra));                         \
	} while (0)

#define SAME NP_CFI_FP_SAME
#define LOST NP_CFI_FP_UNKNOWN

#if defined(__x86_64__)

/* A CIE "zR" (or "zRS"), code align 1, data align -8, RA r16, FDE
 * pointers pcrel sdata4; CFA = rsp + 8, RA at CFA - 8. */
static size_t make_cie(int signal_frame)
{
	size_t at = pos;
	static const uint8_t insns[] = { 0x0c, 7, 8, 0x80 | 16, 1 };

	b4(0);
	b4(0); /* CIE id */
	b1(1); /* version */
	b1('z');
	b1('R');
	if (signal_frame)
		b1('S');
	b1(0);
	b1(1);    /* code align */
	b1(0x78); /* data align -8 */
	b1(16);   /* RA column */
	b1(1);    /* augmentation data length */
	b1(0x1b); /* pcrel | sdata4 */
	bytes(insns, sizeof(insns));
	end_entry(at);
	return at;
}

/* A -fomit-frame-pointer function with a 128 KiB frame and an early
 * return in the middle (remember/restore_state). */
static const uint8_t fde_a[] = {
	0x41, 0x0e, 0x10, 0x86, 0x02,       /* +1: cfa 16; rbp at cfa-16 */
	0x47, 0x0e, 0x90, 0x80, 0x08,       /* +7: cfa 0x20010 */
	0x02, 0x80, 0x0a,                   /* +0x80; remember_state */
	0x0e, 0x10, 0x41, 0xc6, 0x0e, 0x08, /* cfa 16; +1; restore rbp; cfa 8 */
	0x41, 0x0b,                         /* +1; restore_state */
};
/* A frame-pointer function. */
static const uint8_t fde_b[] = {
	0x41, 0x0e, 0x10, 0x86, 0x02, /* +1: cfa 16; rbp at cfa-16 */
	0x43, 0x0d, 0x06,             /* +3: cfa = rbp + 16 */
	0x03, 0x70, 0x00,             /* advance_loc2 0x70 */
	0x0c, 0x07, 0x08, 0x08, 0x06, /* cfa = rsp + 8; rbp same value */
};
/* The lazy PLT, as ld makes it. */
static const uint8_t fde_c[] = {
	0x0e, 0x10, 0x46, 0x0e, 0x18, 0x4a, /* cfa 16; +6: 24; +10 */
	0x0f, 11, 0x77, 8, 0x80, 0, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22,
};
/* _start: the return address is undefined. */
static const uint8_t fde_d[] = { 0x07, 16 };
/* The _sf forms, args_size, advance_loc4, nop. */
static const uint8_t fde_e[] = {
	0x2e, 0x10, 0x12, 7, 0x7e, 0x11, 6, 0x7e, /* cfa rsp+16; rbp at +16 */
	0x04, 0x10, 0, 0, 0, 0x13, 0x7d, 0x00,    /* +0x10: cfa 24; nop */
};
/* A signal trampoline (CIE "zRS"): CFA and RA by expressions. */
static const uint8_t fde_f[] = {
	0x0f, 4, 0x77, 0xa0, 0x01, 0x06, /* cfa = *(rsp + 160) */
	0x10, 16, 3, 0x77, 0xa8, 0x01,   /* rip at rsp + 168 */
};
/* CFA in another register: not expressible. */
static const uint8_t fde_g[] = { 0x0d, 3 };
/* rbp copied to another register, val_offset, val_expression. */
static const uint8_t fde_h[] = {
	0x0e, 0x10, 0x09, 6, 3, 0x14, 5, 1, 0x16, 4, 1, 0x30,
};
/* A malformed program: restore_state with nothing remembered. */
static const uint8_t fde_i[] = { 0x41, 0x0b };

/* offset_extended, set_loc (to func + 0x350), restore_extended. */
static void make_fde_j(size_t cie)
{
	uint8_t insns[12] = { 0x05, 6, 2, 0x0e, 0x10, 0x01 };
	size_t at = pos, loc_field;
	int32_t rel;

	b4(0);
	b4((uint32_t)(pos - cie));
	b4((uint32_t)(int32_t)(func + 0x340 - addr_of(pos)));
	b4(0x20);
	b1(0);
	loc_field = pos + 6;
	rel = (int32_t)(func + 0x350 - addr_of(loc_field));
	memcpy(insns + 6, &rel, 4);
	insns[10] = 0x06;
	insns[11] = 6;
	bytes(insns, sizeof(insns));
	end_entry(at);
	fde_at[nfde++] = at;
}

static void make_cfi(void)
{
	static const uint32_t starts[] = { 0x000, 0x100, 0x180, 0x1c0, 0x1e0,
					   0x300, 0x310, 0x320, 0x330, 0x340 };
	size_t eh, cie, cie_s;

	pos = 0;
	nfde = 0;
	memset(mem, 0, sizeof(mem));
	func = addr_of(0) + (1u << 20);
	hdr_at = 0;
	eh = 256;
	pos = eh;
	cie = make_cie(0);
	make_fde(cie, 0x000, 0x100, fde_a, sizeof(fde_a));
	make_fde(cie, 0x100, 0x80, fde_b, sizeof(fde_b));
	make_fde(cie, 0x180, 0x40, fde_c, sizeof(fde_c));
	make_fde(cie, 0x1c0, 0x20, fde_d, sizeof(fde_d));
	make_fde(cie, 0x1e0, 0x20, fde_e, sizeof(fde_e));
	cie_s = make_cie(1);
	make_fde(cie_s, 0x300, 0x10, fde_f, sizeof(fde_f)); /* after a gap */
	make_fde(cie, 0x310, 0x10, fde_g, sizeof(fde_g));
	make_fde(cie, 0x320, 0x10, fde_h, sizeof(fde_h));
	make_fde(cie, 0x330, 0x10, fde_i, sizeof(fde_i));
	make_fde_j(cie);
	b4(0); /* terminator */
	make_hdr(eh, starts);
}

START_TEST(test_hdr_search)
{
	struct np_cfi_mem m;
	struct np_cfi_hdr h;
	uint64_t fde, start;

	make_cfi();
	m = whole();
	ck_assert_int_eq(np_cfi_hdr_parse(&m, addr_of(hdr_at), &h), 0);
	ck_assert_uint_eq(h.fde_count, nfde);
	ck_assert_uint_eq(h.eh_frame, addr_of(256));
	ck_assert_int_eq(np_cfi_hdr_entry(&m, &h, 2, &start, &fde), 0);
	ck_assert_uint_eq(start, func + 0x180);
	ck_assert_uint_eq(fde, addr_of(fde_at[2]));
	ck_assert_int_eq(np_cfi_hdr_find(&m, &h, func + 0x50, &fde), 0);
	ck_assert_uint_eq(fde, addr_of(fde_at[0]));
	ck_assert_int_eq(np_cfi_hdr_find(&m, &h, func + 0x185, &fde), 0);
	ck_assert_uint_eq(fde, addr_of(fde_at[2]));
	ck_assert_int_eq(np_cfi_hdr_find(&m, &h, func + 0x5000, &fde), 0);
	ck_assert_uint_eq(fde, addr_of(fde_at[9]));
	ck_assert_int_eq(np_cfi_hdr_find(&m, &h, func - 1, &fde), -1);
	/* A header cut short, or of another version. */
	m.hi = addr_of(hdr_at + 10);
	ck_assert_int_eq(np_cfi_hdr_parse(&m, addr_of(hdr_at), &h), -1);
	m = whole();
	mem[hdr_at] = 2;
	ck_assert_int_eq(np_cfi_hdr_parse(&m, addr_of(hdr_at), &h), -1);
}
END_TEST

START_TEST(test_rows)
{
	struct np_cfi_mem m;
	struct np_cfi_table *t;

	make_cfi();
	m = whole();
	t = np_cfi_table_from_hdr(&m, addr_of(hdr_at));
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->base, func);
	ck_assert_uint_eq(t->nfdes, nfde - 1);
	ck_assert_uint_eq(t->bad_fdes, 1); /* fde_i */

	/* A: push, a 128 KiB frame, remember/restore around an exit. */
	CHECK_ROW(t, 0x00, NP_CFA_SP, 8, SAME, -1);
	CHECK_ROW(t, 0x01, NP_CFA_SP, 16, -16, -1);
	CHECK_ROW(t, 0x07, NP_CFA_SP, 16, -16, -1);
	CHECK_ROW(t, 0x08, NP_CFA_SP, 0x20010, -16, -1);
	CHECK_ROW(t, 0x87, NP_CFA_SP, 0x20010, -16, -1);
	CHECK_ROW(t, 0x88, NP_CFA_SP, 16, -16, -1);
	CHECK_ROW(t, 0x89, NP_CFA_SP, 8, SAME, -1);
	CHECK_ROW(t, 0x8a, NP_CFA_SP, 0x20010, -16, -1);
	CHECK_ROW(t, 0xff, NP_CFA_SP, 0x20010, -16, -1);
	/* B: frame pointer, then same_value after leave. */
	CHECK_ROW(t, 0x100, NP_CFA_SP, 8, SAME, -1);
	CHECK_ROW(t, 0x101, NP_CFA_SP, 16, -16, -1);
	CHECK_ROW(t, 0x104, NP_CFA_FP, 16, -16, -1);
	CHECK_ROW(t, 0x173, NP_CFA_FP, 16, -16, -1);
	CHECK_ROW(t, 0x174, NP_CFA_SP, 8, SAME, -1);
	/* C: the PLT. */
	CHECK_ROW(t, 0x180, NP_CFA_SP, 16, SAME, -1);
	CHECK_ROW(t, 0x186, NP_CFA_SP, 24, SAME, -1);
	CHECK_ROW(t, 0x190, NP_CFA_PLT, 8, SAME, 11);
	CHECK_ROW(t, 0x1bf, NP_CFA_PLT, 8, SAME, 11);
	/* D: outermost. */
	CHECK_ROW(t, 0x1c0, NP_CFA_OUTERMOST, 0, SAME, 0);
	/* E: factored offsets. */
	CHECK_ROW(t, 0x1e0, NP_CFA_SP, 16, 16, -1);
	CHECK_ROW(t, 0x1f0, NP_CFA_SP, 24, 16, -1);
	/* The gap before F has no CFI; then the signal frame. */
	CHECK_ROW(t, 0x200, NP_CFA_NONE, 0, 0, 0);
	CHECK_ROW(t, 0x2ff, NP_CFA_NONE, 0, 0, 0);
	CHECK_ROW(t, 0x300, NP_CFA_SIGNAL, 0, SAME, 0);
	/* G: CFA in rbx. */
	CHECK_ROW(t, 0x310, NP_CFA_UNKNOWN, 0, SAME, 0);
	/* H: rbp in another register: the caller's FP is lost. */
	CHECK_ROW(t, 0x320, NP_CFA_SP, 16, LOST, -1);
	/* I was malformed: no CFI there. */
	CHECK_ROW(t, 0x330, NP_CFA_NONE, 0, 0, 0);
	/* J: offset_extended, set_loc, restore_extended; then the end. */
	CHECK_ROW(t, 0x340, NP_CFA_SP, 16, -16, -1);
	CHECK_ROW(t, 0x34f, NP_CFA_SP, 16, -16, -1);
	CHECK_ROW(t, 0x350, NP_CFA_SP, 16, SAME, -1);
	CHECK_ROW(t, 0x35f, NP_CFA_SP, 16, SAME, -1);
	CHECK_ROW(t, 0x360, 0xff, 0, 0, 0);
	np_cfi_table_free(t);
}
END_TEST

START_TEST(test_rule_at)
{
	struct np_cfi_mem m;
	struct np_cfi_rule r;
	struct np_cfi_fde_info info;

	make_cfi();
	m = whole();
	ck_assert_int_eq(np_cfi_rule_at(&m, addr_of(fde_at[0]), func + 0x88,
					&r), 0);
	ck_assert_int_eq(r.kind, NP_CFA_SP);
	ck_assert_int_eq(r.cfa_off, 16);
	ck_assert(r.fp_saved && r.fp_off == -16);
	ck_assert(r.ra_saved && r.ra_off == -8);
	ck_assert_int_eq(np_cfi_rule_at(&m, addr_of(fde_at[0]), func + 0x100,
					&r), -1);
	ck_assert_int_eq(np_cfi_rule_at(&m, addr_of(fde_at[2]), func + 0x1a0,
					&r), 0);
	ck_assert_int_eq(r.kind, NP_CFA_PLT);
	ck_assert_int_eq(r.plt_ge, 11);
	ck_assert_int_eq(np_cfi_fde_run(&m, addr_of(fde_at[5]), &info, NULL,
					NULL), 0);
	ck_assert(info.signal_frame);
	ck_assert_uint_eq(info.start, func + 0x300);
	/* A CIE is no FDE; a bad one or a cut one is an error, not a read
	 * past the end. */
	ck_assert_int_eq(np_cfi_fde_run(&m, addr_of(256), &info, NULL, NULL),
			 -2);
	ck_assert_int_eq(np_cfi_rule_at(&m, addr_of(fde_at[8]), func + 0x331,
					&r), -1);
	m.hi = addr_of(fde_at[1] + 10);
	ck_assert_int_eq(np_cfi_fde_run(&m, addr_of(fde_at[1]), &info, NULL,
					NULL), -1);
	m = whole();
	mem[256 + 8] = 2; /* CIE version */
	ck_assert_int_eq(np_cfi_fde_run(&m, addr_of(fde_at[0]), &info, NULL,
					NULL), -1);
}
END_TEST

START_TEST(test_cut_table)
{
	struct np_cfi_mem m;
	struct np_cfi_table *t;

	/* Memory that ends inside the FDEs: the ones past it are bad, the
	 * others still give rows. */
	make_cfi();
	m = whole();
	m.hi = addr_of(fde_at[3] + 6);
	t = np_cfi_table_from_hdr(&m, addr_of(hdr_at));
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->nfdes, 3);
	CHECK_ROW(t, 0x104, NP_CFA_FP, 16, -16, -1);
	np_cfi_table_free(t);
}
END_TEST

#endif /* x86_64 */

#if defined(__aarch64__)

/* A CIE "zR" with aarch64's rules: code align 4, data align -8, return
 * address column RA_COLUMN (30, LR), CFA = sp + 0 and LR untouched on
 * entry. */
static size_t make_cie_a64(uint8_t ra_column)
{
	size_t at = pos;
	static const uint8_t insns[] = { 0x0c, 31, 0 };

	b4(0);
	b4(0); /* CIE id */
	b1(1); /* version */
	b1('z');
	b1('R');
	b1(0);
	b1(4);    /* code align */
	b1(0x78); /* data align -8 */
	b1(ra_column);
	b1(1);    /* augmentation data length */
	b1(0x1b); /* pcrel | sdata4 */
	bytes(insns, sizeof(insns));
	end_entry(at);
	return at;
}

/* What gcc emits for a function with a frame record: stp x29, x30,
 * [sp, -32]!; mov x29, sp; (pointer authentication's negate_ra_state);
 * a body; an early epilogue between remember and restore_state. */
static const uint8_t fde_a64_frame[] = {
	0x41, 0x0e, 32, 0x9d, 4, 0x9e, 3, /* +4: cfa 32; x29 at -32, x30 -24 */
	0x41, 0x0d, 29, 0x2d,             /* +4: cfa = x29 + 32; negate_ra */
	0x44, 0x0a, 0xde, 0xdd,           /* +16: remember; restore x30, x29 */
	0x0c, 31, 0,                      /* cfa = sp + 0 */
	0x41, 0x0b,                       /* +4: restore_state */
};
/* _start: cfi_undefined x30. */
static const uint8_t fde_a64_start[] = { 0x07, 30 };

static void make_cfi_a64(void)
{
	static const uint32_t starts[] = { 0x000, 0x040, 0x050 };
	size_t eh = 256, cie, cie_x86;

	pos = 0;
	nfde = 0;
	memset(mem, 0, sizeof(mem));
	func = addr_of(0) + (1u << 20);
	hdr_at = 0;
	pos = eh;
	cie = make_cie_a64(30);
	cie_x86 = make_cie_a64(16); /* not aarch64's return address column */
	make_fde(cie, 0x000, 0x40, fde_a64_frame, sizeof(fde_a64_frame));
	make_fde(cie, 0x040, 0x10, fde_a64_start, sizeof(fde_a64_start));
	make_fde(cie_x86, 0x050, 0x10, fde_a64_start, sizeof(fde_a64_start));
	b4(0); /* terminator */
	make_hdr(eh, starts);
}

START_TEST(test_rows_aarch64)
{
	struct np_cfi_mem m;
	struct np_cfi_table *t;
	struct np_cfi_rule r;

	make_cfi_a64();
	m = whole();
	t = np_cfi_table_from_hdr(&m, addr_of(hdr_at));
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->nfdes, 2);
	ck_assert_uint_eq(t->bad_fdes, 1); /* RA column 16 */
	/* On entry the return address is still in LR. */
	CHECK_ROW(t, 0x00, NP_CFA_SP, 0, SAME, NP_CFI_RA_LR);
	CHECK_ROW(t, 0x04, NP_CFA_SP, 32, -32, -3);
	CHECK_ROW(t, 0x08, NP_CFA_FP, 32, -32, -3);
	CHECK_ROW(t, 0x17, NP_CFA_FP, 32, -32, -3);
	/* After ldp x29, x30, [sp], 32: back in LR. */
	CHECK_ROW(t, 0x18, NP_CFA_SP, 0, SAME, NP_CFI_RA_LR);
	CHECK_ROW(t, 0x1c, NP_CFA_FP, 32, -32, -3);
	CHECK_ROW(t, 0x3f, NP_CFA_FP, 32, -32, -3);
	CHECK_ROW(t, 0x40, NP_CFA_OUTERMOST, 0, SAME, 0);
	CHECK_ROW(t, 0x50, 0xff, 0, 0, 0); /* the bad FDE: no row */
	np_cfi_table_free(t);

	ck_assert_int_eq(np_cfi_rule_at(&m, addr_of(fde_at[0]), func + 0x2,
					&r), 0);
	ck_assert(r.ra_in_lr && !r.ra_saved);
	ck_assert_int_eq(np_cfi_rule_at(&m, addr_of(fde_at[0]), func + 0x10,
					&r), 0);
	ck_assert(r.ra_saved && r.ra_off == -24 && r.fp_off == -32);
	ck_assert_int_eq(r.kind, NP_CFA_FP);
}
END_TEST

#endif /* aarch64 */

/* --- The compiler's CFI and this program's stack --------------------- */

static uint32_t next_key = 1;

static int add_module(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	(void)arg;
	np_cfi_tables_add(next_key++, info->dlpi_addr, info->dlpi_phdr,
			  info->dlpi_phnum);
	return 0;
}

static void publish_all(void)
{
	np_cfi_tables_drop_all();
	dl_iterate_phdr(add_module, NULL);
	np_cfi_tables_publish();
}

static const struct np_cfi_row *find_row(uint64_t pc)
{
	unsigned int slot;
	const struct np_cfi_set *set = np_cfi_enter(&slot);
	const struct np_cfi_row *r = np_cfi_find(set, pc);

	np_cfi_leave(slot);
	return r;
}

#define MAX_FRAMES 256

struct capture {
	uint64_t frames[MAX_FRAMES];
	int n;
	uint64_t complete_before;
	uint64_t complete_after;
};

/* Unwinds from here: frames[1] is the return address into the caller. */
static __attribute__((noinline)) void capture(struct capture *c)
{
	struct np_regs r;
	struct np_stack_bounds b;

	np_regs_here(&r);
	c->complete_before = np_unwind_stops(NP_UNWIND_COMPLETE);
	c->n = np_stack_bounds_find(r.sp, &b) == 0
		       ? np_unwind(&r, c->frames, MAX_FRAMES, &b)
		       : -1;
	c->complete_after = np_unwind_stops(NP_UNWIND_COMPLETE);
}

static int has_frame(const struct capture *c, uint64_t pc)
{
	for (int i = 0; i < c->n; i++)
		if (c->frames[i] == pc)
			return 1;
	return 0;
}

#define RET() ((uint64_t)(uintptr_t)__builtin_return_address(0))

static struct capture cap;
static uint64_t ret_f1, ret_f2, ret_f3;

__attribute__((noinline)) void chain_f3(void);
__attribute__((noinline)) void chain_f2(void);
__attribute__((noinline)) void chain_f1(void);

__attribute__((noinline)) void chain_f3(void)
{
	ret_f3 = RET();
	capture(&cap);
}

__attribute__((noinline)) void chain_f2(void)
{
	ret_f2 = RET();
	chain_f3();
}

__attribute__((noinline)) void chain_f1(void)
{
	ret_f1 = RET();
	chain_f2();
}

START_TEST(test_unwind_chain)
{
	publish_all();
	chain_f1();
	ck_assert_int_ge(cap.n, 6);
	ck_assert_uint_eq(cap.frames[2], ret_f3);
	ck_assert_uint_eq(cap.frames[3], ret_f2);
	ck_assert_uint_eq(cap.frames[4], ret_f1);
	ck_assert_msg(cap.complete_after == cap.complete_before + 1,
		      "the unwind did not reach the thread's first frame");
	ck_assert_uint_gt(np_cfi_tables_bytes(), 0);
}
END_TEST

static uint64_t ret_sorter;
static int compared;

static int compare_ints(const void *a, const void *b)
{
	if (!compared++)
		capture(&cap);
	return *(const int *)a - *(const int *)b;
}

__attribute__((noinline)) void sorter(void);
__attribute__((noinline)) void sorter(void)
{
	int v[64];

	ret_sorter = RET();
	for (int i = 0; i < 64; i++)
		v[i] = (i * 37) % 64;
	qsort(v, 64, sizeof(v[0]), compare_ints);
}

START_TEST(test_unwind_through_libc)
{
	publish_all();
	compared = 0;
	sorter();
	ck_assert_int_gt(cap.n, 3);
	ck_assert_msg(has_frame(&cap, ret_sorter),
		      "qsort's frames in libc did not lead back to sorter");
	ck_assert(cap.complete_after == cap.complete_before + 1);
}
END_TEST

static uint64_t ret_raiser, ret_handler;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	ret_handler = RET(); /* the signal trampoline */
	capture(&cap);
}

__attribute__((noinline)) void raiser(void);
__attribute__((noinline)) void raiser(void)
{
	ret_raiser = RET();
	raise(SIGUSR1);
}

START_TEST(test_unwind_signal_frame)
{
	struct sigaction sa, cur;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	publish_all();
#if defined(__x86_64__)
	/* glibc tells its restorer (__restore_rt) back. */
	ck_assert_int_eq(sigaction(SIGUSR1, NULL, &cur), 0);
	ck_assert_ptr_nonnull(find_row((uint64_t)(uintptr_t)cur.sa_restorer - 1));
	ck_assert_int_eq(find_row((uint64_t)(uintptr_t)cur.sa_restorer - 1)->kind,
			 NP_CFA_SIGNAL);
#else
	(void)cur;
#endif
	raiser();
	ck_assert_msg(has_frame(&cap, ret_handler), "no signal trampoline frame");
#if defined(__aarch64__)
	/* The kernel's trampoline is __kernel_rt_sigreturn in the vDSO, with
	 * CFI; qemu-user's has none (and there is no vDSO): nothing leads
	 * past it then. */
	if (!find_row(ret_handler) ||
	    find_row(ret_handler)->kind != NP_CFA_SIGNAL) {
		fprintf(stderr, "check_cfi: the signal trampoline at %#" PRIx64
			" has no CFI (qemu-user?): unwinding past it not "
			"checked\n", ret_handler);
		return;
	}
#endif
	ck_assert_msg(has_frame(&cap, ret_raiser),
		      "the signal frame did not lead back to raiser");
	ck_assert(cap.complete_after == cap.complete_before + 1);
}
END_TEST

/* The same handler on an alternate signal stack: its frames are in
 * another mapping than raiser's, which the walk must go on into. */
START_TEST(test_unwind_altstack)
{
	static char altstack[1 << 16];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaltstack(&ss, NULL), 0);
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	publish_all();
	raiser();
	ss.ss_flags = SS_DISABLE;
	ck_assert_int_eq(sigaltstack(&ss, NULL), 0);
	ck_assert_msg(has_frame(&cap, ret_handler), "no signal trampoline frame");
#if defined(__aarch64__)
	if (!find_row(ret_handler) ||
	    find_row(ret_handler)->kind != NP_CFA_SIGNAL)
		return; /* qemu-user's trampoline: see above */
#endif
	ck_assert_msg(has_frame(&cap, ret_raiser),
		      "the walk did not leave the alternate stack for raiser's");
	ck_assert(cap.complete_after == cap.complete_before + 1);
}
END_TEST

#define BIG_FRAME (128u << 10)

__attribute__((noinline)) int big_frames(int depth);
__attribute__((noinline)) int big_frames(int depth)
{
	volatile char buf[BIG_FRAME];

	buf[0] = (char)depth;
	buf[BIG_FRAME - 1] = (char)depth;
	if (depth > 0)
		return big_frames(depth - 1) + buf[0];
	capture(&cap);
	return buf[BIG_FRAME - 1];
}

START_TEST(test_unwind_big_frames)
{
	const struct np_cfi_row *r;

	publish_all();
	big_frames(5);
	/* capture, six big_frames, this test and its callers */
	ck_assert_int_ge(cap.n, 8);
	ck_assert(cap.complete_after == cap.complete_before + 1);
	r = find_row(cap.frames[2] - 1);
	ck_assert_ptr_nonnull(r);
	/* aarch64 saves LR at the bottom of the frame, far below the CFA. */
	ck_assert(r->kind == NP_CFA_SP || r->kind == NP_CFA_SP_LOW);
	ck_assert_int_gt(r->cfa_off, (int)BIG_FRAME);
	for (int i = 2; i < 7; i++)
		ck_assert_uint_eq(cap.frames[i], cap.frames[2]);
}
END_TEST

/* The compiler-made tables of this program: the PLT's expression (x86_64:
 * aarch64's PLT has no CFI) and _start's undefined return address. */
extern char _start[];

#if defined(__x86_64__)
static int any_plt(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct np_cfi_table *t;

	(void)size;
	t = np_cfi_table_build(info->dlpi_addr, info->dlpi_phdr,
			       info->dlpi_phnum);
	if (!t)
		return 0;
	for (uint32_t i = 0; i < t->nrows; i++)
		if (t->rows[i].kind == NP_CFA_PLT)
			*(int *)arg = 1;
	np_cfi_table_free(t);
	return 0;
}
#endif

START_TEST(test_compiler_tables)
{
	const struct np_cfi_row *r;

#if defined(__x86_64__)
	int plt = 0;

	dl_iterate_phdr(any_plt, &plt);
	ck_assert_msg(plt, "no PLT expression recognised in any module");
#endif
	publish_all();
	r = find_row((uint64_t)(uintptr_t)_start + 4); /* aarch64: after bti */
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->kind, NP_CFA_OUTERMOST);
	r = find_row((uint64_t)(uintptr_t)chain_f2 + 1);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->kind, NP_CFA_SP);
}
END_TEST

#if defined(__x86_64__)
/* The first PLT row of any module, as an address; 0 if none. */
static int first_plt(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct np_cfi_table *t;
	uint64_t *at = arg;

	(void)size;
	if (*at)
		return 0;
	t = np_cfi_table_build(info->dlpi_addr, info->dlpi_phdr,
			       info->dlpi_phnum);
	if (!t)
		return 0;
	for (uint32_t i = 0; i < t->nrows && !*at; i++)
		if (t->rows[i].kind == NP_CFA_PLT)
			/* The first whole 16-byte entry of the range. */
			*at = (t->base + t->rows[i].pc + 15) & ~(uint64_t)15;
	np_cfi_table_free(t);
	return 0;
}

/* A sample in a PLT entry: before its push the return address is at SP,
 * after it one word above. */
START_TEST(test_unwind_plt)
{
	static uint64_t fake[64];
	uint64_t frames[4], plt = 0;
	uint64_t ret = (uint64_t)(uintptr_t)chain_f2 + 4;
	struct np_stack_bounds b = { (uint64_t)(uintptr_t)fake,
				     (uint64_t)(uintptr_t)(fake + 64) };
	struct np_regs r = { 0 };

	dl_iterate_phdr(first_plt, &plt);
	ck_assert_uint_ne(plt, 0);
	publish_all();
	ck_assert_int_eq(find_row(plt)->kind, NP_CFA_PLT);
	memset(fake, 0, sizeof(fake));
	fake[8] = ret;
	fake[9] = ret + 1;
	r.pc = plt; /* jmp *GOT */
	r.sp = b.lo + 8 * 8;
	r.fp = 0;
	ck_assert_int_ge(np_unwind(&r, frames, 2, &b), 2);
	ck_assert_uint_eq(frames[1], ret);
	r.pc = plt + 11; /* after push $n: jmp PLT0 */
	r.sp = b.lo + 7 * 8;
	ck_assert_int_ge(np_unwind(&r, frames, 2, &b), 2);
	ck_assert_uint_eq(frames[1], ret);
}
END_TEST
#endif

#if defined(__aarch64__)
/* A sample at a function's first instruction (or in a leaf): the return
 * address is still in LR, which only the interrupted registers know. */
START_TEST(test_unwind_lr)
{
	static uint64_t fake[64];
	uint64_t frames[4];
	uint64_t ret = (uint64_t)(uintptr_t)chain_f1 + 8;
	struct np_stack_bounds b = { (uint64_t)(uintptr_t)fake,
				     (uint64_t)(uintptr_t)(fake + 64) };
	struct np_regs r = { 0 };
	const struct np_cfi_row *row;

	publish_all();
	row = find_row((uint64_t)(uintptr_t)chain_f2);
	ck_assert_ptr_nonnull(row);
	ck_assert_int_eq(row->kind, NP_CFA_SP);
	ck_assert_int_eq(row->cfa_off, 0);
	ck_assert_int_eq(row->aux, NP_CFI_RA_LR);
	memset(fake, 0, sizeof(fake));
	r.pc = (uint64_t)(uintptr_t)chain_f2;
	r.sp = b.lo + 8 * 8;
	r.lr = ret;
	ck_assert_int_ge(np_unwind(&r, frames, 2, &b), 2);
	ck_assert_uint_eq(frames[1], ret);
	/* LR unknown (a hook gives none): no guess. */
	r.lr = 0;
	ck_assert_int_eq(np_unwind(&r, frames, 4, &b), 1);
}
END_TEST
#endif

/* A PC without CFI: the frame record at FP gives the caller. */
START_TEST(test_unwind_fp_fallback)
{
	static uint64_t fake[64];
	uint64_t frames[4];
	uint64_t ret = (uint64_t)(uintptr_t)chain_f2 + 4;
	struct np_stack_bounds b = { (uint64_t)(uintptr_t)fake,
				     (uint64_t)(uintptr_t)(fake + 64) };
	struct np_regs r = { 0 };
	uint64_t no_cfi_before = np_unwind_stops(NP_UNWIND_NO_CFI);

	publish_all();
	memset(fake, 0, sizeof(fake));
	fake[10] = 0;   /* the caller's FP */
	fake[11] = ret; /* the return address */
	r.pc = 0x10000; /* no module there */
	r.sp = b.lo;
	r.fp = b.lo + 10 * 8;
	ck_assert_int_ge(np_unwind(&r, frames, 2, &b), 2);
	ck_assert_uint_eq(frames[1], ret);
	/* Without a frame record, the PC alone, and the stop is counted. */
	r.fp = 0;
	ck_assert_int_eq(np_unwind(&r, frames, 4, &b), 1);
	ck_assert_uint_eq(np_unwind_stops(NP_UNWIND_NO_CFI), no_cfi_before + 1);
}
END_TEST

/* A walk's trace (unwind.h): it holds while the words the walk read hold
 * the same and the tables stay, counting the walk's stop each time; it
 * says whether the walk needed the first FP. */
START_TEST(test_unwind_trace)
{
	static uint64_t fake[64];
	uint64_t frames[MAX_FRAMES];
	struct np_stack_bounds b = { (uint64_t)(uintptr_t)fake,
				     (uint64_t)(uintptr_t)(fake + 64) };
	struct np_regs r = { 0 };
	struct np_unwind_trace t;
	uint64_t before;

	publish_all();
	memset(fake, 0, sizeof(fake));
	fake[11] = (uint64_t)(uintptr_t)chain_f2 + 4;
	r.pc = 0x10000; /* no CFI: the frame record at FP */
	r.sp = b.lo;
	r.fp = b.lo + 10 * 8;
	ck_assert_int_ge(np_unwind_traced(&r, frames, 8, &b, &t), 2);
	ck_assert_uint_gt(t.n, 0);
	ck_assert_uint_le(t.n, NP_UNWIND_TRACE_MAX);
	ck_assert_int_eq(t.fp_used, 1);
	before = np_unwind_stops((enum np_unwind_stop)t.why);
	ck_assert(np_unwind_trace_holds(&t, r.sp, b.hi));
	ck_assert_uint_eq(np_unwind_stops((enum np_unwind_stop)t.why),
			  before + 1);
	fake[11] += 1;
	ck_assert(!np_unwind_trace_holds(&t, r.sp, b.hi));
	fake[11] -= 1;
	ck_assert(np_unwind_trace_holds(&t, r.sp, b.hi));
	/* A smaller stack there now: the words may be gone. */
	ck_assert(!np_unwind_trace_holds(&t, r.sp, b.lo + 8));
	publish_all(); /* other tables: the walk might go elsewhere */
	ck_assert(!np_unwind_trace_holds(&t, r.sp, b.hi));

#if defined(__x86_64__)
	/* This file's code keeps no frame pointer: its CFI finds every
	 * CFA from SP, and the walk never looks at the first FP. */
	np_regs_here(&r);
	ck_assert_int_eq(np_stack_bounds_find(r.sp, &b), 0);
	ck_assert_int_gt(np_unwind_traced(&r, frames, MAX_FRAMES, &b, &t), 2);
	ck_assert_int_eq(t.fp_used, 0);
#endif
}
END_TEST

/* Garbage on a stack: the walk stays inside it and ends. */
START_TEST(test_unwind_garbage)
{
	static uint64_t fake[512];
	uint64_t frames[MAX_FRAMES];
	struct np_stack_bounds b = { (uint64_t)(uintptr_t)fake,
				     (uint64_t)(uintptr_t)(fake + 512) };
	unsigned int seed = 1;

	publish_all();
	for (int trial = 0; trial < 20000; trial++) {
		struct np_regs r;
		int n;

		for (int i = 0; i < 512; i++) {
			uint64_t v = (uint64_t)rand_r(&seed) << 32 | (uint64_t)rand_r(&seed);

			switch (rand_r(&seed) % 4) {
			case 0: /* a pointer into the fake stack */
				v = b.lo + (v % 4096);
				break;
			case 1: /* code */
				v = (uint64_t)(uintptr_t)chain_f2 + v % 64;
				break;
			case 2:
				v = (uint64_t)(uintptr_t)qsort + v % 256;
				break;
			}
			fake[i] = v;
		}
		r.pc = (uint64_t)(uintptr_t)(trial & 1 ? (void *)chain_f1 : (void *)qsort) + (unsigned int)rand_r(&seed) % 64;
		r.sp = b.lo + ((unsigned int)rand_r(&seed) % 5000) - 300;
		r.fp = fake[rand_r(&seed) % 512];
		r.lr = fake[rand_r(&seed) % 512];
		n = np_unwind(&r, frames, MAX_FRAMES, &b);
		ck_assert_int_ge(n, 1);
		ck_assert_int_le(n, MAX_FRAMES);
	}
	/* No bounds: the PC alone. */
	{
		struct np_regs r = { .pc = 0x1234 };

		ck_assert_int_eq(np_unwind(&r, frames, MAX_FRAMES, NULL), 1);
		r.pc = 0;
		ck_assert_int_eq(np_unwind(&r, frames, MAX_FRAMES, NULL), 0);
	}
}
END_TEST

/* Tables published and retired while another thread unwinds. */
static atomic_int stop_unwinding;
static atomic_int unwinds;

static void *unwinder(void *arg)
{
	static struct capture c;

	(void)arg;
	while (!atomic_load(&stop_unwinding)) {
		capture(&c);
		atomic_fetch_add(&unwinds, 1);
	}
	return NULL;
}

/* The executable's image, as dl_iterate_phdr lists it first. */
struct image {
	uint64_t bias;
	const ElfW(Phdr) *phdr;
	unsigned int phnum;
	int seen;
};

static int first_image(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct image *im = arg;

	(void)size;
	if (!im->seen) {
		im->bias = info->dlpi_addr;
		im->phdr = info->dlpi_phdr;
		im->phnum = info->dlpi_phnum;
		im->seen = 1;
	}
	return 0;
}

/* A table added early (a dlopen hook's) is seen at once, without a
 * publish; a later early one at the same place replaces it, the module's
 * own replaces both, and dropping by either key takes only its own. */
START_TEST(test_early_tables)
{
	uint64_t pc = (uint64_t)(uintptr_t)chain_f3;
	struct image im = { .seen = 0 };
	size_t one;

	dl_iterate_phdr(first_image, &im);
	ck_assert(im.seen);
	np_cfi_tables_drop_all();
	np_cfi_tables_publish();
	ck_assert_ptr_null(find_row(pc));

	ck_assert_int_eq(np_cfi_tables_add_early(7, im.bias, im.phdr, im.phnum), 0);
	ck_assert_ptr_nonnull(find_row(pc));
	one = np_cfi_tables_bytes();
	ck_assert_uint_gt(one, 0);
	ck_assert_int_eq(np_cfi_tables_add_early(8, im.bias, im.phdr, im.phnum), 0);
	ck_assert_uint_eq(np_cfi_tables_bytes(), one);
	np_cfi_tables_drop_early(7); /* replaced already: nothing to drop */
	ck_assert_ptr_nonnull(find_row(pc));

	ck_assert_int_eq(np_cfi_tables_add(1, im.bias, im.phdr, im.phnum), 0);
	np_cfi_tables_publish();
	ck_assert_uint_eq(np_cfi_tables_bytes(), one);
	np_cfi_tables_drop_early(8);
	ck_assert_ptr_nonnull(find_row(pc));
	np_cfi_tables_drop(1);
	np_cfi_tables_publish();
	ck_assert_ptr_null(find_row(pc));
	ck_assert_uint_eq(np_cfi_tables_bytes(), 0);

	ck_assert_int_eq(np_cfi_tables_add_early(9, im.bias, im.phdr, im.phnum), 0);
	ck_assert_ptr_nonnull(find_row(pc));
	np_cfi_tables_drop_early(9);
	ck_assert_ptr_null(find_row(pc));
}
END_TEST

START_TEST(test_publish_while_unwinding)
{
	pthread_t th;

	publish_all();
	ck_assert_int_eq(pthread_create(&th, NULL, unwinder, NULL), 0);
	for (int i = 0; i < 40; i++) {
		if (i % 2) {
			np_cfi_tables_drop_all();
			np_cfi_tables_publish();
		} else {
			publish_all();
		}
	}
	atomic_store(&stop_unwinding, 1);
	pthread_join(th, NULL);
	ck_assert_int_gt(atomic_load(&unwinds), 0);
}
END_TEST

/* In a forked child, after np_cfi_after_fork: the child's count of table
 * bytes (0 if the registry was forgotten), and whether a table can be
 * added and published there; the child's exit status says both. */
static int child_after_fork(struct image *im, size_t want)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		np_cfi_after_fork();
		if (np_cfi_tables_bytes() != want)
			_exit(1);
		if (np_cfi_tables_add(5, im->bias, im->phdr, im->phnum) != 0)
			_exit(2);
		np_cfi_tables_publish(); /* no reader here to wait for */
		_exit(find_row((uint64_t)(uintptr_t)chain_f3) ? 0 : 3);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void *publisher(void *arg)
{
	(void)arg;
	np_cfi_tables_drop(2);
	np_cfi_tables_publish(); /* waits for the main thread, inside */
	return NULL;
}

/* A fork while a publish holds the lock (waiting for a reader): the
 * child forgets the registry, which the publisher may have half changed;
 * a fork with the lock free keeps it.  Either way the child can go on. */
START_TEST(test_fork_while_publishing)
{
	struct image im = { .seen = 0 };
	unsigned int slot;
	pthread_t th;
	uint64_t gen;
	size_t one;
	int held = 0, status;

	dl_iterate_phdr(first_image, &im);
	ck_assert(im.seen);
	np_cfi_tables_drop_all();
	ck_assert_int_eq(np_cfi_tables_add(1, im.bias, im.phdr, im.phnum), 0);
	np_cfi_tables_publish();
	one = np_cfi_tables_bytes();
	ck_assert_uint_gt(one, 0);
	ck_assert_int_eq(child_after_fork(&im, one), 0);

	/* The publisher gives up waiting after a second: a try counts
	 * only if it was still waiting once the child was done. */
	for (int tries = 0; !held && tries < 5; tries++) {
		ck_assert_int_eq(np_cfi_tables_add(2, im.bias, im.phdr, im.phnum),
				 0);
		gen = np_cfi_generation();
		np_cfi_enter(&slot);
		ck_assert_int_eq(pthread_create(&th, NULL, publisher, NULL), 0);
		while (np_cfi_generation() == gen)
			sched_yield();
		/* Swapped: the publisher now waits for us, the lock held. */
		status = child_after_fork(&im, 0);
		held = pthread_tryjoin_np(th, NULL) == EBUSY;
		np_cfi_leave(slot);
		if (held) {
			pthread_join(th, NULL);
			ck_assert_int_eq(status, 0);
		}
	}
	ck_assert(held);
	ck_assert_uint_eq(np_cfi_tables_bytes(), one);
	np_cfi_tables_drop_all();
	np_cfi_tables_publish();
}
END_TEST

static Suite *cfi_suite(void)
{
	Suite *s = suite_create("cfi");
	TCase *tc = tcase_create("parse");

#if defined(__x86_64__)
	tcase_add_test(tc, test_hdr_search);
	tcase_add_test(tc, test_rows);
	tcase_add_test(tc, test_rule_at);
	tcase_add_test(tc, test_cut_table);
#elif defined(__aarch64__)
	tcase_add_test(tc, test_rows_aarch64);
#endif
	tcase_add_test(tc, test_compiler_tables);
	suite_add_tcase(s, tc);
	tc = tcase_create("unwind");
	tcase_add_test(tc, test_unwind_chain);
	tcase_add_test(tc, test_unwind_through_libc);
	tcase_add_test(tc, test_unwind_signal_frame);
	tcase_add_test(tc, test_unwind_altstack);
	tcase_add_test(tc, test_unwind_big_frames);
#if defined(__x86_64__)
	tcase_add_test(tc, test_unwind_plt);
#elif defined(__aarch64__)
	tcase_add_test(tc, test_unwind_lr);
#endif
	tcase_add_test(tc, test_unwind_fp_fallback);
	tcase_add_test(tc, test_unwind_trace);
	tcase_add_test(tc, test_unwind_garbage);
	tcase_add_test(tc, test_publish_while_unwinding);
	tcase_add_test(tc, test_early_tables);
	tcase_add_test(tc, test_fork_while_publishing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return np_check_run(cfi_suite());
}
