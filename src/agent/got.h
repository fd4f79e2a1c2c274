/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Finding and rewriting the slots through which a loaded object reaches a
 * function by name: JUMP_SLOT (PLT), GLOB_DAT (-fno-plt, address taken in
 * PIC code) and absolute 64-bit relocations with addend 0 (a pointer stored
 * in data), in DT_JMPREL and DT_RELA alike.  Reads only memory the loader
 * mapped, found from the program headers and the load bias, never from
 * section headers or files.  The caller must keep the object loaded (pin it)
 * while these run.
 */
#ifndef NPROF_AGENT_GOT_H
#define NPROF_AGENT_GOT_H

#include <link.h>
#include <stddef.h>
#include <stdint.h>

/* One loaded object as dl_iterate_phdr shows it. */
struct np_elf_image {
	uintptr_t bias; /* dlpi_addr */
	const ElfW(Phdr) *phdr;
	unsigned int phnum;
};

enum np_got_kind {
	NP_GOT_JUMP_SLOT = 1,
	NP_GOT_GLOB_DAT = 2,
	NP_GOT_ABS = 3,
};

struct np_got_slot {
	uintptr_t addr;    /* where the slot is */
	uintptr_t value;   /* what it held when found (or when patched) */
	uint16_t func;     /* index in the name list */
	uint8_t kind;      /* enum np_got_kind */
	uint8_t undefined; /* the symbol is not defined in this object */
};

/*
 * Finds IM's slots for the symbols NAMES[0..NNAMES) and writes at most CAP
 * of them into OUT, sorted by address.  Returns how many there are (more
 * than CAP: call again with room for all), or -1 when IM has no dynamic
 * section to read.
 */
int np_got_find(const struct np_elf_image *im, const char *const *names,
		unsigned int nnames, struct np_got_slot *out, int cap);

/* Whether ADDR lies in one of IM's PT_LOAD segments. */
int np_got_contains(const struct np_elf_image *im, uintptr_t addr);

/*
 * The protection (PROT_*) the loader left on the page at PAGE (aligned to
 * PAGESIZE): that of the last PT_LOAD segment mapping it, made read-only
 * where PT_GNU_RELRO covers the whole page, as ld.so does.  0 if unmapped.
 */
int np_got_page_prot(const struct np_elf_image *im, uintptr_t page,
		     size_t pagesize);

/*
 * Writes NEW[i] into each slot SLOTS[i] (sorted by address) that holds
 * OLD[i], atomically, making each page writable for the time it takes and
 * putting its protection back.  With OLD NULL every slot is written and
 * SLOTS[i].value becomes what it held just before.  DONE[i] (if not NULL)
 * says which were written.  Returns how many were.
 */
int np_got_write(const struct np_elf_image *im, struct np_got_slot *slots,
		 int n, const uintptr_t *new_values,
		 const uintptr_t *old_values, uint8_t *done, size_t pagesize);

#endif /* NPROF_AGENT_GOT_H */
