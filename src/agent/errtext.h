/* SPDX-License-Identifier: GPL-2.0-or-later */
/* errno as text for warnings, without strerror's buffer or locale. */
#ifndef NPROF_AGENT_ERRTEXT_H
#define NPROF_AGENT_ERRTEXT_H

#include <string.h>

static inline const char *np_errtext(int err)
{
	const char *s = strerrordesc_np(err);

	return s ? s : "unknown error";
}

#endif /* NPROF_AGENT_ERRTEXT_H */
