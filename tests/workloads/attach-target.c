/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * attach-target: a long-running program that answers on stdin/stdout, for
 * `nprof attach` tests.  Commands, one a line:
 *   ping          answers "pong"
 *   load PATH     dlopens PATH, answers "loaded" (or "error: ...")
 *   mload PATH    the same with dlmopen, into a new link-map namespace:
 *                 answers "loaded in N" (N its namespace id)
 *   spin SECONDS  calls plugin_spin(SECONDS) of the loaded library,
 *                 answers "spun"
 *   unload        dlcloses the loaded library, answers "unloaded"
 *   alloc N SIZE  allocates and frees N blocks of SIZE bytes in host_alloc,
 *                 answers "allocated"
 *   palloc N SIZE the same in the loaded library (plugin_alloc)
 *   hooked        answers "host H plugin P": H is 1 if its pointer to
 *                 malloc stored in data leads elsewhere than malloc (to
 *                 the agent's hook), 0 if not; P the same for the loaded
 *                 library's pointer, or "-" without one
 *   quit          answers "bye" and exits 7 (a status nprof must not change)
 * At EOF it exits 8.  Any failed read but EOF prints "read error" and exits 9.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Patched by the agent while a --nativemem session runs: a relocation in
 * data, like nm-long's. */
void *(*host_malloc)(size_t) = malloc;

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

__attribute__((noinline)) static int host_alloc(unsigned int count,
						size_t size)
{
	for (unsigned int i = 0; i < count; i++) {
		volatile char *p = malloc(size);

		if (!p)
			return -1;
		p[0] = (char)i;
		free((void *)p);
	}
	return 0;
}

static void *plugin_fn(void *plugin, const char *name)
{
	return plugin ? dlsym(plugin, name) : NULL;
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
		} else if (!strncmp(line, "mload ", 6)) {
			char text[64];
			Lmid_t lmid = -1;

			plugin = dlmopen(LM_ID_NEWLM, line + 6, RTLD_NOW);
			if (plugin)
				dlinfo(plugin, RTLD_DI_LMID, &lmid);
			snprintf(text, sizeof(text), "loaded in %ld", (long)lmid);
			say(plugin ? text : "error: dlmopen failed");
		} else if (!strncmp(line, "spin ", 5)) {
			double (*spin)(double) =
				plugin ? (double (*)(double))dlsym(plugin, "plugin_spin") : NULL;

			if (!spin) {
				say("error: no plugin_spin");
				continue;
			}
			spin(atof(line + 5));
			say("spun");
		} else if (!strcmp(line, "unload")) {
			if (!plugin || dlclose(plugin) != 0) {
				say("error: dlclose failed");
				continue;
			}
			plugin = NULL;
			say("unloaded");
		} else if (!strncmp(line, "alloc ", 6)) {
			unsigned int n = 0;
			size_t size = 0;

			if (sscanf(line + 6, "%u %zu", &n, &size) != 2 ||
			    host_alloc(n, size) != 0)
				say("error: alloc failed");
			else
				say("allocated");
		} else if (!strncmp(line, "palloc ", 7)) {
			int (*alloc)(unsigned int, size_t) =
				(int (*)(unsigned int, size_t))plugin_fn(plugin, "plugin_alloc");
			unsigned int n = 0;
			size_t size = 0;

			if (!alloc || sscanf(line + 7, "%u %zu", &n, &size) != 2 ||
			    alloc(n, size) != 0)
				say("error: palloc failed");
			else
				say("allocated");
		} else if (!strcmp(line, "hooked")) {
			int (*hooked)(void) =
				(int (*)(void))plugin_fn(plugin, "plugin_malloc_hooked");
			char text[64];

			snprintf(text, sizeof(text), "host %d plugin %s",
				 (void *)host_malloc != dlsym(RTLD_DEFAULT, "malloc"),
				 hooked ? (hooked() ? "1" : "0") : "-");
			say(text);
		} else if (!strcmp(line, "quit")) {
			say("bye");
			return 7;
		} else {
			say("error: unknown command");
		}
	}
	return 8;
}
