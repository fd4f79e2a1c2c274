/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The injector on x86_64 (see arch.h). */
#include "config.h"

#if defined(__x86_64__)

#include <elf.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "inject/arch.h"
#include "inject/injectP.h"

const unsigned int np_arch_elf_machine = EM_X86_64;
const unsigned int np_arch_red_zone = 128;

const unsigned char np_arch_code[16] = {
	0x0f, 0x05,             /* 0: syscall */
	0xcc,                   /* 2: int3 */
	0x90, 0x90, 0x90, 0x90, 0x90,
	0xff, 0xd0,             /* 8: call *%rax */
	0xcc,                   /* 10: int3 */
	0x90, 0x90, 0x90, 0x90, 0x90,
};

int np_arch_get(struct np_inject *inj, pid_t tid, struct np_arch_regs *r,
		int all)
{
	struct iovec iov;
	long err = np_ptrace(inj, PTRACE_GETREGS, tid, NULL, &r->gp);

	if (err || !all)
		return (int)err;
	iov.iov_base = r->xstate;
	iov.iov_len = sizeof(r->xstate);
	err = np_ptrace(inj, PTRACE_GETREGSET, tid, (void *)NT_X86_XSTATE, &iov);
	r->xstate_len = err ? 0 : iov.iov_len;
	if (err) {
		/* No XSAVE: the legacy FXSAVE area still holds SSE. */
		iov.iov_len = 512;
		err = np_ptrace(inj, PTRACE_GETREGSET, tid,
				(void *)NT_PRFPREG, &iov);
		r->xstate_len = err ? 0 : iov.iov_len;
	}
	return (int)err;
}

int np_arch_set(struct np_inject *inj, pid_t tid,
		const struct np_arch_regs *r, int all)
{
	long err = np_ptrace(inj, PTRACE_SETREGS, tid, NULL, (void *)&r->gp);
	struct iovec iov;

	if (err || !all || !r->xstate_len)
		return (int)err;
	iov.iov_base = (void *)r->xstate;
	iov.iov_len = r->xstate_len;
	return (int)np_ptrace(inj, PTRACE_SETREGSET, tid,
			      (void *)(long)(r->xstate_len > 512 ? NT_X86_XSTATE
							   : NT_PRFPREG),
			      &iov);
}

void np_arch_setup_syscall(struct np_arch_regs *r, uint64_t code, long nr,
			   const uint64_t args[6])
{
	r->gp.rip = code + NP_ARCH_CODE_SYSCALL;
	r->gp.rax = (uint64_t)nr;
	r->gp.rdi = args[0];
	r->gp.rsi = args[1];
	r->gp.rdx = args[2];
	r->gp.r10 = args[3];
	r->gp.r8 = args[4];
	r->gp.r9 = args[5];
	/* With orig_rax >= 0 and rax = -ERESTART*, resuming would move rip
	 * back two bytes to "restart" the interrupted system call. */
	r->gp.orig_rax = (uint64_t)-1;
}

void np_arch_setup_call(struct np_arch_regs *r, uint64_t code, uint64_t sp,
			uint64_t fn, const uint64_t args[3])
{
	r->gp.rip = code + NP_ARCH_CODE_CALL;
	r->gp.rax = fn;
	r->gp.rdi = args[0];
	r->gp.rsi = args[1];
	r->gp.rdx = args[2];
	/* `call` pushes 8 bytes: the callee finds rsp + 8 aligned to 16, as
	 * the ABI wants. */
	r->gp.rsp = sp;
	r->gp.eflags &= ~0x400ull; /* DF clear at calls */
	r->gp.orig_rax = (uint64_t)-1;
}

uint64_t np_arch_trap_pc(uint64_t code, unsigned int offset)
{
	/* int3 reports the address after itself. */
	return code + offset + 3;
}

uint64_t np_arch_pc(const struct np_arch_regs *r)
{
	return r->gp.rip;
}

uint64_t np_arch_sp(const struct np_arch_regs *r)
{
	return r->gp.rsp;
}

uint64_t np_arch_result(const struct np_arch_regs *r)
{
	return r->gp.rax;
}

#endif /* __x86_64__ */
