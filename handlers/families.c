/*
 * /families: the staff member's families (all of them for coordinators)
 * with unread counts, as buttons; a press makes that family the current
 * one, so the next plain message goes there.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "conv.h"
#include "handler.h"
#include "log.h"
#include "reply.h"
#include "xmalloc.h"

/* Telegram takes up to 100 buttons; a screenful is more useful. */
#define FAMILIES_MAX	50
#define FAMILIES_CB	"fam:"

/* "R-0042 Kovalenko (3)" */
static char *
families_label(const struct conv_family_row *r)
{
	char	 unread[32] = "";

	if (r->unread > 0)
		snprintf(unread, sizeof unread, " (%" PRId64 ")", r->unread);
	return xasprintf("%s%s%s%s", r->code, r->name != NULL ? " " : "",
	    r->name != NULL ? r->name : "", unread);
}

static int
families_list(struct hctx *ctx)
{
	struct conv_family_row	*rows = NULL;
	struct conv_staff	 st;
	struct out_button	 btn[FAMILIES_MAX];
	char			*label[FAMILIES_MAX], data[FAMILIES_MAX][32];
	char			*text = NULL, a[24], b[24];
	const char		*args[] = { a, b };
	size_t			 n = 0, i;
	int64_t			 total;
	int			 found, rc = -1;

	if (conv_staff(ctx->conv, ctx->staff_id, &st, &found) == -1 ||
	    conv_families(ctx->conv, ctx->staff_id, found &&
	    conv_is_coordinator(st.kind), FAMILIES_MAX, &rows, &n,
	    &total) == -1)
		return -1;
	if (n == 0) {
		rc = reply_tr(ctx, N_("You have no families yet."), NULL, 0);
		goto out;
	}
	snprintf(a, sizeof a, "%zu", n);
	snprintf(b, sizeof b, "%" PRId64, total);
	text = text_expand(i18n_get(ctx->i18n, ctx->lang, (int64_t)n <
	    total ? N_("Choose a family to write to (unread messages in "
	    "brackets). Showing %s of %s; use /to CODE for the others.") :
	    N_("Choose a family to write to (unread messages in "
	    "brackets).")), args, 2);
	/* One family a row. */
	for (i = 0; i < n; i++) {
		label[i] = families_label(&rows[i]);
		snprintf(data[i], sizeof data[i], FAMILIES_CB "%" PRId64,
		    rows[i].id);
		btn[i].text = label[i];
		btn[i].data = data[i];
	}
	rc = reply_buttons(ctx, text, btn, n, 1);
	for (i = 0; i < n; i++)
		free(label[i]);
out:
	free(text);
	conv_family_rows_free(rows, n);
	return rc;
}

static int
families_choose(struct hctx *ctx)
{
	struct conv_family	 f;
	const char		*args[1];
	char			*end, *text;
	int64_t			 id;
	int			 found, told, rc;

	id = strtoll(ctx->in->callback_data + strlen(FAMILIES_CB), &end, 10);
	if (*end != '\0' || id <= 0)
		return reply_callback_answer(ctx, NULL);
	if (answer_refuse(ctx, id, &told) == -1)
		return -1;
	if (told)
		return reply_callback_answer(ctx, NULL);
	if (conv_family(ctx->conv, id, &f, &found) == -1 ||
	    conv_set_current(ctx->conv, ctx->staff_id, id) == -1)
		return -1;
	args[0] = f.code;
	text = text_expand(i18n_get(ctx->i18n, ctx->lang,
	    N_("Now writing to %s")), args, 1);
	rc = reply_callback_answer(ctx, text);
	free(text);
	log_info("event=conv.current staff_id=%" PRId64 " family_id=%" PRId64,
	    ctx->staff_id, id);
	return rc;
}

static int
families_exec(struct hctx *ctx)
{
	if (ctx->in->kind == INBOUND_CALLBACK)
		return families_choose(ctx);
	return families_list(ctx);
}

const struct handler_entry handler_families_entry = {
	.name = "families",
	.from = SENDER_STAFF,
	.kinds = INBOUND_BIT(INBOUND_COMMAND) | INBOUND_BIT(INBOUND_CALLBACK),
	.match = "/families",
	.callback = FAMILIES_CB,
	.exec = families_exec,
};
