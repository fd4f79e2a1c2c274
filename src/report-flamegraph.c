/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An interactive flame graph in one self-contained HTML file: the call tree
 * of the view is embedded as JSON (a string table and the nodes in
 * preorder, three numbers each: name, value, number of children) and drawn
 * on a canvas by a small script in the page, which needs no network.
 * Hover, click to zoom, search, flame or icicle; frames are coloured by
 * the kind of code they are in, or with --diff by how much they changed.
 * Every name is JSON with '<', '>' and '&' escaped: nothing a symbol holds
 * can end the script element.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "intern.h"
#include "profile.h"
#include "report-flamegraph.h"
#include "report-options.h"
#include "report.h"
#include "symbols.h"
#include "xalloc.h"

/* The page before the data, and the script after it. */
static const char page_head[] =
	"<!DOCTYPE html>\n"
	"<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	"<title>nprof flame graph</title>\n"
	"<style>\n"
	"body { font: 13px sans-serif; margin: 8px; }\n"
	"#bar { margin-bottom: 6px; }\n"
	"#bar > * { margin-right: 6px; }\n"
	"#title { display: block; font-weight: bold; margin-bottom: 4px; }\n"
	"canvas { width: 100%; display: block; }\n"
	"#tip { position: absolute; display: none; white-space: pre; background: #ffe; border: 1px solid #888; padding: 4px; max-width: 300px; overflow: hidden; pointer-events: none; }\n"
	".k { padding: 0 4px; }\n"
	"</style></head><body>\n"
	"<div id=\"bar\"><span id=\"title\"></span>\n"
	"<button id=\"reset\">Reset zoom</button><button id=\"mode\">Flame / icicle</button>\n"
	"<input id=\"search\" size=\"30\" placeholder=\"search (regular expression)\">\n"
	"<span id=\"matched\"></span>\n"
	"<span class=\"k\" style=\"background:hsl(25,75%,58%)\">program</span><span class=\"k\" style=\"background:hsl(52,75%,58%)\">library</span><span class=\"k\" style=\"background:hsl(110,75%,58%)\">libc</span><span class=\"k\" style=\"background:hsl(190,75%,58%)\">kernel</span><span class=\"k\" style=\"background:hsl(285,75%,58%)\">inlined</span></div>\n"
	"<canvas id=\"fg\"></canvas><div id=\"tip\"></div><pre id=\"drawn\" hidden></pre>\n"
	"<script type=\"application/json\" id=\"data\">\n";

static const char page_script[] =
	"</script>\n<script>\n"
	"(function () {\n"
	"\"use strict\";\n"
	"var D = JSON.parse(document.getElementById(\"data\").textContent);\n"
	"document.getElementById(\"title\").textContent = D.title;\n"
	/* With --diff, colours are changes, not kinds of code. */
	"if (D.base) [].forEach.call(document.querySelectorAll(\".k\"), function (e) { e.style.display = \"none\"; });\n"
	"var N = D.nodes.length / 3, name = new Int32Array(N), val = new Float64Array(N),\n"
	"    parent = new Int32Array(N), depth = new Int32Array(N), start = new Float64Array(N),\n"
	"    first = new Int32Array(N), next = new Int32Array(N), base = D.base || null;\n"
	"(function () {\n"
	"  var st = [], k = 0, maxd = 0;\n"
	"  for (var i = 0; i < N; i++) {\n"
	"    name[i] = D.nodes[k]; val[i] = D.nodes[k + 1]; var nc = D.nodes[k + 2]; k += 3;\n"
	"    first[i] = -1; next[i] = -1;\n"
	"    while (st.length && st[st.length - 1].left === 0) st.pop();\n"
	"    if (st.length) {\n"
	"      var p = st[st.length - 1];\n"
	"      parent[i] = p.i; depth[i] = depth[p.i] + 1;\n"
	"      start[i] = p.x; p.x += val[i]; p.left--;\n"
	"      if (p.last < 0) first[p.i] = i; else next[p.last] = i;\n"
	"      p.last = i;\n"
	"    } else { parent[i] = -1; depth[i] = 0; start[i] = 0; }\n"
	"    if (depth[i] > maxd) maxd = depth[i];\n"
	"    st.push({ i: i, x: start[i], left: nc, last: -1 });\n"
	"  }\n"
	"  D.maxDepth = maxd;\n"
	"})();\n"
	"var canvas = document.getElementById(\"fg\"), ctx = canvas.getContext(\"2d\"),\n"
	"    tip = document.getElementById(\"tip\"), ROW = 16, zoom = 0, icicle = false,\n"
	"    match = null, drawn = [], hover = -1;\n"
	"var KIND_HUE = [[10, 40], [45, 60], [90, 130], [180, 200], [270, 300], [0, 0]];\n"
	"function hash(s) { var h = 0; for (var i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0; return h; }\n"
	"function fmt(v) {\n"
	"  if (D.unit !== \"bytes\") return String(Math.round(v));\n"
	"  var u = [\"B\", \"KiB\", \"MiB\", \"GiB\", \"TiB\"], i = 0;\n"
	"  while (Math.abs(v) >= 1024 && i < 4) { v /= 1024; i++; }\n"
	"  return (i ? v.toFixed(1) : String(Math.round(v))) + \" \" + u[i];\n"
	"}\n"
	"function pct(v, t) { return t ? (100 * v / t).toFixed(2) + \"%\" : \"0%\"; }\n"
	"function color(i) {\n"
	"  var n = name[i], h = hash(D.names[n]);\n"
	"  if (match && match[i]) return \"rgb(230,0,230)\";\n"
	"  if (base) {\n"
	"    var now = D.total ? val[i] / D.total : 0, was = D.baseTotal ? base[i] / D.baseTotal : 0,\n"
	"        d = now - was, a = Math.min(1, Math.abs(d) * 20);\n"
	"    var c = Math.round(235 - 175 * a);\n"
	"    return d > 0 ? \"rgb(235,\" + c + \",\" + c + \")\" : d < 0 ? \"rgb(\" + c + \",\" + c + \",235)\" : \"rgb(235,235,235)\";\n"
	"  }\n"
	"  var r = KIND_HUE[D.kinds[n]] || KIND_HUE[5];\n"
	"  if (D.kinds[n] === 5) return \"hsl(0,0%,\" + (70 + (h & 7)) + \"%)\";\n"
	"  return \"hsl(\" + (r[0] + (h & 0xffff) % (r[1] - r[0] + 1)) + \",75%,\" + (55 + ((h >> 8) & 7)) + \"%)\";\n"
	"}\n"
	"function ancestors(i) { var a = []; while (i >= 0) { a.push(i); i = parent[i]; } return a; }\n"
	"function render() {\n"
	"  var W = canvas.clientWidth, rows = D.maxDepth + 1, H = rows * ROW, dpr = window.devicePixelRatio || 1;\n"
	"  canvas.width = W * dpr; canvas.height = H * dpr; canvas.style.height = H + \"px\";\n"
	"  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);\n"
	"  ctx.clearRect(0, 0, W, H); ctx.font = \"12px sans-serif\"; ctx.textBaseline = \"middle\";\n"
	"  drawn = [];\n"
	"  var scale = val[zoom] ? W / val[zoom] : 0, x0 = start[zoom];\n"
	"  function box(i, x, w) {\n"
	"    var y = icicle ? depth[i] * ROW : H - (depth[i] + 1) * ROW;\n"
	"    ctx.fillStyle = color(i); ctx.fillRect(x, y, w - 0.5, ROW - 1);\n"
	"    if (w > 30) {\n"
	"      ctx.fillStyle = \"#000\"; ctx.save(); ctx.beginPath(); ctx.rect(x, y, w - 3, ROW); ctx.clip();\n"
	"      ctx.fillText(D.names[name[i]], x + 3, y + ROW / 2); ctx.restore();\n"
	"    }\n"
	"    drawn.push([i, x, y, w]);\n"
	"  }\n"
	"  var anc = ancestors(parent[zoom]);\n"
	"  for (var a = anc.length - 1; a >= 0; a--) box(anc[a], 0, W);\n"
	"  var st = [zoom];\n"
	"  while (st.length) {\n"
	"    var i = st.pop(), w = val[i] * scale;\n"
	"    if (w < 0.5) continue;\n"
	"    box(i, (start[i] - x0) * scale, w);\n"
	"    for (var c = first[i]; c >= 0; c = next[c]) st.push(c);\n"
	"  }\n"
	"  report();\n"
	"}\n"
	"function report() {\n"
	"  var seen = {}, names = [];\n"
	"  for (var k = 0; k < drawn.length && names.length < 5000; k++) {\n"
	"    var s = D.names[name[drawn[k][0]]];\n"
	"    if (!seen[s]) { seen[s] = 1; names.push(s); }\n"
	"  }\n"
	"  document.getElementById(\"drawn\").textContent = names.join(\"\\n\");\n"
	"  document.body.setAttribute(\"data-zoom\", D.names[name[zoom]]);\n"
	"  document.body.setAttribute(\"data-frames\", String(drawn.length));\n"
	"  document.body.setAttribute(\"data-mode\", icicle ? \"icicle\" : \"flame\");\n"
	"}\n"
	"function at(ev) {\n"
	"  var r = canvas.getBoundingClientRect(), x = ev.clientX - r.left, y = ev.clientY - r.top;\n"
	"  for (var k = drawn.length - 1; k >= 0; k--) {\n"
	"    var d = drawn[k];\n"
	"    if (x >= d[1] && x < d[1] + d[3] && y >= d[2] && y < d[2] + ROW) return d[0];\n"
	"  }\n"
	"  return -1;\n"
	"}\n"
	"canvas.addEventListener(\"mousemove\", function (ev) {\n"
	"  var i = at(ev);\n"
	"  if (i < 0) { tip.style.display = \"none\"; return; }\n"
	"  var t = D.names[name[i]] + \"\\n\" + fmt(val[i]) + \" \" + D.unitName + \" (\" + pct(val[i], D.total) + \" of all\";\n"
	"  if (zoom) t += \", \" + pct(val[i], val[zoom]) + \" of the zoomed frame\";\n"
	"  t += \")\";\n"
	"  if (base) t += \"\\nbase: \" + fmt(base[i]) + \" (\" + pct(base[i], D.baseTotal) + \"), change \" +\n"
	"    (val[i] - base[i] >= 0 ? \"+\" : \"\") + fmt(val[i] - base[i]);\n"
	"  tip.textContent = t; tip.style.display = \"block\";\n"
	"  tip.style.left = Math.min(ev.pageX + 12, window.innerWidth - 320) + \"px\"; tip.style.top = ev.pageY + 12 + \"px\";\n"
	"});\n"
	"canvas.addEventListener(\"mouseleave\", function () { tip.style.display = \"none\"; });\n"
	"canvas.addEventListener(\"click\", function (ev) { var i = at(ev); if (i >= 0) { zoom = i; render(); } });\n"
	"document.getElementById(\"reset\").addEventListener(\"click\", function () { zoom = 0; render(); });\n"
	"document.getElementById(\"mode\").addEventListener(\"click\", function () { icicle = !icicle; render(); });\n"
	"var search = document.getElementById(\"search\");\n"
	"search.addEventListener(\"input\", function () {\n"
	"  var q = search.value, re = null, out = document.getElementById(\"matched\");\n"
	"  if (!q) { match = null; out.textContent = \"\"; render(); return; }\n"
	"  try { re = new RegExp(q); } catch (e) { re = { test: function (s) { return s.indexOf(q) >= 0; } }; }\n"
	"  var hit = new Uint8Array(D.names.length); for (var n = 0; n < D.names.length; n++) hit[n] = re.test(D.names[n]) ? 1 : 0;\n"
	"  match = new Uint8Array(N); var sum = 0;\n"
	"  for (var i = 0; i < N; i++) {\n"
	"    if (!hit[name[i]]) continue;\n"
	"    match[i] = 1;\n"
	"    var p = parent[i], under = false;\n"
	"    while (p >= 0) { if (hit[name[p]]) { under = true; break; } p = parent[p]; }\n"
	"    if (!under) sum += val[i];\n"
	"  }\n"
	"  out.textContent = \"matched: \" + fmt(sum) + \" \" + D.unitName + \" (\" + pct(sum, D.total) + \")\";\n"
	"  render();\n"
	"});\n"
	"window.addEventListener(\"resize\", render);\n"
	"render();\n"
	"(function selftest() {\n"
	"  var h = decodeURIComponent(location.hash.slice(1)), m;\n"
	"  if ((m = /(?:^|&)search=([^&]*)/.exec(h))) { search.value = m[1]; search.dispatchEvent(new Event(\"input\")); }\n"
	"  if ((m = /(?:^|&)click=([^&]*)/.exec(h))) {\n"
	"    var best = null;\n"
	"    for (var k = 0; k < drawn.length; k++)\n"
	"      if (D.names[name[drawn[k][0]]] === m[1] && (!best || drawn[k][3] > best[3])) best = drawn[k];\n"
	"    if (best) {\n"
	"      var r = canvas.getBoundingClientRect();\n"
	"      canvas.dispatchEvent(new MouseEvent(\"click\", { clientX: Math.round(r.left + best[1] + best[3] / 2), clientY: Math.round(r.top + best[2] + ROW / 2), bubbles: true }));\n"
	"    }\n"
	"  }\n"
	"  if (/(?:^|&)icicle/.test(h)) document.getElementById(\"mode\").click();\n"
	"})();\n"
	"})();\n"
	"</script>\n</body></html>\n";

struct node {
	uint32_t site;       /* np_symbols site; UINT32_MAX for the root */
	uint64_t value;
	uint64_t base;       /* --diff: the base profile's value */
	uint32_t first_child;
	uint32_t nchildren;
};

struct graph {
	struct node *nodes;  /* nodes[0] is the root, "all" */
	size_t nnodes, cap;
	struct np_intern edges; /* {parent, site} -> node - 1 */
	uint32_t *children;
	const struct np_symbols *symbols;
	uint32_t *names;     /* site -> string index + 1 */
	size_t names_cap;
	uint32_t nnames;
	uint32_t *name_order; /* string index -> site */
	size_t order_cap;
};

void np_flamegraph_put_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '<':
		case '>':
		case '&':
			fprintf(out, "\\u%04x", *p);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

/* The child of PARENT for SITE, made if it is new. */
static uint32_t child(struct graph *g, uint32_t parent, uint32_t site)
{
	uint32_t key[2] = { parent, site };
	bool added;
	uint32_t n = np_intern_add(&g->edges, key, sizeof(key), &added) + 1;

	if (added) {
		np_xgrow(&g->nodes, g->nnodes, &g->cap, sizeof(*g->nodes));
		g->nodes[g->nnodes++] = (struct node){ .site = site };
	}
	return n;
}

/* Adds VALUE (or BASE) along the path of SITES (leaf first). */
static void add_path(struct graph *g, const uint32_t *sites,
		     uint32_t nframes, uint64_t value, bool base)
{
	uint32_t n = 0;

	for (uint32_t f = nframes + 1; f-- > 0;) {
		if (base)
			g->nodes[n].base += value;
		else
			g->nodes[n].value += value;
		if (f)
			n = child(g, n, sites[f - 1]);
	}
}

static const struct np_symbols *sort_symbols;
static const struct node *sort_nodes;

static uint32_t site_function(uint32_t site)
{
	return np_symbols_site(sort_symbols, site)->function;
}

static int compare_children(const void *a, const void *b)
{
	const struct node *x = &sort_nodes[*(const uint32_t *)a];
	const struct node *y = &sort_nodes[*(const uint32_t *)b];
	int c = strcmp(np_symbols_name(sort_symbols, site_function(x->site)),
		       np_symbols_name(sort_symbols, site_function(y->site)));

	/* The same function at other lines, or inlined and not. */
	return c ? c : x->site < y->site ? -1 : x->site > y->site;
}

/* Each node's children, alphabetical (as flame graphs order them). */
static void link_children(struct graph *g)
{
	uint32_t *fill;

	for (size_t i = 1; i < g->nnodes; i++) {
		const uint32_t *key = np_intern_key(&g->edges,
						    (uint32_t)i - 1, NULL);

		g->nodes[key[0]].nchildren++;
	}
	fill = np_xcalloc(g->nnodes, sizeof(*fill));
	g->children = np_xcalloc(g->nnodes, sizeof(*g->children));
	for (size_t i = 0, at = 0; i < g->nnodes; i++) {
		g->nodes[i].first_child = (uint32_t)at;
		at += g->nodes[i].nchildren;
	}
	for (size_t i = 1; i < g->nnodes; i++) {
		const uint32_t *key = np_intern_key(&g->edges,
						    (uint32_t)i - 1, NULL);
		struct node *p = &g->nodes[key[0]];

		g->children[p->first_child + fill[key[0]]++] = (uint32_t)i;
	}
	free(fill);
	sort_symbols = g->symbols;
	sort_nodes = g->nodes;
	for (size_t i = 0; i < g->nnodes; i++)
		if (g->nodes[i].nchildren > 1)
			qsort(g->children + g->nodes[i].first_child,
			      g->nodes[i].nchildren, sizeof(*g->children),
			      compare_children);
}

static uint32_t name_index(struct graph *g, uint32_t site)
{
	if (site >= g->names_cap) {
		size_t old = g->names_cap;

		g->names_cap = (site + 1) * 2;
		g->names = np_xreallocarray(g->names, g->names_cap,
					    sizeof(*g->names));
		memset(g->names + old, 0,
		       (g->names_cap - old) * sizeof(*g->names));
	}
	if (!g->names[site]) {
		np_xgrow(&g->name_order, g->nnames, &g->order_cap,
			 sizeof(*g->name_order));
		g->name_order[g->nnames++] = site;
		g->names[site] = g->nnames;
	}
	return g->names[site] - 1;
}

/* Whether a node is drawn: it holds something now or in the base. */
static bool shown(const struct node *n, uint64_t min)
{
	return (n->value || n->base) && n->value >= min;
}

/* The nodes, preorder: [name, value, children shown] each. */
static void put_nodes(struct graph *g, uint64_t min, bool diff, FILE *out)
{
	uint32_t *stack = np_xcalloc(g->nnodes + 1, sizeof(*stack));
	size_t depth = 0;
	const char *sep = "";

	stack[depth++] = 0;
	fputs("\"nodes\":[", out);
	while (depth) {
		const struct node *n = &g->nodes[stack[--depth]];
		uint32_t kids = 0;

		for (uint32_t c = 0; c < n->nchildren; c++)
			kids += shown(&g->nodes[g->children[n->first_child + c]],
				      min);
		fprintf(out, "%s%" PRIu32 ",%" PRIu64 ",%" PRIu32, sep,
			n == g->nodes ? 0 : name_index(g, n->site) + 1,
			n->value, kids);
		sep = ",";
		/* Pushed in reverse: popped in order. */
		for (uint32_t c = n->nchildren; c-- > 0;) {
			uint32_t k = g->children[n->first_child + c];

			if (shown(&g->nodes[k], min))
				stack[depth++] = k;
		}
	}
	fputs("]", out);
	if (diff) {
		/* The same walk again, for the base values. */
		sep = "";
		depth = 0;
		stack[depth++] = 0;
		fputs(",\"base\":[", out);
		while (depth) {
			const struct node *n = &g->nodes[stack[--depth]];

			fprintf(out, "%s%" PRIu64, sep, n->base);
			sep = ",";
			for (uint32_t c = n->nchildren; c-- > 0;) {
				uint32_t k = g->children[n->first_child + c];

				if (shown(&g->nodes[k], min))
					stack[depth++] = k;
			}
		}
		fputs("]", out);
	}
	free(stack);
}

enum kind { KIND_PROGRAM, KIND_LIBRARY, KIND_LIBC, KIND_KERNEL,
	    KIND_INLINED, KIND_OTHER };

/* The kind of code at a site: inlined, else from its module. */
static enum kind kind_of(const struct np_report *r, uint32_t site)
{
	const struct np_profile *p = r->profile;
	const struct np_sym_site *at = np_symbols_site(r->symbols, site);
	const char *path = np_symbols_module_path(r->symbols, at->function);
	const char *base = np_symbols_module(r->symbols, at->function);
	static const char *const libc[] = {
		"libc.so", "libc-", "ld-linux", "libm.so", "libpthread",
		"libdl.so", "librt.so", NULL,
	};

	if (at->inlined)
		return KIND_INLINED;
	if (!strcmp(path, "[kernel]"))
		return KIND_KERNEL;
	if (!path[0] || path[0] == '[')
		return KIND_OTHER;
	for (size_t i = 0; libc[i]; i++)
		if (!strncmp(base, libc[i], strlen(libc[i])))
			return KIND_LIBC;
	/* The first module recorded is the program. */
	if (p->nmodules && !strcmp(p->modules[0].path, path))
		return KIND_PROGRAM;
	return strstr(base, ".so") ? KIND_LIBRARY : KIND_PROGRAM;
}

/* A frame's name; with --lines, "name [file.c:12]". */
static void put_name(const struct np_report *r, uint32_t site, FILE *out)
{
	const char *name = np_symbols_name(
		r->symbols, np_symbols_site(r->symbols, site)->function);
	char where[4200], *label;

	if (!r->lines ||
	    !np_report_site_line(r, site, where, sizeof(where))[0]) {
		np_flamegraph_put_string(out, name);
		return;
	}
	label = np_xmalloc(strlen(name) + strlen(where) + 4);
	sprintf(label, "%s [%s]", name, where);
	np_flamegraph_put_string(out, label);
	free(label);
}

static void put_title(const struct np_report *r, FILE *out)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		np_die("out of memory");
	np_report_print_summary(r, f);
	if (r->base)
		fprintf(f, " (compared with '%s': red grew, blue shrank)",
			r->base->file);
	if (fclose(f))
		np_die("out of memory");
	if (len && text[len - 1] == '\n')
		text[len - 1] = 0;
	np_flamegraph_put_string(out, text + (text[0] == '#' ? 2 : 0));
	free(text);
}

/* SITE of the base profile B as a site of R: the same function (by name
 * and module), file and line. */
static uint32_t base_site(const struct np_report *r,
			  const struct np_report *b, uint32_t site)
{
	const struct np_sym_site *from = np_symbols_site(b->symbols, site);
	struct np_sym_site to = {
		.function = np_symbols_function(
			r->symbols, np_symbols_name(b->symbols, from->function),
			np_symbols_module_path(b->symbols, from->function)),
		.file = np_symbols_file_id(r->symbols,
					   np_symbols_file(b->symbols,
							   from->file)),
		.line = from->line,
		.inlined = from->inlined,
	};

	return np_symbols_site_id(r->symbols, &to);
}

/* Adds the base profile's stacks, their sites renamed into R's. */
static void add_base(struct graph *g, const struct np_report *r)
{
	const struct np_report *b = r->base;
	struct np_intern map; /* base site -> index in MAPPED */
	uint32_t *mapped = NULL, *path = NULL;
	size_t nmapped_cap = 0, cap = 0;

	np_intern_init(&map);
	for (size_t s = 0; s < b->nstacks; s++) {
		const struct np_report_stack *st = &b->stacks[s];

		np_xgrow(&path, st->nframes, &cap, sizeof(*path));
		for (uint32_t f = 0; f < st->nframes; f++) {
			bool added;
			uint32_t i = np_intern_add(&map, &st->sites[f],
						   sizeof(st->sites[f]),
						   &added);

			if (added) {
				np_xgrow(&mapped, i, &nmapped_cap,
					 sizeof(*mapped));
				mapped[i] = base_site(r, b, st->sites[f]);
			}
			path[f] = mapped[i];
		}
		if (st->value)
			add_path(g, path, st->nframes, st->value, true);
	}
	free(path);
	free(mapped);
	np_intern_release(&map);
}

static int run(const struct np_report *r, const struct np_report_options *opts,
	       FILE *out)
{
	struct graph g = { .symbols = r->symbols };
	uint64_t min = opts->min_percent_given
			       ? np_report_min_value(r, opts->min_percent)
			       : 0;

	np_intern_init(&g.edges);
	np_xgrow(&g.nodes, 0, &g.cap, sizeof(*g.nodes));
	g.nodes[g.nnodes++] = (struct node){ .site = UINT32_MAX };
	for (size_t s = 0; s < r->nstacks; s++)
		if (r->stacks[s].value)
			add_path(&g, r->stacks[s].sites,
				 r->stacks[s].nframes, r->stacks[s].value,
				 false);
	if (r->base)
		add_base(&g, r);
	link_children(&g);

	fputs(page_head, out);
	fputs("{\"title\":", out);
	put_title(r, out);
	fprintf(out, ",\"unit\":\"%s\",\"unitName\":\"%s\",\"total\":%" PRIu64,
		np_report_is_memory(r) ? "bytes" : "samples",
		np_report_is_memory(r) ? "" : "samples", r->value);
	if (r->base)
		fprintf(out, ",\"baseTotal\":%" PRIu64, r->base->value);
	fputc(',', out);
	put_nodes(&g, min, r->base != NULL, out);
	/* Names after the nodes: put_nodes numbers them as it meets them. */
	fputs(",\"names\":[\"all\"", out);
	for (uint32_t i = 0; i < g.nnames; i++) {
		fputc(',', out);
		put_name(r, g.name_order[i], out);
	}
	fputs("],\"kinds\":[5", out);
	for (uint32_t i = 0; i < g.nnames; i++)
		fprintf(out, ",%d", (int)kind_of(r, g.name_order[i]));
	fputs("]}", out);
	fputs(page_script, out);

	np_intern_release(&g.edges);
	free(g.nodes);
	free(g.children);
	free(g.names);
	free(g.name_order);
	return 0;
}

const struct np_report_format np_report_flamegraph = {
	.name = "flamegraph",
	.summary = "interactive flame graph in one HTML file",
	.symbolize = true,
	.diff = true,
	.run = run,
};
