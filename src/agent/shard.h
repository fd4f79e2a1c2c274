/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Counters that every thread bumps on every event (exact mode: millions a
 * second) are split in shards, each in a cache line of its own, so that
 * threads on different CPUs do not pass one line to and fro: a thread
 * counts in the shard its thread pointer picks.
 */
#ifndef NPROF_AGENT_SHARD_H
#define NPROF_AGENT_SHARD_H

#define NP_SHARDS 16

static inline unsigned int np_thread_shard(void)
{
	/* Threads' TLS blocks sit at the top of their stacks, megabytes
	 * apart: the page number spreads them. */
	return (unsigned int)((unsigned long)__builtin_thread_pointer() >> 12) %
	       NP_SHARDS;
}

#endif /* NPROF_AGENT_SHARD_H */
