/* XXX issue 5: not written yet; placeholder so the table links. */
#include "handler.h"

static int
family_help_exec(struct hctx *ctx)
{
	(void)ctx;
	return 0;
}

const struct handler_entry handler_family_help_entry = {
	.name = "family_help",
	.from = SENDER_FAMILY,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/help",
	.exec = family_help_exec,
};
