/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The injector's internals, shared by its files and by nothing else. */
#ifndef NPROF_INJECT_INJECTP_H
#define NPROF_INJECT_INJECTP_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "inject/inject.h"

/* Records a failure in INJ->detail (printf-like); returns -CODE. */
NP_PRINTF(3, 4) int np_inj_fail(struct np_inject *inj, int code,
				const char *fmt, ...);

/* ptrace.c: the only caller of ptrace(2).  0, or -errno with the request
 * and thread named in INJ->detail. */
long np_ptrace(struct np_inject *inj, int request, pid_t tid, void *addr,
	       void *data);

/* Waits up to TIMEOUT_MS for a state change of the traced thread TID;
 * 1 with *STATUS set, 0 on timeout, -errno on error (ECHILD: gone). */
int np_wait_tid(pid_t tid, int *status, int timeout_ms);

/* Target memory through /proc/PID/mem: 0, or -1 if it cannot be read or
 * written whole. */
int np_mem_read(struct np_inject *inj, uint64_t addr, void *buf, size_t len);
int np_mem_write(struct np_inject *inj, uint64_t addr, const void *buf,
		 size_t len);
/* A NUL-terminated string of at most CAP bytes (cut short if longer). */
int np_mem_read_string(struct np_inject *inj, uint64_t addr, char *buf,
		       size_t cap);

/* libs.c: the libraries of the target, from the dynamic linker's link_map
 * list (read while r_state is RT_CONSISTENT) checked against
 * /proc/PID/maps. */
struct np_lib {
	char name[PATH_MAX]; /* l_name, as the target sees it */
	char file[PATH_MAX]; /* a path nprof can open (via /proc/PID/root) */
	uint64_t base;       /* l_addr: the load bias */
	uint64_t link_map;   /* the link_map's address in the target */
	dev_t dev;           /* of the mapped file, from maps */
	ino_t ino;
	uint64_t exec_start, exec_end; /* an executable mapping of it */
};

struct np_libs {
	struct np_lib *lib;
	size_t n;
};

int np_libs_read(struct np_inject *inj, struct np_libs *libs);
void np_libs_free(struct np_libs *libs);
/* The library whose file name (without directories) starts with PREFIX. */
const struct np_lib *np_libs_find(const struct np_libs *libs,
				  const char *prefix);

/* elfsym.c: reading ELF files with libelf. */
/* The value of the defined symbol NAME (dynamic symbols first); 0 or -1. */
int np_elf_symbol(const char *path, const char *name, uint64_t *value);
/* e_machine and e_entry; 0 or -1. */
int np_elf_header(const char *path, unsigned int *machine, uint64_t *entry);
/* "x86_64", "aarch64", or "machine N". */
const char *np_elf_machine_name(unsigned int machine, char *buf, size_t cap);

/* safepoint.c: whether a stopped thread may be borrowed. */
struct np_safepoint;
struct np_safepoint *np_safepoint_open(struct np_inject *inj);
void np_safepoint_close(struct np_safepoint *sp);
enum np_safety {
	NP_SAFE,       /* every frame is outside the listed code */
	NP_UNSAFE,     /* a frame is in the loader, the allocator, ... */
	NP_UNKNOWN,    /* the stack could not be unwound to its end */
};
/* Unwinds the ptrace-stopped thread TID; WHY names the frame if unsafe. */
enum np_safety np_safepoint_check(struct np_safepoint *sp, pid_t tid,
				  char *why, size_t cap);

#endif /* NPROF_INJECT_INJECTP_H */
