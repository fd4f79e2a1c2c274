/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Code ranges and the frame-pointer guess (see coderanges.h). */
#include "config.h"

#include <elf.h>
#include <stdatomic.h>
#include <string.h>

#include "coderanges.h"

#define MAX_RANGES 4096
#define SAMPLE_FUNCS 64

struct range {
	_Atomic uintptr_t lo, hi;
	uint64_t key;
	_Atomic int kind;
};

static struct range ranges[MAX_RANGES];
static _Atomic int nranges;

void np_coderanges_add(const struct np_elf_image *im, uint64_t key)
{
	int kind = np_coderanges_guess_frameless(im) ? NP_CODE_FRAMELESS
						     : NP_CODE_FRAMES;

	for (unsigned int i = 0; i < im->phnum; i++) {
		const ElfW(Phdr) *ph = &im->phdr[i];
		int n = atomic_load(&nranges), at = n;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		for (int j = 0; j < n; j++)
			if (atomic_load(&ranges[j].hi) == 0) {
				at = j;
				break;
			}
		if (at == MAX_RANGES)
			return;
		ranges[at].key = key;
		atomic_store(&ranges[at].kind, kind);
		atomic_store(&ranges[at].lo, im->bias + ph->p_vaddr);
		atomic_store(&ranges[at].hi,
			     im->bias + ph->p_vaddr + ph->p_memsz);
		if (at == n)
			atomic_store(&nranges, n + 1);
	}
}

void np_coderanges_remove(uint64_t key)
{
	int n = atomic_load(&nranges);

	for (int j = 0; j < n; j++)
		if (ranges[j].key == key && atomic_load(&ranges[j].hi)) {
			atomic_store(&ranges[j].hi, 0);
			atomic_store(&ranges[j].lo, 0);
		}
}

enum np_code_kind np_coderanges_kind(uint64_t pc)
{
	int n = atomic_load_explicit(&nranges, memory_order_acquire);

	for (int j = 0; j < n; j++) {
		uintptr_t lo = atomic_load_explicit(&ranges[j].lo,
						    memory_order_relaxed);
		uintptr_t hi = atomic_load_explicit(&ranges[j].hi,
						    memory_order_relaxed);

		if (pc >= lo && pc < hi)
			return (enum np_code_kind)atomic_load_explicit(
				&ranges[j].kind, memory_order_relaxed);
	}
	return NP_CODE_NONE;
}

/* Whether the code at P opens a frame: [endbr64] push %rbp; mov %rsp,%rbp. */
static int opens_frame(const unsigned char *p)
{
#if defined(__x86_64__)
	static const unsigned char endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };
	static const unsigned char prologue[] = { 0x55, 0x48, 0x89, 0xe5 };

	if (memcmp(p, endbr64, sizeof(endbr64)) == 0)
		p += sizeof(endbr64);
	return memcmp(p, prologue, sizeof(prologue)) == 0;
#else
	(void)p;
	return 1;
#endif
}

int np_coderanges_guess_frameless(const struct np_elf_image *im)
{
	const ElfW(Dyn) *dyn = NULL;
	const ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL;
	size_t nsyms;
	int seen = 0, framed = 0;

	for (unsigned int i = 0; i < im->phnum; i++)
		if (im->phdr[i].p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(im->bias +
						  im->phdr[i].p_vaddr);
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		uintptr_t v = dyn->d_un.d_ptr;

		if (!np_got_contains(im, v))
			v += im->bias;
		if (dyn->d_tag == DT_SYMTAB)
			symtab = (const ElfW(Sym) *)v;
		else if (dyn->d_tag == DT_STRTAB)
			strtab = (const char *)v;
	}
	/* Linkers put .dynstr right after .dynsym: that bounds the table. */
	if (!symtab || !strtab || (const void *)strtab <= (const void *)symtab)
		return 0;
	nsyms = (size_t)((const char *)strtab - (const char *)symtab) /
		sizeof(*symtab);
	for (size_t i = 1; i < nsyms && i < 100000 && seen < SAMPLE_FUNCS;
	     i++) {
		const ElfW(Sym) *s = &symtab[i];
		uintptr_t at = im->bias + s->st_value;

		if (ELF64_ST_TYPE(s->st_info) != STT_FUNC ||
		    s->st_shndx == SHN_UNDEF || s->st_size < 8 ||
		    !np_got_contains(im, at) ||
		    !np_got_contains(im, at + 7))
			continue;
		seen++;
		framed += opens_frame((const unsigned char *)at);
	}
	/* Too few to tell: trust the frame pointers. */
	return seen >= 8 && framed * 2 < seen;
}
