/* Message catalogs: our own reader of gettext .mo files, one per language. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "utf8.h"
#include "xmalloc.h"

#define MO_MAGIC	0x950412deU
#define MO_MAGIC_SWAP	0xde120495U
#define MO_HDR_LEN	28		/* 7 x uint32 */
/* Far above any real catalog; bounds what a bad path can make us read. */
#define MO_MAX_LEN	(8U * 1024 * 1024)
#define CTXT_SEP	'\004'

/*
 * One loaded .mo image. The tables are read in place on every lookup (with
 * memcpy, so alignment does not matter); load has checked every entry.
 */
struct catalog {
	unsigned char	*data;
	size_t		 len;
	int		 swap;		/* written in the other byte order */
	uint32_t	 n;		/* entries */
	uint32_t	 orig;		/* offset of the originals table */
	uint32_t	 trans;		/* offset of the translations table */
};

struct i18n {
	struct catalog	 cat[LANG_COUNT];
};

struct lang_info {
	const char	*code;
	const char	*plural_forms;
	unsigned	 nplurals;
};

/* The Plural-Forms msginit writes; anything else is refused at load. */
static const struct lang_info langs[LANG_COUNT] = {
	[LANG_PL] = { "pl", "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && "
	    "n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);", 3 },
	[LANG_UK] = { "uk", "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : "
	    "n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);", 3 },
	[LANG_RU] = { "ru", "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : "
	    "n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);", 3 },
	[LANG_EN] = { "en", "nplurals=2; plural=(n != 1);", 2 },
};

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
lang_is_valid(enum lang lang)
{
	return (int)lang >= 0 && lang < LANG_COUNT;
}

static uint32_t
rd32(const unsigned char *data, size_t off, int swap)
{
	uint32_t	 v;

	memcpy(&v, data + off, sizeof(v));
	if (swap)
		v = (v >> 24) | ((v >> 8) & 0xff00U) | ((v << 8) & 0xff0000U) |
		    (v << 24);
	return v;
}

/* Entry k of a (length, offset) table; load has checked both. */
static const char *
cat_str(const struct catalog *c, uint32_t table, uint32_t k, size_t *len)
{
	size_t	 at = (size_t)table + (size_t)k * 8;

	*len = rd32(c->data, at, c->swap);
	return (const char *)c->data + rd32(c->data, at + 4, c->swap);
}

/*
 * Compares the key "ctxt\004id" (or just "id" when ctxt is NULL) with an
 * original, like strcmp, without building the key. Originals of plural
 * entries hold "msgid\0msgid_plural"; as in gettext only the msgid counts.
 */
static int
key_cmp(const char *ctxt, const char *id, const char *orig)
{
	const unsigned char	*o = (const unsigned char *)orig;
	const unsigned char	*p;

	if (ctxt != NULL) {
		for (p = (const unsigned char *)ctxt; *p != '\0'; p++, o++)
			if (*p != *o)
				return *p < *o ? -1 : 1;
		if (*o != CTXT_SEP)
			return CTXT_SEP < *o ? -1 : 1;
		o++;
	}
	for (p = (const unsigned char *)id; *p != '\0'; p++, o++)
		if (*p != *o)
			return *p < *o ? -1 : 1;
	return *o == '\0' ? 0 : -1;
}

/* The translation of the key, its length (NULs included) in *len. */
static const char *
cat_find(const struct catalog *c, const char *ctxt, const char *id,
    size_t *len)
{
	uint32_t	 lo = 0, hi, mid;
	size_t		 olen;
	int		 d;

	if (c->data == NULL)
		return NULL;
	hi = c->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		d = key_cmp(ctxt, id, cat_str(c, c->orig, mid, &olen));
		if (d == 0)
			return cat_str(c, c->trans, mid, len);
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* --- Checks done once at load --------------------------------------- */

/*
 * The next printf conversion in [*p, end) as a short token: one '*' per
 * star (each takes an int argument), the length modifier, the conversion.
 * 1 with a token, 0 at the end. Flags, widths and precisions are dropped:
 * they do not change the arguments a translation consumes.
 */
static int
fmt_next(const char **p, const char *end, char *tok, size_t toklen)
{
	const char	*s = *p;
	size_t		 t = 0;

	for (;;) {
		while (s < end && *s != '%')
			s++;
		if (s >= end) {
			*p = s;
			return 0;
		}
		s++;
		if (s < end && *s == '%') {
			s++;
			continue;
		}
		break;
	}
	while (s < end && strchr("-+ #0'", *s) != NULL)
		s++;
	while (s < end && (strchr("0123456789.$", *s) != NULL || *s == '*')) {
		/* A positional '$' is kept so that it can never match. */
		if ((*s == '*' || *s == '$') && t + 2 < toklen)
			tok[t++] = *s;
		s++;
	}
	while (s < end && strchr("hlLqjzt", *s) != NULL) {
		if (t + 2 < toklen)
			tok[t++] = *s;
		s++;
	}
	/* A '%' at the very end becomes a token of its own, "?". */
	tok[t++] = s < end ? *s++ : '?';
	tok[t] = '\0';
	*p = s;
	return 1;
}

/* Whether two strings take the same printf arguments. */
static int
fmt_is_same(const char *a, size_t alen, const char *b, size_t blen)
{
	const char	*pa = a, *pb = b;
	char		 ta[16], tb[16];
	int		 ra, rb;

	for (;;) {
		ra = fmt_next(&pa, a + alen, ta, sizeof(ta));
		rb = fmt_next(&pb, b + blen, tb, sizeof(tb));
		if (ra != rb)
			return 0;
		if (ra == 0)
			return 1;
		if (strcmp(ta, tb) != 0)
			return 0;
	}
}

/* Number of NUL-separated parts in s[0..len). */
static unsigned
count_parts(const char *s, size_t len)
{
	unsigned	 n = 1;
	size_t		 i;

	for (i = 0; i < len; i++)
		if (s[i] == '\0')
			n++;
	return n;
}

/*
 * A wrong format in a catalog would make the daemon print garbage or crash,
 * and msgfmt only checks entries marked c-format, so check them all here:
 * every form must take the arguments of the msgid or of the msgid_plural.
 */
static int
entry_check(const char *o, size_t olen, const char *t, size_t tlen,
    unsigned nplurals, char *err, size_t errlen, uint32_t k)
{
	const char	*plural = NULL, *form = t, *next;
	size_t		 idlen = strlen(o), plen = 0, flen;
	unsigned	 nforms = count_parts(t, tlen);

	if (idlen < olen) {
		plural = o + idlen + 1;
		plen = olen - idlen - 1;
		if (memchr(plural, '\0', plen) != NULL || nforms != nplurals) {
			seterr(err, errlen, "entry %u: bad plural entry", k);
			return -1;
		}
	} else if (nforms != 1) {
		seterr(err, errlen, "entry %u: NUL inside a translation", k);
		return -1;
	}
	while (form <= t + tlen) {
		next = memchr(form, '\0', (size_t)(t + tlen - form) + 1);
		flen = (size_t)(next - form);
		if (plural != NULL && flen == 0) {
			seterr(err, errlen, "entry %u: empty plural form", k);
			return -1;
		}
		if (!fmt_is_same(o, idlen, form, flen) && (plural == NULL ||
		    !fmt_is_same(plural, plen, form, flen))) {
			seterr(err, errlen, "entry %u: printf conversions "
			    "differ from the msgid", k);
			return -1;
		}
		form = next + 1;
	}
	return 0;
}

/* A table entry's string lies inside the image and ends in NUL. */
static int
str_check(const struct catalog *c, uint32_t table, uint32_t k)
{
	size_t		 at = (size_t)table + (size_t)k * 8;
	uint32_t	 len = rd32(c->data, at, c->swap);
	uint32_t	 off = rd32(c->data, at + 4, c->swap);

	if ((uint64_t)off + len >= c->len || c->data[off + (size_t)len] != '\0')
		return -1;
	/* Plural forms are NUL-separated in one string: utf8 lets NUL by. */
	return utf8_is_valid((const char *)c->data + off, len) ? 0 : -1;
}

/* Bounds, NULs, UTF-8 and order of every string. */
static int
tables_check(const struct catalog *c, char *err, size_t errlen)
{
	const char	*o, *prev = NULL;
	size_t		 olen;
	uint32_t	 k;

	for (k = 0; k < c->n; k++) {
		if (str_check(c, c->orig, k) == -1 ||
		    str_check(c, c->trans, k) == -1) {
			seterr(err, errlen, "entry %u: string out of bounds, "
			    "without NUL or not UTF-8", k);
			return -1;
		}
		o = cat_str(c, c->orig, k, &olen);
		/* Binary search depends on this order. */
		if (prev != NULL && strcmp(prev, o) >= 0) {
			seterr(err, errlen, "entry %u: originals not sorted",
			    k);
			return -1;
		}
		prev = o;
	}
	return 0;
}

/* Plural forms and printf conversions of every entry but the header. */
static int
entries_check(const struct catalog *c, unsigned nplurals, char *err,
    size_t errlen)
{
	const char	*o, *t;
	size_t		 olen, tlen;
	uint32_t	 k;

	for (k = 1; k < c->n; k++) {
		o = cat_str(c, c->orig, k, &olen);
		t = cat_str(c, c->trans, k, &tlen);
		if (entry_check(o, olen, t, tlen, nplurals, err, errlen,
		    k) == -1)
			return -1;
	}
	return 0;
}

/* Copies s without whitespace into buf; -1 when it does not fit. */
static int
strip_space(const char *s, size_t len, char *buf, size_t buflen)
{
	size_t	 i, n = 0;

	for (i = 0; i < len; i++) {
		if (strchr(" \t\r", s[i]) != NULL)
			continue;
		if (n + 1 >= buflen)
			return -1;
		buf[n++] = s[i];
	}
	buf[n] = '\0';
	return 0;
}

/* The value of header field `name` (e.g. "Plural-Forms:"), or NULL. */
static const char *
header_field(const char *hdr, const char *name, size_t *len)
{
	const char	*line = hdr, *eol;
	size_t		 nlen = strlen(name);

	while (*line != '\0') {
		eol = strchr(line, '\n');
		if (eol == NULL)
			eol = line + strlen(line);
		if (strncasecmp(line, name, nlen) == 0) {
			*len = (size_t)(eol - line) - nlen;
			return line + nlen;
		}
		line = *eol == '\0' ? eol : eol + 1;
	}
	return NULL;
}

static int
header_check(const struct catalog *c, enum lang lang, char *err,
    size_t errlen)
{
	const char	*hdr, *v;
	size_t		 olen, tlen, vlen;
	char		 got[256], want[256];

	if (c->n == 0) {
		seterr(err, errlen, "no header entry");
		return -1;
	}
	(void)cat_str(c, c->orig, 0, &olen);
	if (olen != 0) {
		seterr(err, errlen, "no header entry");
		return -1;
	}
	hdr = cat_str(c, c->trans, 0, &tlen);
	v = header_field(hdr, "Content-Type:", &vlen);
	if (v == NULL || strip_space(v, vlen, got, sizeof(got)) == -1 ||
	    strcasecmp(got, "text/plain;charset=UTF-8") != 0) {
		seterr(err, errlen, "Content-Type is not text/plain; "
		    "charset=UTF-8");
		return -1;
	}
	v = header_field(hdr, "Plural-Forms:", &vlen);
	if (v == NULL) {
		seterr(err, errlen, "no Plural-Forms header");
		return -1;
	}
	if (strip_space(v, vlen, got, sizeof(got)) == -1 ||
	    strip_space(langs[lang].plural_forms,
	    strlen(langs[lang].plural_forms), want, sizeof(want)) == -1 ||
	    strcmp(got, want) != 0) {
		seterr(err, errlen, "Plural-Forms differ from the %s rule",
		    langs[lang].code);
		return -1;
	}
	return 0;
}

/* Magic, revision and table bounds; fills c->swap, n, orig, trans. */
static int
image_check(struct catalog *c, char *err, size_t errlen)
{
	uint32_t	 magic, rev;

	if (c->len < MO_HDR_LEN) {
		seterr(err, errlen, "truncated header (%zu bytes)", c->len);
		return -1;
	}
	memcpy(&magic, c->data, sizeof(magic));
	if (magic != MO_MAGIC && magic != MO_MAGIC_SWAP) {
		seterr(err, errlen, "not a .mo file (bad magic)");
		return -1;
	}
	c->swap = magic == MO_MAGIC_SWAP;
	rev = rd32(c->data, 4, c->swap);
	if (rev >> 16 != 0) {
		seterr(err, errlen, "unsupported revision %u.%u", rev >> 16,
		    rev & 0xffff);
		return -1;
	}
	c->n = rd32(c->data, 8, c->swap);
	c->orig = rd32(c->data, 12, c->swap);
	c->trans = rd32(c->data, 16, c->swap);
	if ((uint64_t)c->orig + (uint64_t)c->n * 8 > c->len ||
	    (uint64_t)c->trans + (uint64_t)c->n * 8 > c->len) {
		seterr(err, errlen, "string tables past the end");
		return -1;
	}
	return 0;
}

/* --- Public ---------------------------------------------------------- */

struct i18n *
i18n_new(void)
{
	return xcalloc(1, sizeof(struct i18n));
}

void
i18n_free(struct i18n *i)
{
	int	 l;

	if (i == NULL)
		return;
	for (l = 0; l < LANG_COUNT; l++)
		free(i->cat[l].data);
	free(i);
}

int
i18n_load_mo(struct i18n *i, enum lang lang, const void *data, size_t len,
    char *err, size_t errlen)
{
	struct catalog	 c;

	memset(&c, 0, sizeof(c));
	if (i == NULL || !lang_is_valid(lang) || (data == NULL && len > 0)) {
		seterr(err, errlen, "invalid arguments");
		return -1;
	}
	if (len > MO_MAX_LEN) {
		seterr(err, errlen, "too large (%zu bytes)", len);
		return -1;
	}
	/* Our own copy: a caller's buffer may go away; +1 so len 0 is fine. */
	c.data = xmalloc(len + 1);
	if (len > 0)
		memcpy(c.data, data, len);
	c.len = len;
	if (image_check(&c, err, errlen) == -1 ||
	    tables_check(&c, err, errlen) == -1 ||
	    header_check(&c, lang, err, errlen) == -1 ||
	    entries_check(&c, langs[lang].nplurals, err, errlen) == -1) {
		free(c.data);
		return -1;
	}
	/* Replace only on success, so a bad reload keeps the old catalog. */
	free(i->cat[lang].data);
	i->cat[lang] = c;
	return 0;
}

/* Reads a whole regular file of at most MO_MAX_LEN bytes. */
static int
read_file(const char *path, unsigned char **out, size_t *outlen, char *err,
    size_t errlen)
{
	struct stat	 st;
	unsigned char	*buf = NULL;
	size_t		 len = 0;
	ssize_t		 r;
	int		 fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)MO_MAX_LEN) {
		seterr(err, errlen, "%s: not a regular file of at most %u "
		    "bytes", path, MO_MAX_LEN);
		goto out;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size) {
		r = read(fd, buf + len, (size_t)st.st_size - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			seterr(err, errlen, "%s: %s", path,
			    r == 0 ? "short read" : strerror(errno));
			goto out;
		}
		len += (size_t)r;
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

int
i18n_load(const char *dir, struct i18n **out, char *err, size_t errlen)
{
	struct i18n	*i = NULL;
	unsigned char	*data = NULL;
	char		*path = NULL;
	char		 why[200];
	size_t		 len;
	int		 l, rc = -1;

	i = i18n_new();
	for (l = 0; l < LANG_COUNT; l++) {
		free(path);
		path = xasprintf("%s/%s.mo", dir, langs[l].code);
		if (read_file(path, &data, &len, err, errlen) == -1)
			goto out;
		if (i18n_load_mo(i, (enum lang)l, data, len, why,
		    sizeof(why)) == -1) {
			seterr(err, errlen, "%s: %s", path, why);
			goto out;
		}
		free(data);
		data = NULL;
	}
	*out = i;
	i = NULL;
	rc = 0;
out:
	free(data);
	free(path);
	i18n_free(i);
	return rc;
}

const char *
i18n_pget(const struct i18n *i, enum lang lang, const char *ctxt,
    const char *msgid)
{
	const char	*t;
	size_t		 len;

	/* "" would find the header entry. */
	if (i == NULL || !lang_is_valid(lang) || msgid == NULL ||
	    msgid[0] == '\0')
		return msgid;
	t = cat_find(&i->cat[lang], ctxt, msgid, &len);
	return t != NULL ? t : msgid;
}

const char *
i18n_get(const struct i18n *i, enum lang lang, const char *msgid)
{
	return i18n_pget(i, lang, NULL, msgid);
}

const char *
i18n_nget(const struct i18n *i, enum lang lang, const char *msgid,
    const char *plural, unsigned long n)
{
	const char	*t = NULL, *end;
	size_t		 len = 0;
	unsigned	 k;

	if (i != NULL && lang_is_valid(lang) && msgid != NULL &&
	    msgid[0] != '\0')
		t = cat_find(&i->cat[lang], NULL, msgid, &len);
	if (t == NULL)
		return n == 1 ? msgid : plural;
	/* Load checked that plural entries have exactly nplurals forms. */
	end = t + len;
	for (k = i18n_plural(lang, n); k > 0 && t < end; k--)
		t += strlen(t) + 1;
	if (t > end)
		return n == 1 ? msgid : plural;
	return t;
}

unsigned
i18n_plural(enum lang lang, unsigned long n)
{
	unsigned long	 d = n % 10, h = n % 100;
	int		 few = d >= 2 && d <= 4 && (h < 10 || h >= 20);

	switch (lang) {
	case LANG_PL:
		return n == 1 ? 0 : few ? 1 : 2;
	case LANG_UK:
	case LANG_RU:
		return d == 1 && h != 11 ? 0 : few ? 1 : 2;
	default:
		return n != 1;
	}
}

unsigned
i18n_nplurals(enum lang lang)
{
	return lang_is_valid(lang) ? langs[lang].nplurals : 2;
}

const char *
lang_code(enum lang lang)
{
	return lang_is_valid(lang) ? langs[lang].code : "?";
}

int
lang_parse(const char *tag, enum lang *out)
{
	size_t	 len;
	int	 l;

	if (tag == NULL)
		return -1;
	len = strcspn(tag, "-_");
	for (l = 0; l < LANG_COUNT; l++) {
		if (len == strlen(langs[l].code) &&
		    strncasecmp(tag, langs[l].code, len) == 0) {
			*out = (enum lang)l;
			return 0;
		}
	}
	return -1;
}

enum lang
lang_from_tag(const char *tag)
{
	enum lang	 l;

	if (lang_parse(tag, &l) == -1)
		return LANG_DEFAULT;
	return l;
}

int
i18n_format_datetime(const struct i18n *i, enum lang lang, time_t t,
    char *buf, size_t len)
{
	struct tm	 tm;
	const char	*month;
	char		 num[12];
	int		 r;

	if (buf == NULL || len == 0 || localtime_r(&t, &tm) == NULL)
		return -1;
	(void)snprintf(num, sizeof(num), "%d", tm.tm_mon + 1);
	month = i18n_pget(i, lang, "month-gen", num);
	/* Without a month name, a numeric date beats "12 11 2025". */
	if (month == num)
		r = snprintf(buf, len, "%02d.%02d.%d, %02d:%02d", tm.tm_mday,
		    tm.tm_mon + 1, tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
	else
		r = snprintf(buf, len, "%d %s %d, %02d:%02d", tm.tm_mday,
		    month, tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
	if (r < 0 || (size_t)r >= len)
		return -1;
	return 0;
}
