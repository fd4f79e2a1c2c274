/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libnprof-agent.so: loaded into the profiled process by `nprof record`
 * (LD_PRELOAD, settings in NP_ENV_SETTINGS) or `nprof attach` (which calls
 * nprof_agent_start).  It samples the target's threads and streams records
 * (record.h) to the CLI over a socket, from one writer thread.
 *
 * The agent's rules.  Each one protects the target; keep them.
 *  1. No malloc, no locks, no stdio in the signal handler or in hooks: only
 *     atomics, mmap'd memory and async-signal-safe system calls.  A
 *     per-thread guard (guard.h) makes nested entries do nothing.
 *  2. The agent's own memory comes from mmap (mem.h), never malloc, so the
 *     target's allocator and future malloc hooks never see it.
 *  3. Never block the target: a full ring drops the sample and counts it
 *     (LOST records); only the writer thread waits, and only for the CLI.
 *  4. Failures become counters or warning META records in the stream.  The
 *     agent never calls exit or abort and never prints.
 *  5. The target never gets SIGPIPE (send with MSG_NOSIGNAL) nor a SIGPROF
 *     it did not ask for under SIG_DFL: the handler is installed once and
 *     stays, doing nothing between sessions.
 *  6. Only fully loaded libraries are read, pinned by dlopen(RTLD_NOLOAD)
 *     (DESIGN rule 1); dl_iterate_phdr callbacks only copy.
 *  7. Children are not profiled: the settings variable and the agent's
 *     LD_PRELOAD entry are removed at start, fds are close-on-exec, and a
 *     forked child drops the session.  Its patched GOT slots stay and lead
 *     to hooks that find no session and only call the real function:
 *     putting them back from the fork handler would write GOT pages while
 *     the table may be half-updated by a thread that did not come along.
 *  8. Exiting stays quick: the destructor waits for the last records at
 *     most a second.
 */
#ifndef NPROF_AGENT_AGENT_H
#define NPROF_AGENT_AGENT_H

#include "session.h"

#define NP_AGENT_EXPORT __attribute__((visibility("default")))

/*
 * Starts a session from its settings text (session.h); the stream fd named
 * there belongs to the agent from then on (it is closed when the session
 * ends, or at once when it cannot start).  Returns 0, -EINVAL for bad
 * settings, -EBUSY while a session runs, or another -errno.  Exported for
 * attach as NP_AGENT_START_SYMBOL, and called in a thread that attach has
 * stopped: it returns once the writer thread runs, which then chooses the
 * engine and patches the libraries for native memory (a failure there is a
 * warning in the stream).
 */
NP_AGENT_EXPORT int nprof_agent_start(const char *settings);

/* The same from parsed settings, for `record`: the engine is chosen and
 * the libraries patched before it returns (native memory tracking that
 * cannot start is a warning in the stream, as for attach). */
int np_agent_start(const struct np_session *s);

/*
 * Called before the process replaces its image (exec-hooks.c): ends the
 * session, waiting a bounded time for the writer to stop every engine, and
 * throws away pending SIGPROFs, which would kill the new program.  Does
 * nothing in a child that shares our memory (vfork).
 */
void np_agent_before_exec(void);

#endif /* NPROF_AGENT_AGENT_H */
