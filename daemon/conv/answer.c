/* Staff answers to a family: permission, target, record, split, queue. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "channel.h"
#include "clock.h"
#include "config.h"
#include "conv.h"
#include "handler.h"
#include "i18n.h"
#include "log.h"
#include "relay.h"
#include "reply.h"
#include "sms.h"
#include "sms_text.h"
#include "store.h"
#include "tg.h"

static const char *const answer_kinds[] = {
	[MEDIA_NONE] = "text",
	[MEDIA_PHOTO] = "photo",
	[MEDIA_DOCUMENT] = "document",
	[MEDIA_VOICE] = "voice",
	[MEDIA_AUDIO] = "audio",
	[MEDIA_VIDEO] = "video",
	[MEDIA_VIDEO_NOTE] = "video_note",
	[MEDIA_ANIMATION] = "animation",
	[MEDIA_STICKER] = "sticker",
	[MEDIA_LOCATION] = "location",
	[MEDIA_CONTACT] = "contact",
};

const char *
answer_kind_name(int media)
{
	if (media < 0 || (size_t)media >= sizeof answer_kinds /
	    sizeof answer_kinds[0])
		return "text";
	return answer_kinds[media];
}

static int
answer_say(struct hctx *ctx, const char *msgid, const char *code)
{
	const char	*args[] = { code };

	return reply_tr(ctx, msgid, args, 1);
}

int
answer_refuse(struct hctx *ctx, int64_t family_id, int *told)
{
	struct conv_family	 f;
	enum conv_may		 may;
	int			 found;

	*told = 1;
	if (conv_family(ctx->conv, family_id, &f, &found) == -1)
		return -1;
	if (!found)
		return answer_say(ctx, N_("This family is no longer in the "
		    "register; nothing was sent."), "");
	if (conv_may_write(ctx->conv, ctx->staff_id, &f, &may) == -1)
		return -1;
	if (may != CONV_MAY) {
		log_info("event=conv.refused staff_id=%" PRId64 " family_id=%"
		    PRId64, ctx->staff_id, family_id);
		return answer_say(ctx, N_("%s is not one of your families. "
		    "Only its assistant, its substitute or a coordinator can "
		    "write to it."), f.code);
	}
	*told = 0;
	return 0;
}

/* Why the family cannot get it; 1 when staff were told. */
static int
answer_unreachable(struct hctx *ctx, const struct conv_family *f,
    const struct conv_target *t, int *told)
{
	*told = 1;
	if (t->chat_id == 0)
		return answer_say(ctx, N_("%s has not linked Telegram yet, so "
		    "nothing was sent."), f->code);
	if (!t->consented)
		return answer_say(ctx, N_("%s has not finished setting up yet "
		    "(language and consent), so nothing was sent."), f->code);
	*told = 0;
	return 0;
}

/* A text in numbered parts; the last part carries the delivery report. */
static int
answer_queue_text(struct hctx *ctx, const struct conv_target *t,
    const char *text, int64_t msg_id, int64_t reply_to, int important)
{
	struct relay_opts	 o = { .prio = OUTBOX_PRIO_CONVERSATION };
	char			**parts = NULL;
	size_t			 n = 0, i;
	int			 rc = -1;

	if (relay_split(text, TG_TEXT_MAX, &parts, &n) == -1 || n == 0) {
		log_warn("event=conv.unsplittable message_id=%" PRId64,
		    msg_id);
		rc = 0;
		goto out;
	}
	o.cause_id = msg_id;
	o.member_id = t->member_id;
	for (i = 0; i < n; i++) {
		o.cause = i + 1 < n ? CONV_CAUSE_PART : important ?
		    CONV_CAUSE_IMPORTANT : CONV_CAUSE_ANSWER;
		o.reply_to = i == 0 ? reply_to : 0;
		if (relay_send_text(ctx->ob, ctx->cfg, t->chat_id, parts[i],
		    &o) == -1)
			goto out;
	}
	rc = 0;
out:
	relay_parts_free(parts, n);
	return rc;
}

static int
answer_queue(struct hctx *ctx, const struct answer_to *a,
    const struct conv_target *t, int64_t msg_id)
{
	const struct inbound	*in = ctx->in;
	struct relay_opts	 o = { .prio = OUTBOX_PRIO_CONVERSATION,
				    .cause = CONV_CAUSE_ANSWER };

	if (a->text != NULL || in->kind == INBOUND_TEXT)
		return answer_queue_text(ctx, t, a->text != NULL ? a->text :
		    in->text, msg_id, a->reply_to, a->important);
	o.cause_id = msg_id;
	o.member_id = t->member_id;
	o.reply_to = a->reply_to;
	/* No download: Telegram copies the file by reference. */
	return relay_send_copy(ctx->ob, ctx->cfg, t->chat_id, in->chat_id,
	    in->message_id, NULL, &o);
}

/* Why an SMS family cannot get this answer; 1 when staff were told. */
static int
answer_sms_refuse(struct hctx *ctx, const struct conv_family *f,
    const struct conv_sms_target *t, const char *text, int *told)
{
	struct sms_count	 cnt;
	char			 parts[24], cap[24];
	const char		*args[3] = { f->code, parts, cap };

	*told = 1;
	if (text == NULL)
		return answer_say(ctx, N_("%s can only be reached by SMS, and "
		    "only text goes by SMS; nothing was sent."), f->code);
	if (t->member_id == 0)
		return answer_say(ctx, N_("%s has no phone number in the "
		    "register, so nothing was sent."), f->code);
	if (!t->consented)
		return answer_say(ctx, N_("No SMS consent is recorded for %s "
		    "yet (asystentctl member consent), so nothing was sent."),
		    f->code);
	if (sms_text_count(text, strlen(text),
	    (unsigned int)ctx->cfg->sms_max_parts, &cnt) != SMS_TEXT_OK)
		return answer_say(ctx, N_("This text cannot go by SMS to %s; "
		    "nothing was sent."), f->code);
	if (cnt.over_cap) {
		snprintf(parts, sizeof parts, "%zu", cnt.parts);
		snprintf(cap, sizeof cap, "%d", ctx->cfg->sms_max_parts);
		return reply_tr(ctx, N_("Not sent to %s: too long for SMS: %s "
		    "parts, limit %s. Please shorten it."), args, 3);
	}
	*told = 0;
	return 0;
}

/*
 * An answer to a family that only has SMS: text only, within the part
 * cap; staff are told what a long one costs.
 */
static int
answer_send_sms(struct hctx *ctx, const struct answer_to *a,
    const struct conv_family *f)
{
	struct conv_sms_target	 t;
	struct conv_msg		 m;
	struct out		 o;
	struct sms_count	 cnt;
	const char		*text = a->text;
	char			 why[128], parts[24];
	const char		*args[2] = { f->code, parts };
	int64_t			 msg_id;
	int			 told;

	if (text == NULL && ctx->in->kind == INBOUND_TEXT)
		text = ctx->in->text;
	if (conv_sms_target(ctx->conv, f->id, a->member_id, &t) == -1 ||
	    answer_sms_refuse(ctx, f, &t, text, &told) == -1)
		return -1;
	if (told)
		return 0;
	memset(&m, 0, sizeof m);
	m.family_id = f->id;
	m.member_id = t.member_id;
	m.staff_id = ctx->staff_id;
	m.dir = CONV_TO_FAMILY;
	m.kind = "text";
	m.channel = CHANNEL_SMS;
	m.body = text;
	m.src_message_id = ctx->in->message_id;
	m.state = CONV_QUEUED;
	if (conv_record(ctx->conv, &m, &msg_id) == -1)
		return -1;
	memset(&o, 0, sizeof o);
	o.kind = OUT_TEXT;
	o.phone = t.phone;
	o.text = text;
	o.prio = OUTBOX_PRIO_CONVERSATION;
	o.cause = CONV_CAUSE_ANSWER;
	o.cause_id = msg_id;
	o.member_id = t.member_id;
	if (channel_queue(ctx->ob, ctx->cfg, CHANNEL_SMS, &o, NULL,
	    why, sizeof why) != 0)
		return -1;	/* counted above: only storage fails here */
	if (conv_mark_read(ctx->conv, f->id, clock_now_ms()) == -1 ||
	    sms_text_count(text, strlen(text), 0, &cnt) != SMS_TEXT_OK)
		return -1;
	log_info("event=conv.answer message_id=%" PRId64 " family_id=%" PRId64
	    " staff_id=%" PRId64 " channel=sms parts=%zu", msg_id, f->id,
	    ctx->staff_id, cnt.parts);
	if (cnt.parts < 2)
		return 0;
	snprintf(parts, sizeof parts, "%zu", cnt.parts);
	return reply_tr(ctx, N_("Sent to %s by SMS in %s parts."), args, 2);
}

int
answer_send(struct hctx *ctx, const struct answer_to *a)
{
	struct conv		*c = ctx->conv;
	struct conv_family	 f;
	struct conv_target	 t;
	struct conv_msg		 m;
	int64_t			 msg_id;
	int			 found, told;

	if (answer_refuse(ctx, a->family_id, &told) == -1)
		return -1;
	if (told)
		return 0;
	if (conv_family(c, a->family_id, &f, &found) == -1)
		return -1;
	if (found && strcmp(f.channel, "sms") == 0)
		return answer_send_sms(ctx, a, &f);
	if (conv_target(c, a->family_id, a->member_id, &t) == -1)
		return -1;
	/* /sms to someone without Telegram: straight to their phone. */
	if (a->important && (t.chat_id == 0 || !t.consented))
		return answer_send_sms(ctx, a, &f);
	if (answer_unreachable(ctx, &f, &t, &told) == -1)
		return -1;
	if (told)
		return 0;
	memset(&m, 0, sizeof m);
	m.family_id = f.id;
	m.member_id = t.member_id;
	m.staff_id = ctx->staff_id;
	m.dir = CONV_TO_FAMILY;
	m.kind = a->text != NULL ? "text" : answer_kind_name(ctx->in->media);
	m.channel = CHANNEL_TELEGRAM;
	m.body = a->text != NULL ? a->text : ctx->in->text;
	m.src_message_id = ctx->in->message_id;
	m.state = CONV_QUEUED;
	if (conv_record(c, &m, &msg_id) == -1 ||
	    answer_queue(ctx, a, &t, msg_id) == -1 ||
	    conv_mark_read(c, f.id, clock_now_ms()) == -1)
		return -1;
	log_info("event=conv.answer message_id=%" PRId64 " family_id=%" PRId64
	    " staff_id=%" PRId64, msg_id, f.id, ctx->staff_id);
	return 0;
}
