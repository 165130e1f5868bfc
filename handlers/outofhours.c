/* XXX issue 5: not written yet; placeholder so the relay links. */
#include "handler.h"

int
outofhours_notice(struct hctx *ctx)
{
	(void)ctx;
	return 0;
}
