/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Finding a thread's stack mapping from a signal handler (see
 * stack-bounds.h): raw open/read/close on /proc/self/maps into a small
 * buffer on the stack, parsed as it streams by, so no malloc and no stdio.
 */
#include "config.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stack-bounds.h"

static __thread struct np_stack_bounds cached;

/* Parser states over one line "lo-hi perms ..."; the rest is skipped. */
enum { IN_LO, IN_HI, IN_PERMS, SKIP };

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int find_in_maps(uint64_t sp, struct np_stack_bounds *b)
{
	char buf[512];
	uint64_t lo = 0, hi = 0;
	int state = IN_LO, found = -1;
	ssize_t n;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (found == -1 && (n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			char c = buf[i];
			int v;

			if (c == '\n') {
				state = IN_LO;
				lo = hi = 0;
				continue;
			}
			switch (state) {
			case IN_LO:
				if (c == '-')
					state = IN_HI;
				else if ((v = hexval(c)) >= 0)
					lo = lo << 4 | (uint64_t)v;
				break;
			case IN_HI:
				if (c == ' ')
					state = IN_PERMS;
				else if ((v = hexval(c)) >= 0)
					hi = hi << 4 | (uint64_t)v;
				break;
			case IN_PERMS:
				if (sp >= lo && sp < hi) {
					found = c == 'r' ? 0 : -2;
					b->lo = lo;
					b->hi = hi;
				}
				state = SKIP;
				break;
			}
			if (found != -1)
				break;
		}
		/* Lines are sorted: past SP, nothing further can hold it. */
		if (found == -1 && lo > sp && state != IN_LO)
			break;
	}
	close(fd);
	return found == 0 ? 0 : -1;
}

/*
 * Whether [SP, HI) is still mapped without a hole.  msync walks the
 * mappings of the range and says ENOMEM at a hole; with MS_ASYNC it writes
 * nothing back.  A cached range can go stale when a stack (a coroutine's,
 * say) is unmapped and another mapping takes its place.
 */
static int still_mapped(uint64_t sp, uint64_t hi)
{
	uint64_t start = sp & ~(uint64_t)4095;

	return msync((void *)(uintptr_t)start, hi - start, MS_ASYNC) == 0;
}

int np_stack_bounds_lookup(uint64_t sp, struct np_stack_bounds *b)
{
	return find_in_maps(sp, b);
}

int np_stack_bounds_find(uint64_t sp, struct np_stack_bounds *b)
{
	if (sp >= cached.lo && sp < cached.hi && still_mapped(sp, cached.hi)) {
		*b = cached;
		return 0;
	}
	if (find_in_maps(sp, b) != 0)
		return -1;
	cached = *b;
	return 0;
}
