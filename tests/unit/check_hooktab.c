/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the hook table's state machine (src/agent/hook-table.c) in
 * this very process, with the whole agent compiled in and a real library
 * (tests/workloads/libnm-dep.so, whose nm_dep_alloc calls malloc through
 * its PLT) opened and closed with the real dlopen and dlclose:
 *
 *   not enabled  --sync-->  nothing patched
 *   enabled      --sync-->  patched (slot = our hook, the old value kept)
 *   patched      --unpatch-->  the old value back, and sync patches no more
 *   patched      --dlclose, sync-->  out of the table, never written again
 *   patched      --dlclose, dlopen at the same place, sync-->  patched anew
 *   lazy slot the linker wrote over  --sync-->  our hook again, counted
 *   lazy, then another load there  --sync-->  not taken for that, patched
 *   patched, forked while a sync held the lock  -->  forgotten in the child
 *
 * Each test leaves nothing patched and the library closed, so that the
 * tests also hold in one process (CK_FORK=no, as under qemu-user).
 */
#include "config.h"

#include <check.h>
#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check-run.h"
#include "cfi-table.h"
#include "got.h"
#include "hook-table.h"
#include "hooks.h"
#include "mem-queues.h"

#define LIB_NAME "libnm-dep.so"

static char lib_path[PATH_MAX];

/* The library sits in tests/workloads, beside tests/unit: found from our
 * own path, which qemu-user reports as the guest program's too. */
static void find_lib(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	snprintf(lib_path, sizeof(lib_path), "%s/../workloads/" LIB_NAME,
		 dirname(exe));
}

struct found {
	struct np_elf_image im;
	int seen;
};

static int find_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct found *f = arg;
	const char *name = info->dlpi_name ? info->dlpi_name : "";
	size_t len = strlen(name);

	(void)size;
	if (len >= strlen(LIB_NAME) &&
	    !strcmp(name + len - strlen(LIB_NAME), LIB_NAME)) {
		f->im.bias = info->dlpi_addr;
		f->im.phdr = info->dlpi_phdr;
		f->im.phnum = info->dlpi_phnum;
		f->seen = 1;
	}
	return 0;
}

/* The loaded library's malloc slot (its PLT's, for the call in
 * nm_dep_alloc). */
static uintptr_t *malloc_slot(struct np_elf_image *im_out)
{
	static const char *const names[] = { "malloc" };
	struct found f = { .seen = 0 };
	struct np_got_slot s[4];
	int n;

	dl_iterate_phdr(find_cb, &f);
	ck_assert_msg(f.seen, LIB_NAME " is not loaded");
	n = np_got_find(&f.im, names, 1, s, 4);
	if (im_out)
		*im_out = f.im;
	for (int i = 0; i < n && i < 4; i++)
		if (s[i].kind == NP_GOT_JUMP_SLOT)
			return (uintptr_t *)s[i].addr;
	ck_abort_msg(LIB_NAME " calls malloc through no PLT slot");
	return NULL;
}

static void *open_lib(int mode)
{
	void *h = dlopen(lib_path, mode);

	ck_assert_msg(h != NULL, "%s", dlerror());
	return h;
}

static uintptr_t hook(void)
{
	return np_hook_address(0, NP_HF_MALLOC);
}

static uint32_t patched_slots(void)
{
	struct np_hooktab_stats st;

	np_hooktab_stats(&st);
	return st.slots;
}

/* Calls malloc through the library's slot and checks the block works. */
static void alloc_through(void *h)
{
	void *(*alloc)(size_t) = (void *(*)(size_t))dlsym(h, "nm_dep_alloc");
	char *p;

	ck_assert_ptr_nonnull(alloc);
	p = alloc(4099);
	ck_assert_ptr_nonnull(p);
	memset(p, 0x5a, 4099);
	free(p);
}

START_TEST(test_not_enabled)
{
	void *h = open_lib(RTLD_NOW);
	uintptr_t *slot = malloc_slot(NULL), before = *slot;

	ck_assert_int_eq(np_hooktab_sync(NP_HOOK_MODE_MEM), 0);
	ck_assert_uint_eq(*slot, before);
	ck_assert_uint_eq(patched_slots(), 0);
	/* Enabled now, nothing loaded or unloaded since that sync: the next
	 * one must patch all the same. */
	np_hooktab_enable(NP_HOOK_MODE_MEM);
	ck_assert_int_eq(np_hooktab_sync(NP_HOOK_MODE_MEM), 0);
	ck_assert_uint_eq(*slot, hook());
	np_hooktab_unpatch(NP_HOOK_MODE_MEM);
	ck_assert_uint_eq(*slot, before);
	dlclose(h);
}
END_TEST

START_TEST(test_patch_unpatch)
{
	void *h = open_lib(RTLD_NOW);
	uintptr_t *slot = malloc_slot(NULL), bound = *slot;

	ck_assert_uint_ne(bound, hook());
	np_hooktab_enable(NP_HOOK_MODE_MEM);
	ck_assert_int_eq(np_hooktab_sync(NP_HOOK_MODE_MEM), 0);
	ck_assert_uint_eq(*slot, hook());
	ck_assert_uint_gt(patched_slots(), 0);
	/* No session: the hook hands the call to the real malloc. */
	alloc_through(h);

	np_hooktab_unpatch(NP_HOOK_MODE_MEM);
	ck_assert_uint_eq(*slot, bound);
	ck_assert_uint_eq(patched_slots(), 0);
	/* The mode is off: a sync patches nothing, even for a new load. */
	dlclose(h);
	h = open_lib(RTLD_NOW);
	slot = malloc_slot(NULL);
	ck_assert_int_eq(np_hooktab_sync(NP_HOOK_MODE_MEM), 0);
	ck_assert_uint_ne(*slot, hook());
	ck_assert_uint_eq(patched_slots(), 0);
	dlclose(h);
}
END_TEST

/* An unbound lazy slot goes back to the PLT stub it held, which then
 * binds as usual on the next call. */
START_TEST(test_lazy_unpatch)
{
	void *h = open_lib(RTLD_LAZY);
	struct np_elf_image im;
	uintptr_t *slot = malloc_slot(&im), stub = *slot;

	ck_assert_msg(np_got_contains(&im, stub),
		      "the slot is bound already: " LIB_NAME " linked -z now?");
	np_hooktab_enable(NP_HOOK_MODE_MEM);
	ck_assert_int_eq(np_hooktab_sync(NP_HOOK_MODE_MEM), 0);
	ck_assert_uint_eq(*slot, hook());
	np_hooktab_unpatch(NP_HOOK_MODE_MEM);
	ck_assert_uint_eq(*slot, stub);
	alloc_through(h);
	ck_assert_uint_ne(*slot, stub); /* bound by the linker now */
	dlclose(h);
}
END_TEST

/* The lazy resolver writes over a patched slot (a call that went through
 * the PLT stub before the patch, resolved after it): the next sync puts
 * the hook back and counts it, and keeps the bound value to put back. */
START_TEST(test_lazy_repaired)
{
	void *h = open_lib(RTLD_LAZY);
	struct np_hooktab_stats st0, st1;
	uintptr_t *slot = malloc_slot(NULL), stub = *slot;
	void *real = dlsym(RTLD_DEFAULT, "malloc");

	np_hooktab_stats(&st0);
	np_hooktab_enable(NP_HOOK_MODE_MEM);
	ck_assert_int_eq(np_hooktab_sync(NP_HOOK_MODE_MEM), 0);
	ck_assert_uint_eq(*slot, hook());
	*slot = (uintptr_t)real; /* writable: a lazy GOT is not RELRO */
	ck_assert_int_eq(np_hooktab_sync(NP_HOOK_MODE_MEM), 0);
	ck_assert_uint_eq(*slot, hook());
	np_hooktab_stats(&st1);
	ck_assert_uint_eq(st1.repaired, st0.repaired + 1);
	/* What goes back is what the linker bound, no longer the stub. */
	np_hooktab_unpatch(NP_HOOK_MODE_MEM);
	ck_assert_uint_eq(*slot, (uintptr_t)real);
	ck_assert_uint_ne(*slot, stub);
	dlclose(h);
}
END_TEST

/*
 * Patched when loaded lazily: its PLT slot was not bound yet, its pointer
 * in data was.  Then loaded again at the same address with RTLD_NOW, as a
 * sync from another thread may find it: played here in place, by writing
 * what such a load holds (the bound malloc) into both slots, so that the
 * counters do not move and the sync goes to the lazy slots at once.  The
 * PLT slot alone must not be "repaired", which would make the new load
 * look patched with its pointer not; the next sync patches both.
 */
START_TEST(test_lazy_then_another_load)
{
	static const char *const names[] = { "malloc" };
	void *h = open_lib(RTLD_LAZY);
	uintptr_t real = (uintptr_t)dlsym(RTLD_DEFAULT, "malloc");
	uintptr_t *plt = NULL, *ptr = NULL;
	struct np_got_slot s[4];
	struct np_elf_image im;
	int n;

	malloc_slot(&im);
	n = np_got_find(&im, names, 1, s, 4);
	for (int i = 0; i < n && i < 4; i++) {
		if (s[i].kind == NP_GOT_JUMP_SLOT)
			plt = (uintptr_t *)s[i].addr;
		else if (s[i].kind == NP_GOT_ABS)
			ptr = (uintptr_t *)s[i].addr;
	}
	ck_assert_msg(plt && ptr, LIB_NAME ": no PLT slot and pointer to malloc");
	np_hooktab_enable(NP_HOOK_MODE_MEM);
	ck_assert_int_eq(np_hooktab_sync(NP_HOOK_MODE_MEM), 0);
	ck_assert_uint_eq(*plt, hook());
	ck_assert_uint_eq(*ptr, hook());
	*plt = real;
	*ptr = real;
	ck_assert_int_eq(np_hooktab_sync(NP_HOOK_MODE_MEM), 0);
	ck_assert_int_eq(np_hooktab_sync(NP_HOOK_MODE_MEM), 0);
	ck_assert_uint_eq(*plt, hook());
	ck_assert_uint_eq(*ptr, hook());
	np_hooktab_unpatch(NP_HOOK_MODE_MEM);
	ck_assert_uint_eq(*plt, real);
	ck_assert_uint_eq(*ptr, real);
	dlclose(h);
}
END_TEST

/* Unloaded: it leaves the table, and nothing is written where it was,
 * even once other memory is mapped there. */
START_TEST(test_unloaded)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	void *h = open_lib(RTLD_NOW);
	uintptr_t *slot = malloc_slot(NULL), page;
	uint32_t with_lib;
	void *m;

	np_hooktab_enable(NP_HOOK_MODE_MEM);
	ck_assert_int_eq(np_hooktab_sync(NP_HOOK_MODE_MEM), 0);
	ck_assert_uint_eq(*slot, hook());
	with_lib = patched_slots();
	ck_assert_int_eq(dlclose(h), 0);
	ck_assert_int_eq(np_hooktab_sync(NP_HOOK_MODE_MEM), 0);
	ck_assert_uint_lt(patched_slots(), with_lib);

	page = (uintptr_t)slot & ~(uintptr_t)(ps - 1);
	m = mmap((void *)page, ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (m != (void *)page) {
		/* Taken by something else already: unpatch must still not
		 * touch it, and would crash on nothing mapped. */
		if (m != MAP_FAILED)
			munmap(m, ps);
		np_hooktab_unpatch(NP_HOOK_MODE_MEM);
		return;
	}
	memset(m, 0xa5, ps);
	np_hooktab_unpatch(NP_HOOK_MODE_MEM);
	for (size_t i = 0; i < ps; i++)
		ck_assert_uint_eq(((unsigned char *)m)[i], 0xa5);
	munmap(m, ps);
}
END_TEST

/* Closed and opened again at the same address between two syncs: the
 * name and the bias are the same, the slots hold the linker's values
 * again, and must be patched anew (and put back right). */
START_TEST(test_reloaded)
{
	void *h = open_lib(RTLD_NOW);
	uintptr_t *slot = malloc_slot(NULL), *again;

	np_hooktab_enable(NP_HOOK_MODE_MEM);
	ck_assert_int_eq(np_hooktab_sync(NP_HOOK_MODE_MEM), 0);
	ck_assert_uint_eq(*slot, hook());
	ck_assert_int_eq(dlclose(h), 0);
	h = open_lib(RTLD_NOW);
	again = malloc_slot(NULL);
	if (again != slot) {
		dlclose(h);
		np_hooktab_unpatch(NP_HOOK_MODE_MEM);
		/* Nothing to prove: loaded elsewhere this time. */
		return;
	}
	ck_assert_uint_ne(*slot, hook());
	ck_assert_int_eq(np_hooktab_sync(NP_HOOK_MODE_MEM), 0);
	ck_assert_uint_eq(*slot, hook());
	alloc_through(h);
	np_hooktab_unpatch(NP_HOOK_MODE_MEM);
	ck_assert_uint_eq(*slot, (uintptr_t)dlsym(RTLD_DEFAULT, "malloc"));
	dlclose(h);
}
END_TEST

/* Patched and a session on: a call through the slot is recorded, to the
 * byte; once the session ended and the slot is back, nothing more is. */
START_TEST(test_session_records)
{
	void *h = open_lib(RTLD_NOW);
	struct np_mem_queues *q;
	const struct np_mem_event *ev;
	int seen = 0;

	ck_assert_int_eq(np_memhooks_init(0), 0);
	np_memhooks_begin(7, 0);
	np_hooktab_enable(NP_HOOK_MODE_MEM);
	ck_assert_int_eq(np_hooktab_sync(NP_HOOK_MODE_MEM), 0);
	alloc_through(h);
	np_memhooks_end();
	np_hooktab_unpatch(NP_HOOK_MODE_MEM);
	alloc_through(h);
	q = np_memhooks_queues();
	ck_assert_ptr_nonnull(q);
	while ((ev = np_mem_queues_peek(q))) {
		if (ev->session == 7 && ev->kind == NP_MEM_ALLOC &&
		    ev->size == 4099)
			seen++;
		np_mem_queues_pop(q);
	}
	ck_assert_int_eq(seen, 1);
	np_memhooks_release(7);
	dlclose(h);
}
END_TEST

/* A load that the writer's tick patches before the dlopen hook's own sync
 * sees it still has an unwind table when that sync returns (its caller
 * calls into it at once): the tick builds one, unless the writer's scan
 * of modules made one already; and it goes with the library. */
START_TEST(test_early_table_after_tick)
{
	struct np_elf_image im;
	size_t bytes;
	void *h;

	np_hooktab_enable(NP_HOOK_MODE_MEM);
	ck_assert_int_eq(np_hooktab_sync(NP_HOOK_MODE_MEM), 0);
	h = open_lib(RTLD_NOW);
	malloc_slot(&im);
	ck_assert(!np_cfi_tables_cover(im.bias));
	ck_assert_int_eq(np_hooktab_sync_tick(NP_HOOK_MODE_MEM), 0);
	ck_assert_int_eq(np_hooktab_sync_opened(NP_HOOK_MODE_MEM), 0);
	ck_assert(np_cfi_tables_cover(im.bias));
	ck_assert_int_eq(dlclose(h), 0);
	ck_assert_int_eq(np_hooktab_sync_tick(NP_HOOK_MODE_MEM), 0);
	ck_assert(!np_cfi_tables_cover(im.bias));

	/* The module's own table is there: no second one. */
	h = open_lib(RTLD_NOW);
	malloc_slot(&im);
	ck_assert_int_eq(np_cfi_tables_add(1, im.bias, im.phdr, im.phnum), 0);
	np_cfi_tables_publish();
	bytes = np_cfi_tables_bytes();
	ck_assert_int_eq(np_hooktab_sync_tick(NP_HOOK_MODE_MEM), 0);
	ck_assert_uint_eq(np_cfi_tables_bytes(), bytes);
	np_hooktab_unpatch(NP_HOOK_MODE_MEM);
	np_cfi_tables_drop(1);
	np_cfi_tables_publish();
	dlclose(h);
}
END_TEST

/* In a forked child, after np_hooktab_after_fork: 0 if the table holds
 * KEPT patched libraries, and the child can patch the library anew,
 * allocate through it and unpatch it to the real malloc; else where it
 * went wrong.  No ck_assert here: the child only exits. */
static int child_after_fork(void *h, uintptr_t *slot, uint32_t kept)
{
	void *(*alloc)(size_t) = (void *(*)(size_t))dlsym(h, "nm_dep_alloc");
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		np_hooktab_after_fork();
		if (patched_slots() ? kept == 0 : kept != 0)
			_exit(1);
		if (np_hooktab_sync(NP_HOOK_MODE_MEM) != 0 ||
		    *slot != hook() || patched_slots() == 0)
			_exit(2);
		free(alloc(4099));
		np_hooktab_unpatch(NP_HOOK_MODE_MEM);
		if (*slot != np_hook_real(0, NP_HF_MALLOC))
			_exit(3);
		free(alloc(4099));
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* A fork while a sync holds the table's lock (here the test itself): the
 * child forgets the table, whose entry being changed may be half done;
 * the library's slot stays patched, and a sync there patches it anew,
 * taking the hook's real function for what unpatching puts back.  With
 * the lock free, the child keeps the table. */
START_TEST(test_fork_forgets_held_table)
{
	void *h = open_lib(RTLD_NOW);
	uintptr_t *slot = malloc_slot(NULL), bound = *slot;

	np_hooktab_enable(NP_HOOK_MODE_MEM);
	ck_assert_int_eq(np_hooktab_sync(NP_HOOK_MODE_MEM), 0);
	ck_assert_uint_eq(*slot, hook());
	ck_assert_uint_eq(np_hook_real(0, NP_HF_MALLOC), bound);
	ck_assert_int_eq(child_after_fork(h, slot, 1), 0);
	np_hooktab_test_lock(1);
	ck_assert_int_eq(child_after_fork(h, slot, 0), 0);
	np_hooktab_test_lock(0);
	ck_assert_uint_eq(*slot, hook());
	np_hooktab_unpatch(NP_HOOK_MODE_MEM);
	ck_assert_uint_eq(*slot, bound);
	dlclose(h);
}
END_TEST

static Suite *hooktab_suite(void)
{
	Suite *s = suite_create("hooktab");
	TCase *tc = tcase_create("states");

	tcase_add_checked_fixture(tc, find_lib, NULL);
	tcase_add_test(tc, test_not_enabled);
	tcase_add_test(tc, test_patch_unpatch);
	tcase_add_test(tc, test_lazy_unpatch);
	tcase_add_test(tc, test_lazy_repaired);
	tcase_add_test(tc, test_lazy_then_another_load);
	tcase_add_test(tc, test_unloaded);
	tcase_add_test(tc, test_reloaded);
	tcase_add_test(tc, test_session_records);
	tcase_add_test(tc, test_early_table_after_tick);
	tcase_add_test(tc, test_fork_forgets_held_table);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return np_check_run(hooktab_suite());
}
