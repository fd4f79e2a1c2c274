/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The injector's messages, one table (see inject.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "inject/inject.h"

static const struct {
	const char *what;
	const char *hint;
} messages[] = {
#define NP_INJ_ROW(code, what, hint) [code] = { what, hint },
	NP_INJECT_ERRORS(NP_INJ_ROW)
#undef NP_INJ_ROW
};

void np_inject_message(const struct np_inject *inj, int err, char *buf,
		       size_t cap)
{
	unsigned int code = (unsigned int)-err;
	char hint[256];
	const char *p;
	size_t n = 0;

	if (code >= sizeof(messages) / sizeof(messages[0]))
		code = NP_INJ_ESYS;
	/* "PID" in a hint is the process's number. */
	p = messages[code].hint;
	while (*p && n + 16 < sizeof(hint)) {
		if (!strncmp(p, "PID", 3)) {
			n += (size_t)snprintf(hint + n, sizeof(hint) - n, "%d",
					      (int)inj->pid);
			p += 3;
		} else {
			hint[n++] = *p++;
		}
	}
	hint[n] = '\0';
	if (inj->detail[0])
		snprintf(buf, cap, "cannot attach to process %d: %s: %s (%s)",
			 (int)inj->pid, messages[code].what, inj->detail, hint);
	else
		snprintf(buf, cap, "cannot attach to process %d: %s (%s)",
			 (int)inj->pid, messages[code].what, hint);
}
