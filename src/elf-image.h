/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a MODULE record says of an ELF file, read from the file itself with
 * libelf: its loadable segments and its build-id.  For the CLI, which
 * records statically linked programs without an agent inside them.
 */
#ifndef NPROF_ELF_IMAGE_H
#define NPROF_ELF_IMAGE_H

#include <stdint.h>

#include "record.h"

#define NP_ELF_IMAGE_SEGMENTS 16
#define NP_ELF_IMAGE_BUILD_ID 64

struct np_elf_image {
	uint16_t nsegs;
	uint16_t build_id_len;
	struct np_rec_segment segs[NP_ELF_IMAGE_SEGMENTS];
	uint8_t build_id[NP_ELF_IMAGE_BUILD_ID];
};

/* Reads PATH's PT_LOAD segments and GNU build-id into IMG; 0, or -1 when
 * it is not an ELF file that can be read. */
int np_elf_image_read(const char *path, struct np_elf_image *img);

/*
 * The load bias of IMG given one of its mappings: file offset PGOFF mapped
 * at ADDR (as /proc/PID/maps or a perf MMAP record tells).  0 and *BIAS,
 * or -1 when no segment holds that offset.
 */
int np_elf_image_bias(const struct np_elf_image *img, uint64_t addr,
		      uint64_t pgoff, uint64_t *bias);

#endif /* NPROF_ELF_IMAGE_H */
