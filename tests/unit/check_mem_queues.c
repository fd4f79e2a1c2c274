/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the allocation event queues and their merge
 * (src/agent/mem-queues.c): one thread's events come out in the order it
 * made them, whatever queues their addresses chose; an event waits for its
 * thread's previous one, even when that one is claimed but not published;
 * between threads the oldest event goes first; and under real threads
 * handing blocks to each other, every address's events alternate ALLOC,
 * FREE, ALLOC, ... and every thread's come in its order.  One ring holds
 * exactly its cells, lap after lap, and a release empties it.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "check-run.h"
#include "mem-queues.h"
#include "mem-ring.h"

#define REGION (1ull << 26)

static struct np_mem_queues *q;

static void setup(void)
{
	q = np_mem_queues_create(4, 1u << 12);
	ck_assert_ptr_nonnull(q);
}

static void teardown(void)
{
	np_mem_queues_free(q);
}

/* Claims and publishes an event about ADDR; SEQ goes in `size`. */
static void put(uint64_t addr, uint32_t session, uint64_t seq, uint64_t time)
{
	struct np_mem_claim c;
	struct np_mem_event *ev;

	while (!(ev = np_mem_queues_claim(q, addr, session, &c)))
		sched_yield(); /* full: the test's consumer makes room */
	ev->time_ns = time;
	ev->addr = addr;
	ev->size = seq;
	ev->session = session;
	ev->kind = NP_MEM_ALLOC;
	np_mem_queues_publish(&c);
}

START_TEST(test_one_thread_in_order)
{
	const struct np_mem_event *ev;
	uint64_t next = 0;

	/* Sixteen regions, in turn; the same coarse time, and going back. */
	for (uint64_t i = 0; i < 1000; i++)
		put((i % 16 + 1) * REGION + i * 16, 1, i, i < 500 ? 7 : 3);
	while ((ev = np_mem_queues_peek(q))) {
		ck_assert_uint_eq(ev->size, next);
		next++;
		np_mem_queues_pop(q);
	}
	ck_assert_uint_eq(next, 1000);
}
END_TEST

START_TEST(test_waits_for_previous)
{
	struct np_mem_claim c;
	struct np_mem_event *first;
	const struct np_mem_event *ev;

	first = np_mem_queues_claim(q, 1 * REGION, 2, &c);
	ck_assert_ptr_nonnull(first);
	put(2 * REGION, 2, 1, 0);
	put(3 * REGION, 2, 2, 0);
	/* The later ones are published, the first is not: nothing yet. */
	ck_assert_ptr_null(np_mem_queues_peek(q));
	first->addr = 1 * REGION;
	first->size = 0;
	first->session = 2;
	first->time_ns = 0;
	first->kind = NP_MEM_FREE;
	np_mem_queues_publish(&c);
	for (uint64_t i = 0; i < 3; i++) {
		ev = np_mem_queues_peek(q);
		ck_assert_ptr_nonnull(ev);
		ck_assert_uint_eq(ev->size, i);
		np_mem_queues_pop(q);
	}
	ck_assert_ptr_null(np_mem_queues_peek(q));
}
END_TEST

struct timed {
	uint64_t region, time;
};

static void *put_timed(void *arg)
{
	const struct timed *t = arg;

	put(t->region * REGION, 3, t->time, t->time);
	return NULL;
}

START_TEST(test_oldest_first)
{
	/* Each from a thread of its own: no order but time's. */
	struct timed ts[] = { { 1, 30 }, { 2, 10 }, { 3, 20 }, { 4, 40 } };
	const struct np_mem_event *ev;
	uint64_t last = 0;
	int n = 0;

	for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		pthread_t t;

		ck_assert_int_eq(pthread_create(&t, NULL, put_timed, &ts[i]), 0);
		pthread_join(t, NULL);
	}
	while ((ev = np_mem_queues_peek(q))) {
		ck_assert_uint_ge(ev->time_ns, last);
		last = ev->time_ns;
		n++;
		np_mem_queues_pop(q);
	}
	ck_assert_int_eq(n, 4);
}
END_TEST

START_TEST(test_one_queue)
{
	struct np_mem_queues *one = np_mem_queues_create(1, 64);
	struct np_mem_claim c;
	struct np_mem_event *ev;

	ck_assert_ptr_nonnull(one);
	for (int i = 0; i < 64; i++) {
		ev = np_mem_queues_claim(one, (uint64_t)i * REGION, 1, &c);
		ck_assert_ptr_nonnull(ev);
		ck_assert_uint_eq(ev->after, 0);
		ev->size = (uint64_t)i;
		np_mem_queues_publish(&c);
	}
	/* Full: dropped, never waited for. */
	ck_assert_ptr_null(np_mem_queues_claim(one, 0, 1, &c));
	for (int i = 0; i < 64; i++) {
		ck_assert_uint_eq(np_mem_queues_peek(one)->size, (uint64_t)i);
		np_mem_queues_pop(one);
	}
	ck_assert_int_eq(np_mem_queues_release(one), 0);
	np_mem_queues_free(one);
}
END_TEST

/* Claims and publishes one event in ring R, numbered N; 0 when full. */
static int ring_put(struct np_mem_ring *r, uint64_t n)
{
	struct np_mem_event *ev;
	uint64_t ticket;

	if (!(ev = np_mem_ring_claim(r, &ticket)))
		return 0;
	ev->size = n;
	np_mem_ring_publish(r, ticket);
	return 1;
}

/* The ring holds exactly its cells, lap after lap: the consumer frees a
 * cell by moving its tail past it, never by writing to it, and a cell's
 * event of the last lap never passes for this lap's. */
START_TEST(test_ring_laps)
{
	struct np_mem_ring *r = np_mem_ring_create(8);
	uint64_t put_n = 0, got = 0;

	ck_assert_ptr_nonnull(r);
	for (int lap = 0; lap < 5; lap++) {
		while (ring_put(r, put_n))
			put_n++;
		ck_assert_uint_eq(put_n - got, 8);
		/* Three taken: exactly three more fit. */
		for (int i = 0; i < 3; i++) {
			ck_assert_uint_eq(np_mem_ring_peek(r)->size, got++);
			np_mem_ring_pop(r);
		}
		for (int i = 0; i < 3; i++)
			ck_assert(ring_put(r, put_n++));
		ck_assert(!ring_put(r, put_n));
		while (np_mem_ring_peek(r)) {
			ck_assert_uint_eq(np_mem_ring_peek(r)->size, got++);
			np_mem_ring_pop(r);
		}
		ck_assert_uint_eq(got, put_n);
		ck_assert_uint_eq(np_mem_ring_taken(r), got);
	}
	/* A claimed cell not yet published keeps the ring from going back;
	 * once taken, the ring is empty and whole again after a release. */
	uint64_t ticket;
	struct np_mem_event *ev = np_mem_ring_claim(r, &ticket);

	ck_assert_ptr_nonnull(ev);
	ck_assert_ptr_null(np_mem_ring_peek(r));
	ck_assert_int_eq(np_mem_ring_release(r), -EBUSY);
	ev->size = put_n++;
	np_mem_ring_publish(r, ticket);
	ck_assert_uint_eq(np_mem_ring_peek(r)->size, got++);
	np_mem_ring_pop(r);
	ck_assert_int_eq(np_mem_ring_release(r), 0);
	ck_assert_ptr_null(np_mem_ring_peek(r));
	for (uint64_t i = 0; i < 8; i++)
		ck_assert(ring_put(r, 100 + i));
	ck_assert(!ring_put(r, 0));
	for (uint64_t i = 0; i < 8; i++) {
		ck_assert_uint_eq(np_mem_ring_peek(r)->size, 100 + i);
		np_mem_ring_pop(r);
	}
	ck_assert_ptr_null(np_mem_ring_peek(r));
	np_mem_ring_free(r);
}
END_TEST

/*
 * Threads take blocks (addresses) from a shared pool, each in a region of
 * its own among eight, and put them back, so that a block allocated by
 * one thread is freed by another: ALLOC claimed once the block is taken,
 * FREE before it goes back, as the hooks do.  Each event carries its
 * thread (tid) and its number in that thread (size).
 */
#define THREADS 4
#define BLOCKS 64
#define EVENTS_PER_THREAD 200000

static _Atomic int pool[BLOCKS]; /* 1: free to take */
static atomic_int producers_left;

static uint64_t block_addr(int b)
{
	return (uint64_t)(b % 8 + 1) * REGION + (uint64_t)b * 64;
}

static uint64_t coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void put_event(uint64_t addr, uint32_t tid, uint64_t seq, int kind)
{
	struct np_mem_claim c;
	struct np_mem_event *ev;

	while (!(ev = np_mem_queues_claim(q, addr, 5, &c)))
		sched_yield();
	ev->time_ns = coarse_ns(); /* as the hooks stamp their events */
	ev->addr = addr;
	ev->size = seq;
	ev->tid = tid;
	ev->session = 5;
	ev->kind = (uint32_t)kind;
	np_mem_queues_publish(&c);
}

static void *producer(void *arg)
{
	uint32_t tid = (uint32_t)(uintptr_t)arg;
	uint64_t seq = 0, seed = tid * 2654435761u + 1;

	while (seq < EVENTS_PER_THREAD) {
		int b, one = 1;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		b = (int)(seed >> 33) % BLOCKS;
		if (!atomic_compare_exchange_strong(&pool[b], &one, 0))
			continue;
		put_event(block_addr(b), tid, seq++, NP_MEM_ALLOC);
		put_event(block_addr(b), tid, seq++, NP_MEM_FREE);
		atomic_store(&pool[b], 1);
	}
	atomic_fetch_sub(&producers_left, 1);
	return NULL;
}

/* Runs the producers, consuming meanwhile (CONCURRENT) or once they are
 * done, and checks the merged stream. */
static void hand_blocks_over(int concurrent)
{
	pthread_t t[THREADS];
	uint64_t next_seq[THREADS] = { 0 }, total = 0;
	int live[BLOCKS] = { 0 };

	for (int b = 0; b < BLOCKS; b++)
		atomic_store(&pool[b], 1);
	atomic_store(&producers_left, THREADS);
	for (int i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, producer,
						(void *)(uintptr_t)i),
				 0);
	if (!concurrent)
		for (int i = 0; i < THREADS; i++)
			pthread_join(t[i], NULL);
	for (;;) {
		const struct np_mem_event *ev = np_mem_queues_peek(q);
		int b;

		if (!ev) {
			if (atomic_load(&producers_left) == 0 &&
			    !np_mem_queues_peek(q))
				break;
			sched_yield();
			continue;
		}
		ck_assert_uint_lt(ev->tid, THREADS);
		ck_assert_uint_eq(ev->size, next_seq[ev->tid]);
		next_seq[ev->tid]++;
		b = (int)((ev->addr % REGION) / 64);
		ck_assert_int_lt(b, BLOCKS);
		if (ev->kind == NP_MEM_ALLOC) {
			ck_assert_int_eq(live[b], 0);
			live[b] = 1;
		} else {
			ck_assert_int_eq(live[b], 1);
			live[b] = 0;
		}
		total++;
		np_mem_queues_pop(q);
	}
	for (int i = 0; concurrent && i < THREADS; i++)
		pthread_join(t[i], NULL);
	ck_assert_uint_eq(total, (uint64_t)THREADS * EVENTS_PER_THREAD);
}

START_TEST(test_threads_hand_blocks_over)
{
	hand_blocks_over(1);
}
END_TEST

/* The queues hold every event, and the merge alone orders them. */
START_TEST(test_merge_after_the_fact)
{
	np_mem_queues_free(q);
	q = np_mem_queues_create(4, 1u << 19);
	ck_assert_ptr_nonnull(q);
	hand_blocks_over(0);
}
END_TEST

static Suite *mem_queues_suite(void)
{
	Suite *s = suite_create("mem_queues");
	TCase *tc = tcase_create("merge");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_one_thread_in_order);
	tcase_add_test(tc, test_waits_for_previous);
	tcase_add_test(tc, test_oldest_first);
	tcase_add_test(tc, test_one_queue);
	tcase_add_test(tc, test_ring_laps);
	tcase_add_test(tc, test_threads_hand_blocks_over);
	tcase_add_test(tc, test_merge_after_the_fact);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return np_check_run(mem_queues_suite());
}
