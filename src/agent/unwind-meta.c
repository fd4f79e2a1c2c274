/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The unwinder's META records (see unwind-meta.h). */
#include "config.h"

#include <stdio.h>

#include "cfi-table.h"
#include "unwind-meta.h"

void np_unwind_meta_begin(uint64_t since[NP_UNWIND_STOP_MAX])
{
	for (int k = 0; k < NP_UNWIND_STOP_MAX; k++)
		since[k] = np_unwind_stops((enum np_unwind_stop)k);
}

void np_unwind_meta_send(struct np_send *out,
			 const uint64_t since[NP_UNWIND_STOP_MAX])
{
	char buf[512];
	size_t len = 0;

	/* "complete 1234, no_cfi 5, ...": a stack cut short is kept, and
	 * counted here by why. */
	for (int k = 0; k < NP_UNWIND_STOP_MAX && len < sizeof(buf); k++) {
		uint64_t n = np_unwind_stops((enum np_unwind_stop)k) - since[k];
		int w = snprintf(buf + len, sizeof(buf) - len, "%s%s %llu",
				 k ? ", " : "",
				 np_unwind_stop_name((enum np_unwind_stop)k),
				 (unsigned long long)n);

		if (w < 0)
			break;
		len += (size_t)w;
	}
	np_send_meta(out, "unwind_stops", buf);
	np_send_metaf(out, "unwind_table_bytes", "%zu", np_cfi_tables_bytes());
}
