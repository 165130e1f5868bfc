/* The channels behind one interface: look-up, capabilities, queuing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "channel.h"
#include "outbox.h"
#include "xmalloc.h"

static const struct channel_ops *const channels[] = {
	&tg_channel,
	&sms_channel,
};

const struct channel_ops *
channel_get(enum channel ch)
{
	size_t	 i;

	for (i = 0; i < sizeof channels / sizeof channels[0]; i++)
		if (channels[i]->id == ch)
			return channels[i];
	return NULL;
}

int
channel_order_of(const char *method, const char *params, char **key,
    int64_t *chat_id)
{
	size_t	 i;

	*key = NULL;
	for (i = 0; i < sizeof channels / sizeof channels[0]; i++)
		if (channels[i]->order_of != NULL && channels[i]->order_of(
		    method, params, key, chat_id) == 0)
			return 0;
	return -1;
}

int
channel_can(enum channel ch, unsigned cap)
{
	const struct channel_ops	*c = channel_get(ch);

	return c != NULL && (c->caps & cap) == cap;
}

const char *
channel_label(enum channel ch)
{
	return ch == CHANNEL_SMS ? "SMS" : "Telegram";
}

int
channel_queue(struct outbox *ob, const struct config *cfg, enum channel ch,
    const struct out *o, int64_t *id, char *why, size_t whylen)
{
	const struct channel_ops	*c = channel_get(ch);
	struct outmsg			 m;
	char				*params = NULL, *key = NULL;
	char				 rkey[64];
	int				 rc;

	if (c == NULL)
		return -1;
	memset(&m, 0, sizeof m);
	if ((rc = c->encode(cfg, o, &m, &params, &key, why, whylen)) != 0)
		goto out;
	m.channel = c->id;
	m.priority = o->prio;
	/*
	 * A reaction or removing a keyboard is a receipt, whatever lane the
	 * caller named: best effort, one pending per message.
	 */
	if (o->kind == OUT_REACTION || o->kind == OUT_DROP_BUTTONS) {
		m.priority = OUTBOX_PRIO_RECEIPT;
		snprintf(rkey, sizeof rkey, "%d:%lld:%lld", (int)o->kind,
		    (long long)o->chat_id, (long long)o->message_id);
		m.receipt_key = rkey;
	}
	m.not_before = o->not_before;
	m.cause = o->cause != NULL ? o->cause : "daemon";
	m.cause_id = o->cause_id;
	m.member_id = o->member_id;
	m.family_id = o->family_id;
	m.params = params;
	m.order_key = key;
	rc = outbox_enqueue(ob, &m, id);
out:
	/* The payload is personal: it leaves memory wiped. */
	if (params != NULL) {
		explicit_bzero(params, strlen(params));
		free(params);
	}
	free(key);
	return rc;
}

char *
channel_json_string(const char *json, size_t len, const char *name)
{
	cJSON		*p;
	const cJSON	*t;
	char		*v = NULL;

	p = cJSON_ParseWithLength(json, len);
	t = cJSON_GetObjectItemCaseSensitive(p, name);
	if (cJSON_IsString(t))
		v = xstrdup(t->valuestring);
	cJSON_Delete(p);
	return v;
}
