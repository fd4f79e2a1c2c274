/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The exec family, interposed when the agent is preloaded (`record`): before
 * the process replaces its image, the session ends and pending SIGPROFs are
 * thrown away, since the new program would die of them (the itimer and
 * pending signals both survive exec).
 */
#ifndef NPROF_AGENT_EXEC_HOOKS_H
#define NPROF_AGENT_EXEC_HOOKS_H

/* Finds the real functions; from the constructor, before any exec can be
 * called, so that a vfork child never runs the dynamic linker's lookup. */
void np_exec_hooks_init(void);

#endif /* NPROF_AGENT_EXEC_HOOKS_H */
