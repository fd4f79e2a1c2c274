/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Control characters out of names before they are printed (printable.h). */
#include "config.h"

#include "printable.h"

char *np_printable(char *text)
{
	for (unsigned char *p = (unsigned char *)text; *p; p++) {
		if (*p == '\n' || *p == '\t' || *p == '\r') {
			/* A name cut over lines still reads as one. */
			*p = ' ';
		} else if (*p < 0x20 || *p == 0x7f) {
			*p = '?';
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			/* U+0080 to U+009F: CSI (U+009B) and kin, which
			 * some terminals obey as ESC [. */
			p[0] = '?';
			p[1] = '?';
			p++;
		}
	}
	return text;
}
