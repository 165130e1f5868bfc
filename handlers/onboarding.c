/* XXX issue 5: not written yet; placeholder so the table links. */
#include "handler.h"

static int
onboarding_exec(struct hctx *ctx)
{
	(void)ctx;
	return 0;
}

const struct handler_entry handler_onboarding_entry = {
	.name = "onboarding",
	.from = SENDER_NEWCOMER,
	.kinds = INBOUND_ANY,
	.match = NULL,
	.exec = onboarding_exec,
};
