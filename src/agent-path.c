/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Finding the agent library (see agent-path.h). */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent-path.h"
#include "error.h"

static int try_path(char *buf, size_t cap, const char *dir, const char *sub)
{
	int n = snprintf(buf, cap, "%s%s/" NP_AGENT_NAME, dir, sub);

	return n > 0 && (size_t)n < cap && access(buf, R_OK) == 0;
}

int np_agent_path(char *buf, size_t cap)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		/* The build tree: libtool keeps the uninstalled library in
		 * .libs beside the nprof binary. */
		if (try_path(buf, cap, self, "/.libs") || try_path(buf, cap, self, ""))
			return 0;
	}
	if (try_path(buf, cap, PKGLIBDIR, ""))
		return 0;
	return np_error("cannot find the agent " NP_AGENT_NAME
			" next to nprof or in '%s' (reinstall nprof)",
			PKGLIBDIR);
}
