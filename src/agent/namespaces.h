/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Link-map namespaces other than the base one (dlmopen).  dl_iterate_phdr
 * lists only its caller's namespace, and dlopen(RTLD_NOLOAD) pins only
 * base objects, so another namespace's objects are listed by walking its
 * link_map list (public fields only: l_addr, l_name, l_next, l_prev) from
 * its libc, pinned, inside a dl_iterate_phdr callback: the loader adds and
 * removes list entries only under the lock that callback holds.
 */
#ifndef NPROF_AGENT_NAMESPACES_H
#define NPROF_AGENT_NAMESPACES_H

#include <link.h>
#include <stdint.h>

/* glibc's DL_NNS: namespace ids are 0 (the base) to 15. */
#define NP_NS_MAX 16

/*
 * glibc 2.36's dlmopen(ID, ...) takes the loader's lock and, when namespace
 * ID is empty, fails without releasing it: every later dlopen in the
 * process then hangs.  So a namespace is only ever named to dlmopen while
 * it is known not to be empty: while we hold an anchor in it, a pin on its
 * libc taken when the program's dlmopen returned a handle into it (which
 * keeps it from being emptied meanwhile).  Namespaces made before that
 * (before an attach, or between sessions) are not seen.
 */

/* From the dlmopen hook, HANDLE just returned: anchors HANDLE's
 * namespace if it is not anchored yet.  Any thread. */
void np_ns_note(void *handle);

/* After fork, in the child. */
void np_ns_after_fork(void);

/* The anchored namespaces: bit K for namespace K. */
uint32_t np_ns_known(void);

/* Keeps namespace LMID's anchor until np_ns_leave: 0, -1 if it has none,
 * -2 if it is being released (its objects may still be loaded, and
 * patched).  Everything below that names LMID is called between the two. */
int np_ns_enter(long lmid);
void np_ns_leave(long lmid);

/* Releasing LMID's anchor: np_ns_release_begin stops new np_ns_enter,
 * waits for those entered to leave and returns 0 if the caller is the one
 * to release it (-1: no anchor, another thread releases it, or those
 * entered did not leave); the caller
 * may then still name LMID (to unpatch what it patched there) until
 * np_ns_release_end drops the anchor. */
int np_ns_release_begin(long lmid);
void np_ns_release_end(long lmid);

/* Copies one listed object of namespace LMID; nonzero stops the listing
 * (no room). */
typedef int (*np_ns_copy_fn)(long lmid, const char *name, uint64_t bias,
			     void *arg);

/* What np_ns_list_all did. */
struct np_ns_listing {
	uint32_t entered; /* namespaces entered: np_ns_leave_all them */
	int partial;      /* one was being released: unlisted is not gone */
	int stopped;      /* COPY stopped it: the same */
	uint64_t libc_bias[NP_NS_MAX]; /* each namespace's libc's */
};

/*
 * Enters each anchored namespace and calls COPY for each of its objects,
 * ld.so aside (the base's, shared by all namespaces), under the loader's
 * lock: COPY may only copy (no malloc, no locks).
 */
void np_ns_list_all(np_ns_copy_fn copy, void *arg, struct np_ns_listing *out);
void np_ns_leave_all(uint32_t entered);

/*
 * Pins the object NAME (as listed) at BIAS in namespace LMID (0, or
 * entered, or being released by the caller), so that it
 * cannot be unloaded until np_ns_unpin, and waits for a load of it in
 * progress to finish (DESIGN rule 1).  *HANDLE stays NULL for the
 * executable (NAME ""), which cannot be unloaded.  If PHDR is not NULL,
 * *PHDR and *PHNUM are its program headers.  0, or -1 (gone, or another
 * object under that name now).
 */
int np_ns_pin(long lmid, const char *name, uint64_t bias, void **handle,
	      const ElfW(Phdr) **phdr, unsigned int *phnum);
void np_ns_unpin(void *handle);

/* FUNC as namespace LMID's libc (entered) defines it, 0 if not. */
uintptr_t np_ns_libc_symbol(long lmid, const char *func);

/* What tables key an object by with its load bias: its name, with the
 * namespace mixed in (the same file may be loaded in several). */
uint64_t np_ns_name_hash(long lmid, const char *name);

#endif /* NPROF_AGENT_NAMESPACES_H */
