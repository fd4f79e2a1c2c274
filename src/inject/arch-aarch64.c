/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The injector on aarch64 (see arch.h): registers through PTRACE_GETREGSET
 * (NT_PRSTATUS, NT_PRFPREG, and NT_ARM_SYSTEM_CALL for the interrupted
 * system call), `svc #0`, `blr x9` and `brk #0`.
 */
#include "config.h"

#if defined(__aarch64__)

#include <elf.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "inject/arch.h"
#include "inject/injectP.h"

#ifndef NT_ARM_SYSTEM_CALL
#define NT_ARM_SYSTEM_CALL 0x404
#endif

const unsigned int np_arch_elf_machine = EM_AARCH64;
const unsigned int np_arch_red_zone = 0;

/* Little-endian instruction words. */
const unsigned char np_arch_code[16] = {
	0x01, 0x00, 0x00, 0xd4, /* 0: svc #0 */
	0x00, 0x00, 0x20, 0xd4, /* 4: brk #0 */
	0x20, 0x01, 0x3f, 0xd6, /* 8: blr x9 */
	0x00, 0x00, 0x20, 0xd4, /* 12: brk #0 */
};

static int regset(struct np_inject *inj, int request, pid_t tid, long type,
		  void *buf, size_t len)
{
	struct iovec iov = { buf, len };

	return (int)np_ptrace(inj, request, tid, (void *)type, &iov);
}

int np_arch_get(struct np_inject *inj, pid_t tid, struct np_arch_regs *r,
		int all)
{
	int err = regset(inj, PTRACE_GETREGSET, tid, NT_PRSTATUS, &r->gp,
			 sizeof(r->gp));

	if (err || !all)
		return err;
	err = regset(inj, PTRACE_GETREGSET, tid, NT_PRFPREG, &r->fp,
		     sizeof(r->fp));
	if (err)
		return err;
	return regset(inj, PTRACE_GETREGSET, tid, NT_ARM_SYSTEM_CALL,
		      &r->syscall_nr, sizeof(r->syscall_nr));
}

int np_arch_set(struct np_inject *inj, pid_t tid,
		const struct np_arch_regs *r, int all)
{
	int err = regset(inj, PTRACE_SETREGSET, tid, NT_PRSTATUS,
			 (void *)&r->gp, sizeof(r->gp));
	int nr = all ? r->syscall_nr : -1;

	if (err)
		return err;
	if (all) {
		err = regset(inj, PTRACE_SETREGSET, tid, NT_PRFPREG,
			     (void *)&r->fp, sizeof(r->fp));
		if (err)
			return err;
	}
	/* -1 while our code runs: no restart of the interrupted call. */
	return regset(inj, PTRACE_SETREGSET, tid, NT_ARM_SYSTEM_CALL, &nr,
		      sizeof(nr));
}

void np_arch_setup_syscall(struct np_arch_regs *r, uint64_t code, long nr,
			   const uint64_t args[6])
{
	r->gp.pc = code + NP_ARCH_CODE_SYSCALL;
	r->gp.regs[8] = (uint64_t)nr;
	for (int i = 0; i < 6; i++)
		r->gp.regs[i] = args[i];
}

void np_arch_setup_call(struct np_arch_regs *r, uint64_t code, uint64_t sp,
			uint64_t fn, const uint64_t args[3])
{
	r->gp.pc = code + NP_ARCH_CODE_CALL;
	r->gp.regs[9] = fn;
	for (int i = 0; i < 3; i++)
		r->gp.regs[i] = args[i];
	r->gp.sp = sp;
}

uint64_t np_arch_trap_pc(uint64_t code, unsigned int offset)
{
	/* brk reports its own address. */
	return code + offset + 4;
}

uint64_t np_arch_pc(const struct np_arch_regs *r)
{
	return r->gp.pc;
}

uint64_t np_arch_sp(const struct np_arch_regs *r)
{
	return r->gp.sp;
}

uint64_t np_arch_result(const struct np_arch_regs *r)
{
	return r->gp.regs[0];
}

#endif /* __aarch64__ */
