/* The handler table: first match wins, fallbacks last. */
#include <stddef.h>

#include "handler.h"

/*
 * Order matters: commands before the catch-alls of the same senders;
 * newcomers are taken by onboarding until they have a language and have
 * consented; relay_in and relay_out take whatever families and staff send
 * that no command took; help and unknown answer strangers.
 */
#define HANDLER_LIST(X)		\
	X(start)		\
	X(language)		\
	X(onboarding)		\
	X(stop)			\
	X(assistant)		\
	X(family_help)		\
	X(families)		\
	X(to)			\
	X(staff_help)		\
	X(relay_in)		\
	X(relay_out)		\
	X(help)			\
	X(unknown)

#define HANDLER_EXTERN(n)	extern const struct handler_entry handler_##n##_entry;
#define HANDLER_REF(n)		&handler_##n##_entry,

HANDLER_LIST(HANDLER_EXTERN)

const struct handler_entry *const handler_table[] = {
	HANDLER_LIST(HANDLER_REF)
	NULL
};
