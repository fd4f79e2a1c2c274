/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nm-lazy: plays the dynamic linker losing nprof's patch of a lazy PLT
 * slot.  Built with -z lazy, it calls malloc only once the profiler has
 * patched its still unresolved malloc slot; then it stores the real malloc
 * there, as a resolver that was already running for that slot would after
 * the patch, and waits: the profiler must put its hook back.  Prints
 * "repaired" or "lost", then allocates 4 blocks of 1000037 bytes in
 * lazy_site (leaked) and prints "ok".
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uintptr_t *slot; /* the executable's JUMP_SLOT for malloc */
static uintptr_t lo, hi; /* the executable's address range */

static uintptr_t dyn_ptr(const struct dl_phdr_info *info, ElfW(Addr) p)
{
	/* ld.so relocates these entries in place for most objects. */
	return p < info->dlpi_addr ? info->dlpi_addr + p : p;
}

static int find_slot(struct dl_phdr_info *info, size_t size, void *arg)
{
	const ElfW(Dyn) *dyn = NULL;
	const ElfW(Rela) *rel = NULL;
	const ElfW(Sym) *syms = NULL;
	const char *strs = NULL;
	size_t relsz = 0;

	(void)size;
	(void)arg;
	/* The executable is listed first. */
	lo = UINTPTR_MAX;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t at = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_DYNAMIC)
			dyn = (const void *)at;
		if (ph->p_type == PT_LOAD) {
			lo = at < lo ? at : lo;
			hi = at + ph->p_memsz > hi ? at + ph->p_memsz : hi;
		}
	}
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_JMPREL)
			rel = (const void *)dyn_ptr(info, dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_PLTRELSZ)
			relsz = dyn->d_un.d_val;
		else if (dyn->d_tag == DT_SYMTAB)
			syms = (const void *)dyn_ptr(info, dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_STRTAB)
			strs = (const void *)dyn_ptr(info, dyn->d_un.d_ptr);
	}
	for (size_t i = 0; rel && syms && strs && i < relsz / sizeof(*rel); i++)
		if (strcmp(strs + syms[ELF64_R_SYM(rel[i].r_info)].st_name,
			   "malloc") == 0)
			slot = (uintptr_t *)(info->dlpi_addr + rel[i].r_offset);
	return 1;
}

/* Unresolved, the slot leads back into our own PLT. */
static int unresolved(uintptr_t v)
{
	return v >= lo && v < hi;
}

static void nap(long ms)
{
	struct timespec t = { ms / 1000, ms % 1000 * 1000000 };

	nanosleep(&t, NULL);
}

__attribute__((noinline)) void *lazy_site(size_t n)
{
	return malloc(n);
}

int main(void)
{
	uintptr_t hook;
	void *real;
	int waited = 0;

	dl_iterate_phdr(find_slot, NULL);
	if (!slot)
		return 2;
	while (unresolved(*slot) && waited++ < 1000)
		nap(10);
	hook = *slot;
	if (unresolved(hook)) {
		fputs("never patched\n", stderr);
		return 3;
	}
	real = dlsym(RTLD_DEFAULT, "malloc");
	if (!real || (uintptr_t)real == hook)
		return 4;
	*slot = (uintptr_t)real; /* the late resolver's store */
	for (waited = 0; *slot != hook && waited < 300; waited++)
		nap(10);
	puts(*slot == hook ? "repaired" : "lost");
	for (int i = 0; i < 4; i++)
		if (!lazy_site(1000037))
			return 5;
	puts("ok");
	return 0;
}
