/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The table of loaded modules (executable, libraries, vDSO), sent as MODULE
 * records when they appear and MODULE_GONE when they are unloaded.  Follows
 * DESIGN rule 1: enumerate with dl_iterate_phdr, notice changes by its
 * dlpi_adds/dlpi_subs, and read a library only while it is pinned by
 * dlopen(RTLD_NOLOAD).  Writer thread only.
 */
#ifndef NPROF_AGENT_MODULES_H
#define NPROF_AGENT_MODULES_H

#include "send.h"

struct np_modules;

struct np_modules *np_modules_create(void);
void np_modules_free(struct np_modules *m);

/* Sends what changed since the last call; cheap when nothing did. */
void np_modules_scan(struct np_modules *m, struct np_send *out);

#endif /* NPROF_AGENT_MODULES_H */
