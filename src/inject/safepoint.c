/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Whether a stopped thread may be borrowed (see inject.c for why): its whole
 * stack, signal frames included, is unwound with libdwfl, as eu-stack does
 * for a live process, and it is unsafe if any frame is in ld.so or in one
 * of the functions below, which hold the allocator's, the loader's or the
 * thread list's locks that dlopen and the agent's start need too.
 */
#include "config.h"

#include <elfutils/libdwfl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inject/injectP.h"

#define MAX_FRAMES 512

/* Names matched whole, then prefixes. */
static const char *const unsafe_names[] = {
	"malloc", "free", "calloc", "realloc", "reallocarray", "memalign",
	"posix_memalign", "aligned_alloc", "valloc", "pvalloc", "cfree",
	"sysmalloc", "systrim", "mtrim", "pthread_create", "fork", "vfork",
	"_Fork", "exit", "pthread_exit", "dlopen", "dlmopen", "dlclose",
	"dlsym", "dlvsym", "dladdr", "dladdr1", "dlinfo", "dlerror",
	"dl_iterate_phdr",
};
static const char *const unsafe_prefixes[] = {
	"_dl_", "__dl", "_int_", "__libc_malloc", "__libc_free",
	"__libc_calloc", "__libc_realloc", "__libc_memalign", "__libc_valloc",
	"__libc_pvalloc", "__libc_dl", "__libc_fork", "__malloc", "malloc_",
	"tcache_", "arena_", "__pthread_create", "__libc_pthread_create",
	"__run_fork_handlers", "__run_exit_handlers", "__nptl_", "__libc_thread_freeres",
	"__free_stacks", "__call_tls_dtors", "operator new", "operator delete",
	"_Znw", "_Zna", "_Zdl", "_Zda",
};

struct np_safepoint {
	Dwfl *dwfl;
	pid_t pid;
};

struct walk_state {
	Dwfl *dwfl;
	int frames;
	int unsafe;
	char *why;
	size_t cap;
};

static int is_unsafe_name(const char *name)
{
	for (size_t i = 0; i < sizeof(unsafe_names) / sizeof(unsafe_names[0]); i++)
		if (!strcmp(name, unsafe_names[i]))
			return 1;
	for (size_t i = 0; i < sizeof(unsafe_prefixes) / sizeof(unsafe_prefixes[0]); i++)
		if (!strncmp(name, unsafe_prefixes[i], strlen(unsafe_prefixes[i])))
			return 1;
	return 0;
}

static int is_ld_so(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strncmp(base, "ld-linux", 8) || !strncmp(base, "ld.so", 5) ||
	       !strncmp(base, "ld-2.", 5) || !strncmp(base, "ld64.so", 7);
}

static int frame_cb(Dwfl_Frame *frame, void *arg)
{
	struct walk_state *w = arg;
	Dwarf_Addr pc;
	bool activation;
	Dwfl_Module *mod;
	const char *modname, *sym;

	if (!dwfl_frame_pc(frame, &pc, &activation))
		return DWARF_CB_ABORT;
	/* A return address points after the call: look at the call. */
	if (!activation && pc)
		pc--;
	w->frames++;
	mod = dwfl_addrmodule(w->dwfl, pc);
	if (mod) {
		modname = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL,
					   NULL, NULL);
		if (modname && is_ld_so(modname)) {
			snprintf(w->why, w->cap, "in the dynamic linker (%s)",
				 modname);
			w->unsafe = 1;
			return DWARF_CB_ABORT;
		}
		sym = dwfl_module_addrname(mod, pc);
		if (sym && is_unsafe_name(sym)) {
			snprintf(w->why, w->cap, "in %s", sym);
			w->unsafe = 1;
			return DWARF_CB_ABORT;
		}
	}
	return w->frames >= MAX_FRAMES ? DWARF_CB_ABORT : DWARF_CB_OK;
}

/* Loads what a check will need of MOD: its ELF, its symbol table (whose
 * search for separate debug info reads the disk) and its CFI. */
static int warm_module(Dwfl_Module *mod, void **userdata, const char *name,
		       Dwarf_Addr start, void *arg)
{
	Dwarf_Addr bias;

	(void)userdata;
	(void)name;
	(void)start;
	(void)arg;
	if (dwfl_module_getelf(mod, &bias)) {
		dwfl_module_getsymtab(mod);
		dwfl_module_eh_cfi(mod, &bias);
	}
	return DWARF_CB_OK;
}

struct np_safepoint *np_safepoint_open(struct np_inject *inj)
{
	static const Dwfl_Callbacks callbacks = {
		.find_elf = dwfl_linux_proc_find_elf,
		.find_debuginfo = dwfl_standard_find_debuginfo,
	};
	struct np_safepoint *sp = calloc(1, sizeof(*sp));

	if (!sp) {
		np_inj_fail(inj, NP_INJ_ESYS, "out of memory");
		return NULL;
	}
	sp->pid = inj->pid;
	sp->dwfl = dwfl_begin(&callbacks);
	if (!sp->dwfl)
		goto fail;
	dwfl_report_begin(sp->dwfl);
	if (dwfl_linux_proc_report(sp->dwfl, inj->pid) != 0)
		goto fail;
	dwfl_report_end(sp->dwfl, NULL, NULL);
	/* The injector stops the threads itself: libdwfl must not attach. */
	if (dwfl_linux_proc_attach(sp->dwfl, inj->pid, true) != 0)
		goto fail;
	/* Now, while every thread runs, rather than during the checks, each
	 * of which holds a thread stopped (milliseconds per module). */
	dwfl_getmodules(sp->dwfl, warm_module, NULL, 0);
	return sp;
fail:
	np_inj_fail(inj, NP_INJ_ELINKER, "cannot read the modules of process %d: %s",
		    (int)inj->pid, dwfl_errmsg(-1));
	np_safepoint_close(sp);
	return NULL;
}

void np_safepoint_close(struct np_safepoint *sp)
{
	if (!sp)
		return;
	if (sp->dwfl)
		dwfl_end(sp->dwfl);
	free(sp);
}

enum np_safety np_safepoint_check(struct np_safepoint *sp, pid_t tid,
				  char *why, size_t cap)
{
	struct walk_state w = { sp->dwfl, 0, 0, why, cap };
	int ret;

	why[0] = '\0';
	ret = dwfl_getthread_frames(sp->dwfl, tid, frame_cb, &w);
	if (w.unsafe)
		return NP_UNSAFE;
	if (ret != 0 && w.frames < MAX_FRAMES) {
		snprintf(why, cap, "unwound %d frames only: %s", w.frames,
			 dwfl_errmsg(-1));
		return NP_UNKNOWN;
	}
	return NP_SAFE;
}
