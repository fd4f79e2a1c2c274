/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The target's libraries (see injectP.h).  The dynamic linker's link_map
 * list says which libraries are loaded and their load bias (l_addr: DESIGN
 * rule 4); it is read only while r_debug.r_state is RT_CONSISTENT, when no
 * dlopen or dlclose is changing it, and read again if that changed under
 * us.  /proc/PID/maps then says which file each one really is (the list's
 * names may go through symlinks, and a file may have been replaced on disk
 * since it was mapped) and where its code is.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "inject/injectP.h"
#include "load-bias.h"

#define MAX_LIBS 8192
/* How long to wait for a dlopen in progress to finish. */
#define CONSISTENT_TRIES 500

struct mapping {
	uint64_t start, end, offset;
	char perms[5];
	dev_t dev;
	ino_t ino;
	char path[PATH_MAX];
};

struct maps {
	struct mapping *m;
	size_t n;
};

static int read_maps(pid_t pid, struct maps *maps)
{
	char name[64], line[PATH_MAX + 128];
	FILE *f;
	size_t cap = 0;

	snprintf(name, sizeof(name), "/proc/%d/maps", (int)pid);
	f = fopen(name, "re");
	if (!f)
		return -1;
	maps->m = NULL;
	maps->n = 0;
	while (fgets(line, sizeof(line), f)) {
		struct mapping m;
		unsigned int maj, min;
		unsigned long long ino;
		int pos = 0;
		char *nl;

		memset(&m, 0, sizeof(m));
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %llu %n",
			   &m.start, &m.end, m.perms, &m.offset, &maj, &min,
			   &ino, &pos) < 7)
			continue;
		m.dev = makedev(maj, min);
		m.ino = (ino_t)ino;
		nl = strchr(line + pos, '\n');
		if (nl)
			*nl = '\0';
		snprintf(m.path, sizeof(m.path), "%s", line + pos);
		if (maps->n == cap) {
			struct mapping *grown;

			cap = cap ? cap * 2 : 256;
			grown = realloc(maps->m, cap * sizeof(*grown));
			if (!grown) {
				fclose(f);
				free(maps->m);
				return -1;
			}
			maps->m = grown;
		}
		maps->m[maps->n++] = m;
	}
	fclose(f);
	return 0;
}

static const struct mapping *mapping_at(const struct maps *maps, uint64_t addr)
{
	for (size_t i = 0; i < maps->n; i++)
		if (addr >= maps->m[i].start && addr < maps->m[i].end)
			return &maps->m[i];
	return NULL;
}

/* The auxiliary vector entry TYPE of the target, or 0. */
static uint64_t auxv_value(pid_t pid, uint64_t type)
{
	char name[64];
	uint64_t pair[2], value = 0;
	int fd;

	snprintf(name, sizeof(name), "/proc/%d/auxv", (int)pid);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while (read(fd, pair, sizeof(pair)) == sizeof(pair) && pair[0]) {
		if (pair[0] == type) {
			value = pair[1];
			break;
		}
	}
	close(fd);
	return value;
}

/* &_r_debug: DT_DEBUG of the executable, which ld.so fills in at start. */
static uint64_t r_debug_from_dt_debug(struct np_inject *inj)
{
	uint64_t phdr = auxv_value(inj->pid, AT_PHDR);
	uint64_t phnum = auxv_value(inj->pid, AT_PHNUM);
	Elf64_Phdr ph[256];
	uint64_t bias, dyn = 0;

	if (!phdr || !phnum || phnum > 256 ||
	    np_mem_read(inj, phdr, ph, phnum * sizeof(ph[0])) ||
	    np_load_bias_from_phdrs(ph, phnum, phdr, NP_PHOFF_UNKNOWN, &bias))
		return 0;
	for (uint64_t i = 0; i < phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = ph[i].p_vaddr;
	if (!dyn)
		return 0;
	for (uint64_t at = bias + dyn;; at += sizeof(Elf64_Dyn)) {
		Elf64_Dyn d;

		if (np_mem_read(inj, at, &d, sizeof(d)) || d.d_tag == DT_NULL)
			return 0;
		if (d.d_tag == DT_DEBUG)
			return d.d_un.d_ptr;
	}
}

/* &_r_debug from ld.so's own symbol, for executables without DT_DEBUG. */
static uint64_t r_debug_from_ld_so(struct np_inject *inj,
				   const struct maps *maps)
{
	uint64_t base = auxv_value(inj->pid, AT_BASE), value;
	const struct mapping *m = mapping_at(maps, base);
	char file[PATH_MAX + 64];

	if (!base || !m || !m->path[0])
		return 0;
	snprintf(file, sizeof(file), "/proc/%d/root%s", (int)inj->pid, m->path);
	if (np_elf_symbol(file, "_r_debug", &value))
		return 0;
	return base + value;
}

/* Fills in what maps knows about LIB, whose dynamic section is at L_LD. */
static void match_mapping(struct np_inject *inj, const struct maps *maps,
			  uint64_t l_ld, struct np_lib *lib)
{
	const struct mapping *m = mapping_at(maps, l_ld);
	struct stat st;

	if (!m || !m->ino)
		return;
	lib->dev = m->dev;
	lib->ino = m->ino;
	for (size_t i = 0; i < maps->n; i++) {
		const struct mapping *x = &maps->m[i];

		if (x->ino == m->ino && x->dev == m->dev && x->perms[2] == 'x') {
			lib->exec_start = x->start;
			lib->exec_end = x->end;
			break;
		}
	}
	/* The file as the target sees it, wherever its root is; if it was
	 * replaced on disk since, the mapping itself (root only). */
	if (snprintf(lib->file, sizeof(lib->file), "/proc/%d/root%.*s",
		     (int)inj->pid, PATH_MAX - 64, m->path) >= (int)sizeof(lib->file) ||
	    stat(lib->file, &st) != 0 || st.st_ino != m->ino ||
	    st.st_dev != m->dev)
		snprintf(lib->file, sizeof(lib->file),
			 "/proc/%d/map_files/%" PRIx64 "-%" PRIx64,
			 (int)inj->pid, m->start, m->end);
}

/* One walk of the list from R_MAP. */
static int walk(struct np_inject *inj, const struct maps *maps, uint64_t r_map,
		struct np_libs *libs)
{
	uint64_t at = r_map;

	libs->n = 0;
	while (at && libs->n < MAX_LIBS) {
		uint64_t lm[5]; /* l_addr, l_name, l_ld, l_next, l_prev */
		struct np_lib *lib = &libs->lib[libs->n];

		if (np_mem_read(inj, at, lm, sizeof(lm)))
			return -1;
		memset(lib, 0, sizeof(*lib));
		lib->base = lm[0];
		lib->link_map = at;
		if (lm[1])
			np_mem_read_string(inj, lm[1], lib->name,
					   sizeof(lib->name));
		match_mapping(inj, maps, lm[2], lib);
		libs->n++;
		at = lm[3];
	}
	return 0;
}

int np_libs_read(struct np_inject *inj, struct np_libs *libs)
{
	struct maps maps;
	uint64_t r_debug;
	int tries;

	if (read_maps(inj->pid, &maps))
		return np_inj_fail(inj, NP_INJ_ELINKER, "cannot read /proc/%d/maps: %s",
				   (int)inj->pid, strerror(errno));
	libs->lib = calloc(MAX_LIBS, sizeof(*libs->lib));
	libs->n = 0;
	if (!libs->lib) {
		free(maps.m);
		return np_inj_fail(inj, NP_INJ_ESYS, "out of memory");
	}
	r_debug = r_debug_from_dt_debug(inj);
	if (!r_debug)
		r_debug = r_debug_from_ld_so(inj, &maps);
	if (!r_debug) {
		free(maps.m);
		return np_inj_fail(inj, NP_INJ_ELINKER,
				   "found neither DT_DEBUG nor _r_debug");
	}
	for (tries = 0; tries < CONSISTENT_TRIES; tries++) {
		struct r_debug rd, again;

		if (np_mem_read(inj, r_debug, &rd, sizeof(rd)))
			break;
		if (rd.r_state == RT_CONSISTENT &&
		    walk(inj, &maps, (uint64_t)(uintptr_t)rd.r_map, libs) == 0 &&
		    np_mem_read(inj, r_debug, &again, sizeof(again)) == 0 &&
		    again.r_state == RT_CONSISTENT && again.r_map == rd.r_map)
			break;
		/* A dlopen or dlclose is under way: let it finish. */
		{
			struct timespec ms = { 0, 1000000 };
			nanosleep(&ms, NULL);
		}
		free(maps.m);
		if (read_maps(inj->pid, &maps))
			return np_inj_fail(inj, NP_INJ_EGONE, "maps vanished");
	}
	free(maps.m);
	if (tries == CONSISTENT_TRIES || libs->n == 0)
		return np_inj_fail(inj, NP_INJ_ELINKER,
				   "the list of libraries never became consistent");
	return 0;
}

void np_libs_free(struct np_libs *libs)
{
	free(libs->lib);
	libs->lib = NULL;
	libs->n = 0;
}

const struct np_lib *np_libs_find(const struct np_libs *libs,
				  const char *prefix)
{
	for (size_t i = 0; i < libs->n; i++) {
		const char *base = strrchr(libs->lib[i].name, '/');

		base = base ? base + 1 : libs->lib[i].name;
		if (!strncmp(base, prefix, strlen(prefix)) &&
		    libs->lib[i].ino)
			return &libs->lib[i];
	}
	return NULL;
}
