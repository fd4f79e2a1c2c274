/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsers for intervals, frequencies, durations and byte counts. */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "interval.h"

/*
 * Reads a decimal number with an optional fraction into a value scaled by
 * 10^9, so that "2.5" gives 2500000000; returns where the number ends, or
 * NULL when there is no number or it overflows.
 */
static const char *scan_decimal(const char *p, unsigned __int128 *nano)
{
	unsigned __int128 whole = 0, frac = 0, scale = 1000000000u;
	const char *start = p;

	while (isdigit((unsigned char)*p)) {
		whole = whole * 10 + (unsigned)(*p++ - '0');
		if (whole > UINT64_MAX)
			return NULL;
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return NULL;
		while (isdigit((unsigned char)*p)) {
			if (scale > 1) {
				scale /= 10;
				frac += (unsigned)(*p - '0') * scale;
			}
			p++;
		}
	}
	if (p == start)
		return NULL;
	*nano = whole * 1000000000u + frac;
	return p;
}

static const struct {
	const char *suffix;
	uint64_t ns;
} time_units[] = {
	{ "ns", 1 },	       { "us", 1000 },	 { "ms", 1000000 },
	{ "s", 1000000000ull }, { "m", 60000000000ull },
};

/* Scales a number read by scan_decimal by the unit named at P. */
static int apply_time_unit(const char *p, unsigned __int128 nano,
			   int unit_required, uint64_t *ns)
{
	unsigned __int128 v;

	if (*p == '\0') {
		if (unit_required)
			return -1;
		v = nano; /* plain seconds */
	} else {
		size_t i, n = sizeof(time_units) / sizeof(time_units[0]);

		for (i = 0; i < n; i++)
			if (!strcmp(p, time_units[i].suffix))
				break;
		if (i == n)
			return -1;
		v = nano * time_units[i].ns / 1000000000u;
	}
	if (v > UINT64_MAX)
		return -1;
	*ns = (uint64_t)v;
	return 0;
}

int np_parse_interval(const char *text, uint64_t *ns)
{
	unsigned __int128 nano;
	const char *p = scan_decimal(text, &nano);
	uint64_t v;

	if (!p || apply_time_unit(p, nano, 1, &v))
		return -1;
	if (v < NP_INTERVAL_MIN_NS || v > NP_INTERVAL_MAX_NS)
		return -1;
	*ns = v;
	return 0;
}

int np_parse_frequency(const char *text, uint32_t *hz)
{
	uint64_t v = 0;
	const char *p = text;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (uint64_t)(*p++ - '0');
		if (v > NP_FREQ_MAX)
			return -1;
	}
	if (*p != '\0' || v < NP_FREQ_MIN)
		return -1;
	*hz = (uint32_t)v;
	return 0;
}

int np_parse_duration(const char *text, uint64_t *ns)
{
	unsigned __int128 nano;
	const char *p = scan_decimal(text, &nano);
	uint64_t v;

	if (!p || apply_time_unit(p, nano, 0, &v) || v == 0)
		return -1;
	*ns = v;
	return 0;
}

int np_parse_bytes(const char *text, uint64_t *bytes)
{
	unsigned __int128 v = 0;
	const char *p = text;
	unsigned int shift = 0;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (unsigned)(*p++ - '0');
		if (v > UINT64_MAX)
			return -1;
	}
	switch (tolower((unsigned char)*p)) {
	case '\0':
		break;
	case 'k':
		shift = 10;
		break;
	case 'm':
		shift = 20;
		break;
	case 'g':
		shift = 30;
		break;
	default:
		return -1;
	}
	if (*p && p[1] != '\0' && !(tolower((unsigned char)p[1]) == 'b' && p[2] == '\0'))
		return -1;
	v <<= shift;
	if (v > UINT64_MAX)
		return -1;
	*bytes = (uint64_t)v;
	return 0;
}
