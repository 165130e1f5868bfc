/*
 * The SMS channel's side of struct out: a text to a phone number as the
 * outbox row the gateways' drivers send ({"to","text"}), with its cost
 * known before it is queued: over sms.max_parts it is refused with the
 * reason. SMS carries text only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "channel.h"
#include "config.h"
#include "json.h"
#include "sms.h"
#include "sms_text.h"
#include "xmalloc.h"

/*
 * The text as sms_text_count() counted it: a letter and a combining mark
 * composed (NFC for the marks SMS knows). A gateway given the decomposed
 * text would bill it as UCS-2, many more parts. A new string, or NULL.
 */
static char *
sms_out_composed(const char *text)
{
	struct sms_split	*s = NULL;
	char			*out;
	size_t			 i, len = 0, at = 0;

	if (sms_text_split(text, strlen(text), SMS_PARTS_MAX, 0, &s) !=
	    SMS_TEXT_OK)
		return NULL;
	for (i = 0; i < s->nparts; i++)
		len += s->parts[i].len;
	out = xmalloc(len + 1);
	for (i = 0; i < s->nparts; i++) {
		memcpy(out + at, s->parts[i].text, s->parts[i].len);
		at += s->parts[i].len;
	}
	out[at] = '\0';
	sms_text_split_free(s);
	return out;
}

static int
sms_encode(const struct config *cfg, const struct out *o, struct outmsg *m,
    char **params, char **key, char *why, size_t whylen)
{
	struct sms_count	 c;
	enum sms_text_result	 r;
	cJSON			*p;
	char			*text;

	if (o->kind != OUT_TEXT || o->text == NULL) {
		snprintf(why, whylen, "SMS carries text only");
		return CHANNEL_REFUSED;
	}
	if (o->phone == NULL || *o->phone == '\0') {
		snprintf(why, whylen, "no phone number");
		return CHANNEL_REFUSED;
	}
	/* The cost must be told before anything goes out. */
	r = sms_text_count(o->text, strlen(o->text),
	    (unsigned int)cfg->sms_max_parts, &c);
	if (r != SMS_TEXT_OK || c.over_cap) {
		sms_text_describe(r, &c, why, whylen);
		return CHANNEL_REFUSED;
	}
	/* What was counted (composed) is what every gateway sends. */
	if ((text = sms_out_composed(o->text)) == NULL)
		return -1;
	if ((p = cJSON_CreateObject()) == NULL) {
		free(text);
		return -1;
	}
	if (cJSON_AddStringToObject(p, "to", o->phone) == NULL ||
	    cJSON_AddStringToObject(p, "text", text) == NULL ||
	    (*params = json_print(p)) == NULL) {
		cJSON_Delete(p);
		explicit_bzero(text, strlen(text));
		free(text);
		return -1;
	}
	cJSON_Delete(p);
	explicit_bzero(text, strlen(text));
	free(text);
	/* One phone's messages keep their order, like one chat's. */
	*key = xasprintf("sms:%s", o->phone);
	m->method = "sms";
	return 0;
}

static char *
sms_text_of(const char *params, size_t len)
{
	return channel_json_string(params, len, "text");
}

static int
sms_channel_start(void *ctx, char *err, size_t errlen)
{
	return sms_start(ctx, err, errlen);
}

static void
sms_channel_stop(void *ctx)
{
	sms_stop(ctx);
}

static int
sms_channel_busy(const void *ctx)
{
	return sms_busy(ctx);
}

static int
sms_channel_enabled(const void *ctx)
{
	return sms_enabled(ctx);
}

/* One phone's messages keep their order (sms_encode()). */
static int
sms_order_of(const char *method, const char *params, char **key,
    int64_t *chat_id)
{
	cJSON		*p;
	const cJSON	*v;
	int		 rc = -1;

	(void)chat_id;
	if (strcmp(method, "sms") != 0 || (p = cJSON_Parse(params)) == NULL)
		return -1;
	if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(p, "to"))) {
		*key = xasprintf("sms:%s", v->valuestring);
		rc = 0;
	}
	cJSON_Delete(p);
	return rc;
}

const struct channel_ops sms_channel = {
	.name = "sms",
	.id = CHANNEL_SMS,
	.caps = CHANNEL_COUNTS_PARTS,
	.parse = sms_parse_inbound,
	.encode = sms_encode,
	.text_of = sms_text_of,
	.order_of = sms_order_of,
	.start = sms_channel_start,
	.stop = sms_channel_stop,
	.busy = sms_channel_busy,
	.enabled = sms_channel_enabled,
	.send = sms_send,
};
