/*
 * What the bot says of itself, and who answers a family. A family sees
 * staff by first name only; an inactive assistant's substitute, or else
 * the centre's team, is named instead, as the relay sends the messages
 * there.
 */
#include <stdlib.h>

#include "about.h"
#include "config.h"
#include "handler.h"
#include "outofhours.h"
#include "people.h"
#include "reply.h"
#include "xmalloc.h"

char *
about_staff(struct hctx *ctx)
{
	const char	*args[] = { ctx->cfg->centre_name };

	return reply_format(ctx, N_("Messages from your families at %s "
	    "arrive here, each with a header: family code, first name, "
	    "language, channel.\n\nTo answer, reply to the family's message "
	    "(swipe it or choose Reply). Texts, photos, documents and voice "
	    "messages are passed on.\n\n/families — your families with "
	    "unread messages; choose one, and your next message goes "
	    "there\n/to CODE text — write to a family directly, e.g. /to "
	    "R-0042 Good morning\n/visit CODE DAY TIME [place] — plan a "
	    "visit, e.g. /visit R-0042 9.12 10:00 office\n/visits — your "
	    "visits today and in the coming week\n/help — this help\n\n👌 "
	    "on your message means it was delivered; if it was not, I reply "
	    "with the reason."), args, 1);
}

int
about_bot(struct hctx *ctx)
{
	const char	*args[] = { ctx->cfg->centre_name };

	return reply_tr(ctx, N_("This is the bot of %s. To write to your "
	    "assistant, ask them for an invitation link and open it, or send "
	    "/start followed by the invitation code."), args, 1);
}

/* Who reads the family's messages; a new string. */
static char *
about_who(struct hctx *ctx, const struct people_helpers *h)
{
	const char	*args[1];

	if (h->assistant_active && h->assistant_first != NULL &&
	    h->assistant_first[0] != '\0') {
		args[0] = h->assistant_first;
		return reply_format(ctx, N_("Your messages go to %s, the "
		    "assistant who works with your family."), args, 1);
	}
	if (h->substitute_active && h->substitute_first != NULL &&
	    h->substitute_first[0] != '\0') {
		args[0] = h->substitute_first;
		return reply_format(ctx, N_("Your assistant is away at the "
		    "moment. Your messages go to %s, who is standing in."),
		    args, 1);
	}
	args[0] = ctx->cfg->centre_name;
	return reply_format(ctx, N_("Your messages go to the team of %s; one "
	    "of the staff will answer you."), args, 1);
}

int
about_assistant(struct hctx *ctx, char **out)
{
	struct people_helpers	 h;
	const char		*args[1];
	char			*who, *hours, *when = NULL;
	int			 rc;

	*out = NULL;
	rc = people_family_helpers(ctx->people, ctx->family_id, &h);
	if (rc == PEOPLE_ERR)
		return -1;
	who = about_who(ctx, &h);
	people_helpers_clear(&h);
	hours = outofhours_describe(ctx);
	if (hours[0] != '\0') {
		args[0] = hours;
		when = reply_format(ctx, N_("Answers usually come during "
		    "office hours: %s, except public holidays."), args, 1);
		*out = xasprintf("%s\n%s", who, when);
	} else
		*out = xstrdup(who);
	free(who);
	free(hours);
	free(when);
	return 0;
}
