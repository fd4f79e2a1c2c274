/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Readable names for C++ and Rust symbols (libiberty's demangler). */
#ifndef NPROF_DEMANGLE_H
#define NPROF_DEMANGLE_H

/*
 * The demangled form of NAME (Itanium C++ "_Z...", Rust legacy
 * "_ZN...17h<hash>E" without its hash, Rust v0 "_R..."), to free(); or NULL
 * when NAME is not mangled or cannot be demangled, to show as it is.
 */
char *np_demangle(const char *name);

#endif /* NPROF_DEMANGLE_H */
