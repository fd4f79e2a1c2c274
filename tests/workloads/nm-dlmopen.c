/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nm-dlmopen DIR [spin]: loads DIR/libnm-plugin.so (and its dependency)
 * into a new link-map namespace, with a libc and a heap of its own, after
 * the session started, twice (the second load gets the namespace id the
 * first one left).  Each time: three blocks of 8009 bytes from the
 * plugin's wrapper, two of them freed by the plugin, one of 8011 from its
 * dependency, leaked; with "spin", the plugin's hot loop.  Prints each
 * load's namespace id ("lmid N") and "ok", or "no dlmopen: WHY" and exits
 * 77 when this libc cannot load a library with libc into a new namespace.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int load_and_use(const char *dir, int spin)
{
	char path[4096];
	void *h, *blocks[3];
	void *(*own)(size_t), *(*dep)(size_t);
	void (*release)(void *);
	unsigned long (*hot)(unsigned long);
	Lmid_t lmid;

	snprintf(path, sizeof(path), "%s/libnm-plugin.so", dir);
	h = dlmopen(LM_ID_NEWLM, path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		printf("no dlmopen: %s\n", dlerror());
		exit(77);
	}
	if (dlinfo(h, RTLD_DI_LMID, &lmid) != 0 || lmid == LM_ID_BASE) {
		printf("no dlmopen: the plugin is in the base namespace\n");
		exit(77);
	}
	printf("lmid %ld\n", (long)lmid);
	own = (void *(*)(size_t))dlsym(h, "nm_plugin_alloc");
	dep = (void *(*)(size_t))dlsym(h, "nm_plugin_dep_alloc");
	release = (void (*)(void *))dlsym(h, "nm_plugin_free");
	hot = (unsigned long (*)(unsigned long))dlsym(h, "nm_plugin_spin");
	if (!own || !dep || !release || !hot)
		return -1;
	for (int i = 0; i < 3; i++) {
		blocks[i] = own(8009);
		if (!blocks[i])
			return -1;
		memset(blocks[i], i, 8009);
	}
	release(blocks[0]);
	release(blocks[2]);
	if (!dep(8011))
		return -1;
	if (spin)
		hot(300000000ul);
	return dlclose(h);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	int spin = argc > 2 && !strcmp(argv[2], "spin");
	char *mine;

	if (load_and_use(dir, spin) != 0 || load_and_use(dir, 0) != 0) {
		printf("failed\n");
		return 1;
	}
	/* The base namespace's heap still works as before. */
	mine = strdup("after the plugin");
	if (!mine)
		return 1;
	free(mine);
	printf("ok\n");
	return 0;
}
