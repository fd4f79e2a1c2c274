/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nm-dlchain-o2 DIR: 20 times, dlopens DIR/libnm-dlchain.so, calls its
 * nm_dl_entry (6007 bytes leaked at the end of a frameless chain) at once,
 * and dlcloses it.  Built with -O2 -fomit-frame-pointer.  Prints "ok".
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>

#define ROUNDS 20

int main(int argc, char **argv)
{
	char path[4096];
	uint64_t sum = 0;

	snprintf(path, sizeof(path), "%s/libnm-dlchain.so",
		 argc > 1 ? argv[1] : ".");
	for (int i = 0; i < ROUNDS; i++) {
		void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		uint64_t (*entry)(int);

		if (!h) {
			fprintf(stderr, "nm-dlchain-o2: %s\n", dlerror());
			return 1;
		}
		entry = (uint64_t (*)(int))dlsym(h, "nm_dl_entry");
		if (!entry) {
			fprintf(stderr, "nm-dlchain-o2: %s\n", dlerror());
			return 1;
		}
		sum += entry(i);
		dlclose(h);
	}
	printf("%s\n", sum ? "ok" : "no allocation");
	return 0;
}
