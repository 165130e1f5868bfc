/* tgemu: UTF-8/UTF-16 checks, Telegram HTML parsing, request parameters. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tgemu.h"
#include "xmalloc.h"

#define HTML_DEPTH_MAX	32

/* Counts UTF-16 code units of valid UTF-8, as Telegram measures text. */
size_t
emu_utf16_len(const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, units = 0;

	for (i = 0; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			units++;
		if (p[i] >= 0xf0)
			units++;
	}
	return units;
}

struct html_ent {
	char		 tag[16];
	const char	*type;
	size_t		 off;
	size_t		 len;
	char		*url;
	int		 open;
};

struct html_tag {
	const char	*name;
	const char	*type;
};

static const struct html_tag html_tags[] = {
	{ "b", "bold" }, { "strong", "bold" },
	{ "i", "italic" }, { "em", "italic" },
	{ "u", "underline" }, { "ins", "underline" },
	{ "s", "strikethrough" }, { "strike", "strikethrough" },
	{ "del", "strikethrough" },
	{ "a", "text_link" },
	{ "code", "code" }, { "pre", "pre" },
	{ "blockquote", "blockquote" },
	{ "tg-spoiler", "spoiler" }, { "span", "spoiler" },
};

struct html {
	const char	*in;
	size_t		 n, i;
	char		*out;
	size_t		 outlen;
	size_t		 units;		/* UTF-16 units written */
	struct html_ent	 ents[256];
	size_t		 nents;
	size_t		 stack[HTML_DEPTH_MAX];
	size_t		 depth;
	char		*err;
	size_t		 errlen;
};

static const char *
html_tag_type(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof html_tags / sizeof html_tags[0]; i++)
		if (strcmp(html_tags[i].name, name) == 0)
			return html_tags[i].type;
	return NULL;
}

static void
html_emit(struct html *h, const char *s, size_t n)
{
	memcpy(h->out + h->outlen, s, n);
	h->outlen += n;
	h->units += emu_utf16_len(s, n);
}

static size_t
html_name(struct html *h, char *name, size_t namelen)
{
	size_t	 k = 0;

	while (h->i < h->n && (isalnum((unsigned char)h->in[h->i]) ||
	    h->in[h->i] == '-')) {
		if (k + 1 < namelen)
			name[k++] = (char)tolower((unsigned char)h->in[h->i]);
		else
			k = namelen;	/* too long: no tag has such a name */
		h->i++;
	}
	if (k >= namelen)
		k = namelen - 1;
	name[k] = '\0';
	return k;
}

/* Reads attributes up to '>', keeping href's value in *href. */
static int
html_attrs(struct html *h, char **href)
{
	char	 attr[32];
	size_t	 vstart, vend;
	char	 q;

	for (;;) {
		while (h->i < h->n && isspace((unsigned char)h->in[h->i]))
			h->i++;
		if (h->i >= h->n)
			return -1;
		if (h->in[h->i] == '>') {
			h->i++;
			return 0;
		}
		if (html_name(h, attr, sizeof attr) == 0)
			return -1;
		while (h->i < h->n && isspace((unsigned char)h->in[h->i]))
			h->i++;
		if (h->i >= h->n || h->in[h->i] != '=')
			continue;
		h->i++;
		while (h->i < h->n && isspace((unsigned char)h->in[h->i]))
			h->i++;
		if (h->i >= h->n)
			return -1;
		q = h->in[h->i];
		if (q == '"' || q == '\'') {
			vstart = ++h->i;
			while (h->i < h->n && h->in[h->i] != q)
				h->i++;
			if (h->i >= h->n)
				return -1;
			vend = h->i++;
		} else {
			vstart = h->i;
			while (h->i < h->n && h->in[h->i] != '>' &&
			    !isspace((unsigned char)h->in[h->i]))
				h->i++;
			vend = h->i;
		}
		if (strcmp(attr, "href") == 0 && *href == NULL)
			*href = xstrndup(h->in + vstart, vend - vstart);
	}
}

static int
html_start_tag(struct html *h)
{
	struct html_ent	*ent;
	size_t		 at = h->i;
	char		 name[16];
	char		*href = NULL;
	const char	*type;

	h->i++;
	html_name(h, name, sizeof name);
	if ((type = html_tag_type(name)) == NULL) {
		snprintf(h->err, h->errlen, "Unsupported start tag \"%s\" at "
		    "byte offset %zu", name, at);
		return -1;
	}
	if (html_attrs(h, &href) == -1) {
		free(href);
		snprintf(h->err, h->errlen, "Unclosed start tag at byte "
		    "offset %zu", at);
		return -1;
	}
	if (h->depth == HTML_DEPTH_MAX || h->nents == sizeof h->ents /
	    sizeof h->ents[0]) {
		free(href);
		snprintf(h->err, h->errlen, "Too many entities");
		return -1;
	}
	ent = &h->ents[h->nents];
	snprintf(ent->tag, sizeof ent->tag, "%s", name);
	ent->type = type;
	ent->off = h->units;
	ent->len = 0;
	ent->url = href;
	ent->open = 1;
	h->stack[h->depth++] = h->nents++;
	return 0;
}

static int
html_end_tag(struct html *h)
{
	struct html_ent	*ent;
	size_t		 at = h->i;
	char		 name[16];

	h->i += 2;
	html_name(h, name, sizeof name);
	while (h->i < h->n && isspace((unsigned char)h->in[h->i]))
		h->i++;
	if (h->i >= h->n || h->in[h->i] != '>') {
		snprintf(h->err, h->errlen, "Unclosed end tag at byte offset "
		    "%zu", at);
		return -1;
	}
	h->i++;
	if (h->depth == 0) {
		snprintf(h->err, h->errlen, "Unexpected end tag at byte "
		    "offset %zu", at);
		return -1;
	}
	ent = &h->ents[h->stack[h->depth - 1]];
	if (strcmp(ent->tag, name) != 0) {
		snprintf(h->err, h->errlen, "Unmatched end tag at byte offset "
		    "%zu, expected \"</%s>\", found \"</%s>\"", at, ent->tag,
		    name);
		return -1;
	}
	ent->len = h->units - ent->off;
	ent->open = 0;
	h->depth--;
	return 0;
}

/* Encodes a code point as UTF-8 into buf; returns the length. */
static size_t
utf8_put(uint32_t c, char *buf)
{
	if (c < 0x80) {
		buf[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		buf[0] = (char)(0xc0 | (c >> 6));
		buf[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		buf[0] = (char)(0xe0 | (c >> 12));
		buf[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		buf[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	buf[0] = (char)(0xf0 | (c >> 18));
	buf[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	buf[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	buf[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* &lt; &gt; &amp; &quot; and numeric references; -1 if not one. */
static int
html_entity(struct html *h)
{
	static const struct {
		const char	*name;
		char		 c;
	} named[] = { { "lt", '<' }, { "gt", '>' }, { "amp", '&' },
	    { "quot", '"' } };
	const char	*s = h->in + h->i + 1;
	size_t		 max = h->n - h->i - 1, k, j;
	unsigned long	 c = 0;
	char		 buf[4];
	int		 base = 10;

	for (k = 0; k < max && k < 12 && s[k] != ';'; k++)
		;
	if (k == max || k == 12 || s[k] != ';' || k == 0)
		return -1;
	for (j = 0; j < sizeof named / sizeof named[0]; j++) {
		if (strlen(named[j].name) == k &&
		    memcmp(named[j].name, s, k) == 0) {
			html_emit(h, &named[j].c, 1);
			h->i += k + 2;
			return 0;
		}
	}
	if (s[0] != '#' || k < 2)
		return -1;
	j = 1;
	if (s[1] == 'x' || s[1] == 'X') {
		base = 16;
		j = 2;
	}
	if (j == k)
		return -1;
	for (; j < k; j++) {
		if (base == 16 ? !isxdigit((unsigned char)s[j]) :
		    !isdigit((unsigned char)s[j]))
			return -1;
		c = c * (unsigned long)base + (unsigned long)(isdigit(
		    (unsigned char)s[j]) ? s[j] - '0' :
		    tolower((unsigned char)s[j]) - 'a' + 10);
		if (c > 0x10ffff)
			return -1;
	}
	if (c == 0 || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	html_emit(h, buf, utf8_put((uint32_t)c, buf));
	h->i += k + 2;
	return 0;
}

static int
html_step(struct html *h)
{
	char	 c = h->in[h->i];
	size_t	 j;

	if (c == '<') {
		if (h->i + 1 < h->n && h->in[h->i + 1] == '/')
			return html_end_tag(h);
		return html_start_tag(h);
	}
	if (c == '&') {
		if (html_entity(h) == 0)
			return 0;
		snprintf(h->err, h->errlen, "Unescaped \"&\" at byte offset "
		    "%zu: use &amp;", h->i);
		return -1;
	}
	for (j = h->i; j < h->n && h->in[j] != '<' && h->in[j] != '&'; j++)
		;
	html_emit(h, h->in + h->i, j - h->i);
	h->i = j;
	return 0;
}

static cJSON *
html_entities_json(struct html *h)
{
	cJSON	*arr = cJSON_CreateArray(), *o;
	size_t	 k;

	for (k = 0; k < h->nents; k++) {
		if (h->ents[k].len == 0)
			continue;	/* Telegram drops empty entities */
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "offset", (double)h->ents[k].off);
		cJSON_AddNumberToObject(o, "length", (double)h->ents[k].len);
		cJSON_AddStringToObject(o, "type", h->ents[k].type);
		if (h->ents[k].url != NULL)
			cJSON_AddStringToObject(o, "url", h->ents[k].url);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

int
emu_html_parse(const char *in, size_t n, char **plain, cJSON **entities,
    char *err, size_t errlen)
{
	struct html	*h;
	size_t		 k;
	int		 rc = -1;

	*plain = NULL;
	*entities = NULL;
	h = xcalloc(1, sizeof *h);
	h->in = in;
	h->n = n;
	h->out = xmalloc(n + 1);	/* decoding only shrinks */
	h->err = err;
	h->errlen = errlen;
	while (h->i < h->n)
		if (html_step(h) == -1)
			goto out;
	if (h->depth > 0) {
		snprintf(err, errlen, "Can't find end tag corresponding to "
		    "start tag \"%s\"", h->ents[h->stack[h->depth - 1]].tag);
		goto out;
	}
	h->out[h->outlen] = '\0';
	*plain = h->out;
	h->out = NULL;
	*entities = html_entities_json(h);
	rc = 0;
out:
	for (k = 0; k < h->nents; k++)
		free(h->ents[k].url);
	free(h->out);
	free(h);
	return rc;
}

/* An integer a double holds exactly, as Telegram's 52-bit ids. */
static int
is_integral(double d)
{
	if (!(d > -9.0e15 && d < 9.0e15))
		return 0;
	return (double)(int64_t)d == d;
}

int
emu_parse_int64(const char *s, int64_t *out)
{
	char		*end;
	long long	 v;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

enum param_rc
emu_param_int64(const cJSON *p, const char *key, int64_t *out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(p, key);
	double		 d;

	if (v == NULL || cJSON_IsNull(v))
		return P_ABSENT;
	if (cJSON_IsNumber(v)) {
		d = v->valuedouble;
		if (!is_integral(d))
			return P_BAD;
		*out = (int64_t)d;
		return P_OK;
	}
	if (cJSON_IsString(v)) {
		if (v->valuestring[0] == '\0')
			return P_ABSENT;
		return emu_parse_int64(v->valuestring, out) == 0 ? P_OK : P_BAD;
	}
	return P_BAD;
}

enum param_rc
emu_param_str(const cJSON *p, const char *key, const char **out, char *buf,
    size_t buflen)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(p, key);

	if (v == NULL || cJSON_IsNull(v))
		return P_ABSENT;
	if (cJSON_IsString(v)) {
		*out = v->valuestring;
		return P_OK;
	}
	if (cJSON_IsNumber(v)) {
		if (is_integral(v->valuedouble))
			snprintf(buf, buflen, "%" PRId64,
			    (int64_t)v->valuedouble);
		else
			snprintf(buf, buflen, "%.17g", v->valuedouble);
		*out = buf;
		return P_OK;
	}
	if (cJSON_IsBool(v)) {
		snprintf(buf, buflen, "%s", cJSON_IsTrue(v) ? "true" :
		    "false");
		*out = buf;
		return P_OK;
	}
	return P_BAD;
}

enum param_rc
emu_param_bool(const cJSON *p, const char *key, int *out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(p, key);

	if (v == NULL || cJSON_IsNull(v))
		return P_ABSENT;
	if (cJSON_IsBool(v)) {
		*out = cJSON_IsTrue(v);
		return P_OK;
	}
	if (cJSON_IsNumber(v)) {
		*out = v->valuedouble != 0;
		return P_OK;
	}
	if (cJSON_IsString(v)) {
		if (strcasecmp(v->valuestring, "true") == 0 ||
		    strcmp(v->valuestring, "1") == 0)
			*out = 1;
		else if (strcasecmp(v->valuestring, "false") == 0 ||
		    strcmp(v->valuestring, "0") == 0 ||
		    v->valuestring[0] == '\0')
			*out = 0;
		else
			return P_BAD;
		return P_OK;
	}
	return P_BAD;
}

enum param_rc
emu_param_json(const cJSON *p, const char *key, cJSON **out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(p, key);
	cJSON		*j;

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return P_ABSENT;
	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		*out = cJSON_Duplicate(v, 1);
		return *out != NULL ? P_OK : P_BAD;
	}
	if (!cJSON_IsString(v))
		return P_BAD;
	if (v->valuestring[0] == '\0')
		return P_ABSENT;
	j = cJSON_Parse(v->valuestring);
	if (j == NULL || !(cJSON_IsObject(j) || cJSON_IsArray(j))) {
		cJSON_Delete(j);
		return P_BAD;
	}
	*out = j;
	return P_OK;
}
