/*
 * The buttons under a visit reminder (conv/visit_remind.c): Confirm,
 * Cannot come, Another time. The answer is noted and the assistant told
 * (conv/visit_answer.c).
 */
#include <stdlib.h>
#include <string.h>

#include "handler.h"
#include "visit_answer.h"
#include "visit_remind.h"

static int
visit_button_exec(struct hctx *ctx)
{
	const char		*d = ctx->in->callback_data +
				    strlen(VISIT_REMIND_CB);
	enum visit_answer	 a;
	char			*end;
	long long		 id;

	switch (d[0]) {
	case 'c':
		a = VISIT_CONFIRMED;
		break;
	case 'n':
		a = VISIT_CANNOT_COME;
		break;
	default:
		a = VISIT_ANOTHER_TIME;
		break;
	}
	id = d[0] != '\0' && d[1] == ':' ? strtoll(d + 2, &end, 10) : 0;
	if (id <= 0 || *end != '\0')
		id = 0;
	return visit_answer_apply(ctx, (int64_t)id, a);
}

const struct handler_entry handler_visit_button_entry = {
	.name = "visit_button",
	.from = SENDER_FAMILY,
	.kinds = INBOUND_BIT(INBOUND_CALLBACK),
	.callback = VISIT_REMIND_CB,
	.exec = visit_button_exec,
};
