/* Reads the family import CSV: UTF-8, header row, RFC 4180 quoting. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "xmalloc.h"

#include "csv.h"

enum csv_end {
	CSV_END_DELIM,
	CSV_END_EOL,
	CSV_END_EOF
};

struct csv_cur {
	const char	*p;
	size_t		 len;
	size_t		 pos;
	long		 line;
	char		 delim;
};

/* One record as read: its fields, before they are mapped to columns. */
struct csv_rec {
	long		 line;
	char		**f;
	size_t		 nf;
	size_t		 cap;
};

struct csv_buf {
	char		*s;
	size_t		 len;
	size_t		 cap;
};

static const char *const csv_api_names[CSV_NCOLS] = {
	"family", "contact", "phone", "language", "channel", "assistant",
	"programme", "group"
};

/* Header names accepted, after trimming and lower-casing. */
static const struct {
	const char	*name;
	enum csv_col	 col;
} csv_header_names[] = {
	{ "family", CSV_FAMILY },	{ "rodzina", CSV_FAMILY },
	{ "contact", CSV_CONTACT },	{ "kontakt", CSV_CONTACT },
	{ "osoba", CSV_CONTACT },
	{ "phone", CSV_PHONE },		{ "telefon", CSV_PHONE },
	{ "language", CSV_LANGUAGE },	{ "język", CSV_LANGUAGE },
	{ "jezyk", CSV_LANGUAGE },
	{ "channel", CSV_CHANNEL },	{ "kanał", CSV_CHANNEL },
	{ "kanal", CSV_CHANNEL },
	{ "assistant", CSV_ASSISTANT },	{ "asystent", CSV_ASSISTANT },
	{ "programme", CSV_PROGRAMME },	{ "program", CSV_PROGRAMME },
	{ "group", CSV_GROUP },		{ "grupa", CSV_GROUP },
};

static const enum csv_col csv_required[] = {
	CSV_FAMILY, CSV_CONTACT, CSV_LANGUAGE, CSV_CHANNEL
};

/* Polish capitals (UTF-8) and their small letters, for header names. */
static const char *const csv_pl_case[][2] = {
	{ "Ą", "ą" }, { "Ć", "ć" }, { "Ę", "ę" }, { "Ł", "ł" }, { "Ń", "ń" },
	{ "Ó", "ó" }, { "Ś", "ś" }, { "Ź", "ź" }, { "Ż", "ż" },
};

#define NITEMS(a)	(sizeof (a) / sizeof (a)[0])

const char *
csv_col_name(enum csv_col col)
{
	return col < CSV_NCOLS ? csv_api_names[col] : "?";
}

static void __attribute__((format(printf, 3, 4)))
csv_fail(struct csv_error *e, long line, const char *fmt, ...)
{
	va_list	ap;

	e->line = line;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
}

static long
csv_line_at(const char *buf, size_t off)
{
	long	line = 1;
	size_t	i;

	for (i = 0; i < off; i++)
		if (buf[i] == '\n')
			line++;
	return line;
}

static void
csv_buf_add(struct csv_buf *b, char c)
{
	if (b->len + 1 >= b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->s = xrealloc(b->s, b->cap);
	}
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

static void
csv_rec_add(struct csv_rec *r, const struct csv_buf *b)
{
	if (r->nf == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->f = xreallocarray(r->f, r->cap, sizeof *r->f);
	}
	r->f[r->nf++] = xstrndup(b->s ? b->s : "", b->len);
}

static void
csv_rec_clear(struct csv_rec *r)
{
	size_t	i;

	for (i = 0; i < r->nf; i++)
		free(r->f[i]);
	r->nf = 0;
}

static int
csv_at(const struct csv_cur *c, size_t off, char ch)
{
	return c->pos + off < c->len && c->p[c->pos + off] == ch;
}

/* Consumes what ends a field: a delimiter, CRLF, LF, a lone CR, or EOF. */
static enum csv_end
csv_end_field(struct csv_cur *c)
{
	if (c->pos >= c->len)
		return CSV_END_EOF;
	if (c->p[c->pos] == c->delim) {
		c->pos++;
		return CSV_END_DELIM;
	}
	if (csv_at(c, 0, '\r'))
		c->pos++;
	if (csv_at(c, 0, '\n'))
		c->pos++;
	c->line++;
	return CSV_END_EOL;
}

static int
csv_is_end(const struct csv_cur *c)
{
	char	ch;

	if (c->pos >= c->len)
		return 1;
	ch = c->p[c->pos];
	return ch == c->delim || ch == '\r' || ch == '\n';
}

/* Unquoted: up to the end, with spaces around the value dropped. */
static int
csv_read_plain(struct csv_cur *c, struct csv_buf *b)
{
	while (c->pos < c->len && (c->p[c->pos] == ' ' ||
	    c->p[c->pos] == '\t'))
		c->pos++;
	while (!csv_is_end(c))
		csv_buf_add(b, c->p[c->pos++]);
	while (b->len > 0 && (b->s[b->len - 1] == ' ' ||
	    b->s[b->len - 1] == '\t'))
		b->s[--b->len] = '\0';
	return csv_end_field(c);
}

/* Quoted: "" is a quote; newlines inside are kept (CRLF becomes LF). */
static int
csv_read_quoted(struct csv_cur *c, struct csv_buf *b, struct csv_error *e)
{
	long	opened = c->line;

	c->pos++;
	for (;;) {
		if (c->pos >= c->len) {
			csv_fail(e, opened, "quoted field is not closed");
			return -1;
		}
		if (csv_at(c, 0, '"') && csv_at(c, 1, '"')) {
			csv_buf_add(b, '"');
			c->pos += 2;
			continue;
		}
		if (csv_at(c, 0, '"'))
			break;
		if (csv_at(c, 0, '\r') && csv_at(c, 1, '\n'))
			c->pos++;
		if (csv_at(c, 0, '\n'))
			c->line++;
		csv_buf_add(b, c->p[c->pos++]);
	}
	c->pos++;
	while (c->pos < c->len && (c->p[c->pos] == ' ' ||
	    c->p[c->pos] == '\t'))
		c->pos++;
	if (!csv_is_end(c)) {
		csv_fail(e, c->line, "text after the closing quote of a field");
		return -1;
	}
	return csv_end_field(c);
}

/* 1: a record in r; 0: end of input; -1: error in e. */
static int
csv_read_record(struct csv_cur *c, struct csv_rec *r, struct csv_buf *b,
    struct csv_error *e)
{
	int	end;

	csv_rec_clear(r);
	if (c->pos >= c->len)
		return 0;
	r->line = c->line;
	do {
		b->len = 0;
		if (b->s != NULL)
			b->s[0] = '\0';
		if (csv_at(c, 0, '"'))
			end = csv_read_quoted(c, b, e);
		else
			end = csv_read_plain(c, b);
		if (end == -1)
			return -1;
		csv_rec_add(r, b);
	} while (end == CSV_END_DELIM);
	return 1;
}

static int
csv_rec_is_blank(const struct csv_rec *r)
{
	size_t	i;

	for (i = 0; i < r->nf; i++)
		if (r->f[i][0] != '\0')
			return 0;
	return 1;
}

/* Skips blank records; 1: a record, 0: none left, -1: error. */
static int
csv_next(struct csv_cur *c, struct csv_rec *r, struct csv_buf *b,
    struct csv_error *e)
{
	int	rc;

	while ((rc = csv_read_record(c, r, b, e)) == 1 && csv_rec_is_blank(r))
		continue;
	return rc;
}

/* The delimiter of the header line: the more frequent of ';' and ','. */
static char
csv_detect_delim(const char *p, size_t len)
{
	size_t	i, commas = 0, semis = 0;
	int	quoted = 0;

	for (i = 0; i < len; i++) {
		if (p[i] == '"')
			quoted = !quoted;
		else if (!quoted && (p[i] == '\n' || p[i] == '\r') &&
		    commas + semis > 0)
			break;
		else if (!quoted && p[i] == ',')
			commas++;
		else if (!quoted && p[i] == ';')
			semis++;
	}
	return semis > commas ? ';' : ',';
}

/* Lower-cases ASCII and Polish capitals into out (NUL-terminated). */
static void
csv_fold(const char *s, char *out, size_t outlen)
{
	size_t	o = 0, i, n;

	while (*s != '\0' && o + 4 < outlen) {
		for (i = 0; i < NITEMS(csv_pl_case); i++) {
			n = strlen(csv_pl_case[i][0]);
			if (strncmp(s, csv_pl_case[i][0], n) == 0)
				break;
		}
		if (i < NITEMS(csv_pl_case)) {
			memcpy(out + o, csv_pl_case[i][1], n);
			o += n;
			s += n;
		} else {
			out[o++] = (*s >= 'A' && *s <= 'Z') ? *s + 32 : *s;
			s++;
		}
	}
	out[o] = '\0';
}

static int
csv_lookup_header(const char *name)
{
	char	folded[128];
	size_t	i;

	csv_fold(name, folded, sizeof folded);
	for (i = 0; i < NITEMS(csv_header_names); i++)
		if (strcmp(folded, csv_header_names[i].name) == 0)
			return (int)csv_header_names[i].col;
	return -1;
}

/* Fills map[field] = column; checks unknown, repeated, missing columns. */
static int
csv_map_header(const struct csv_rec *h, int *map, struct csv_error *e)
{
	int	seen[CSV_NCOLS] = { 0 };
	size_t	i;
	int	col;

	for (i = 0; i < h->nf; i++) {
		if ((col = csv_lookup_header(h->f[i])) == -1) {
			csv_fail(e, h->line, "unknown column \"%.64s\" (known: "
			    "family, contact, phone, language, channel, "
			    "assistant, programme, group)", h->f[i]);
			return -1;
		}
		if (seen[col]++) {
			csv_fail(e, h->line, "column %s appears twice",
			    csv_api_names[col]);
			return -1;
		}
		map[i] = col;
	}
	for (i = 0; i < NITEMS(csv_required); i++) {
		if (!seen[csv_required[i]]) {
			csv_fail(e, h->line, "missing column %s",
			    csv_api_names[csv_required[i]]);
			return -1;
		}
	}
	return 0;
}

static void
csv_add_row(struct csv_file *f, const struct csv_rec *r, const int *map)
{
	struct csv_row	*row;
	size_t		 i;

	f->rows = xreallocarray(f->rows, f->nrows + 1, sizeof *f->rows);
	row = &f->rows[f->nrows++];
	memset(row, 0, sizeof *row);
	row->line = r->line;
	for (i = 0; i < r->nf; i++)
		if (r->f[i][0] != '\0')
			row->field[map[i]] = xstrdup(r->f[i]);
}

static int
csv_read_rows(struct csv_cur *c, struct csv_file *f, const int *map,
    size_t ncols, struct csv_error *e)
{
	struct csv_rec	r = { 0 };
	struct csv_buf	b = { 0 };
	int		rc = -1, got;

	while ((got = csv_next(c, &r, &b, e)) == 1) {
		if (r.nf != ncols) {
			csv_fail(e, r.line, "expected %zu fields, found %zu",
			    ncols, r.nf);
			goto out;
		}
		if (f->nrows == CSV_MAX_ROWS) {
			csv_fail(e, r.line, "more than %d rows; split the file",
			    CSV_MAX_ROWS);
			goto out;
		}
		csv_add_row(f, &r, map);
	}
	if (got == -1)
		goto out;
	if (f->nrows == 0) {
		csv_fail(e, 0, "no families after the header row");
		goto out;
	}
	rc = 0;
out:
	csv_rec_clear(&r);
	free(r.f);
	free(b.s);
	return rc;
}

/* Refuses what is not text: invalid UTF-8 and NUL bytes. */
static int
csv_check_text(const char *buf, size_t len, struct csv_error *e)
{
	const char	*nul;
	size_t		 bad;

	bad = utf8_check(buf, len);
	if (bad < len) {
		csv_fail(e, csv_line_at(buf, bad), "invalid UTF-8 (byte "
		    "offset %zu); save the file as UTF-8", bad);
		return -1;
	}
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		csv_fail(e, csv_line_at(buf, (size_t)(nul - buf)),
		    "NUL byte in the file");
		return -1;
	}
	return 0;
}

int
csv_parse(const char *buf, size_t len, struct csv_file **out,
    struct csv_error *e)
{
	struct csv_file	*f = NULL;
	struct csv_cur	 c = { buf, len, 0, 1, ',' };
	struct csv_rec	 h = { 0 };
	struct csv_buf	 b = { 0 };
	int		*map = NULL, rc = -1, got;

	*out = NULL;
	memset(e, 0, sizeof *e);
	if (len > CSV_MAX_BYTES) {
		csv_fail(e, 0, "file is larger than %d MiB",
		    CSV_MAX_BYTES / (1024 * 1024));
		goto out;
	}
	if (csv_check_text(buf, len, e) == -1)
		goto out;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		c.pos = 3;
	c.delim = csv_detect_delim(buf + c.pos, len - c.pos);
	if ((got = csv_next(&c, &h, &b, e)) != 1) {
		if (got == 0)
			csv_fail(e, 0, "empty file");
		goto out;
	}
	map = xreallocarray(NULL, h.nf, sizeof *map);
	if (csv_map_header(&h, map, e) == -1)
		goto out;
	f = xcalloc(1, sizeof *f);
	f->delim = c.delim;
	if (csv_read_rows(&c, f, map, h.nf, e) == -1)
		goto out;
	*out = f;
	f = NULL;
	rc = 0;
out:
	csv_free(f);
	csv_rec_clear(&h);
	free(h.f);
	free(b.s);
	free(map);
	return rc;
}

void
csv_free(struct csv_file *f)
{
	size_t	i, j;

	if (f == NULL)
		return;
	for (i = 0; i < f->nrows; i++)
		for (j = 0; j < CSV_NCOLS; j++)
			free(f->rows[i].field[j]);
	free(f->rows);
	free(f);
}

void
csv_put(FILE *f, const char *s, int last)
{
	const char	*p;

	if (strpbrk(s, ",\"\r\n") == NULL)
		fputs(s, f);
	else {
		putc('"', f);
		for (p = s; *p != '\0'; p++) {
			if (*p == '"')
				putc('"', f);
			putc(*p, f);
		}
		putc('"', f);
	}
	putc(last ? '\n' : ',', f);
}
