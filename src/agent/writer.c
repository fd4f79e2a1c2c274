/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The writer thread (see writer.h).  Every ~10 ms: look for a word from the
 * CLI, turn queued samples into STACKS and CPU_SAMPLES records and queued
 * allocation events into MEM_EVENTS, pick up new modules and threads
 * (and patch new libraries' allocation slots), report drops, send.  It holds the agent's guard for
 * good, so that nothing it does (dlopen, snprintf, and the malloc inside
 * them) is ever sampled or hooked.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "alloc-sampler.h"
#include "errtext.h"
#include "guard.h"
#include "hook-table.h"
#include "hooks.h"
#include "mem.h"
#include "sampler.h"
#include "unwind-meta.h"
#include "writer.h"

#define TICK_NS 10000000ull
/*
 * A session that only samples allocations, at an interval of at least
 * QUIET_INTERVAL bytes, ticks less often: each tick wakes the writer and
 * then the CLI, and on a machine whose CPUs the program keeps busy each
 * wake-up takes one from it (bench/run's mem part: about 1% of its time at
 * 10 ms).  Its events come slowly enough: bench's alloc-heavy allocates
 * 20 GB/s, 80 K events/s at the default interval, 3 K per 40 ms in a
 * queue of 16 Ki cells (64 Ki under 64 KiB: 26 K); a burst switches to
 * BUSY_TICK_NS below.
 */
#define QUIET_TICK_NS 40000000ull
#define QUIET_INTERVAL (64 << 10)
/* While allocation events pour in, the writer comes back sooner. */
#define BUSY_TICK_NS 1000000ull
#define BUSY_EVENTS 4096
/* The longest one pass over the allocation events may take. */
#define DRAIN_NS 20000000ull
/* At the end, the events still queued go out for at most this long. */
#define LAST_DRAIN_NS 250000000ull
/* New threads wait at most this long for their engine. */
#define THREAD_SCAN_NS 20000000ull
/* How long CPU samples may wait to share a packed record. */
#define HOLD_NS 100000000ull
#define WRITER_STACK (256u << 10)

static const char *const stop_names[] = {
	[NP_STOP_NONE] = "none",
	[NP_STOP_DURATION] = "duration",
	[NP_STOP_CLI] = "cli",
	[NP_STOP_EXIT] = "exit",
	[NP_STOP_EXEC] = "exec",
};

/* Unique across the runs of this process: the hooks' stack table
 * outlives runs. */
static uint32_t next_stack_epoch(void)
{
	static uint32_t epochs;

	return ++epochs;
}

/*
 * A library loaded where one went away has other code at the same
 * addresses: a stack defined before must not stand for its frames.  Once a
 * module is gone, every stack is defined anew at its next use, after the
 * MODULE_GONE record, so the report names it by what was loaded then.
 */
static void forget_stacks_if_gone(struct np_run *r)
{
	uint32_t gone = np_modules_gone(r->modules);

	if (gone == r->gone_seen)
		return;
	r->gone_seen = gone;
	np_stackmap_forget(r->stacks);
	r->stack_epoch = next_stack_epoch();
}

struct np_run *np_run_create(const struct np_session *s, uint32_t session,
			     int *err)
{
	struct np_run *r = np_pages_alloc(sizeof(*r));

	if (!r) {
		*err = -ENOMEM;
		return NULL;
	}
	r->settings = *s;
	r->session = session;
	r->stack_epoch = next_stack_epoch();
	r->out.fd = -1;
	*err = np_send_init(&r->out, s->stream_fd);
	if (*err == 0) {
		r->stacks = np_stackmap_create();
		r->threads = np_threads_create();
		r->modules = np_modules_create();
		if (!r->stacks || !r->threads || !r->modules)
			*err = -ENOMEM;
	}
	if (*err) {
		np_run_free(r);
		return NULL;
	}
	for (int k = 1; k <= NP_LOST_KIND_MAX; k++)
		r->lost_sent[k] = np_sampler_lost((enum np_lost_kind)k);
	np_unwind_meta_begin(r->unwind_stops_at_start);
	r->start_ns = np_clock_ns();
	return r;
}

void np_run_free(struct np_run *r)
{
	if (!r)
		return;
	np_send_release(&r->out);
	np_stackmap_free(r->stacks);
	np_threads_free(r->threads);
	np_modules_free(r->modules);
	np_pages_free(r, sizeof(*r));
}

void np_writer_request_stop(struct np_run *r, enum np_stop_reason why,
			    uint64_t deadline_ns)
{
	int none = NP_STOP_NONE;

	/* The writer waits for a word from the CLI up to a tick (listen_cli):
	 * ending its reading side wakes it at once, so that a program's exit
	 * is not kept waiting.  The CLI's own stop byte is sent without
	 * SIGPIPE and may fail. */
	if (atomic_compare_exchange_strong(&r->stop_reason, &none, (int)why) &&
	    np_send_fd_is_ours(&r->out))
		shutdown(r->out.fd, SHUT_RD);
	if (deadline_ns)
		atomic_store(&r->out.deadline_ns, deadline_ns);
}

/* The session's META records: what samples mean, and why. */
static void announce(struct np_run *r)
{
	const struct np_cpu_engine *e = &r->engine;

	np_send_meta(&r->out, "engine", e->name);
	np_send_meta(&r->out, "engine_reason", e->reason);
	if (e->kind != NP_EK_NONE) {
		if (e->kind == NP_EK_PERF && e->cycles) {
			np_send_meta(&r->out, "event", "cycles");
			np_send_metaf(&r->out, "frequency_hz", "%u",
				      e->freq_hz);
			np_send_meta(&r->out, "sample_unit", "events");
		} else {
			np_send_meta(&r->out, "event", "cpu");
			np_send_metaf(&r->out, "period_ns", "%llu",
				      (unsigned long long)e->period_ns);
			np_send_meta(&r->out, "sample_unit", "ns");
		}
		np_send_meta(&r->out, "kernel_samples",
			     e->kind == NP_EK_PERF && e->exclude_kernel
				     ? "excluded"
				     : "included");
	}
	np_send_metaf(&r->out, "agent_pid", "%d", (int)getpid());
	for (int i = 0; i < e->nwarnings; i++)
		np_send_meta(&r->out, "warning", e->warnings[i]);
}

/* The id of stack FRAMES[0..N), sending its definition first if new. */
static uint32_t stack_id(struct np_run *r, const uint64_t *frames, uint32_t n)
{
	struct np_stack_new def;
	uint32_t id = np_stackmap_intern(r->stacks, frames, n, &def);

	if (def.is_new)
		np_send_stack(&r->out, id, def.parent, def.keep, frames, n);
	return id;
}

/* Sends the samples held back by drain. */
static void send_pending(struct np_run *r)
{
	for (uint32_t i = 0; i < r->npending; i++)
		np_send_cpu_sample(&r->out, &r->pending[i]);
	r->npending = 0;
}

/*
 * Turns queued samples of this run into records.  The samples wait in
 * PENDING while their stacks are defined, so that definitions and samples
 * each come in long packed records rather than alternating, and for up to
 * HOLD_NS across ticks, so that a packed record holds ~100 of them (its
 * first sample costs ~20 bytes, the others ~5).  The first ones go at
 * once: the CLI tells when sampling began.  FINAL sends them all.
 */
static void drain(struct np_run *r, int final)
{
	struct np_ring *ring = np_sampler_ring();
	const struct np_sample *s;

	forget_stacks_if_gone(r);
	while (ring && (s = np_ring_peek(ring))) {
		/* Samples of an earlier session, or empty ones, are skipped. */
		if (s->session == r->session && s->nframes) {
			if (r->npending == NP_PENDING_SAMPLES)
				send_pending(r);
			r->pending[r->npending++] = (struct np_rec_cpu_sample){
				.time_ns = s->time_ns,
				.tid = s->tid,
				.stack_id = stack_id(r, s->frames, s->nframes),
				.weight = s->weight,
			};
		}
		np_ring_pop(ring);
	}
	if (r->npending &&
	    (final || !r->samples_sent ||
	     np_clock_ns() - r->pending[0].time_ns >= HOLD_NS)) {
		send_pending(r);
		r->samples_sent = 1;
	}
}

/* The stream id of stacktab entry REF, sending its definition first if
 * this session has not yet. */
static uint32_t mem_stack_id(struct np_run *r, uint32_t ref)
{
	const uint64_t *frames;
	uint64_t *sent;
	uint32_t n, id;

	if (!ref)
		return 0;
	frames = np_stacktab_get(np_memhooks_stacks(), ref, &n, &sent);
	if ((uint32_t)(*sent >> 32) == r->stack_epoch)
		return (uint32_t)*sent;
	/* A library dlopen'ed since the loop took the module notes posted
	 * its note before any of its events could be queued: the MODULE
	 * record must come before a stack through it, or the report cannot
	 * name those frames. */
	np_modules_take_notes(r->modules, &r->out);
	id = stack_id(r, frames, n);
	*sent = (uint64_t)r->stack_epoch << 32 | id;
	return id;
}

/* Turns queued allocation events into records; how many there were. */
static unsigned int drain_mem(struct np_run *r)
{
	struct np_mem_queues *q = np_memhooks_queues();
	uint64_t mean = (uint64_t)r->settings.nativemem;
	const struct np_mem_event *ev;
	unsigned int n = 0;

	if (!q || r->settings.nativemem < 0)
		return 0;
	forget_stacks_if_gone(r);
	uint64_t until = np_clock_ns() + DRAIN_NS;

	while ((ev = np_mem_queues_peek(q))) {
		/* Producers may outrun us: come back to the CLI and the
		 * clock now and then. */
		if ((n & 4095) == 4095 && np_clock_ns() > until)
			break;
		if (ev->session == r->session && ev->kind == NP_MEM_ALLOC) {
			struct np_rec_alloc a = {
				.time_ns = ev->time_ns,
				.addr = ev->addr,
				.size = ev->size,
				.weight = np_alloc_weight(ev->size, mean),
				.tid = ev->tid,
				.stack_id = mem_stack_id(r, ev->stack),
			};
			np_send_alloc(&r->out, &a);
		} else if (ev->session == r->session &&
			   ev->kind == NP_MEM_FREE) {
			struct np_rec_free f = {
				.time_ns = ev->time_ns,
				.addr = ev->addr,
				.tid = ev->tid,
			};
			np_send_free(&r->out, &f);
		}
		np_mem_queues_pop(q);
		n++;
	}
	np_writer_boost_update(&r->boost, np_mem_queues_fill(q));
	return n;
}

/*
 * The session has stopped: the events still queued go out, for a while;
 * those left are counted as lost, not dropped in silence, and the queues
 * give their pages back (a busy target can queue a whole ring between two
 * passes of a writer that waits for a CPU).
 */
static void drain_mem_last(struct np_run *r)
{
	uint64_t until = np_clock_ns() + LAST_DRAIN_NS;
	uint64_t left;

	if (!np_memhooks_queues() || r->settings.nativemem < 0)
		return;
	while (drain_mem(r) > 0 && np_clock_ns() < until)
		;
	left = np_memhooks_release(r->session);
	if (left)
		np_sampler_add_lost(NP_LOST_ALLOC_RING, left);
}

int np_writer_start_mem(struct np_run *r)
{
	int held, err;

	if (r->settings.nativemem < 0)
		return 0;
	/* The first time, this fills tens of MB of queue: milliseconds. */
	err = np_memhooks_init((uint64_t)r->settings.nativemem);
	if (err)
		return err;
	/* Our own allocations (dlopen, dlsym) are never recorded. */
	held = np_guard_enter() != 0;
	np_memhooks_begin(r->session, (uint64_t)r->settings.nativemem);
	np_hooktab_enable(NP_HOOK_MODE_MEM);
	err = np_hooktab_sync(NP_HOOK_MODE_MEM);
	if (!held)
		np_guard_leave();
	return err;
}

void np_writer_stop_mem(struct np_run *r)
{
	int held = np_guard_enter() != 0;

	if (r->settings.nativemem >= 0) {
		np_memhooks_end();
		np_hooktab_unpatch(NP_HOOK_MODE_MEM);
	}
	if (!held)
		np_guard_leave();
}

static void announce_mem(struct np_run *r)
{
	struct np_hooktab_stats st;

	if (r->settings.nativemem < 0)
		return;
	np_send_metaf(&r->out, "nativemem_interval", "%lld",
		      (long long)r->settings.nativemem);
	np_hooktab_stats(&st);
	r->repaired_at_start = st.repaired;
	np_send_metaf(&r->out, "nativemem_hooks",
		      "%u libraries, %u slots patched, %u objects skipped",
		      st.libraries, st.slots, st.skipped);
}

/* Lazy slots the linker wrote over during the session (hook-table.c's
 * recheck_lazy), each patched again: a count for --header, when any. */
static void send_repaired(struct np_run *r)
{
	struct np_hooktab_stats st;

	if (r->settings.nativemem < 0)
		return;
	np_hooktab_stats(&st);
	if (st.repaired != r->repaired_at_start)
		np_send_metaf(&r->out, "nativemem_slots_repaired", "%u",
			      st.repaired - r->repaired_at_start);
}

static void report_lost(struct np_run *r)
{
	for (int k = 1; k <= NP_LOST_KIND_MAX; k++) {
		uint64_t now = np_sampler_lost((enum np_lost_kind)k);

		if (now != r->lost_sent[k]) {
			np_send_lost(&r->out, (enum np_lost_kind)k,
				     now - r->lost_sent[k]);
			r->lost_sent[k] = now;
		}
	}
}

/*
 * Waits up to TIMEOUT_MS for a word from the CLI: any byte, EOF or hangup
 * means stop.  The fd is checked first: if the target closed it and reused
 * the number, reading would steal the target's data.
 */
static void listen_cli(struct np_run *r, int timeout_ms)
{
	struct pollfd p = { .fd = r->out.fd, .events = POLLIN };
	char byte;

	if (!np_send_fd_is_ours(&r->out)) {
		r->out.broken = 1;
		np_writer_request_stop(r, NP_STOP_CLI, 0);
		return;
	}
	if (poll(&p, 1, timeout_ms) <= 0)
		return;
	if (p.revents & (POLLHUP | POLLERR | POLLNVAL) ||
	    ((p.revents & POLLIN) &&
	     recv(r->out.fd, &byte, 1, MSG_DONTWAIT) >= 0))
		np_writer_request_stop(r, NP_STOP_CLI, 0);
}

static void stop_sampling(struct np_run *r)
{
	np_engine_process_stop(&r->engine);
	np_threads_stop_all(r->threads, &r->engine);
	np_sampler_end();
}

/* The target put its own SIGPROF handler in place of ours: our signals
 * would now reach it (or kill the target under SIG_DFL). */
static void check_handler(struct np_run *r)
{
	if (r->engine.kind == NP_EK_NONE || np_sampler_handler_installed())
		return;
	stop_sampling(r);
	r->engine.kind = NP_EK_NONE;
	np_send_meta(&r->out, "warning",
		     "the program installed its own SIGPROF handler; CPU sampling stopped");
}

/* The run's own tables go as soon as it is over, not at the next start:
 * a detached target keeps only what later sessions share. */
static void free_tables(struct np_run *r)
{
	np_stackmap_free(r->stacks);
	r->stacks = NULL;
	np_threads_free(r->threads);
	r->threads = NULL;
	np_modules_free(r->modules);
	r->modules = NULL;
}

/* The CPU time the writer took from the target (on a busy machine, what
 * the session cost beside the hooks' own), and how often it asked for a
 * larger share of it (writer-boost.h). */
static void send_writer_cpu(struct np_run *r)
{
	struct timespec ts;

	np_writer_boost_end(&r->boost);
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
		np_send_metaf(&r->out, "agent_writer_cpu_s", "%lld.%06ld",
			      (long long)ts.tv_sec, ts.tv_nsec / 1000);
	if (r->boost.times || r->boost.refused)
		np_send_metaf(&r->out, "agent_writer_boosts",
			      "%u (refused %u)", r->boost.times,
			      r->boost.refused);
}

static void finish(struct np_run *r)
{
	int why = atomic_load(&r->stop_reason);
	size_t resident;

	stop_sampling(r);
	np_writer_stop_mem(r);
	drain(r, 1);
	np_modules_take_notes(r->modules, &r->out);
	/* Before the queues give their pages back: the agent only gives
	 * memory back between sessions, so this is the most it held. */
	resident = np_pages_resident();
	drain_mem_last(r);
	np_threads_check_names(r->threads, &r->out);
	report_lost(r);
	np_unwind_meta_send(&r->out, r->unwind_stops_at_start);
	send_repaired(r);
	send_writer_cpu(r);
	np_send_metaf(&r->out, "agent_peak_bytes", "%zu", np_pages_peak());
	np_send_metaf(&r->out, "agent_resident_bytes", "%zu", resident);
	free_tables(r);
	np_send_metaf(&r->out, "agent_mapped_bytes", "%zu", np_pages_mapped());
	np_send_metaf(&r->out, "agent_kept_bytes", "%zu", np_pages_resident());
	np_send_meta(&r->out, "agent_stop", stop_names[why]);
	np_send_flush(&r->out);
	if (np_send_fd_is_ours(&r->out)) {
		shutdown(r->out.fd, SHUT_RDWR);
		close(r->out.fd);
	}
	atomic_store(&r->finished, 1);
}

/* For record, before main; for attach, in the writer (the engine's
 * probes, and listing, pinning and patching every library, take time). */
void np_writer_setup(struct np_run *r, pid_t self)
{
	int err;

	np_engine_select(&r->engine, &r->settings, self, r->setup_in_writer);
	/* The hooks unwind frameless code by the modules' CFI: list the
	 * modules and build their tables (a few ms) before the hooks go in,
	 * or the first allocations (main's, in record) get frame-pointer
	 * stacks. */
	if (r->settings.nativemem >= 0)
		np_modules_scan(r->modules, &r->out);
	err = np_writer_start_mem(r);
	if (err) {
		np_writer_stop_mem(r);
		r->settings.nativemem = -1;
		r->mem_error = err;
	}
}

static void *writer_main(void *arg)
{
	struct np_run *r = arg;
	pid_t self = np_gettid();
	uint64_t end_ns = r->settings.duration_ns
				  ? r->start_ns + r->settings.duration_ns
				  : 0;
	uint64_t next_scan_ns = np_clock_ns() + THREAD_SCAN_NS;
	uint64_t idle_tick = TICK_NS;
	int busy = 0;

	np_guard_held = 1;
	prctl(PR_SET_NAME, "nprof-writer");
	np_writer_boost_init(&r->boost);
	if (r->setup_in_writer)
		np_writer_setup(r, self);
	announce(r);
	if (r->mem_error)
		np_send_metaf(&r->out, "warning",
			      "cannot track native memory: %s",
			      np_errtext(-r->mem_error));
	np_modules_scan(r->modules, &r->out);
	announce_mem(r);
	if (r->engine.kind != NP_EK_NONE) {
		int err;

		np_sampler_begin(r->session, r->engine.period_ns,
				 !np_engine_counts_time(&r->engine));
		err = np_engine_process_start(&r->engine);
		if (err) {
			np_send_metaf(&r->out, "warning",
				      "cannot start %s: %s; CPU sampling is off",
				      r->engine.name, np_errtext(-err));
			np_sampler_end();
			r->engine.kind = NP_EK_NONE;
		}
	}
	np_threads_scan(r->threads, &r->engine, self, &r->out);
	np_send_flush(&r->out);
	if (r->engine.kind == NP_EK_NONE &&
	    r->settings.nativemem >= QUIET_INTERVAL)
		idle_tick = QUIET_TICK_NS;
	while (atomic_load(&r->stop_reason) == NP_STOP_NONE) {
		uint64_t now = np_clock_ns();
		uint64_t wait = busy ? BUSY_TICK_NS : idle_tick;

		if (end_ns && now >= end_ns) {
			np_writer_request_stop(r, NP_STOP_DURATION, 0);
			break;
		}
		if (end_ns && end_ns - now < wait)
			wait = end_ns - now;
		/* Events pour in: look at the CLI, but do not sleep. */
		listen_cli(r, busy ? 0 : (int)((wait + 999999) / 1000000));
		np_modules_take_notes(r->modules, &r->out);
		drain(r, 0);
		busy = drain_mem(r) >= BUSY_EVENTS;
		np_modules_scan(r->modules, &r->out);
		if (r->settings.nativemem >= 0)
			np_hooktab_sync_tick(NP_HOOK_MODE_MEM);
		if (np_clock_ns() >= next_scan_ns) {
			np_threads_scan(r->threads, &r->engine, self,
					&r->out);
			next_scan_ns = np_clock_ns() + THREAD_SCAN_NS;
		}
		check_handler(r);
		report_lost(r);
		if (np_send_flush(&r->out) != 0)
			np_writer_request_stop(r, NP_STOP_CLI, 0);
	}
	finish(r);
	return NULL;
}

int np_writer_start(struct np_run *r)
{
	sigset_t all, old;
	pthread_attr_t attr;
	int err;

	if (pthread_attr_init(&attr) != 0)
		return -ENOMEM;
	pthread_attr_setstacksize(&attr, WRITER_STACK);
	/* The thread inherits this mask: no signal of the target's (nor our
	 * SIGPROF) is ever delivered to it. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&r->thread, &attr, writer_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return -err;
}
