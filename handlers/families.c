/* XXX issue 5: not written yet; placeholder so the table links. */
#include "handler.h"

static int
families_exec(struct hctx *ctx)
{
	(void)ctx;
	return 0;
}

const struct handler_entry handler_families_entry = {
	.name = "families",
	.from = SENDER_STAFF,
	.kinds = INBOUND_BIT(INBOUND_COMMAND) | INBOUND_BIT(INBOUND_CALLBACK),
	.match = "/families",
	.exec = families_exec,
};
