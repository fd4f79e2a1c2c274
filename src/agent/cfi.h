/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading DWARF call frame information (.eh_frame_hdr and .eh_frame as the
 * loader maps them) into compact rows that the unwinder can use in a signal
 * handler: for each address range, where the CFA is (SP or FP plus an
 * offset), where the return address and the caller's FP were saved.  Only
 * the writer thread (and tests) parse; nothing here is used in a handler.
 * Every read of the CFI data is checked against the range the caller says
 * is mapped.
 */
#ifndef NPROF_AGENT_CFI_H
#define NPROF_AGENT_CFI_H

#include <stddef.h>
#include <stdint.h>

/* DWARF numbers of the registers the unwinder follows. */
#if defined(__x86_64__)
#define NP_DWARF_SP 7
#define NP_DWARF_FP 6
#define NP_DWARF_RA 16
#elif defined(__aarch64__)
#define NP_DWARF_SP 31
#define NP_DWARF_FP 29
#define NP_DWARF_RA 30
/* The return address column is a real register (LR), which keeps its
 * value ("same value") until a prologue saves it. */
#define NP_RA_IN_REGISTER 1
#endif

/* How a row finds the CFA. */
enum np_cfa_kind {
	NP_CFA_NONE = 0,      /* no CFI covers this address */
	NP_CFA_SP = 1,        /* CFA = SP + cfa_off */
	NP_CFA_FP = 2,        /* CFA = FP + cfa_off */
	NP_CFA_PLT = 3,       /* x86_64 lazy PLT entry: CFA = SP + cfa_off,
				 plus 8 where (PC & 15) >= aux */
	NP_CFA_SIGNAL = 4,    /* a signal trampoline: the interrupted
				 registers are in the ucontext at SP */
	NP_CFA_OUTERMOST = 5, /* the return address is undefined: a thread's
				 first frame (_start, clone) */
	NP_CFA_UNKNOWN = 6,   /* CFI that the rows cannot express */
	NP_CFA_SP_LOW = 7,    /* CFA = SP + cfa_off, but the return address
				 is at SP + 8 * aux and the caller's FP at
				 SP + fp_off: aarch64 saves them at the
				 bottom of a frame too large for offsets
				 from the CFA */
};

/* An aux value that is no offset: the return address is still in LR
 * (aarch64 leaves, prologues and epilogues). */
#define NP_CFI_RA_LR INT8_MIN

/* fp_off values that are no offset. */
#define NP_CFI_FP_SAME INT16_MAX      /* FP keeps its value in the caller */
#define NP_CFI_FP_UNKNOWN INT16_MIN   /* the caller's FP cannot be found */

/*
 * One row: from PC (an offset from its table's base) to the next row's,
 * the CFA is found as KIND says; the return address is at CFA + 8 * aux
 * (except for NP_CFA_PLT, where it is at CFA - 8, and NP_CFI_RA_LR, where
 * it is in LR), the caller's FP at CFA + fp_off.  12 bytes.
 */
struct np_cfi_row {
	uint32_t pc;
	int32_t cfa_off;
	int16_t fp_off;
	uint8_t kind; /* enum np_cfa_kind */
	int8_t aux;
};

/* The rules in force at one address, as the interpreter tracks them. */
struct np_cfi_rule {
	uint8_t kind;      /* enum np_cfa_kind */
	uint8_t plt_ge;    /* NP_CFA_PLT's threshold */
	int64_t cfa_off;
	int64_t fp_off;    /* valid when fp_saved */
	int64_t ra_off;    /* valid when ra_saved */
	uint8_t fp_saved;  /* FP is saved at CFA + fp_off */
	uint8_t fp_lost;   /* FP's rule is something else (undefined,
			      another register, an expression) */
	uint8_t ra_saved;  /* RA is saved at CFA + ra_off */
	uint8_t ra_undef;  /* RA is undefined: the outermost frame */
	uint8_t ra_in_lr;  /* RA is still in its register (aarch64's LR) */
};

/* Readable memory [lo, hi) that holds the CFI being parsed. */
struct np_cfi_mem {
	uint64_t lo;
	uint64_t hi;
};

/* Called for each row of rules, in address order within one FDE:
 * RULE holds from PC up to the next call's PC, or to END for the last. */
typedef int (*np_cfi_emit_fn)(void *arg, uint64_t pc,
			      const struct np_cfi_rule *rule);

/* The decoded .eh_frame_hdr. */
struct np_cfi_hdr {
	uint64_t addr;      /* where the header is */
	uint64_t eh_frame;  /* where .eh_frame is */
	uint64_t table;     /* the binary search table, or 0 */
	uint64_t fde_count;
	uint8_t table_enc;
	uint8_t entry_size; /* bytes per table entry (two encoded values) */
};

/* Decodes the header at ADDR; 0, or -1 if it is malformed or not in MEM. */
int np_cfi_hdr_parse(const struct np_cfi_mem *mem, uint64_t addr,
		     struct np_cfi_hdr *h);

/* Entry I of the table: the start of a function and its FDE; 0 or -1. */
int np_cfi_hdr_entry(const struct np_cfi_mem *mem,
		     const struct np_cfi_hdr *h, uint64_t i,
		     uint64_t *start, uint64_t *fde);

/* The FDE whose range may hold PC (binary search); 0 or -1 if none. */
int np_cfi_hdr_find(const struct np_cfi_mem *mem, const struct np_cfi_hdr *h,
		    uint64_t pc, uint64_t *fde);

/* What an FDE covers. */
struct np_cfi_fde_info {
	uint64_t start;
	uint64_t end;
	uint8_t signal_frame; /* its CIE says 'S' */
};

/*
 * Parses the FDE at FDE and its CIE, fills INFO, then, if EMIT is not
 * NULL, runs the CIE's and the FDE's instructions and calls EMIT for every
 * address at which the rules change (at least once, at INFO->start).
 * Returns 0; -1 for malformed CFI; -2 for a CIE, not an FDE, at FDE; or
 * what EMIT returned when it was not 0.
 */
int np_cfi_fde_run(const struct np_cfi_mem *mem, uint64_t fde,
		   struct np_cfi_fde_info *info, np_cfi_emit_fn emit,
		   void *arg);

/*
 * The rules at PC in the FDE at FDE (what the unwinder would use there),
 * for tests and tools: 0, or -1 if PC is outside the FDE or it is bad.
 */
int np_cfi_rule_at(const struct np_cfi_mem *mem, uint64_t fde, uint64_t pc,
		   struct np_cfi_rule *rule);

/*
 * Turns RULE into a row at offset PC: 0, or -1 when a value does not fit
 * (the row then says NP_CFA_UNKNOWN).
 */
int np_cfi_row_from_rule(const struct np_cfi_rule *rule, uint32_t pc,
			 struct np_cfi_row *row);

#endif /* NPROF_AGENT_CFI_H */
