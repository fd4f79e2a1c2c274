/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's sample rings (see perf-ring.h).  An inherited event can only
 * be mmapped when it is bound to one CPU, hence one event and one ring per
 * CPU; the kernel writes a thread's records to the ring of the CPU it runs
 * on, whichever thread it is.
 */
#include "config.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "perf-ring.h"

/* Data pages per ring, halved while the locked-memory budget refuses. */
#define RING_PAGES_MAX 64
#define RING_PAGES_MIN 4
/* The reader is woken when a ring holds this much. */
#define WAKEUP_BYTES (32u << 10)
/* A perf record's size is a u16. */
#define RECORD_MAX 65536

static long perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu)
{
	return syscall(SYS_perf_event_open, attr, pid, cpu, -1,
		       PERF_FLAG_FD_CLOEXEC);
}

static void fill_attr(struct perf_event_attr *a, uint64_t period_ns,
		      int exclude_kernel)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = PERF_TYPE_SOFTWARE;
	a->config = PERF_COUNT_SW_CPU_CLOCK;
	a->sample_period = period_ns;
	a->sample_type = NP_PERF_SAMPLE_TYPE;
	a->disabled = 1;
	a->enable_on_exec = 1;
	a->inherit = 1;
	a->exclude_kernel = exclude_kernel ? 1 : 0;
	a->exclude_hv = 1;
	/* User frames only: the report has no kernel symbols. */
	a->exclude_callchain_kernel = 1;
	/* The program's code mappings and thread names, as the agent sends
	 * MODULE and THREAD records. */
	a->mmap = 1;
	a->mmap2 = 1;
	a->comm = 1;
	a->sample_id_all = 1;
	/* Sample times on the clock of the record format. */
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	/* Wake the reader every few hundred samples, not at each (the
	 * kernel clamps this to a smaller ring's size). */
	a->watermark = 1;
	a->wakeup_watermark = WAKEUP_BYTES;
}

/* Maps FD's ring, as large as the locked-memory budget allows. */
static int map_ring(struct np_perf_ring *ring, long page)
{
	for (long pages = RING_PAGES_MAX; pages >= RING_PAGES_MIN; pages /= 2) {
		size_t size = (size_t)(pages + 1) * (size_t)page;
		void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			       ring->fd, 0);

		if (p != MAP_FAILED) {
			ring->base = p;
			ring->data = (unsigned char *)p + page;
			ring->map_size = size;
			ring->data_size = (uint64_t)pages * (uint64_t)page;
			return 0;
		}
		if (errno != EPERM && errno != ENOMEM)
			return -errno;
	}
	return -errno;
}

/* Opens the event of CPU; 0, 1 when the CPU is offline, or -errno. */
static int open_cpu(struct np_perf_rings *r, pid_t pid, int cpu,
		    uint64_t period_ns, long page, const char **what)
{
	struct np_perf_ring *ring = &r->ring[r->n];
	struct perf_event_attr attr;
	long fd;
	int err;

	fill_attr(&attr, period_ns, r->exclude_kernel);
	fd = perf_event_open(&attr, pid, cpu);
	if (fd < 0 && (errno == EACCES || errno == EPERM) &&
	    !r->exclude_kernel) {
		/* perf_event_paranoid 2 keeps the kernel to itself: user
		 * time is still ours to sample. */
		r->exclude_kernel = 1;
		attr.exclude_kernel = 1;
		fd = perf_event_open(&attr, pid, cpu);
	}
	*what = "perf_event_open";
	if (fd < 0)
		return errno == ENODEV ? 1 : -errno;
	memset(ring, 0, sizeof(*ring));
	ring->fd = (int)fd;
	*what = "mmap of the ring";
	err = map_ring(ring, page);
	if (err) {
		close(ring->fd);
		return err;
	}
	r->n++;
	return 0;
}

int np_perf_rings_open(struct np_perf_rings *r, pid_t pid, uint64_t period_ns,
		       char *why, size_t whylen)
{
	long ncpus = sysconf(_SC_NPROCESSORS_CONF);
	long page = sysconf(_SC_PAGESIZE);

	memset(r, 0, sizeof(*r));
	if (ncpus < 1)
		ncpus = 1;
	r->ring = calloc((size_t)ncpus, sizeof(*r->ring));
	r->scratch = malloc(RECORD_MAX);
	if (!r->ring || !r->scratch) {
		np_perf_rings_close(r);
		snprintf(why, whylen, "memory for the rings");
		return -ENOMEM;
	}
	for (int cpu = 0; cpu < ncpus; cpu++) {
		const char *what = "";
		int err = open_cpu(r, pid, cpu, period_ns, page, &what);

		if (err < 0) {
			snprintf(why, whylen, "%s on CPU %d", what, cpu);
			np_perf_rings_close(r);
			return err;
		}
	}
	if (r->n == 0) {
		snprintf(why, whylen, "perf_event_open (no CPU online)");
		np_perf_rings_close(r);
		return -ENODEV;
	}
	return 0;
}

void np_perf_rings_close(struct np_perf_rings *r)
{
	for (int i = 0; i < r->n; i++) {
		munmap(r->ring[i].base, r->ring[i].map_size);
		close(r->ring[i].fd);
	}
	free(r->ring);
	free(r->scratch);
	memset(r, 0, sizeof(*r));
}

void np_perf_rings_disable(struct np_perf_rings *r)
{
	/* On the event we opened, this reaches its inherited copies too. */
	for (int i = 0; i < r->n; i++)
		ioctl(r->ring[i].fd, PERF_EVENT_IOC_DISABLE, 0);
}

/* Where the kernel has written up to; the records before it are whole. */
static uint64_t ring_head(const struct np_perf_ring *ring)
{
	const struct perf_event_mmap_page *pc = (const void *)ring->base;

	return __atomic_load_n(&pc->data_head, __ATOMIC_ACQUIRE);
}

/*
 * Calls FN for the records of RING from FROM to TO that are samples (if
 * SAMPLES) or are not.  A record that wraps around the end of the ring is
 * put together in SCRATCH first.
 */
static void walk(struct np_perf_rings *r, struct np_perf_ring *ring,
		 uint64_t from, uint64_t to, int samples, np_perf_record_fn fn,
		 void *arg)
{
	uint64_t mask = ring->data_size - 1;

	while (from < to) {
		/* Records are 8-byte aligned: a header never wraps. */
		const struct perf_event_header *h =
			(const void *)(ring->data + (from & mask));
		uint64_t off = from & mask;
		const void *rec = h;

		if (h->size < sizeof(*h) || h->size > to - from)
			return; /* cannot be: stop reading this ring */
		if ((h->type == PERF_RECORD_SAMPLE) == !!samples) {
			if (off + h->size > ring->data_size) {
				size_t first = (size_t)(ring->data_size - off);

				memcpy(r->scratch, h, first);
				memcpy(r->scratch + first, ring->data,
				       h->size - first);
				rec = r->scratch;
			}
			fn(rec, h->size, arg);
		}
		from += h->size;
	}
}

void np_perf_rings_read(struct np_perf_rings *r, np_perf_record_fn on_other,
			np_perf_record_fn on_sample, void *arg)
{
	uint64_t heads[2][r->n > 0 ? r->n : 1];

	/*
	 * Two rounds of heads.  A sample before its ring's first head was
	 * written before any second head was read, and so was the mapping
	 * or name it depends on, in whichever ring: reading other records
	 * up to the second heads and samples up to the first never puts a
	 * sample before what it needs.
	 */
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < r->n; i++)
			heads[round][i] = ring_head(&r->ring[i]);
	for (int i = 0; i < r->n; i++) {
		struct np_perf_ring *ring = &r->ring[i];

		if (ring->meta_pos < ring->tail)
			ring->meta_pos = ring->tail;
		walk(r, ring, ring->meta_pos, heads[1][i], 0, on_other, arg);
		ring->meta_pos = heads[1][i];
	}
	for (int i = 0; i < r->n; i++) {
		struct np_perf_ring *ring = &r->ring[i];
		struct perf_event_mmap_page *pc = (void *)ring->base;

		walk(r, ring, ring->tail, heads[0][i], 1, on_sample, arg);
		ring->tail = heads[0][i];
		/* Our reads of the data are done before the kernel may
		 * write over it. */
		__atomic_store_n(&pc->data_tail, ring->tail, __ATOMIC_RELEASE);
	}
}
