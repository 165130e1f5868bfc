/* XXX issue 5: not written yet; placeholder so the table links. */
#include "handler.h"

static int
staff_help_exec(struct hctx *ctx)
{
	(void)ctx;
	return 0;
}

const struct handler_entry handler_staff_help_entry = {
	.name = "staff_help",
	.from = SENDER_STAFF,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/help",
	.exec = staff_help_exec,
};
