/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loading the agent into a running process (see inject.h).
 *
 * One thread of the target is borrowed for a few calls; the others run on.
 * Borrowing is the dangerous part, and these are the choices made:
 *
 *  - Which thread.  A thread stopped while it holds the allocator's or the
 *    loader's lock would deadlock in dlopen (or in the agent's start, which
 *    creates a thread).  So each candidate is stopped (PTRACE_SEIZE, then
 *    PTRACE_INTERRUPT: no SIGSTOP is sent) and its whole stack unwound with
 *    libdwfl (safepoint.c), through signal frames too; if any frame is in
 *    ld.so or in malloc and kin, fork, thread creation or exit, the thread
 *    is let go at once and the next one tried, for up to two seconds.
 *    Threads sleeping in a system call are tried first: borrowing them
 *    costs the program nothing.  Unwinding is the libdwfl way eu-stack uses,
 *    which the CLI links anyway; a guess from the program counter alone
 *    would miss a lock held further up the stack.
 *  - Its state.  Every register, the FP/vector state, the signal mask and
 *    errno are saved and put back, and so are the 16 bytes of scratch code
 *    (written at libc's ELF entry point, which nothing runs once libc is
 *    loaded).  Data goes in a page mmap'd in the target for the purpose.
 *    The interrupted system call is not restarted into our code (arch.h)
 *    and restarts for real afterwards: the program never sees EINTR.
 *  - Signals.  While borrowed, the thread blocks every signal
 *    (PTRACE_SETSIGMASK): signals for the process go to the other threads,
 *    signals for this thread wait and are delivered, siginfo intact, once
 *    the mask is back.  Signals that arrive before that are passed on, not
 *    swallowed.  A SIGSTOP that arrives meanwhile stops the process when
 *    the thread is let go (the kernel puts a detached thread back into a
 *    group stop).  A process already stopped is refused, and stays stopped.
 *  - The stream.  The target makes a socket pair (an injected socketpair
 *    system call) and nprof takes one end with pidfd_getfd; the target's
 *    copy of that end is then closed, so that when nprof dies the agent
 *    sees EOF and stops.  No path, no name, nothing to clean up on disk,
 *    nothing to chown when root attaches to another user's process, and it
 *    works across network and mount namespaces (Linux 5.6 or later).
 *
 * If the agent is already loaded (an earlier attach), its start function is
 * called directly: the link_map list says where it is.
 */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "elf-kind.h"
#include "inject/arch.h"
#include "inject/injectP.h"

/* How long to look for a thread at a safe point, strictly (a thread whose
 * stack cannot be unwound to its end is not taken) and then at all. */
#define SAFE_STRICT_NS 1000000000ull
#define SAFE_WAIT_NS 2000000000ull
/* How long a thread may take to stop for PTRACE_INTERRUPT. */
#define STOP_TIMEOUT_MS 1000
/* Calls that take longer get a warning (dlopen runs constructors). */
#define CALL_WARN_MS 10000
#define SCRATCH_SIZE 16384
#define MAX_THREADS 4096
/* glibc's flag for __libc_dlopen_mode (glibc before 2.34). */
#define RTLD_DLOPEN_FLAG 0x80000000

struct borrowed {
	pid_t tid;
	struct np_arch_regs saved; /* as the thread was */
	struct np_arch_regs work;  /* what the calls run with */
	uint64_t sigmask;
	int mask_set;
	uint64_t code;             /* np_arch_code in the target */
	unsigned char code_saved[sizeof(np_arch_code)];
	int code_written;
	uint64_t scratch;          /* the data page, or 0 */
	uint64_t errno_addr;
	int errno_saved;
	uint64_t stopped_ns;
	int gone;                  /* the process exited under us */
	/* The unwinder that found the thread safe.  Closed only once the
	 * thread is given back: dwfl_end frees every module's ELF and DWARF
	 * data, 10 to 30 ms that the thread would otherwise wait. */
	struct np_safepoint *safepoint;
};

/* Where the target's functions are. */
struct target_fns {
	uint64_t dlopen, dlerror, errno_location, start;
	int dlopen_flag;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * For tests only (HACKING): with NPROF_TEST_INJECT_PAUSE=STAGE in the
 * environment, the injector says "nprof: test: paused at STAGE" and sleeps
 * NPROF_TEST_INJECT_PAUSE_SECS seconds (default 2) when it reaches STAGE,
 * so that a test can signal or fork the process at that exact point.
 */
static void test_pause(const char *stage)
{
	const char *want = getenv("NPROF_TEST_INJECT_PAUSE");
	const char *secs = getenv("NPROF_TEST_INJECT_PAUSE_SECS");
	struct timespec left;

	if (!want || strcmp(want, stage))
		return;
	left.tv_sec = secs ? atoi(secs) : 2;
	left.tv_nsec = 0;
	fprintf(stderr, "nprof: test: paused at %s\n", stage);
	while (nanosleep(&left, &left) != 0 && errno == EINTR)
		;
}

void np_inject_init(struct np_inject *inj, pid_t pid, const char *agent,
		    const struct np_session *session)
{
	memset(inj, 0, sizeof(*inj));
	inj->pid = pid;
	inj->agent = agent;
	inj->session = *session;
	inj->stream_fd = -1;
	inj->mem_fd = -1;
	inj->pidfd = -1;
}

void np_inject_release(struct np_inject *inj)
{
	if (inj->mem_fd >= 0)
		close(inj->mem_fd);
	if (inj->pidfd >= 0)
		close(inj->pidfd);
	inj->mem_fd = inj->pidfd = -1;
}

/* The state letter of /proc/PID[/task/TID]/stat, or 0 if it is gone. */
static char proc_state(pid_t pid, pid_t tid)
{
	char name[64], buf[1024], *p;
	ssize_t n;
	int fd;

	if (tid)
		snprintf(name, sizeof(name), "/proc/%d/task/%d/stat", (int)pid,
			 (int)tid);
	else
		snprintf(name, sizeof(name), "/proc/%d/stat", (int)pid);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The name in parentheses may hold anything, ")" included. */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

static int tracer_of(pid_t pid)
{
	char name[64], line[256];
	int tracer = 0;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%d/status", (int)pid);
	f = fopen(name, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "TracerPid: %d", &tracer) == 1)
			break;
	fclose(f);
	return tracer;
}

static int yama_scope(void)
{
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	int scope = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &scope) != 1)
		scope = 0;
	fclose(f);
	return scope;
}

/* Everything that can be said about PID without touching it. */
static int check_process(struct np_inject *inj)
{
	char name[64], exe[PATH_MAX + 64];
	unsigned int machine, agent_machine;
	uint64_t entry;
	char mbuf[32], abuf[32];
	int tracer;

	if (inj->pid == getpid())
		return -NP_INJ_ESELF;
	switch (proc_state(inj->pid, 0)) {
	case 0:
		return -NP_INJ_ENOPROC;
	case 'Z':
	case 'X':
		return -NP_INJ_EZOMBIE;
	case 'T':
		return -NP_INJ_ESTOPPED;
	}
	tracer = tracer_of(inj->pid);
	if (tracer)
		return np_inj_fail(inj, NP_INJ_ETRACED, "by process %d", tracer);
	snprintf(name, sizeof(name), "/proc/%d/mem", (int)inj->pid);
	inj->mem_fd = open(name, O_RDWR | O_CLOEXEC);
	if (inj->mem_fd < 0) {
		int err = errno;

		if (err == ENOENT || err == ESRCH)
			return -NP_INJ_ENOPROC;
		if (err == EACCES || err == EPERM)
			return np_inj_fail(inj, NP_INJ_EPERM, "%s%s", strerror(err),
					   yama_scope() > 0 ? "; or set kernel.yama.ptrace_scope=0" : "");
		return np_inj_fail(inj, NP_INJ_ESYS, "cannot open %s: %s", name,
				   strerror(err));
	}
	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)inj->pid);
	if (np_elf_is_static(exe))
		return -NP_INJ_ESTATIC;
	if (np_elf_header(exe, &machine, &entry) == 0 &&
	    machine != np_arch_elf_machine)
		return np_inj_fail(inj, NP_INJ_EAGENT,
				   "the process runs %s code, and nprof attaches to %s processes only",
				   np_elf_machine_name(machine, mbuf, sizeof(mbuf)),
				   np_elf_machine_name(np_arch_elf_machine, abuf, sizeof(abuf)));
	if (np_elf_header(inj->agent, &agent_machine, &entry) != 0)
		return np_inj_fail(inj, NP_INJ_EAGENT,
				   "the agent '%s' is missing or not an ELF file",
				   inj->agent);
	if (agent_machine != np_arch_elf_machine)
		return np_inj_fail(inj, NP_INJ_EAGENT,
				   "the agent '%s' is built for %s, but the process runs %s code",
				   inj->agent,
				   np_elf_machine_name(agent_machine, abuf, sizeof(abuf)),
				   np_elf_machine_name(np_arch_elf_machine, mbuf, sizeof(mbuf)));
	inj->pidfd = (int)syscall(SYS_pidfd_open, inj->pid, 0);
	if (inj->pidfd < 0)
		return np_inj_fail(inj, errno == ESRCH ? NP_INJ_ENOPROC : NP_INJ_ESYS,
				   "pidfd_open: %s", strerror(errno));
	return 0;
}

/* dlopen and the rest, from the target's own libc (or libdl) on disk. */
static int find_functions(struct np_inject *inj, const struct np_libs *libs,
			  struct target_fns *fns, uint64_t *code)
{
	const struct np_lib *libc = np_libs_find(libs, "libc.so");
	const struct np_lib *libdl = np_libs_find(libs, "libdl.so");
	uint64_t v, entry;
	unsigned int machine;
	struct stat st;

	if (!libc)
		libc = np_libs_find(libs, "libc-");
	if (!libc)
		return np_inj_fail(inj, NP_INJ_ENODLOPEN,
				   "no libc.so in its list of libraries");
	fns->dlopen_flag = RTLD_NOW;
	if (np_elf_symbol(libc->file, "dlopen", &v) == 0) {
		/* glibc 2.34 and later. */
		fns->dlopen = libc->base + v;
		if (np_elf_symbol(libc->file, "dlerror", &v) == 0)
			fns->dlerror = libc->base + v;
	} else if (libdl && np_elf_symbol(libdl->file, "dlopen", &v) == 0) {
		fns->dlopen = libdl->base + v;
		if (np_elf_symbol(libdl->file, "dlerror", &v) == 0)
			fns->dlerror = libdl->base + v;
	} else if (np_elf_symbol(libc->file, "__libc_dlopen_mode", &v) == 0) {
		fns->dlopen = libc->base + v;
		fns->dlopen_flag = RTLD_NOW | RTLD_DLOPEN_FLAG;
	} else {
		return np_inj_fail(inj, NP_INJ_ENODLOPEN,
				   "neither dlopen nor __libc_dlopen_mode in '%s'",
				   libc->name);
	}
	if (np_elf_symbol(libc->file, "__errno_location", &v) == 0)
		fns->errno_location = libc->base + v;
	if (np_elf_header(libc->file, &machine, &entry) != 0 || !entry)
		return np_inj_fail(inj, NP_INJ_ENODLOPEN, "cannot read '%s'",
				   libc->file);
	*code = libc->base + entry;
	if (*code < libc->exec_start ||
	    *code + sizeof(np_arch_code) > libc->exec_end)
		return np_inj_fail(inj, NP_INJ_ECALL,
				   "libc's entry point is not in its code");

	/* Is the agent there already?  The same file, mapped. */
	if (stat(inj->agent, &st) == 0) {
		for (size_t i = 0; i < libs->n; i++) {
			if (libs->lib[i].ino == st.st_ino &&
			    libs->lib[i].dev == st.st_dev) {
				inj->agent_was_loaded = 1;
				fns->start = libs->lib[i].base;
				break;
			}
		}
	}
	if (np_elf_symbol(inj->agent, NP_AGENT_START_SYMBOL, &v) != 0)
		return np_inj_fail(inj, NP_INJ_EAGENT,
				   "the agent '%s' has no " NP_AGENT_START_SYMBOL,
				   inj->agent);
	/* Until the agent is loaded, start holds its symbol's value only. */
	fns->start = inj->agent_was_loaded ? fns->start + v : v;
	return 0;
}

/* Let go of a stopped thread that was not borrowed (or is returned). */
static void release_thread(struct np_inject *inj, pid_t tid)
{
	np_ptrace(inj, PTRACE_DETACH, tid, NULL, NULL);
}

/*
 * Seizes TID and waits until it stops for us.  0 when it is stopped, 1 if
 * it is gone or could not stop in time (it is then let go), or -NP_INJ_*.
 */
static int stop_thread(struct np_inject *inj, pid_t tid)
{
	uint64_t until = now_ns() + STOP_TIMEOUT_MS * 1000000ull;
	long err = np_ptrace(inj, PTRACE_SEIZE, tid, NULL, NULL);

	if (err == -ESRCH)
		return 1;
	if (err == -EPERM || err == -EACCES)
		return np_inj_fail(inj, NP_INJ_EPERM, "%s%s", strerror((int)-err),
				   yama_scope() > 0 ? "; or set kernel.yama.ptrace_scope=0" : "");
	if (err)
		return -NP_INJ_ESYS;
	if (np_ptrace(inj, PTRACE_INTERRUPT, tid, NULL, NULL))
		return 1;
	for (;;) {
		int status, sig, left = (int)((until - now_ns()) / 1000000);
		int r = np_wait_tid(tid, &status, left > 0 ? left : 0);

		if (r < 0 || (r == 1 && !WIFSTOPPED(status)))
			return 1; /* exited */
		if (r == 0) {
			/* Stuck in the kernel (D state): it will stop
			 * sometime; it is let go as soon as it does. */
			np_wait_tid(tid, &status, 60000);
			release_thread(inj, tid);
			return 1;
		}
		sig = WSTOPSIG(status);
		if ((status >> 16) == PTRACE_EVENT_STOP) {
			if (sig == SIGTRAP)
				return 0;
			/* A group stop: the process is being stopped.  Let
			 * go; the kernel keeps the thread stopped. */
			release_thread(inj, tid);
			return -NP_INJ_ESTOPPED;
		}
		/* A signal on its way: deliver it as if we were not here. */
		if (np_ptrace(inj, PTRACE_CONT, tid, NULL,
			      (void *)(long)sig))
			return 1;
	}
}

struct candidate {
	pid_t tid;
	int rank; /* 0: sleeping, 1: running */
};

static int by_rank(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	return x->rank - y->rank;
}

static size_t list_threads(pid_t pid, struct candidate *out, size_t cap)
{
	char name[64];
	struct dirent *d;
	size_t n = 0;
	DIR *dir;

	snprintf(name, sizeof(name), "/proc/%d/task", (int)pid);
	dir = opendir(name);
	if (!dir)
		return 0;
	while ((d = readdir(dir)) && n < cap) {
		pid_t tid = (pid_t)atoi(d->d_name);
		char state;

		if (tid <= 0)
			continue;
		state = proc_state(pid, tid);
		/* Threads in the kernel uninterruptibly, stopped or dying
		 * are not worth waiting for. */
		if (state != 'S' && state != 'R')
			continue;
		out[n].tid = tid;
		out[n].rank = state == 'S' ? 0 : 1;
		n++;
	}
	closedir(dir);
	qsort(out, n, sizeof(*out), by_rank);
	return n;
}

/* Finds a thread at a safe point and leaves it stopped in B (B->safepoint
 * is for the caller to close, after giving the thread back). */
static int borrow_thread(struct np_inject *inj, struct borrowed *b)
{
	uint64_t start = now_ns();
	struct candidate *threads = calloc(MAX_THREADS, sizeof(*threads));
	char why[256];
	int ret = -NP_INJ_ENOSAFE;

	if (!threads)
		return np_inj_fail(inj, NP_INJ_ESYS, "out of memory");
	for (int round = 0;; round++) {
		/* Anew each round: a library loaded since is then known. */
		struct np_safepoint *sp = np_safepoint_open(inj);
		size_t n = list_threads(inj->pid, threads, MAX_THREADS);
		int strict = now_ns() - start < SAFE_STRICT_NS;

		if (!sp) {
			char state = proc_state(inj->pid, 0);

			ret = -NP_INJ_ELINKER;
			if (!state || state == 'Z' || state == 'X') {
				inj->detail[0] = '\0';
				ret = -NP_INJ_EGONE;
			}
			break;
		}
		if (n == 0) {
			char state = proc_state(inj->pid, 0);

			np_safepoint_close(sp);
			ret = !state || state == 'Z' || state == 'X'
				      ? -NP_INJ_EGONE
				      : state == 'T' ? -NP_INJ_ESTOPPED
						     : -NP_INJ_ENOSAFE;
			if (ret == -NP_INJ_ENOSAFE &&
			    now_ns() - start < SAFE_WAIT_NS) {
				struct timespec ms = { 0, 1000000 };
				nanosleep(&ms, NULL);
				continue;
			}
			break;
		}
		for (size_t i = 0; i < n; i++) {
			pid_t tid = threads[i].tid;
			enum np_safety safety;
			uint64_t t0;
			int r = stop_thread(inj, tid);

			if (r == 1)
				continue;
			if (r < 0) {
				np_safepoint_close(sp);
				free(threads);
				return r;
			}
			t0 = now_ns();
			safety = np_safepoint_check(sp, tid, why, sizeof(why));
			if (safety == NP_SAFE ||
			    (safety == NP_UNKNOWN && !strict)) {
				np_debug("borrowing thread %d (round %d, stack checked in %.2f ms)%s%s",
					 (int)tid, round,
					 (double)(now_ns() - t0) / 1e6,
					 why[0] ? ": " : "", why);
				b->tid = tid;
				b->stopped_ns = t0;
				b->safepoint = sp;
				free(threads);
				return 0;
			}
			np_debug("thread %d is not at a safe point: %s",
				 (int)tid, why);
			release_thread(inj, tid);
			if (now_ns() - t0 > inj->pause_ns)
				inj->pause_ns = now_ns() - t0;
		}
		np_safepoint_close(sp);
		if (now_ns() - start > SAFE_WAIT_NS) {
			if (!proc_state(inj->pid, 0))
				ret = -NP_INJ_EGONE;
			break;
		}
		{
			/* Let the threads run a millisecond and look again. */
			struct timespec ms = { 0, 1000000 };
			nanosleep(&ms, NULL);
		}
	}
	free(threads);
	return ret;
}

/* Runs the borrowed thread from the state in B->work until it reaches the
 * trap at EXPECT_PC; its registers are then in B->work. */
static int run_to_trap(struct np_inject *inj, struct borrowed *b,
		       uint64_t expect_pc)
{
	int warned = 0;

	if (np_arch_set(inj, b->tid, &b->work, 0) ||
	    np_ptrace(inj, PTRACE_CONT, b->tid, NULL, NULL))
		goto gone;
	for (;;) {
		int status, sig;
		int r = np_wait_tid(b->tid, &status, CALL_WARN_MS);

		if (r == 0 && !warned) {
			np_warn("process %d has not come back from dlopen for %d s; waiting on",
				(int)inj->pid, CALL_WARN_MS / 1000);
			warned = 1;
			continue;
		}
		if (r == 0)
			continue;
		if (r < 0 || !WIFSTOPPED(status))
			goto gone;
		sig = WSTOPSIG(status);
		if ((status >> 16) == PTRACE_EVENT_STOP) {
			/* A group stop (or our interrupt): our call goes on;
			 * the process stays stopped after the detach. */
			if (np_ptrace(inj, PTRACE_CONT, b->tid, NULL, NULL))
				goto gone;
			continue;
		}
		if (sig == SIGTRAP) {
			if (np_arch_get(inj, b->tid, &b->work, 0))
				goto gone;
			if (np_arch_pc(&b->work) == expect_pc)
				return 0;
			return np_inj_fail(inj, NP_INJ_ECALL,
					   "an unexpected trap at 0x%llx",
					   (unsigned long long)np_arch_pc(&b->work));
		}
		if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
		    sig == SIGFPE || sig == SIGSYS)
			return np_inj_fail(inj, NP_INJ_ECALL,
					   "the injected call got %s at 0x%llx",
					   strsignal(sig),
					   (unsigned long long)np_arch_pc(&b->work));
		/* Blocked signals cannot get here; SIGSTOP can, and must
		 * go on to stop the process. */
		if (np_ptrace(inj, PTRACE_CONT, b->tid, NULL,
			      (void *)(long)sig))
			goto gone;
	}
gone:
	b->gone = 1;
	return -NP_INJ_EGONE;
}

static int remote_syscall(struct np_inject *inj, struct borrowed *b, long nr,
			  uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
			  uint64_t a4, uint64_t a5, int64_t *result)
{
	const uint64_t args[6] = { a0, a1, a2, a3, a4, a5 };
	int err;

	b->work = b->saved;
	np_arch_setup_syscall(&b->work, b->code, nr, args);
	err = run_to_trap(inj, b, np_arch_trap_pc(b->code, NP_ARCH_CODE_SYSCALL));
	if (!err)
		*result = (int64_t)np_arch_result(&b->work);
	return err;
}

static int remote_call(struct np_inject *inj, struct borrowed *b, uint64_t fn,
		       uint64_t a0, uint64_t a1, uint64_t a2, uint64_t *result)
{
	const uint64_t args[3] = { a0, a1, a2 };
	/* Below the red zone and anything the interrupted code may use. */
	uint64_t sp = (np_arch_sp(&b->saved) - np_arch_red_zone - 256) & ~15ull;
	int err;

	b->work = b->saved;
	np_arch_setup_call(&b->work, b->code, sp, fn, args);
	err = run_to_trap(inj, b, np_arch_trap_pc(b->code, NP_ARCH_CODE_CALL));
	if (!err)
		*result = np_arch_result(&b->work);
	return err;
}

/* Saves what the calls will change and puts the scratch code in place. */
static int prepare(struct np_inject *inj, struct borrowed *b)
{
	uint64_t all = ~0ull;

	if (np_arch_get(inj, b->tid, &b->saved, 1))
		return -NP_INJ_EGONE;
	if (np_ptrace(inj, PTRACE_GETSIGMASK, b->tid, (void *)sizeof(all),
		      &b->sigmask) ||
	    np_ptrace(inj, PTRACE_SETSIGMASK, b->tid, (void *)sizeof(all),
		      &all))
		return -NP_INJ_EGONE;
	b->mask_set = 1;
	if (np_mem_read(inj, b->code, b->code_saved, sizeof(b->code_saved)))
		return np_inj_fail(inj, NP_INJ_ECALL,
				   "cannot read the target's memory at 0x%llx",
				   (unsigned long long)b->code);
	if (np_mem_write(inj, b->code, np_arch_code, sizeof(np_arch_code)))
		return np_inj_fail(inj, NP_INJ_ECALL,
				   "cannot write the target's memory at 0x%llx: %s",
				   (unsigned long long)b->code, strerror(errno));
	b->code_written = 1;
	return 0;
}

/* Puts everything back and lets the thread go; keeps the first error. */
static void give_back(struct np_inject *inj, struct borrowed *b)
{
	char detail[sizeof(inj->detail)];

	if (b->gone)
		return;
	memcpy(detail, inj->detail, sizeof(detail));
	if (b->code_written)
		np_mem_write(inj, b->code, b->code_saved, sizeof(b->code_saved));
	if (b->errno_addr)
		np_mem_write(inj, b->errno_addr, &b->errno_saved,
			     sizeof(b->errno_saved));
	np_arch_set(inj, b->tid, &b->saved, 1);
	if (b->mask_set)
		np_ptrace(inj, PTRACE_SETSIGMASK, b->tid,
			  (void *)sizeof(b->sigmask), &b->sigmask);
	release_thread(inj, b->tid);
	if (now_ns() - b->stopped_ns > inj->pause_ns)
		inj->pause_ns = now_ns() - b->stopped_ns;
	memcpy(inj->detail, detail, sizeof(detail));
}

static int is_error(int64_t v)
{
	return v < 0 && v > -4096;
}

/* The calls themselves, on a thread ready for them. */
static int call_agent(struct np_inject *inj, struct borrowed *b,
		      const struct target_fns *fns)
{
	char settings[512];
	uint64_t start = fns->start, ret, t0;
	int64_t r;
	int sv[2] = { -1, -1 };
	int err;

	if (fns->errno_location &&
	    remote_call(inj, b, fns->errno_location, 0, 0, 0, &ret) == 0 &&
	    np_mem_read(inj, ret, &b->errno_saved, sizeof(b->errno_saved)) == 0)
		b->errno_addr = ret;
	if (b->gone)
		return -NP_INJ_EGONE;

	err = remote_syscall(inj, b, SYS_mmap, 0, SCRATCH_SIZE,
			     PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			     (uint64_t)-1, 0, &r);
	if (err)
		return err;
	if (is_error(r))
		return np_inj_fail(inj, NP_INJ_ECALL, "mmap in the target: %s",
				   strerror((int)-r));
	b->scratch = (uint64_t)r;

	err = remote_syscall(inj, b, SYS_socketpair, AF_UNIX,
			     SOCK_STREAM | SOCK_CLOEXEC, 0, b->scratch, 0, 0, &r);
	if (err)
		return err;
	if (r != 0 || np_mem_read(inj, b->scratch, sv, sizeof(sv)))
		return np_inj_fail(inj, NP_INJ_ECALL,
				   "socketpair in the target: %s",
				   strerror(is_error(r) ? (int)-r : EIO));
	inj->stream_fd = (int)syscall(SYS_pidfd_getfd, inj->pidfd, sv[0], 0);
	if (inj->stream_fd < 0)
		err = np_inj_fail(inj, NP_INJ_ESYS,
				  "pidfd_getfd: %s (nprof attach needs Linux 5.6 or later)",
				  strerror(errno));
	/* The target keeps only the agent's end: when nprof goes away, the
	 * agent sees the end of the stream. */
	if (remote_syscall(inj, b, SYS_close, (uint64_t)sv[0], 0, 0, 0, 0, 0, &r))
		return -NP_INJ_EGONE;
	if (err)
		goto close_agent_end;

	if (!inj->agent_was_loaded) {
		uint64_t path = b->scratch + 64, handle;

		if (np_mem_write(inj, path, inj->agent, strlen(inj->agent) + 1)) {
			err = np_inj_fail(inj, NP_INJ_ECALL,
					  "cannot write the target's memory");
			goto close_agent_end;
		}
		test_pause("dlopen");
		t0 = now_ns();
		err = remote_call(inj, b, fns->dlopen, path,
				  (uint64_t)fns->dlopen_flag, 0, &handle);
		inj->dlopen_ns = now_ns() - t0;
		if (err)
			return err;
		if (!handle) {
			char msg[400] = "";
			uint64_t text;

			if (fns->dlerror &&
			    remote_call(inj, b, fns->dlerror, 0, 0, 0, &text) == 0 && text)
				np_mem_read_string(inj, text, msg, sizeof(msg));
			err = np_inj_fail(inj, NP_INJ_EDLOPEN, "%s",
					  msg[0] ? msg : "dlopen returned NULL");
			goto close_agent_end;
		}
		/* glibc's handle is the link_map, whose first field is
		 * l_addr: the agent's load bias. */
		if (np_mem_read(inj, handle, &start, sizeof(start))) {
			err = np_inj_fail(inj, NP_INJ_ECALL, "cannot read the agent's link_map");
			goto close_agent_end;
		}
		start += fns->start;
	}

	inj->session.stream_fd = sv[1];
	if (np_session_format(&inj->session, settings, sizeof(settings)) < 0 ||
	    np_mem_write(inj, b->scratch + 64, settings, strlen(settings) + 1)) {
		err = np_inj_fail(inj, NP_INJ_ECALL, "cannot pass the settings");
		goto close_agent_end;
	}
	test_pause("start");
	t0 = now_ns();
	err = remote_call(inj, b, start, b->scratch + 64, 0, 0, &ret);
	inj->start_ns = now_ns() - t0;
	if (err)
		return err;
	/* From here the agent owns its end, even when it could not start. */
	inj->agent_status = (int)(int32_t)ret;
	if (inj->agent_status == -EBUSY)
		return -NP_INJ_EBUSY;
	if (inj->agent_status != 0)
		return np_inj_fail(inj, NP_INJ_ESTART, "%s",
				   strerror(-inj->agent_status));
	return 0;

close_agent_end:
	remote_syscall(inj, b, SYS_close, (uint64_t)sv[1], 0, 0, 0, 0, 0, &r);
	return err;
}

int np_inject_agent(struct np_inject *inj)
{
	struct np_libs libs = { NULL, 0 };
	struct target_fns fns;
	struct borrowed *b;
	sigset_t chld, old;
	uint64_t t0 = now_ns();
	int err;

	err = check_process(inj);
	if (err)
		return err;
	memset(&fns, 0, sizeof(fns));
	b = calloc(1, sizeof(*b));
	if (!b)
		return np_inj_fail(inj, NP_INJ_ESYS, "out of memory");
	/* Stops of the threads we trace come as SIGCHLD: waited for, not
	 * handled. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);

	err = np_libs_read(inj, &libs);
	if (!err)
		err = find_functions(inj, &libs, &fns, &b->code);
	np_libs_free(&libs);
	if (!err)
		err = borrow_thread(inj, b);
	if (!err) {
		test_pause("stopped");
		err = prepare(inj, b);
		if (!err) {
			test_pause("prepared");
			err = call_agent(inj, b, &fns);
		}
		if (b->scratch && !b->gone) {
			int64_t r;

			remote_syscall(inj, b, SYS_munmap, b->scratch,
				       SCRATCH_SIZE, 0, 0, 0, 0, &r);
		}
		inj->borrowed_tid = b->tid;
		give_back(inj, b);
		if (b->gone)
			err = -NP_INJ_EGONE;
		np_safepoint_close(b->safepoint);
	}
	if (err && inj->stream_fd >= 0) {
		close(inj->stream_fd);
		inj->stream_fd = -1;
	}
	if (err == -NP_INJ_EGONE) {
		char state = proc_state(inj->pid, 0);

		/* Which request found it gone says nothing more. */
		if (!state || state == 'Z' || state == 'X')
			inj->detail[0] = '\0';
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(b);
	inj->total_ns = now_ns() - t0;
	return err;
}
