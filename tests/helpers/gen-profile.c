/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes a samples.dat as the agent would, with the record encoders, for
 * tests and benchmarks that need a profile of a known shape and size: N
 * CPU samples (or allocations) over S distinct stacks of this program's
 * own functions, T named threads, and optionally frames in a module whose
 * path is full of markup (--evil), or is PATH (--evil-path=PATH).
 *
 *   gen-profile [-n N] [-s S] [-t T] [--alloc] [--evil] [--evil-path=PATH]
 *               [--seed X] -o FILE
 *
 * CPU: sample j is in thread j % T ("worker-K"), 1 ms after the one before;
 * 4 in 7 samples are on stack 0 (gen_f00 <- main), the rest spread over the
 * stacks.  --alloc: allocation j of (j % S + 1) * 16 bytes on stack j % S
 * in the first second, then every one with j % 4 != 0 freed: what is leaked
 * is known, and the peak is all of them.  Stack i names functions by the
 * hex digits of i, so S distinct stacks name S distinct function paths.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <getopt.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "record.h"

#define F(n)                                                         \
	void gen_f##n(void);                                         \
	__attribute__((noinline, used)) void gen_f##n(void)          \
	{                                                            \
		__asm__ volatile("nop; nop; nop; nop");                              \
	}
F(00) F(01) F(02) F(03) F(04) F(05) F(06) F(07)
F(08) F(09) F(10) F(11) F(12) F(13) F(14) F(15)

static void (*const fns[16])(void) = {
	gen_f00, gen_f01, gen_f02, gen_f03, gen_f04, gen_f05, gen_f06,
	gen_f07, gen_f08, gen_f09, gen_f10, gen_f11, gen_f12, gen_f13,
	gen_f14, gen_f15,
};

int main(int argc, char **argv);

static unsigned char buf[NP_RECORD_MAX_PAYLOAD + 64];
static FILE *out;

static void put(size_t n)
{
	if (!n || fwrite(buf, 1, n, out) != n) {
		perror("gen-profile: write");
		exit(1);
	}
}

static void meta(const char *key, const char *value)
{
	put(np_rec_encode_meta(buf, sizeof(buf), key, value, strlen(value)));
}

struct self {
	uint64_t bias;
	struct np_rec_segment segs[16];
	uint16_t nsegs;
	uint8_t build_id[64];
	uint16_t build_id_len;
};

static int find_self(struct dl_phdr_info *info, size_t size, void *data)
{
	struct self *s = data;

	s->bias = info->dlpi_addr;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && s->nsegs < 16) {
			s->segs[s->nsegs++] = (struct np_rec_segment){
				.vaddr = ph->p_vaddr, .memsz = ph->p_memsz,
				.offset = ph->p_offset,
				.flags = (ph->p_flags & PF_X ? NP_SEG_X : 0) |
					 (ph->p_flags & PF_W ? NP_SEG_W : 0) |
					 (ph->p_flags & PF_R ? NP_SEG_R : 0),
			};
		} else if (ph->p_type == PT_NOTE) {
			const char *p = (const char *)(info->dlpi_addr +
						       ph->p_vaddr);
			const char *end = p + ph->p_memsz;

			while (p + sizeof(ElfW(Nhdr)) <= end) {
				const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
				const char *desc = p + sizeof(*n) +
						   ((n->n_namesz + 3) & ~3u);

				if (n->n_type == NT_GNU_BUILD_ID &&
				    n->n_descsz <= sizeof(s->build_id)) {
					memcpy(s->build_id, desc, n->n_descsz);
					s->build_id_len = (uint16_t)n->n_descsz;
				}
				p = desc + ((n->n_descsz + 3) & ~3u);
			}
		}
	}
	return 1; /* the first object is the program */
}

/* Frames of stack I, leaf first: hex digits of I pick the functions. */
static uint32_t stack_frames(uint64_t i, uint64_t *pcs, bool evil)
{
	uint32_t n = 0;
	uint64_t v = i;

	if (evil && i % 3 == 1)
		pcs[n++] = 0x7f0000001000ull + 16 * (i % 5);
	do {
		/* A return address is looked up at pc - 1: keep it inside. */
		pcs[n] = (uint64_t)(uintptr_t)fns[v & 15] + 1 + (n > 0);
		n++;
		v >>= 4;
	} while (v);
	/* Stack 0 is gen_f00 <- main; others end in main too. */
	pcs[n++] = (uint64_t)(uintptr_t)&main + 4;
	return n;
}

static uint64_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "alloc", no_argument, NULL, 'a' },
		{ "evil", no_argument, NULL, 'e' },
		{ "evil-path", required_argument, NULL, 'E' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t nevents = 10000, nstacks = 100, nthreads = 2;
	bool alloc = false, evil = false;
	const char *path = NULL;
	const char *evil_path = "/nonexistent/<script>\"evil&.so";
	struct self self = { 0 };
	char exe[4096], text[64];
	uint64_t pcs[64], t0, real0;
	ssize_t len;
	int c;

	while ((c = getopt_long(argc, argv, "n:s:t:o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': nevents = strtoull(optarg, NULL, 10); break;
		case 's': nstacks = strtoull(optarg, NULL, 10); break;
		case 't': nthreads = strtoull(optarg, NULL, 10); break;
		case 'o': path = optarg; break;
		case 'a': alloc = true; break;
		case 'e': evil = true; break;
		case 'E': evil = true; evil_path = optarg; break;
		default:
			fprintf(stderr, "usage: gen-profile [-n N] [-s S] [-t T] "
				"[--alloc] [--evil] [--evil-path=PATH] -o FILE\n");
			return 2;
		}
	}
	if (!path || !nstacks || !nthreads) {
		fprintf(stderr, "gen-profile: -o FILE is needed, and S, T > 0\n");
		return 2;
	}
	out = fopen(path, "wb");
	if (!out) {
		perror(path);
		return 1;
	}
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[len > 0 ? len : 0] = 0;
	dl_iterate_phdr(find_self, &self);
	t0 = mono();
	real0 = (uint64_t)time(NULL) * 1000000000u;

	put(np_rec_encode_file_header(buf, sizeof(buf)));
	meta("command", "gen-profile");
	snprintf(text, sizeof(text), "%llu", (unsigned long long)t0);
	meta("start_monotonic_ns", text);
	snprintf(text, sizeof(text), "%llu", (unsigned long long)real0);
	meta("start_realtime_ns", text);
	meta("engine", "generated");
	meta("period_ns", "1000000");
	if (alloc)
		meta("nativemem_interval", "0");
	put(np_rec_encode_module(buf, sizeof(buf), &(struct np_rec_module){
		.id = 1, .time_ns = t0, .bias = self.bias,
		.build_id_len = self.build_id_len, .nsegs = self.nsegs,
		.path_len = (uint32_t)strlen(exe), .build_id = self.build_id,
		.path = exe }, self.segs));
	if (evil) {
		struct np_rec_segment seg = { .vaddr = 0, .memsz = 0x10000,
					      .flags = NP_SEG_R | NP_SEG_X };

		put(np_rec_encode_module(buf, sizeof(buf), &(struct np_rec_module){
			.id = 2, .time_ns = t0, .bias = 0x7f0000000000ull,
			.nsegs = 1, .path_len = (uint32_t)strlen(evil_path),
			.path = evil_path }, &seg));
	}
	for (uint64_t k = 0; k < nthreads; k++) {
		snprintf(text, sizeof(text), "worker-%llu",
			 (unsigned long long)k);
		put(np_rec_encode_thread(buf, sizeof(buf), (uint32_t)(1000 + k),
					 t0, text, strlen(text)));
	}
	for (uint64_t i = 0; i < nstacks; i++) {
		uint32_t n = stack_frames(i, pcs, evil);

		put(np_rec_encode_stack(buf, sizeof(buf), (uint32_t)i, pcs, n));
	}
	for (uint64_t j = 0; j < nevents; j++) {
		uint64_t time = t0 + (alloc ? j * 1000000000ull / nevents
					    : (j + 1) * 1000000ull);
		uint32_t tid = (uint32_t)(1000 + j % nthreads);

		if (alloc) {
			uint64_t size = (j % nstacks + 1) * 16;

			put(np_rec_encode_alloc(buf, sizeof(buf), &(struct np_rec_alloc){
				.time_ns = time, .addr = 0x100000 + j * 4096,
				.size = size, .weight = size, .tid = tid,
				.stack_id = (uint32_t)(j % nstacks) }));
		} else {
			uint64_t h = j * 0x9e3779b97f4a7c15ull;
			uint32_t s = j % 7 < 4 ? 0 : (uint32_t)((h >> 20) % nstacks);

			put(np_rec_encode_cpu_sample(buf, sizeof(buf), &(struct np_rec_cpu_sample){
				.time_ns = time, .tid = tid, .stack_id = s,
				.weight = 1000000 }));
		}
	}
	if (alloc)
		for (uint64_t j = 0; j < nevents; j++)
			if (j % 4)
				put(np_rec_encode_free(buf, sizeof(buf), &(struct np_rec_free){
					.time_ns = t0 + 1000000000ull +
						   j * 1000000000ull / nevents,
					.addr = 0x100000 + j * 4096,
					.tid = (uint32_t)(1000 + j % nthreads) }));
	put(np_rec_encode_end(buf, sizeof(buf), &(struct np_rec_end){
		.time_ns = t0 + 2000000000ull + (alloc ? 0 : nevents * 1000000ull),
		.realtime_ns = real0 + 2000000000ull,
		.samples = alloc ? 0 : nevents, .allocs = alloc ? nevents : 0 }));
	if (fclose(out)) {
		perror(path);
		return 1;
	}
	return 0;
}
