/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Following loaded modules (see modules.h).  dl_iterate_phdr's callback runs
 * under the loader's lock, so it only copies names, biases and phdr pointers
 * into our own memory; everything else happens after it returns, on a
 * library pinned by dlopen(RTLD_NOLOAD), which waits for a load in progress
 * to finish (relocations included) and keeps the library from going away.
 */
#include "config.h"

#include <dlfcn.h>
#include <elf.h>
#include <limits.h>
#include <link.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <stdatomic.h>
#include <unistd.h>

#include "cfi-table.h"
#include "clock.h"
#include "mem.h"
#include "modules.h"
#include "namespaces.h"

#define MAX_MODULES 4096
#define NAMES_BYTES (1u << 20)
#define MAX_SEGMENTS 64
#define MAX_BUILD_ID 64

/* One object as dl_iterate_phdr listed it. */
struct listed {
	uint64_t bias;
	uint64_t name_hash;
	const ElfW(Phdr) *phdr;
	uint32_t name_off;
	uint16_t phnum;
	uint8_t lmid; /* another namespace's: phdr unknown until pinned */
	uint8_t is_vdso;
	uint8_t matched; /* already in the table */
};

/* One object we know; id 0: known but never sent (it could not be pinned). */
struct known {
	uint64_t bias;
	uint64_t name_hash;
	uint32_t id;
	uint8_t matched; /* still listed */
};

struct np_modules {
	unsigned long long adds, subs;
	int listed_once;
	uint32_t next_id;
	uintptr_t vdso_phdr; /* where the vDSO's program headers are */
	/* filled by the callback */
	uint32_t nlisted;
	uint32_t names_used;
	int truncated;  /* more objects than we can list */
	int partial;    /* a namespace was not listed (being released) */
	int warned_truncated;
	struct listed listed[MAX_MODULES];
	char names[NAMES_BYTES];
	uint32_t nknown;
	struct known known[MAX_MODULES];
	uint32_t gone; /* MODULE_GONE records sent */
};

struct np_modules *np_modules_create(void)
{
	struct np_modules *m = np_pages_alloc(sizeof(*m));
	const ElfW(Ehdr) *vdso;

	if (!m)
		return NULL;
	m->next_id = 1;
	vdso = (const ElfW(Ehdr) *)getauxval(AT_SYSINFO_EHDR);
	if (vdso)
		m->vdso_phdr = (uintptr_t)vdso + vdso->e_phoff;
	return m;
}

void np_modules_free(struct np_modules *m)
{
	np_cfi_tables_drop_all();
	np_cfi_tables_publish();
	np_pages_free(m, sizeof(*m));
}

struct counters {
	unsigned long long adds, subs;
};

static int has_counters(size_t size)
{
	return size >= offsetof(struct dl_phdr_info, dlpi_subs) +
			       sizeof(unsigned long long);
}

static int read_counters(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct counters *c = arg;

	if (has_counters(size)) {
		c->adds = info->dlpi_adds;
		c->subs = info->dlpi_subs;
	}
	return 1; /* the first object is enough */
}

/* Under the loader lock: copies only, no malloc, no locks. */
static int list_one(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct np_modules *m = arg;
	const char *name = info->dlpi_name ? info->dlpi_name : "";
	size_t len = strlen(name);
	struct listed *l;

	if (has_counters(size)) {
		m->adds = info->dlpi_adds;
		m->subs = info->dlpi_subs;
	}
	if (m->nlisted == MAX_MODULES ||
	    m->names_used + len + 1 > NAMES_BYTES) {
		m->truncated = 1;
		return 0;
	}
	l = &m->listed[m->nlisted++];
	l->bias = info->dlpi_addr;
	l->phdr = info->dlpi_phdr;
	l->phnum = info->dlpi_phnum;
	l->is_vdso = (uintptr_t)info->dlpi_phdr == m->vdso_phdr;
	l->lmid = 0;
	l->matched = 0;
	l->name_off = m->names_used;
	memcpy(m->names + m->names_used, name, len + 1);
	m->names_used += (uint32_t)len + 1;
	l->name_hash = np_ns_name_hash(0, name);
	return 0;
}

/* Under the loader's lock, as list_one: an object of another namespace. */
static int ns_copy(long lmid, const char *name, uint64_t bias, void *arg)
{
	struct np_modules *m = arg;
	size_t len = strlen(name);
	struct listed *l;

	if (m->nlisted == MAX_MODULES ||
	    m->names_used + len + 1 > NAMES_BYTES) {
		m->truncated = 1;
		return 1;
	}
	l = &m->listed[m->nlisted++];
	memset(l, 0, sizeof(*l));
	l->bias = bias;
	l->lmid = (uint8_t)lmid;
	l->name_off = m->names_used;
	memcpy(m->names + m->names_used, name, len + 1);
	m->names_used += (uint32_t)len + 1;
	l->name_hash = np_ns_name_hash(lmid, name);
	return 0;
}

/* The GNU build-id from the PT_NOTE segments that are mapped; its length. */
static size_t find_build_id(const struct listed *l, uint8_t *out)
{
	_Static_assert(NP_NOTE_BUILD_ID == MAX_BUILD_ID, "build-id sizes");
	for (unsigned int i = 0; i < l->phnum; i++) {
		const ElfW(Phdr) *ph = &l->phdr[i];
		size_t align = ph->p_align == 8 ? 8 : 4;
		const unsigned char *p, *end;
		int mapped = 0;

		if (ph->p_type != PT_NOTE)
			continue;
		/* Only read notes that a PT_LOAD really maps. */
		for (unsigned int j = 0; j < l->phnum; j++) {
			const ElfW(Phdr) *ld = &l->phdr[j];

			if (ld->p_type == PT_LOAD &&
			    ph->p_vaddr >= ld->p_vaddr &&
			    ph->p_vaddr + ph->p_filesz <=
				    ld->p_vaddr + ld->p_filesz)
				mapped = 1;
		}
		if (!mapped)
			continue;
		p = (const unsigned char *)(uintptr_t)(l->bias + ph->p_vaddr);
		end = p + ph->p_filesz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			size_t name_sz = (n->n_namesz + align - 1) &
					 ~(align - 1);
			size_t desc_sz = (n->n_descsz + align - 1) &
					 ~(align - 1);
			const unsigned char *name = p + sizeof(*n);
			const unsigned char *desc = name + name_sz;

			if (desc + desc_sz > end)
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    memcmp(name, "GNU", 4) == 0 &&
			    n->n_descsz <= MAX_BUILD_ID) {
				memcpy(out, desc, n->n_descsz);
				return n->n_descsz;
			}
			p = desc + desc_sz;
		}
	}
	return 0;
}

/* The path to send for L: absolute, symlinks resolved where possible. */
static void module_path(const struct np_modules *m, const struct listed *l,
			char *buf, size_t cap)
{
	const char *name = m->names + l->name_off;
	ssize_t n;

	if (l->is_vdso) {
		snprintf(buf, cap, "[vdso]");
	} else if (!*name) {
		n = readlink("/proc/self/exe", buf, cap - 1);
		buf[n > 0 ? n : 0] = '\0';
	} else if (cap < PATH_MAX || !realpath(name, buf)) {
		/* Gone from disk, or relative to a directory we left. */
		snprintf(buf, cap, "%s", name);
	}
}

static void send_module(struct np_modules *m, const struct listed *l,
			uint32_t id, struct np_send *out)
{
	struct np_rec_segment segs[MAX_SEGMENTS];
	uint8_t build_id[MAX_BUILD_ID];
	char path[PATH_MAX];
	struct np_rec_module rec;
	uint16_t nsegs = 0;

	for (unsigned int i = 0; i < l->phnum && nsegs < MAX_SEGMENTS; i++) {
		const ElfW(Phdr) *ph = &l->phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		segs[nsegs].vaddr = ph->p_vaddr;
		segs[nsegs].memsz = ph->p_memsz;
		segs[nsegs].offset = ph->p_offset;
		segs[nsegs].flags = ph->p_flags & (PF_R | PF_W | PF_X);
		nsegs++;
	}
	module_path(m, l, path, sizeof(path));
	memset(&rec, 0, sizeof(rec));
	rec.id = id;
	rec.time_ns = np_clock_ns();
	rec.bias = l->bias;
	rec.build_id_len = (uint16_t)find_build_id(l, build_id);
	rec.build_id = build_id;
	rec.nsegs = nsegs;
	rec.path = path;
	rec.path_len = (uint32_t)strlen(path);
	np_send_module(out, &rec, segs);
}

void np_module_note_fill(struct np_module_note *n, const char *name,
			 long lmid, uint64_t bias, const ElfW(Phdr) *phdr,
			 unsigned int phnum)
{
	struct listed l = { .bias = bias, .phdr = phdr,
			    .phnum = (uint16_t)phnum };

	n->bias = bias;
	n->name_hash = np_ns_name_hash(lmid, name);
	n->nsegs = 0;
	for (unsigned int i = 0; i < phnum && n->nsegs < NP_NOTE_SEGMENTS;
	     i++) {
		const ElfW(Phdr) *ph = &phdr[i];
		struct np_rec_segment *sg = &n->segs[n->nsegs];

		if (ph->p_type != PT_LOAD)
			continue;
		sg->vaddr = ph->p_vaddr;
		sg->memsz = ph->p_memsz;
		sg->offset = ph->p_offset;
		sg->flags = ph->p_flags & (PF_R | PF_W | PF_X);
		n->nsegs++;
	}
	n->build_id_len = (uint16_t)find_build_id(&l, n->build_id);
	if (!*name) {
		ssize_t len = readlink("/proc/self/exe", n->path,
				       sizeof(n->path) - 1);
		n->path[len > 0 ? len : 0] = '\0';
	} else if (!realpath(name, n->path)) {
		snprintf(n->path, sizeof(n->path), "%s", name);
	}
}

/* The notes: a slot is free (0), being written (1) or ready (2). */
#define NOTE_SLOTS 64
static struct np_module_note *notes;
static _Atomic int note_state[NOTE_SLOTS];

void np_module_note_post(const char *name, long lmid, uint64_t bias,
			 const ElfW(Phdr) *phdr, unsigned int phnum)
{
	if (!notes) {
		struct np_module_note *mem =
			np_pages_alloc(NOTE_SLOTS * sizeof(*notes));
		struct np_module_note *none = NULL;

		if (!mem)
			return;
		if (!atomic_compare_exchange_strong(
			    (_Atomic(struct np_module_note *) *)&notes, &none,
			    mem))
			np_pages_free(mem, NOTE_SLOTS * sizeof(*notes));
	}
	for (int i = 0; i < NOTE_SLOTS; i++) {
		int free_state = 0;

		if (atomic_compare_exchange_strong(&note_state[i], &free_state,
						   1)) {
			np_module_note_fill(&notes[i], name, lmid, bias, phdr,
					    phnum);
			atomic_store(&note_state[i], 2);
			return;
		}
	}
}

static void send_note(const struct np_module_note *n, uint32_t id,
		      struct np_send *out)
{
	struct np_rec_module rec;

	memset(&rec, 0, sizeof(rec));
	rec.id = id;
	rec.time_ns = np_clock_ns();
	rec.bias = n->bias;
	rec.build_id_len = n->build_id_len;
	rec.build_id = n->build_id;
	rec.nsegs = n->nsegs;
	rec.path = n->path;
	rec.path_len = (uint32_t)strlen(n->path);
	np_send_module(out, &rec, n->segs);
}

void np_modules_take_notes(struct np_modules *m, struct np_send *out)
{
	if (!atomic_load((_Atomic(struct np_module_note *) *)&notes))
		return;
	for (int i = 0; i < NOTE_SLOTS; i++) {
		const struct np_module_note *n = &notes[i];
		struct known *kn = NULL;

		if (atomic_load(&note_state[i]) != 2)
			continue;
		for (uint32_t k = 0; k < m->nknown && !kn; k++)
			if (m->known[k].bias == n->bias &&
			    m->known[k].name_hash == n->name_hash)
				kn = &m->known[k];
		if (!kn && m->nknown < MAX_MODULES) {
			kn = &m->known[m->nknown++];
			kn->bias = n->bias;
			kn->name_hash = n->name_hash;
			kn->id = 0;
			kn->matched = 1;
		}
		/* Known but never sent: the scan listed it while it was
		 * being loaded and could not pin it before the caller
		 * closed it again; the note was taken while it was pinned. */
		if (kn && !kn->id) {
			kn->id = m->next_id++;
			send_note(n, kn->id, out);
		}
		atomic_store(&note_state[i], 0);
	}
}

/*
 * Sends a newly listed object.  Libraries are pinned first; the executable
 * and the vDSO cannot be unloaded.  Returns its id, or 0 when it could not
 * be pinned (unloaded meanwhile).  Another namespace's object gets its
 * program headers once pinned.
 */
static uint32_t add_module(struct np_modules *m, struct listed *l,
			   struct np_send *out)
{
	const char *name = m->names + l->name_off;
	unsigned int phnum = 0;
	void *pin = NULL;
	uint32_t id;

	if (!l->is_vdso &&
	    np_ns_pin(l->lmid, name, l->bias, &pin,
		      l->lmid ? &l->phdr : NULL, &phnum) != 0)
		return 0;
	if (l->lmid)
		l->phnum = (uint16_t)phnum;
	id = m->next_id++;
	send_module(m, l, id, out);
	/* Its unwind table, built while it cannot go away; without one
	 * (no .eh_frame_hdr) its frames are walked by frame pointer. */
	np_cfi_tables_add(id, l->bias, l->phdr, l->phnum);
	np_ns_unpin(pin);
	return id;
}

static void match(struct np_modules *m)
{
	for (uint32_t k = 0; k < m->nknown; k++) {
		struct known *kn = &m->known[k];

		kn->matched = 0;
		for (uint32_t i = 0; i < m->nlisted; i++) {
			struct listed *l = &m->listed[i];

			if (!l->matched && l->bias == kn->bias &&
			    l->name_hash == kn->name_hash) {
				l->matched = kn->matched = 1;
				break;
			}
		}
	}
}

uint32_t np_modules_gone(const struct np_modules *m)
{
	return m->gone;
}

void np_modules_scan(struct np_modules *m, struct np_send *out)
{
	struct counters c = { 0, 0 };
	struct np_ns_listing ns;
	uint32_t k = 0;

	dl_iterate_phdr(read_counters, &c);
	if (m->listed_once && c.adds == m->adds && c.subs == m->subs)
		return;
	m->nlisted = 0;
	m->names_used = 0;
	m->truncated = 0;
	dl_iterate_phdr(list_one, m);
	np_ns_list_all(ns_copy, m, &ns);
	m->partial = ns.partial;
	m->listed_once = 1;
	if (m->truncated && !m->warned_truncated++)
		np_send_metaf(out, "warning",
			      "more than %u loaded objects; the others are not recorded",
			      MAX_MODULES);
	match(m);
	/* Gone first: a library reloaded elsewhere is a new module.  With a
	 * truncated list, unlisted is not proof of gone. */
	for (uint32_t i = 0; i < m->nknown; i++) {
		if (!m->known[i].matched && !m->truncated && !m->partial) {
			if (m->known[i].id) {
				np_send_module_gone(out, m->known[i].id,
						    np_clock_ns());
				m->gone++;
				np_cfi_tables_drop(m->known[i].id);
			}
			continue;
		}
		m->known[k++] = m->known[i];
	}
	m->nknown = k;
	for (uint32_t i = 0; i < m->nlisted && m->nknown < MAX_MODULES; i++) {
		struct listed *l = &m->listed[i];
		struct known *kn;

		if (l->matched)
			continue;
		kn = &m->known[m->nknown++];
		kn->bias = l->bias;
		kn->name_hash = l->name_hash;
		kn->id = add_module(m, l, out);
	}
	np_ns_leave_all(ns.entered);
	np_cfi_tables_publish();
}
