/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CLI's message helpers (see error.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"

int np_verbose;
void (*np_before_message)(void);

static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
	if (np_before_message)
		np_before_message();
	fputs("nprof: ", stderr);
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void np_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
	exit(NP_EXIT_FAILURE);
}

void np_die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
	exit(NP_EXIT_USAGE);
}

int np_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
	return -1;
}

void np_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("warning: ", fmt, ap);
	va_end(ap);
}

void np_debug(const char *fmt, ...)
{
	va_list ap;

	if (!np_verbose)
		return;
	va_start(ap, fmt);
	vmessage("debug: ", fmt, ap);
	va_end(ap);
}
