/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dlopen race (tests/run-nativemem-dlopen-race.sh): THREADS threads each
 * run ROUNDS rounds of dlopen (RTLD_NOW and RTLD_LAZY in turn, RTLD_LOCAL),
 * call, dlclose on one of NLIBS libraries from nm-race-gen.sh, picked at
 * random, so that libraries are loaded, relocated (thousands of symbolic
 * relocations each) and unloaded while other threads do the same.  Each
 * call allocates COUNT blocks of its library's size and checks them and
 * the library's table of function pointers.  Prints, per library, the
 * function that allocated, its block size and how many calls it served,
 * how many loads were not at the library's link address, then "ok" when
 * every call succeeded.
 *
 * Built as a position-dependent executable: ld.so then asks for each
 * library at its link address (nm-race-gen.sh's libraries each have their
 * own), so that no library is loaded where another one was before.  The
 * report finds a stack's functions in the modules loaded when the stack
 * was first recorded, and a stack at addresses that another library had
 * earlier would keep that library's names.
 *
 *   nm-race LIBDIR NLIBS THREADS ROUNDS COUNT
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_LIBS 64

static const char *libdir;
static unsigned int nlibs, rounds, count;
static atomic_uint calls[MAX_LIBS];
static atomic_ulong sizes[MAX_LIBS];
static atomic_int failed;
static atomic_uint biased;

static void *worker(void *arg)
{
	unsigned long seed = (unsigned long)(size_t)arg * 2654435761u + 1;

	for (unsigned int i = 0; i < rounds && !atomic_load(&failed); i++) {
		char path[4096], name[64];
		unsigned int k;
		int (*alloc)(unsigned int);
		unsigned long *size;
		struct link_map *lm;
		void *h;

		seed = seed * 6364136223846793005ul + 1442695040888963407ul;
		k = (unsigned int)(seed >> 33) % nlibs;
		snprintf(path, sizeof(path), "%s/libnm-race-%u.so", libdir, k);
		h = dlopen(path, (i & 1 ? RTLD_LAZY : RTLD_NOW) | RTLD_LOCAL);
		if (!h) {
			fprintf(stderr, "nm-race: %s\n", dlerror());
			atomic_store(&failed, 1);
			break;
		}
		if (dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 && lm->l_addr)
			atomic_fetch_add(&biased, 1);
		snprintf(name, sizeof(name), "nm_race_alloc_%u", k);
		*(void **)&alloc = dlsym(h, name);
		snprintf(name, sizeof(name), "nm_race_size_%u", k);
		size = dlsym(h, name);
		if (!alloc || !size) {
			fprintf(stderr, "nm-race: %s: no %s\n", path, name);
			atomic_store(&failed, 1);
		} else if (alloc(count) != 0) {
			fprintf(stderr, "nm-race: %s: wrong data or call target\n",
				path);
			atomic_store(&failed, 1);
		} else {
			atomic_store(&sizes[k], *size);
			atomic_fetch_add(&calls[k], 1);
		}
		dlclose(h);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t threads[64];
	unsigned int nthreads;

	if (argc != 6) {
		fprintf(stderr, "usage: nm-race LIBDIR NLIBS THREADS ROUNDS COUNT\n");
		return 2;
	}
	libdir = argv[1];
	nlibs = (unsigned int)atoi(argv[2]);
	nthreads = (unsigned int)atoi(argv[3]);
	rounds = (unsigned int)atoi(argv[4]);
	count = (unsigned int)atoi(argv[5]);
	if (nlibs < 1 || nlibs > MAX_LIBS || nthreads < 1 || nthreads > 64)
		return 2;
	for (unsigned int t = 0; t < nthreads; t++)
		if (pthread_create(&threads[t], NULL, worker,
				   (void *)(size_t)(t + 1)) != 0)
			return 1;
	for (unsigned int t = 0; t < nthreads; t++)
		pthread_join(threads[t], NULL);
	for (unsigned int k = 0; k < nlibs; k++)
		printf("nm_race_alloc_%u %lu %u\n", k, atomic_load(&sizes[k]),
		       atomic_load(&calls[k]));
	printf("loads away from their link address: %u\n",
	       atomic_load(&biased));
	if (atomic_load(&failed))
		return 1;
	printf("ok\n");
	return 0;
}
