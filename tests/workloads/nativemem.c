/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A known allocation pattern for tests/run-nativemem*.sh.  Usage:
 *   nativemem SCALE PLUGIN_DIR [spin]
 * Each site allocates a number of bytes that the test computes from SCALE
 * (see the comments); sizes vary, and the prime sizes near 2 MB make the
 * big sites unmistakable.  Prints "ok" when every allocation worked and the
 * data it wrote reads back.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *nm_noplt_alloc(size_t n);
void *nm_ptr_alloc(size_t n);
void *nm_sections_alloc(size_t n);

static int bad;
static int jemalloc; /* a preloaded jemalloc serves the allocations */

static void check(void *p, size_t n)
{
	if (!p) {
		bad = 1;
		return;
	}
	memset(p, 0x5a, n);
	if (n && ((unsigned char *)p)[n - 1] != 0x5a)
		bad = 1;
}

/* SCALE * 4000 allocations of 100..899 bytes (sum: SCALE * 2,000,000... see
 * the test), all freed. */
static size_t size_at(int i)
{
	return 100 + (size_t)(i * 37 % 800);
}

void site_one(int scale);
void site_one(int scale)
{
	for (int i = 0; i < scale * 4000; i++) {
		void *p = malloc(size_at(i));

		check(p, size_at(i));
		free(p);
	}
}

/*
 * One call site reached from three callers in turn, at the same depth: the
 * hook sees the same return address and stack pointer each time, and only
 * the callers' frames above tell the stacks apart (the hooks keep three
 * stacks a thread, told apart by the words their walks read).  SCALE *
 * 3000 rounds of 211, 223 and 227 bytes, all freed.
 */
__attribute__((noinline)) void *rotate_leaf(size_t n);
__attribute__((noinline)) void *rotate_leaf(size_t n)
{
	void *p = malloc(n);

	check(p, n);
	return p;
}

#define ROTATE_CALLER(name)                                              \
	__attribute__((noinline)) void name(size_t n);                   \
	__attribute__((noinline)) void name(size_t n)                    \
	{                                                                \
		free(rotate_leaf(n));                                    \
		__asm__ volatile("" ::: "memory");                       \
	}
ROTATE_CALLER(rotate_via_a)
ROTATE_CALLER(rotate_via_b)
ROTATE_CALLER(rotate_via_c)

void site_rotate(int scale);
void site_rotate(int scale)
{
	for (int i = 0; i < scale * 3000; i++) {
		rotate_via_a(211);
		rotate_via_b(223);
		rotate_via_c(227);
	}
}

/* Three times site_one's bytes, through calloc and realloc. */
void site_three(int scale);
void site_three(int scale)
{
	for (int r = 0; r < 3; r++)
		for (int i = 0; i < scale * 4000; i++) {
			void *p = calloc(1, size_at(i));

			check(p, size_at(i));
			free(p);
		}
}

/* Leaks SCALE * 400 blocks of 5000 bytes. */
void site_leak(int scale);
void site_leak(int scale)
{
	for (int i = 0; i < scale * 400; i++)
		check(malloc(5000), 5000);
}

/* 3 x 2097143 allocated, one leaked; 2097169 through realloc. */
void site_prime(void);
void site_prime(void)
{
	void *a = malloc(2097143), *b = malloc(2097143), *c = malloc(2097143);
	void *r = realloc(NULL, 1000);

	check(a, 2097143);
	check(b, 2097143);
	check(c, 2097143);
	r = realloc(r, 2097169); /* free 1000, allocate 2097169 */
	check(r, 2097169);
	free(a);
	free(b);
	free(r);
	(void)c; /* leaked */
}

/* The other allocation functions: 4096 + 3000 + 2000 + 1000 + 4096 bytes,
 * all freed; realloc(p, 0) frees. */
void site_aligned(void);
void site_aligned(void)
{
	void *p = NULL, *q;

	if (posix_memalign(&p, 64, 4096) == 0) {
		check(p, 4096);
		free(p);
	} else {
		bad = 1;
	}
	q = aligned_alloc(64, 3008);
	check(q, 3008);
	free(q);
	q = memalign(128, 2000);
	check(q, 2000);
	free(q);
	q = valloc(1000);
	check(q, 1000);
	q = realloc(q, 0); /* glibc frees and returns NULL */
	free(q);
	/* jemalloc has no pvalloc: glibc's would hand it a block it does
	 * not own.  The same bytes, then, through valloc. */
	q = jemalloc ? valloc(4096) : pvalloc(4096);
	check(q, 4096);
	free(q);
}

/* libc allocates for these on our behalf. */
void site_strdup(void);
void site_strdup(void)
{
	char *s = strdup("a string of 31 bytes and a NUL");
	char text[] = "line one\nline two\n";
	FILE *f = fmemopen(text, sizeof(text) - 1, "r");
	char *line = NULL;
	size_t cap = 0;

	if (!s || !f || getline(&line, &cap, f) < 0)
		bad = 1;
	free(s);
	free(line);
	if (f)
		fclose(f);
}

/* 7001 through -fno-plt, 7013 through a pointer in data, 7019 in the
 * library with gaps between its segments; all leaked. */
void site_libs(void);
void site_libs(void)
{
	check(nm_noplt_alloc(7001), 7001);
	check(nm_ptr_alloc(7013), 7013);
	check(nm_sections_alloc(7019), 7019);
}

/* The plugin, opened twice after the session started: 8009 + 8011 each
 * time (its own wrapper, its dependency's), leaked. */
void site_plugin(const char *dir, int mode, int spin);
void site_plugin(const char *dir, int mode, int spin)
{
	char path[4096];
	void *h;
	void *(*own)(size_t), *(*dep)(size_t);
	unsigned long (*hot)(unsigned long);

	snprintf(path, sizeof(path), "%s/libnm-plugin.so", dir);
	h = dlopen(path, mode);
	if (!h) {
		fprintf(stderr, "nativemem: %s\n", dlerror());
		bad = 1;
		return;
	}
	own = (void *(*)(size_t))dlsym(h, "nm_plugin_alloc");
	dep = (void *(*)(size_t))dlsym(h, "nm_plugin_dep_alloc");
	hot = (unsigned long (*)(unsigned long))dlsym(h, "nm_plugin_spin");
	if (!own || !dep || !hot) {
		bad = 1;
		return;
	}
	check(own(8009), 8009);
	check(dep(8011), 8011);
	if (spin)
		hot(300000000ul);
	dlclose(h);
}

int main(int argc, char **argv)
{
	int scale = argc > 1 ? atoi(argv[1]) : 1;
	const char *dir = argc > 2 ? argv[2] : ".";
	int spin = argc > 3 && !strcmp(argv[3], "spin");

	jemalloc = dlsym(RTLD_DEFAULT, "mallctl") != NULL;
	if (jemalloc)
		printf("allocator: jemalloc\n");

	site_one(scale);
	site_rotate(scale);
	site_three(scale);
	site_leak(scale);
	site_prime();
	site_aligned();
	site_strdup();
	site_libs();
	site_plugin(dir, RTLD_LAZY | RTLD_LOCAL, spin);
	site_plugin(dir, RTLD_NOW | RTLD_LOCAL, 0);
	if (bad) {
		printf("failed\n");
		return 1;
	}
	printf("ok\n");
	return 0;
}
