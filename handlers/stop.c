/* XXX issue 5: not written yet; placeholder so the table links. */
#include "handler.h"

static int
stop_exec(struct hctx *ctx)
{
	(void)ctx;
	return 0;
}

const struct handler_entry handler_stop_entry = {
	.name = "stop",
	.from = SENDER_FAMILY,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/stop",
	.exec = stop_exec,
};
