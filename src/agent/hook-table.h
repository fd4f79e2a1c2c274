/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which GOT slots of which library are patched, and what they held before:
 * the state that makes patching and unpatching safe (DESIGN rules 1 and 3).
 * Any thread may call these, with the agent's guard held: the writer
 * periodically and at the end of a session, a target thread from the
 * dlopen and dlclose hooks.
 *
 * The invariant: the agent writes into a library's memory only while it
 * holds a pin on it (dlopen(RTLD_NOLOAD)), taken after dl_iterate_phdr
 * listed it; so a library that is still being loaded is waited for, and one
 * that is gone, or going, is never touched.  The table's lock is held only
 * around those writes and never while calling into the dynamic linker, so
 * whoever holds it never waits for anything.
 */
#ifndef NPROF_AGENT_HOOK_TABLE_H
#define NPROF_AGENT_HOOK_TABLE_H

#include <stdint.h>

/* Hook modes: which set of functions a slot belongs to. */
#define NP_HOOK_MODE_MEM 1u

/* Allows patching for MODES until np_hooktab_unpatch(MODES). */
void np_hooktab_enable(unsigned int modes);

/*
 * Brings the table up to date with the loaded objects: forgets the ones
 * that are gone, patches the slots of MODES in every new one (and in known
 * ones not patched for MODES yet).  Cheap when nothing was loaded or
 * unloaded since the last call.  0, or -errno (no memory for the list).
 */
int np_hooktab_sync(unsigned int modes);
/* The same, from a dlopen or dlmopen hook: each library new to the table
 * also gets an early unwind table (cfi-table.h) before this returns, and
 * the early tables other syncs are building are waited for. */
int np_hooktab_sync_opened(unsigned int modes);
/* The same, on the writer's tick: a library new to the table that has no
 * unwind table yet gets an early one (a dlopen's caller may be calling
 * into it, its hook's sync having found it patched already). */
int np_hooktab_sync_tick(unsigned int modes);

/* Stops patching for MODES and puts back every slot of MODES, in each
 * library that is still loaded (a hook that runs meanwhile records
 * nothing, once the session is off: end it first). */
void np_hooktab_unpatch(unsigned int modes);

/* After fork, in the child: the lock may have been held by a thread that
 * did not come along, and then the table is forgotten. */
void np_hooktab_after_fork(void);

#ifdef NP_HOOKTAB_TESTING
/* For check_hooktab only: takes (1) or releases (0) the table's lock, as
 * a sync in another thread holds it while it changes an entry. */
void np_hooktab_test_lock(int take);
#endif

/* Statistics for the session's META records. */
struct np_hooktab_stats {
	uint32_t libraries; /* in the table, patched for some mode */
	uint32_t slots;     /* patched slots */
	uint32_t skipped;   /* listed objects that could not be pinned */
	uint32_t repaired;  /* lazy slots patched again after the linker
			     * wrote over them (since the agent loaded) */
};
void np_hooktab_stats(struct np_hooktab_stats *st);

#endif /* NPROF_AGENT_HOOK_TABLE_H */
