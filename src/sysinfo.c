/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Machine and run facts for the file's metadata (see sysinfo.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "sysinfo.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t np_monotonic_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t np_realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

void np_host_name(char *buf, size_t cap)
{
	struct utsname u;

	if (uname(&u) == 0)
		snprintf(buf, cap, "%s", u.nodename);
	else
		snprintf(buf, cap, "unknown");
}

void np_kernel_name(char *buf, size_t cap)
{
	struct utsname u;

	if (uname(&u) == 0)
		snprintf(buf, cap, "%s %s %s %s", u.sysname, u.release,
			 u.version, u.machine);
	else
		snprintf(buf, cap, "unknown");
}

void np_format_time(uint64_t realtime_ns, char *buf, size_t cap)
{
	time_t t = (time_t)(realtime_ns / 1000000000ull);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, cap, "%llu", (unsigned long long)realtime_ns);
}

/* A word needs quotes unless made only of characters a shell leaves alone. */
static int needs_quotes(const char *w)
{
	if (!*w)
		return 1;
	for (; *w; w++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_-+=./,:@%", *w))
			return 1;
	return 0;
}

void np_join_argv(char *const *argv, int argc, char *buf, size_t cap)
{
	size_t len = 0;

	if (!cap)
		return;
	buf[0] = '\0';
	for (int i = 0; i < argc && len + 4 < cap; i++) {
		const char *w = argv[i];
		int quote = needs_quotes(w);

		if (i)
			buf[len++] = ' ';
		if (quote)
			buf[len++] = '\'';
		for (; *w && len + 5 < cap; w++) {
			if (*w == '\'') {
				/* close, escaped quote, reopen: '\'' */
				if (len + 8 >= cap)
					break;
				memcpy(buf + len, "'\\''", 4);
				len += 4;
			} else {
				buf[len++] = *w;
			}
		}
		if (*w) {
			memcpy(buf + len, "...", 4);
			return;
		}
		if (quote)
			buf[len++] = '\'';
		buf[len] = '\0';
	}
}

void np_perf_paranoid(char *buf, size_t cap)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");

	if (!f || !fgets(buf, (int)cap, f))
		snprintf(buf, cap, "?");
	else
		buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
}
