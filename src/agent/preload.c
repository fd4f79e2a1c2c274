/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Taking the agent out of the environment (see preload.h).  LD_PRELOAD is
 * edited in place: the string only ever gets shorter, and no malloc is
 * needed.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "preload.h"
#include "session.h"

static const char *base_name(const char *path, size_t len, size_t *base_len)
{
	const char *b = path;

	for (size_t i = 0; i < len; i++)
		if (path[i] == '/')
			b = path + i + 1;
	*base_len = len - (size_t)(b - path);
	return b;
}

/* Whether the LD_PRELOAD entry E (LEN bytes) names this library. */
static int is_agent(const char *e, size_t len, const char *self)
{
	size_t self_len = strlen(self), eb_len, sb_len;
	const char *eb, *sb;

	if (len == self_len && memcmp(e, self, len) == 0)
		return 1;
	eb = base_name(e, len, &eb_len);
	sb = base_name(self, self_len, &sb_len);
	return eb_len == sb_len && sb_len && memcmp(eb, sb, eb_len) == 0;
}

static void drop_from_preload(void)
{
	char *list = getenv("LD_PRELOAD");
	char *out, *p;
	Dl_info info;

	if (!list || !dladdr((void *)drop_from_preload, &info) ||
	    !info.dli_fname)
		return;
	out = p = list;
	/* ld.so splits entries at spaces and colons. */
	while (*p) {
		size_t len = strcspn(p, ": ");

		if (len && !is_agent(p, len, info.dli_fname)) {
			if (out != list)
				*out++ = ':';
			memmove(out, p, len);
			out += len;
		}
		p += len;
		if (*p)
			p++;
	}
	*out = '\0';
	if (out == list)
		unsetenv("LD_PRELOAD");
}

int np_preload_take_settings(char *buf, size_t cap)
{
	const char *text = getenv(NP_ENV_SETTINGS);
	size_t len;

	if (!text)
		return -1;
	len = strlen(text);
	if (len < cap)
		memcpy(buf, text, len + 1);
	unsetenv(NP_ENV_SETTINGS);
	drop_from_preload();
	return len < cap ? 0 : -1;
}
