/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The call tree, from the outermost frames (main, thread start routines)
 * down, each node with the share of samples (or bytes) under it and in it;
 * for memory also the bytes and allocations under it.  Small branches are
 * hidden (below 0.5% of the total), or, with --top N, all but each node's N
 * biggest callees.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "report-options.h"
#include "report.h"
#include "symbols.h"
#include "xalloc.h"

/* Nodes under this share of the total are hidden by default. */
#define PRUNE_PERCENT 0.5

struct node {
	uint32_t site;      /* np_symbols site: with its line if --lines */
	uint32_t function;
	uint64_t total;
	uint64_t self;
	double objects;     /* allocations under it */
	size_t first_child; /* into tree.children */
	size_t nchildren;
};

struct tree {
	struct node *nodes;   /* nodes[0] is above the roots */
	size_t nnodes, cap;
	uint32_t *children;   /* each node's children, hottest first */
	const struct np_report *r;
	const struct np_symbols *symbols;
	uint64_t value;       /* the total of the view */
	bool memory;          /* values are bytes */
	int bytes_width, count_width;
	/* What is shown. */
	unsigned long top;
	uint64_t min_total;
	size_t hidden;
};

/* Adds ST's value along its path from the root, creating nodes. */
static void add_path(struct tree *t, struct np_intern *edges,
		     const struct np_report_stack *st)
{
	uint32_t parent = 0;

	t->nodes[0].total += st->value;
	t->nodes[0].objects += st->objects;
	for (uint32_t f = st->nframes; f-- > 0;) {
		uint32_t edge[2] = { parent, st->sites[f] };
		bool added;
		uint32_t n =
		    np_intern_add(edges, edge, sizeof(edge), &added) + 1;

		if (added) {
			np_xgrow(&t->nodes, t->nnodes, &t->cap,
				 sizeof(*t->nodes));
			t->nodes[t->nnodes++] = (struct node){
				.site = st->sites[f],
				.function = st->functions[f],
			};
		}
		t->nodes[n].total += st->value;
		t->nodes[n].objects += st->objects;
		parent = n;
	}
	t->nodes[parent].self += st->value;
}

static const struct tree *sort_tree;

static int compare_children(const void *a, const void *b)
{
	const struct node *x = &sort_tree->nodes[*(const uint32_t *)a];
	const struct node *y = &sort_tree->nodes[*(const uint32_t *)b];

	int c;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	c = strcmp(np_symbols_name(sort_tree->symbols, x->function),
		   np_symbols_name(sort_tree->symbols, y->function));
	/* The same function at other lines, or inlined and not. */
	return c ? c : x->site < y->site ? -1 : x->site > y->site;
}

/*
 * Lists each node's children together, hottest first.  Nodes are numbered
 * in the order the edges were interned, so node N's parent is the first
 * half of edge N - 1.
 */
static void link_children(struct tree *t, const struct np_intern *edges)
{
	size_t *fill = np_xcalloc(t->nnodes, sizeof(*fill));
	size_t next = 0;

	for (size_t n = 1; n < t->nnodes; n++) {
		const uint32_t *edge =
		    np_intern_key(edges, (uint32_t)n - 1, NULL);

		t->nodes[edge[0]].nchildren++;
	}
	for (size_t n = 0; n < t->nnodes; n++) {
		t->nodes[n].first_child = next;
		next += t->nodes[n].nchildren;
	}
	t->children = np_xcalloc(t->nnodes, sizeof(*t->children));
	for (size_t n = 1; n < t->nnodes; n++) {
		const uint32_t *edge =
		    np_intern_key(edges, (uint32_t)n - 1, NULL);
		struct node *parent = &t->nodes[edge[0]];

		t->children[parent->first_child + fill[edge[0]]++] =
		    (uint32_t)n;
	}
	free(fill);
	sort_tree = t;
	for (size_t n = 0; n < t->nnodes; n++)
		qsort(t->children + t->nodes[n].first_child,
		      t->nodes[n].nchildren, sizeof(*t->children),
		      compare_children);
}

static void print_node(struct tree *t, uint32_t n, unsigned int depth,
		       FILE *out)
{
	const struct node *node = &t->nodes[n];
	const char *name = np_symbols_name(t->symbols, node->function);
	const char *module = np_symbols_module(t->symbols, node->function);
	char where[4200];

	fprintf(out, "%6.2f%% %6.2f%%  ", np_report_percent(node->total, t->value),
		np_report_percent(node->self, t->value));
	if (t->memory) {
		char bytes[32];

		np_report_format_bytes((double)node->total, bytes,
				       sizeof(bytes));
		fprintf(out, "%*s %*.0f  ", t->bytes_width, bytes,
			t->count_width, node->objects < 0.5 ? 0 : node->objects);
	}
	fprintf(out, "%*s%s", (int)depth * 2, "", name);
	if (name[0] != '[' && module[0])
		fprintf(out, " (%s)", module);
	if (np_symbols_site(t->symbols, node->site)->inlined)
		fputs(" [inlined]", out);
	if (np_report_site_line(t->r, node->site, where, sizeof(where))[0])
		fprintf(out, " %s", where);
	fputc('\n', out);
}

static void print_subtree(struct tree *t, uint32_t n, unsigned int depth,
			  FILE *out)
{
	const struct node *node = &t->nodes[n];

	if (n)
		print_node(t, n, depth++, out);
	for (size_t i = 0; i < node->nchildren; i++) {
		uint32_t c = t->children[node->first_child + i];

		/* Children are hottest first: the rest are hidden too. */
		if ((t->top && i >= t->top) ||
		    t->nodes[c].total < t->min_total) {
			t->hidden += node->nchildren - i;
			break;
		}
		print_subtree(t, c, depth, out);
	}
}

static int run(const struct np_report *r, const struct np_report_options *opts,
	       FILE *out)
{
	struct tree t = { .r = r, .symbols = r->symbols, .value = r->value,
			  .memory = np_report_is_memory(r) };
	struct np_intern edges;

	np_report_print_summary(r, out);
	np_report_print_warnings(r, out);
	np_report_print_filtered(r, out);
	if (!r->events) {
		np_report_print_nothing(r, out);
		return 0;
	}
	np_intern_init(&edges);
	np_xgrow(&t.nodes, 0, &t.cap, sizeof(*t.nodes));
	t.nodes[t.nnodes++] = (struct node){ 0 };
	for (size_t s = 0; s < r->nstacks; s++)
		if (r->stacks[s].events)
			add_path(&t, &edges, &r->stacks[s]);
	link_children(&t, &edges);
	np_intern_release(&edges);

	if (opts->min_percent_given) {
		t.min_total = np_report_min_value(r, opts->min_percent);
		if (opts->top_given)
			t.top = opts->top;
	} else if (opts->top_given) {
		t.top = opts->top;
	} else {
		/* The smallest total that is at least PRUNE_PERCENT. */
		double min = (double)r->value * PRUNE_PERCENT / 100.0;

		t.min_total = (uint64_t)min;
		if ((double)t.min_total < min)
			t.min_total++;
	}
	if (t.memory) {
		char bytes[32], count[32];

		np_report_format_bytes((double)r->value, bytes, sizeof(bytes));
		/* "1023.9 KiB": no node prints wider, but for a total
		 * beyond 1024 GiB. */
		t.bytes_width = (int)strlen(bytes) < 10 ? 10
							: (int)strlen(bytes);
		t.count_width = snprintf(count, sizeof(count), "%.0f",
					 r->objects);
		if (t.count_width < 6)
			t.count_width = 6;
		fprintf(out, "\n%7s %7s  %*s %*s  %s\n", "total%", "self%",
			t.bytes_width, "total", t.count_width, "allocs",
			"function");
	} else {
		fprintf(out, "\n%7s %7s  %s\n", "total%", "self%",
			"function");
	}
	print_subtree(&t, 0, 0, out);
	if (t.hidden && opts->min_percent_given)
		fprintf(out, "# %zu call path%s hidden (--min-percent %g%s)\n",
			t.hidden, t.hidden == 1 ? "" : "s", opts->min_percent,
			opts->top_given ? ", --top" : "");
	else if (t.hidden && opts->top_given)
		fprintf(out, "# %zu smaller callee%s hidden (--top %lu per "
			"caller; --top 0 shows all)\n", t.hidden,
			t.hidden == 1 ? "" : "s", t.top);
	else if (t.hidden)
		fprintf(out, "# %zu call path%s under %.1f%% hidden (--top 0 "
			"shows all)\n", t.hidden, t.hidden == 1 ? "" : "s",
			PRUNE_PERCENT);
	free(t.nodes);
	free(t.children);
	return 0;
}

const struct np_report_format np_report_tree = {
	.name = "tree",
	.summary = "call tree from the outermost frames down",
	.symbolize = true,
	.run = run,
};
