/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dlopen, dlmopen and dlclose hooks: after the real call returns, the hook
 * table is brought up to date (hook-table.c), so that a library the caller
 * just opened, and its dependencies, are patched before the caller can call
 * into it, and a library that was just unloaded leaves the table.  The same
 * hooks serve every link-map namespace.
 *
 * dlopen looks at its return address to find the calling object, whose
 * RUNPATH and $ORIGIN it searches and whose namespace it loads into.  Called
 * from here it would see the agent.  So on x86_64 the real call returns
 * first through a `ret` byte (0xc3) found in the caller's own code page,
 * which then returns to us: the linker sees an address in the caller's
 * object.  (Elsewhere the call is plain, and RUNPATH is the agent's.)
 */
#include "config.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <stdint.h>

#include "guard.h"
#include "hook-table.h"
#include "hooks.h"
#include "namespaces.h"

typedef void *(*dlopen_fn)(const char *, int);
typedef void *(*dlmopen_fn)(Lmid_t, const char *, int);
typedef int (*dlclose_fn)(void *);

uintptr_t np_dl_hook_address(enum np_hook_func f);

#if defined(__x86_64__)
/* uintptr_t call_via(fn, a, b, c, gadget): fn(a, b, c) returning through
 * GADGET (a `ret`), which returns here; the stack is aligned as for a call. */
uintptr_t np_call_via(uintptr_t fn, uintptr_t a, uintptr_t b, uintptr_t c,
		      uintptr_t gadget);
__asm__(".text\n"
	".globl np_call_via\n"
	".hidden np_call_via\n"
	".type np_call_via, @function\n"
	"np_call_via:\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rdi\n"
	"	mov %rdx, %rsi\n"
	"	mov %rcx, %rdx\n"
	"	sub $8, %rsp\n"
	"	lea 1f(%rip), %r11\n"
	"	push %r11\n"
	"	push %r8\n"
	"	jmp *%rax\n"
	"1:	leave\n"
	"	ret\n"
	".size np_call_via, .-np_call_via\n");

/* A `ret` byte in the page of RET (code of the caller's object), or 0. */
static uintptr_t find_gadget(uintptr_t ret)
{
	const unsigned char *page = (const unsigned char *)(ret & ~4095ul);

	for (uintptr_t i = ret & 4095; i < 4096; i++)
		if (page[i] == 0xc3)
			return (uintptr_t)&page[i];
	for (uintptr_t i = ret & 4095; i-- > 0;)
		if (page[i] == 0xc3)
			return (uintptr_t)&page[i];
	return 0;
}

static uintptr_t call3(uintptr_t fn, uintptr_t a, uintptr_t b, uintptr_t c,
		       uintptr_t caller)
{
	uintptr_t gadget = find_gadget(caller);

	if (gadget)
		return np_call_via(fn, a, b, c, gadget);
	return ((uintptr_t(*)(uintptr_t, uintptr_t, uintptr_t))fn)(a, b, c);
}
#else
static uintptr_t call3(uintptr_t fn, uintptr_t a, uintptr_t b, uintptr_t c,
		       uintptr_t caller)
{
	(void)caller;
	return ((uintptr_t(*)(uintptr_t, uintptr_t, uintptr_t))fn)(a, b, c);
}
#endif

static void after_change(int opened)
{
	if (!np_memhooks_session() || np_guard_enter() != 0)
		return;
	if (opened)
		np_hooktab_sync_opened(NP_HOOK_MODE_MEM);
	else
		np_hooktab_sync(NP_HOOK_MODE_MEM);
	np_guard_leave();
}

__attribute__((noinline)) static void *hook_dlopen(const char *file, int mode)
{
	uintptr_t caller = (uintptr_t)__builtin_return_address(0);
	void *h = (void *)call3(np_hook_real(0, NP_HF_DLOPEN), (uintptr_t)file,
				(uintptr_t)mode, 0, caller);

	if (h)
		after_change(1);
	return h;
}

__attribute__((noinline)) static void *hook_dlmopen(Lmid_t lmid,
						    const char *file, int mode)
{
	uintptr_t caller = (uintptr_t)__builtin_return_address(0);
	void *h = (void *)call3(np_hook_real(0, NP_HF_DLMOPEN), (uintptr_t)lmid,
				(uintptr_t)file, (uintptr_t)mode, caller);

	/* The table lists another namespace only once it is anchored. */
	if (h) {
		if (np_memhooks_session())
			np_ns_note(h);
		after_change(1);
	}
	return h;
}

static int hook_dlclose(void *handle)
{
	int ret = ((dlclose_fn)np_hook_real(0, NP_HF_DLCLOSE))(handle);

	/* Whatever it unloaded is unmapped by now, and the table never
	 * writes to a library it has not pinned: forgetting it is enough.
	 * A failed call unloaded nothing, and our own dl calls would take
	 * its message from dlerror. */
	if (ret == 0)
		after_change(0);
	return ret;
}

uintptr_t np_dl_hook_address(enum np_hook_func f)
{
	switch (f) {
	case NP_HF_DLOPEN:
		return (uintptr_t)hook_dlopen;
	case NP_HF_DLMOPEN:
		return (uintptr_t)hook_dlmopen;
	case NP_HF_DLCLOSE:
		return (uintptr_t)hook_dlclose;
	default:
		return 0;
	}
}
