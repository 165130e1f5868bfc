/*
 * Unit tests for the admin API's table of routes (daemon/admin/
 * admin_routes.c): every entry can run and be reached, changes run in a
 * transaction, and the table and the table of endpoints in
 * doc/admin-api.md list the same endpoints with the same query keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../daemon/admin/admin_priv.h"

/* The unit tests run from the top of the tree (make unit). */
#define DOC_PATH	"doc/admin-api.md"
#define DOC_ROUTES	64
#define DOC_QUERY	8
/* What admin.c's matcher takes (its pattern buffer, ADMIN_SEGMENTS). */
#define PATTERN_MAX	128
#define SEGMENTS_MAX	8

/* One row of the document's table of endpoints. */
struct doc_route {
	char	 method[8];
	char	 pattern[PATTERN_MAX];		/* {family} made '*' */
	char	 query[DOC_QUERY][32];		/* `keys` after "query" */
	size_t	 nquery;
};

static struct doc_route	 doc[DOC_ROUTES];
static size_t		 ndoc;

static const struct {
	enum evhttp_cmd_type	 method;
	const char		*name;
} methods[] = {
	{ EVHTTP_REQ_GET, "GET" },
	{ EVHTTP_REQ_POST, "POST" },
	{ EVHTTP_REQ_PATCH, "PATCH" },
	{ EVHTTP_REQ_DELETE, "DELETE" },
};

static const char *
method_name(enum evhttp_cmd_type m)
{
	size_t	 i;

	for (i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (methods[i].method == m)
			return methods[i].name;
	return NULL;
}

/* A documented path as admin_routes[] spells it: '*' for "{family}". */
static void
doc_pattern(const char *path, size_t len, char out[PATTERN_MAX])
{
	size_t	 i = 0, o = 0;

	while (i < len && o + 1 < PATTERN_MAX) {
		if (path[i] == '{') {
			while (i < len && path[i] != '}')
				i++;
			i++;
			out[o++] = '*';
		} else
			out[o++] = path[i++];
	}
	out[o] = '\0';
}

/* The `keys` of a body column reading "query `a`, `b` (...)". */
static int
doc_query(struct doc_route *d, const char *col, const char *end)
{
	const char	*p, *q;

	if (strncmp(col, "query ", 6) != 0)
		return 0;
	for (p = col; (p = memchr(p, '`', (size_t)(end - p))) != NULL;
	    p = q + 1) {
		if ((q = memchr(p + 1, '`', (size_t)(end - p - 1))) == NULL)
			break;
		if (d->nquery == DOC_QUERY ||
		    (size_t)(q - p - 1) >= sizeof d->query[0])
			return -1;
		snprintf(d->query[d->nquery++], sizeof d->query[0], "%.*s",
		    (int)(q - p - 1), p + 1);
	}
	return 0;
}

/*
 * A line "| METHOD /v1/path | body | answer |": 1, or 0 when it is not
 * one, -1 when it cannot be read. Any upper-case word counts as a
 * method, so that a row of a method the server does not take fails
 * rather than goes unseen.
 */
static int
doc_line(const char *line, struct doc_route *d)
{
	const char	*path, *pend, *col, *cend;
	size_t		 n;

	memset(d, 0, sizeof *d);
	if (strncmp(line, "| ", 2) != 0)
		return 0;
	n = strspn(line + 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
	if (n == 0 || n >= sizeof d->method ||
	    strncmp(line + 2 + n, " /v1/", 5) != 0)
		return 0;
	snprintf(d->method, sizeof d->method, "%.*s", (int)n, line + 2);
	path = line + 2 + n + 1;
	if ((pend = strstr(path, " | ")) == NULL)
		return -1;
	doc_pattern(path, (size_t)(pend - path), d->pattern);
	col = pend + 3;
	if ((cend = strstr(col, " |")) == NULL)
		cend = col + strlen(col);
	return doc_query(d, col, cend) == -1 ? -1 : 1;
}

static int
doc_load(void **state)
{
	FILE	*fp;
	char	 line[2048];
	int	 n, rc = 0;

	(void)state;
	if ((fp = fopen(DOC_PATH, "r")) == NULL) {
		fprintf(stderr, "%s: cannot open (run from the top of the "
		    "tree)\n", DOC_PATH);
		return -1;
	}
	ndoc = 0;
	while (rc == 0 && fgets(line, sizeof line, fp) != NULL) {
		if ((n = doc_line(line, &doc[ndoc])) == -1 ||
		    (n == 1 && ++ndoc == DOC_ROUTES)) {
			fprintf(stderr, "%s: cannot read the row \"%.60s\"\n",
			    DOC_PATH, line);
			rc = -1;
		}
	}
	fclose(fp);
	return rc;
}

/* The segments of a pattern, split at '/' in `buf`. */
static int
split(const char *pattern, char buf[PATTERN_MAX], char *seg[SEGMENTS_MAX])
{
	char	*p, *save = NULL;
	int	 n = 0;

	snprintf(buf, PATTERN_MAX, "%s", pattern);
	for (p = strtok_r(buf, "/", &save); p != NULL && n < SEGMENTS_MAX;
	    p = strtok_r(NULL, "/", &save))
		seg[n++] = p;
	return n;
}

static const struct doc_route *
doc_find(const struct admin_route *rt)
{
	const char	*m = method_name(rt->method);
	size_t		 i;

	for (i = 0; m != NULL && i < ndoc; i++)
		if (strcmp(doc[i].method, m) == 0 &&
		    strcmp(doc[i].pattern, rt->pattern) == 0)
			return &doc[i];
	return NULL;
}

/* Segments the server can split and match, '*' only as a whole one. */
static void
test_admin_routes_every_entry_can_run(void **state)
{
	const struct admin_route	*rt;
	const char			*p;
	int				 stars, slashes;

	(void)state;
	assert_non_null(admin_routes[0].pattern);
	for (rt = admin_routes; rt->pattern != NULL; rt++) {
		if (method_name(rt->method) == NULL || rt->fn == NULL)
			fail_msg("%s: no method or no function", rt->pattern);
		if (strncmp(rt->pattern, "/v1/", 4) != 0 ||
		    strlen(rt->pattern) >= PATTERN_MAX)
			fail_msg("%s: not a /v1/ path", rt->pattern);
		stars = slashes = 0;
		for (p = rt->pattern; *p != '\0'; p++) {
			if (*p == '/' && (p[1] == '/' || p[1] == '\0'))
				fail_msg("%s: an empty segment", rt->pattern);
			if (*p == '*' && (p[-1] != '/' || (p[1] != '/' &&
			    p[1] != '\0')))
				fail_msg("%s: '*' inside a segment",
				    rt->pattern);
			stars += *p == '*';
			slashes += *p == '/';
		}
		if (stars > ADMIN_ARGS || slashes > SEGMENTS_MAX)
			fail_msg("%s: too many segments", rt->pattern);
	}
}

/*
 * The server takes the first entry that matches: one after an entry of
 * the same method whose pattern matches all it does is never reached.
 */
static void
test_admin_routes_none_is_shadowed(void **state)
{
	const struct admin_route	*a, *b;
	char				 abuf[PATTERN_MAX], bbuf[PATTERN_MAX];
	char				*aseg[SEGMENTS_MAX];
	char				*bseg[SEGMENTS_MAX];
	int				 n, k;

	(void)state;
	for (a = admin_routes; a->pattern != NULL; a++)
		for (b = a + 1; b->pattern != NULL; b++) {
			if (a->method != b->method ||
			    (n = split(a->pattern, abuf, aseg)) !=
			    split(b->pattern, bbuf, bseg))
				continue;
			for (k = 0; k < n; k++)
				if (strcmp(aseg[k], "*") != 0 &&
				    strcmp(aseg[k], bseg[k]) != 0)
					break;
			if (k == n)
				fail_msg("%s %s is never reached after %s",
				    method_name(b->method), b->pattern,
				    a->pattern);
		}
}

/* What changes something commits with its audit row, or not at all. */
static void
test_admin_routes_changes_run_in_a_transaction(void **state)
{
	const struct admin_route	*rt;

	(void)state;
	for (rt = admin_routes; rt->pattern != NULL; rt++)
		if (rt->method != EVHTTP_REQ_GET &&
		    !(rt->flags & (ADMIN_MUTATES | ADMIN_OWN_TX)))
			fail_msg("%s %s runs outside a transaction",
			    method_name(rt->method), rt->pattern);
}

static void
test_admin_routes_only_import_rows_take_big_bodies(void **state)
{
	const struct admin_route	*rt;

	(void)state;
	for (rt = admin_routes; rt->pattern != NULL; rt++)
		if ((rt->flags & ADMIN_BIG) && (rt->method != EVHTTP_REQ_POST ||
		    strcmp(rt->pattern, "/v1/imports/*/rows") != 0))
			fail_msg("%s takes bodies up to %d bytes",
			    rt->pattern, ADMIN_IMPORT_MAX);
}

static void
test_admin_routes_every_documented_endpoint_is_routed(void **state)
{
	const struct admin_route	*rt;
	size_t				 i;

	(void)state;
	assert_true(ndoc > 0);
	for (i = 0; i < ndoc; i++) {
		for (rt = admin_routes; rt->pattern != NULL; rt++)
			if (doc_find(rt) == &doc[i])
				break;
		if (rt->pattern == NULL)
			fail_msg("%s %s is in %s but not in admin_routes[]",
			    doc[i].method, doc[i].pattern, DOC_PATH);
	}
}

static void
test_admin_routes_every_route_is_documented(void **state)
{
	const struct admin_route	*rt;

	(void)state;
	for (rt = admin_routes; rt->pattern != NULL; rt++)
		if (doc_find(rt) == NULL)
			fail_msg("%s %s is routed but not in %s",
			    method_name(rt->method), rt->pattern, DOC_PATH);
}

/* A route takes exactly the query keys its row names. */
static void
test_admin_routes_query_keys_are_the_documented_ones(void **state)
{
	const struct admin_route	*rt;
	const struct doc_route		*d;
	size_t				 n, i;

	(void)state;
	for (rt = admin_routes; rt->pattern != NULL; rt++) {
		if ((d = doc_find(rt)) == NULL)
			continue;
		for (n = 0; rt->query != NULL && rt->query[n] != NULL; n++) {
			for (i = 0; i < d->nquery; i++)
				if (strcmp(d->query[i], rt->query[n]) == 0)
					break;
			if (i == d->nquery)
				fail_msg("%s: query key %s is not documented",
				    rt->pattern, rt->query[n]);
		}
		if (n != d->nquery)
			fail_msg("%s: %zu query keys documented, %zu taken",
			    rt->pattern, d->nquery, n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admin_routes_every_entry_can_run),
		cmocka_unit_test(test_admin_routes_none_is_shadowed),
		cmocka_unit_test(
		    test_admin_routes_changes_run_in_a_transaction),
		cmocka_unit_test(
		    test_admin_routes_only_import_rows_take_big_bodies),
		cmocka_unit_test(
		    test_admin_routes_every_documented_endpoint_is_routed),
		cmocka_unit_test(test_admin_routes_every_route_is_documented),
		cmocka_unit_test(
		    test_admin_routes_query_keys_are_the_documented_ones),
	};

	return cmocka_run_group_tests(tests, doc_load, NULL);
}
