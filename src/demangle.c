/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Demangling through libiberty.  Its cplus_demangle, in the default "auto"
 * style, tries Rust first (legacy Rust names are valid C++ names too, with an
 * ugly hash), then the Itanium C++ ABI; Debian 12's libiberty (20230104)
 * reads Rust v0 as well.
 */
#include "config.h"

#include <libiberty/demangle.h>

#include "demangle.h"

char *np_demangle(const char *name)
{
	/* Only mangled names: a C name is never turned into another. */
	if (name[0] != '_' || (name[1] != 'Z' && name[1] != 'R'))
		return NULL;
	return cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI);
}
