/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Offline symbolization with libdwfl (see symbols.h).  Each module gets its
 * own Dwfl: a module unloaded during the recording and another loaded at the
 * same addresses later cannot share one (libdwfl keeps one module per
 * address), and reporting one module per Dwfl keeps the report_begin/end
 * pairs trivially right.
 */
#include "config.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"
#include "error.h"
#include "intern.h"
#include "printable.h"
#include "profile.h"
#include "symbols.h"
#include "xalloc.h"

enum module_state {
	MODULE_UNTRIED = 0,
	MODULE_READY,    /* its file is open in dwfl */
	MODULE_UNUSABLE, /* no file, or not the one profiled: addresses only */
};

struct sym_module {
	enum module_state state;
	Dwfl *dwfl;
	Dwfl_Module *dwmod;
};

/* One LOAD segment of a module, where it was mapped. */
struct range {
	uint64_t start, end;
	uint32_t module;
};

/* Where one address's frames are in np_symbols.frames. */
struct location {
	uint32_t first;
	uint32_t count;
};

/* The cache key of an address: the same PC in another module, or as a
 * return address, may name another function. */
struct pc_key {
	uint64_t pc;
	uint32_t module;
	uint32_t caller;
};

#define NO_MODULE NP_SYMBOLS_NO_MODULE

/* Where a function is declared; TRIED once its DWARF was looked at. */
struct declared {
	uint32_t file, line;
	bool tried;
};

struct np_symbols {
	const struct np_profile *profile;
	struct sym_module *modules;
	struct range *ranges; /* sorted by start */
	size_t nranges;
	uint64_t max_range;   /* the longest range, to bound the search */

	struct np_intern functions; /* "name\0module path\0" -> id */
	struct np_intern pcs;       /* struct pc_key -> index in locations */
	struct location *locations;
	size_t locations_cap;
	struct np_sym_frame *frames;
	size_t nframes, frames_cap;
	struct np_intern warned;    /* paths already warned about */
	struct np_intern files;     /* source paths; id = index + 1 */
	struct np_intern sites;     /* struct np_sym_site -> site id */
	struct declared *declared;  /* by function id */
	size_t declared_cap;
};

static char *debuginfo_path;

/* Files found by path first, then by build-id under the debug directories;
 * separate debug info by build-id or debuglink (and debuginfod when
 * DEBUGINFOD_URLS is set). */
static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

static int compare_ranges(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->module < y->module ? -1 : x->module > y->module;
}

struct np_symbols *np_symbols_new(const struct np_profile *p)
{
	struct np_symbols *s = np_xcalloc(1, sizeof(*s));
	size_t n = 0;

	s->profile = p;
	s->modules = np_xcalloc(p->nmodules, sizeof(*s->modules));
	for (size_t i = 0; i < p->nmodules; i++)
		n += p->modules[i].nsegs;
	s->ranges = np_xcalloc(n, sizeof(*s->ranges));
	for (size_t i = 0; i < p->nmodules; i++) {
		const struct np_module *m = &p->modules[i];

		for (unsigned int j = 0; j < m->nsegs; j++) {
			struct range *r = &s->ranges[s->nranges];

			if (!m->segs[j].memsz)
				continue;
			r->start = m->bias + m->segs[j].vaddr;
			r->end = r->start + m->segs[j].memsz;
			r->module = (uint32_t)i;
			if (r->end - r->start > s->max_range)
				s->max_range = r->end - r->start;
			s->nranges++;
		}
	}
	qsort(s->ranges, s->nranges, sizeof(*s->ranges), compare_ranges);
	np_intern_init(&s->functions);
	np_intern_init(&s->pcs);
	np_intern_init(&s->warned);
	np_intern_init(&s->files);
	np_intern_init(&s->sites);
	return s;
}

void np_symbols_free(struct np_symbols *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->profile->nmodules; i++)
		if (s->modules[i].dwfl)
			dwfl_end(s->modules[i].dwfl);
	free(s->modules);
	free(s->ranges);
	free(s->locations);
	free(s->frames);
	np_intern_release(&s->functions);
	np_intern_release(&s->pcs);
	np_intern_release(&s->warned);
	np_intern_release(&s->files);
	np_intern_release(&s->sites);
	free(s->declared);
	free(s);
}

/*
 * How well module M fits a stack defined at record SEQ: loaded then (the
 * latest such load wins), else unloaded before, else loaded only later (the
 * agent may write a new library's MODULE after a stack that uses it).
 */
static int fit(const struct np_module *m, uint64_t seq, int64_t *tiebreak)
{
	if (m->load_seq <= seq && seq < m->gone_seq) {
		*tiebreak = (int64_t)m->load_seq;
		return 2;
	}
	if (m->load_seq <= seq) {
		*tiebreak = (int64_t)m->load_seq;
		return 1;
	}
	*tiebreak = -(int64_t)m->load_seq;
	return 0;
}

/* The module that held PC at record SEQ, or NO_MODULE. */
static uint32_t find_module(const struct np_symbols *s, uint64_t pc,
			    uint64_t seq)
{
	size_t lo = 0, hi = s->nranges;
	uint32_t best = NO_MODULE;
	int best_fit = -1;
	int64_t best_tie = 0;

	/* The first range that starts after PC... */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->ranges[mid].start <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* ...and back over every range that may still contain it. */
	while (lo-- > 0 && pc - s->ranges[lo].start < s->max_range) {
		const struct range *r = &s->ranges[lo];
		int64_t tie;
		int f;

		if (pc >= r->end)
			continue;
		f = fit(&s->profile->modules[r->module], seq, &tie);
		if (f > best_fit || (f == best_fit && tie > best_tie)) {
			best = r->module;
			best_fit = f;
			best_tie = tie;
		}
	}
	return best;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Warns once per file; frames of that module are shown as addresses. */
NP_PRINTF(3, 4)
static void warn_module(struct np_symbols *s, const char *path,
			const char *fmt, ...)
{
	char why[4608];
	va_list ap;
	bool added;

	np_intern_add(&s->warned, path, strlen(path), &added);
	if (!added)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	np_warn("%s: its frames are shown as addresses", np_printable(why));
}

static bool build_id_matches(const struct np_module *m, Dwfl_Module *dwmod)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int len;

	if (!m->build_id_len)
		return true; /* nothing recorded to check against */
	len = dwfl_module_build_id(dwmod, &bits, &vaddr);
	return len == m->build_id_len && !memcmp(bits, m->build_id, len);
}

/* Opens module I's file the first time it is needed. */
static struct sym_module *open_module(struct np_symbols *s, uint32_t i)
{
	struct sym_module *sm = &s->modules[i];
	const struct np_module *m = &s->profile->modules[i];

	if (sm->state != MODULE_UNTRIED)
		return sm;
	sm->state = MODULE_UNUSABLE;
	sm->dwfl = dwfl_begin(&callbacks);
	if (!sm->dwfl) {
		warn_module(s, m->path, "cannot symbolize '%s' (%s)", m->path,
			    dwfl_errmsg(-1));
		return sm;
	}
	dwfl_report_begin(sm->dwfl);
	/* With add_p_vaddr, the base is the load bias (ignored for ET_EXEC). */
	sm->dwmod = dwfl_report_elf(sm->dwfl, base_name(m->path), m->path, -1,
				    m->bias, true);
	dwfl_report_end(sm->dwfl, NULL, NULL);
	if (!sm->dwmod) {
		warn_module(s, m->path, "cannot read '%s' (%s)", m->path,
			    dwfl_errmsg(-1));
		return sm;
	}
	if (!build_id_matches(m, sm->dwmod)) {
		warn_module(s, m->path,
			    "'%s' is not the file that was profiled (its "
			    "build-id differs)", m->path);
		return sm;
	}
	sm->state = MODULE_READY;
	return sm;
}

uint32_t np_symbols_function(struct np_symbols *s, const char *name,
			     const char *module_path)
{
	size_t nlen = strlen(name), mlen = strlen(module_path);
	char stack_buf[512];
	char *key = nlen + mlen + 2 <= sizeof(stack_buf)
			    ? stack_buf
			    : np_xmalloc(nlen + mlen + 2);
	uint32_t id;

	/* Names and paths are printed: nothing in them may drive a terminal
	 * (a file or a binary may be crafted). */
	np_printable(memcpy(key, name, nlen + 1));
	np_printable(memcpy(key + nlen + 1, module_path, mlen + 1));
	id = np_intern_add(&s->functions, key, nlen + mlen + 2, NULL);
	if (key != stack_buf)
		free(key);
	return id;
}

const char *np_symbols_name(const struct np_symbols *s, uint32_t function)
{
	return np_intern_key(&s->functions, function, NULL);
}

const char *np_symbols_module(const struct np_symbols *s, uint32_t function)
{
	const char *name = np_intern_key(&s->functions, function, NULL);

	return base_name(name + strlen(name) + 1);
}

const char *np_symbols_module_path(const struct np_symbols *s,
				   uint32_t function)
{
	const char *name = np_intern_key(&s->functions, function, NULL);

	return name + strlen(name) + 1;
}

const char *np_symbols_file(const struct np_symbols *s, uint32_t file)
{
	return file ? np_intern_key(&s->files, file - 1, NULL) : "";
}

void np_symbols_declared(const struct np_symbols *s, uint32_t function,
			 uint32_t *file, uint32_t *line)
{
	*file = *line = 0;
	if (function < s->declared_cap) {
		*file = s->declared[function].file;
		*line = s->declared[function].line;
	}
}

uint32_t np_symbols_file_id(struct np_symbols *s, const char *path)
{
	char *clean;
	uint32_t id;

	if (!path || !path[0])
		return 0;
	clean = np_printable(np_xstrdup(path));
	id = np_intern_add(&s->files, clean, strlen(clean) + 1, NULL) + 1;
	free(clean);
	return id;
}

const struct np_sym_site *np_symbols_site(const struct np_symbols *s,
					  uint32_t site)
{
	return np_intern_key(&s->sites, site, NULL);
}

uint32_t np_symbols_site_id(struct np_symbols *s,
			    const struct np_sym_site *site)
{
	return np_intern_add(&s->sites, site, sizeof(*site), NULL);
}

/* The line of ADDR, into *FILE and *LINE (left alone if unknown). */
static void source_line(struct np_symbols *s, Dwfl_Module *dwmod,
			Dwarf_Addr addr, uint32_t *file, uint32_t *line)
{
	Dwfl_Line *l = dwfl_module_getsrc(dwmod, addr);
	const char *path;
	int lineno = 0;

	if (!l)
		return;
	path = dwfl_lineinfo(l, NULL, &lineno, NULL, NULL, NULL);
	*file = np_symbols_file_id(s, path);
	*line = lineno > 0 ? (uint32_t)lineno : 0;
}

/* Where FUNCTION is declared, from DIE (its subprogram, or a place where
 * it was inlined), the first time. */
static void declare(struct np_symbols *s, Dwarf_Die *die, uint32_t function)
{
	struct declared *d;
	int line = 0;

	if (function >= s->declared_cap) {
		size_t old = s->declared_cap;

		s->declared_cap = (function + 1) * 2;
		s->declared = np_xreallocarray(s->declared, s->declared_cap,
					       sizeof(*s->declared));
		memset(s->declared + old, 0,
		       (s->declared_cap - old) * sizeof(*s->declared));
	}
	d = &s->declared[function];
	if (d->tried)
		return;
	d->tried = true;
	/* Both follow DW_AT_abstract_origin and DW_AT_specification. */
	if (dwarf_decl_line(die, &line) == 0 && line > 0) {
		d->line = (uint32_t)line;
		d->file = np_symbols_file_id(s, dwarf_decl_file(die));
	}
}
size_t np_symbols_count(const struct np_symbols *s)
{
	return np_intern_count(&s->functions);
}

/* The function PC is in, when there is no name for it. */
static uint32_t unnamed(struct np_symbols *s, uint32_t module, uint64_t pc)
{
	const struct np_module *m;
	char name[4200];

	if (module == NO_MODULE)
		return (int64_t)pc < 0
			   ? np_symbols_function(s, "[kernel]", "[kernel]")
			   : np_symbols_function(s, "[unknown]", "");
	m = &s->profile->modules[module];
	snprintf(name, sizeof(name), "[%s+0x%" PRIx64 "]",
		 m->path[0] ? base_name(m->path) : "?", pc - m->bias);
	return np_symbols_function(s, name, m->path);
}

/* Appends a frame to s->frames, with its sites. */
static void push_frame(struct np_symbols *s, uint32_t module,
		       uint32_t function, uint32_t file, uint32_t line,
		       bool inlined)
{
	struct np_sym_site site = { .function = function, .inlined = inlined };
	struct np_sym_frame *f;

	np_xgrow(&s->frames, s->nframes, &s->frames_cap, sizeof(*s->frames));
	f = &s->frames[s->nframes++];
	*f = (struct np_sym_frame){
		.function = function,
		.file = file,
		.line = line,
		.module = module,
		.inlined = inlined,
	};
	f->site = np_symbols_site_id(s, &site);
	site.file = file;
	site.line = line;
	f->line_site = np_symbols_site_id(s, &site);
}

/* The function of an inlined_subroutine DIE: its linkage name demangled
 * (as the symbol of an out-of-line copy would be), else its name. */
static uint32_t inlined_function(struct np_symbols *s, Dwarf_Die *die,
				 const char *module_path)
{
	Dwarf_Attribute attr;
	const char *name;
	char *demangled = NULL;
	uint32_t id;

	name = dwarf_formstring(
		dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(
			die, DW_AT_MIPS_linkage_name, &attr));
	if (name)
		demangled = np_demangle(name);
	if (!demangled)
		name = dwarf_diename(die);
	id = np_symbols_function(s, demangled ? demangled
				 : name ? name : "[inlined]", module_path);
	free(demangled);
	return id;
}

/*
 * Appends the frames at ADDR (PC, or PC - 1 for a return address) of
 * module M, whose symbol names OUTER: the functions inlined there,
 * innermost first, each with the line the next one called it from
 * (DW_AT_call_file and DW_AT_call_line), then OUTER itself.  As
 * eu-addr2line -i does: dwarf_getscopes finds the innermost scope, but
 * above an inlined instance it goes on with the scopes of the inlined
 * function's abstract definition, so the concrete chain of callers comes
 * from dwarf_getscopes_die on that innermost scope.
 */
static void name_frames(struct np_symbols *s, uint32_t module,
			Dwfl_Module *dwmod, Dwarf_Addr addr, uint32_t outer)
{
	const char *path = s->profile->modules[module].path;
	Dwarf_Die *cu, *scopes = NULL, *chain = NULL;
	Dwarf_Files *files = NULL;
	Dwarf_Addr bias;
	uint32_t file = 0, line = 0;
	int n = 0;

	source_line(s, dwmod, addr, &file, &line);
	cu = dwfl_module_addrdie(dwmod, addr, &bias);
	if (cu && dwarf_getscopes(cu, addr - bias, &scopes) > 0)
		n = dwarf_getscopes_die(&scopes[0], &chain);
	free(scopes);
	if (n > 0 && dwarf_getsrcfiles(cu, &files, NULL) != 0)
		files = NULL;
	for (int i = 0; i < n; i++) {
		Dwarf_Attribute attr;
		Dwarf_Word value;
		uint32_t fn;

		switch (dwarf_tag(&chain[i])) {
		case DW_TAG_inlined_subroutine:
			fn = inlined_function(s, &chain[i], path);
			push_frame(s, module, fn, file, line, true);
			declare(s, &chain[i], fn);
			file = line = 0;
			if (files && dwarf_formudata(dwarf_attr(&chain[i],
					DW_AT_call_file, &attr), &value) == 0)
				file = np_symbols_file_id(
					s, dwarf_filesrc(files, value, NULL,
							 NULL));
			if (dwarf_formudata(dwarf_attr(&chain[i],
					DW_AT_call_line, &attr), &value) == 0)
				line = (uint32_t)value;
			break;
		case DW_TAG_subprogram:
		case DW_TAG_entry_point:
			declare(s, &chain[i], outer);
			i = n; /* the outermost function: done */
			break;
		default:
			break; /* lexical blocks and the like */
		}
	}
	free(chain);
	push_frame(s, module, outer, file, line, false);
}

/* Appends the frames of PC, a return address if CALLER. */
static void resolve_pc(struct np_symbols *s, uint32_t module, uint64_t pc,
		       bool caller)
{
	const struct np_module *m;
	struct sym_module *sm;
	const char *name;
	GElf_Off offset;
	GElf_Sym sym;
	char *demangled, *plain = NULL;
	const char *at;
	uint64_t addr = caller ? pc - 1 : pc;
	uint32_t id;

	if (module == NO_MODULE) {
		push_frame(s, module, unnamed(s, module, pc), 0, 0, false);
		return;
	}
	m = &s->profile->modules[module];
	/* "[vdso]" and other mappings without a file. */
	if (m->path[0] == '[') {
		push_frame(s, module, np_symbols_function(s, m->path, m->path),
			   0, 0, false);
		return;
	}
	sm = open_module(s, module);
	name = sm->state == MODULE_READY
		       ? dwfl_module_addrinfo(sm->dwmod, addr, &offset, &sym,
					      NULL, NULL, NULL)
		       : NULL;
	/* A signal frame's return address is the first instruction of the
	 * signal trampoline (__restore_rt), with padding, in no function,
	 * before it, for unwinders that look up pc - 1. */
	if ((!name || !name[0]) && caller && sm->state == MODULE_READY) {
		name = dwfl_module_addrinfo(sm->dwmod, pc, &offset, &sym,
					    NULL, NULL, NULL);
		if (name && offset == 0)
			addr = pc;
		else
			name = NULL;
	}
	if (!name || !name[0]) {
		push_frame(s, module, unnamed(s, module, pc), 0, 0, false);
		return;
	}
	/* Dynamic symbols carry their version ("memcpy@@GLIBC_2.14"): the
	 * same function without it is the same function. */
	at = strchr(name, '@');
	if (at && at != name)
		name = plain = np_xstrndup(name, (size_t)(at - name));
	demangled = np_demangle(name);
	id = np_symbols_function(s, demangled ? demangled : name, m->path);
	free(demangled);
	free(plain);
	name_frames(s, module, sm->dwmod, addr, id);
}

size_t np_symbols_resolve(struct np_symbols *s, uint64_t pc, bool caller,
			  uint64_t seq, const struct np_sym_frame **frames)
{
	struct pc_key key = {
		.pc = pc,
		.module = find_module(s, pc, seq),
		.caller = caller,
	};
	bool added;
	uint32_t i = np_intern_add(&s->pcs, &key, sizeof(key), &added);
	struct location *loc;

	if (added) {
		size_t first = s->nframes;

		np_xgrow(&s->locations, i, &s->locations_cap,
			 sizeof(*s->locations));
		resolve_pc(s, key.module, pc, caller);
		s->locations[i] = (struct location){
			.first = (uint32_t)first,
			.count = (uint32_t)(s->nframes - first),
		};
	}
	loc = &s->locations[i];
	*frames = &s->frames[loc->first];
	return loc->count;
}
