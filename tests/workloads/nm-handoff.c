/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nm-handoff ITEMS (tests/run-nativemem-handoff.sh): blocks that go from
 * thread to thread, for exact mode's queues (src/agent/mem-queues.h).
 *
 * First main allocates and frees a big block (BIG1 bytes, in big_block),
 * then a bigger one elsewhere (BIG2): the peak is BIG2 and some, never
 * both, if the stream keeps one thread's order across queues.
 *
 * Then two producers allocate ITEMS blocks each (1009 bytes in produce_a,
 * 1021 in produce_b) and hand them through a queue to two consumers, which
 * free them, but keep every 50th (leaked), and after each one allocate and
 * free a block of their own of the same size class (1013 bytes, in
 * consume_scratch): the allocator hands them addresses that the producers'
 * blocks had, so addresses go from thread to thread all the time.
 * Prints "ok" when every block came through intact.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIG1 3000017u
#define BIG2 70000003u
#define SIZE_A 1009u
#define SIZE_B 1021u
#define SIZE_SCRATCH 1013u
#define KEEP_EVERY 50u
#define SLOTS 64

struct item {
	uint32_t seq;
	uint32_t size;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct item *slot[SLOTS];
	unsigned int head, tail, producers_left;
} q = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, { 0 }, 0, 0, 2 };

static unsigned int items;
static int bad;

static void put(struct item *it)
{
	pthread_mutex_lock(&q.lock);
	while (q.head - q.tail == SLOTS)
		pthread_cond_wait(&q.changed, &q.lock);
	q.slot[q.head++ % SLOTS] = it;
	pthread_cond_broadcast(&q.changed);
	pthread_mutex_unlock(&q.lock);
}

/* The next item, or NULL once the producers are done and it is empty. */
static struct item *take(void)
{
	struct item *it = NULL;

	pthread_mutex_lock(&q.lock);
	while (q.head == q.tail && q.producers_left)
		pthread_cond_wait(&q.changed, &q.lock);
	if (q.head != q.tail) {
		it = q.slot[q.tail++ % SLOTS];
		pthread_cond_broadcast(&q.changed);
	}
	pthread_mutex_unlock(&q.lock);
	return it;
}

__attribute__((noinline)) static struct item *made(void *p, uint32_t seq,
						    uint32_t size)
{
	struct item *it = p;

	if (!it)
		abort();
	memset(it, 0x5a, size);
	it->seq = seq;
	it->size = size;
	return it;
}

__attribute__((noinline)) struct item *produce_a(uint32_t seq);
__attribute__((noinline)) struct item *produce_a(uint32_t seq)
{
	return made(malloc(SIZE_A), seq, SIZE_A);
}

__attribute__((noinline)) struct item *produce_b(uint32_t seq);
__attribute__((noinline)) struct item *produce_b(uint32_t seq)
{
	return made(malloc(SIZE_B), seq, SIZE_B);
}

__attribute__((noinline)) void *consume_scratch(void);
__attribute__((noinline)) void *consume_scratch(void)
{
	void *p = malloc(SIZE_SCRATCH);

	if (!p)
		abort();
	memset(p, 0xa5, SIZE_SCRATCH);
	return p;
}

__attribute__((noinline)) void *big_block(size_t n);
__attribute__((noinline)) void *big_block(size_t n)
{
	char *p = malloc(n);

	if (!p)
		abort();
	p[0] = p[n - 1] = 1;
	return p;
}

static void *producer(void *arg)
{
	int second = arg != NULL;

	for (uint32_t i = 0; i < items; i++)
		put(second ? produce_b(i) : produce_a(i));
	pthread_mutex_lock(&q.lock);
	q.producers_left--;
	pthread_cond_broadcast(&q.changed);
	pthread_mutex_unlock(&q.lock);
	return NULL;
}

static void *consumer(void *arg)
{
	struct item *it;

	(void)arg;
	while ((it = take())) {
		unsigned char *end = (unsigned char *)it + it->size - 1;

		if (*end != 0x5a)
			__atomic_store_n(&bad, 1, __ATOMIC_RELAXED);
		if (it->seq % KEEP_EVERY != 0)
			free(it);
		free(consume_scratch());
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[4];

	items = argc > 1 ? (unsigned int)atoi(argv[1]) : 20000;
	free(big_block(BIG1));
	free(big_block(BIG2));
	if (pthread_create(&t[0], NULL, producer, NULL) ||
	    pthread_create(&t[1], NULL, producer, &t[1]) ||
	    pthread_create(&t[2], NULL, consumer, NULL) ||
	    pthread_create(&t[3], NULL, consumer, NULL))
		return 1;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("big_block %u\n", BIG1 + BIG2);
	printf("produce_a %u %u\n", items * SIZE_A,
	       (items + KEEP_EVERY - 1) / KEEP_EVERY * SIZE_A);
	printf("produce_b %u %u\n", items * SIZE_B,
	       (items + KEEP_EVERY - 1) / KEEP_EVERY * SIZE_B);
	printf("consume_scratch %u\n", 2 * items * SIZE_SCRATCH);
	if (bad)
		return 1;
	printf("ok\n");
	return 0;
}
