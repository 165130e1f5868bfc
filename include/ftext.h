/*
 * The texts a family may read by SMS, in one table: each has its full
 * text (Telegram), its SMS variant (msgctxt "sms": short, GSM-7 where the
 * wording allows, keywords such as STOP and START instead of slash
 * commands) and, where its arguments come from the configuration, a
 * one-part minimum sent when the variant would be over sms.max_parts.
 * Also the pieces they are built from: help lines and dates. Pure: no
 * I/O, no state but the catalogs.
 */
#ifndef ASYSTENT_FTEXT_H
#define ASYSTENT_FTEXT_H

#include <stddef.h>
#include <time.h>

#include "i18n.h"

/* The catalog context of SMS variants. */
#define FTEXT_SMS_CTX	"sms"

enum ftext_id {
	FT_OOH_WHEN,		/* closed; read at %1$s; help lines %2$s */
	FT_OOH_SOON,		/* closed, no opening known; help lines %1$s */
	FT_STOP,		/* STOP from a family */
	FT_STOP_NEWCOMER,	/* STOP before consent */
	FT_START_AGAIN,		/* START from a family */
	FT_START_NEWCOMER,	/* START on SMS before consent (paper form) */
	FT_NO_CONSENT,		/* a message on SMS before consent */
	FT_FLOOD,		/* many messages at once: paced */
	FT_NOBODY,		/* nobody can read it now */
	FT_SUBSTITUTE,		/* %1$s, standing in, will answer */
	FT_COORDINATORS,	/* the coordinators will answer */
	FT_UNKNOWN,		/* SMS only: a number nobody has */
	FT_CONTACT,		/* SMS only: "Contact: %1$s" */
	FT_COUNT
};

/* What an argument is (the tests render each with a long value). */
enum ftext_arg {
	FTA_NONE = 0,
	FTA_CENTRE,		/* daemon.centre_name */
	FTA_CONTACT,		/* daemon.centre_contact */
	FTA_FIRST_NAME,		/* a staff member's first name */
	FTA_WHEN,		/* ftext_when() */
	FTA_HELPLINES		/* ftext_helplines() */
};

#define FTEXT_ARGS_MAX	2

struct ftext {
	const char	*name;		/* in logs: "stop" */
	const char	*msgid;		/* the full text; NULL: SMS only */
	const char	*sms;		/* NULL: the full text, as it is */
	const char	*sms_min;	/* one part, bounded arguments only */
	unsigned int	 max_parts;	/* the SMS variant's budget */
	enum ftext_arg	 args[FTEXT_ARGS_MAX];
};

enum ftext_form {
	FTEXT_FULL,
	FTEXT_SMS,
	FTEXT_SMS_MIN
};

const struct ftext *ftext_get(enum ftext_id id);

/* The values arguments are made of; NULL strings expand to "". */
struct ftext_vals {
	const char	*centre;	/* FTA_CENTRE */
	const char	*contact;	/* FTA_CONTACT */
	const char	*first_name;	/* FTA_FIRST_NAME */
	time_t		 when;		/* FTA_WHEN */
	const char	*helplines;	/* FTA_HELPLINES, as configured */
};

/*
 * The text in `lang`, in the given form, its arguments made from `v` (the
 * SMS forms take the SMS forms of dates and help lines). NULL when the
 * text has no such form (FTEXT_SMS_MIN without sms_min); FTEXT_FULL of an
 * SMS-only text is its SMS variant, FTEXT_SMS of a text without one its
 * full text. A new string; free().
 */
char	*ftext_render(const struct i18n *i, enum lang lang, enum ftext_id id,
	    enum ftext_form form, const struct ftext_vals *v);

/*
 * The configured help lines (`;`-separated, "116 123 (label)"), one a
 * line, 112 first. Numbers we know get their label in `lang`: in full
 * "116 123 — label", for SMS "Short label: 116 123". Others are shown as
 * configured. A new string; free().
 */
char	*ftext_helplines(const struct i18n *i, enum lang lang,
	    const char *configured, int sms);

/*
 * When something happens, in `lang`: in full "w poniedziałek, 6 kwietnia,
 * o 7:30", for SMS "6.04 o 7:30". Local time (TZ set by the caller).
 * NULL if t cannot be converted. A new string; free().
 */
char	*ftext_when(const struct i18n *i, enum lang lang, time_t t, int sms);

/*
 * The answer to an SMS from a number nobody has, in Polish and Ukrainian
 * since the sender's language is unknown; with the centre's contact when
 * `contact` is not empty. A new string; free().
 */
char	*ftext_unknown(const struct i18n *i, const char *contact);

#endif
