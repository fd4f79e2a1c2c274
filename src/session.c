/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session settings text shared by the CLI and the agent (see session.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "session.h"

static const char *const engine_names[] = {
	[NP_ENGINE_NONE] = "none",     [NP_ENGINE_CPU] = "cpu",
	[NP_ENGINE_CYCLES] = "cycles", [NP_ENGINE_CTIMER] = "ctimer",
	[NP_ENGINE_ITIMER] = "itimer",
};

const char *np_engine_name(enum np_engine e)
{
	if ((unsigned int)e >= sizeof(engine_names) / sizeof(engine_names[0]))
		return "?";
	return engine_names[e];
}

void np_session_init(struct np_session *s)
{
	memset(s, 0, sizeof(*s));
	s->engine = NP_ENGINE_CPU;
	s->freq_hz = 99;
	s->period_ns = 1000000000ull / 99;
	s->nativemem = -1;
	s->stream_fd = -1;
}

int np_session_format(const struct np_session *s, char *buf, size_t cap)
{
	int n = snprintf(buf, cap,
			 "v1;engine=%s;period=%llu;freq=%u;duration=%llu;"
			 "nativemem=%lld;fd=%d",
			 np_engine_name(s->engine),
			 (unsigned long long)s->period_ns, s->freq_hz,
			 (unsigned long long)s->duration_ns,
			 (long long)s->nativemem, s->stream_fd);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	return n;
}

/* Parses an unsigned decimal of at most 19 digits ending at END. */
static int parse_u64(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;

	if (p == end || end - p > 19)
		return -1;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return 0;
}

static int parse_field(const char *key, size_t klen, const char *val,
		       const char *end, struct np_session *s)
{
	uint64_t v;

#define KEY_IS(k) (klen == sizeof(k) - 1 && memcmp(key, k, klen) == 0)
	if (KEY_IS("engine")) {
		for (unsigned int e = 0;
		     e < sizeof(engine_names) / sizeof(engine_names[0]); e++) {
			size_t n = strlen(engine_names[e]);
			if ((size_t)(end - val) == n &&
			    memcmp(val, engine_names[e], n) == 0) {
				s->engine = (enum np_engine)e;
				return 0;
			}
		}
		return -1;
	}
	if (KEY_IS("nativemem")) {
		if (end - val == 2 && memcmp(val, "-1", 2) == 0) {
			s->nativemem = -1;
			return 0;
		}
		if (parse_u64(val, end, &v) || v > INT64_MAX)
			return -1;
		s->nativemem = (int64_t)v;
		return 0;
	}
	if (KEY_IS("fd")) {
		if (end - val == 2 && memcmp(val, "-1", 2) == 0) {
			s->stream_fd = -1;
			return 0;
		}
		if (parse_u64(val, end, &v) || v > 65535)
			return -1;
		s->stream_fd = (int)v;
		return 0;
	}
	if (parse_u64(val, end, &v))
		return -1;
	if (KEY_IS("period"))
		s->period_ns = v;
	else if (KEY_IS("freq") && v <= UINT32_MAX)
		s->freq_hz = (uint32_t)v;
	else if (KEY_IS("duration"))
		s->duration_ns = v;
	/* Unknown keys are ignored: a newer CLI may say more. */
	return 0;
#undef KEY_IS
}

int np_session_parse(const char *text, struct np_session *s)
{
	const char *p = text;

	np_session_init(s);
	if (strncmp(p, "v1", 2) != 0 || (p[2] != ';' && p[2] != '\0'))
		return -1;
	p += 2;
	while (*p == ';') {
		const char *key = ++p;
		const char *eq = key;
		const char *end;

		while (*eq && *eq != '=' && *eq != ';')
			eq++;
		if (*eq != '=')
			return -1;
		end = eq + 1;
		while (*end && *end != ';')
			end++;
		if (parse_field(key, (size_t)(eq - key), eq + 1, end, s))
			return -1;
		p = end;
	}
	return *p == '\0' ? 0 : -1;
}
