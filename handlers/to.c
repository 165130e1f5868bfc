/*
 * /to CODE text: a message straight to a family, under the same rules as
 * a reply. /to CODE alone makes it the current family.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "conv.h"
#include "handler.h"
#include "log.h"
#include "reply.h"
#include "xmalloc.h"

static int
to_choose(struct hctx *ctx, int64_t family_id)
{
	struct conv_family	 f;
	const char		*args[1];
	int			 found, told;

	if (answer_refuse(ctx, family_id, &told) == -1)
		return -1;
	if (told)
		return 0;
	if (conv_family(ctx->conv, family_id, &f, &found) == -1 ||
	    conv_set_current(ctx->conv, ctx->staff_id, family_id) == -1)
		return -1;
	args[0] = f.code;
	return reply_tr(ctx, N_("Now writing to %s. Your next message goes to "
	    "this family."), args, 1);
}

static int
to_exec(struct hctx *ctx)
{
	struct answer_to	 a = { 0, 0, 0, NULL, 0 };
	const char		*args = ctx->in->args != NULL ? ctx->in->args :
				    "", *rest;
	const char		*say[1];
	char			*code;
	size_t			 n;
	int			 rc;

	n = strcspn(args, " \t\n");
	if (n == 0)
		return reply_tr(ctx, N_("Usage: /to CODE text, for example /to "
		    "R-0042 Good morning. /families lists your families."),
		    NULL, 0);
	code = xstrndup(args, n);
	rest = args + n;
	rest += strspn(rest, " \t\n");
	if (conv_family_find(ctx->conv, code, &a.family_id) == -1) {
		free(code);
		return -1;
	}
	if (a.family_id == 0) {
		say[0] = code;
		rc = reply_tr(ctx, N_("There is no family with the code %s. "
		    "/families lists your families."), say, 1);
	} else if (*rest == '\0')
		rc = to_choose(ctx, a.family_id);
	else {
		a.text = rest;
		rc = answer_send(ctx, &a);
	}
	free(code);
	return rc;
}

const struct handler_entry handler_to_entry = {
	.name = "to",
	.from = SENDER_STAFF,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/to",
	.exec = to_exec,
};
