/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * attach-target: a long-running program that answers on stdin/stdout, for
 * `nprof attach` tests.  Commands, one a line:
 *   ping          answers "pong"
 *   load PATH     dlopens PATH, answers "loaded" (or "error: ...")
 *   spin SECONDS  calls plugin_spin(SECONDS) of the loaded library,
 *                 answers "spun"
 *   quit          answers "bye" and exits 7 (a status nprof must not change)
 * At EOF it exits 8.  Any failed read but EOF prints "read error" and exits 9.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void say(const char *text)
{
	size_t len = strlen(text);

	if (write(STDOUT_FILENO, text, len) != (ssize_t)len ||
	    write(STDOUT_FILENO, "\n", 1) != 1)
		exit(10);
}

/* One line from stdin, with read(2) only: a read that fails with EINTR
 * would be a bug of the injector's, not something to retry. */
static int read_line(char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		ssize_t r = read(STDIN_FILENO, buf + n, 1);

		if (r == 0)
			return -1;
		if (r < 0) {
			fprintf(stderr, "attach-target: read error: %s\n",
				strerror(errno));
			exit(9);
		}
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return 0;
}

int main(void)
{
	char line[4096];
	void *plugin = NULL;

	while (read_line(line, sizeof(line)) == 0) {
		if (!strcmp(line, "ping")) {
			say("pong");
		} else if (!strncmp(line, "load ", 5)) {
			plugin = dlopen(line + 5, RTLD_NOW);
			say(plugin ? "loaded" : "error: dlopen failed");
		} else if (!strncmp(line, "spin ", 5)) {
			double (*spin)(double) =
				plugin ? (double (*)(double))dlsym(plugin, "plugin_spin") : NULL;

			if (!spin) {
				say("error: no plugin_spin");
				continue;
			}
			spin(atof(line + 5));
			say("spun");
		} else if (!strcmp(line, "quit")) {
			say("bye");
			return 7;
		} else {
			say("error: unknown command");
		}
	}
	return 8;
}
