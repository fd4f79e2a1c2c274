/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CFI parser and interpreter (see cfi.h): .eh_frame_hdr lookup, CIEs,
 * FDEs and the DW_CFA programs that gcc and clang emit, followed only as far
 * as the unwinder needs: the CFA, the return address and the frame pointer.
 */
#include "config.h"

#include <string.h>

#include "cfi.h"

/* Pointer encodings (DW_EH_PE_*) of .eh_frame and .eh_frame_hdr. */
#define PE_OMIT 0xff
#define PE_ABSPTR 0x00
#define PE_ULEB128 0x01
#define PE_UDATA2 0x02
#define PE_UDATA4 0x03
#define PE_UDATA8 0x04
#define PE_SLEB128 0x09
#define PE_SDATA2 0x0a
#define PE_SDATA4 0x0b
#define PE_SDATA8 0x0c
#define PE_PCREL 0x10
#define PE_DATAREL 0x30
#define PE_ALIGNED 0x50
#define PE_INDIRECT 0x80

/* Call frame instructions. */
enum {
	CFA_advance_loc = 0x40,
	CFA_offset = 0x80,
	CFA_restore = 0xc0,
	CFA_nop = 0x00,
	CFA_set_loc = 0x01,
	CFA_advance_loc1 = 0x02,
	CFA_advance_loc2 = 0x03,
	CFA_advance_loc4 = 0x04,
	CFA_offset_extended = 0x05,
	CFA_restore_extended = 0x06,
	CFA_undefined = 0x07,
	CFA_same_value = 0x08,
	CFA_register = 0x09,
	CFA_remember_state = 0x0a,
	CFA_restore_state = 0x0b,
	CFA_def_cfa = 0x0c,
	CFA_def_cfa_register = 0x0d,
	CFA_def_cfa_offset = 0x0e,
	CFA_def_cfa_expression = 0x0f,
	CFA_expression = 0x10,
	CFA_offset_extended_sf = 0x11,
	CFA_def_cfa_sf = 0x12,
	CFA_def_cfa_offset_sf = 0x13,
	CFA_val_offset = 0x14,
	CFA_val_offset_sf = 0x15,
	CFA_val_expression = 0x16,
	CFA_GNU_window_save = 0x2d, /* aarch64: negate_ra_state */
	CFA_GNU_args_size = 0x2e,
	CFA_GNU_negative_offset_extended = 0x2f,
};

/* A bounded reader over the mapped CFI. */
struct cursor {
	uint64_t p;
	uint64_t end;
	int bad;
};

static int take(struct cursor *c, size_t n, void *out)
{
	if (c->bad || n > c->end - c->p || c->p > c->end) {
		c->bad = 1;
		memset(out, 0, n);
		return -1;
	}
	memcpy(out, (const void *)(uintptr_t)c->p, n);
	c->p += n;
	return 0;
}

static uint8_t get_u8(struct cursor *c)
{
	uint8_t v;

	take(c, 1, &v);
	return v;
}

static uint16_t get_u16(struct cursor *c)
{
	uint16_t v;

	take(c, 2, &v);
	return v;
}

static uint32_t get_u32(struct cursor *c)
{
	uint32_t v;

	take(c, 4, &v);
	return v;
}

static uint64_t get_u64(struct cursor *c)
{
	uint64_t v;

	take(c, 8, &v);
	return v;
}

static uint64_t get_uleb(struct cursor *c)
{
	uint64_t v = 0;
	unsigned int shift = 0;
	uint8_t b;

	do {
		b = get_u8(c);
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while ((b & 0x80) && !c->bad);
	return v;
}

static int64_t get_sleb(struct cursor *c)
{
	uint64_t v = 0;
	unsigned int shift = 0;
	uint8_t b;

	do {
		b = get_u8(c);
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while ((b & 0x80) && !c->bad);
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	return (int64_t)v;
}

/*
 * A pointer in encoding ENC; DATAREL is what DW_EH_PE_datarel is relative
 * to (the header's address).  Indirect pointers are not followed: the
 * parser only needs them to skip them.  Returns 0 or -1.
 */
static int get_encoded(struct cursor *c, uint8_t enc, uint64_t datarel,
		       uint64_t *out)
{
	uint64_t field = c->p, v;

	if (enc == PE_OMIT)
		return -1;
	if ((enc & 0x70) == PE_ALIGNED) {
		c->p = (c->p + 7) & ~(uint64_t)7;
		field = c->p;
	}
	switch (enc & 0x0f) {
	case PE_ABSPTR:
		v = get_u64(c);
		break;
	case PE_ULEB128:
		v = get_uleb(c);
		break;
	case PE_UDATA2:
		v = get_u16(c);
		break;
	case PE_UDATA4:
		v = get_u32(c);
		break;
	case PE_UDATA8:
		v = get_u64(c);
		break;
	case PE_SLEB128:
		v = (uint64_t)get_sleb(c);
		break;
	case PE_SDATA2:
		v = (uint64_t)(int64_t)(int16_t)get_u16(c);
		break;
	case PE_SDATA4:
		v = (uint64_t)(int64_t)(int32_t)get_u32(c);
		break;
	case PE_SDATA8:
		v = get_u64(c);
		break;
	default:
		c->bad = 1;
		return -1;
	}
	switch (enc & 0x70) {
	case 0:
	case PE_ALIGNED:
		break;
	case PE_PCREL:
		v += field;
		break;
	case PE_DATAREL:
		if (!datarel)
			return -1;
		v += datarel;
		break;
	default: /* textrel, funcrel: not used where we look */
		return -1;
	}
	*out = v;
	return c->bad ? -1 : 0;
}

/* Bytes an encoded value takes, when fixed; 0 for LEB128 and bad ones. */
static unsigned int encoded_size(uint8_t enc)
{
	switch (enc & 0x0f) {
	case PE_UDATA2:
	case PE_SDATA2:
		return 2;
	case PE_UDATA4:
	case PE_SDATA4:
		return 4;
	case PE_ABSPTR:
	case PE_UDATA8:
	case PE_SDATA8:
		return 8;
	}
	return 0;
}

int np_cfi_hdr_parse(const struct np_cfi_mem *mem, uint64_t addr,
		     struct np_cfi_hdr *h)
{
	struct cursor c = { .p = addr, .end = mem->hi };
	uint8_t version, frame_enc, count_enc, table_enc;

	memset(h, 0, sizeof(*h));
	if (addr < mem->lo || addr >= mem->hi)
		return -1;
	version = get_u8(&c);
	frame_enc = get_u8(&c);
	count_enc = get_u8(&c);
	table_enc = get_u8(&c);
	if (c.bad || version != 1)
		return -1;
	h->addr = addr;
	if (get_encoded(&c, frame_enc, addr, &h->eh_frame) != 0)
		return -1;
	if (count_enc == PE_OMIT || table_enc == PE_OMIT)
		return 0; /* no table: fine, but nothing to search */
	if (get_encoded(&c, count_enc, addr, &h->fde_count) != 0)
		return -1;
	h->table_enc = table_enc;
	h->entry_size = (uint8_t)(2 * encoded_size(table_enc));
	if (!h->entry_size || (table_enc & 0x70) == PE_ALIGNED)
		return -1;
	h->table = c.p;
	if (h->fde_count > (mem->hi - c.p) / h->entry_size)
		return -1;
	return 0;
}

int np_cfi_hdr_entry(const struct np_cfi_mem *mem,
		     const struct np_cfi_hdr *h, uint64_t i,
		     uint64_t *start, uint64_t *fde)
{
	struct cursor c = { .p = h->table + i * h->entry_size,
			    .end = mem->hi };

	if (i >= h->fde_count)
		return -1;
	if (get_encoded(&c, h->table_enc, h->addr, start) != 0 ||
	    get_encoded(&c, h->table_enc, h->addr, fde) != 0)
		return -1;
	return 0;
}

int np_cfi_hdr_find(const struct np_cfi_mem *mem, const struct np_cfi_hdr *h,
		    uint64_t pc, uint64_t *fde)
{
	uint64_t lo = 0, hi = h->fde_count, start, f, found = 0;
	int any = 0;

	/* The last entry that starts at or before PC. */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (np_cfi_hdr_entry(mem, h, mid, &start, &f) != 0)
			return -1;
		if (start <= pc) {
			found = f;
			any = 1;
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (!any)
		return -1;
	*fde = found;
	return 0;
}

/* What a CIE says. */
struct cie {
	uint64_t insns, insns_end;
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra_reg;
	uint8_t fde_enc;
	uint8_t has_aug_data;
	uint8_t signal_frame;
};

/* Reads a length field; sets *END to the entry's end.  0, or -1. */
static int entry_length(struct cursor *c, uint64_t *end, int *is64)
{
	uint64_t len = get_u32(c);

	*is64 = 0;
	if (len == 0xffffffffu) {
		len = get_u64(c);
		*is64 = 1;
	}
	if (c->bad || len == 0 || len > c->end - c->p)
		return -1;
	*end = c->p + len;
	return 0;
}

static int parse_cie(const struct np_cfi_mem *mem, uint64_t addr,
		     struct cie *cie)
{
	struct cursor c = { .p = addr, .end = mem->hi };
	char aug[8];
	size_t naug = 0;
	uint64_t end, id;
	uint8_t version;
	int is64;

	memset(cie, 0, sizeof(*cie));
	cie->fde_enc = PE_ABSPTR;
	if (addr < mem->lo || entry_length(&c, &end, &is64) != 0)
		return -1;
	c.end = end;
	id = is64 ? get_u64(&c) : get_u32(&c);
	version = get_u8(&c);
	if (c.bad || id != 0 || (version != 1 && version != 3 && version != 4))
		return -1;
	for (;;) {
		char ch = (char)get_u8(&c);

		if (c.bad)
			return -1;
		if (!ch)
			break;
		if (naug == sizeof(aug))
			return -1;
		aug[naug++] = ch;
	}
	if (version == 4) {
		get_u8(&c); /* address size */
		get_u8(&c); /* segment selector size */
	}
	cie->code_align = get_uleb(&c);
	cie->data_align = get_sleb(&c);
	cie->ra_reg = version == 1 ? get_u8(&c) : get_uleb(&c);
	if (naug && aug[0] == 'z') {
		uint64_t len = get_uleb(&c), data_end = c.p + len;

		if (c.bad || len > c.end - c.p)
			return -1;
		cie->has_aug_data = 1;
		for (size_t i = 1; i < naug; i++) {
			uint64_t ignored;

			switch (aug[i]) {
			case 'L':
				get_u8(&c);
				break;
			case 'P': {
				uint8_t enc = get_u8(&c);

				/* Only skipped: an indirect one is not read. */
				if (get_encoded(&c, enc & ~PE_INDIRECT, 0,
						&ignored) != 0 &&
				    c.bad)
					return -1;
				break;
			}
			case 'R':
				cie->fde_enc = get_u8(&c);
				break;
			case 'S':
				cie->signal_frame = 1;
				break;
			case 'B': /* aarch64 pointer-authentication key B */
			case 'G': /* MTE-tagged frame */
				break;
			default:
				/* Unknown letters: the length lets us skip. */
				i = naug;
				break;
			}
		}
		c.p = data_end;
	} else if (naug) {
		return -1; /* an old "eh" augmentation: not in our objects */
	}
	if (c.bad || cie->code_align == 0)
		return -1;
	cie->insns = c.p;
	cie->insns_end = end;
	return 0;
}

/* A register's rule, for the two registers we follow. */
enum reg_rule { R_SAME, R_UNDEF, R_OFFSET, R_OTHER };

struct reg_state {
	uint8_t rule; /* enum reg_rule */
	int64_t off;
};

struct state {
	uint64_t cfa_reg;
	int64_t cfa_off;
	uint8_t cfa_special; /* 0, NP_CFA_PLT or NP_CFA_UNKNOWN */
	uint8_t plt_ge;
	struct reg_state fp, ra;
};

#define STATE_STACK 16

struct interp {
	const struct cie *cie;
	struct state cur;
	struct state initial; /* after the CIE's instructions */
	struct state stack[STATE_STACK];
	int depth;
	uint64_t loc;
	uint64_t end;
	uint8_t signal_frame;
	np_cfi_emit_fn emit;
	void *arg;
};

static void rule_of(const struct interp *in, struct np_cfi_rule *r)
{
	const struct state *s = &in->cur;

	memset(r, 0, sizeof(*r));
	if (s->fp.rule == R_OFFSET) {
		r->fp_saved = 1;
		r->fp_off = s->fp.off;
	} else if (s->fp.rule != R_SAME) {
		r->fp_lost = 1;
	}
	if (s->ra.rule == R_OFFSET) {
		r->ra_saved = 1;
		r->ra_off = s->ra.off;
	}
	r->ra_undef = s->ra.rule == R_UNDEF;
#if defined(NP_RA_IN_REGISTER)
	r->ra_in_lr = s->ra.rule == R_SAME;
#endif
	r->cfa_off = s->cfa_off;
	if (in->signal_frame)
		r->kind = NP_CFA_SIGNAL;
	else if (r->ra_undef)
		r->kind = NP_CFA_OUTERMOST;
	else if (s->cfa_special)
		r->kind = s->cfa_special;
	else if (s->cfa_reg == NP_DWARF_SP)
		r->kind = NP_CFA_SP;
	else if (s->cfa_reg == NP_DWARF_FP)
		r->kind = NP_CFA_FP;
	else
		r->kind = NP_CFA_UNKNOWN;
	if (r->kind == NP_CFA_PLT)
		r->plt_ge = s->plt_ge;
	/* Without a saved return address (or one still in LR) only the
	 * special kinds work. */
	if ((r->kind == NP_CFA_SP || r->kind == NP_CFA_FP) && !r->ra_saved &&
	    !r->ra_in_lr)
		r->kind = NP_CFA_UNKNOWN;
}

static int emit_row(struct interp *in)
{
	struct np_cfi_rule r;
	int err;

	if (!in->emit || in->loc >= in->end)
		return 0;
	rule_of(in, &r);
	err = in->emit(in->arg, in->loc, &r);
	return err;
}

static int advance(struct interp *in, uint64_t delta)
{
	int err = emit_row(in);

	in->loc += delta * in->cie->code_align;
	return err;
}

static struct reg_state *tracked(struct state *s, uint64_t reg)
{
	if (reg == NP_DWARF_FP)
		return &s->fp;
	if (reg == NP_DWARF_RA)
		return &s->ra;
	return NULL;
}

static void set_rule(struct interp *in, uint64_t reg, uint8_t rule,
		     int64_t off)
{
	struct reg_state *r = tracked(&in->cur, reg);

	if (r) {
		r->rule = rule;
		r->off = off;
	}
}

/*
 * Recognises the CFA expression of x86_64's lazy PLT entries (binutils):
 *   DW_OP_breg7 K; DW_OP_breg16 0; DW_OP_lit15; DW_OP_and; DW_OP_litN;
 *   DW_OP_ge; DW_OP_lit3; DW_OP_shl; DW_OP_plus
 * that is CFA = RSP + K + ((RIP & 15) >= N ? 8 : 0): past the entry's
 * push, the stack holds one word more.
 */
static int plt_expression(struct cursor *e, struct state *s)
{
#if defined(__x86_64__)
	int64_t k, zero;
	uint8_t n;

	if (get_u8(e) != 0x77) /* DW_OP_breg7 */
		return -1;
	k = get_sleb(e);
	if (get_u8(e) != 0x80) /* DW_OP_breg16 */
		return -1;
	zero = get_sleb(e);
	if (zero != 0 || get_u8(e) != 0x3f || get_u8(e) != 0x1a)
		return -1; /* DW_OP_lit15 DW_OP_and */
	n = get_u8(e);
	if (n < 0x30 || n > 0x3f) /* DW_OP_litN */
		return -1;
	if (get_u8(e) != 0x2a || get_u8(e) != 0x33 || get_u8(e) != 0x24 ||
	    get_u8(e) != 0x22) /* ge, lit3, shl, plus */
		return -1;
	if (e->bad || e->p != e->end)
		return -1;
	s->cfa_special = NP_CFA_PLT;
	s->cfa_off = k;
	s->plt_ge = (uint8_t)(n - 0x30);
	return 0;
#else
	(void)e;
	(void)s;
	return -1;
#endif
}

/* Runs the instructions in [P, END); 0, -1 for bad CFI, or EMIT's error. */
static int run(struct interp *in, uint64_t p, uint64_t end, uint8_t fde_enc)
{
	struct cursor c = { .p = p, .end = end };
	const struct cie *cie = in->cie;
	int err = 0;

	while (c.p < c.end && !err) {
		uint8_t op = get_u8(&c);
		uint64_t reg, v;
		int64_t off;

		if (c.bad)
			return -1;
		switch (op & 0xc0) {
		case CFA_advance_loc:
			err = advance(in, op & 0x3f);
			continue;
		case CFA_offset:
			v = get_uleb(&c);
			set_rule(in, op & 0x3f, R_OFFSET,
				 (int64_t)v * cie->data_align);
			continue;
		case CFA_restore:
			reg = op & 0x3f;
			if (tracked(&in->cur, reg))
				*tracked(&in->cur, reg) =
					*tracked(&in->initial, reg);
			continue;
		}
		switch (op) {
		case CFA_nop:
			break;
		case CFA_set_loc:
			if (get_encoded(&c, fde_enc, 0, &v) != 0)
				return -1;
			err = emit_row(in);
			if (v < in->loc)
				return -1;
			in->loc = v;
			break;
		case CFA_advance_loc1:
			err = advance(in, get_u8(&c));
			break;
		case CFA_advance_loc2:
			err = advance(in, get_u16(&c));
			break;
		case CFA_advance_loc4:
			err = advance(in, get_u32(&c));
			break;
		case CFA_offset_extended:
			reg = get_uleb(&c);
			v = get_uleb(&c);
			set_rule(in, reg, R_OFFSET, (int64_t)v * cie->data_align);
			break;
		case CFA_offset_extended_sf:
			reg = get_uleb(&c);
			off = get_sleb(&c);
			set_rule(in, reg, R_OFFSET, off * cie->data_align);
			break;
		case CFA_GNU_negative_offset_extended:
			reg = get_uleb(&c);
			v = get_uleb(&c);
			set_rule(in, reg, R_OFFSET,
				 -(int64_t)v * cie->data_align);
			break;
		case CFA_restore_extended:
			reg = get_uleb(&c);
			if (tracked(&in->cur, reg))
				*tracked(&in->cur, reg) =
					*tracked(&in->initial, reg);
			break;
		case CFA_undefined:
			set_rule(in, get_uleb(&c), R_UNDEF, 0);
			break;
		case CFA_same_value:
			set_rule(in, get_uleb(&c), R_SAME, 0);
			break;
		case CFA_register:
			reg = get_uleb(&c);
			get_uleb(&c);
			set_rule(in, reg, R_OTHER, 0);
			break;
		case CFA_remember_state:
			if (in->depth == STATE_STACK)
				return -1;
			in->stack[in->depth++] = in->cur;
			break;
		case CFA_restore_state:
			if (in->depth == 0)
				return -1;
			in->cur = in->stack[--in->depth];
			break;
		case CFA_def_cfa:
			in->cur.cfa_reg = get_uleb(&c);
			in->cur.cfa_off = (int64_t)get_uleb(&c);
			in->cur.cfa_special = 0;
			break;
		case CFA_def_cfa_sf:
			in->cur.cfa_reg = get_uleb(&c);
			in->cur.cfa_off = get_sleb(&c) * cie->data_align;
			in->cur.cfa_special = 0;
			break;
		case CFA_def_cfa_register:
			in->cur.cfa_reg = get_uleb(&c);
			in->cur.cfa_special = 0;
			break;
		case CFA_def_cfa_offset:
			in->cur.cfa_off = (int64_t)get_uleb(&c);
			break;
		case CFA_def_cfa_offset_sf:
			in->cur.cfa_off = get_sleb(&c) * cie->data_align;
			break;
		case CFA_def_cfa_expression: {
			struct cursor e;

			v = get_uleb(&c);
			if (c.bad || v > c.end - c.p)
				return -1;
			e.p = c.p;
			e.end = c.p + v;
			e.bad = 0;
			if (plt_expression(&e, &in->cur) != 0)
				in->cur.cfa_special = NP_CFA_UNKNOWN;
			c.p += v;
			break;
		}
		case CFA_expression:
		case CFA_val_expression:
			reg = get_uleb(&c);
			v = get_uleb(&c);
			if (c.bad || v > c.end - c.p)
				return -1;
			c.p += v;
			set_rule(in, reg, R_OTHER, 0);
			break;
		case CFA_val_offset:
			reg = get_uleb(&c);
			get_uleb(&c);
			set_rule(in, reg, R_OTHER, 0);
			break;
		case CFA_val_offset_sf:
			reg = get_uleb(&c);
			get_sleb(&c);
			set_rule(in, reg, R_OTHER, 0);
			break;
		case CFA_GNU_args_size:
			get_uleb(&c);
			break;
		case CFA_GNU_window_save:
			/* aarch64 return-address signing: the unwinder strips
			 * the signature bits anyway. */
			break;
		default:
			return -1;
		}
		if (c.bad)
			return -1;
	}
	return err;
}

int np_cfi_fde_run(const struct np_cfi_mem *mem, uint64_t fde,
		   struct np_cfi_fde_info *info, np_cfi_emit_fn emit,
		   void *arg)
{
	struct cursor c = { .p = fde, .end = mem->hi };
	struct interp in;
	struct cie cie;
	uint64_t end, id_field, id, range;
	int is64, err;

	memset(info, 0, sizeof(*info));
	if (fde < mem->lo || entry_length(&c, &end, &is64) != 0)
		return -1;
	c.end = end;
	id_field = c.p;
	id = is64 ? get_u64(&c) : get_u32(&c);
	if (c.bad)
		return -1;
	if (id == 0)
		return -2;
	if (id > id_field || parse_cie(mem, id_field - id, &cie) != 0)
		return -1;
	if (get_encoded(&c, cie.fde_enc, 0, &info->start) != 0 ||
	    get_encoded(&c, cie.fde_enc & 0x0f, 0, &range) != 0)
		return -1;
	info->end = info->start + range;
	info->signal_frame = cie.signal_frame;
	if (info->end < info->start)
		return -1;
	if (cie.has_aug_data) {
		uint64_t len = get_uleb(&c);

		if (c.bad || len > c.end - c.p)
			return -1;
		c.p += len;
	}
	if (!emit)
		return 0;

	memset(&in, 0, sizeof(in));
	in.cie = &cie;
	in.arg = arg;
	in.signal_frame = cie.signal_frame;
	/* Before any rule: FP is callee-saved (same value); the return
	 * address, on x86_64, is nowhere until the CIE says; on aarch64 it
	 * stays in LR. */
	in.cur.cfa_reg = NP_DWARF_SP;
	in.cur.fp.rule = R_SAME;
#if defined(__x86_64__)
	in.cur.ra.rule = R_OTHER;
#else
	in.cur.ra.rule = R_SAME;
#endif
	if (cie.ra_reg != NP_DWARF_RA)
		return -1;
	in.end = info->end;
	/* The CIE's instructions emit nothing: they set the initial rules. */
	if (run(&in, cie.insns, cie.insns_end, cie.fde_enc) != 0)
		return -1;
	in.initial = in.cur;
	in.depth = 0;
	in.loc = info->start;
	in.emit = emit;
	err = run(&in, c.p, end, cie.fde_enc);
	if (err == 0)
		err = emit_row(&in); /* the last rules, up to the end */
	return err;
}

struct rule_at {
	uint64_t pc;
	int found;
	struct np_cfi_rule rule;
};

static int keep_rule_at(void *arg, uint64_t pc, const struct np_cfi_rule *r)
{
	struct rule_at *at = arg;

	if (pc <= at->pc) {
		at->rule = *r;
		at->found = 1;
	}
	return 0;
}

int np_cfi_rule_at(const struct np_cfi_mem *mem, uint64_t fde, uint64_t pc,
		   struct np_cfi_rule *rule)
{
	struct np_cfi_fde_info info;
	struct rule_at at = { .pc = pc };

	if (np_cfi_fde_run(mem, fde, &info, NULL, NULL) != 0 ||
	    pc < info.start || pc >= info.end)
		return -1;
	if (np_cfi_fde_run(mem, fde, &info, keep_rule_at, &at) != 0 ||
	    !at.found)
		return -1;
	*rule = at.rule;
	return 0;
}

int np_cfi_row_from_rule(const struct np_cfi_rule *rule, uint32_t pc,
			 struct np_cfi_row *row)
{
	int64_t base = 0; /* cfa_off when offsets are from SP, not the CFA */

	memset(row, 0, sizeof(*row));
	row->pc = pc;
	row->kind = rule->kind;
	row->fp_off = NP_CFI_FP_SAME;
	if (rule->kind == NP_CFA_SIGNAL || rule->kind == NP_CFA_OUTERMOST ||
	    rule->kind == NP_CFA_UNKNOWN || rule->kind == NP_CFA_NONE)
		return 0;
	if (rule->cfa_off < 0 || rule->cfa_off > INT32_MAX)
		goto unknown;
	row->cfa_off = (int32_t)rule->cfa_off;
	if (rule->kind == NP_CFA_PLT) {
		row->aux = (int8_t)rule->plt_ge;
	} else if (!rule->ra_saved && rule->ra_in_lr) {
		row->aux = NP_CFI_RA_LR;
	} else if (rule->ra_off % 8 == 0 && rule->ra_off > NP_CFI_RA_LR * 8 &&
		   rule->ra_off <= 127 * 8) {
		row->aux = (int8_t)(rule->ra_off / 8);
	} else if (rule->kind == NP_CFA_SP && rule->ra_off % 8 == 0 &&
		   rule->cfa_off + rule->ra_off >= 0 &&
		   rule->cfa_off + rule->ra_off <= 127 * 8) {
		/* Saved near SP, far below the CFA. */
		row->kind = NP_CFA_SP_LOW;
		row->aux = (int8_t)((rule->cfa_off + rule->ra_off) / 8);
		base = rule->cfa_off;
	} else {
		goto unknown;
	}
	if (rule->fp_saved) {
		if (base + rule->fp_off <= INT16_MIN ||
		    base + rule->fp_off >= INT16_MAX)
			row->fp_off = NP_CFI_FP_UNKNOWN;
		else
			row->fp_off = (int16_t)(base + rule->fp_off);
	} else if (rule->fp_lost) {
		row->fp_off = NP_CFI_FP_UNKNOWN;
	}
	return 0;
unknown:
	row->kind = NP_CFA_UNKNOWN;
	row->cfa_off = 0;
	row->aux = 0;
	return -1;
}
