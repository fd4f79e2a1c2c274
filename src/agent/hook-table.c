/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hook table (see hook-table.h).  A sync runs in three steps: list the
 * loaded objects (dl_iterate_phdr's callback only copies, into pages of our
 * own), pin and read each new one without the lock, then patch under the
 * lock.  Unpatching pins every library again before it writes.  Objects of
 * other link-map namespaces (namespaces.h) are listed after the base's,
 * patched with their namespace's hooks, and kept apart by a name hash that
 * includes the namespace.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "cfi-table.h"
#include "coderanges.h"
#include "clock.h"
#include "got.h"
#include "hook-table.h"
#include "hooks.h"
#include "mem.h"
#include "modules.h"
#include "namespaces.h"

#define MAX_LIBS 2048
#define NAME_MAX_LEN 1024
/* How long after patching lazy slots are looked at again. */
#define LAZY_RECHECK_NS 2000000000ull
#define LIST_MAX 2048
#define LIST_NAMES (512u << 10)
/* How long a dlopen hook waits for other syncs' early tables: a build
 * takes milliseconds; a writer that waits for a CPU must not hold the
 * program's dlopen longer than this (the first calls into the library
 * then miss their table). */
#define BUILD_WAIT_NS 100000000ull

/* Which new loads a sync builds an early unwind table for (cfi-table.h):
 * none at a session's start (the writer's scan of modules builds them),
 * every one after a dlopen, those the writer has no table for yet on its
 * tick (a load it sees before the dlopen hook's own sync does). */
enum { EARLY_NONE, EARLY_ALWAYS, EARLY_UNCOVERED };

enum lib_state {
	LIB_PATCHABLE, /* known; patched for the modes in `modes` */
	LIB_SKIPPED,   /* the agent, ld.so, the vDSO, or could not be pinned */
};

struct lib {
	uint64_t bias;
	uint64_t name_hash;
	struct np_elf_image im; /* phdr: valid only while the lib is loaded */
	enum lib_state state;
	int lmid;               /* its link-map namespace */
	unsigned int modes;     /* modes patched */
	int nslots;             /* slots patched (value: the original) */
	struct np_got_slot *slots;
	size_t slots_bytes;
	/* Until then, lazy slots are checked again (recheck_lazy). */
	uint64_t lazy_until_ns;
	uint32_t cfi_key;       /* its early unwind table's, 0: none */
	int probe;              /* the slot probe_slot looks at */
	int probe_bound;        /* it was bound when patched */
	char name[NAME_MAX_LEN];
};

struct listed {
	uint64_t bias;
	uint64_t name_hash;
	const ElfW(Phdr) *phdr;
	uint32_t name_off;
	uint16_t phnum;
	uint8_t lmid;     /* another namespace's: phdr unknown until pinned */
	uint8_t known;
	uint8_t excluded;
	uint8_t reloaded; /* a patched slot of the table's entry is not ours */
};

/* A slot that a patched library's entry in the table has patched, for
 * list_cb to see whether the object listed under that name and address is
 * still the one that was patched. */
struct patched_probe {
	uint64_t bias;
	uint64_t name_hash;
	uintptr_t slot;
	uintptr_t hook;
};

struct counters {
	unsigned long long adds, subs;
};

/* Starts with the counters, so that counters_cb fills either. */
struct listing {
	unsigned long long adds, subs;
	uint32_t n, names_used;
	int truncated;
	uint32_t nprobes;
	int early; /* which new loads get an early unwind table: EARLY_* */
	uint32_t ndropped; /* early tables of what is gone, to drop */
	uint32_t dropped[MAX_LIBS];
	struct np_ns_listing ns; /* the other namespaces' listing */
	struct patched_probe probes[MAX_LIBS];
	struct listed items[LIST_MAX];
	char names[LIST_NAMES];
};

static struct {
	atomic_flag lock;
	int nlibs;
	/* dl_iterate_phdr's counters when the table last matched them */
	unsigned long long adds, subs;
	int synced;
	unsigned int synced_modes;
	uint32_t synced_ns; /* the namespaces known then */
	unsigned int enabled; /* modes that may be patched now */
	int lazy_libs; /* libraries whose lazy slots are still checked */
	uint32_t repaired; /* lazy slots the linker wrote over, patched again */
	struct lib *libs; /* MAX_LIBS, mmap'd */
} table = { .lock = ATOMIC_FLAG_INIT };

/* Early tables being built by syncs that have patched their load. */
static atomic_int building;

static void lock(void)
{
	while (atomic_flag_test_and_set_explicit(&table.lock,
						 memory_order_acquire))
		sched_yield();
}

static void unlock(void)
{
	atomic_flag_clear_explicit(&table.lock, memory_order_release);
}

void np_hooktab_enable(unsigned int modes)
{
	lock();
	table.enabled |= modes;
	table.synced = 0;
	unlock();
}

void np_hooktab_after_fork(void)
{
	/* A thread that held the lock did not come along, and the entry it
	 * was changing is half done in this copy: the table is forgotten,
	 * never walked.  Its slots stay patched and lead to hooks that
	 * record nothing; a later session here finds them so (patch). */
	atomic_store(&building, 0);
	if (atomic_flag_test_and_set(&table.lock)) {
		table.libs = NULL;
		table.nlibs = 0;
		table.lazy_libs = 0;
		table.synced = 0;
	}
	atomic_flag_clear(&table.lock);
}

#ifdef NP_HOOKTAB_TESTING
void np_hooktab_test_lock(int take)
{
	if (take)
		lock();
	else
		unlock();
}
#endif

static int counters_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct counters *l = arg;

	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) +
			    sizeof(info->dlpi_subs)) {
		l->adds = info->dlpi_adds;
		l->subs = info->dlpi_subs;
	}
	return 1;
}

/* Objects we never patch: ourselves, ld.so and the vDSO.  Reads the
 * object's program headers: only in list_cb, while the object cannot go. */
static int is_excluded(const struct listed *it)
{
	struct np_elf_image im = { it->bias, it->phdr, it->phnum };
	uintptr_t vdso = getauxval(AT_SYSINFO_EHDR);

	if (np_got_contains(&im, (uintptr_t)np_hooktab_sync))
		return 1;
	if (vdso && np_got_contains(&im, vdso))
		return 1;
	return getauxval(AT_BASE) && it->bias == getauxval(AT_BASE);
}

/* Under the loader's lock: copies only. */
static int list_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct listing *l = arg;
	const char *name = info->dlpi_name ? info->dlpi_name : "";
	size_t len = strlen(name);
	struct listed *it;

	counters_cb(info, size, arg);
	if (l->n == LIST_MAX || len >= NAME_MAX_LEN ||
	    l->names_used + len + 1 > LIST_NAMES) {
		l->truncated = 1;
		return 0;
	}
	it = &l->items[l->n++];
	it->bias = info->dlpi_addr;
	it->phdr = info->dlpi_phdr;
	it->phnum = info->dlpi_phnum;
	it->lmid = 0;
	it->name_off = l->names_used;
	it->known = 0;
	it->excluded = (uint8_t)is_excluded(it);
	memcpy(l->names + l->names_used, name, len + 1);
	l->names_used += (uint32_t)len + 1;
	it->name_hash = np_ns_name_hash(0, name);
	it->reloaded = 0;
	for (uint32_t i = 0; i < l->nprobes; i++) {
		const struct patched_probe *pr = &l->probes[i];
		struct np_elf_image im = { it->bias, it->phdr, it->phnum };

		/* Unloaded and loaded again at the same address (a name
		 * and a bias do not tell loads apart): the new load's
		 * slots hold what the linker put there, never our hook,
		 * and another file there may not even have the slot.
		 * Listed objects stay mapped while this callback runs. */
		if (pr->bias == it->bias && pr->name_hash == it->name_hash)
			it->reloaded =
				!np_got_contains(&im, pr->slot) ||
				atomic_load_explicit((_Atomic uintptr_t *)pr->slot,
						     memory_order_relaxed) !=
					pr->hook;
	}
	return 0;
}

/* Under the loader's lock, as list_cb: an object of another namespace. */
static int ns_copy(long lmid, const char *name, uint64_t bias, void *arg)
{
	struct listing *l = arg;
	size_t len = strlen(name);
	struct listed *it;

	if (l->n == LIST_MAX || len >= NAME_MAX_LEN ||
	    l->names_used + len + 1 > LIST_NAMES)
		return 1;
	it = &l->items[l->n++];
	memset(it, 0, sizeof(*it));
	it->bias = bias;
	it->lmid = (uint8_t)lmid;
	it->name_off = l->names_used;
	memcpy(l->names + l->names_used, name, len + 1);
	l->names_used += (uint32_t)len + 1;
	it->name_hash = np_ns_name_hash(lmid, name);
	return 0;
}

/* The entered namespaces in which only their libc is left (the program
 * closed the rest): our anchor alone keeps that libc loaded. */
static uint32_t only_libc_left(const struct listing *ls)
{
	uint32_t count[NP_NS_MAX] = { 0 }, libc[NP_NS_MAX] = { 0 };
	uint32_t left = 0;

	if (ls->truncated)
		return 0;
	for (uint32_t j = 0; j < ls->n; j++) {
		const struct listed *it = &ls->items[j];

		count[it->lmid]++;
		if (it->lmid && it->bias == ls->ns.libc_bias[it->lmid])
			libc[it->lmid] = 1;
	}
	for (int k = 1; k < NP_NS_MAX; k++)
		if ((ls->ns.entered & (1u << k)) && count[k] == 1 && libc[k])
			left |= 1u << k;
	return left;
}

static void unpatch(unsigned int modes, int only_lmid);

/* Puts back what we patched in namespace K and lets its libc go. */
static void release_namespace(int k)
{
	if (np_ns_release_begin(k) != 0)
		return;
	unpatch(~0u, k);
	np_ns_release_end(k);
}

static struct lib *find_lib(uint64_t bias, uint64_t name_hash)
{
	for (int i = 0; i < table.nlibs; i++)
		if (table.libs[i].bias == bias &&
		    table.libs[i].name_hash == name_hash)
			return &table.libs[i];
	return NULL;
}

/* The patched slot of L that tells whether its object is still the one
 * patched (see choose_probe), NULL when none is. */
static const struct np_got_slot *probe_slot(const struct lib *l)
{
	if (l->state != LIB_PATCHABLE || !l->modes || l->nslots == 0)
		return NULL;
	return &l->slots[l->probe];
}

/* With L's object pinned: whether it is another load than the one whose
 * slots L patched (see list_cb). */
static int reloaded(const struct lib *l, const struct np_elf_image *im)
{
	const struct np_got_slot *slot = probe_slot(l);

	if (!slot)
		return 0;
	return !np_got_contains(im, slot->addr) ||
	       atomic_load_explicit((_Atomic uintptr_t *)slot->addr,
				    memory_order_relaxed) !=
		       np_hook_address(l->lmid, slot->func);
}

static uint64_t code_key(const struct lib *l)
{
	return l->bias ^ l->name_hash;
}

/* Forgets entry I; the key of its early unwind table, if any. */
static uint32_t drop_lib(int i)
{
	struct lib *l = &table.libs[i];
	uint32_t key = l->cfi_key;

	np_pages_free(l->slots, l->slots_bytes);
	if (l->state == LIB_PATCHABLE)
		np_coderanges_remove(code_key(l));
	if (l->lazy_until_ns)
		table.lazy_libs--;
	*l = table.libs[--table.nlibs];
	return key;
}

/* A key for an early unwind table, never 0. */
static uint32_t next_cfi_key(void)
{
	static _Atomic uint32_t last;
	uint32_t k;

	do
		k = atomic_fetch_add(&last, 1) + 1;
	while (!(k & ~NP_CFI_EARLY_KEY));
	return k & ~NP_CFI_EARLY_KEY;
}

/* Whether SLOT's value is the bound function (not a lazy PLT entry). */
static int is_bound(int lmid, const struct np_elf_image *im,
		    const struct np_got_slot *s)
{
	if (!s->value || s->value == np_hook_address(lmid, s->func))
		return 0;
	return !(s->undefined && np_got_contains(im, s->value));
}

/* Slots of MODES in IM (pinned), in fresh pages; the count, or -1. */
static int read_slots(const struct np_elf_image *im, unsigned int modes,
		      struct np_got_slot **out, size_t *bytes)
{
	int n, cap = 64;

	(void)modes; /* one mode so far: every name is a MEM hook */
	for (;;) {
		*bytes = (size_t)cap * sizeof(**out);
		*out = np_pages_alloc(*bytes);
		if (!*out)
			return -1;
		n = np_got_find(im, np_hook_names, NP_HF_COUNT, *out, cap);
		if (n <= cap)
			break;
		np_pages_free(*out, *bytes);
		cap = n;
	}
	if (n <= 0) {
		np_pages_free(*out, *bytes);
		*out = NULL;
		*bytes = 0;
	}
	return n;
}

/*
 * The real functions of namespace LMID, from IM's slots as the linker
 * bound them.  Another namespace's dlopen, dlmopen and dlclose slots lead
 * to the base's, which come from the base alone.
 */
static void resolve_reals(int lmid, const struct np_elf_image *im,
			  const struct np_got_slot *slots, int n)
{
	for (int i = 0; i < n; i++)
		if ((lmid == 0 || slots[i].func < NP_HF_DLOPEN) &&
		    is_bound(lmid, im, &slots[i]) &&
		    !np_hook_real(lmid, slots[i].func))
			np_hook_set_real(lmid, slots[i].func, slots[i].value);
	/* A lazy slot tells nothing: ask the global scope, in the order a
	 * call would bind (a preloaded allocator comes first).  Never
	 * RTLD_NEXT: that would skip what comes before the agent.  In
	 * another namespace, never the base's functions (another heap):
	 * that namespace's libc's. */
	for (int f = 0; f < NP_HF_COUNT; f++) {
		uintptr_t p;

		if (np_hook_real(lmid, f))
			continue;
		if (lmid == 0)
			p = (uintptr_t)dlsym(RTLD_DEFAULT, np_hook_names[f]);
		else if (f < NP_HF_DLOPEN)
			p = np_ns_libc_symbol(lmid, np_hook_names[f]);
		else
			continue;
		if (p)
			np_hook_set_real(lmid, f, p);
	}
}

/*
 * The slot to tell L's load by, with L pinned: best one that was bound
 * when patched, as the linker's lazy resolver writes only slots that were
 * not; such a slot leads to the hook for as long as the load lasts (a
 * lazy one that does not may be the resolver's doing, see recheck_lazy).
 * Of those, a GOT slot rather than a pointer in data, which the program
 * may set itself.
 */
static void choose_probe(struct lib *l)
{
	int best_rank = -1;

	l->probe = 0;
	for (int i = 0; i < l->nslots && best_rank < 2; i++) {
		const struct np_got_slot *s = &l->slots[i];
		int rank = !is_bound(l->lmid, &l->im, s) ? 0
			   : s->kind == NP_GOT_ABS	 ? 1
							 : 2;

		if (rank > best_rank) {
			l->probe = i;
			best_rank = rank;
		}
	}
	l->probe_bound = best_rank > 0;
}

/* Under the lock: patches what L's read found; L is pinned. */
static void patch_locked(struct lib *l, struct np_got_slot *slots, int n,
			 size_t bytes)
{
	uintptr_t values[64];
	size_t pagesize = (size_t)sysconf(_SC_PAGESIZE);
	int kept = 0;

	/* Slots whose function has no real one stay as they are. */
	for (int i = 0; i < n; i++)
		if (np_hook_real(l->lmid, slots[i].func))
			slots[kept++] = slots[i];
	for (int at = 0; at < kept; at += 64) {
		int chunk = kept - at < 64 ? kept - at : 64;
		uint8_t done[64];
		int k = 0;

		for (int i = 0; i < chunk; i++)
			values[i] = np_hook_address(l->lmid,
						    slots[at + i].func);
		np_got_write(&l->im, slots + at, chunk, values, NULL, done,
			     pagesize);
		for (int i = 0; i < chunk; i++) {
			struct np_got_slot *s = &slots[at + i];

			/* Patched already (an entry dropped and made again
			 * for the same load): what it stood for is the real
			 * function, which unpatching must put back. */
			if (s->value == values[i])
				s->value = np_hook_real(l->lmid, s->func);
			if (done[i])
				slots[at + k++] = *s;
		}
		/* Compact what was written to the front. */
		memmove(slots + l->nslots, slots + at,
			(size_t)k * sizeof(*slots));
		l->nslots += k;
	}
	l->slots = slots;
	l->slots_bytes = bytes;
	l->modes |= NP_HOOK_MODE_MEM;
	choose_probe(l);
	for (int i = 0; i < l->nslots; i++)
		if (!is_bound(l->lmid, &l->im, &l->slots[i])) {
			if (!l->lazy_until_ns)
				table.lazy_libs++;
			l->lazy_until_ns = np_clock_ns() + LAZY_RECHECK_NS;
			break;
		}
}

/* With L's object pinned: whether its slot that was bound when patched
 * (if it has one) no longer leads to us, so the object is another load. */
static int another_load(const struct lib *l)
{
	const struct np_got_slot *slot = probe_slot(l);

	return slot && l->probe_bound &&
	       atomic_load_explicit((_Atomic uintptr_t *)slot->addr,
				    memory_order_relaxed) !=
		       np_hook_address(l->lmid, slot->func);
}

/*
 * A lazy PLT slot (not bound yet when patched) can lose its patch: a
 * thread already in the dynamic linker's resolver for it when we wrote it
 * stores the function it found afterwards, and calls through the slot then
 * bypass the hook for the rest of the session.  Such a resolver finishes
 * within microseconds, or milliseconds if its thread is descheduled, so
 * for a while after patching, the writer looks at the lazy slots again and
 * puts the hook back where the linker wrote over it; what the linker wrote
 * is what unpatching restores.  The library is pinned meanwhile.
 */
static void recheck_lazy(void)
{
	size_t pagesize = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t now = np_clock_ns();

	for (int i = 0;; i++) {
		char name[NAME_MAX_LEN];
		uint64_t bias, name_hash;
		void *handle;
		struct lib *l;
		int lmid;

		lock();
		/* Past the end, or nothing left to check: done. */
		while (i < table.nlibs && !table.libs[i].lazy_until_ns)
			i++;
		if (i >= table.nlibs || !table.lazy_libs) {
			unlock();
			return;
		}
		l = &table.libs[i];
		if (now > l->lazy_until_ns || !(l->modes & NP_HOOK_MODE_MEM)) {
			l->lazy_until_ns = 0;
			table.lazy_libs--;
			unlock();
			continue;
		}
		bias = l->bias;
		name_hash = l->name_hash;
		lmid = l->lmid;
		memcpy(name, l->name, sizeof(name));
		unlock();
		if (lmid && np_ns_enter(lmid) != 0)
			continue; /* its namespace is being let go */
		if (np_ns_pin(lmid, name, bias, &handle, NULL, NULL) != 0) {
			if (lmid)
				np_ns_leave(lmid);
			continue; /* gone: sync drops it */
		}
		lock();
		l = find_lib(bias, name_hash);
		/* Loaded again at that address since: the new load's slots
		 * are the linker's, not the resolver's; sync patches it. */
		if (l && another_load(l)) {
			table.synced = 0;
			l = NULL;
		}
		for (int k = 0; l && (l->modes & NP_HOOK_MODE_MEM) &&
				k < l->nslots;
		     k++) {
			struct np_got_slot *s = &l->slots[k];
			uintptr_t hook = np_hook_address(l->lmid, s->func), cur;
			uint8_t done;

			if (is_bound(l->lmid, &l->im, s))
				continue;
			cur = atomic_load_explicit((_Atomic uintptr_t *)s->addr,
						   memory_order_relaxed);
			if (cur == hook || cur == s->value)
				continue;
			np_got_write(&l->im, s, 1, &hook, &cur, &done,
				     pagesize);
			if (done) {
				s->value = cur;
				table.repaired++;
			}
		}
		unlock();
		np_ns_unpin(handle);
		if (lmid)
			np_ns_leave(lmid);
	}
}

/* Pins, reads and patches one listed object. */
static void add_one(struct listing *ls, struct listed *it, unsigned int modes)
{
	const char *name = ls->names + it->name_off;
	struct np_elf_image im = { it->bias, it->phdr, it->phnum };
	struct np_got_slot *slots = NULL;
	size_t bytes = 0;
	void *handle;
	struct lib *l;
	uint32_t old_key = 0, new_key = 0;
	int n, skip = it->excluded, fresh = 0;

	if (!skip && np_ns_pin(it->lmid, name, it->bias, &handle,
			       it->lmid ? &im.phdr : NULL, &im.phnum) != 0) {
		struct counters now = { 0, 0 };

		/* Unloaded since the listing: not to be skipped, only gone;
		 * a new load under that name and address must be patched. */
		dl_iterate_phdr(counters_cb, &now);
		if (now.subs != ls->subs)
			return;
		skip = 1;
	}
	if (skip) {
		lock();
		if (!find_lib(it->bias, it->name_hash) &&
		    table.nlibs < MAX_LIBS) {
			l = &table.libs[table.nlibs++];
			memset(l, 0, offsetof(struct lib, name));
			l->bias = it->bias;
			l->name_hash = it->name_hash;
			l->state = LIB_SKIPPED;
			l->lmid = it->lmid;
			strcpy(l->name, name);
		}
		unlock();
		return;
	}
	if (it->lmid) {
		/* Another namespace's objects are listed without their
		 * program headers, so whether a patched one is still the
		 * load that was patched is only known now, pinned. */
		lock();
		l = find_lib(it->bias, it->name_hash);
		if (l && l->state == LIB_PATCHABLE &&
		    (l->modes & modes) == modes && !reloaded(l, &im)) {
			unlock();
			np_ns_unpin(handle);
			return;
		}
		unlock();
		np_hook_bind_namespace(it->lmid,
				       ls->ns.libc_bias[it->lmid]);
	}
	/* The library may be gone before the writer lists it. */
	np_module_note_post(name, it->lmid, it->bias, im.phdr, im.phnum);
	n = read_slots(&im, modes, &slots, &bytes);
	if (n > 0)
		resolve_reals(it->lmid, &im, slots, n);
	lock();
	l = find_lib(it->bias, it->name_hash);
	if (!l && table.nlibs < MAX_LIBS) {
		l = &table.libs[table.nlibs++];
		memset(l, 0, offsetof(struct lib, name));
		l->bias = it->bias;
		l->name_hash = it->name_hash;
		l->state = LIB_PATCHABLE;
		l->lmid = it->lmid;
		strcpy(l->name, name);
		np_coderanges_add(&im, code_key(l));
		fresh = 1;
	}
	if (l && reloaded(l, &im)) {
		/* What the entry holds belongs to an earlier load. */
		fresh = 1;
		np_coderanges_remove(code_key(l));
		np_coderanges_add(&im, code_key(l));
		np_pages_free(l->slots, l->slots_bytes);
		l->slots = NULL;
		l->slots_bytes = 0;
		l->nslots = 0;
		l->modes = 0;
	}
	/* A session that ended meanwhile has unpatched, or will: its
	 * snapshot comes after this check (both under the lock). */
	if (l && l->state == LIB_PATCHABLE && !(l->modes & modes) &&
	    (table.enabled & modes) == modes) {
		l->im = im;
		np_pages_free(l->slots, l->slots_bytes);
		l->slots = NULL;
		l->nslots = 0;
		if (n > 0) {
			patch_locked(l, slots, n, bytes);
			slots = NULL;
		} else {
			l->modes |= modes;
		}
	}
	if (l && fresh && l->state == LIB_PATCHABLE &&
	    (ls->early == EARLY_ALWAYS ||
	     (ls->early == EARLY_UNCOVERED && !np_cfi_tables_cover(it->bias)))) {
		old_key = l->cfi_key;
		new_key = l->cfi_key = next_cfi_key();
		atomic_fetch_add(&building, 1);
	}
	unlock();
	np_pages_free(slots, bytes);
	/* Its callers' frames are found by this table from the first call
	 * into it, as the caller of dlopen makes at once. */
	if (old_key)
		np_cfi_tables_drop_early(old_key);
	if (new_key) {
		np_cfi_tables_add_early(new_key, it->bias, im.phdr, im.phnum);
		atomic_fetch_sub(&building, 1);
	}
	np_ns_unpin(handle);
}

/*
 * A dlopen hook's sync that finds a load patched by another sync leaves
 * it alone, and its caller calls into it at once: it waits until the
 * early tables that other syncs are building are there (a few
 * milliseconds; BUILD_WAIT_NS at most).
 */
static void wait_for_tables(void)
{
	uint64_t deadline = np_clock_ns() + BUILD_WAIT_NS;

	while (atomic_load(&building) && np_clock_ns() < deadline)
		sched_yield();
}

static int sync_listed(unsigned int modes, int early)
{
	struct listing *ls;
	struct counters now = { 0, 0 };
	uint32_t ns = np_ns_known(), released;

	dl_iterate_phdr(counters_cb, &now);
	lock();
	if (!table.libs) {
		table.libs = np_pages_alloc(MAX_LIBS * sizeof(struct lib));
		if (!table.libs) {
			unlock();
			return -ENOMEM;
		}
	}
	if (table.synced && table.synced_modes == modes &&
	    table.synced_ns == ns && table.adds == now.adds &&
	    table.subs == now.subs) {
		int lazy = table.lazy_libs;

		unlock();
		if (lazy)
			recheck_lazy();
		return 0;
	}
	unlock();
	ls = np_pages_alloc(sizeof(*ls));
	if (!ls)
		return -ENOMEM;
	ls->early = early;
	lock();
	for (int i = 0; i < table.nlibs; i++) {
		const struct np_got_slot *slot = probe_slot(&table.libs[i]);

		if (slot) {
			struct patched_probe *pr = &ls->probes[ls->nprobes++];

			pr->bias = table.libs[i].bias;
			pr->name_hash = table.libs[i].name_hash;
			pr->slot = slot->addr;
			pr->hook = np_hook_address(table.libs[i].lmid,
						   slot->func);
		}
	}
	unlock();
	dl_iterate_phdr(list_cb, ls);
	np_ns_list_all(ns_copy, ls, &ls->ns);
	/* Unlisted is not proof of gone. */
	if (ls->ns.partial || ls->ns.stopped)
		ls->truncated = 1;

	/* Forget what is gone: its memory may be unmapped already. */
	lock();
	for (int i = 0; i < table.nlibs;) {
		struct lib *l = &table.libs[i];
		int listed = 0;

		for (uint32_t j = 0; j < ls->n; j++)
			if (ls->items[j].bias == l->bias &&
			    ls->items[j].name_hash == l->name_hash) {
				listed = 1;
				/* Another namespace's patched objects are
				 * checked by add_one, pinned. */
				ls->items[j].known =
					l->state == LIB_SKIPPED ||
					((l->modes & modes) == modes &&
					 !ls->items[j].reloaded &&
					 !ls->items[j].lmid);
				break;
			}
		if (!listed && !ls->truncated) {
			uint32_t key = drop_lib(i);

			if (key)
				ls->dropped[ls->ndropped++] = key;
		} else {
			i++;
		}
	}
	unlock();
	for (uint32_t k = 0; k < ls->ndropped; k++)
		np_cfi_tables_drop_early(ls->dropped[k]);

	for (uint32_t j = 0; j < ls->n; j++)
		if (!ls->items[j].known)
			add_one(ls, &ls->items[j], modes);

	lock();
	/* Counters only move forward: keep the newest seen. */
	if (!table.synced || ls->adds > table.adds ||
	    (ls->adds == table.adds && ls->subs >= table.subs)) {
		table.adds = ls->adds;
		table.subs = ls->subs;
	}
	table.synced = 1;
	table.synced_modes = modes;
	table.synced_ns = ns;
	unlock();
	released = only_libc_left(ls);
	np_ns_leave_all(ls->ns.entered);
	np_pages_free(ls, sizeof(*ls));
	for (int k = 1; k < NP_NS_MAX; k++)
		if (released & (1u << k))
			release_namespace(k);
	return 0;
}

static int sync_libs(unsigned int modes, int early)
{
	int err = sync_listed(modes, early);

	if (early == EARLY_ALWAYS)
		wait_for_tables();
	return err;
}

int np_hooktab_sync(unsigned int modes)
{
	return sync_libs(modes, EARLY_NONE);
}

int np_hooktab_sync_tick(unsigned int modes)
{
	return sync_libs(modes, EARLY_UNCOVERED);
}

int np_hooktab_sync_opened(unsigned int modes)
{
	return sync_libs(modes, EARLY_ALWAYS);
}

/*
 * Puts back every slot of MODES in the libraries of namespace ONLY_LMID
 * (all namespaces if negative) that are still loaded.  A namespace other
 * than the base is entered first, unless the caller is releasing it.
 */
static void unpatch(unsigned int modes, int only_lmid)
{
	size_t pagesize = (size_t)sysconf(_SC_PAGESIZE);
	struct {
		uint64_t bias, name_hash;
		int lmid;
	} *todo;
	size_t todo_bytes = MAX_LIBS * sizeof(*todo);
	int ntodo = 0;

	todo = np_pages_alloc(todo_bytes);
	if (!todo)
		return;
	lock();
	for (int i = 0; i < table.nlibs; i++)
		if ((table.libs[i].modes & modes) &&
		    (only_lmid < 0 || table.libs[i].lmid == only_lmid)) {
			todo[ntodo].bias = table.libs[i].bias;
			todo[ntodo].name_hash = table.libs[i].name_hash;
			todo[ntodo].lmid = table.libs[i].lmid;
			ntodo++;
		}
	unlock();
	for (int t = 0; t < ntodo; t++) {
		int enter = only_lmid < 0 && todo[t].lmid;
		char name[NAME_MAX_LEN];
		struct lib *l;
		void *handle;

		/* A namespace being released is unpatched by its releaser. */
		if (enter && np_ns_enter(todo[t].lmid) != 0)
			continue;
		lock();
		l = find_lib(todo[t].bias, todo[t].name_hash);
		if (l)
			memcpy(name, l->name, sizeof(name));
		unlock();
		if (!l || np_ns_pin(todo[t].lmid, name, todo[t].bias, &handle,
				    NULL, NULL) != 0) {
			if (enter)
				np_ns_leave(todo[t].lmid);
			continue; /* gone: nothing of it may be touched */
		}
		lock();
		l = find_lib(todo[t].bias, todo[t].name_hash);
		if (l && (l->modes & modes)) {
			for (int at = 0; at < l->nslots; at += 64) {
				uintptr_t olds[64], news[64];
				int chunk = l->nslots - at < 64 ? l->nslots - at
								 : 64;

				for (int i = 0; i < chunk; i++) {
					olds[i] = np_hook_address(
						l->lmid, l->slots[at + i].func);
					news[i] = l->slots[at + i].value;
				}
				/* A slot that no longer leads to us (the
				 * library was reloaded) keeps its value. */
				np_got_write(&l->im, l->slots + at, chunk,
					     news, olds, NULL, pagesize);
			}
			np_pages_free(l->slots, l->slots_bytes);
			l->slots = NULL;
			l->slots_bytes = 0;
			l->nslots = 0;
			l->modes &= ~modes;
		}
		unlock();
		np_ns_unpin(handle);
		if (enter)
			np_ns_leave(todo[t].lmid);
	}
	np_pages_free(todo, todo_bytes);
}

void np_hooktab_unpatch(unsigned int modes)
{
	lock();
	table.enabled &= ~modes;
	table.synced = 0;
	unlock();
	unpatch(modes, -1);
	/* Our anchors must not keep namespaces loaded after the session. */
	for (int k = 1; k < NP_NS_MAX; k++)
		release_namespace(k);
}

void np_hooktab_stats(struct np_hooktab_stats *st)
{
	memset(st, 0, sizeof(*st));
	lock();
	for (int i = 0; i < table.nlibs; i++) {
		if (table.libs[i].state == LIB_SKIPPED)
			st->skipped++;
		else if (table.libs[i].modes) {
			st->libraries++;
			st->slots += (uint32_t)table.libs[i].nslots;
		}
	}
	st->repaired = table.repaired;
	unlock();
}
