/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Perf records into nprof records (see perf-samples.h).  Every record goes
 * through the format's encoders and np_capture_put, as if the agent had
 * sent it; stacks are deduplicated by the agent's own table.
 */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "agent/stackmap.h"
#include "elf-image.h"
#include "intern.h"
#include "perf-ring.h"
#include "perf-samples.h"
#include "xalloc.h"

/* A record that no encoder makes larger: a module's or a stack's. */
#define ENCODE_CAP (8192 + NP_MAX_FRAMES * 8)

/* A file's image, read once; OK is 0 when it could not be read. */
struct image {
	char *path;
	int ok;
	struct np_elf_image elf;
};

/* A module sent: the same file at the same bias is the same module. */
struct module {
	char *path;
	uint64_t bias;
};

/* Where code is mapped: a return address can only be in there. */
struct code_range {
	uint64_t start, end;
};

struct np_perf_samples {
	struct np_capture *capture;
	uint64_t period_ns;
	struct np_stackmap *stacks;
	struct np_intern named; /* tids whose THREAD record was sent */
	struct image *images;
	size_t nimages, images_cap;
	struct module *modules;
	size_t nmodules, modules_cap;
	struct code_range *code; /* every executable mapping seen */
	size_t ncode, code_cap;
	uint64_t lost[NP_LOST_KIND_MAX + 1];
	uint64_t lost_sent[NP_LOST_KIND_MAX + 1];
	uint64_t throttled;
	unsigned char buf[ENCODE_CAP];
};

struct np_perf_samples *np_perf_samples_new(struct np_capture *c,
					    uint64_t period_ns)
{
	struct np_perf_samples *ps = np_xcalloc(1, sizeof(*ps));

	ps->capture = c;
	ps->period_ns = period_ns;
	ps->stacks = np_stackmap_create();
	if (!ps->stacks) {
		free(ps);
		return NULL;
	}
	np_intern_init(&ps->named);
	return ps;
}

void np_perf_samples_free(struct np_perf_samples *ps)
{
	if (!ps)
		return;
	np_stackmap_free(ps->stacks);
	np_intern_release(&ps->named);
	for (size_t i = 0; i < ps->nimages; i++)
		free(ps->images[i].path);
	for (size_t i = 0; i < ps->nmodules; i++)
		free(ps->modules[i].path);
	free(ps->images);
	free(ps->modules);
	free(ps->code);
	free(ps);
}

static void put(struct np_perf_samples *ps, size_t len)
{
	if (len)
		np_capture_put(ps->capture, ps->buf, len);
}

/* The {pid, tid, time} that sample_id_all puts at the end of a record. */
struct sample_id {
	uint32_t pid, tid;
	uint64_t time;
};

static void read_sample_id(const unsigned char *rec, size_t size,
			   struct sample_id *id)
{
	memset(id, 0, sizeof(*id));
	if (size >= sizeof(struct perf_event_header) + sizeof(*id))
		memcpy(id, rec + size - sizeof(*id), sizeof(*id));
}

static const struct image *image_of(struct np_perf_samples *ps,
				    const char *path)
{
	struct image *im;

	for (size_t i = 0; i < ps->nimages; i++)
		if (!strcmp(ps->images[i].path, path))
			return &ps->images[i];
	np_xgrow(&ps->images, ps->nimages, &ps->images_cap,
		 sizeof(*ps->images));
	im = &ps->images[ps->nimages++];
	im->path = np_xstrdup(path);
	im->ok = np_elf_image_read(path, &im->elf) == 0;
	return im;
}

/* Sends the MODULE record of PATH at BIAS unless it was sent already. */
static void send_module(struct np_perf_samples *ps, const char *path,
			uint64_t bias, uint64_t time_ns,
			const struct np_rec_segment *segs, uint16_t nsegs,
			const uint8_t *build_id, uint16_t build_id_len)
{
	struct np_rec_module m;

	for (size_t i = 0; i < ps->nmodules; i++)
		if (ps->modules[i].bias == bias &&
		    !strcmp(ps->modules[i].path, path))
			return;
	np_xgrow(&ps->modules, ps->nmodules, &ps->modules_cap,
		 sizeof(*ps->modules));
	ps->modules[ps->nmodules].path = np_xstrdup(path);
	ps->modules[ps->nmodules].bias = bias;
	ps->nmodules++;
	memset(&m, 0, sizeof(m));
	m.id = (uint32_t)ps->nmodules;
	m.time_ns = time_ns;
	m.bias = bias;
	m.build_id_len = build_id_len;
	m.build_id = build_id;
	m.nsegs = nsegs;
	m.path = path;
	m.path_len = (uint32_t)strlen(path);
	put(ps, np_rec_encode_module(ps->buf, sizeof(ps->buf), &m, segs));
}

/* PERF_RECORD_MMAP2: a code mapping of a file, or of the vDSO. */
static void on_mmap2(struct np_perf_samples *ps, const unsigned char *rec,
		     size_t size)
{
	/* pid, tid, addr, len, pgoff, maj, min, ino, ino_generation, prot,
	 * flags, then the file name. */
	const size_t name_at = sizeof(struct perf_event_header) + 8 + 8 * 3 +
			       4 * 2 + 8 * 2 + 4 * 2;
	uint64_t addr, len, pgoff, bias;
	struct sample_id id;
	const struct image *im;
	char path[4096];
	uint32_t prot;

	if (size <= name_at)
		return;
	memcpy(&addr, rec + 16, 8);
	memcpy(&len, rec + 24, 8);
	memcpy(&pgoff, rec + 32, 8);
	memcpy(&prot, rec + name_at - 8, 4);
	snprintf(path, sizeof(path), "%.*s", (int)(size - name_at),
		 (const char *)rec + name_at);
	read_sample_id(rec, size, &id);
	if (!(prot & PROT_EXEC))
		return;
	np_xgrow(&ps->code, ps->ncode, &ps->code_cap, sizeof(*ps->code));
	ps->code[ps->ncode].start = addr;
	ps->code[ps->ncode].end = addr + len;
	ps->ncode++;
	if (!strcmp(path, "[vdso]")) {
		struct np_rec_segment seg = {
			.vaddr = 0, .memsz = len, .offset = 0,
			.flags = NP_SEG_R | NP_SEG_X,
		};

		send_module(ps, path, addr, id.time, &seg, 1, NULL, 0);
		return;
	}
	/* Anonymous code (a JIT: "//anon") and other special mappings
	 * name no file. */
	if (path[0] != '/' || path[1] == '/')
		return;
	im = image_of(ps, path);
	if (im->ok && np_elf_image_bias(&im->elf, addr, pgoff, &bias) == 0) {
		send_module(ps, path, bias, id.time, im->elf.segs,
			    im->elf.nsegs, im->elf.build_id,
			    im->elf.build_id_len);
	} else {
		/* A file that cannot be read now: the mapping alone, so
		 * that the report can at least name the file. */
		struct np_rec_segment seg = {
			.vaddr = pgoff, .memsz = len, .offset = pgoff,
			.flags = NP_SEG_R | NP_SEG_X,
		};

		send_module(ps, path, addr - pgoff, id.time, &seg, 1, NULL, 0);
	}
}

static void send_thread(struct np_perf_samples *ps, uint32_t tid,
			uint64_t time_ns, const char *name, size_t len)
{
	np_intern_add(&ps->named, &tid, sizeof(tid), NULL);
	put(ps, np_rec_encode_thread(ps->buf, sizeof(ps->buf), tid, time_ns,
				     name, len));
}

/* PERF_RECORD_COMM: a thread's new name, at exec or when it set one. */
static void on_comm(struct np_perf_samples *ps, const unsigned char *rec,
		    size_t size)
{
	const size_t name_at = sizeof(struct perf_event_header) + 8;
	struct sample_id id;
	uint32_t tid;

	if (size <= name_at)
		return;
	memcpy(&tid, rec + 12, 4);
	read_sample_id(rec, size, &id);
	send_thread(ps, tid, id.time, (const char *)rec + name_at,
		    strnlen((const char *)rec + name_at, size - name_at));
}

void np_perf_samples_other(const void *hdr, size_t size, void *arg)
{
	struct np_perf_samples *ps = arg;
	const struct perf_event_header *h = hdr;
	uint64_t n;

	switch (h->type) {
	case PERF_RECORD_MMAP2:
		on_mmap2(ps, hdr, size);
		break;
	case PERF_RECORD_COMM:
		on_comm(ps, hdr, size);
		break;
	case PERF_RECORD_LOST:
		/* id, then how many records the full ring could not take. */
		if (size >= sizeof(*h) + 16) {
			memcpy(&n, (const unsigned char *)hdr + sizeof(*h) + 8,
			       8);
			ps->lost[NP_LOST_SAMPLE_RING] += n;
		}
		break;
	case PERF_RECORD_THROTTLE:
		ps->throttled++;
		break;
	}
}

/* Whether PC is in code that was mapped (any, if no mapping was seen). */
static int in_code(const struct np_perf_samples *ps, uint64_t pc)
{
	for (size_t i = 0; i < ps->ncode; i++)
		if (pc - ps->code[i].start < ps->code[i].end - ps->code[i].start)
			return 1;
	return ps->ncode == 0;
}

/* A thread first seen in a sample was named before nprof could hear it
 * (threads start with their creator's name): ask /proc. */
static void name_from_proc(struct np_perf_samples *ps, uint32_t pid,
			   uint32_t tid, uint64_t time_ns)
{
	char path[64], name[64];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/task/%" PRIu32 "/comm",
		 pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, name, sizeof(name) - 1);
		close(fd);
	}
	if (n <= 0) {
		/* Gone already: do not ask again. */
		np_intern_add(&ps->named, &tid, sizeof(tid), NULL);
		return;
	}
	if (name[n - 1] == '\n')
		n--;
	send_thread(ps, tid, time_ns, name, (size_t)n);
}

void np_perf_samples_sample(const void *hdr, size_t size, void *arg)
{
	struct np_perf_samples *ps = arg;
	/* ip, pid, tid, time, period, nr: as NP_PERF_SAMPLE_TYPE lays out. */
	const unsigned char *p = (const unsigned char *)hdr +
				 sizeof(struct perf_event_header);
	const unsigned char *end = (const unsigned char *)hdr + size;
	uint64_t frames[NP_MAX_FRAMES], nr, period;
	struct np_rec_cpu_sample s;
	uint32_t pid, nframes = 0;
	struct np_stack_new def;

	if (p + 40 > end)
		return;
	memcpy(&pid, p + 8, 4);
	memcpy(&s.tid, p + 12, 4);
	memcpy(&s.time_ns, p + 16, 8);
	memcpy(&period, p + 24, 8);
	memcpy(&nr, p + 32, 8);
	p += 40;
	if (nr > (uint64_t)(end - p) / 8)
		return;
	for (uint64_t i = 0; i < nr && nframes < NP_MAX_FRAMES; i++) {
		uint64_t ip;

		memcpy(&ip, p + 8 * i, 8);
		/* PERF_CONTEXT_USER and its kin mark where a part of the
		 * chain starts; they are no addresses. */
		if (ip >= (uint64_t)PERF_CONTEXT_MAX)
			continue;
		/* A caller outside all code means the walk went past the
		 * outermost frame, or through code that keeps no frame
		 * pointer, into values that only look like frames: what it
		 * found from there on is not the stack. */
		if ((int64_t)ip < 0 || (nframes > 0 && !in_code(ps, ip)))
			break;
		frames[nframes++] = ip;
	}
	/* Time in the kernel with no user frames to blame (an exec under
	 * way): like a sample the agent could not unwind. */
	if (!nframes) {
		ps->lost[NP_LOST_UNWIND]++;
		return;
	}
	if (np_intern_find(&ps->named, &s.tid, sizeof(s.tid)) < 0)
		name_from_proc(ps, pid, s.tid, s.time_ns);
	/* Defined whole (a STACK record): the kernel's frame-pointer
	 * stacks are few, and the parent the table offers is not needed. */
	s.stack_id = np_stackmap_intern(ps->stacks, frames, nframes, &def);
	if (def.is_new)
		put(ps, np_rec_encode_stack(ps->buf, sizeof(ps->buf),
					    s.stack_id, frames, nframes));
	s.weight = (uint32_t)(period ? period : ps->period_ns);
	put(ps, np_rec_encode_cpu_sample(ps->buf, sizeof(ps->buf), &s));
}

void np_perf_samples_flush(struct np_perf_samples *ps)
{
	for (int k = 1; k <= NP_LOST_KIND_MAX; k++) {
		struct np_rec_lost l = {
			.kind = (uint32_t)k,
			.count = ps->lost[k] - ps->lost_sent[k],
		};

		if (!l.count)
			continue;
		put(ps, np_rec_encode_lost(ps->buf, sizeof(ps->buf), &l));
		ps->lost_sent[k] = ps->lost[k];
	}
}

void np_perf_samples_finish(struct np_perf_samples *ps)
{
	char text[256];

	np_perf_samples_flush(ps);
	if (!ps->throttled)
		return;
	snprintf(text, sizeof(text),
		 "the kernel throttled sampling %" PRIu64 " times (kernel.perf_event_max_sample_rate): samples are missing; use a lower -F",
		 ps->throttled);
	put(ps, np_rec_encode_meta(ps->buf, sizeof(ps->buf), "warning", text,
				   strlen(text)));
}
