/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An ELF file's segments and build-id, with libelf (see elf-image.h). */
#include "config.h"

#include <fcntl.h>
#include <gelf.h>
#include <string.h>
#include <unistd.h>

#include "elf-image.h"

/* The GNU build-id in the note segment NOTE, if there is one. */
static void read_build_id(Elf *elf, const GElf_Phdr *note,
			  struct np_elf_image *img)
{
	Elf_Data *data = elf_getdata_rawchunk(elf, (int64_t)note->p_offset,
					      note->p_filesz, ELF_T_NHDR);
	size_t off = 0, next, name_off, desc_off;
	GElf_Nhdr nhdr;

	if (!data)
		return;
	while ((next = gelf_getnote(data, off, &nhdr, &name_off,
				    &desc_off)) > 0) {
		if (nhdr.n_type == NT_GNU_BUILD_ID && nhdr.n_namesz == 4 &&
		    !memcmp((const char *)data->d_buf + name_off, "GNU", 4) &&
		    nhdr.n_descsz <= NP_ELF_IMAGE_BUILD_ID) {
			memcpy(img->build_id,
			       (const char *)data->d_buf + desc_off,
			       nhdr.n_descsz);
			img->build_id_len = (uint16_t)nhdr.n_descsz;
			return;
		}
		off = next;
	}
}

int np_elf_image_read(const char *path, struct np_elf_image *img)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret = -1;
	size_t n;
	Elf *elf;

	memset(img, 0, sizeof(*img));
	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF && elf_getphdrnum(elf, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			GElf_Phdr ph;
			struct np_rec_segment *seg;

			if (!gelf_getphdr(elf, (int)i, &ph))
				continue;
			if (ph.p_type == PT_NOTE && !img->build_id_len)
				read_build_id(elf, &ph, img);
			if (ph.p_type != PT_LOAD ||
			    img->nsegs == NP_ELF_IMAGE_SEGMENTS)
				continue;
			seg = &img->segs[img->nsegs++];
			seg->vaddr = ph.p_vaddr;
			seg->memsz = ph.p_memsz;
			seg->offset = ph.p_offset;
			seg->flags = ph.p_flags & (PF_R | PF_W | PF_X);
		}
		ret = img->nsegs ? 0 : -1;
	}
	elf_end(elf);
	close(fd);
	return ret;
}

int np_elf_image_bias(const struct np_elf_image *img, uint64_t addr,
		      uint64_t pgoff, uint64_t *bias)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	for (unsigned int i = 0; i < img->nsegs; i++) {
		const struct np_rec_segment *s = &img->segs[i];

		/* Code is what is mapped executable; the mapping starts in
		 * the segment, or on the page that holds its first byte. */
		if (!(s->flags & NP_SEG_X) || pgoff >= s->offset + s->memsz ||
		    (pgoff < s->offset && s->offset - pgoff >= page))
			continue;
		/* File offset o is at vaddr + (o - offset) + bias. */
		*bias = addr - s->vaddr + s->offset - pgoff;
		return 0;
	}
	return -1;
}
