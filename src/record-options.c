/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Option parsing for `nprof record` and `nprof attach` (see
 * record-options.h). */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "interval.h"
#include "record-options.h"

const char np_record_usage[] =
	"usage: nprof record [options] [--] CMD [ARGS...]\n"
	"\n"
	"Start CMD with the nprof agent preloaded and record a profile.  A\n"
	"statically linked CMD is sampled by the kernel instead (CPU only).\n"
	"\n"
	"  -e, --event=EVENT      what to sample: cpu (default), cycles, ctimer, itimer\n"
	"  -F, --freq=HZ          samples per second of CPU time (default 99)\n"
	"  -i, --interval=TIME    time between samples instead: 10ms, 1000us, 500000ns\n"
	"      --nativemem[=INTERVAL]\n"
	"                         track malloc and friends, sampling one allocation per\n"
	"                         INTERVAL bytes on average (default 512k; 0: every one);\n"
	"                         CPU sampling then only with -e, -F or -i\n"
	"  -d, --duration=SECONDS stop profiling after SECONDS (the program keeps running)\n"
	"  -o, --output=FILE      write the profile to FILE (default samples.dat)\n"
	"  -q, --quiet            no live status line\n"
	"  -v, --verbose          say more about what nprof does\n"
	"  -h, --help             show this help\n"
	"\n"
	"nprof exits with CMD's exit status (128+N when CMD dies of signal N).\n"
	"See nprof-record(1).\n";

/* Long options without a short form. */
enum { OPT_NATIVEMEM = 256 };

const char np_attach_usage[] =
	"usage: nprof attach [options] PID\n"
	"\n"
	"Load the nprof agent into the running process PID and record a profile\n"
	"until -d SECONDS pass, Ctrl-C, or the process exits.  The process keeps\n"
	"running; a later attach to it works again.\n"
	"\n"
	"      --nativemem[=INTERVAL]\n"
	"                         track native memory: sample one allocation per\n"
	"                         INTERVAL bytes on average (default 512k; 0 records\n"
	"                         every one); CPU only with -e, -F or -i as well\n"
	"  -e, --event=EVENT      what to sample: cpu (default), cycles, ctimer, itimer\n"
	"  -F, --freq=HZ          samples per second of CPU time (default 99)\n"
	"  -i, --interval=TIME    time between samples instead: 10ms, 1000us, 500000ns\n"
	"  -d, --duration=SECONDS stop profiling after SECONDS\n"
	"  -o, --output=FILE      write the profile to FILE (default samples.dat)\n"
	"  -q, --quiet            no live status line\n"
	"  -v, --verbose          say more about what nprof does\n"
	"  -h, --help             show this help\n"
	"\n"
	"nprof exits 0 when the profile was written, 1 when it could not attach.\n"
	"See nprof-attach(1).\n";


static const struct option long_options[] = {
	{ "nativemem", optional_argument, NULL, OPT_NATIVEMEM },
	{ "event", required_argument, NULL, 'e' },
	{ "freq", required_argument, NULL, 'F' },
	{ "interval", required_argument, NULL, 'i' },
	{ "duration", required_argument, NULL, 'd' },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

__attribute__((format(printf, 3, 4))) static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return NP_OPTS_ERROR;
}

static int parse_event(const char *name, struct np_session *s)
{
	static const struct {
		const char *name;
		enum np_engine engine;
	} events[] = {
		{ "cpu", NP_ENGINE_CPU },	    { "cpu-clock", NP_ENGINE_CPU },
		{ "cycles", NP_ENGINE_CYCLES },     { "ctimer", NP_ENGINE_CTIMER },
		{ "itimer", NP_ENGINE_ITIMER },
	};

	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		if (!strcmp(name, events[i].name)) {
			s->engine = events[i].engine;
			return 0;
		}
	}
	return -1;
}

/* The options of both commands; ATTACH says which one ARGV is for. */
static int parse_options(int argc, char **argv, struct np_record_opts *o,
			 char *err, size_t errlen, int attach)
{
	int c, have_freq = 0, have_interval = 0, have_event = 0;
	uint64_t bytes;

	memset(o, 0, sizeof(*o));
	np_session_init(&o->session);
	o->output = "samples.dat";
	err[0] = '\0';

	/* "+": stop at the first operand, which is CMD: its own options must
	 * not be taken for ours (attach's PID has none, and may come first).
	 * ":": we word the errors ourselves. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv,
				attach ? ":e:F:i:d:o:qvh" : "+:e:F:i:d:o:qvh",
				long_options, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (parse_event(optarg, &o->session))
				return fail(err, errlen,
					    "unknown event '%s' (use cpu, cycles, ctimer or itimer)",
					    optarg);
			have_event = 1;
			break;
		case 'F':
			if (np_parse_frequency(optarg, &o->session.freq_hz))
				return fail(err, errlen,
					    "bad frequency '%s' (give a whole number of Hz from %u to %u)",
					    optarg, NP_FREQ_MIN, NP_FREQ_MAX);
			have_freq = 1;
			break;
		case 'i':
			if (np_parse_interval(optarg, &o->session.period_ns))
				return fail(err, errlen,
					    "bad interval '%s' (give a time with a unit, from 100us to 1s, such as 10ms)",
					    optarg);
			have_interval = 1;
			break;
		case 'd':
			if (np_parse_duration(optarg, &o->session.duration_ns))
				return fail(err, errlen,
					    "bad duration '%s' (give seconds, such as 10 or 0.5)",
					    optarg);
			break;
		case 'o':
			if (!*optarg)
				return fail(err, errlen, "empty output file name");
			o->output = optarg;
			break;
		case OPT_NATIVEMEM:
			bytes = NP_NATIVEMEM_DEFAULT;
			if (optarg && (np_parse_bytes(optarg, &bytes) ||
				       bytes > (1ull << 40)))
				return fail(err, errlen,
					    "bad native memory interval '%s' (give bytes, such as 0, 64k or 1m)",
					    optarg);
			o->session.nativemem = (int64_t)bytes;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			return NP_OPTS_HELP;
		case ':':
			if (optopt)
				return fail(err, errlen,
					    "option '-%c' needs a value", optopt);
			return fail(err, errlen, "option '%s' needs a value",
				    argv[optind - 1]);
		default:
			if (optopt)
				return fail(err, errlen,
					    "unknown option '-%c' (try 'nprof %s --help')",
					    optopt, argv[0]);
			return fail(err, errlen,
				    "unknown option '%s' (try 'nprof %s --help')",
				    argv[optind - 1], argv[0]);
		}
	}
	if (have_freq && have_interval)
		return fail(err, errlen, "give either -F or -i, not both");
	/* Memory alone unless CPU sampling was asked for as well. */
	if (o->session.nativemem >= 0 && !have_event && !have_freq &&
	    !have_interval)
		o->session.engine = NP_ENGINE_NONE;
	if (have_freq)
		o->session.period_ns = 1000000000ull / o->session.freq_hz;
	else if (have_interval) {
		uint64_t hz = 1000000000ull / o->session.period_ns;
		o->session.freq_hz = hz ? (uint32_t)hz : 1;
	}
	return NP_OPTS_OK;
}

int np_record_opts_parse(int argc, char **argv, struct np_record_opts *o,
			 char *err, size_t errlen)
{
	int ret = parse_options(argc, argv, o, err, errlen, 0);

	if (ret != NP_OPTS_OK)
		return ret;
	if (optind >= argc)
		return fail(err, errlen,
			    "no command to profile (usage: nprof record [options] -- CMD [ARGS...])");
	o->cmd = argv + optind;
	o->cmd_argc = argc - optind;
	return NP_OPTS_OK;
}

int np_attach_opts_parse(int argc, char **argv, struct np_record_opts *o,
			 char *err, size_t errlen)
{
	int ret = parse_options(argc, argv, o, err, errlen, 1);
	const char *p;
	long pid = 0;

	if (ret != NP_OPTS_OK)
		return ret;
	if (optind >= argc)
		return fail(err, errlen,
			    "no process to attach to (usage: nprof attach [options] PID)");
	if (argc - optind > 1)
		return fail(err, errlen,
			    "one PID only, not '%s' too (usage: nprof attach [options] PID)",
			    argv[optind + 1]);
	for (p = argv[optind]; *p >= '0' && *p <= '9' && pid <= INT_MAX; p++)
		pid = pid * 10 + (*p - '0');
	if (*p || p == argv[optind] || pid <= 0 || pid > INT_MAX)
		return fail(err, errlen,
			    "bad PID '%s' (give the process number, as ps shows it)",
			    argv[optind]);
	o->pid = (int)pid;
	return NP_OPTS_OK;
}
