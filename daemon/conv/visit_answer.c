/* A family's answer to a visit reminder: noted, thanked, told to staff. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "conv.h"
#include "ftext.h"
#include "handler.h"
#include "log.h"
#include "relay.h"
#include "reply.h"
#include "visit_answer.h"
#include "visits.h"
#include "xmalloc.h"

static const struct {
	const char		*word;
	enum visit_answer	 a;
} visit_answer_words[] = {
	{ "1", VISIT_CONFIRMED }, { "tak", VISIT_CONFIRMED },
	{ "yes", VISIT_CONFIRMED }, { "ТАК", VISIT_CONFIRMED },
	{ "Так", VISIT_CONFIRMED }, { "так", VISIT_CONFIRMED },
	{ "ДА", VISIT_CONFIRMED }, { "Да", VISIT_CONFIRMED },
	{ "да", VISIT_CONFIRMED },
	{ "2", VISIT_CANNOT_COME }, { "nie", VISIT_CANNOT_COME },
	{ "no", VISIT_CANNOT_COME }, { "НІ", VISIT_CANNOT_COME },
	{ "Ні", VISIT_CANNOT_COME }, { "ні", VISIT_CANNOT_COME },
	{ "НЕТ", VISIT_CANNOT_COME }, { "Нет", VISIT_CANNOT_COME },
	{ "нет", VISIT_CANNOT_COME },
};

enum visit_answer
visit_answer_parse(const char *text)
{
	char	 w[16];
	size_t	 len, i, k;

	if (text == NULL)
		return VISIT_NO_ANSWER;
	while (*text == ' ' || *text == '\t' || *text == '\n')
		text++;
	len = strlen(text);
	while (len > 0 && strchr(" \t\r\n.!", text[len - 1]) != NULL)
		len--;
	if (len == 0 || len >= sizeof w)
		return VISIT_NO_ANSWER;
	/* Latin letters fold here; Cyrillic ones are listed as written. */
	for (i = 0; i < len; i++)
		w[i] = (unsigned char)text[i] < 0x80 ?
		    (char)tolower((unsigned char)text[i]) : text[i];
	w[len] = '\0';
	for (k = 0; k < sizeof visit_answer_words /
	    sizeof visit_answer_words[0]; k++)
		if (strcmp(w, visit_answer_words[k].word) == 0)
			return visit_answer_words[k].a;
	return VISIT_NO_ANSWER;
}

int
visit_answer_pending(struct hctx *ctx, int64_t *id)
{
	struct reminder	 r;
	struct visit	 v;
	int		 rc;

	*id = 0;
	if (ctx->visits == NULL || ctx->member_id == 0)
		return 0;
	rc = visits_reminder_last(ctx->visits, ctx->member_id,
	    clock_now_ms() - VISIT_ANSWER_SMS_WINDOW_MS, &r);
	if (rc == VISITS_NOT_FOUND)
		return 0;
	if (rc != VISITS_OK)
		return -1;
	if ((rc = visits_get(ctx->visits, r.visit_id, &v)) != VISITS_OK)
		return rc == VISITS_NOT_FOUND ? 0 : -1;
	if (v.state == VISIT_PLANNED && v.at > clock_now_ms())
		*id = r.id;
	visit_clear(&v);
	return 0;
}

/* "R-0042 · Olena: cannot come to ..." to whoever reads the family. */
static int
visit_answer_tell(struct hctx *ctx, const struct visit *v,
    enum visit_answer a)
{
	static const char *const msg[] = {
		[VISIT_CONFIRMED] = N_("%1$s · %2$s: confirms the visit %3$s"),
		[VISIT_CANNOT_COME] = N_("%1$s · %2$s: cannot come to the "
		    "visit %3$s"),
		[VISIT_ANOTHER_TIME] = N_("%1$s · %2$s: asks for another time "
		    "instead of the visit %3$s; their proposal follows."),
	};
	struct relay_opts	 o = { .prio = OUTBOX_PRIO_CONVERSATION,
				    .cause = CONV_CAUSE_STATUS };
	struct conv_family	 f;
	struct conv_readers	 rd;
	const char		*args[3];
	char			 first[64] = "", *when, *text;
	size_t			 i;
	int			 found, rc;

	if (conv_family(ctx->conv, v->family_id, &f, &found) == -1)
		return -1;
	if (!found)
		return 0;
	memset(&rd, 0, sizeof rd);
	if (conv_readers(ctx->conv, &f, &rd) == -1 ||
	    conv_member_first_name(ctx->conv, ctx->member_id, first,
	    sizeof first) == -1)
		return -1;
	for (i = 0; i < rd.n; i++) {
		when = ftext_when(ctx->i18n, rd.r[i].lang,
		    (time_t)(v->at / 1000), 0);
		args[0] = f.code;
		args[1] = first[0] != '\0' ? first : "?";
		args[2] = when != NULL ? when : "";
		text = text_expand(i18n_get(ctx->i18n, rd.r[i].lang,
		    msg[a]), args, 3);
		free(when);
		rc = relay_send_text(ctx->ob, ctx->cfg, rd.r[i].chat_id, text,
		    &o);
		free(text);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* The family's side: a pop-up on the button, the keyboard gone, a text. */
static int
visit_answer_say(struct hctx *ctx, const char *msgid)
{
	const char	*text = i18n_get(ctx->i18n, ctx->lang, msgid);

	if (reply_callback_answer(ctx, text) == -1 ||
	    reply_drop_keyboard(ctx) == -1)
		return -1;
	return reply_text(ctx, text);
}

int
visit_answer_apply(struct hctx *ctx, int64_t id, enum visit_answer a)
{
	struct reminder	 r;
	struct visit	 v;
	int64_t		 now = clock_now_ms();
	const char	*thanks;
	int		 rc;

	memset(&v, 0, sizeof v);
	rc = visits_reminder_get(ctx->visits, id, &r);
	if (rc == VISITS_ERROR)
		return -1;
	if (rc == VISITS_OK && (rc = visits_get(ctx->visits, r.visit_id,
	    &v)) == VISITS_ERROR)
		return -1;
	/*
	 * Another family's reminder reads as none at all; one sent before
	 * the visit was moved is about a time no longer planned.
	 */
	if (rc != VISITS_OK || v.family_id != ctx->family_id ||
	    r.state != REMINDER_SENT || v.state != VISIT_PLANNED ||
	    v.at <= now || r.sent_at < v.updated_at) {
		visit_clear(&v);
		log_info("event=visit.answer_refused reminder_id=%" PRId64
		    " reason=not_planned", id);
		return visit_answer_say(ctx,
		    N_("This visit is no longer planned."));
	}
	if (r.answered_at != 0) {
		visit_clear(&v);
		log_info("event=visit.answer_refused reminder_id=%" PRId64
		    " reason=answered", id);
		return visit_answer_say(ctx,
		    N_("Your answer to this reminder is already noted."));
	}
	if (visits_set_answer(ctx->visits, v.id, a, NULL, now) ==
	    VISITS_ERROR || visits_reminder_answered(ctx->visits, id, now) ==
	    VISITS_ERROR || visit_answer_tell(ctx, &v, a) == -1) {
		visit_clear(&v);
		return -1;
	}
	log_info("event=visit.answered visit_id=%" PRId64 " reminder_id=%"
	    PRId64 " answer=%s", v.id, id, visits_answer_name(a));
	visit_clear(&v);
	thanks = a == VISIT_CONFIRMED ?
	    N_("Thank you, we have noted that you will come.") :
	    a == VISIT_CANNOT_COME ?
	    N_("Thank you for letting us know. Your assistant will get in "
	    "touch with you.") :
	    N_("Please write which day and time would suit you.");
	return visit_answer_say(ctx, thanks);
}

int
visit_answer_note_time(struct hctx *ctx, const char *text)
{
	int64_t	 now = clock_now_ms(), id;
	int	 rc;

	if (text == NULL || *text == '\0' || ctx->family_id == 0)
		return 0;
	rc = visits_another_time_waiting(ctx->visits, ctx->family_id,
	    now - VISIT_ANSWER_TIME_WAIT_MS, now, &id);
	if (rc == VISITS_NOT_FOUND)
		return 0;
	if (rc != VISITS_OK || visits_set_another_time(ctx->visits, id,
	    text) == VISITS_ERROR)
		return -1;
	log_info("event=visit.another_time visit_id=%" PRId64, id);
	return 0;
}
