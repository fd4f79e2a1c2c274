/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Link-map namespaces (see namespaces.h).  A namespace is anchored and
 * listed through its libc: every namespace whose code can allocate has one,
 * and its hooks call it.  Our failed dl calls leave their message for
 * dlerror, which the program would then read as its own: it is taken back
 * at once.
 */
#include "config.h"

#include <dlfcn.h>
#include <elf.h>
#include <gnu/lib-names.h>
#include <link.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/auxv.h>

#include "namespaces.h"

/* Per namespace: whether it is anchored, whether the anchor is being
 * released, and how many threads have entered it. */
#define ANCHORED (1u << 31)
#define RELEASING (1u << 30)
#define USERS (RELEASING - 1)
#define RELEASE_TRIES 10000
static _Atomic uint32_t state[NP_NS_MAX];
static void *_Atomic anchor[NP_NS_MAX];

void np_ns_after_fork(void)
{
	/* The threads that had entered, or were releasing, are gone. */
	for (int k = 1; k < NP_NS_MAX; k++)
		atomic_store(&state[k], atomic_load(&anchor[k]) ? ANCHORED : 0);
}

uint32_t np_ns_known(void)
{
	uint32_t mask = 0;

	for (int k = 1; k < NP_NS_MAX; k++)
		if ((atomic_load(&state[k]) & (ANCHORED | RELEASING)) ==
		    ANCHORED)
			mask |= 1u << k;
	return mask;
}

void np_ns_note(void *handle)
{
	void *pin, *none = NULL;
	Lmid_t lmid;
	uint32_t v;

	if (!handle || dlinfo(handle, RTLD_DI_LMID, &lmid) != 0 ||
	    lmid <= 0 || lmid >= NP_NS_MAX)
		return;
	v = atomic_load(&state[lmid]);
	if (v & (ANCHORED | RELEASING))
		return; /* anchored; or being released, and then not seen */
	/* HANDLE keeps the namespace from being emptied: naming it is safe. */
	pin = dlmopen(lmid, LIBC_SO, RTLD_NOLOAD | RTLD_LAZY);
	if (!pin) {
		dlerror();
		return;
	}
	if (!atomic_compare_exchange_strong(&anchor[lmid], &none, pin)) {
		dlclose(pin); /* another thread anchored it */
		return;
	}
	atomic_fetch_or(&state[lmid], ANCHORED);
}

int np_ns_enter(long lmid)
{
	uint32_t v = atomic_load(&state[lmid]);

	do {
		if (v & RELEASING)
			return -2;
		if (!(v & ANCHORED))
			return -1;
	} while (!atomic_compare_exchange_weak(&state[lmid], &v, v + 1));
	return 0;
}

void np_ns_leave(long lmid)
{
	atomic_fetch_sub(&state[lmid], 1);
}

int np_ns_release_begin(long lmid)
{
	uint32_t v = atomic_load(&state[lmid]);

	do {
		if ((v & (ANCHORED | RELEASING)) != ANCHORED)
			return -1;
	} while (!atomic_compare_exchange_weak(&state[lmid], &v,
					       v | RELEASING));
	/* Those entered only list and pin: they leave soon, unless one
	 * waits for the loader's lock and we hold it (a dlclose from a
	 * destructor): then give up, and a later sync tries again. */
	for (int i = 0; atomic_load(&state[lmid]) & USERS; i++) {
		if (i == RELEASE_TRIES) {
			atomic_fetch_and(&state[lmid], ~RELEASING);
			return -1;
		}
		sched_yield();
	}
	return 0;
}

void np_ns_release_end(long lmid)
{
	void *pin;

	/* No anchor can be taken until the old one is gone from its slot. */
	atomic_store(&state[lmid], 0);
	pin = atomic_exchange(&anchor[lmid], NULL);
	/* Last: while we hold it, the namespace cannot be empty. */
	if (pin)
		dlclose(pin);
}

uint64_t np_ns_name_hash(long lmid, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 0x100000001b3ull;
	/* The base's hash is the name's alone. */
	return h ^ (uint64_t)lmid * 0x9e3779b97f4a7c15ull;
}

struct walk {
	const struct link_map *anchor;
	uintptr_t ldso_bias;
	long lmid;
	np_ns_copy_fn copy;
	void *arg;
	int stopped;
};

/* Under the loader's write lock, which the loader holds to link and
 * unlink list entries: the list cannot change while we walk it. */
static int walk_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct walk *w = arg;
	const struct link_map *l = w->anchor;

	(void)info;
	(void)size;
	while (l->l_prev)
		l = l->l_prev;
	for (; l; l = l->l_next) {
		if (!l->l_name || !*l->l_name || l->l_addr == w->ldso_bias)
			continue;
		if (w->copy(w->lmid, l->l_name, l->l_addr, w->arg)) {
			w->stopped = 1;
			break;
		}
	}
	return 1; /* one walk is all */
}

void np_ns_list_all(np_ns_copy_fn copy, void *arg, struct np_ns_listing *out)
{
	memset(out, 0, sizeof(*out));
	for (long k = 1; k < NP_NS_MAX; k++) {
		struct walk w = { .ldso_bias = getauxval(AT_BASE), .lmid = k,
				  .copy = copy, .arg = arg };
		struct link_map *lm = NULL;
		int err = np_ns_enter(k);
		void *libc;

		if (err == -2)
			out->partial = 1;
		if (err != 0)
			continue;
		out->entered |= 1u << k;
		libc = atomic_load(&anchor[k]);
		if (!libc || dlinfo(libc, RTLD_DI_LINKMAP, &lm) != 0 || !lm)
			continue;
		out->libc_bias[k] = lm->l_addr;
		w.anchor = lm;
		dl_iterate_phdr(walk_cb, &w);
		out->stopped |= w.stopped;
	}
}

void np_ns_leave_all(uint32_t entered)
{
	for (long k = 1; k < NP_NS_MAX; k++)
		if (entered & (1u << k))
			np_ns_leave(k);
}

/* HANDLE's program headers, as the loader keeps them. */
static int find_phdr(void *handle, const struct link_map *lm,
		     const ElfW(Phdr) **phdr, unsigned int *phnum)
{
#if __GLIBC_PREREQ(2, 36)
	int n = dlinfo(handle, RTLD_DI_PHDR, phdr);

	(void)lm;
	if (n <= 0)
		return -1;
	*phnum = (unsigned int)n;
	return 0;
#else
	/* Older glibc: the ELF header at the start of the mapping (dladdr's
	 * base), checked by its PT_DYNAMIC landing where l_ld is. */
	const ElfW(Ehdr) *eh;
	Dl_info info;

	(void)handle;
	if (!dladdr(lm->l_ld, &info) || !info.dli_fbase)
		return -1;
	eh = info.dli_fbase;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return -1;
	*phdr = (const ElfW(Phdr) *)((const char *)eh + eh->e_phoff);
	*phnum = eh->e_phnum;
	for (unsigned int i = 0; i < *phnum; i++)
		if ((*phdr)[i].p_type == PT_DYNAMIC &&
		    lm->l_addr + (*phdr)[i].p_vaddr == (uintptr_t)lm->l_ld)
			return 0;
	return -1;
#endif
}

int np_ns_pin(long lmid, const char *name, uint64_t bias, void **handle,
	      const ElfW(Phdr) **phdr, unsigned int *phnum)
{
	struct link_map *lm = NULL;

	*handle = NULL;
	if (!*name)
		return 0;
	*handle = lmid ? dlmopen(lmid, name, RTLD_NOLOAD | RTLD_LAZY)
		       : dlopen(name, RTLD_NOLOAD | RTLD_LAZY);
	if (!*handle) {
		dlerror();
		return -1;
	}
	/* The same name may now be another object: check the bias. */
	if (dlinfo(*handle, RTLD_DI_LINKMAP, &lm) != 0 || lm->l_addr != bias ||
	    (phdr && find_phdr(*handle, lm, phdr, phnum) != 0)) {
		dlclose(*handle);
		*handle = NULL;
		return -1;
	}
	return 0;
}

void np_ns_unpin(void *handle)
{
	if (handle)
		dlclose(handle);
}

uintptr_t np_ns_libc_symbol(long lmid, const char *func)
{
	void *libc = atomic_load(&anchor[lmid]);
	void *p;

	if (!libc)
		return 0;
	p = dlsym(libc, func);
	if (!p)
		dlerror();
	return (uintptr_t)p;
}
