/* Human output: aligned tables and `key: value` lines from JSON answers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "utf8.h"
#include "xmalloc.h"

#include "ctl.h"

#define CTL_GAP		"  "

size_t
ctl_utf8_width(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (!utf8_is_cont((unsigned char)*s))
			n++;
	return n;
}

/*
 * Control characters (C0, DEL, C1) would let a name drive the terminal.
 * A byte that does not start a UTF-8 character is written as it is.
 */
void
ctl_fputs_safe(const char *s, FILE *f)
{
	size_t		 len = strlen(s), at, n;
	uint32_t	 cp;

	for (at = 0; at < len; at += n) {
		if ((n = utf8_decode(s + at, len - at, &cp)) == 0) {
			fputc(s[at], f);
			n = 1;
		} else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			fputc('?', f);
		else
			fwrite(s + at, 1, n, f);
	}
}

static int
ctl_is_time_key(const char *key)
{
	size_t	len = strlen(key);

	return len > 3 && strcmp(key + len - 3, "_at") == 0;
}

static char *
ctl_time_text(double t)
{
	struct tm	tm;
	time_t		tt = (time_t)t;
	char		buf[64];

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm) == 0)
		return xasprintf("%.0f", t);
	return xstrdup(buf);
}

static char *
ctl_number_text(double v)
{
	if (v == (double)(int64_t)v)
		return xasprintf("%lld", (long long)v);
	return xasprintf("%g", v);
}

/* {"id":3,"name":"Anna"} -> "Anna (3)"; objects without a name: "{...}". */
static char *
ctl_object_text(const cJSON *o)
{
	const cJSON	*name = cJSON_GetObjectItemCaseSensitive(o, "name");
	const cJSON	*id = cJSON_GetObjectItemCaseSensitive(o, "id");

	if (cJSON_IsString(name) && cJSON_IsNumber(id))
		return xasprintf("%s (%lld)", name->valuestring,
		    (long long)id->valuedouble);
	if (cJSON_IsString(name))
		return xstrdup(name->valuestring);
	return xstrdup("{...}");
}

static char *ctl_value_text(const cJSON *v, const char *key);

static char *
ctl_array_text(const cJSON *a)
{
	const cJSON	*e;
	char		*s = xstrdup(""), *t, *n;

	cJSON_ArrayForEach(e, a) {
		if ((t = ctl_value_text(e, "")) == NULL)
			t = xstrdup("-");
		n = xasprintf("%s%s%s", s, *s != '\0' ? "," : "", t);
		free(s);
		free(t);
		s = n;
	}
	return s;
}

static char *
ctl_value_text(const cJSON *v, const char *key)
{
	if (v == NULL || cJSON_IsNull(v))
		return NULL;
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	if (cJSON_IsBool(v))
		return xstrdup(cJSON_IsTrue(v) ? "yes" : "no");
	if (cJSON_IsNumber(v) && ctl_is_time_key(key))
		return ctl_time_text(v->valuedouble);
	if (cJSON_IsNumber(v))
		return ctl_number_text(v->valuedouble);
	if (cJSON_IsArray(v))
		return cJSON_GetArraySize(v) > 0 ? ctl_array_text(v) : NULL;
	return ctl_object_text(v);
}

char *
ctl_text(const cJSON *obj, const char *key)
{
	return ctl_value_text(cJSON_GetObjectItemCaseSensitive(obj, key), key);
}

static char *
ctl_cell(const cJSON *obj, const struct ctl_col *col)
{
	char	*s;

	if (col->get != NULL)
		s = col->get(obj, col->key);
	else
		s = ctl_text(obj, col->key);
	return s != NULL ? s : xstrdup("-");
}

static void
ctl_pad(size_t have, size_t want)
{
	for (; have < want; have++)
		putchar(' ');
}

static void
ctl_print_row(char **cells, const size_t *width, size_t ncols)
{
	size_t	i;

	for (i = 0; i < ncols; i++) {
		if (i > 0)
			fputs(CTL_GAP, stdout);
		ctl_fputs_safe(cells[i], stdout);
		if (i + 1 < ncols)
			ctl_pad(ctl_utf8_width(cells[i]), width[i]);
	}
	putchar('\n');
}

void
ctl_print_table(const cJSON *rows, const struct ctl_col *cols)
{
	const cJSON	*row;
	char		**cells = NULL;
	size_t		*width = NULL, ncols = 0, nrows, r, i, w;

	while (cols[ncols].title != NULL)
		ncols++;
	nrows = (size_t)cJSON_GetArraySize(rows);
	cells = xreallocarray(NULL, (nrows + 1) * ncols, sizeof *cells);
	width = xcalloc(ncols, sizeof *width);
	for (i = 0; i < ncols; i++)
		cells[i] = xstrdup(cols[i].title);
	r = 1;
	cJSON_ArrayForEach(row, rows) {
		for (i = 0; i < ncols; i++)
			cells[r * ncols + i] = ctl_cell(row, &cols[i]);
		r++;
	}
	for (r = 0; r < (nrows + 1) * ncols; r++)
		if ((w = ctl_utf8_width(cells[r])) > width[r % ncols])
			width[r % ncols] = w;
	for (r = 0; r <= nrows; r++)
		ctl_print_row(cells + r * ncols, width, ncols);
	for (r = 0; r < (nrows + 1) * ncols; r++)
		free(cells[r]);
	free(cells);
	free(width);
}

/* "label: value", values aligned; lines of a value are indented. */
static void
ctl_print_line(const char *label, const char *value, size_t width)
{
	const char	*nl;
	char		*part;

	printf("%s:", label);
	ctl_pad(ctl_utf8_width(label), width + 1);
	while ((nl = strchr(value, '\n')) != NULL) {
		part = xstrndup(value, (size_t)(nl - value));
		ctl_fputs_safe(part, stdout);
		free(part);
		putchar('\n');
		ctl_pad(0, width + 2);
		value = nl + 1;
	}
	ctl_fputs_safe(value, stdout);
	putchar('\n');
}

void
ctl_print_show(const cJSON *obj, const struct ctl_col *cols)
{
	size_t	i, w, width = 0;
	char	*v;

	for (i = 0; cols[i].title != NULL; i++)
		if ((w = ctl_utf8_width(cols[i].title)) > width)
			width = w;
	for (i = 0; cols[i].title != NULL; i++) {
		v = ctl_cell(obj, &cols[i]);
		ctl_print_line(cols[i].title, v, width);
		free(v);
	}
}

/* Every member of an object the client has no view for, in order. */
void
ctl_print_fields(const cJSON *obj)
{
	const cJSON	*e;
	size_t		 w, width = 0;
	char		*v;

	cJSON_ArrayForEach(e, obj)
		if (e->string != NULL &&
		    (w = ctl_utf8_width(e->string)) > width)
			width = w;
	cJSON_ArrayForEach(e, obj) {
		if (e->string == NULL)
			continue;
		if ((v = ctl_value_text(e, e->string)) == NULL)
			v = xstrdup("-");
		ctl_print_line(e->string, v, width);
		free(v);
	}
}
