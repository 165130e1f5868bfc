/* Conversations' rules: readers, permissions, tracing, pacing, hooks. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "broadcasts.h"
#include "channel.h"
#include "clock.h"
#include "config.h"
#include "conv.h"
#include "crypto.h"
#include "dispatch.h"
#include "history.h"
#include "i18n.h"
#include "log.h"
#include "notices.h"
#include "people.h"
#include "relay.h"
#include "reply.h"
#include "sms.h"
#include "sms_text.h"
#include "smsmonth.h"
#include "store.h"
#include "visit_remind.h"
#include "xmalloc.h"

#define CONV_REACTION	"\xf0\x9f\x91\x8c"	/* 👌 */
#define CONV_MINUTE_MS	60000

/* The messages rows are history's; its states and directions are ours. */
_Static_assert((int)CONV_FROM_FAMILY == (int)HISTORY_FROM_FAMILY &&
    (int)CONV_TO_FAMILY == (int)HISTORY_TO_FAMILY,
    "conv_dir must match history_dir");
_Static_assert((int)CONV_QUEUED == (int)HISTORY_QUEUED &&
    (int)CONV_SENT == (int)HISTORY_SENT &&
    (int)CONV_FAILED == (int)HISTORY_FAILED &&
    (int)CONV_BLOCKED == (int)HISTORY_BLOCKED,
    "conv_state must match history_state");

/*
 * A family's messages to staff of the last minute, as their times (`at`,
 * seconds) oldest first, at most `keep`: the flood count without a query
 * per message. Read from history at the family's first message, then
 * kept by conv_record().
 */
struct conv_recent {
	int64_t		 family_id;	/* 0: a free slot */
	int64_t		*at;		/* a ring of `cap`, up to `keep` */
	size_t		 first, n, cap, keep;
};

struct conv {
	struct app		*app;
	struct conv_pace	*pace;		/* families being paced */
	size_t			 npace, cappace;
	struct conv_recent	*recent;	/* open addressing */
	size_t			 nrecent, caprecent;
	uint64_t		 rollbacks;	/* the store's, when kept */
	int			 fell_back;	/* this outcome went by SMS */
	int64_t			 held_id;	/* the gate held this row back */
};

static void	conv_recent_clear(struct conv *c);
static void	conv_recent_add(struct conv *c, int64_t family_id,
		    int64_t at);

struct conv *
conv_new(struct app *app)
{
	struct conv	*c;

	c = xcalloc(1, sizeof *c);
	c->app = app;
	return c;
}

void
conv_free(struct conv *c)
{
	if (c == NULL)
		return;
	conv_recent_clear(c);
	free(c->recent);
	free(c->pace);
	free(c);
}

/* A people_* answer as ours: "not found" is an answer, not a failure. */
static int
conv_people_rc(int rc)
{
	return rc == PEOPLE_OK || rc == PEOPLE_NOT_FOUND ? 0 : -1;
}

/* The first word of a name into buf; "" when there is no name. */
static void
conv_first_word(const char *name, char *buf, size_t len)
{
	char	*first;

	buf[0] = '\0';
	if (name == NULL)
		return;
	first = relay_first_name(name);
	str_copy(buf, first, len);
	free(first);
}

static enum lang
conv_first_lang(const char *langs)
{
	char	 two[3] = { 0 };
	enum lang l;

	if (strlen(langs) >= 2)
		memcpy(two, langs, 2);
	return lang_parse(two, &l) == 0 ? l : LANG_DEFAULT;
}

/* ---- the record ------------------------------------------------------ */

int
conv_record(struct conv *c, const struct conv_msg *m, int64_t *idp)
{
	struct history_new	 h = {
		.family_id = m->family_id,
		.member_id = m->member_id,
		.staff_id = m->staff_id,
		.direction = (enum history_dir)m->dir,
		.kind = m->kind,
		.channel = (int)m->channel,
		.body = m->body,
		.src_message_id = m->src_message_id,
		.state = (enum history_state)m->state,
	};

	if (history_record(c->app->history, &h, idp) == -1)
		return -1;
	/* messages.at: the second it is recorded in. */
	if (m->dir == CONV_FROM_FAMILY)
		conv_recent_add(c, m->family_id, store_now_ms() / 1000);
	return 0;
}

int
conv_set_state(struct conv *c, int64_t id, enum conv_state st,
    const char *error)
{
	return history_set_state(c->app->history, id,
	    (enum history_state)st, error);
}

int
conv_blocked(struct conv *c, int64_t member_id, int64_t at)
{
	return people_member_blocked(c->app->people, member_id, at) ==
	    PEOPLE_OK ? 0 : -1;
}

/* ---- families, staff, members ---------------------------------------- */

int
conv_family(struct conv *c, int64_t id, struct conv_family *out, int *found)
{
	struct family_brief	 f;
	int			 rc;

	memset(out, 0, sizeof *out);
	rc = people_family_brief(c->app->people, id, &f);
	*found = rc == PEOPLE_OK;
	if (*found) {
		out->id = f.id;
		str_copy(out->code, f.code, sizeof out->code);
		str_copy(out->language, f.language, sizeof out->language);
		str_copy(out->channel, f.channel, sizeof out->channel);
		out->assistant_id = f.assistant_id;
		out->substitute_id = f.substitute_id;
	}
	return conv_people_rc(rc);
}

int
conv_family_find(struct conv *c, const char *ref, int64_t *id)
{
	char	 buf[32];
	size_t	 i;
	int	 rc;

	*id = 0;
	for (i = 0; ref[i] != '\0' && i < sizeof buf - 1; i++)
		buf[i] = (char)toupper((unsigned char)ref[i]);
	buf[i] = '\0';
	if (ref[i] != '\0')
		return 0;
	rc = people_family_resolve(c->app->people, buf, id);
	if (rc == PEOPLE_NOT_FOUND) {
		*id = 0;
		return 0;
	}
	return rc == PEOPLE_OK ? 0 : -1;
}

int
conv_member_first_name(struct conv *c, int64_t member_id, char *buf,
    size_t len)
{
	char	*name = NULL;
	int	 rc;

	rc = people_member_name(c->app->people, member_id, &name);
	conv_first_word(name, buf, len);
	crypto_free_plain(name);
	return conv_people_rc(rc);
}

/* A staff member as the rules see them. */
static void
conv_staff_from(const struct staff_reach *st, struct conv_staff *out)
{
	memset(out, 0, sizeof *out);
	out->id = st->id;
	str_copy(out->kind, st->kind, sizeof out->kind);
	out->active = st->active;
	out->chat_id = st->chat_id;
	out->lang = conv_first_lang(st->languages);
}

int
conv_staff(struct conv *c, int64_t staff_id, struct conv_staff *out,
    int *found)
{
	struct staff_reach	 st;
	int			 rc;

	memset(out, 0, sizeof *out);
	rc = people_staff_reach(c->app->people, staff_id, &st);
	*found = rc == PEOPLE_OK;
	if (*found)
		conv_staff_from(&st, out);
	return conv_people_rc(rc);
}

/* The first name of a staff member. */
static int
conv_staff_first_name(struct conv *c, int64_t staff_id, char *buf,
    size_t len)
{
	char	*name = NULL;
	int	 rc;

	rc = people_staff_name(c->app->people, staff_id, &name);
	conv_first_word(name, buf, len);
	crypto_free_plain(name);
	return conv_people_rc(rc);
}

/* Staff of one kind, active and linked, into the readers. */
static int
conv_readers_of_kind(struct conv *c, const char *kind,
    struct conv_readers *out)
{
	struct staff_reach	 st[CONV_READERS_MAX];
	struct conv_staff	 cs;
	size_t			 n, i;

	if (people_staff_reach_kind(c->app->people, kind, st,
	    CONV_READERS_MAX - out->n, &n) != PEOPLE_OK)
		return -1;
	for (i = 0; i < n; i++) {
		conv_staff_from(&st[i], &cs);
		out->r[out->n].staff_id = cs.id;
		out->r[out->n].chat_id = cs.chat_id;
		out->r[out->n].lang = cs.lang;
		out->n++;
	}
	return 0;
}

/* One staff member as the only reader, if active and linked. */
static int
conv_reader_one(struct conv *c, int64_t staff_id, struct conv_readers *out,
    int *ok)
{
	struct conv_staff	 st;
	int			 found;

	*ok = 0;
	if (staff_id == 0)
		return 0;
	if (conv_staff(c, staff_id, &st, &found) == -1)
		return -1;
	if (!found || !st.active || st.chat_id == 0)
		return 0;
	out->n = 1;
	out->r[0].staff_id = st.id;
	out->r[0].chat_id = st.chat_id;
	out->r[0].lang = st.lang;
	*ok = 1;
	return 0;
}

int
conv_readers(struct conv *c, const struct conv_family *f,
    struct conv_readers *out)
{
	int	 ok;

	memset(out, 0, sizeof *out);
	out->route = CONV_ROUTE_ASSISTANT;
	if (conv_reader_one(c, f->assistant_id, out, &ok) == -1)
		return -1;
	if (ok)
		return 0;
	out->route = CONV_ROUTE_SUBSTITUTE;
	if (conv_reader_one(c, f->substitute_id, out, &ok) == -1)
		return -1;
	if (ok)
		return conv_staff_first_name(c, f->substitute_id,
		    out->first_name, sizeof out->first_name);
	out->route = CONV_ROUTE_COORDINATORS;
	if (conv_readers_of_kind(c, "coordinator", out) == -1)
		return -1;
	/* A centre without coordinators still has its administrators. */
	if (out->n == 0 && conv_readers_of_kind(c, "administrator", out) ==
	    -1)
		return -1;
	if (out->n == 0)
		out->route = CONV_ROUTE_NONE;
	return 0;
}

int
conv_route_told(struct conv *c, int64_t family_id, int64_t staff_id,
    int64_t since, int64_t before, int *told)
{
	/* The family was told when its message went to staff_id first. */
	return history_read_by_since(c->app->history, family_id, staff_id,
	    since / 1000, before, told);
}

/* ---- permissions ----------------------------------------------------- */

int
conv_is_coordinator(const char *kind)
{
	return strcmp(kind, "coordinator") == 0 ||
	    strcmp(kind, "administrator") == 0;
}

enum conv_may
conv_rule_may_write(const char *kind, int active, int64_t staff_id,
    int64_t assistant_id, int64_t substitute_id)
{
	if (!active)
		return CONV_NOT_STAFF;
	if (conv_is_coordinator(kind))
		return CONV_MAY;
	if (staff_id != 0 && (staff_id == assistant_id ||
	    staff_id == substitute_id))
		return CONV_MAY;
	return CONV_NOT_YOURS;
}

int
conv_may_write(struct conv *c, int64_t staff_id, const struct conv_family *f,
    enum conv_may *may)
{
	struct conv_staff	 st;
	int			 found;

	*may = CONV_NOT_STAFF;
	if (conv_staff(c, staff_id, &st, &found) == -1)
		return -1;
	if (found)
		*may = conv_rule_may_write(st.kind, st.active, staff_id,
		    f->assistant_id, f->substitute_id);
	return 0;
}

/* ---- targets, reading, the current family ---------------------------- */

/*
 * The member of a family to write to through `pick` (the register's
 * choice on one channel), knowing who wrote last.
 */
static int
conv_member_target(struct conv *c, int64_t family_id, int64_t preferred,
    int (*pick)(struct people *, int64_t, int64_t, int64_t,
    struct member_target *), struct member_target *t)
{
	int64_t	 last;

	if (history_last_writer(c->app->history, family_id, &last) == -1 ||
	    pick(c->app->people, family_id, preferred, last, t) != PEOPLE_OK)
		return -1;
	return 0;
}

int
conv_sms_target(struct conv *c, int64_t family_id, int64_t preferred,
    struct conv_sms_target *out)
{
	struct member_target	 t;

	memset(out, 0, sizeof *out);
	if (conv_member_target(c, family_id, preferred,
	    people_member_sms_target, &t) == -1)
		return -1;
	out->member_id = t.member_id;
	out->consented = t.consented;
	if (snprintf(out->phone, sizeof out->phone, "%s", t.phone) >=
	    (int)sizeof out->phone)
		return -1;
	explicit_bzero(t.phone, sizeof t.phone);
	return 0;
}

int
conv_target(struct conv *c, int64_t family_id, int64_t preferred,
    struct conv_target *out)
{
	struct member_target	 t;

	memset(out, 0, sizeof *out);
	if (conv_member_target(c, family_id, preferred,
	    people_member_tg_target, &t) == -1)
		return -1;
	out->member_id = t.member_id;
	out->chat_id = t.chat_id;
	out->consented = t.consented;
	return 0;
}

int
conv_mark_read(struct conv *c, int64_t family_id, int64_t now)
{
	return history_mark_read(c->app->history, family_id, now);
}

void
conv_family_rows_free(struct conv_family_row *rows, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		crypto_free_plain(rows[i].name);
	free(rows);
}

/* One line of /families; the name is opened for the lines shown only. */
static int
conv_family_row(struct conv *c, const struct family_brief *f,
    int64_t unread, struct conv_family_row *r)
{
	r->id = f->id;
	snprintf(r->code, sizeof r->code, "%s", f->code);
	r->unread = unread;
	return conv_people_rc(people_family_name(c->app->people, f->id,
	    &r->name));
}

/* The families with unread messages (or without), in the order given. */
static int
conv_families_take(struct conv *c, const struct family_brief *f,
    const int64_t *unread, size_t nf, int with_unread,
    struct conv_family_row *a, size_t max, size_t *n)
{
	size_t	 i;

	for (i = 0; i < nf && *n < max; i++) {
		if ((unread[i] > 0) != with_unread)
			continue;
		if (conv_family_row(c, &f[i], unread[i], &a[*n]) == -1)
			return -1;
		(*n)++;
	}
	return 0;
}

int
conv_families(struct conv *c, int64_t staff_id, int all, size_t max,
    struct conv_family_row **rows, size_t *n, int64_t *total)
{
	struct family_brief	*f = NULL;
	struct conv_family_row	*a = NULL;
	int64_t			*unread = NULL;
	size_t			 nf = 0, i;
	int			 ret = -1;

	*rows = NULL;
	*n = 0;
	*total = 0;
	if (people_family_brief_list(c->app->people, staff_id, all, &f,
	    &nf) != PEOPLE_OK)
		return -1;
	unread = xcalloc(nf > 0 ? nf : 1, sizeof *unread);
	for (i = 0; i < nf; i++)
		if (history_unread(c->app->history, f[i].id, &unread[i]) == -1)
			goto out;
	/* Unread first, then the rest, each by code as listed. */
	a = xcalloc(max > 0 ? max : 1, sizeof *a);
	if (conv_families_take(c, f, unread, nf, 1, a, max, n) == -1 ||
	    conv_families_take(c, f, unread, nf, 0, a, max, n) == -1)
		goto out;
	*total = (int64_t)nf;
	*rows = a;
	a = NULL;
	ret = 0;
out:
	if (a != NULL) {
		conv_family_rows_free(a, *n);
		*n = 0;
	}
	free(unread);
	free(f);
	return ret;
}

int
conv_current(struct conv *c, int64_t staff_id, int64_t *family_id)
{
	return conv_people_rc(people_staff_current(c->app->people, staff_id,
	    family_id));
}

int
conv_set_current(struct conv *c, int64_t staff_id, int64_t family_id)
{
	return people_staff_set_current(c->app->people, staff_id,
	    family_id) == PEOPLE_OK ? 0 : -1;
}

/* ---- tracing --------------------------------------------------------- */

/* A messages row: family (0 when deleted), member, source, staff. */
struct conv_row {
	int		 found;
	int64_t		 family_id, member_id, src_message_id, staff_id;
	int		 state;
	char		 code[16];
	enum conv_dir	 dir;
};

static int
conv_row_get(struct conv *c, int64_t id, struct conv_row *out)
{
	struct history_ref	 m;
	struct family_brief	 f;
	int			 rc;

	memset(out, 0, sizeof *out);
	if (history_get(c->app->history, id, &m, &out->found) == -1)
		return -1;
	if (!out->found)
		return 0;
	out->family_id = m.family_id;
	out->member_id = m.member_id;
	out->src_message_id = m.src_message_id;
	out->staff_id = m.staff_id;
	out->state = (int)m.state;
	out->dir = (enum conv_dir)m.direction;
	if (m.family_id == 0)
		return 0;
	rc = people_family_brief(c->app->people, m.family_id, &f);
	if (rc == PEOPLE_OK)
		snprintf(out->code, sizeof out->code, "%s", f.code);
	return rc == PEOPLE_OK || rc == PEOPLE_NOT_FOUND ? 0 : -1;
}

static int
conv_is_cause(const char *cause, const char *what)
{
	return strcmp(cause, what) == 0;
}

int
conv_trace(struct conv *c, int64_t chat_id, int64_t ext_message_id,
    struct conv_trace *out)
{
	struct outbox_row	 row;
	struct conv_row		 m;
	int			 found;

	memset(out, 0, sizeof *out);
	if (outbox_find_sent(c->app->ob, CHANNEL_TELEGRAM, chat_id,
	    ext_message_id, &row, &found) == -1)
		return -1;
	if (!found)
		return 0;
	out->ours = 1;
	/* A family's message, or the delivery state of an answer to one. */
	if (!conv_is_cause(row.cause, CONV_CAUSE_RELAY) &&
	    !conv_is_cause(row.cause, CONV_CAUSE_STATUS))
		return 0;
	out->found = 1;
	out->message_id = row.cause_id;
	if (conv_row_get(c, row.cause_id, &m) == -1)
		return -1;
	/* Rows go with their family: none left means it was deleted. */
	out->family_id = m.found ? m.family_id : 0;
	out->member_id = m.member_id;
	/* Only a family's own message can be replied to in their chat. */
	if (m.dir == CONV_FROM_FAMILY)
		out->src_message_id = m.src_message_id;
	return 0;
}

int
conv_find_relayed(struct conv *c, int64_t family_id, int64_t src_message_id,
    int64_t *id)
{
	return history_find_relayed(c->app->history, family_id,
	    src_message_id, id);
}

int
conv_copy_in_chat(struct conv *c, int64_t id, int64_t chat_id,
    int64_t *ext_message_id)
{
	return outbox_sent_copy(c->app->ob, CHANNEL_TELEGRAM, chat_id,
	    CONV_CAUSE_RELAY, id, ext_message_id);
}

/* ---- flood pacing ---------------------------------------------------- */

void
conv_pace_step(struct conv_pace *p, int64_t in_window, int per_minute,
    int64_t now, int64_t *not_before, int *notice)
{
	int64_t	 interval, slot;

	*not_before = 0;
	*notice = 0;
	if (per_minute <= 0)
		return;
	/* Calm again: nothing paced is waiting and the minute is quiet. */
	if (p->next <= now && in_window < per_minute) {
		p->next = 0;
		p->noticed = 0;
		return;
	}
	interval = CONV_MINUTE_MS / per_minute;
	slot = (p->next > now ? p->next : now) + interval;
	p->next = slot;
	*not_before = slot;
	if (!p->noticed) {
		p->noticed = 1;
		*notice = 1;
	}
}

/* Forgets every family's recent messages: read again when asked. */
static void
conv_recent_clear(struct conv *c)
{
	size_t	 i;

	for (i = 0; i < c->caprecent; i++)
		free(c->recent[i].at);
	if (c->recent != NULL)
		memset(c->recent, 0, c->caprecent * sizeof *c->recent);
	c->nrecent = 0;
}

static struct conv_recent *
conv_recent_slot(struct conv_recent *tab, size_t cap, int64_t family_id)
{
	size_t	 i, mask = cap - 1;

	i = ((uint64_t)family_id * 0x9e3779b97f4a7c15ULL) >> 32;
	for (i &= mask; tab[i].family_id != 0; i = (i + 1) & mask)
		if (tab[i].family_id == family_id)
			break;
	return &tab[i];
}

/* The family's entry; NULL when it is not kept (not `create`). */
static struct conv_recent *
conv_recent_find(struct conv *c, int64_t family_id, int create)
{
	struct conv_recent	*old = c->recent, *r;
	size_t			 i, cap = c->caprecent;

	/* A rollback may have taken a message conv_record() counted. */
	if (c->rollbacks != store_rollbacks(c->app->st)) {
		conv_recent_clear(c);
		c->rollbacks = store_rollbacks(c->app->st);
	}
	if (cap > 0 && (r = conv_recent_slot(c->recent, cap, family_id))->
	    family_id == family_id)
		return r;
	if (!create)
		return NULL;
	if ((c->nrecent + 1) * 2 > cap) {
		c->caprecent = cap == 0 ? 64 : cap * 2;
		c->recent = xcalloc(c->caprecent, sizeof *c->recent);
		for (i = 0; i < cap; i++)
			if (old[i].family_id != 0)
				*conv_recent_slot(c->recent, c->caprecent,
				    old[i].family_id) = old[i];
		free(old);
	}
	r = conv_recent_slot(c->recent, c->caprecent, family_id);
	c->nrecent++;
	r->family_id = family_id;
	return r;
}

/* Drops the times at or before `since`. */
static void
conv_recent_prune(struct conv_recent *r, int64_t since)
{
	while (r->n > 0 && r->at[r->first] <= since) {
		r->first = (r->first + 1) % r->cap;
		r->n--;
	}
}

/* Grows the ring to hold `want` times (at most `keep`), oldest first. */
static void
conv_recent_grow(struct conv_recent *r, size_t want)
{
	int64_t	*at;
	size_t	 cap = r->cap == 0 ? 8 : r->cap, i;

	while (cap < want)
		cap *= 2;
	if (cap > r->keep)
		cap = r->keep;
	if (cap <= r->cap)
		return;
	at = xreallocarray(NULL, cap, sizeof *at);
	for (i = 0; i < r->n; i++)
		at[i] = r->at[(r->first + i) % r->cap];
	free(r->at);
	r->at = at;
	r->first = 0;
	r->cap = cap;
}

static void
conv_recent_push(struct conv_recent *r, int64_t at)
{
	if (r->n == r->cap)
		conv_recent_grow(r, r->n + 1);
	if (r->n == r->cap) {		/* `keep` reached: the oldest goes */
		r->first = (r->first + 1) % r->cap;
		r->n--;
	}
	r->at[(r->first + r->n) % r->cap] = at;
	r->n++;
}

static void
conv_recent_add(struct conv *c, int64_t family_id, int64_t at)
{
	struct conv_recent	*r;

	if ((r = conv_recent_find(c, family_id, 0)) != NULL && r->keep > 0)
		conv_recent_push(r, at);
}

/*
 * The family's newest `keep` times after `since`, read from history
 * (newest first there, oldest first here).
 */
static int
conv_recent_load(struct conv *c, struct conv_recent *r, size_t keep,
    int64_t since)
{
	int64_t	*at;
	size_t	 n, i;

	at = xreallocarray(NULL, keep, sizeof *at);
	free(r->at);
	r->at = NULL;
	r->first = r->n = r->cap = r->keep = 0;
	if (history_recent_at(c->app->history, r->family_id, (int)keep, since,
	    at, &n) == -1) {
		free(at);
		return -1;	/* keep 0: read again next time */
	}
	r->keep = keep;
	conv_recent_grow(r, n);
	for (i = 0; i < n; i++)
		conv_recent_push(r, at[n - 1 - i]);
	free(at);
	return 0;
}

static int
conv_flood_count(struct conv *c, int64_t family_id, int per_minute,
    int64_t now, int64_t *n)
{
	struct conv_recent	*r;
	int64_t			 since = (now - CONV_MINUTE_MS) / 1000;
	/* Only the newest per_minute + 1 can tell a burst. */
	size_t			 keep = (size_t)per_minute + 1;

	r = conv_recent_find(c, family_id, 1);
	if (r->keep != keep && conv_recent_load(c, r, keep, since) == -1)
		return -1;
	conv_recent_prune(r, since);
	*n = (int64_t)r->n;
	return 0;
}

/* Entries whose last slot is a minute past cannot be in a burst. */
static void
conv_pace_prune(struct conv *c, int64_t now)
{
	size_t	 i = 0;

	while (i < c->npace) {
		if (c->pace[i].next + CONV_MINUTE_MS < now)
			c->pace[i] = c->pace[--c->npace];
		else
			i++;
	}
}

int
conv_flood(struct conv *c, int64_t family_id, int per_minute, int64_t now,
    int64_t *not_before, int *notice)
{
	struct conv_pace	 fresh = { family_id, 0, 0 }, *p = &fresh;
	int64_t			 n;
	size_t			 i;

	*not_before = 0;
	*notice = 0;
	if (per_minute <= 0)
		return 0;
	if (conv_flood_count(c, family_id, per_minute, now, &n) == -1)
		return -1;
	for (i = 0; i < c->npace; i++)
		if (c->pace[i].family_id == family_id)
			p = &c->pace[i];
	conv_pace_step(p, n, per_minute, now, not_before, notice);
	if (p == &fresh && fresh.next != 0) {
		conv_pace_prune(c, now);
		if (c->npace == c->cappace) {
			c->cappace = c->cappace == 0 ? 8 : c->cappace * 2;
			c->pace = xreallocarray(c->pace, c->cappace,
			    sizeof *c->pace);
		}
		c->pace[c->npace++] = fresh;
	} else if (p != &fresh && p->next == 0)
		*p = c->pace[--c->npace];
	return 0;
}

/* ---- dispatcher hooks ------------------------------------------------ */

int
conv_gate(void *arg, const struct outbox_row *row, char *why, size_t whylen)
{
	struct conv	*c = arg;
	int		 on = 1, visit;

	/* Conversation always goes: /stop is about announcements. */
	if (row->member_id == 0 || row->priority <= OUTBOX_PRIO_CONVERSATION)
		return 0;
	/*
	 * Reminders of the family's own visits have a switch of their own
	 * (members.reminders_off); a visit moved or cancelled is always
	 * told. Everything else past conversation is an announcement.
	 */
	if (row->priority == OUTBOX_PRIO_REMINDER &&
	    conv_is_cause(row->cause, "visit_notice"))
		return 0;
	visit = row->priority == OUTBOX_PRIO_REMINDER &&
	    conv_is_cause(row->cause, VISIT_REMIND_CAUSE);
	if (conv_people_rc(visit ?
	    people_member_takes_reminders(c->app->people, row->member_id,
	    &on) : people_member_takes_announcements(c->app->people,
	    row->member_id, &on)) == -1)
		return -1;
	if (on)
		return 0;
	snprintf(why, whylen, visit ? "the family turned reminders off" :
	    "the family turned announcements off");
	c->held_id = row->id;
	return 1;
}

/* Tells the author of an answer it failed, as a reply to their message. */
static int
conv_tell_failed(struct conv *c, const struct conv_row *m, int64_t msg_id,
    const struct send_result *res)
{
	struct relay_opts	 o = { .prio = OUTBOX_PRIO_CONVERSATION,
				    .cause = CONV_CAUSE_STATUS,
				    .cause_id = msg_id };
	struct conv_staff	 st;
	const char		*args[2];
	char			*text;
	int			 found, rc;

	if (conv_staff(c, m->staff_id, &st, &found) == -1)
		return -1;
	if (!found || st.chat_id == 0)
		return 0;
	o.reply_to = m->src_message_id;
	args[0] = m->code;
	args[1] = res->error;
	text = text_expand(i18n_get(c->app->i18n, st.lang, c->fell_back ?
	    N_("%s has blocked the bot; the answer was sent by SMS instead.") :
	    res->status == SEND_UNREACHABLE ?
	    N_("Not delivered to %s: the family has blocked the bot.") :
	    N_("Not delivered to %s: %s")), args, 2);
	rc = relay_send_text(c->app->ob, c->app->cfg, st.chat_id, text, &o);
	free(text);
	return rc;
}

/* A quiet sign of delivery: a reaction on the author's message. */
static int
conv_tell_sent(struct conv *c, const struct conv_row *m, int64_t msg_id)
{
	struct relay_opts	 o = { .prio = OUTBOX_PRIO_CONVERSATION,
				    .cause = CONV_CAUSE_STATUS,
				    .cause_id = msg_id };
	struct conv_staff	 st;
	int			 found;

	if (m->src_message_id == 0)
		return 0;
	if (conv_staff(c, m->staff_id, &st, &found) == -1)
		return -1;
	if (!found || st.chat_id == 0)
		return 0;
	return relay_send_reaction(c->app->ob, c->app->cfg, st.chat_id,
	    m->src_message_id, CONV_REACTION, &o);
}

static int
conv_answer_outcome(struct conv *c, const struct outbox_row *row,
    const struct send_result *res)
{
	struct conv_row	 m;
	int		 final = conv_is_cause(row->cause, CONV_CAUSE_ANSWER) ||
			     conv_is_cause(row->cause, CONV_CAUSE_IMPORTANT);

	if (conv_row_get(c, row->cause_id, &m) == -1)
		return -1;
	if (!m.found)
		return 0;	/* the family was deleted meanwhile */
	/* One report per answer: a part that failed already told. */
	if (m.state == CONV_FAILED || m.state == CONV_BLOCKED)
		return 0;
	if (res->status == SEND_OK) {
		if (!final)
			return 0;
		if (conv_set_state(c, row->cause_id, CONV_SENT, NULL) == -1)
			return -1;
		return conv_tell_sent(c, &m, row->cause_id);
	}
	if (res->status == SEND_UNREACHABLE) {
		if (row->member_id != 0 && conv_blocked(c, row->member_id,
		    store_now_ms()) == -1)
			return -1;
		if (conv_set_state(c, row->cause_id, CONV_BLOCKED,
		    res->error) == -1)
			return -1;
	} else if (conv_set_state(c, row->cause_id, CONV_FAILED,
	    res->error) == -1)
		return -1;
	log_info("event=conv.answer_failed message_id=%" PRId64 " code=%d",
	    row->cause_id, res->code);
	return conv_tell_failed(c, &m, row->cause_id, res);
}

/* A broadcast's SMS wording in the language its copy was in. */
static int
conv_broadcast_sms(struct conv *c, const struct outbox_row *row,
    char **text)
{
	struct bc_rcpt	 r;
	char		*tg = NULL;
	int		 rc;

	rc = bc_rcpt_of_outbox(c->app->broadcasts, row->cause_id, row->id,
	    &r);
	if (rc == -2)
		return 0;
	if (rc != 0 || bc_text_get(c->app->broadcasts, row->cause_id, r.lang,
	    &tg, text) == -1)
		return -1;
	free(tg);
	return 0;
}

/*
 * What the failed row said: the answer's text, or the text it carried;
 * a notice or broadcast its SMS wording, never the Telegram text.
 */
static int
conv_fallback_text(struct conv *c, const struct outbox_row *row,
    char **text)
{
	char		*params = NULL;
	size_t		 len;

	*text = NULL;
	/* A reminder has a wording of its own for SMS: how to answer. */
	if (conv_is_cause(row->cause, VISIT_REMIND_CAUSE))
		return visit_remind_sms_of(c->app, row->cause_id, text);
	if (conv_is_cause(row->cause, CONV_CAUSE_NOTICE))
		return notices_sms_take(c->app->notices, row->id, text);
	if (conv_is_cause(row->cause, CONV_CAUSE_BROADCAST))
		return conv_broadcast_sms(c, row, text);
	if (conv_is_cause(row->cause, CONV_CAUSE_IMPORTANT)) {
		if (history_body(c->app->history, row->cause_id, &params) ==
		    -1)
			return -1;
		if (params != NULL)
			*text = xstrdup(params);
		crypto_free_plain(params);
		return 0;
	}
	if (outbox_payload(c->app->ob, row->id, &params, &len) == -1)
		return -1;
	*text = channel_get(row->channel)->text_of(params, len);
	crypto_free_plain(params);
	return 0;
}

/* The broadcast counts the SMS that replaced a copy, parts and all. */
static int
conv_broadcast_fell_back(struct conv *c, const struct outbox_row *row,
    const char *text)
{
	struct sms_count	 cnt;
	struct bc_rcpt		 r;
	int			 rc;

	if (sms_text_count(text, strlen(text),
	    (unsigned int)c->app->cfg->sms_max_parts, &cnt) != SMS_TEXT_OK)
		return 0;	/* channel_queue() took it: cannot be */
	rc = bc_rcpt_of_outbox(c->app->broadcasts, row->cause_id, row->id,
	    &r);
	if (rc == -2)
		return 0;
	if (rc != 0)
		return -1;
	return bc_fell_back(c->app->broadcasts, row->cause_id, r.family_id,
	    (int64_t)cnt.parts);
}

/*
 * An important message Telegram refused (the member blocked the bot)
 * goes once by SMS to the member's phone; the SMS row's cause names the
 * Telegram row, so the outbox shows the chain.
 */
static int
conv_fallback(struct conv *c, const struct outbox_row *row)
{
	struct out	 m;
	char		*phone = NULL, *text = NULL, why[128];
	int		 rc = -1;

	if (!sms_enabled(c->app->sms) || row->member_id == 0)
		return 0;
	if (conv_people_rc(people_member_phone(c->app->people,
	    row->member_id, &phone)) == -1 ||
	    conv_fallback_text(c, row, &text) == -1)
		goto out;
	rc = 0;
	if (phone == NULL || text == NULL) {
		log_info("event=conv.no_fallback outbox_id=%" PRId64
		    " reason=%s", row->id, phone == NULL ? "no_phone" :
		    "no_text");
		goto out;
	}
	memset(&m, 0, sizeof m);
	m.kind = OUT_TEXT;
	m.phone = phone;
	m.text = text;
	m.prio = (enum outbox_priority)row->priority;
	m.cause = CONV_CAUSE_FALLBACK;
	m.cause_id = row->id;
	m.member_id = row->member_id;
	rc = channel_queue(c->app->ob, c->app->cfg, CHANNEL_SMS, &m, NULL, why,
	    sizeof why);
	if (rc == CHANNEL_REFUSED) {
		log_warn("event=conv.fallback_refused outbox_id=%" PRId64
		    " reason=\"%s\"", row->id, why);
		rc = 0;
	} else if (rc == 0) {
		log_info("event=conv.fallback outbox_id=%" PRId64, row->id);
		c->fell_back = 1;
		if (conv_is_cause(row->cause, CONV_CAUSE_BROADCAST))
			rc = conv_broadcast_fell_back(c, row, text);
	}
out:
	crypto_free_plain(phone);
	if (text != NULL) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	return rc;
}

/* The code of a member's family; `code` stays as it is without one. */
static int
conv_member_code(struct conv *c, int64_t member_id, char *code, size_t len)
{
	struct family_brief	 f;
	int64_t			 family_id;
	int			 rc;

	rc = people_member_family(c->app->people, member_id, &family_id);
	if (rc == PEOPLE_OK)
		rc = people_family_brief(c->app->people, family_id, &f);
	if (rc == PEOPLE_OK)
		snprintf(code, len, "%s", f.code);
	return conv_people_rc(rc);
}

/*
 * A reminder no staff member wrote (or the SMS that replaced it) failed
 * for good: the coordinators hear of it, since there is no author to tell.
 */
static int
conv_tell_coordinators(struct conv *c, const struct outbox_row *row,
    const struct send_result *res)
{
	struct relay_opts	 o = { .prio = OUTBOX_PRIO_CONVERSATION,
				    .cause = CONV_CAUSE_STATUS };
	struct conv_readers	 rd;
	const char		*args[2];
	char			 code[32] = "?", *text;
	size_t			 i;
	int			 rc;

	if (conv_member_code(c, row->member_id, code, sizeof code) == -1)
		return -1;
	memset(&rd, 0, sizeof rd);
	if (conv_readers_of_kind(c, "coordinator", &rd) == -1)
		return -1;
	args[0] = code;
	args[1] = res->error;
	for (i = 0; i < rd.n; i++) {
		text = text_expand(i18n_get(c->app->i18n, rd.r[i].lang,
		    N_("A reminder to %s could not be sent: %s")),
		    args, 2);
		rc = relay_send_text(c->app->ob, c->app->cfg, rd.r[i].chat_id,
		    text, &o);
		free(text);
		if (rc == -1)
			return -1;
	}
	log_info("event=conv.failure_reported outbox_id=%" PRId64
	    " coordinators=%zu", row->id, rd.n);
	return 0;
}

/* Reminders, important answers, notices and broadcasts. */
static int
conv_is_important(const struct outbox_row *row)
{
	return row->priority == OUTBOX_PRIO_REMINDER ||
	    conv_is_cause(row->cause, CONV_CAUSE_IMPORTANT) ||
	    conv_is_cause(row->cause, CONV_CAUSE_NOTICE) ||
	    conv_is_cause(row->cause, CONV_CAUSE_BROADCAST);
}

/* An SMS sent counts its parts in the month's figure, whatever it was. */
static int
conv_count_sms(struct conv *c, const struct outbox_row *row)
{
	struct sms_count	 cnt;
	char			*params = NULL, *text = NULL;
	size_t			 len;
	int			 rc = -1;

	if (outbox_payload(c->app->ob, row->id, &params, &len) == -1)
		return -1;
	if (params == NULL)
		return 0;
	text = channel_get(CHANNEL_SMS)->text_of(params, len);
	rc = 0;
	if (text != NULL && sms_text_count(text, strlen(text), 0, &cnt) ==
	    SMS_TEXT_OK)
		rc = sms_month_add(c->app->st, clock_now(), (int64_t)cnt.parts);
	if (text != NULL) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	crypto_free_plain(params);
	return rc;
}

/* A notice's SMS wording kept for a copy that went, or failed otherwise. */
static int
conv_notice_done(struct conv *c, const struct outbox_row *row)
{
	char	*sms = NULL;

	if (!conv_is_cause(row->cause, CONV_CAUSE_NOTICE) ||
	    row->channel != CHANNEL_TELEGRAM)
		return 0;
	if (notices_sms_take(c->app->notices, row->id, &sms) == -1)
		return -1;
	free(sms);
	return 0;
}

int
conv_outcome(void *arg, const struct outbox_row *row,
    const struct send_result *res)
{
	struct conv	*c = arg;

	c->fell_back = 0;
	if (res->status == SEND_UNREACHABLE &&
	    row->channel == CHANNEL_TELEGRAM && conv_is_important(row) &&
	    conv_fallback(c, row) == -1)
		return -1;
	if (conv_notice_done(c, row) == -1)
		return -1;
	if (row->channel == CHANNEL_SMS && res->status == SEND_OK &&
	    conv_count_sms(c, row) == -1)
		return -1;
	/* Only reminders: a broadcast's failures would flood them. */
	if (res->status != SEND_OK && !c->fell_back && row->id != c->held_id &&
	    row->member_id != 0 && row->priority == OUTBOX_PRIO_REMINDER &&
	    (conv_is_cause(row->cause, "admin") ||
	    conv_is_cause(row->cause, CONV_CAUSE_FALLBACK)) &&
	    conv_tell_coordinators(c, row, res) == -1)
		return -1;
	if (row->cause_id == 0)
		return 0;
	if (conv_is_cause(row->cause, CONV_CAUSE_RELAY))
		return conv_set_state(c, row->cause_id, res->status == SEND_OK ?
		    CONV_SENT : CONV_FAILED, res->status == SEND_OK ? NULL :
		    res->error);
	if (conv_is_cause(row->cause, CONV_CAUSE_ANSWER) ||
	    conv_is_cause(row->cause, CONV_CAUSE_IMPORTANT) ||
	    conv_is_cause(row->cause, CONV_CAUSE_PART))
		return conv_answer_outcome(c, row, res);
	return 0;
}
