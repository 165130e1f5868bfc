/*
 * A family's message to whoever reads it (their assistant, else the
 * substitute, else the coordinators): texts with a header line, media by
 * copyMessage from the family's chat, edits as a follow-up. Every message
 * is a messages row; a flooding family is paced, never dropped.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "channel.h"
#include "clock.h"
#include "config.h"
#include "conv.h"
#include "handler.h"
#include "log.h"
#include "onboard.h"
#include "outofhours.h"
#include "relay.h"
#include "reply.h"
#include "tg.h"
#include "visit_answer.h"
#include "xmalloc.h"

#define RELAY_CAPTION_MAX	1024	/* UTF-16 units */
#define RELAY_DAY_MS		(24 * 3600 * 1000LL)
/* Room for " (12/12)" after the header of each part. */
#define RELAY_PART_ROOM		12

/* One message on its way to the readers. */
struct relay_job {
	struct hctx		*ctx;
	const struct conv_family *f;
	const char		*header;
	int64_t			 msg_id;
	int64_t			 not_before;
};

static int
relay_has_caption(enum media_kind m)
{
	return m == MEDIA_PHOTO || m == MEDIA_DOCUMENT || m == MEDIA_VOICE ||
	    m == MEDIA_AUDIO || m == MEDIA_VIDEO || m == MEDIA_ANIMATION;
}

static void
relay_opts_of(const struct relay_job *j, struct relay_opts *o)
{
	memset(o, 0, sizeof *o);
	o->prio = OUTBOX_PRIO_CONVERSATION;
	o->cause = CONV_CAUSE_RELAY;
	o->cause_id = j->msg_id;
	o->family_id = j->ctx->family_id;
	o->not_before = j->not_before;
}

/* The header and the text, in parts with the header on each if long. */
static int
relay_text(const struct relay_job *j, const struct conv_reader *r,
    const char *body, int64_t reply_to)
{
	struct relay_opts	 o;
	char			**parts = NULL, *s;
	size_t			 n = 0, i;
	long			 hl = tg_utf16_len(j->header,
				    strlen(j->header));
	int			 rc = -1;

	relay_opts_of(j, &o);
	o.reply_to = reply_to;
	s = xstrjoin(j->header, "\n", body, (char *)NULL);
	if (tg_utf16_len(s, strlen(s)) <= TG_TEXT_MAX) {
		rc = relay_send_text(j->ctx->ob, j->ctx->cfg, r->chat_id, s,
		    &o);
		free(s);
		return rc;
	}
	free(s);
	if (relay_chunks(body, TG_TEXT_MAX - hl - RELAY_PART_ROOM, &parts,
	    &n) == -1)
		return 0;	/* the parser let only valid UTF-8 in */
	for (i = 0; i < n; i++) {
		s = xasprintf("%s (%zu/%zu)\n%s", j->header, i + 1, n,
		    parts[i]);
		rc = relay_send_text(j->ctx->ob, j->ctx->cfg, r->chat_id, s,
		    &o);
		free(s);
		o.reply_to = 0;
		if (rc == -1)
			break;
	}
	relay_parts_free(parts, n);
	return rc;
}

/* Media by reference; the header as the caption when it fits. */
static int
relay_media(const struct relay_job *j, const struct conv_reader *r,
    const char *label, int64_t reply_to)
{
	const struct inbound	*in = j->ctx->in;
	struct relay_opts	 o;
	char			*cap;
	int			 rc;

	relay_opts_of(j, &o);
	o.reply_to = reply_to;
	cap = xasprintf("%s%s%s%s%s", j->header, label != NULL ? "\n" : "",
	    label != NULL ? label : "", in->text != NULL ? "\n" : "",
	    in->text != NULL ? in->text : "");
	if (relay_has_caption(in->media) &&
	    tg_utf16_len(cap, strlen(cap)) <= RELAY_CAPTION_MAX) {
		rc = relay_send_copy(j->ctx->ob, j->ctx->cfg, r->chat_id,
		    in->chat_id, in->message_id, cap, &o);
		free(cap);
		return rc;
	}
	free(cap);
	/* No room (or no caption at all): the header goes first. */
	cap = label != NULL ? xasprintf("%s\n%s", j->header, label) :
	    xstrdup(j->header);
	rc = relay_send_text(j->ctx->ob, j->ctx->cfg, r->chat_id, cap, &o);
	free(cap);
	if (rc == -1)
		return -1;
	o.reply_to = 0;
	return relay_send_copy(j->ctx->ob, j->ctx->cfg, r->chat_id,
	    in->chat_id, in->message_id, NULL, &o);
}

/* An edit: "edited:" in the reader's language, replying to our copy. */
static int
relay_edit(const struct relay_job *j, const struct conv_reader *r)
{
	const struct inbound	*in = j->ctx->in;
	const char		*label;
	int64_t			 orig, copy = 0;
	char			*body;
	int			 rc;

	if (conv_find_relayed(j->ctx->conv, j->f->id, in->message_id,
	    &orig) == -1)
		return -1;
	if (orig != 0 && conv_copy_in_chat(j->ctx->conv, orig,
	    r->chat_id, &copy) == -1)
		return -1;
	label = i18n_get(j->ctx->i18n, r->lang, N_("edited:"));
	if (in->media != MEDIA_NONE)
		return relay_media(j, r, label, copy);
	body = xasprintf("%s %s", label, in->text != NULL ? in->text : "");
	rc = relay_text(j, r, body, copy);
	free(body);
	return rc;
}

static int
relay_to_reader(const struct relay_job *j, const struct conv_reader *r)
{
	const struct inbound	*in = j->ctx->in;

	if (in->kind == INBOUND_EDIT)
		return relay_edit(j, r);
	if (in->kind == INBOUND_MEDIA)
		return relay_media(j, r, NULL, 0);
	return relay_text(j, r, in->text != NULL ? in->text : "", 0);
}

/* Once a day: who answers when it is not the family's own assistant. */
static int
relay_tell_route(struct hctx *ctx, const struct conv_readers *rd,
    int64_t family_id, int64_t msg_id, int64_t now)
{
	struct ftext_vals	 v = { NULL, NULL, rd->first_name, 0, NULL };
	int			 told = 0;

	if (rd->route == CONV_ROUTE_ASSISTANT)
		return 0;
	if (rd->route == CONV_ROUTE_NONE)
		return reply_family(ctx, FT_NOBODY, NULL);
	if (conv_route_told(ctx->conv, family_id, rd->r[0].staff_id,
	    now - RELAY_DAY_MS, msg_id, &told) == -1)
		return -1;
	if (told)
		return 0;
	if (rd->route == CONV_ROUTE_SUBSTITUTE && rd->first_name[0] != '\0')
		return reply_family(ctx, FT_SUBSTITUTE, &v);
	return reply_family(ctx, FT_COORDINATORS, NULL);
}

static int
relay_record(struct hctx *ctx, const struct conv_readers *rd, int64_t *id)
{
	const struct inbound	*in = ctx->in;
	struct conv_msg		 m;

	memset(&m, 0, sizeof m);
	m.family_id = ctx->family_id;
	m.member_id = ctx->member_id;
	m.staff_id = rd->n > 0 ? rd->r[0].staff_id : 0;
	m.dir = CONV_FROM_FAMILY;
	m.kind = in->kind == INBOUND_EDIT ? "edit" :
	    answer_kind_name(in->media);
	m.channel = in->channel;
	m.body = in->text;
	m.src_message_id = in->message_id;
	m.state = rd->n > 0 ? CONV_QUEUED : CONV_FAILED;
	return conv_record(ctx->conv, &m, id);
}

static int
relay_header_of(struct hctx *ctx, const struct conv_family *f, char **out)
{
	char	 first[64];

	if (conv_member_first_name(ctx->conv, ctx->member_id, first,
	    sizeof first) == -1)
		return -1;
	if (first[0] == '\0' && ctx->in->first_name != NULL)
		snprintf(first, sizeof first, "%s", ctx->in->first_name);
	*out = relay_header(f->code, first, lang_code(ctx->lang),
	    channel_label(ctx->in->channel));
	return 0;
}

static int
relay_message(struct hctx *ctx)
{
	struct conv		*c = ctx->conv;
	struct conv_family	 f;
	struct conv_readers	 rd;
	struct relay_job	 j;
	char			*header = NULL;
	int64_t			 now = clock_now_ms();
	size_t			 i;
	int			 found, notice, rc = -1;

	memset(&j, 0, sizeof j);
	if (conv_family(c, ctx->family_id, &f, &found) == -1)
		return -1;
	if (!found)
		return 0;
	if (conv_readers(c, &f, &rd) == -1 ||
	    conv_flood(c, f.id, ctx->cfg->flood_per_minute, now,
	    &j.not_before, &notice) == -1 ||
	    relay_record(ctx, &rd, &j.msg_id) == -1 ||
	    relay_header_of(ctx, &f, &header) == -1)
		goto out;
	j.ctx = ctx;
	j.f = &f;
	j.header = header;
	for (i = 0; i < rd.n; i++)
		if (relay_to_reader(&j, &rd.r[i]) == -1)
			goto out;
	log_info("event=conv.relay message_id=%" PRId64 " family_id=%" PRId64
	    " readers=%zu route=%d paced=%d", j.msg_id, f.id, rd.n,
	    (int)rd.route, j.not_before != 0);
	if (notice && reply_family(ctx, FT_FLOOD, NULL) == -1)
		goto out;
	if (relay_tell_route(ctx, &rd, f.id, j.msg_id, now) == -1 ||
	    outofhours_notice(ctx) == -1 ||
	    onboard_clause_renew(ctx) == -1)
		goto out;
	rc = 0;
out:
	free(header);
	return rc;
}

static int
relay_in_exec(struct hctx *ctx)
{
	const struct inbound	*in = ctx->in;

	switch (in->kind) {
	case INBOUND_TEXT:
		/* Maybe the time asked for after "Another time". */
		if (visit_answer_note_time(ctx, in->text) == -1)
			return -1;
		return relay_message(ctx);
	case INBOUND_MEDIA:
	case INBOUND_EDIT:
		return relay_message(ctx);
	case INBOUND_OTHER:
		return reply_tr(ctx, N_("I cannot pass this kind of message on "
		    "(polls, games, dice). Please write a text, or send a "
		    "photo, a document or a voice message."), NULL, 0);
	case INBOUND_COMMAND:
		return reply_tr(ctx, N_("I do not know this command. /help "
		    "lists the commands. To write to your assistant, just send "
		    "a message."), NULL, 0);
	case INBOUND_CALLBACK:
		return reply_callback_answer(ctx, NULL);
	case INBOUND_MEMBER:
		/* Blocked, or back: answers to the family depend on it. */
		return conv_blocked(ctx->conv, ctx->member_id,
		    in->blocked ? clock_now_ms() : 0);
	}
	return 0;
}

const struct handler_entry handler_relay_in_entry = {
	.name = "relay_in",
	.from = SENDER_FAMILY,
	.kinds = INBOUND_ANY,
	.match = NULL,
	.exec = relay_in_exec,
};
