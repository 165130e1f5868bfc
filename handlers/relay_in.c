/* XXX issue 5: not written yet; placeholder so the table links. */
#include "handler.h"

static int
relay_in_exec(struct hctx *ctx)
{
	(void)ctx;
	return 0;
}

const struct handler_entry handler_relay_in_entry = {
	.name = "relay_in",
	.from = SENDER_FAMILY,
	.kinds = INBOUND_ANY,
	.match = NULL,
	.exec = relay_in_exec,
};
