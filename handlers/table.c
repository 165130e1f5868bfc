/* The handler table: first match wins, fallbacks last. */
#include <stddef.h>

#include "handler.h"

#define HANDLER_LIST(X)	\
	X(start)	\
	X(help)		\
	X(unknown)

#define HANDLER_EXTERN(n)	extern const struct handler_entry handler_##n##_entry;
#define HANDLER_REF(n)		&handler_##n##_entry,

HANDLER_LIST(HANDLER_EXTERN)

const struct handler_entry *const handler_table[] = {
	HANDLER_LIST(HANDLER_REF)
	NULL
};
