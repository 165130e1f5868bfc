/*
 * /start: who we are, and invitation codes. `/start CODE` (what a t.me
 * deep link sends) links the Telegram account to the member or staff
 * member the Staff tool invited. Codes are guessable only by brute force,
 * so a user who sends 5 wrong ones within an hour is ignored for an hour.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "about.h"
#include "clock.h"
#include "config.h"
#include "handler.h"
#include "log.h"
#include "onboard.h"
#include "people.h"
#include "reply.h"
#include "xmalloc.h"

#define START_CODE_MAX	64	/* Telegram's limit for start parameters */

static int
start_reply_centre(struct hctx *ctx, const char *msgid)
{
	const char	*args[] = { ctx->cfg->centre_name };

	return reply_tr(ctx, msgid, args, 1);
}

/*
 * The greeting msgid (with the centre's name), then the step of first
 * contact the member is at, in one message.
 */
static int
start_onboard(struct hctx *ctx, const char *msgid)
{
	const char	*args[] = { ctx->cfg->centre_name };
	char		*lead;
	int		 rc;

	lead = reply_format(ctx, msgid, args, 1);
	rc = onboard_offer(ctx, lead);
	free(lead);
	return rc;
}

/* /start from a family: announcements and reminders are on again. */
static int
start_resume(struct hctx *ctx)
{
	if (people_member_set_announcements(ctx->people, ctx->member_id,
	    1) != PEOPLE_OK || people_member_set_reminders(ctx->people,
	    ctx->member_id, 1) != PEOPLE_OK)
		return -1;
	log_info("event=member.announcements member_id=%" PRId64 " on=1",
	    ctx->member_id);
	return reply_family(ctx, FT_START_AGAIN, NULL);
}

/*
 * START by SMS before consent: the family cannot press "I agree", staff
 * record the paper form; announcements are on again all the same.
 */
static int
start_sms_newcomer(struct hctx *ctx)
{
	if (people_member_set_announcements(ctx->people, ctx->member_id,
	    1) != PEOPLE_OK || people_member_set_reminders(ctx->people,
	    ctx->member_id, 1) != PEOPLE_OK)
		return -1;
	return reply_family(ctx, FT_START_NEWCOMER, NULL);
}

/* A wrong code counts towards the limit, then gets its answer. */
static int
start_wrong(struct hctx *ctx, int64_t now, const char *msgid,
    const char *reason)
{
	if (people_invite_failed(ctx->people, ctx->in->user_id, now) !=
	    PEOPLE_OK)
		return -1;
	log_info("event=invite.refused inbound_id=%" PRId64 " reason=%s",
	    ctx->in->row, reason);
	return reply_tr(ctx, msgid, NULL, 0);
}

/* A staff member linked: welcome, and how to work, in one message. */
static int
start_staff_welcome(struct hctx *ctx)
{
	const char	*args[] = { ctx->cfg->centre_name };
	char		*lead, *how, *text;
	int		 rc;

	lead = reply_format(ctx, N_("Welcome! Your account is now linked "
	    "with %s."), args, 1);
	how = about_staff(ctx);
	text = xasprintf("%s\n\n%s", lead, how);
	rc = reply_text(ctx, text);
	free(text);
	free(how);
	free(lead);
	return rc;
}

/* Links the account; the greeting follows in the linked language. */
static int
start_link(struct hctx *ctx, const struct invitation *inv, int64_t now)
{
	struct people		*p = ctx->people;
	const struct inbound	*in = ctx->in;
	struct people_tg	 who;
	enum lang		 l = LANG_DEFAULT;
	int			 rc;

	if (inv->member_id != 0)
		rc = people_link_member(p, inv->member_id, in->user_id,
		    in->chat_id);
	else
		rc = people_link_staff(p, inv->staff_id, in->user_id,
		    in->chat_id);
	if (rc != PEOPLE_OK || people_invite_use(p, inv->id, now) !=
	    PEOPLE_OK || people_find_tg(p, in->user_id, &who) != PEOPLE_OK)
		return -1;
	if (who.who != PEOPLE_NOBODY && lang_parse(who.language, &l) == -1)
		l = LANG_DEFAULT;
	ctx->lang = l;
	log_info("event=invite.redeemed inbound_id=%" PRId64
	    " invitation_id=%" PRId64 " member_id=%" PRId64 " staff_id=%"
	    PRId64, in->row, inv->id, inv->member_id, inv->staff_id);
	if (who.who != PEOPLE_MEMBER)
		return start_staff_welcome(ctx);
	/* A member goes on to first contact, in the same message. */
	if (lang_parse(who.member_language, &l) == 0)
		ctx->lang = l;
	ctx->sender = SENDER_NEWCOMER;
	ctx->member_id = who.member_id;
	ctx->family_id = who.family_id;
	return start_onboard(ctx, N_("Welcome! Your account is now linked "
	    "with %s."));
}

static int
start_redeem(struct hctx *ctx, const char *code)
{
	struct invitation	 inv;
	int64_t			 now = (int64_t)clock_now();
	int			 rc = PEOPLE_NOT_FOUND;

	if (people_invite_blocked(ctx->people, ctx->in->user_id, now)) {
		log_info("event=invite.ignored inbound_id=%" PRId64,
		    ctx->in->row);
		return 0;
	}
	if (strlen(code) <= START_CODE_MAX)
		rc = people_invite_find(ctx->people, code, &inv);
	if (rc == PEOPLE_ERR)
		return -1;
	if (rc == PEOPLE_NOT_FOUND)
		return start_wrong(ctx, now, N_("This invitation code is not "
		    "valid. Please check it, or ask your assistant for a new "
		    "invitation."), "unknown");
	if (inv.used_at != 0)
		return start_wrong(ctx, now, N_("This invitation code has "
		    "already been used. If you need to link another account, "
		    "ask your assistant for a new invitation."), "used");
	if (inv.expires_at <= now)
		return start_wrong(ctx, now, N_("This invitation code has "
		    "expired. Please ask your assistant for a new "
		    "invitation."), "expired");
	return start_link(ctx, &inv, now);
}

/* The first word of the arguments, in place of surrounding blanks. */
static const char *
start_code(const char *args, char *buf, size_t len)
{
	size_t	 n;

	if (args == NULL)
		return "";
	args += strspn(args, " \t\n");
	n = strcspn(args, " \t\n");
	if (n >= len)
		n = len - 1;	/* too long to be ours: still refused */
	memcpy(buf, args, n);
	buf[n] = '\0';
	return buf;
}

static int
start_exec(struct hctx *ctx)
{
	char		 buf[START_CODE_MAX + 2];
	const char	*code;

	/* Linked already: a greeting, never a second link. */
	if (ctx->sender == SENDER_FAMILY)
		return start_resume(ctx);
	if (ctx->sender == SENDER_NEWCOMER && !reply_has_buttons(ctx))
		return start_sms_newcomer(ctx);
	if (ctx->sender == SENDER_NEWCOMER)
		return start_onboard(ctx, N_("Hello again! Your account is "
		    "already linked with %s."));
	if (ctx->sender != SENDER_UNKNOWN)
		return start_reply_centre(ctx, N_("Hello again! Your account "
		    "is already linked with %s."));
	code = start_code(ctx->in->args, buf, sizeof buf);
	/* Codes are for one person's own account, never for a group. */
	if (*code == '\0' || !ctx->in->chat_is_private || ctx->in->user_id == 0)
		return about_bot(ctx);
	return start_redeem(ctx, code);
}

const struct handler_entry handler_start_entry = {
	.name = "start",
	.from = SENDER_ANY,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/start",
	.exec = start_exec,
};
