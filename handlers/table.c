/* The handler table: first match wins, fallbacks last. */
#include <stddef.h>

#include "handler.h"

/*
 * Order matters: an SMS from an unknown number is answered before
 * anything else looks at it; commands come before the catch-alls of the
 * same senders; newcomers are taken by onboarding (on SMS: told that
 * their consent is not recorded) until they have consented; relay_in and
 * relay_out take whatever families and staff send that no command took;
 * help and unknown answer strangers.
 */
#define HANDLER_LIST(X)		\
	X(sms_unknown)		\
	X(start)		\
	X(stop)			\
	X(stop_reminders)	\
	X(language)		\
	X(sms_newcomer)		\
	X(onboarding)		\
	X(clause)		\
	X(assistant)		\
	X(family_help)		\
	X(families)		\
	X(to)			\
	X(staff_help)		\
	X(visit_button)		\
	X(visit_sms)		\
	X(visit_cmd)		\
	X(visit_draft)		\
	X(visits_cmd)		\
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
