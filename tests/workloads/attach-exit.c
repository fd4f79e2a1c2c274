/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * attach-exit: exits (status 0) the moment any of its threads is traced,
 * so that `nprof attach` sees its target vanish in the middle of the
 * injection.  A watcher thread polls TracerPid of every thread; main and a
 * third thread sleep in nanosleep.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int traced(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		char name[300], line[256];
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(name, sizeof(name), "/proc/self/task/%s/status", e->d_name);
		f = fopen(name, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "TracerPid:", 10)) {
				found = atoi(line + 10) != 0;
				break;
			}
		fclose(f);
	}
	closedir(d);
	return found;
}

static void *watch(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec t = { 0, 20000 };

		if (traced())
			_exit(0);
		nanosleep(&t, NULL);
	}
	return NULL;
}

static void *nap(void *arg)
{
	(void)arg;
	for (;;)
		sleep(1);
	return NULL;
}

int main(void)
{
	pthread_t w, n;

	pthread_create(&w, NULL, watch, NULL);
	pthread_create(&n, NULL, nap, NULL);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		sleep(1);
}
