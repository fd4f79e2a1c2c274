/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where libnprof-agent.so is: next to nprof in the build tree, else in
 * $(pkglibdir) after `make install`. */
#ifndef NPROF_AGENT_PATH_H
#define NPROF_AGENT_PATH_H

#include <stddef.h>

#define NP_AGENT_NAME "libnprof-agent.so"

/* Writes the agent's absolute path into BUF; 0, or -1 with a message
 * printed (np_error) that names the places looked at. */
int np_agent_path(char *buf, size_t cap);

#endif /* NPROF_AGENT_PATH_H */
