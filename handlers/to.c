/* XXX issue 5: not written yet; placeholder so the table links. */
#include "handler.h"

static int
to_exec(struct hctx *ctx)
{
	(void)ctx;
	return 0;
}

const struct handler_entry handler_to_entry = {
	.name = "to",
	.from = SENDER_STAFF,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/to",
	.exec = to_exec,
};
