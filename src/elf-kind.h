/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What kind of program a file is, as far as loading an agent into it goes. */
#ifndef NPROF_ELF_KIND_H
#define NPROF_ELF_KIND_H

/*
 * 1 if PATH is an ELF executable without a program interpreter (statically
 * linked: nothing can be preloaded into it), 0 otherwise, including for
 * scripts and files that cannot be read.
 */
int np_elf_is_static(const char *path);

#endif /* NPROF_ELF_KIND_H */
