/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Choosing a loaded object's load bias (DESIGN rule 4): from its program
 * headers where the loader gives them (dlpi_phdr, AT_PHDR), or, where only
 * /proc/PID/maps is at hand, from its mapping of file offset 0.  Pure
 * functions over tables the caller read, so that odd layouts (several LOAD
 * segments with gaps, --section-start, -z norelro, 4 KiB or 64 KiB pages)
 * can be tested without loading anything.  Libc only: the agent may use it.
 */
#ifndef NPROF_LOAD_BIAS_H
#define NPROF_LOAD_BIAS_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

/* e_phoff when the ELF header was not read. */
#define NP_PHOFF_UNKNOWN UINT64_MAX

/*
 * The bias of an object whose N program headers PH are mapped at
 * PHDR_ADDR: PHDR_ADDR less PT_PHDR's p_vaddr, or, without PT_PHDR, less
 * the address the LOAD segment holding the headers (file offset PHOFF)
 * gives them.  0, or -1 if neither tells (the headers are in no segment).
 */
int np_load_bias_from_phdrs(const Elf64_Phdr *ph, size_t n,
			    uint64_t phdr_addr, uint64_t phoff,
			    uint64_t *bias);

/* The lowest p_vaddr of a PT_LOAD, in *VADDR; 0, or -1 if there is none. */
int np_load_first_vaddr(const Elf64_Phdr *ph, size_t n, uint64_t *vaddr);

/* One line of /proc/PID/maps for the object's file. */
struct np_map_span {
	uint64_t start;
	uint64_t end;
	uint64_t offset;
};

/*
 * The bias of an object mapped as MAPS (its file's mappings, in any order)
 * with pages of PAGE_SIZE bytes, whose first LOAD segment is at
 * FIRST_VADDR: the loader maps that segment, from file offset 0, at the
 * bias plus FIRST_VADDR rounded down to a page.  The lowest mapping of
 * offset 0 is taken: with pages larger than the segments' alignment, later
 * segments may start at offset 0 too.  0, or -1 if no mapping has offset 0.
 */
int np_load_bias_from_maps(const struct np_map_span *maps, size_t n,
			   uint64_t first_vaddr, uint64_t page_size,
			   uint64_t *bias);

#endif /* NPROF_LOAD_BIAS_H */
