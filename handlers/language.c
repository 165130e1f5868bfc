/* XXX issue 5: not written yet; placeholder so the table links. */
#include "handler.h"

static int
language_exec(struct hctx *ctx)
{
	(void)ctx;
	return 0;
}

const struct handler_entry handler_language_entry = {
	.name = "language",
	.from = SENDER_FAMILY | SENDER_NEWCOMER,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/language",
	.exec = language_exec,
};
