/* tgemu: chats, messages, the update queue, the sent log, rate limits. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "tgemu.h"
#include "xmalloc.h"

static size_t
chat_slot(int64_t id, size_t cap)
{
	uint64_t	 h = (uint64_t)id * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 17) & (cap - 1);
}

static void
chats_grow(struct emu *e)
{
	struct chat	**old = e->chats;
	size_t		  oldcap = e->chatcap, i, s;

	e->chatcap = oldcap * 2;
	e->chats = xcalloc(e->chatcap, sizeof *e->chats);
	for (i = 0; i < oldcap; i++) {
		if (old[i] == NULL)
			continue;
		s = chat_slot(old[i]->id, e->chatcap);
		while (e->chats[s] != NULL)
			s = (s + 1) & (e->chatcap - 1);
		e->chats[s] = old[i];
	}
	free(old);
}

static void
bucket_init(struct bucket *b, double rate, double cap)
{
	b->rate = rate;
	b->cap = cap;
	b->tokens = cap;
	b->last_us = emu_now_us();
}

struct chat *
emu_chat_get(struct emu *e, int64_t id, int create)
{
	struct chat	*ch;
	size_t		 s = chat_slot(id, e->chatcap);

	while (e->chats[s] != NULL) {
		if (e->chats[s]->id == id)
			return e->chats[s];
		s = (s + 1) & (e->chatcap - 1);
	}
	if (!create || e->nchats >= TGEMU_CHATS_MAX)
		return NULL;
	ch = xcalloc(1, sizeof *ch);
	ch->id = id;
	ch->next_msg_id = 1;
	bucket_init(&ch->bucket, e->chat_rate, 1);
	if (id < 0)
		ch->group_ts = xcalloc(TGEMU_GROUP_RING, sizeof *ch->group_ts);
	e->chats[s] = ch;
	if (++e->nchats * 2 > e->chatcap)
		chats_grow(e);
	return ch;
}

static void
chat_free(struct chat *ch)
{
	size_t	 i;

	for (i = 0; i < ch->ringcap; i++)
		cJSON_Delete(ch->ring[i].obj);
	free(ch->ring);
	free(ch->group_ts);
	free(ch);
}

/* The ring holds the newest ids; it doubles until TGEMU_MSG_RING. */
static void
chat_ring_grow(struct chat *ch)
{
	struct msg	*old = ch->ring;
	size_t		 oldcap = ch->ringcap, i;

	ch->ringcap = oldcap == 0 ? 16 : oldcap * 2;
	ch->ring = xcalloc(ch->ringcap, sizeof *ch->ring);
	for (i = 0; i < oldcap; i++)
		if (old[i].obj != NULL)
			ch->ring[(uint64_t)old[i].id % ch->ringcap] = old[i];
	free(old);
}

/* Takes obj, gives it the next message_id of the chat. */
int64_t
emu_chat_store_msg(struct chat *ch, cJSON *obj)
{
	struct msg	*m;
	cJSON		*it;
	int64_t		 id = ch->next_msg_id++;

	if ((uint64_t)id >= ch->ringcap && ch->ringcap < TGEMU_MSG_RING)
		chat_ring_grow(ch);
	m = &ch->ring[(uint64_t)id % ch->ringcap];
	cJSON_Delete(m->obj);
	m->id = id;
	m->obj = obj;
	if ((it = cJSON_GetObjectItemCaseSensitive(obj, "message_id")) != NULL)
		cJSON_SetNumberValue(it, (double)id);
	else
		cJSON_AddNumberToObject(obj, "message_id", (double)id);
	return id;
}

struct msg *
emu_chat_find_msg(struct chat *ch, int64_t id)
{
	struct msg	*m;

	if (id <= 0 || ch->ringcap == 0)
		return NULL;
	m = &ch->ring[(uint64_t)id % ch->ringcap];
	return m->obj != NULL && m->id == id ? m : NULL;
}

/* Keeps the queue sorted by update_id; appending is the usual case. */
int
emu_updates_push(struct emu *e, int64_t id, char *json, size_t len)
{
	struct upd	*u, **pp;

	if (e->npending >= TGEMU_PENDING_MAX ||
	    e->pending_bytes + len > TGEMU_PENDING_BYTES_MAX)
		return -1;
	u = xcalloc(1, sizeof *u);
	u->id = id;
	u->json = json;
	u->len = len;
	if (e->utail == NULL || e->utail->id <= id) {
		if (e->utail != NULL)
			e->utail->next = u;
		else
			e->uhead = u;
		e->utail = u;
	} else {
		for (pp = &e->uhead; *pp != NULL && (*pp)->id <= id;
		    pp = &(*pp)->next)
			;
		u->next = *pp;
		*pp = u;
	}
	e->npending++;
	e->pending_bytes += len;
	if (id >= e->next_update_id)
		e->next_update_id = id + 1;
	return 0;
}

static void
updates_drop_head(struct emu *e)
{
	struct upd	*u = e->uhead;

	e->uhead = u->next;
	if (e->uhead == NULL)
		e->utail = NULL;
	e->npending--;
	e->pending_bytes -= u->len;
	free(u->json);
	free(u);
}

/* offset > 0 drops lower ids; offset < 0 keeps only the last -offset. */
void
emu_updates_confirm(struct emu *e, int64_t offset)
{
	if (offset > 0) {
		while (e->uhead != NULL && e->uhead->id < offset)
			updates_drop_head(e);
	} else if (offset < 0) {
		while (e->uhead != NULL && (int64_t)e->npending > -offset)
			updates_drop_head(e);
	}
}

static void
sent_drop_oldest(struct emu *e)
{
	struct sent	*s = &e->sent[e->sent_head];

	e->sent_bytes -= s->len;
	free(s->json);
	s->json = NULL;
	e->sent_head = (e->sent_head + 1) % TGEMU_SENT_MAX;
	e->sent_n--;
}

void
emu_sent_record(struct emu *e, const char *method, int has_chat,
    int64_t chat_id, int64_t message_id, const char *text, const cJSON *params,
    const cJSON *markup)
{
	struct sent	*s;
	cJSON		*o = cJSON_CreateObject();
	char		*json;
	int64_t		 seq = e->next_seq;

	cJSON_AddNumberToObject(o, "seq", (double)seq);
	cJSON_AddNumberToObject(o, "t_ms", (double)emuc_wall_ms());
	cJSON_AddStringToObject(o, "method", method);
	if (has_chat)
		cJSON_AddNumberToObject(o, "chat_id", (double)chat_id);
	else
		cJSON_AddNullToObject(o, "chat_id");
	if (message_id > 0)
		cJSON_AddNumberToObject(o, "message_id", (double)message_id);
	else
		cJSON_AddNullToObject(o, "message_id");
	if (text != NULL)
		cJSON_AddStringToObject(o, "text", text);
	else
		cJSON_AddNullToObject(o, "text");
	cJSON_AddItemToObject(o, "params", params != NULL ?
	    cJSON_Duplicate(params, 1) : cJSON_CreateObject());
	cJSON_AddItemToObject(o, "reply_markup", markup != NULL ?
	    cJSON_Duplicate(markup, 1) : cJSON_CreateNull());
	json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (json == NULL) {
		log_warn("event=sent.print_failed seq=%" PRId64, seq);
		return;
	}
	while (e->sent_n > 0 && (e->sent_n == TGEMU_SENT_MAX ||
	    e->sent_bytes + strlen(json) > TGEMU_SENT_BYTES_MAX))
		sent_drop_oldest(e);
	/* Seqs stay consecutive in the ring: /ctl/sent indexes by them. */
	e->next_seq++;
	s = &e->sent[(e->sent_head + e->sent_n) % TGEMU_SENT_MAX];
	s->seq = seq;
	s->has_chat = has_chat;
	s->chat_id = chat_id;
	s->json = json;
	s->len = strlen(json);
	e->sent_bytes += s->len;
	e->sent_n++;
}

void
emu_sent_clear(struct emu *e)
{
	while (e->sent_n > 0)
		sent_drop_oldest(e);
}

static void
bucket_refill(struct bucket *b, int64_t now_us)
{
	if (now_us > b->last_us) {
		b->tokens += (double)(now_us - b->last_us) * b->rate / 1e6;
		if (b->tokens > b->cap)
			b->tokens = b->cap;
	}
	b->last_us = now_us;
}

/* Seconds until the bucket holds `need` tokens, rounded up, at least 1. */
static int
bucket_wait(const struct bucket *b, double need)
{
	double	 x;
	int64_t	 s;

	if (b->tokens >= need - 1e-9)
		return 0;
	x = (need - b->tokens) / b->rate - 1e-9;
	if (x > 86400)
		return 86400;
	s = (int64_t)x;
	if ((double)s < x)
		s++;		/* round up */
	return s < 1 ? 1 : (int)s;
}

/* The slack lets a sender spacing sends exactly 1/rate apart jitter. */
static double
chat_need(const struct emu *e)
{
	double	 slack = e->chat_rate * TGEMU_CHAT_SLACK_MS / 1000.0;

	return 1.0 - (slack > 0.9 ? 0.9 : slack);
}

static int
group_wait(const struct emu *e, const struct chat *ch, int64_t now)
{
	int64_t	 t, w;
	size_t	 k = (size_t)e->group_per_min;

	if (ch->group_ts == NULL || ch->group_n < k)
		return 0;
	t = ch->group_ts[(ch->group_n - k) % TGEMU_GROUP_RING];
	if (now - t >= 60000)
		return 0;
	w = (t + 60000 - now + 999) / 1000;
	return w < 1 ? 1 : (int)w;
}

int
emu_limits_take(struct emu *e, struct chat *ch)
{
	int64_t	 now = emuc_now_ms(), now_us = emu_now_us();
	int	 w, worst = 0;

	bucket_refill(&e->global, now_us);
	bucket_refill(&ch->bucket, now_us);
	if ((w = bucket_wait(&e->global, 1.0)) > worst)
		worst = w;
	if ((w = bucket_wait(&ch->bucket, chat_need(e))) > worst)
		worst = w;
	if ((w = group_wait(e, ch, now)) > worst)
		worst = w;
	if (worst > 0) {
		/* A refused send takes no tokens, limits on or off. */
		e->violations++;
		return e->limits_on ? worst : 0;
	}
	e->global.tokens -= 1.0;
	ch->bucket.tokens -= 1.0;
	if (ch->group_ts != NULL)
		ch->group_ts[ch->group_n++ % TGEMU_GROUP_RING] = now;
	return 0;
}

/* Rates changed: keep tokens, clamp them to the new capacities. */
void
emu_limits_apply(struct emu *e)
{
	size_t	 i;

	e->global.rate = e->global_rate;
	e->global.cap = e->global_rate;
	if (e->global.tokens > e->global.cap)
		e->global.tokens = e->global.cap;
	for (i = 0; i < e->chatcap; i++)
		if (e->chats[i] != NULL)
			e->chats[i]->bucket.rate = e->chat_rate;
}

void
emu_limits_reset(struct emu *e)
{
	size_t	 i;

	bucket_init(&e->global, e->global_rate, e->global_rate);
	for (i = 0; i < e->chatcap; i++) {
		if (e->chats[i] == NULL)
			continue;
		bucket_init(&e->chats[i]->bucket, e->chat_rate, 1);
		e->chats[i]->group_n = 0;
	}
}

uint64_t
emu_cb_new(struct emu *e)
{
	uint64_t	 n = e->cb_next++;
	struct cbq	*c = &e->cbs[n % TGEMU_CB_RING];

	c->n = n;
	c->created_ms = emuc_now_ms();
	c->answered = 0;
	return e->cb_base + n;
}

int
emu_cb_answer(struct emu *e, const char *id)
{
	struct cbq		*c;
	char			*end;
	unsigned long long	 v;
	uint64_t		 n;

	if (id[0] < '0' || id[0] > '9')
		return -1;
	v = strtoull(id, &end, 10);
	if (*end != '\0' || v <= e->cb_base)
		return -1;
	n = (uint64_t)v - e->cb_base;
	if (n >= e->cb_next)
		return -1;
	c = &e->cbs[n % TGEMU_CB_RING];
	if (c->n != n || c->answered ||
	    emuc_now_ms() - c->created_ms > TGEMU_CB_TTL_MS)
		return -1;
	c->answered = 1;
	return 0;
}

void
emu_state_init(struct emu *e)
{
	uint64_t	 seed;

	seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
	e->chatcap = 1024;
	e->chats = xcalloc(e->chatcap, sizeof *e->chats);
	e->cbs = xcalloc(TGEMU_CB_RING, sizeof *e->cbs);
	/* Real ids are long numeric strings; make ours look alike. */
	e->cb_base = 4000000000000000000ULL + (seed % 1000000007ULL) *
	    1000000ULL;
	e->cb_next = 1;
	e->sent = xcalloc(TGEMU_SENT_MAX, sizeof *e->sent);
	e->next_seq = 1;
	e->next_update_id = 10000 + (int64_t)(seed % 90000);
	e->fails = xcalloc(TGEMU_FAILS_MAX, sizeof *e->fails);
	e->commands = cJSON_CreateObject();
	emu_limits_reset(e);
}

void
emu_state_cleanup(struct emu *e)
{
	size_t	 i;

	while (e->uhead != NULL)
		updates_drop_head(e);
	for (i = 0; i < e->chatcap; i++)
		if (e->chats[i] != NULL)
			chat_free(e->chats[i]);
	free(e->chats);
	free(e->cbs);
	emu_sent_clear(e);
	free(e->sent);
	free(e->fails);
	cJSON_Delete(e->commands);
}
