/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Relocation slots of a loaded object (see got.h).  ld.so rewrites the
 * d_ptr entries of a writable dynamic section to absolute addresses when it
 * loads an object, and leaves a read-only one (the vDSO's) as linked: an
 * entry that falls inside the object is taken as absolute, anything else
 * gets the bias added.
 */
#include "config.h"

#include <elf.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#include "got.h"

#if defined(__x86_64__)
#define R_JUMP_SLOT R_X86_64_JUMP_SLOT
#define R_GLOB_DAT R_X86_64_GLOB_DAT
#define R_ABS64 R_X86_64_64
#elif defined(__aarch64__)
#define R_JUMP_SLOT R_AARCH64_JUMP_SLOT
#define R_GLOB_DAT R_AARCH64_GLOB_DAT
#define R_ABS64 R_AARCH64_ABS64
#else
#error "nprof's agent supports x86_64 and aarch64 only"
#endif

int np_got_contains(const struct np_elf_image *im, uintptr_t addr)
{
	for (unsigned int i = 0; i < im->phnum; i++) {
		const ElfW(Phdr) *ph = &im->phdr[i];
		uintptr_t lo = im->bias + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && addr >= lo &&
		    addr - lo < ph->p_memsz)
			return 1;
	}
	return 0;
}

static uintptr_t dyn_ptr(const struct np_elf_image *im, uintptr_t v)
{
	return np_got_contains(im, v) ? v : v + im->bias;
}

struct dyn_info {
	const ElfW(Sym) *symtab;
	const char *strtab;
	size_t strsz;
	const ElfW(Rela) *rela, *jmprel;
	size_t relasz, relaent, jmprelsz;
	int jmprel_is_rela;
};

static int read_dynamic(const struct np_elf_image *im, struct dyn_info *d)
{
	const ElfW(Dyn) *dyn = NULL;

	memset(d, 0, sizeof(*d));
	d->relaent = sizeof(ElfW(Rela));
	d->jmprel_is_rela = 1;
	for (unsigned int i = 0; i < im->phnum; i++)
		if (im->phdr[i].p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(im->bias +
						  im->phdr[i].p_vaddr);
	if (!dyn)
		return -1;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		uintptr_t v = dyn->d_un.d_ptr;

		switch (dyn->d_tag) {
		case DT_SYMTAB:
			d->symtab = (const ElfW(Sym) *)dyn_ptr(im, v);
			break;
		case DT_STRTAB:
			d->strtab = (const char *)dyn_ptr(im, v);
			break;
		case DT_STRSZ:
			d->strsz = dyn->d_un.d_val;
			break;
		case DT_RELA:
			d->rela = (const ElfW(Rela) *)dyn_ptr(im, v);
			break;
		case DT_RELASZ:
			d->relasz = dyn->d_un.d_val;
			break;
		case DT_RELAENT:
			d->relaent = dyn->d_un.d_val;
			break;
		case DT_JMPREL:
			d->jmprel = (const ElfW(Rela) *)dyn_ptr(im, v);
			break;
		case DT_PLTRELSZ:
			d->jmprelsz = dyn->d_un.d_val;
			break;
		case DT_PLTREL:
			d->jmprel_is_rela = dyn->d_un.d_val == DT_RELA;
			break;
		}
	}
	/* REL (not RELA) tables do not occur on x86_64 or aarch64. */
	if (!d->symtab || !d->strtab || !d->jmprel_is_rela ||
	    d->relaent != sizeof(ElfW(Rela)))
		return -1;
	return 0;
}

static int lookup(const char *name, const char *const *names,
		  unsigned int nnames)
{
	for (unsigned int i = 0; i < nnames; i++)
		if (name[0] == names[i][0] && strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

/* Adds the matching slots of one table; COUNT is the running total. */
static int scan_table(const struct np_elf_image *im,
		      const struct dyn_info *d, const ElfW(Rela) *table,
		      size_t bytes, const char *const *names,
		      unsigned int nnames, struct np_got_slot *out, int cap,
		      int count)
{
	size_t n = bytes / sizeof(ElfW(Rela));

	for (size_t i = 0; table && i < n; i++) {
		const ElfW(Rela) *r = &table[i];
		unsigned long type = ELF64_R_TYPE(r->r_info);
		unsigned long symi = ELF64_R_SYM(r->r_info);
		const ElfW(Sym) *sym;
		uintptr_t slot;
		int kind, func;

		if (type == R_JUMP_SLOT)
			kind = NP_GOT_JUMP_SLOT;
		else if (type == R_GLOB_DAT)
			kind = NP_GOT_GLOB_DAT;
		else if (type == R_ABS64 && r->r_addend == 0)
			kind = NP_GOT_ABS;
		else
			continue;
		if (symi == 0)
			continue;
		sym = &d->symtab[symi];
		if (d->strsz && sym->st_name >= d->strsz)
			continue;
		func = lookup(d->strtab + sym->st_name, names, nnames);
		if (func < 0)
			continue;
		slot = im->bias + r->r_offset;
		if (!np_got_contains(im, slot) || (slot & 7))
			continue;
		if (count < cap) {
			/* Insertion keeps OUT sorted: tables are nearly so. */
			int j = count;

			while (j > 0 && out[j - 1].addr > slot) {
				out[j] = out[j - 1];
				j--;
			}
			out[j].addr = slot;
			out[j].value = atomic_load_explicit(
				(_Atomic uintptr_t *)slot,
				memory_order_relaxed);
			out[j].func = (uint16_t)func;
			out[j].kind = (uint8_t)kind;
			out[j].undefined = sym->st_shndx == SHN_UNDEF;
		}
		count++;
	}
	return count;
}

int np_got_find(const struct np_elf_image *im, const char *const *names,
		unsigned int nnames, struct np_got_slot *out, int cap)
{
	struct dyn_info d;
	int count;

	if (read_dynamic(im, &d) != 0)
		return -1;
	count = scan_table(im, &d, d.jmprel, d.jmprelsz, names, nnames, out,
			   cap, 0);
	/* DT_RELA may include DT_JMPREL (some linkers): no slot twice. */
	if (d.rela && d.jmprel && d.jmprel >= d.rela &&
	    (const char *)d.jmprel < (const char *)d.rela + d.relasz) {
		size_t before = (size_t)((const char *)d.jmprel -
					 (const char *)d.rela);
		const ElfW(Rela) *after = (const ElfW(Rela) *)(
			(const char *)d.jmprel + d.jmprelsz);
		size_t rest = d.relasz - before;

		rest = rest > d.jmprelsz ? rest - d.jmprelsz : 0;
		count = scan_table(im, &d, d.rela, before, names, nnames, out,
				   cap, count);
		return scan_table(im, &d, after, rest, names, nnames, out,
				  cap, count);
	}
	return scan_table(im, &d, d.rela, d.relasz, names, nnames, out, cap,
			  count);
}

static int prot_of(uint32_t flags)
{
	return (flags & PF_R ? PROT_READ : 0) |
	       (flags & PF_W ? PROT_WRITE : 0) |
	       (flags & PF_X ? PROT_EXEC : 0);
}

int np_got_page_prot(const struct np_elf_image *im, uintptr_t page,
		     size_t pagesize)
{
	int prot = 0;

	for (unsigned int i = 0; i < im->phnum; i++) {
		const ElfW(Phdr) *ph = &im->phdr[i];
		uintptr_t lo, hi;

		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		lo = (im->bias + ph->p_vaddr) & ~(pagesize - 1);
		hi = im->bias + ph->p_vaddr + ph->p_memsz;
		if (page >= lo && page < hi)
			prot = prot_of(ph->p_flags); /* the last mapping wins */
	}
	for (unsigned int i = 0; i < im->phnum; i++) {
		const ElfW(Phdr) *ph = &im->phdr[i];
		uintptr_t lo, hi;

		if (ph->p_type != PT_GNU_RELRO)
			continue;
		/* ld.so rounds both ends down (_dl_protect_relro). */
		lo = (im->bias + ph->p_vaddr) & ~(pagesize - 1);
		hi = (im->bias + ph->p_vaddr + ph->p_memsz) & ~(pagesize - 1);
		if (page >= lo && page < hi)
			prot = PROT_READ;
	}
	return prot;
}

int np_got_write(const struct np_elf_image *im, struct np_got_slot *slots,
		 int n, const uintptr_t *new_values,
		 const uintptr_t *old_values, uint8_t *done, size_t pagesize)
{
	uintptr_t open_page = 0;
	int open_prot = 0, written = 0;

	for (int i = 0; i < n; i++) {
		_Atomic uintptr_t *p = (_Atomic uintptr_t *)slots[i].addr;
		uintptr_t page = slots[i].addr & ~(pagesize - 1);
		int ok;

		if (done)
			done[i] = 0;
		if (page != open_page) {
			if (open_page && !(open_prot & PROT_WRITE))
				mprotect((void *)open_page, pagesize,
					 open_prot);
			open_page = page;
			open_prot = np_got_page_prot(im, page, pagesize);
			/* Keep every right the page has: another thread may
			 * be executing in it. */
			if (!open_prot ||
			    (!(open_prot & PROT_WRITE) &&
			     mprotect((void *)page, pagesize,
				      open_prot | PROT_WRITE) != 0)) {
				open_page = 0;
				continue;
			}
		}
		if (old_values) {
			uintptr_t expect = old_values[i];

			ok = atomic_compare_exchange_strong(p, &expect,
							    new_values[i]);
		} else {
			slots[i].value = atomic_exchange(p, new_values[i]);
			ok = 1;
		}
		if (done)
			done[i] = (uint8_t)ok;
		written += ok;
	}
	if (open_page && !(open_prot & PROT_WRITE))
		mprotect((void *)open_page, pagesize, open_prot);
	return written;
}
