/*
 * SMS text encoding: GSM-7 vs UCS-2, part counting and splitting, and the
 * STOP/START keywords (../shared/reference/gsm7.md).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sms_text.h"
#include "utf8.h"
#include "xmalloc.h"

/* Longest UTF-8 text of one part: 160 one-septet characters of 4 bytes. */
#define SMS_PART_BYTES	(SMS_GSM7_SINGLE * 4)
/* Letters kept while matching a keyword; "старт" has 5. */
#define SMS_KW_LETTERS	8

/* Reads composed characters of a text already bounded by `end`. */
struct sms_cursor {
	const unsigned char	*p;
	const unsigned char	*end;
	enum sms_text_result	 err;
};

/* A place where a part may end. */
struct sms_mark {
	const unsigned char	*p;	/* where the next part starts */
	size_t			 len;	/* bytes of the part up to here */
	size_t			 units;
};

/* One part being filled. */
struct sms_fill {
	enum sms_coding	 coding;
	size_t		 cap;		/* units that fit */
	int		 nice;		/* prefer word and grapheme ends */
	char		*buf;		/* SMS_PART_BYTES + 1, or NULL */
	struct sms_mark	 cur;
	struct sms_mark	 word;		/* after the last space or newline */
	struct sms_mark	 safe;		/* last end outside a grapheme */
	uint32_t	 prev;
	unsigned int	 ri_run;	/* regional indicators ending at prev */
};

/*
 * Canonical compositions handled (base, mark - U+0300, result). Only one
 * mark right after the base; enough for text typed on phones and Macs
 * that send the GSM letters or Polish ones decomposed.
 */
static const struct {
	unsigned char	 base;
	unsigned char	 mark;
	uint16_t	 to;
} sms_compose_tab[] = {
	{ 'A', 0x00, 0xC0 }, { 'E', 0x00, 0xC8 }, { 'I', 0x00, 0xCC },
	{ 'O', 0x00, 0xD2 }, { 'U', 0x00, 0xD9 }, { 'a', 0x00, 0xE0 },
	{ 'e', 0x00, 0xE8 }, { 'i', 0x00, 0xEC }, { 'o', 0x00, 0xF2 },
	{ 'u', 0x00, 0xF9 },
	{ 'A', 0x01, 0xC1 }, { 'E', 0x01, 0xC9 }, { 'I', 0x01, 0xCD },
	{ 'O', 0x01, 0xD3 }, { 'U', 0x01, 0xDA }, { 'Y', 0x01, 0xDD },
	{ 'a', 0x01, 0xE1 }, { 'e', 0x01, 0xE9 }, { 'i', 0x01, 0xED },
	{ 'o', 0x01, 0xF3 }, { 'u', 0x01, 0xFA }, { 'y', 0x01, 0xFD },
	{ 'C', 0x01, 0x106 }, { 'c', 0x01, 0x107 }, { 'N', 0x01, 0x143 },
	{ 'n', 0x01, 0x144 }, { 'S', 0x01, 0x15A }, { 's', 0x01, 0x15B },
	{ 'Z', 0x01, 0x179 }, { 'z', 0x01, 0x17A },
	{ 'A', 0x03, 0xC3 }, { 'N', 0x03, 0xD1 }, { 'O', 0x03, 0xD5 },
	{ 'a', 0x03, 0xE3 }, { 'n', 0x03, 0xF1 }, { 'o', 0x03, 0xF5 },
	{ 'Z', 0x07, 0x17B }, { 'z', 0x07, 0x17C },
	{ 'A', 0x08, 0xC4 }, { 'E', 0x08, 0xCB }, { 'I', 0x08, 0xCF },
	{ 'O', 0x08, 0xD6 }, { 'U', 0x08, 0xDC }, { 'a', 0x08, 0xE4 },
	{ 'e', 0x08, 0xEB }, { 'i', 0x08, 0xEF }, { 'o', 0x08, 0xF6 },
	{ 'u', 0x08, 0xFC }, { 'y', 0x08, 0xFF },
	{ 'A', 0x0A, 0xC5 }, { 'a', 0x0A, 0xE5 },
	{ 'C', 0x27, 0xC7 }, { 'c', 0x27, 0xE7 },
	{ 'A', 0x28, 0x104 }, { 'a', 0x28, 0x105 }, { 'E', 0x28, 0x118 },
	{ 'e', 0x28, 0x119 },
};

/* GSM default alphabet outside ASCII (one septet each), sorted. */
static const uint16_t sms_gsm_basic[] = {
	0xA1, 0xA3, 0xA4, 0xA5, 0xA7, 0xBF, 0xC4, 0xC5, 0xC6, 0xC7, 0xC9,
	0xD1, 0xD6, 0xD8, 0xDC, 0xDF, 0xE0, 0xE4, 0xE5, 0xE6, 0xE8, 0xE9,
	0xEC, 0xF1, 0xF2, 0xF6, 0xF8, 0xF9, 0xFC, 0x393, 0x394, 0x398,
	0x39B, 0x39E, 0x3A0, 0x3A3, 0x3A6, 0x3A8, 0x3A9,
};

#define SMS_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* One strict UTF-8 character at p; *n is its length in bytes. */
static enum sms_text_result
sms_decode(const unsigned char *p, const unsigned char *end, uint32_t *cp,
    size_t *n)
{
	size_t	 len;

	if (*p == '\0')
		return SMS_TEXT_HAS_NUL;
	if ((len = utf8_decode((const char *)p, (size_t)(end - p), cp)) == 0)
		return SMS_TEXT_BAD_UTF8;
	*n = len;
	return SMS_TEXT_OK;
}

/* The composition of base + mark, or 0. */
static uint32_t
sms_compose(uint32_t base, uint32_t mark)
{
	size_t	 i;

	if (base > 0x7F || mark < 0x300 || mark > 0x328)
		return 0;
	for (i = 0; i < SMS_NELEM(sms_compose_tab); i++)
		if (sms_compose_tab[i].base == base &&
		    sms_compose_tab[i].mark == mark - 0x300)
			return sms_compose_tab[i].to;
	return 0;
}

/* The base letter of a composed character, or the character itself. */
static uint32_t
sms_decompose_base(uint32_t cp)
{
	size_t	 i;

	for (i = 0; i < SMS_NELEM(sms_compose_tab); i++)
		if (sms_compose_tab[i].to == cp)
			return sms_compose_tab[i].base;
	return cp;
}

static void
sms_cursor_init(struct sms_cursor *c, const char *text, size_t len)
{
	c->p = (const unsigned char *)text;
	c->end = c->p + len;
	c->err = SMS_TEXT_OK;
}

/*
 * The next character, composed with a following mark when we can:
 * 1 with *cp, 0 at the end, -1 with c->err set. A bad sequence right
 * after the base is left for the next call to report.
 */
static int
sms_next(struct sms_cursor *c, uint32_t *cp)
{
	uint32_t	 mark, comp;
	size_t		 n, m;

	if (c->p >= c->end)
		return 0;
	if ((c->err = sms_decode(c->p, c->end, cp, &n)) != SMS_TEXT_OK)
		return -1;
	c->p += n;
	if (c->p < c->end && sms_decode(c->p, c->end, &mark, &m) ==
	    SMS_TEXT_OK && (comp = sms_compose(*cp, mark)) != 0) {
		*cp = comp;
		c->p += m;
	}
	return 1;
}

/* Septets for a character: 1, 2 (extension table), 0 if not GSM. */
static size_t
sms_gsm_cost(uint32_t cp)
{
	size_t	 i;

	if (cp == '\n' || cp == '\r')
		return 1;
	if (cp == '\f' || cp == 0x20AC)
		return 2;
	if (cp < 0x20 || cp == '`' || cp == 0x7F)
		return 0;
	if (cp < 0x7F)
		return strchr("^{}\\[~]|", (int)cp) != NULL ? 2 : 1;
	for (i = 0; i < SMS_NELEM(sms_gsm_basic) && sms_gsm_basic[i] <= cp;
	    i++)
		if (sms_gsm_basic[i] == cp)
			return 1;
	return 0;
}

static size_t
sms_units(enum sms_coding coding, uint32_t cp)
{
	if (coding == SMS_CODING_GSM7)
		return sms_gsm_cost(cp);
	return cp > 0xFFFF ? 2 : 1;
}

/* First pass: validates, picks the coding. */
static enum sms_text_result
sms_scan(const char *text, size_t len, enum sms_coding *coding)
{
	struct sms_cursor	 c;
	uint32_t		 cp;
	int			 r;

	*coding = SMS_CODING_GSM7;
	sms_cursor_init(&c, text, len);
	while ((r = sms_next(&c, &cp)) == 1)
		if (sms_gsm_cost(cp) == 0)
			*coding = SMS_CODING_UCS2;
	return r == 0 ? SMS_TEXT_OK : c.err;
}

/* Units of the whole text in `coding`; the text is known valid. */
static size_t
sms_total_units(const char *text, size_t len, enum sms_coding coding)
{
	struct sms_cursor	 c;
	uint32_t		 cp;
	size_t			 units = 0;

	sms_cursor_init(&c, text, len);
	while (sms_next(&c, &cp) == 1)
		units += sms_units(coding, cp);
	return units;
}

static int
sms_is_ri(uint32_t cp)
{
	return cp >= 0x1F1E6 && cp <= 0x1F1FF;
}

/* Whether an end between prev and cp would cut a grapheme. */
static int
sms_glues(uint32_t prev, uint32_t cp, unsigned int ri_run)
{
	if ((cp >= 0x300 && cp <= 0x36F) || cp == 0x200D ||
	    (cp >= 0xFE00 && cp <= 0xFE0F) ||
	    (cp >= 0x1F3FB && cp <= 0x1F3FF) ||
	    (cp >= 0xE0020 && cp <= 0xE007F))
		return 1;
	if (prev == 0x200D || (prev == '\r' && cp == '\n'))
		return 1;
	/* Flags are pairs of regional indicators. */
	return sms_is_ri(prev) && sms_is_ri(cp) && ri_run % 2 == 1;
}

/* Appends cp as UTF-8; the buffer holds SMS_PART_BYTES. */
static void
sms_put(struct sms_fill *f, uint32_t cp)
{
	unsigned char	*o;

	if (f->buf == NULL) {
		f->cur.len += cp < 0x80 ? 1 : cp < 0x800 ? 2 :
		    cp < 0x10000 ? 3 : 4;
		return;
	}
	o = (unsigned char *)f->buf + f->cur.len;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		f->cur.len += 1;
	} else if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		f->cur.len += 2;
	} else if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		f->cur.len += 3;
	} else {
		o[0] = (unsigned char)(0xF0 | (cp >> 18));
		o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[3] = (unsigned char)(0x80 | (cp & 0x3F));
		f->cur.len += 4;
	}
}

/* Takes cp into the part, noting where the part could end. */
static void
sms_fill_take(struct sms_fill *f, uint32_t cp, size_t units,
    const unsigned char *next)
{
	if (f->cur.units > 0 && !sms_glues(f->prev, cp, f->ri_run))
		f->safe = f->cur;
	sms_put(f, cp);
	f->cur.units += units;
	f->cur.p = next;
	if (cp == ' ' || cp == '\n')
		f->word = f->cur;
	f->ri_run = sms_is_ri(cp) ? f->ri_run + 1 : 0;
	f->prev = cp;
}

/* The end of a full part: the greedy one unless a nicer one is close. */
static struct sms_mark
sms_fill_end(const struct sms_fill *f, uint32_t next)
{
	size_t	 window = f->cap - f->cap / 5;

	if (!f->nice)
		return f->cur;
	if (f->word.units >= window)
		return f->word;
	if (sms_glues(f->prev, next, f->ri_run) && f->safe.units >= window)
		return f->safe;
	return f->cur;
}

/*
 * Fills one part from c (the text is known valid) and leaves c where the
 * next part starts. Returns the part's mark.
 */
static struct sms_mark
sms_fill(struct sms_cursor *c, struct sms_fill *f)
{
	uint32_t		 cp = 0;
	size_t			 u;
	struct sms_mark		 end;

	memset(&f->cur, 0, sizeof(f->cur));
	f->cur.p = c->p;
	f->word = f->safe = f->cur;
	f->prev = 0;
	f->ri_run = 0;
	for (;;) {
		if (sms_next(c, &cp) != 1)
			return f->cur;
		u = sms_units(f->coding, cp);
		if (f->cur.units + u > f->cap)
			break;
		sms_fill_take(f, cp, u, c->p);
	}
	end = sms_fill_end(f, cp);
	c->p = end.p;
	return end;
}

/* Parts when packed greedily by `cap` units each. */
static size_t
sms_count_parts(const char *text, size_t len, enum sms_coding coding,
    size_t cap)
{
	struct sms_cursor	 c;
	struct sms_fill		 f;
	size_t			 parts = 0;

	memset(&f, 0, sizeof(f));
	f.coding = coding;
	f.cap = cap;
	sms_cursor_init(&c, text, len);
	while (c.p < c.end) {
		(void)sms_fill(&c, &f);
		parts++;
	}
	return parts;
}

static size_t
sms_single_cap(enum sms_coding coding)
{
	return coding == SMS_CODING_GSM7 ? SMS_GSM7_SINGLE : SMS_UCS2_SINGLE;
}

static size_t
sms_concat_cap(enum sms_coding coding)
{
	return coding == SMS_CODING_GSM7 ? SMS_GSM7_CONCAT : SMS_UCS2_CONCAT;
}

enum sms_text_result
sms_text_count(const char *text, size_t len, unsigned int max_parts,
    struct sms_count *out)
{
	enum sms_text_result	 r;

	memset(out, 0, sizeof(*out));
	if ((r = sms_scan(text, len, &out->coding)) != SMS_TEXT_OK) {
		memset(out, 0, sizeof(*out));
		return r;
	}
	if (max_parts == 0 || max_parts > SMS_PARTS_MAX)
		max_parts = SMS_PARTS_MAX;
	out->max_parts = max_parts;
	out->units = sms_total_units(text, len, out->coding);
	if (out->units <= sms_single_cap(out->coding))
		out->parts = 1;
	else
		out->parts = sms_count_parts(text, len, out->coding,
		    sms_concat_cap(out->coding));
	out->over_cap = out->parts > max_parts;
	return SMS_TEXT_OK;
}

/* Cuts the text into s->nparts parts; 0, or -1 if it needs more. */
static int
sms_split_fill(struct sms_split *s, const char *text, size_t len,
    size_t cap, int nice)
{
	struct sms_cursor	 c;
	struct sms_fill		 f;
	struct sms_mark		 m;
	char			 buf[SMS_PART_BYTES + 1];
	size_t			 i;

	memset(&f, 0, sizeof(f));
	f.coding = s->coding;
	f.cap = cap;
	f.nice = nice;
	f.buf = buf;
	sms_cursor_init(&c, text, len);
	for (i = 0; i < s->nparts; i++) {
		m = sms_fill(&c, &f);
		s->parts[i].text = xstrndup(buf, m.len);
		s->parts[i].len = m.len;
		s->parts[i].units = m.units;
	}
	return c.p < c.end ? -1 : 0;
}

static void
sms_split_clear(struct sms_split *s)
{
	size_t	 i;

	for (i = 0; i < s->nparts; i++) {
		free(s->parts[i].text);
		memset(&s->parts[i], 0, sizeof(s->parts[i]));
	}
}

static void
sms_split_udh(struct sms_split *s, unsigned char ref)
{
	size_t	 i;

	if (s->nparts < 2)
		return;
	for (i = 0; i < s->nparts; i++) {
		s->parts[i].udh[0] = 0x05;
		s->parts[i].udh[1] = 0x00;
		s->parts[i].udh[2] = 0x03;
		s->parts[i].udh[3] = ref;
		s->parts[i].udh[4] = (unsigned char)s->nparts;
		s->parts[i].udh[5] = (unsigned char)(i + 1);
		s->parts[i].udh_len = SMS_UDH_LEN;
	}
}

enum sms_text_result
sms_text_split(const char *text, size_t len, unsigned int max_parts,
    unsigned char ref, struct sms_split **out)
{
	struct sms_split	*s = NULL;
	struct sms_count	 n;
	enum sms_text_result	 r;
	size_t			 cap;

	*out = NULL;
	if ((r = sms_text_count(text, len, max_parts, &n)) != SMS_TEXT_OK)
		goto out;
	r = SMS_TEXT_TOO_LONG;
	if (n.over_cap)
		goto out;
	s = xcalloc(1, sizeof(*s));
	s->coding = n.coding;
	s->nparts = n.parts;
	s->parts = xcalloc(n.parts, sizeof(*s->parts));
	cap = n.parts == 1 ? sms_single_cap(n.coding) :
	    sms_concat_cap(n.coding);
	/* Nice ends must not cost a part: the count promised n.parts. */
	if (sms_split_fill(s, text, len, cap, 1) == -1) {
		sms_split_clear(s);
		if (sms_split_fill(s, text, len, cap, 0) == -1)
			abort();	/* the count packs exactly like this */
	}
	sms_split_udh(s, ref);
	*out = s;
	s = NULL;
	r = SMS_TEXT_OK;
out:
	sms_text_split_free(s);
	return r;
}

void
sms_text_split_free(struct sms_split *s)
{
	if (s == NULL)
		return;
	sms_split_clear(s);
	free(s->parts);
	free(s);
}

const char *
sms_text_describe(enum sms_text_result r, const struct sms_count *c,
    char *buf, size_t size)
{
	if (size == 0)
		return buf;
	if (r == SMS_TEXT_BAD_UTF8)
		(void)snprintf(buf, size, "not valid UTF-8");
	else if (r == SMS_TEXT_HAS_NUL)
		(void)snprintf(buf, size, "contains a NUL character");
	else if (c == NULL)
		(void)snprintf(buf, size, "too long for SMS");
	else if (r == SMS_TEXT_TOO_LONG || c->over_cap)
		(void)snprintf(buf, size, "too long for SMS: %zu parts, "
		    "limit %u", c->parts, c->max_parts);
	else
		(void)snprintf(buf, size, "%zu %s, %s, %zu %s", c->parts,
		    c->parts == 1 ? "part" : "parts",
		    c->coding == SMS_CODING_GSM7 ? "GSM-7" : "UCS-2",
		    c->units,
		    c->coding == SMS_CODING_GSM7 ? "septets" : "units");
	return buf;
}

/* Whitespace and punctuation around a keyword ("stop!", "„Stop”"). */
static int
sms_kw_is_filler(uint32_t cp)
{
	if (cp <= 0x20 || cp == 0x7F)
		return 1;
	if (cp < 0x7F)
		return strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
		    (int)cp) != NULL;
	return cp == 0xA0 || cp == 0xA1 || cp == 0xAB || cp == 0xBB ||
	    cp == 0xBF || (cp >= 0x2000 && cp <= 0x206F) || cp == 0x3000;
}

/* Lower case without diacritics, for ASCII, Latin-1/Polish and Cyrillic. */
static uint32_t
sms_kw_fold(uint32_t cp)
{
	cp = sms_decompose_base(cp);
	if (cp >= 'A' && cp <= 'Z')
		return cp + 0x20;
	if (cp >= 0x410 && cp <= 0x42F)
		return cp + 0x20;
	if (cp >= 0x400 && cp <= 0x40F)
		return cp + 0x50;
	return cp;
}

static int
sms_kw_equal(const uint32_t *w, size_t n, const char *utf8)
{
	struct sms_cursor	 c;
	uint32_t		 cp;
	size_t			 i = 0;

	sms_cursor_init(&c, utf8, strlen(utf8));
	while (sms_next(&c, &cp) == 1)
		if (i >= n || w[i++] != cp)
			return 0;
	return i == n;
}

/* The one word between fillers, folded; -1 if there is not exactly one. */
static int
sms_kw_word(const char *text, uint32_t w[SMS_KW_LETTERS], size_t *n)
{
	struct sms_cursor	 c;
	uint32_t		 cp;
	int			 r, after = 0;

	*n = 0;
	sms_cursor_init(&c, text, strlen(text));
	while ((r = sms_next(&c, &cp)) == 1) {
		if (sms_kw_is_filler(cp)) {
			after = *n > 0;
			continue;
		}
		if (cp >= 0x300 && cp <= 0x36F)
			continue;	/* a mark we could not compose */
		if (after || *n == SMS_KW_LETTERS)
			return -1;
		w[(*n)++] = sms_kw_fold(cp);
	}
	return r == 0 && *n > 0 ? 0 : -1;
}

enum sms_keyword
sms_text_keyword(const char *text)
{
	uint32_t	 w[SMS_KW_LETTERS];
	size_t		 n;

	if (text == NULL || sms_kw_word(text, w, &n) == -1)
		return SMS_KW_NONE;
	if (sms_kw_equal(w, n, "stop") ||
	    sms_kw_equal(w, n, "\xD1\x81\xD1\x82\xD0\xBE\xD0\xBF"))
		return SMS_KW_STOP;
	if (sms_kw_equal(w, n, "start") ||
	    sms_kw_equal(w, n, "\xD1\x81\xD1\x82\xD0\xB0\xD1\x80\xD1\x82"))
		return SMS_KW_START;
	return SMS_KW_NONE;
}
