/*
 * POST /v1/members/{id}/notify: queues one announcement or reminder to a
 * family member's Telegram chat, as a broadcast- or reminder-priority
 * outbox row naming the member, so that the dispatcher holds it back when
 * the family said /stop. The caller writes the text; the answer says which
 * language the member reads, for callers that keep texts per language.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_priv.h"
#include "app.h"
#include "channel.h"
#include "dispatch.h"
#include "outbox.h"
#include "people.h"
#include "utf8.h"
#include "validate.h"

#define NOTIFY_TEXT_MAX	4096	/* UTF-16 units, as Telegram counts */

/* {"text": "...", "priority": "broadcast" | "reminder"}, nothing else. */
static int
notify_body(struct areq *r, const char **text, enum outbox_priority *prio)
{
	const cJSON	*it;
	const char	*why;

	*text = NULL;
	*prio = OUTBOX_PRIO_BROADCAST;
	for (it = r->body->child; it != NULL; it = it->next) {
		if (strcmp(it->string, "text") == 0 && cJSON_IsString(it))
			*text = it->valuestring;
		else if (strcmp(it->string, "priority") == 0 &&
		    cJSON_IsString(it) && strcmp(it->valuestring,
		    "broadcast") == 0)
			*prio = OUTBOX_PRIO_BROADCAST;
		else if (strcmp(it->string, "priority") == 0 &&
		    cJSON_IsString(it) && strcmp(it->valuestring,
		    "reminder") == 0)
			*prio = OUTBOX_PRIO_REMINDER;
		else
			return admin_error(r, 400, "bad_request", "unknown or "
			    "bad field \"%.40s\"", it->string);
	}
	if (*text == NULL)
		return admin_error(r, 400, "bad_request",
		    "missing field \"text\"");
	if (validate_text(*text, 1, NOTIFY_TEXT_MAX, 1, &why) == -1)
		return admin_error(r, 422, "invalid", "text: %s", why);
	/* An emoji is one character and two units: count what Telegram does. */
	if (utf8_utf16_len(*text, strlen(*text)) > NOTIFY_TEXT_MAX)
		return admin_error(r, 422, "invalid", "text: longer than %d "
		    "UTF-16 units", NOTIFY_TEXT_MAX);
	return 0;
}

/* The text to the member's chat; *id is the new outbox row. */
static int
notify_enqueue(struct areq *r, int64_t member_id, int64_t chat_id,
    const char *text, enum outbox_priority prio, int64_t *id)
{
	struct out	 m;
	char		 why[128];
	int		 rc;

	memset(&m, 0, sizeof m);
	m.kind = OUT_TEXT;
	m.chat_id = chat_id;
	m.text = text;
	m.prio = prio;
	m.cause = "admin";
	m.member_id = member_id;
	rc = channel_queue(r->app->ob, r->app->cfg, CHANNEL_TELEGRAM, &m, id,
	    why, sizeof why);
	return rc == CHANNEL_REFUSED ? -1 : rc;
}

int
admin_member_notify(struct areq *r)
{
	enum outbox_priority	 prio;
	const char		*text;
	char			*end, lang[4];
	long long		 v;
	int64_t			 id, chat_id, row;
	int			 st, rc;

	v = strtoll(r->arg[0], &end, 10);
	if (*r->arg[0] == '\0' || *end != '\0' || v <= 0)
		return admin_error(r, 404, "not_found", "member not found");
	id = v;
	if ((st = admin_member_access(r, id)) != 0 ||
	    (st = notify_body(r, &text, &prio)) != 0)
		return st;
	rc = people_member_reach(r->app->people, id, &chat_id, lang);
	if (rc == PEOPLE_NOT_FOUND)
		return admin_error(r, 404, "not_found", "member not found");
	if (rc != PEOPLE_OK)
		return admin_error(r, 500, "internal", "storage error");
	if (chat_id == 0)
		return admin_error(r, 409, "conflict", "the member has not "
		    "linked Telegram");
	if (notify_enqueue(r, id, chat_id, text, prio, &row) == -1)
		return admin_error(r, 500, "internal", "storage error");
	if ((st = admin_audit(r, "member.notify", "member", id)) != 0)
		return st;
	/* Runs on the next loop turn, after this transaction commits. */
	dispatch_kick(r->app->disp);
	r->out = cJSON_CreateObject();
	cJSON_AddNumberToObject(r->out, "outbox_id", (double)row);
	cJSON_AddStringToObject(r->out, "language", lang);
	cJSON_AddStringToObject(r->out, "priority",
	    prio == OUTBOX_PRIO_REMINDER ? "reminder" : "broadcast");
	return 201;
}
