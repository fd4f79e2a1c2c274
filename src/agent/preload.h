/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The environment that `nprof record` gives the target: the settings
 * variable and the agent's LD_PRELOAD entry, both taken out again so that
 * the target's children are not profiled.
 */
#ifndef NPROF_AGENT_PRELOAD_H
#define NPROF_AGENT_PRELOAD_H

#include <stddef.h>

/*
 * Copies NP_ENV_SETTINGS into BUF and removes it from the environment;
 * removes the agent from LD_PRELOAD.  Returns 0, or -1 when the variable is
 * not set (attach mode) or does not fit.  For the constructor only: it
 * edits the environment, which is not thread-safe.
 */
int np_preload_take_settings(char *buf, size_t cap);

#endif /* NPROF_AGENT_PRELOAD_H */
