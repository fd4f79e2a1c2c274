/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the injector needs from the CPU architecture, and nothing else: a
 * thread's registers (with its floating-point and vector state, which the
 * injected calls may clobber), the few instructions of the scratch code (a
 * system call, an indirect call, each followed by a trap), and where the
 * arguments and results go.  arch-x86_64.c and arch-aarch64.c implement it.
 */
#ifndef NPROF_INJECT_ARCH_H
#define NPROF_INJECT_ARCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

struct np_inject;

#if defined(__x86_64__)
struct np_arch_regs {
	struct user_regs_struct gp;
	/* XSAVE area (x87, SSE, AVX, ...); its size is the kernel's. */
	unsigned char xstate[16384] __attribute__((aligned(64)));
	size_t xstate_len;
};
#elif defined(__aarch64__)
#include <asm/ptrace.h>
struct np_arch_regs {
	struct user_pt_regs gp;
	struct user_fpsimd_state fp;
	int syscall_nr; /* NT_ARM_SYSTEM_CALL */
};
#else
#error "nprof's injector supports x86_64 and aarch64"
#endif

/* The ELF e_machine of the code this file drives. */
extern const unsigned int np_arch_elf_machine;

/* The scratch code, and where in it the system call and the call start. */
extern const unsigned char np_arch_code[16];
#define NP_ARCH_CODE_SYSCALL 0u
#define NP_ARCH_CODE_CALL 8u

/* Reads / writes TID's registers; with ALL, the FP and vector state and
 * the interrupted system call too.  0 or -errno (detail in INJ). */
int np_arch_get(struct np_inject *inj, pid_t tid, struct np_arch_regs *r,
		int all);
int np_arch_set(struct np_inject *inj, pid_t tid,
		const struct np_arch_regs *r, int all);

/*
 * Turns R into the state that runs, from CODE (np_arch_code's address in
 * the target), the system call NR with ARGS, or the function FN with ARGS
 * on the stack at SP (16-byte aligned, below anything the thread uses).
 * Either also marks the thread as not inside a system call, so that the
 * kernel does not "restart" the interrupted one into our code.
 */
void np_arch_setup_syscall(struct np_arch_regs *r, uint64_t code, long nr,
			   const uint64_t args[6]);
void np_arch_setup_call(struct np_arch_regs *r, uint64_t code, uint64_t sp,
			uint64_t fn, const uint64_t args[3]);

/* Where the thread stands when it reached the trap after the code at
 * CODE + OFFSET. */
uint64_t np_arch_trap_pc(uint64_t code, unsigned int offset);

uint64_t np_arch_pc(const struct np_arch_regs *r);
uint64_t np_arch_sp(const struct np_arch_regs *r);
uint64_t np_arch_result(const struct np_arch_regs *r);

/* Bytes below the stack pointer that the interrupted code may still use
 * (the x86_64 red zone). */
extern const unsigned int np_arch_red_zone;

#endif /* NPROF_INJECT_ARCH_H */
