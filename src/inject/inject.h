/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The injector: loads the agent into a running process over ptrace and
 * starts a session in it, leaving the process as it found it.  See inject.c
 * for how a thread is borrowed and why it is safe.  Like every library of
 * nprof's, it returns error codes and never exits; np_inject_message words
 * them for the user.
 */
#ifndef NPROF_INJECT_INJECT_H
#define NPROF_INJECT_INJECT_H

#include <stdint.h>
#include <sys/types.h>

#include "session.h"

/* The errors of the injector, each with what happened and what the user can
 * do about it (errors.c). */
#define NP_INJECT_ERRORS(X)                                                 \
	X(NP_INJ_OK, "attached", "")                                        \
	X(NP_INJ_ENOPROC, "no such process", "check the process number with ps")       \
	X(NP_INJ_ESELF, "that is nprof itself",                             \
	  "give the PID of another process")                                \
	X(NP_INJ_EZOMBIE, "it is a zombie: it has exited and waits for its parent to reap it", \
	  "there is nothing left to profile")                               \
	X(NP_INJ_ESTOPPED, "it is stopped (SIGSTOP or job control), and nprof leaves it so", \
	  "resume it with 'kill -CONT PID' and attach again")               \
	X(NP_INJ_ETRACED, "it is already traced by another process",        \
	  "detach the debugger or tracer first")                            \
	X(NP_INJ_EPERM, "ptrace is not permitted",                          \
	  "run nprof as the process's owner or as root")                    \
	X(NP_INJ_ESTATIC, "it is statically linked: CPU and memory profiling need the dynamic linker to load the agent", \
	  "profile a dynamically linked build of the program")              \
	X(NP_INJ_EAGENT, "the agent cannot be loaded into it",              \
	  "reinstall nprof with the agent built for the process's architecture") \
	X(NP_INJ_ELINKER, "cannot read its dynamic linker's list of libraries", \
	  "the process may be exiting, or not use glibc's dynamic linker")  \
	X(NP_INJ_ENODLOPEN, "its C library has no dlopen",                  \
	  "nprof attach needs glibc's dynamic linker")                      \
	X(NP_INJ_EGONE, "the process exited while nprof was attaching",     \
	  "nothing was changed; attach to a running process")              \
	X(NP_INJ_ENOSAFE, "no thread could be borrowed safely: all of them stayed inside malloc, the dynamic linker, fork or thread creation", \
	  "try again in a moment")                                          \
	X(NP_INJ_EDLOPEN, "the process could not load the agent",           \
	  "check that the process can read the agent's file")              \
	X(NP_INJ_EBUSY, "it already has an nprof session running",          \
	  "stop that nprof first, with Ctrl-C, then attach again")              \
	X(NP_INJ_ESTART, "the agent could not start a session",             \
	  "see the reason above; the process was left as it was")           \
	X(NP_INJ_ECALL, "the injected call failed",                         \
	  "the process was restored; please report this with 'nprof attach -v'") \
	X(NP_INJ_ESYS, "a system call of nprof failed",                     \
	  "see the reason above")

enum np_inject_error {
#define NP_INJ_ENUM(code, what, hint) code,
	NP_INJECT_ERRORS(NP_INJ_ENUM)
#undef NP_INJ_ENUM
};

struct np_inject {
	/* In. */
	pid_t pid;
	const char *agent;          /* the agent's path, as nprof sees it */
	struct np_session session;  /* stream_fd is set by the injector */
	/* Out. */
	int stream_fd;              /* nprof's end of the record stream */
	pid_t borrowed_tid;         /* the thread that made the calls */
	uint64_t pause_ns;          /* how long that thread was stopped */
	uint64_t total_ns;          /* from the start to the detach */
	uint64_t dlopen_ns;         /* of the pause: in dlopen of the agent */
	uint64_t start_ns;          /* of the pause: in the agent's start */
	int agent_was_loaded;       /* 1: a previous attach had loaded it */
	int agent_status;           /* nprof_agent_start's result */
	char detail[512];           /* what exactly failed, or "" */
	/* Private to the injector. */
	int mem_fd;                 /* /proc/PID/mem */
	int pidfd;
};

/* Fills INJ for PID, AGENT and SESSION. */
void np_inject_init(struct np_inject *inj, pid_t pid, const char *agent,
		    const struct np_session *session);

/*
 * Checks that PID can be attached to, loads the agent into it if a previous
 * attach has not, and starts a session whose stream is INJ->stream_fd.
 * Returns 0 or a negative -NP_INJ_* (with INJ->detail filled in); the
 * process is left running and unchanged but for the agent when it fails.
 */
int np_inject_agent(struct np_inject *inj);

/* Frees what np_inject_agent kept (not the stream fd). */
void np_inject_release(struct np_inject *inj);

/* The message for error ERR (negative) of INJ, without "nprof: ". */
void np_inject_message(const struct np_inject *inj, int err, char *buf,
		       size_t cap);

#endif /* NPROF_INJECT_INJECT_H */
