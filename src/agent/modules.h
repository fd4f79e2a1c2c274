/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The table of loaded modules (executable, libraries, vDSO), sent as MODULE
 * records when they appear and MODULE_GONE when they are unloaded.  Follows
 * DESIGN rule 1: enumerate with dl_iterate_phdr, notice changes by its
 * dlpi_adds/dlpi_subs, and read a library only while it is pinned by
 * dlopen(RTLD_NOLOAD); other link-map namespaces' objects likewise, through
 * namespaces.h.  Writer thread only.
 */
#ifndef NPROF_AGENT_MODULES_H
#define NPROF_AGENT_MODULES_H

#include <link.h>
#include <limits.h>
#include <stdint.h>

#include "record.h"
#include "send.h"

#define NP_NOTE_SEGMENTS 16
#define NP_NOTE_BUILD_ID 64

/*
 * What a MODULE record needs, copied while the object is pinned: the hook
 * table leaves one for each library it patches, so that a library opened
 * and closed again between two scans of the writer is still recorded.
 */
struct np_module_note {
	uint64_t bias;
	uint64_t name_hash; /* of dlpi_name and the namespace, as the scan
			     * matches it */
	uint16_t nsegs;
	uint16_t build_id_len;
	struct np_rec_segment segs[NP_NOTE_SEGMENTS];
	uint8_t build_id[NP_NOTE_BUILD_ID];
	char path[PATH_MAX];
};

/* Fills N for the object NAME (dlpi_name) of namespace LMID at BIAS; any
 * thread, the object pinned. */
void np_module_note_fill(struct np_module_note *n, const char *name,
			 long lmid, uint64_t bias, const ElfW(Phdr) *phdr,
			 unsigned int phnum);

/* Queues a note for the writer (any thread, lock-free); a full queue
 * drops it. */
void np_module_note_post(const char *name, long lmid, uint64_t bias,
			 const ElfW(Phdr) *phdr, unsigned int phnum);

struct np_modules;

struct np_modules *np_modules_create(void);
void np_modules_free(struct np_modules *m);

/* Sends a MODULE record for each queued note of a module not known yet. */
void np_modules_take_notes(struct np_modules *m, struct np_send *out);

/* Sends what changed since the last call; cheap when nothing did. */
void np_modules_scan(struct np_modules *m, struct np_send *out);

/* How many modules went away so far: code loaded later may sit at their
 * addresses, so stacks deduplicated by address must be defined anew. */
uint32_t np_modules_gone(const struct np_modules *m);

#endif /* NPROF_AGENT_MODULES_H */
