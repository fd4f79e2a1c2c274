/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Offline symbolization: the recorded modules' files are opened with libdwfl
 * (one Dwfl per module, reported the first time one of its addresses is
 * asked for), their build-ids checked against the recording, and each
 * address named once and cached: its function from the symbol table, the
 * functions inlined there and the source lines from the DWARF, in the file
 * or in separate debug info found by build-id (under /usr/lib/debug, or
 * from debuginfod when DEBUGINFOD_URLS is set: libdwfl's standard
 * callbacks).
 *
 * A function is a (name, module path) pair with a small dense id: what the
 * reports aggregate on.  Addresses that cannot be named get a made-up name:
 * "[libfoo.so+0x1234]" (the offset from the module's load bias), "[vdso]"
 * for modules that have no file, "[kernel]", or "[unknown]" outside every
 * module.
 */
#ifndef NPROF_SYMBOLS_H
#define NPROF_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct np_profile;
struct np_symbols;

/*
 * What one address stands for.  An address may stand for several frames:
 * the functions inlined there, innermost first, then the function whose
 * code it is (np_symbols_resolve returns them in that order).
 */
struct np_sym_frame {
	uint32_t function;
	uint32_t file;   /* source file (np_symbols_file), 0 if unknown */
	uint32_t line;   /* 0 if unknown; for all but the innermost frame,
			    the line of the call that was inlined */
	uint32_t module; /* index in the profile's modules, or
			    NP_SYMBOLS_NO_MODULE */
	bool inlined;    /* inlined into the next frame */
	uint32_t site;      /* np_symbols_site of (function, inlined) */
	uint32_t line_site; /* of (function, inlined, file, line) */
};

/*
 * A frame as reports tell frames apart: by function and whether it was
 * inlined there, and for reports by source line, by file and line too
 * (0 in both otherwise).  Sites have small dense ids.
 */
struct np_sym_site {
	uint32_t function;
	uint32_t file;
	uint32_t line;
	uint32_t inlined; /* 0 or 1 */
};

#define NP_SYMBOLS_NO_MODULE UINT32_MAX

/* Symbolizes P's addresses, which must outlive the result. */
struct np_symbols *np_symbols_new(const struct np_profile *p);
void np_symbols_free(struct np_symbols *s);

/*
 * Resolves frame address PC of a stack first defined at record SEQ (the
 * module that held PC then is the one used).  CALLER says PC is a return
 * address (any frame but the leaf), looked up at PC - 1 so that a call at
 * the very end of a function is not put in the next one.  Returns how many
 * frames PC stands for (at least one) and points *FRAMES at them; they are
 * valid until the next call.
 */
size_t np_symbols_resolve(struct np_symbols *s, uint64_t pc, bool caller,
			  uint64_t seq, const struct np_sym_frame **frames);

/* The id of a function, made up if it is new ("[unknown]", ""). */
uint32_t np_symbols_function(struct np_symbols *s, const char *name,
			     const char *module_path);

/* A function's name, and the base name of its module ("" if none). */
const char *np_symbols_name(const struct np_symbols *s, uint32_t function);
const char *np_symbols_module(const struct np_symbols *s, uint32_t function);

/* The full path of a function's module ("" if none). */
const char *np_symbols_module_path(const struct np_symbols *s,
				   uint32_t function);

/* Source file FILE of a frame: its path as the debug info gives it (it
 * may be relative to the compilation directory), "" for 0. */
const char *np_symbols_file(const struct np_symbols *s, uint32_t file);

/* Where a function is declared, if its debug info says: the file (for
 * np_symbols_file) and line, 0 when unknown. */
void np_symbols_declared(const struct np_symbols *s, uint32_t function,
			 uint32_t *file, uint32_t *line);

/* Site SITE's function, file, line and whether it was inlined. */
const struct np_sym_site *np_symbols_site(const struct np_symbols *s,
					  uint32_t site);

/* The id of the site SITE describes, made if it is new. */
uint32_t np_symbols_site_id(struct np_symbols *s,
			    const struct np_sym_site *site);

/* The id of source file PATH (0 for NULL or ""), made if it is new. */
uint32_t np_symbols_file_id(struct np_symbols *s, const char *path);

/* How many functions have ids: they are 0 .. count - 1. */
size_t np_symbols_count(const struct np_symbols *s);

#endif /* NPROF_SYMBOLS_H */
