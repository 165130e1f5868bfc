/*
 * An SMS answer to a visit reminder: 1 or 2 (TAK / NIE, ТАК / НІ,
 * ДА / НЕТ, YES / NO) while a reminder sent to the member is unanswered.
 * Any other text, or one with no reminder waiting, is relayed as every
 * message is (relay_in).
 */
#include "handler.h"
#include "visit_answer.h"

extern const struct handler_entry handler_relay_in_entry;

static int
visit_sms_exec(struct hctx *ctx)
{
	enum visit_answer	 a = visit_answer_parse(ctx->in->text);
	int64_t			 id = 0;

	if (a != VISIT_NO_ANSWER && visit_answer_pending(ctx, &id) == -1)
		return -1;
	if (id == 0)
		return handler_relay_in_entry.exec(ctx);
	return visit_answer_apply(ctx, id, a);
}

/* Where there are no buttons: SMS. */
const struct handler_entry handler_visit_sms_entry = {
	.name = "visit_sms",
	.from = SENDER_FAMILY,
	.kinds = INBOUND_BIT(INBOUND_TEXT),
	.lacks = CHANNEL_CAN_BUTTONS,
	.exec = visit_sms_exec,
};
