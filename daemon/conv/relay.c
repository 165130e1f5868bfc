/* Relayed messages queued on Telegram; headers and splitting. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "outbox.h"
#include "relay.h"
#include "utf8.h"
#include "xmalloc.h"

#define RELAY_SEP	" \xc2\xb7 "	/* " · " */
/* A hard cut backs off at most this many characters to keep a glyph. */
#define RELAY_BACKOFF	32

/* The options as a message to chat_id; the caller sets kind and content. */
static void
relay_out(struct out *m, int64_t chat_id, const struct relay_opts *o)
{
	memset(m, 0, sizeof *m);
	m->chat_id = chat_id;
	m->reply_to = o->reply_to;
	m->prio = o->prio;
	m->cause = o->cause != NULL ? o->cause : "relay";
	m->cause_id = o->cause_id;
	m->member_id = o->member_id;
	m->family_id = o->family_id;
	m->not_before = o->not_before;
}

/* Staff and Telegram families are reached on Telegram. */
static int
relay_queue(struct outbox *ob, const struct config *cfg, const struct out *m)
{
	char	 why[128];
	int	 rc;

	rc = channel_queue(ob, cfg, CHANNEL_TELEGRAM, m, NULL, why,
	    sizeof why);
	return rc == CHANNEL_REFUSED ? -1 : rc;
}

int
relay_send_text(struct outbox *ob, const struct config *cfg, int64_t chat_id,
    const char *text, const struct relay_opts *o)
{
	struct out	 m;

	relay_out(&m, chat_id, o);
	m.kind = OUT_TEXT;
	m.text = text;
	m.buttons = o->buttons;
	m.nbuttons = o->nbuttons;
	m.cols = o->cols;
	return relay_queue(ob, cfg, &m);
}

int
relay_send_copy(struct outbox *ob, const struct config *cfg, int64_t chat_id,
    int64_t from_chat_id, int64_t message_id, const char *caption,
    const struct relay_opts *o)
{
	struct out	 m;

	relay_out(&m, chat_id, o);
	m.kind = OUT_COPY;
	m.src_chat_id = from_chat_id;
	m.message_id = message_id;
	m.text = caption;
	return relay_queue(ob, cfg, &m);
}

int
relay_send_reaction(struct outbox *ob, const struct config *cfg,
    int64_t chat_id, int64_t message_id, const char *emoji,
    const struct relay_opts *o)
{
	struct out	 m;

	relay_out(&m, chat_id, o);
	m.reply_to = 0;
	m.kind = OUT_REACTION;
	m.message_id = message_id;
	m.emoji = emoji;
	return relay_queue(ob, cfg, &m);
}

char *
relay_header(const char *code, const char *first_name, const char *lang,
    const char *channel)
{
	if (first_name == NULL || first_name[0] == '\0')
		return xstrjoin(code, RELAY_SEP, lang, RELAY_SEP, channel,
		    (char *)NULL);
	return xstrjoin(code, RELAY_SEP, first_name, RELAY_SEP, lang,
	    RELAY_SEP, channel, (char *)NULL);
}

char *
relay_first_name(const char *name)
{
	size_t	 n;

	if (name == NULL)
		return xstrdup("");
	name += strspn(name, " \t\n");
	n = strcspn(name, " \t\n");
	return xstrndup(name, n);
}

/* ---- splitting ------------------------------------------------------ */

/*
 * The code point at byte `at` of s (len bytes) and its length in bytes.
 * relay_chunks() checked the whole text, so decoding cannot fail; if it
 * did, a step of one byte would still end the loops.
 */
static size_t
relay_cp(const char *s, size_t len, size_t at, uint32_t *cp)
{
	size_t	 n;

	if ((n = utf8_decode(s + at, len - at, cp)) == 0) {
		*cp = 0xfffd;
		n = 1;
	}
	return n;
}

/* Characters that belong to the one before them: never cut before. */
static int
relay_is_attached(uint32_t cp)
{
	return (cp >= 0x300 && cp <= 0x36f) || cp == 0x200d ||
	    (cp >= 0xfe00 && cp <= 0xfe0f) || cp == 0x20e3 ||
	    (cp >= 0x1f3fb && cp <= 0x1f3ff) ||
	    (cp >= 0xe0020 && cp <= 0xe007f);
}

/* A cut at `at` that keeps a glyph whole, between pos and at. */
static size_t
relay_glyph_cut(const char *s, size_t len, size_t pos, size_t at)
{
	uint32_t	 cp, prev;
	size_t		 cut = at, p;
	int		 i;

	for (i = 0; i < RELAY_BACKOFF && cut > pos; i++) {
		(void)relay_cp(s, len, cut, &cp);
		p = utf8_prev(s, cut);
		(void)relay_cp(s, len, p, &prev);
		if (!relay_is_attached(cp) && prev != 0x200d)
			return cut;
		cut = p;
	}
	return cut > pos ? cut : at;
}

struct relay_fit {
	size_t	 end;		/* first byte that did not fit */
	long	 units;		/* units that fit */
	size_t	 nl, sp;	/* last break of each kind, or (size_t)-1 */
	long	 nl_units, sp_units;
};

static void
relay_measure(const char *s, size_t pos, size_t len, long max,
    struct relay_fit *f)
{
	uint32_t	 cp;
	size_t		 i = pos, cl;
	long		 u;

	memset(f, 0, sizeof *f);
	f->nl = f->sp = (size_t)-1;
	while (i < len) {
		cl = relay_cp(s, len, i, &cp);
		u = cp >= 0x10000 ? 2 : 1;
		if (f->units + u > max)
			break;
		if (cp == '\n') {
			f->nl = i;
			f->nl_units = f->units;
		} else if (cp == ' ' || cp == '\t') {
			f->sp = i;
			f->sp_units = f->units;
		}
		f->units += u;
		i += cl;
	}
	f->end = i;
}

/* Where the piece starting at pos ends (*cut) and the next begins. */
static void
relay_break(const char *s, size_t len, size_t pos, const struct relay_fit *f,
    long max, size_t *cut, size_t *next)
{
	char	 c = s[f->end];

	if (c == '\n' || (f->nl != (size_t)-1 && f->nl_units >= max / 2)) {
		*cut = c == '\n' ? f->end : f->nl;
		*next = *cut + 1;
	} else if (c == ' ' || c == '\t' ||
	    (f->sp != (size_t)-1 && f->sp_units >= max / 2)) {
		*cut = c == ' ' || c == '\t' ? f->end : f->sp;
		*next = *cut + 1;
	} else {
		*cut = relay_glyph_cut(s, len, pos, f->end);
		*next = *cut;
	}
}

static void
relay_push(char ***parts, size_t *n, size_t *cap, const char *s, size_t len)
{
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\n' ||
	    s[len - 1] == '\r' || s[len - 1] == '\t'))
		len--;
	if (len == 0)
		return;
	if (*n == *cap) {
		*cap = *cap == 0 ? 4 : *cap * 2;
		*parts = xreallocarray(*parts, *cap, sizeof **parts);
	}
	(*parts)[(*n)++] = xstrndup(s, len);
}

int
relay_chunks(const char *text, long max, char ***parts, size_t *n)
{
	struct relay_fit f;
	size_t		 len = strlen(text), pos = 0, cut, next, cap = 0;

	*parts = NULL;
	*n = 0;
	if (max < 16 || !utf8_is_valid(text, len))
		return -1;
	while (pos < len) {
		relay_measure(text, pos, len, max, &f);
		if (f.end >= len) {
			relay_push(parts, n, &cap, text + pos, len - pos);
			break;
		}
		relay_break(text, len, pos, &f, max, &cut, &next);
		relay_push(parts, n, &cap, text + pos, cut - pos);
		pos = next;
	}
	return 0;
}

static int
relay_digits(size_t n)
{
	int	 d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

int
relay_split(const char *text, long max, char ***parts, size_t *n)
{
	char	**p = NULL, *s;
	size_t	 k, i, guess;
	int	 tries;

	if (relay_chunks(text, max, parts, n) == -1)
		return -1;
	if (*n <= 1)
		return 0;
	/* The prefix "(i/n) " takes room, which may change n: settle it. */
	guess = *n;
	for (tries = 0; tries < 4; tries++) {
		relay_parts_free(*parts, *n);
		if (relay_chunks(text, max - 4 - 2 * relay_digits(guess),
		    parts, n) == -1)
			return -1;
		if (relay_digits(*n) <= relay_digits(guess))
			break;
		guess = *n;
	}
	p = *parts;
	k = *n;
	for (i = 0; i < k; i++) {
		s = xasprintf("(%zu/%zu) %s", i + 1, k, p[i]);
		free(p[i]);
		p[i] = s;
	}
	return 0;
}

void
relay_parts_free(char **parts, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(parts[i]);
	free(parts);
}
