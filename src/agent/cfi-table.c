/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unwind tables and their publication (see cfi-table.h).  Building runs the
 * CFI of every FDE listed in .eh_frame_hdr (sorted by address) and keeps a
 * row only where the rules the unwinder uses change: most FDE rows only
 * save other callee-saved registers, and merge with their neighbours.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "cfi-table.h"
#include "shard.h"
#include "mem.h"

#define PAGE 4096u
#define MAX_TABLES 4096
/* Give up on readers that do not leave after this long: leak, not crash. */
#define GRACE_TIMEOUT_NS 1000000000ull

/* The registry's lock: the writer and a thread in a dlopen hook may both
 * change it.  Never taken by readers, nor held while calling out. */
static atomic_flag reg_lock = ATOMIC_FLAG_INIT;

static size_t round_page(size_t n)
{
	return (n + PAGE - 1) & ~(size_t)(PAGE - 1);
}

/* A table being built, in a mapping that grows. */
struct builder {
	struct np_cfi_table *t;
	uint32_t cap;
	int failed;
};

static int grow(struct builder *b)
{
	size_t old = b->t->map_size;
	size_t size = round_page(old * 2);
	void *p = np_pages_resize(b->t, old, size);

	if (!p) {
		b->failed = 1;
		return -1;
	}
	b->t = p;
	b->t->map_size = size;
	b->cap = (uint32_t)((size - sizeof(*b->t)) / sizeof(struct np_cfi_row));
	return 0;
}

static int same_rule(const struct np_cfi_row *a, const struct np_cfi_row *b)
{
	return a->kind == b->kind && a->cfa_off == b->cfa_off &&
	       a->fp_off == b->fp_off && a->aux == b->aux;
}

/* Appends ROW keeping rows sorted and merged. */
static int append(struct builder *b, const struct np_cfi_row *row)
{
	struct np_cfi_table *t = b->t;

	/* A later FDE that overlaps an earlier one wins from its start. */
	while (t->nrows && t->rows[t->nrows - 1].pc > row->pc)
		t->nrows--;
	if (t->nrows && t->rows[t->nrows - 1].pc == row->pc)
		t->nrows--;
	if (t->nrows && same_rule(&t->rows[t->nrows - 1], row))
		return 0;
	if (t->nrows == b->cap && grow(b) != 0)
		return -1;
	b->t->rows[b->t->nrows++] = *row;
	return 0;
}

static int emit(void *arg, uint64_t pc, const struct np_cfi_rule *rule)
{
	struct builder *b = arg;
	struct np_cfi_row row;

	if (pc < b->t->base || pc - b->t->base > UINT32_MAX)
		return -1;
	np_cfi_row_from_rule(rule, (uint32_t)(pc - b->t->base), &row);
	return append(b, &row);
}

static int add_none(struct builder *b, uint64_t pc)
{
	struct np_cfi_row row;

	if (pc < b->t->base || pc - b->t->base > UINT32_MAX)
		return -1;
	memset(&row, 0, sizeof(row));
	row.pc = (uint32_t)(pc - b->t->base);
	row.kind = NP_CFA_NONE;
	return append(b, &row);
}

/* Where the index ends: all of the table is before. */
static size_t index_end(const struct np_cfi_table *t)
{
	return round_page(sizeof(*t) + t->nrows * sizeof(t->rows[0]) +
			  t->nidx * sizeof(uint32_t));
}

/*
 * Adds the index by address that cuts a lookup's binary search to a few
 * rows: buckets of a power-of-two size, about one per eight rows.
 */
static int add_index(struct builder *b)
{
	uint64_t range = b->t->end - b->t->base;
	uint64_t want = b->t->nrows / 8 + 1;
	uint32_t shift = 4, j = 0;
	uint32_t *idx;

	while (shift < 31 && (range >> shift) + 1 > want)
		shift++;
	b->t->shift = shift;
	b->t->nidx = (uint32_t)(range >> shift) + 2;
	while (index_end(b->t) > b->t->map_size)
		if (grow(b) != 0)
			return -1;
	idx = (uint32_t *)(void *)(b->t->rows + b->t->nrows);
	for (uint32_t k = 0; k < b->t->nidx; k++) {
		uint64_t at = (uint64_t)k << shift;

		while (j + 1 < b->t->nrows && b->t->rows[j + 1].pc <= at)
			j++;
		idx[k] = j;
	}
	b->t->idx = idx;
	return 0;
}

struct np_cfi_table *np_cfi_table_from_hdr(const struct np_cfi_mem *mem,
					   uint64_t hdr)
{
	struct np_cfi_hdr h;
	struct builder b = { 0 };
	uint64_t start, fde, end = 0;
	size_t size;

	if (np_cfi_hdr_parse(mem, hdr, &h) != 0 || !h.table ||
	    h.fde_count == 0 || h.fde_count > UINT32_MAX ||
	    np_cfi_hdr_entry(mem, &h, 0, &start, &fde) != 0)
		return NULL;
	/* Most functions need a few rows: start with four per FDE. */
	size = round_page(sizeof(*b.t) + h.fde_count * 4 * sizeof(b.t->rows[0]));
	b.t = np_pages_alloc(size);
	if (!b.t)
		return NULL;
	b.t->map_size = size;
	b.t->base = start;
	b.cap = (uint32_t)((size - sizeof(*b.t)) / sizeof(b.t->rows[0]));
	for (uint64_t i = 0; i < h.fde_count && !b.failed; i++) {
		struct np_cfi_fde_info info;
		uint32_t before = b.t->nrows;
		int err;

		if (np_cfi_hdr_entry(mem, &h, i, &start, &fde) != 0)
			break;
		err = np_cfi_fde_run(mem, fde, &info, emit, &b);
		if (b.failed)
			break;
		if (err != 0) {
			/* Its rows go (the first may have replaced the end
			 * of the last FDE: that end is put back); the range
			 * falls back to frame pointers. */
			b.t->nrows = before;
			b.t->bad_fdes++;
			add_none(&b, start);
			continue;
		}
		b.t->nfdes++;
		if (info.end > end)
			end = info.end;
		if (info.end > info.start)
			add_none(&b, info.end);
	}
	if (b.failed || b.t->nrows == 0) {
		np_cfi_table_free(b.t);
		return NULL;
	}
	if (end - b.t->base > UINT32_MAX)
		end = b.t->base + UINT32_MAX;
	b.t->end = end;
	if (add_index(&b) != 0) {
		np_cfi_table_free(b.t);
		return NULL;
	}
	/* Give back what was not used. */
	size = index_end(b.t);
	if (size < b.t->map_size) {
		np_pages_free((char *)b.t + size, b.t->map_size - size);
		b.t->map_size = size;
	}
	return b.t;
}

struct np_cfi_table *np_cfi_table_build(uint64_t bias,
					const ElfW(Phdr) *phdr,
					unsigned int phnum)
{
	const ElfW(Phdr) *eh = NULL;
	struct np_cfi_mem mem = { 0, 0 };

	for (unsigned int i = 0; i < phnum; i++)
		if (phdr[i].p_type == PT_GNU_EH_FRAME)
			eh = &phdr[i];
	if (!eh)
		return NULL;
	/* The CFI may be read only inside the one segment that maps the
	 * header: between segments there may be holes. */
	for (unsigned int i = 0; i < phnum; i++) {
		const ElfW(Phdr) *ld = &phdr[i];

		if (ld->p_type == PT_LOAD && (ld->p_flags & PF_R) &&
		    eh->p_vaddr >= ld->p_vaddr &&
		    eh->p_vaddr < ld->p_vaddr + ld->p_filesz) {
			mem.lo = bias + ld->p_vaddr;
			mem.hi = bias + ld->p_vaddr + ld->p_filesz;
		}
	}
	if (!mem.hi)
		return NULL;
	return np_cfi_table_from_hdr(&mem, bias + eh->p_vaddr);
}

void np_cfi_table_free(struct np_cfi_table *t)
{
	if (t)
		np_pages_free(t, t->map_size);
}

const struct np_cfi_row *np_cfi_table_find(const struct np_cfi_table *t,
					   uint64_t pc)
{
	const struct np_cfi_row *r;
	uint32_t off, k, n;

	if (pc < t->base || pc >= t->end)
		return NULL;
	off = (uint32_t)(pc - t->base);
	k = off >> t->shift;
	/* The last row that starts at or before PC lies between the rows
	 * that cover this bucket's start and the next one's; the search is
	 * branch-free (its branches would mispredict half the time). */
	r = &t->rows[t->idx[k]];
	n = t->idx[k + 1] - t->idx[k] + 1;
	while (n > 1) {
		uint32_t half = n / 2;

		r = r[half].pc <= off ? r + half : r;
		n -= half;
	}
	return r->pc <= off ? r : NULL;
}

/*
 * The published set: tables sorted by base, and their bases side by side,
 * so that finding the table of a PC reads one or two cache lines rather
 * than a table header per step of the search.  Then a cache of where the
 * rows of recent PCs are: a stack is mostly the same few return addresses
 * again (in exact mode, millions of times a second), and checking a hint
 * costs three dependent loads where the searches cost a dozen.  A hint is
 * one word (table and row index), written by whichever reader searched;
 * it is only a guess, checked against the table before use, so a stale
 * or clobbered one costs a search, never a wrong row.  It lives and dies
 * with the set, so a new set starts with no hints.
 */
#define HINT_BITS 12
struct np_cfi_set {
	size_t map_size;
	uint32_t n;
	const uint64_t *bases; /* follows t[] */
	_Atomic uint64_t *hints; /* 1 << HINT_BITS, after bases */
	const struct np_cfi_table *t[];
};

static _Atomic(struct np_cfi_set *) current;
/* How many sets were published: what a walk saw stays true until then. */
static _Atomic uint64_t generation;

uint64_t np_cfi_generation(void)
{
	return atomic_load_explicit(&generation, memory_order_acquire);
}
static _Atomic unsigned int epoch;
/*
 * Readers inside, per epoch parity and per shard (shard.h), so that
 * threads that allocate at full speed in exact mode do not pass one cache
 * line to and fro twice per event.  The writer waits for every shard of a
 * parity.
 */
static struct {
	_Atomic uint64_t n;
	char pad[64 - sizeof(uint64_t)];
} inside[2][NP_SHARDS] __attribute__((aligned(64)));

const struct np_cfi_set *np_cfi_enter(unsigned int *slot)
{
	unsigned int parity = atomic_load(&epoch) & 1, k = np_thread_shard();

	*slot = parity * NP_SHARDS + k;
	atomic_fetch_add(&inside[parity][k].n, 1);
	return atomic_load(&current);
}

void np_cfi_leave(unsigned int slot)
{
	atomic_fetch_sub(&inside[slot / NP_SHARDS][slot % NP_SHARDS].n, 1);
}

static struct registry *reg;

void np_cfi_after_fork(void)
{
	/* The threads that were reading did not come along; nor did one
	 * that held the lock, and what it was changing (tables half
	 * sorted in, sets half freed) is half done in this copy: forgotten,
	 * never walked.  The published set stays whole either way. */
	if (atomic_flag_test_and_set(&reg_lock))
		reg = NULL;
	atomic_flag_clear(&reg_lock);
	for (int p = 0; p < 2; p++)
		for (int k = 0; k < NP_SHARDS; k++)
			atomic_store(&inside[p][k].n, 0);
}

static uint32_t hint_slot(uint64_t pc)
{
	return (uint32_t)((pc * 0x9e3779b97f4a7c15ull) >> (64 - HINT_BITS));
}

/* The row HINT points to, if it is the one that covers PC. */
static const struct np_cfi_row *check_hint(const struct np_cfi_set *set,
					   uint64_t hint, uint64_t pc)
{
	uint32_t ti = (uint32_t)(hint >> 32), ri = (uint32_t)hint, off;
	const struct np_cfi_table *t;
	const struct np_cfi_row *r;

	if (ti >= set->n)
		return NULL;
	t = set->t[ti];
	if (pc < t->base || pc >= t->end || ri >= t->nrows)
		return NULL;
	off = (uint32_t)(pc - t->base);
	r = &t->rows[ri];
	/* The last row that starts at or before PC, as the search finds. */
	if (r->pc > off || (ri + 1 < t->nrows && r[1].pc <= off))
		return NULL;
	return r;
}

const struct np_cfi_row *np_cfi_find(const struct np_cfi_set *set,
				     uint64_t pc)
{
	_Atomic uint64_t *hint;
	const struct np_cfi_row *r;
	uint32_t lo = 0, hi;

	if (!set || set->n == 0)
		return NULL;
	hint = &set->hints[hint_slot(pc)];
	r = check_hint(set, atomic_load_explicit(hint, memory_order_relaxed),
		       pc);
	if (r)
		return r;
	hi = set->n;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (set->bases[mid] <= pc)
			lo = mid;
		else
			hi = mid;
	}
	r = np_cfi_table_find(set->t[lo], pc);
	if (r)
		atomic_store_explicit(hint,
				      (uint64_t)lo << 32 |
					      (uint64_t)(r - set->t[lo]->rows),
				      memory_order_relaxed);
	return r;
}

/* The writer's side: what the next publish will show, and what it frees. */
#define MAX_STALE 64
struct registry {
	uint32_t n;
	uint32_t nretired;
	uint32_t nstale;
	int dirty;
	struct np_cfi_table *t[MAX_TABLES];
	struct np_cfi_table *retired[MAX_TABLES];
	/* Sets swapped out by a publish that did not wait for readers. */
	struct np_cfi_set *stale[MAX_STALE + 1]; /* the last: a forced wait */
};

static void lock(void)
{
	while (atomic_flag_test_and_set_explicit(&reg_lock,
						 memory_order_acquire))
		sched_yield();
}

static void unlock(void)
{
	atomic_flag_clear_explicit(&reg_lock, memory_order_release);
}

static int ensure_registry(void)
{
	if (!reg)
		reg = np_pages_alloc(sizeof(*reg));
	return reg ? 0 : -ENOMEM;
}

static void publish_locked(int wait);

static void retire(struct np_cfi_table *t)
{
	if (reg->nretired == MAX_TABLES)
		publish_locked(1); /* frees the retired ones */
	reg->retired[reg->nretired++] = t;
	reg->dirty = 1;
}

/* Retires the tables at BIAS whose key is early and not KEEP. */
static void retire_early(uint64_t bias, uint32_t keep)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < reg->n; i++) {
		struct np_cfi_table *t = reg->t[i];

		if (t->bias == bias && (t->key & NP_CFI_EARLY_KEY) &&
		    t->key != keep)
			retire(t);
		else
			reg->t[k++] = t;
	}
	reg->n = k;
}

static void insert(struct np_cfi_table *t)
{
	uint32_t i;

	/* Sorted by base, a newer table after an older one at the same
	 * base, where lookups find it: the set is a copy of this array. */
	for (i = reg->n; i > 0 && reg->t[i - 1]->base > t->base; i--)
		reg->t[i] = reg->t[i - 1];
	reg->t[i] = t;
	reg->n++;
	reg->dirty = 1;
}

static int add(uint32_t key, uint64_t bias, const ElfW(Phdr) *phdr,
	       unsigned int phnum)
{
	struct np_cfi_table *t;
	int err = 0;

	/* Built before taking the lock: it takes milliseconds. */
	t = np_cfi_table_build(bias, phdr, phnum);
	if (!t)
		return -ENOENT;
	t->key = key;
	t->bias = bias;
	lock();
	if (ensure_registry() != 0)
		err = -ENOMEM;
	else if (reg->n == MAX_TABLES)
		err = -ENOSPC;
	if (err) {
		unlock();
		np_cfi_table_free(t);
		return err;
	}
	/* A module's own table replaces the one built early for it; an
	 * early one replaces an older early one at the same place. */
	retire_early(bias, 0);
	insert(t);
	if (key & NP_CFI_EARLY_KEY)
		publish_locked(0);
	unlock();
	return 0;
}

int np_cfi_tables_add(uint32_t key, uint64_t bias, const ElfW(Phdr) *phdr,
		      unsigned int phnum)
{
	return add(key & ~NP_CFI_EARLY_KEY, bias, phdr, phnum);
}

int np_cfi_tables_add_early(uint32_t key, uint64_t bias,
			    const ElfW(Phdr) *phdr, unsigned int phnum)
{
	return add(key | NP_CFI_EARLY_KEY, bias, phdr, phnum);
}

static void drop_locked(uint32_t key)
{
	uint32_t k = 0;

	if (!reg)
		return;
	for (uint32_t i = 0; i < reg->n; i++) {
		if (reg->t[i]->key == key)
			retire(reg->t[i]);
		else
			reg->t[k++] = reg->t[i];
	}
	reg->n = k;
}

void np_cfi_tables_drop(uint32_t key)
{
	lock();
	drop_locked(key);
	unlock();
}

void np_cfi_tables_drop_early(uint32_t key)
{
	lock();
	drop_locked(key | NP_CFI_EARLY_KEY);
	publish_locked(0);
	unlock();
}

void np_cfi_tables_drop_all(void)
{
	lock();
	if (reg) {
		for (uint32_t i = 0; i < reg->n; i++)
			retire(reg->t[i]);
		reg->n = 0;
	}
	unlock();
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Waits until every reader that could have loaded the old set has left:
 * such a reader counted itself (in either parity) before the swap, so once
 * each counter has been seen at zero after the swap it is gone.  Flipping
 * the epoch first sends new readers to the other counter, so the one
 * waited for drains.  Returns 0, or -1 on timeout.
 */
static int wait_grace(void)
{
	uint64_t deadline = now_ns() + GRACE_TIMEOUT_NS;

	for (int round = 0; round < 2; round++) {
		unsigned int old = atomic_fetch_add(&epoch, 1) & 1;

		for (int k = 0; k < NP_SHARDS; k++) {
			while (atomic_load(&inside[old][k].n) != 0) {
				struct timespec pause = { 0, 50000 };

				if (now_ns() > deadline)
					return -1;
				nanosleep(&pause, NULL);
			}
		}
	}
	return 0;
}

/*
 * Shows readers the registry as it is.  WAIT: then waits for those that
 * may still read what was swapped out or retired, and frees it.  Without
 * WAIT (a dlopen hook, on the program's own thread) what was swapped out
 * stays, for the writer's next publish to free.
 */
static void publish_locked(int wait)
{
	struct np_cfi_set *set = NULL, *old;
	size_t size;

	if (!reg || (!reg->dirty && !(wait && (reg->nstale || reg->nretired))))
		return;
	if (!wait && reg->nstale == MAX_STALE)
		wait = 1;
	if (!reg->dirty)
		goto reclaim;
	if (reg->n) {
		uint64_t *bases;

		size = round_page(sizeof(*set) +
				  reg->n * (sizeof(set->t[0]) + sizeof(*bases)) +
				  (sizeof(*set->hints) << HINT_BITS));
		set = np_pages_alloc(size);
		if (!set)
			return; /* stays dirty: tried again next time */
		set->map_size = size;
		set->n = reg->n;
		memcpy(set->t, reg->t, reg->n * sizeof(set->t[0]));
		bases = (uint64_t *)&set->t[reg->n];
		for (uint32_t i = 0; i < reg->n; i++)
			bases[i] = reg->t[i]->base;
		set->bases = bases;
		/* Fresh pages are zero: every hint says table 0, row 0,
		 * which checking tells right from wrong. */
		set->hints = (_Atomic uint64_t *)(bases + reg->n);
	}
	old = atomic_exchange(&current, set);
	atomic_fetch_add(&generation, 1);
	reg->dirty = 0;
	if (old)
		reg->stale[reg->nstale++] = old;
	if (!wait)
		return;
reclaim:
	if (wait_grace() != 0) {
		/* A reader is stuck inside: leak rather than pull the
		 * memory from under it. */
		reg->nretired = 0;
		reg->nstale = 0;
		return;
	}
	for (uint32_t i = 0; i < reg->nstale; i++)
		np_pages_free(reg->stale[i], reg->stale[i]->map_size);
	reg->nstale = 0;
	for (uint32_t i = 0; i < reg->nretired; i++)
		np_cfi_table_free(reg->retired[i]);
	reg->nretired = 0;
}

void np_cfi_tables_publish(void)
{
	lock();
	publish_locked(1);
	unlock();
}

int np_cfi_tables_cover(uint64_t bias)
{
	int found = 0;

	lock();
	for (uint32_t i = 0; reg && i < reg->n && !found; i++)
		found = reg->t[i]->bias == bias;
	unlock();
	return found;
}

size_t np_cfi_tables_bytes(void)
{
	size_t sum = 0;

	lock();
	for (uint32_t i = 0; reg && i < reg->n; i++)
		sum += reg->t[i]->map_size;
	unlock();
	return sum;
}
