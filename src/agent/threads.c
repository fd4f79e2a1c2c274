/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Following the target's threads (see threads.h).  /proc/self/task is read
 * with getdents64 into our own buffer (opendir would malloc); the tids are
 * sorted and merged with the sorted list of known threads, so a pass costs
 * little and nothing needs a hash table.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "errtext.h"
#include "mem.h"
#include "threads.h"

#define MAX_THREADS 16384
#define DENTS_BUFFER (64u << 10)
/* Each thread's name is read again every this many passes. */
#define NAME_RECHECK_PASSES 32

struct np_thread {
	pid_t tid;
	uint8_t name_len;
	char name[16];
	struct np_engine_thread engine;
};

struct np_threads {
	struct np_thread *list; /* sorted by tid */
	struct np_thread *next; /* the list being built by a merge */
	uint32_t count;
	uint32_t name_cursor;
	int too_many; /* the last pass found more than MAX_THREADS */
	int warned_start, warned_many, warned_timers;
	pid_t tids[MAX_THREADS];
	struct np_thread lists[2][MAX_THREADS];
	char dents[DENTS_BUFFER];
};

struct np_threads *np_threads_create(void)
{
	struct np_threads *t = np_pages_alloc(sizeof(*t));

	if (t) {
		t->list = t->lists[0];
		t->next = t->lists[1];
	}
	return t;
}

void np_threads_free(struct np_threads *t)
{
	np_pages_free(t, sizeof(*t));
}

/* Shell sort: qsort may malloc. */
static void sort_tids(pid_t *a, uint32_t n)
{
	static const uint32_t gaps[] = { 701, 301, 132, 57, 23, 10, 4, 1 };

	for (unsigned int g = 0; g < sizeof(gaps) / sizeof(gaps[0]); g++) {
		uint32_t gap = gaps[g];

		for (uint32_t i = gap; i < n; i++) {
			pid_t v = a[i];
			uint32_t j = i;

			for (; j >= gap && a[j - gap] > v; j -= gap)
				a[j] = a[j - gap];
			a[j] = v;
		}
	}
}

/* The current tids, sorted, without SELF; -1 if the list is unreadable. */
static int list_tids(struct np_threads *t, pid_t self, uint32_t *count)
{
	int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	uint32_t n = 0;
	ssize_t len;

	if (fd < 0)
		return -1;
	while ((len = getdents64(fd, t->dents, sizeof(t->dents))) > 0) {
		for (ssize_t off = 0; off < len;) {
			struct dirent64 *d =
				(struct dirent64 *)(t->dents + off);
			pid_t tid = 0;
			const char *p = d->d_name;

			off += d->d_reclen;
			for (; *p >= '0' && *p <= '9'; p++)
				tid = tid * 10 + (*p - '0');
			if (*p || tid <= 0 || tid == self)
				continue;
			if (n == MAX_THREADS) {
				t->too_many = 1;
				continue;
			}
			t->tids[n++] = tid;
		}
	}
	close(fd);
	sort_tids(t->tids, n);
	*count = n;
	return 0;
}

/* Reads TH's name; sends a THREAD record when it is new or changed. */
static void check_name(struct np_thread *th, struct np_send *out)
{
	char path[48], name[17];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", (int)th->tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, name, sizeof(name));
	close(fd);
	if (n <= 0)
		return;
	if (name[n - 1] == '\n')
		n--;
	if (n > (ssize_t)sizeof(th->name))
		n = sizeof(th->name);
	if ((size_t)n == th->name_len && memcmp(name, th->name, (size_t)n) == 0)
		return;
	memcpy(th->name, name, (size_t)n);
	th->name_len = (uint8_t)n;
	np_send_thread(out, (uint32_t)th->tid, np_clock_ns(), th->name,
		       th->name_len);
}

static void warn_start(struct np_threads *t, struct np_cpu_engine *e, pid_t tid,
		       int err, struct np_send *out)
{
	if (t->warned_start++)
		return;
	np_send_metaf(out, "warning",
		      "cannot start %s sampling on thread %d: %s; that thread is not sampled",
		      e->name, (int)tid, np_errtext(-err));
}

/* Adds TID at the end of the list being built: engine first, then name. */
static void add_thread(struct np_threads *t, struct np_cpu_engine *e, pid_t tid,
		       struct np_thread *th, struct np_send *out)
{
	int err;

	memset(th, 0, sizeof(*th));
	th->tid = tid;
	err = np_engine_thread_start(e, tid, &th->engine);
	if (err == -ESRCH) {
		th->tid = 0; /* gone already; the next pass will not list it */
		return;
	}
	if (err)
		warn_start(t, e, tid, err, out);
	if (th->engine.kind == NP_EK_CTIMER && e->kind == NP_EK_PERF &&
	    !t->warned_timers++)
		np_send_metaf(out, "warning",
			      "more threads than perf events fit in the file descriptor limit (%u); the others are sampled with per-thread CPU timers",
			      e->perf_fd_budget);
	check_name(th, out);
}

static int same_tids(const struct np_threads *t, uint32_t n)
{
	if (n != t->count)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		if (t->list[i].tid != t->tids[i])
			return 0;
	return 1;
}

void np_threads_scan(struct np_threads *t, struct np_cpu_engine *e, pid_t self,
		     struct np_send *out)
{
	uint32_t n, i = 0, j = 0, k = 0;
	struct np_thread *swap;

	if (list_tids(t, self, &n) != 0)
		return;
	if (t->too_many && !t->warned_many++)
		np_send_metaf(out, "warning",
			      "more than %u threads; the others are not sampled",
			      MAX_THREADS);
	if (!same_tids(t, n)) {
		while (i < t->count || j < n) {
			if (j == n ||
			    (i < t->count && t->list[i].tid < t->tids[j])) {
				np_engine_thread_stop(e, &t->list[i++].engine);
			} else if (i == t->count ||
				   t->list[i].tid > t->tids[j]) {
				add_thread(t, e, t->tids[j++], &t->next[k],
					   out);
				if (t->next[k].tid)
					k++;
			} else {
				t->next[k++] = t->list[i++];
				j++;
			}
		}
		swap = t->list;
		t->list = t->next;
		t->next = swap;
		t->count = k;
	}
	/* A path lookup in /proc each: spread over passes. */
	for (uint32_t c = 0; t->count && c < t->count / NAME_RECHECK_PASSES + 1;
	     c++)
		check_name(&t->list[t->name_cursor++ % t->count], out);
}

void np_threads_check_names(struct np_threads *t, struct np_send *out)
{
	for (uint32_t i = 0; i < t->count; i++)
		check_name(&t->list[i], out);
}

void np_threads_stop_all(struct np_threads *t, struct np_cpu_engine *e)
{
	for (uint32_t i = 0; i < t->count; i++)
		np_engine_thread_stop(e, &t->list[i].engine);
}
