/* XXX issue 5: not written yet; placeholder so the table links. */
#include "handler.h"

static int
relay_out_exec(struct hctx *ctx)
{
	(void)ctx;
	return 0;
}

const struct handler_entry handler_relay_out_entry = {
	.name = "relay_out",
	.from = SENDER_STAFF,
	.kinds = INBOUND_ANY,
	.match = NULL,
	.exec = relay_out_exec,
};
