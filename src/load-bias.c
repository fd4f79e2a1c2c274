/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A loaded object's load bias from its headers or its mappings (see load-bias.h). */
#include "config.h"

#include "load-bias.h"

int np_load_bias_from_phdrs(const Elf64_Phdr *ph, size_t n,
			    uint64_t phdr_addr, uint64_t phoff,
			    uint64_t *bias)
{
	for (size_t i = 0; i < n; i++)
		if (ph[i].p_type == PT_PHDR) {
			*bias = phdr_addr - ph[i].p_vaddr;
			return 0;
		}
	if (phoff == NP_PHOFF_UNKNOWN)
		return -1;
	/* Shared libraries seldom have PT_PHDR: the loader then points at
	 * the headers inside the segment that maps them. */
	for (size_t i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && phoff >= ph[i].p_offset &&
		    phoff - ph[i].p_offset < ph[i].p_filesz) {
			*bias = phdr_addr -
				(ph[i].p_vaddr + (phoff - ph[i].p_offset));
			return 0;
		}
	return -1;
}

int np_load_first_vaddr(const Elf64_Phdr *ph, size_t n, uint64_t *vaddr)
{
	int found = 0;

	for (size_t i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD &&
		    (!found || ph[i].p_vaddr < *vaddr)) {
			*vaddr = ph[i].p_vaddr;
			found = 1;
		}
	return found ? 0 : -1;
}

int np_load_bias_from_maps(const struct np_map_span *maps, size_t n,
			   uint64_t first_vaddr, uint64_t page_size,
			   uint64_t *bias)
{
	const struct np_map_span *first = NULL;

	if (page_size == 0 || (page_size & (page_size - 1)))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (maps[i].offset == 0 &&
		    (!first || maps[i].start < first->start))
			first = &maps[i];
	if (!first)
		return -1;
	*bias = first->start - (first_vaddr & ~(page_size - 1));
	return 0;
}
