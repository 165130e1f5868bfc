/*
 * Telegram wire format, inbound side: Update objects into struct inbound,
 * and Bot API answers into send results. All of it is outside input: every
 * field is checked for presence, type, range, length and UTF-8.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "tg.h"
#include "utf8.h"
#include "xmalloc.h"

#define TG_ID_MAX	9007199254740991.0	/* 2^53 - 1 */

int
tg_utf8_valid(const char *s, size_t len)
{
	return tg_utf16_len(s, len) >= 0;
}

long
tg_utf16_len(const char *s, size_t len)
{
	/* A NUL would end the text early for cJSON and every C string. */
	if (memchr(s, '\0', len) != NULL)
		return -1;
	return utf8_utf16_len(s, len);
}

static int
tg_get_id(const cJSON *obj, const char *name, int64_t *out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(obj, name);
	double		 d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || fabs(d) > TG_ID_MAX)
		return -1;
	*out = (int64_t)d;
	return 0;
}

/* A string field: absent is fine (*out NULL); bad type or UTF-8 is not. */
static int
tg_get_str(const cJSON *obj, const char *name, size_t max, char **out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(obj, name);
	size_t		 len;

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return -1;
	len = strlen(v->valuestring);
	if (len > max || !tg_utf8_valid(v->valuestring, len))
		return -1;
	*out = xstrndup(v->valuestring, len);
	return 0;
}

static const struct {
	const char	*field;
	enum media_kind	 kind;
} tg_media[] = {
	{ "photo", MEDIA_PHOTO },
	{ "document", MEDIA_DOCUMENT },
	{ "voice", MEDIA_VOICE },
	{ "audio", MEDIA_AUDIO },
	{ "video", MEDIA_VIDEO },
	{ "video_note", MEDIA_VIDEO_NOTE },
	{ "animation", MEDIA_ANIMATION },
	{ "sticker", MEDIA_STICKER },
	{ "location", MEDIA_LOCATION },
	{ "contact", MEDIA_CONTACT },
};

/* Message kinds we do not relay but answer with a hint. */
static const char *const tg_other[] = {
	"poll", "game", "dice", "venue", "invoice", "story", "giveaway",
};

static int
tg_parse_from(const cJSON *from, struct inbound *in, const char **why)
{
	char	*lang = NULL;
	size_t	 i;

	if (!cJSON_IsObject(from) || tg_get_id(from, "id", &in->user_id) == -1)
		return *why = "bad from", -1;
	if (tg_get_str(from, "first_name", 256, &in->first_name) == -1)
		return *why = "bad first_name", -1;
	if (tg_get_str(from, "language_code", 35, &lang) == -1)
		return *why = "bad language_code", -1;
	if (lang != NULL) {
		for (i = 0; i < sizeof in->lang - 1 && isalpha(
		    (unsigned char)lang[i]); i++)
			in->lang[i] = (char)tolower((unsigned char)lang[i]);
		in->lang[i] = '\0';
		free(lang);
	}
	return 0;
}

static int
tg_parse_chat(const cJSON *chat, struct inbound *in, const char **why)
{
	const cJSON	*type;

	if (!cJSON_IsObject(chat) || tg_get_id(chat, "id", &in->chat_id) == -1)
		return *why = "bad chat", -1;
	type = cJSON_GetObjectItemCaseSensitive(chat, "type");
	if (!cJSON_IsString(type))
		return *why = "bad chat type", -1;
	in->chat_is_private = strcmp(type->valuestring, "private") == 0;
	return 0;
}

/* "/start@bot  args" -> command "/start", args "args". */
static int
tg_split_command(struct inbound *in)
{
	const char	*t = in->text, *end, *at;
	size_t		 n, i;

	end = t + strcspn(t, " \t\n");
	at = memchr(t, '@', (size_t)(end - t));
	n = (size_t)((at != NULL ? at : end) - t);
	if (n < 2 || n >= sizeof in->command)
		return -1;
	for (i = 0; i < n; i++)
		in->command[i] = (char)tolower((unsigned char)t[i]);
	in->command[n] = '\0';
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	in->args = xstrdup(end);
	return 0;
}

/* A message's media or other kind: 1 when it has one (in->kind set). */
static int
tg_parse_media(const cJSON *msg, struct inbound *in)
{
	size_t	 i;

	for (i = 0; i < sizeof tg_media / sizeof tg_media[0]; i++) {
		if (cJSON_GetObjectItemCaseSensitive(msg,
		    tg_media[i].field) != NULL) {
			in->media = tg_media[i].kind;
			in->kind = INBOUND_MEDIA;
			return 1;
		}
	}
	for (i = 0; i < sizeof tg_other / sizeof tg_other[0]; i++) {
		if (cJSON_GetObjectItemCaseSensitive(msg, tg_other[i]) !=
		    NULL) {
			in->kind = INBOUND_OTHER;
			return 1;
		}
	}
	return 0;
}

static int
tg_parse_content(const cJSON *msg, struct inbound *in, const char **why)
{
	if (tg_get_str(msg, "text", INBOUND_TEXT_MAX, &in->text) == -1)
		return *why = "bad or oversized text", -1;
	/*
	 * "text" is a text message's alone: a message with media carries
	 * its words as "caption", and a poll, a game or a story has none.
	 * So a text message is not looked through for seventeen fields.
	 */
	if (in->text == NULL) {
		if (tg_get_str(msg, "caption", INBOUND_TEXT_MAX,
		    &in->text) == -1)
			return *why = "bad or oversized caption", -1;
		if (tg_parse_media(msg, in))
			return 0;
		if (in->text == NULL) {
			/* Service messages (joins, pins): nothing to do. */
			in->kind = INBOUND_OTHER;
			return 0;
		}
	}
	in->kind = INBOUND_TEXT;
	if (in->text[0] == '/' && tg_split_command(in) == 0)
		in->kind = INBOUND_COMMAND;
	return 0;
}

static int
tg_parse_message(const cJSON *msg, struct inbound *in, int edited,
    const char **why)
{
	const cJSON	*reply;

	if (!cJSON_IsObject(msg))
		return *why = "message is not an object", -1;
	if (tg_get_id(msg, "message_id", &in->message_id) == -1)
		return *why = "bad message_id", -1;
	if (tg_get_id(msg, "date", &in->date) == -1)
		return *why = "bad date", -1;
	if (tg_parse_chat(cJSON_GetObjectItemCaseSensitive(msg, "chat"), in,
	    why) == -1)
		return -1;
	if (tg_parse_from(cJSON_GetObjectItemCaseSensitive(msg, "from"), in,
	    why) == -1)
		return -1;
	reply = cJSON_GetObjectItemCaseSensitive(msg, "reply_to_message");
	if (reply != NULL && (!cJSON_IsObject(reply) ||
	    tg_get_id(reply, "message_id", &in->reply_to) == -1))
		return *why = "bad reply_to_message", -1;
	if (tg_parse_content(msg, in, why) == -1)
		return -1;
	if (edited)
		in->kind = INBOUND_EDIT;
	return 0;
}

static int
tg_parse_callback(const cJSON *cq, struct inbound *in, const char **why)
{
	const cJSON	*msg;

	if (!cJSON_IsObject(cq))
		return *why = "callback_query is not an object", -1;
	in->kind = INBOUND_CALLBACK;
	if (tg_get_str(cq, "id", 128, &in->callback_id) == -1 ||
	    in->callback_id == NULL)
		return *why = "bad callback id", -1;
	if (tg_get_str(cq, "data", 64, &in->callback_data) == -1)
		return *why = "bad callback data", -1;
	if (tg_parse_from(cJSON_GetObjectItemCaseSensitive(cq, "from"), in,
	    why) == -1)
		return -1;
	in->chat_id = in->user_id;
	in->chat_is_private = 1;
	msg = cJSON_GetObjectItemCaseSensitive(cq, "message");
	if (cJSON_IsObject(msg)) {
		if (tg_get_id(msg, "message_id", &in->message_id) == -1)
			return *why = "bad callback message", -1;
		if (tg_parse_chat(cJSON_GetObjectItemCaseSensitive(msg,
		    "chat"), in, why) == -1)
			return -1;
	}
	return 0;
}

static int
tg_parse_member(const cJSON *cm, struct inbound *in, const char **why)
{
	const cJSON	*ncm, *status;

	if (!cJSON_IsObject(cm))
		return *why = "my_chat_member is not an object", -1;
	in->kind = INBOUND_MEMBER;
	if (tg_parse_chat(cJSON_GetObjectItemCaseSensitive(cm, "chat"), in,
	    why) == -1 ||
	    tg_parse_from(cJSON_GetObjectItemCaseSensitive(cm, "from"), in,
	    why) == -1)
		return -1;
	ncm = cJSON_GetObjectItemCaseSensitive(cm, "new_chat_member");
	status = cJSON_GetObjectItemCaseSensitive(ncm, "status");
	if (!cJSON_IsString(status))
		return *why = "bad new_chat_member", -1;
	in->blocked = strcmp(status->valuestring, "kicked") == 0;
	return 0;
}

/*
 * cJSON turns \u0000 into a NUL byte that ends the C string, which would
 * silently cut the text there. Such updates are refused instead.
 */
static int
tg_has_escaped_nul(const char *json, size_t len)
{
	size_t	 i;

	for (i = 0; i + 5 < len; i++) {
		if (json[i] != '\\')
			continue;
		if (json[i + 1] == 'u' && strncmp(json + i + 2, "0000", 4) == 0)
			return 1;
		i++;	/* skip the escaped character */
	}
	return 0;
}

/*
 * The update already parsed as `root` (NULL: not JSON), from the text
 * `json` (NULL: a text whose NUL escapes were replaced before parsing).
 */
int
tg_parse_tree(const cJSON *root, const char *json, size_t len,
    struct inbound *in, char *why, size_t whylen)
{
	const cJSON	*item;
	const char	*reason = NULL;
	int		 rc = -1;

	memset(in, 0, sizeof *in);
	in->channel = CHANNEL_TELEGRAM;
	if (root == NULL) {
		reason = "not JSON";
		goto out;
	}
	if (json != NULL && tg_has_escaped_nul(json, len)) {
		reason = "NUL character in a string";
		/* Keep the id for the log line. */
		(void)tg_get_id(root, "update_id", &in->ext_id);
		goto out;
	}
	if (!cJSON_IsObject(root) || tg_get_id(root, "update_id",
	    &in->ext_id) == -1) {
		reason = "bad update_id";
		goto out;
	}
	if ((item = cJSON_GetObjectItemCaseSensitive(root, "message")) != NULL)
		rc = tg_parse_message(item, in, 0, &reason);
	else if ((item = cJSON_GetObjectItemCaseSensitive(root,
	    "edited_message")) != NULL)
		rc = tg_parse_message(item, in, 1, &reason);
	else if ((item = cJSON_GetObjectItemCaseSensitive(root,
	    "callback_query")) != NULL)
		rc = tg_parse_callback(item, in, &reason);
	else if ((item = cJSON_GetObjectItemCaseSensitive(root,
	    "my_chat_member")) != NULL)
		rc = tg_parse_member(item, in, &reason);
	else
		reason = "unsupported update kind";
out:
	if (rc == -1) {
		int64_t	 ext = in->ext_id;

		inbound_clear(in);
		in->ext_id = ext;
		snprintf(why, whylen, "%s", reason != NULL ? reason : "?");
	}
	return rc;
}

int
tg_parse_update(const char *json, size_t len, struct inbound *in, char *why,
    size_t whylen)
{
	cJSON	*root;
	int	 rc;

	root = cJSON_ParseWithLength(json, len);
	rc = tg_parse_tree(root, json, len, in, why, whylen);
	cJSON_Delete(root);
	return rc;
}

static int
tg_has_prefix(const char *s, const char *prefix)
{
	return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static enum send_status
tg_status_of(long code, const char *desc)
{
	if (code == 429)
		return SEND_RATE_LIMITED;
	if (code == 403)
		return SEND_UNREACHABLE;
	/* A refused token must not fail messages: wait for the operator. */
	if (code == 401 || code == 404)
		return SEND_AUTH;
	if (code == 400 && tg_has_prefix(desc,
	    "Bad Request: message is not modified"))
		return SEND_OK;
	if (code == 0 || code == 409 || code >= 500)
		return SEND_RETRY;
	return SEND_PERMANENT;
}

/*
 * A sent message's answer as the Bot API writes it, "ok" and the new
 * message's id first: its id without parsing the message it repeats (the
 * larger part of the work of a send). -1 when the answer does not start
 * so, for the parser to read.
 */
static int
tg_sent_id(const char *body, size_t len, int64_t *id)
{
	static const char	 head[] = "{\"ok\":true,\"result\":"
				    "{\"message_id\":";
	size_t			 i = sizeof head - 1, start = i;
	int64_t			 v = 0;

	if (len <= i || memcmp(body, head, i) != 0)
		return -1;
	for (; i < len && i - start < 16 && body[i] >= '0' && body[i] <= '9';
	    i++)
		v = v * 10 + (body[i] - '0');
	if (i == start || i == len || (body[i] != ',' && body[i] != '}') ||
	    (body[start] == '0' && i - start > 1) || v > TG_ID_MAX)
		return -1;
	*id = v;
	return 0;
}

void
tg_classify(long http_status, const char *body, size_t len,
    long retry_after_header, struct send_result *res)
{
	const cJSON	*ok, *code, *desc, *params, *ra, *result;
	cJSON		*root;

	memset(res, 0, sizeof *res);
	res->code = (int)http_status;
	if (http_status == 200 && tg_sent_id(body, len, &res->message_id) ==
	    0) {
		res->status = SEND_OK;
		return;
	}
	root = cJSON_ParseWithLength(body, len);
	ok = cJSON_GetObjectItemCaseSensitive(root, "ok");
	if (http_status == 200 && cJSON_IsTrue(ok)) {
		result = cJSON_GetObjectItemCaseSensitive(root, "result");
		/* Sent all the same; an id past 2^53 would not be exact. */
		if (tg_get_id(result, "message_id", &res->message_id) == -1)
			res->message_id = 0;
		res->status = SEND_OK;
		goto out;
	}
	code = cJSON_GetObjectItemCaseSensitive(root, "error_code");
	if (cJSON_IsNumber(code) && code->valueint > 0)
		res->code = code->valueint;
	desc = cJSON_GetObjectItemCaseSensitive(root, "description");
	if (cJSON_IsString(desc) && tg_utf8_valid(desc->valuestring,
	    strlen(desc->valuestring)))
		snprintf(res->error, sizeof res->error, "%s",
		    desc->valuestring);
	else if (http_status == 200)
		snprintf(res->error, sizeof res->error, "unreadable answer");
	else
		snprintf(res->error, sizeof res->error, "HTTP %ld",
		    http_status);
	if (http_status == 200 && root == NULL) {
		/* Telegram took it; only the answer is garbled. */
		res->status = SEND_OK;
		goto out;
	}
	res->status = tg_status_of(res->code, res->error);
	params = cJSON_GetObjectItemCaseSensitive(root, "parameters");
	ra = cJSON_GetObjectItemCaseSensitive(params, "retry_after");
	if (cJSON_IsNumber(ra) && ra->valuedouble >= 1 &&
	    ra->valuedouble <= 86400)
		res->retry_after = (long)ra->valuedouble;
	else if (retry_after_header > 0 && retry_after_header <= 86400)
		res->retry_after = retry_after_header;
	else if (res->status == SEND_RATE_LIMITED)
		res->retry_after = 1;
out:
	cJSON_Delete(root);
}
