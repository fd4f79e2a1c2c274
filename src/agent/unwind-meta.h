/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the unwinder tells the stream at the end of a run: why unwinds
 * stopped (complete or cut short, by reason) and its tables' memory, as
 * META records ("unwind_stops", "unwind_table_bytes").  Writer thread.
 */
#ifndef NPROF_AGENT_UNWIND_META_H
#define NPROF_AGENT_UNWIND_META_H

#include <stdint.h>

#include "send.h"
#include "unwind.h"

/* The counts now, to subtract at the end. */
void np_unwind_meta_begin(uint64_t since[NP_UNWIND_STOP_MAX]);

/* Sends the counts since SINCE and the tables' size. */
void np_unwind_meta_send(struct np_send *out,
			 const uint64_t since[NP_UNWIND_STOP_MAX]);

#endif /* NPROF_AGENT_UNWIND_META_H */
