/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text from a samples.dat or from a binary's symbols, made safe to print:
 * names in a file are data, and must not move a terminal's cursor, change
 * its title or forge a line of a report.
 */
#ifndef NPROF_PRINTABLE_H
#define NPROF_PRINTABLE_H

/* Replaces, in place, every control character of TEXT with '?' (C0,
 * DEL, and C1 encoded in UTF-8), but newlines and tabs with spaces;
 * returns TEXT. */
char *np_printable(char *text);

#endif /* NPROF_PRINTABLE_H */
