/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Symbols and headers of the target's files, read with libelf from disk
 * (the target's own files, through /proc/PID/root: never nprof's). */
#include "config.h"

#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "inject/injectP.h"

static Elf *open_elf(const char *path, int *fd)
{
	Elf *elf;

	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return NULL;
	elf_version(EV_CURRENT);
	elf = elf_begin(*fd, ELF_C_READ_MMAP, NULL);
	if (elf && elf_kind(elf) != ELF_K_ELF) {
		elf_end(elf);
		elf = NULL;
	}
	if (!elf)
		close(*fd);
	return elf;
}

/* Looks NAME up in the symbol table of section type TYPE. */
static int lookup(Elf *elf, Elf64_Word type, const char *name, uint64_t *value)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != type ||
		    !sh.sh_entsize || !(data = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *s;

			if (!gelf_getsym(data, (int)i, &sym) ||
			    sym.st_shndx == SHN_UNDEF || !sym.st_value)
				continue;
			s = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (s && !strcmp(s, name)) {
				*value = sym.st_value;
				return 0;
			}
		}
	}
	return -1;
}

int np_elf_symbol(const char *path, const char *name, uint64_t *value)
{
	int fd, ret;
	Elf *elf = open_elf(path, &fd);

	if (!elf)
		return -1;
	ret = lookup(elf, SHT_DYNSYM, name, value);
	if (ret)
		ret = lookup(elf, SHT_SYMTAB, name, value);
	elf_end(elf);
	close(fd);
	return ret;
}

int np_elf_header(const char *path, unsigned int *machine, uint64_t *entry)
{
	int fd, ret = -1;
	Elf *elf = open_elf(path, &fd);
	GElf_Ehdr eh;

	if (!elf)
		return -1;
	if (gelf_getehdr(elf, &eh)) {
		*machine = eh.e_machine;
		*entry = eh.e_entry;
		ret = 0;
	}
	elf_end(elf);
	close(fd);
	return ret;
}

const char *np_elf_machine_name(unsigned int machine, char *buf, size_t cap)
{
	switch (machine) {
	case EM_X86_64:
		return "x86_64";
	case EM_AARCH64:
		return "aarch64";
	case EM_386:
		return "i386";
	case EM_ARM:
		return "arm";
	case EM_RISCV:
		return "riscv";
	default:
		snprintf(buf, cap, "machine %u", machine);
		return buf;
	}
}
