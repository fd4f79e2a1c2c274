/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Telling statically linked programs apart, with libelf (see elf-kind.h). */
#include "config.h"

#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>

#include "elf-kind.h"

int np_elf_is_static(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int is_static = 0;
	size_t n;
	Elf *elf;

	if (fd < 0)
		return 0;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF && elf_getphdrnum(elf, &n) == 0) {
		GElf_Ehdr ehdr;
		int interp = 0;

		for (size_t i = 0; i < n; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_INTERP)
				interp = 1;
		}
		/* A static-pie is ET_DYN without PT_INTERP too. */
		if (gelf_getehdr(elf, &ehdr) &&
		    (ehdr.e_type == ET_EXEC || ehdr.e_type == ET_DYN) && !interp)
			is_static = 1;
	}
	elf_end(elf);
	close(fd);
	return is_static;
}
