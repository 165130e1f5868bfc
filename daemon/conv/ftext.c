/*
 * The texts a family may read by SMS, with their SMS variants, and the
 * help lines and dates they are built from. The part budgets here are
 * what tests/test_ftext.c holds every language to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftext.h"
#include "reply.h"
#include "xmalloc.h"

#define FTEXT_HELPLINES_MAX	16	/* configured lines shown at most */

static const struct ftext ftexts[FT_COUNT] = {
	[FT_OOH_WHEN] = {
		.name = "outofhours",
		/* TRANSLATORS: %1$s is when it will be read ("on Monday, 6
		 * April, at 7:30", below); %2$s the help lines, one a line,
		 * 112 first. Say that the lines answer mainly in Polish
		 * (not needed in Polish). */
		.msgid = N_("Thank you, your message has been passed on. The "
		    "office is closed now, so it will be read %1$s.\n\n"
		    "In an emergency, call these numbers (they answer mainly "
		    "in Polish):\n%2$s"),
		/* TRANSLATORS: SMS. %1$s is when ("7.12 at 7:30", msgctxt
		 * sms), %2$s the help lines with short labels. About 100
		 * characters without them; no typographic dashes or
		 * quotes. */
		.sms = NC_("sms", "Passed on. The office is closed now; we "
		    "will read it %1$s.\nHelp lines (mostly in Polish):\n%2$s"),
		/* TRANSLATORS: SMS, one part: at most 70 characters in
		 * Cyrillic or with Polish letters. %1$s is when. */
		.sms_min = NC_("sms", "Passed on. We will read it %1$s. "
		    "Emergency: 112, crisis: 116 123"),
		.max_parts = 2,
		.args = { FTA_WHEN, FTA_HELPLINES },
	},
	[FT_OOH_SOON] = {
		.name = "outofhours",
		/* TRANSLATORS: %1$s is the help lines, one a line, 112
		 * first. */
		.msgid = N_("Thank you, your message has been passed on. The "
		    "office is closed now; it will be read as soon as "
		    "possible.\n\nIn an emergency, call these numbers (they "
		    "answer mainly in Polish):\n%1$s"),
		.sms = NC_("sms", "Passed on. The office is closed now; we "
		    "will read it as soon as we can.\nHelp lines (mostly in "
		    "Polish):\n%1$s"),
		/* TRANSLATORS: SMS, one part (at most 70 characters). */
		.sms_min = NC_("sms", "Passed on. Office closed. Emergency: "
		    "112, crisis: 116 123"),
		.max_parts = 2,
		.args = { FTA_HELPLINES },
	},
	[FT_STOP] = {
		.name = "stop",
		/* TRANSLATORS: reply to /stop on Telegram, above the button
		 * "Stop reminders too". %s is the centre's name (nominative,
		 * after a noun). Keep /start as it is. */
		.msgid = N_("Done: you will no longer get announcements from "
		    "%s. Reminders of your own visits will still come; to stop "
		    "them too, press the button below. You can still write to "
		    "me here at any time, and your messages will reach your "
		    "assistant as before. To turn announcements back on, send "
		    "/start."),
		/* TRANSLATORS: SMS reply to STOP, which stops visit
		 * reminders too. Keep START in Latin capitals. */
		.sms = NC_("sms", "Done: no more announcements or reminders. "
		    "You can still write to us here. To turn them back on, "
		    "send START."),
		.max_parts = 2,
		.args = { FTA_CENTRE },
	},
	[FT_STOP_NEWCOMER] = {
		.name = "stop",
		/* TRANSLATORS: reply to /stop from someone who has not yet
		 * chosen a language or agreed to the information clause.
		 * %s is the centre's name (nominative, after a noun). */
		.msgid = N_("Done: you will not get announcements or reminders "
		    "from %s. Your messages reach your assistant only after "
		    "you have chosen a language and agreed to the information "
		    "clause; send /start to see it."),
		/* TRANSLATORS: SMS reply to STOP from someone whose consent
		 * (a paper form) is not recorded yet. */
		.sms = NC_("sms", "Done: no announcements or reminders. Your "
		    "messages are passed on only once your consent (a paper "
		    "form) is recorded. Please ask your assistant."),
		.max_parts = 2,
		.args = { FTA_CENTRE },
	},
	[FT_START_AGAIN] = {
		.name = "start",
		/* TRANSLATORS: reply to /start from a family that had sent
		 * /stop. %s is the centre's name (nominative, after a noun).
		 * Keep /stop as it is. */
		.msgid = N_("Welcome back! Announcements and reminders from %s "
		    "are on again. To turn them off, send /stop."),
		/* TRANSLATORS: SMS reply to START. Keep STOP in Latin
		 * capitals. */
		.sms = NC_("sms", "Announcements and reminders are on again. "
		    "To turn them off, send STOP."),
		.max_parts = 2,
		.args = { FTA_CENTRE },
	},
	[FT_START_NEWCOMER] = {
		.name = "start",
		/* TRANSLATORS: SMS reply to START from someone whose consent
		 * (a paper form) is not recorded yet. */
		.sms = NC_("sms", "Hello! To write to your assistant by SMS, "
		    "your consent must be recorded first (a paper form). "
		    "Please ask your assistant or the centre."),
		.max_parts = 2,
	},
	[FT_NO_CONSENT] = {
		.name = "no_consent",
		/* TRANSLATORS: SMS, at most once a day, to someone whose
		 * consent (a paper form) is not recorded yet. */
		.sms = NC_("sms", "Not passed on: your consent to contact by "
		    "SMS is not recorded yet. Please ask your assistant about "
		    "the form."),
		.max_parts = 2,
	},
	[FT_FLOOD] = {
		.name = "flood",
		/* TRANSLATORS: to a family sending more messages a minute
		 * than the centre allows; once a burst. */
		.msgid = N_("You are sending many messages at once. All of "
		    "them will reach your assistant, a little more slowly."),
		.sms = NC_("sms", "Many messages at once: all of them will "
		    "reach your assistant, a little more slowly."),
		.max_parts = 2,
	},
	[FT_NOBODY] = {
		.name = "nobody",
		/* TRANSLATORS: to a family when nobody at the centre can
		 * receive messages. Use your language's emergency phrase. */
		.msgid = N_("Your message is saved, but nobody at the centre "
		    "can read it right now. We will answer as soon as we can. "
		    "In an emergency, call 112."),
		.sms = NC_("sms", "Saved, but nobody at the centre can read it "
		    "right now. We will answer as soon as we can. Emergency: "
		    "112."),
		.max_parts = 2,
	},
	[FT_SUBSTITUTE] = {
		.name = "substitute",
		/* TRANSLATORS: to a family, at most once a day. %s is the
		 * first name of the staff member standing in (nominative).
		 * The assistant's gender is unknown: avoid gendered forms. */
		.msgid = N_("Your assistant is away at the moment; %s will "
		    "answer you."),
		.sms = NC_("sms", "Your assistant is away; %1$s will answer "
		    "you."),
		/* TRANSLATORS: SMS, one part (at most 70 characters). */
		.sms_min = NC_("sms", "Your assistant is away; a colleague will "
		    "answer you."),
		.max_parts = 2,
		.args = { FTA_FIRST_NAME },
	},
	[FT_COORDINATORS] = {
		.name = "coordinators",
		/* TRANSLATORS: to a family, at most once a day. Avoid
		 * gendered forms for the assistant. */
		.msgid = N_("Your assistant is away at the moment; the centre's "
		    "coordinators will answer you."),
		.sms = NC_("sms", "Your assistant is away; the centre's "
		    "coordinators will answer you."),
		.max_parts = 2,
	},
	[FT_UNKNOWN] = {
		.name = "unknown_number",
		/* TRANSLATORS: SMS to a number nobody in the register has,
		 * sent in Polish and Ukrainian together: keep it short. */
		.sms = NC_("sms", "This number is not registered with us."),
		.max_parts = 2,
	},
	[FT_CONTACT] = {
		.name = "unknown_number",
		/* TRANSLATORS: SMS, the label before the centre's phone or
		 * address: "Kontakt / Контакт: 95 123 45 67". */
		.sms = NC_("sms", "Contact"),
		.max_parts = 1,
	},
};

const struct ftext *
ftext_get(enum ftext_id id)
{
	if ((unsigned)id >= FT_COUNT)
		return NULL;
	return &ftexts[id];
}

/* The arguments of t in the given form; arg[k] is freed by the caller. */
static void
ftext_args(const struct i18n *i, enum lang lang, const struct ftext *t,
    int sms, const struct ftext_vals *v, char **arg)
{
	size_t	 k;

	for (k = 0; k < FTEXT_ARGS_MAX; k++) {
		const char *s = NULL;

		arg[k] = NULL;
		switch (t->args[k]) {
		case FTA_NONE:
			break;
		case FTA_CENTRE:
			s = v->centre;
			break;
		case FTA_CONTACT:
			s = v->contact;
			break;
		case FTA_FIRST_NAME:
			s = v->first_name;
			break;
		case FTA_WHEN:
			arg[k] = ftext_when(i, lang, v->when, sms);
			break;
		case FTA_HELPLINES:
			arg[k] = ftext_helplines(i, lang, v->helplines, sms);
			break;
		}
		if (arg[k] == NULL)
			arg[k] = xstrdup(s != NULL ? s : "");
	}
}

/* The format of t in the given form, translated; NULL for none. */
static const char *
ftext_format(const struct i18n *i, enum lang lang, const struct ftext *t,
    enum ftext_form form)
{
	if (form == FTEXT_FULL && t->msgid != NULL)
		return i18n_get(i, lang, t->msgid);
	if (form == FTEXT_SMS_MIN)
		return t->sms_min != NULL ? i18n_pget(i, lang, FTEXT_SMS_CTX,
		    t->sms_min) : NULL;
	if (t->sms != NULL)
		return i18n_pget(i, lang, FTEXT_SMS_CTX, t->sms);
	return t->msgid != NULL ? i18n_get(i, lang, t->msgid) : NULL;
}

char *
ftext_render(const struct i18n *i, enum lang lang, enum ftext_id id,
    enum ftext_form form, const struct ftext_vals *v)
{
	const struct ftext	*t = ftext_get(id);
	const char		*fmt, *args[FTEXT_ARGS_MAX];
	char			*arg[FTEXT_ARGS_MAX], *text;
	size_t			 k;

	if (t == NULL || (fmt = ftext_format(i, lang, t, form)) == NULL)
		return NULL;
	ftext_args(i, lang, t, form != FTEXT_FULL, v, arg);
	for (k = 0; k < FTEXT_ARGS_MAX; k++)
		args[k] = arg[k];
	text = text_expand(fmt, args, FTEXT_ARGS_MAX);
	for (k = 0; k < FTEXT_ARGS_MAX; k++)
		free(arg[k]);
	return text;
}

/*
 * Help lines we can name in every language; a configured line with one of
 * these numbers is shown with the translated label, any other as written
 * in the configuration. 112 needs no label in an SMS.
 */
static const struct {
	const char	*number;
	const char	*label;
	const char	*sms;
} ftext_lines[] = {
	{ "112", N_("emergency number: police, fire brigade, ambulance"),
	  NULL },
	{ "999", N_("ambulance"), NC_("sms", "Ambulance") },
	{ "116 123", N_("support for adults in emotional crisis, 24/7"),
	  NC_("sms", "Emotional crisis") },
	{ "116 111", N_("helpline for children and young people, 24/7"),
	  NC_("sms", "Children") },
	{ "800 120 002", N_("helpline for people affected by domestic "
	    "violence (Niebieska Linia), 24/7"),
	  NC_("sms", "Domestic violence, Niebieska Linia") },
	{ "800 12 12 12", N_("helpline of the Ombudsman for Children, 24/7"),
	  NC_("sms", "Ombudsman for Children") },
};

/* One line as shown: n bytes of s, trimmed; NULL when blank. */
static char *
ftext_line(const struct i18n *i, enum lang lang, const char *s, size_t n,
    int sms)
{
	char	*num, *line = NULL;
	size_t	 k, nn;

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return NULL;
	for (nn = 0; nn < n && s[nn] != '('; nn++)
		;
	while (nn > 0 && s[nn - 1] == ' ')
		nn--;
	num = xasprintf("%.*s", (int)nn, s);
	for (k = 0; k < sizeof ftext_lines / sizeof ftext_lines[0]; k++) {
		if (strcmp(num, ftext_lines[k].number) != 0)
			continue;
		if (sms && ftext_lines[k].sms == NULL)
			line = xstrdup(num);
		else if (sms)
			line = xasprintf("%s: %s", i18n_pget(i, lang,
			    FTEXT_SMS_CTX, ftext_lines[k].sms), num);
		else
			line = xasprintf("%s — %s", num, i18n_get(i, lang,
			    ftext_lines[k].label));
		break;
	}
	if (line == NULL)
		line = xasprintf("%.*s", (int)n, s);
	free(num);
	return line;
}

/* Is the trimmed line s (n bytes) the number 112, with a label or not? */
static int
ftext_is_112(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n < 3 || strncmp(s, "112", 3) != 0)
		return 0;
	for (s += 3, n -= 3; n > 0 && (*s == ' ' || *s == '\t'); s++, n--)
		;
	return n == 0 || *s == '(';
}

char *
ftext_helplines(const struct i18n *i, enum lang lang, const char *configured,
    int sms)
{
	char		*list, *line, *next;
	const char	*p = configured != NULL ? configured : "";
	size_t		 n;
	int		 count = 0;

	list = ftext_line(i, lang, "112", 3, sms);
	while (*p != '\0' && count++ < FTEXT_HELPLINES_MAX) {
		n = strcspn(p, ";");
		/* 112 is always first, put there above. */
		if (!ftext_is_112(p, n) &&
		    (line = ftext_line(i, lang, p, n, sms)) != NULL) {
			next = xasprintf("%s\n%s", list, line);
			free(line);
			free(list);
			list = next;
		}
		p += n;
		if (*p == ';')
			p++;
	}
	return list;
}

char *
ftext_when(const struct i18n *i, enum lang lang, time_t t, int sms)
{
	struct tm	 tm;
	const char	*args[4];
	char		 wday[12], mon[12], mon2[12], day[12], hm[32];

	if (localtime_r(&t, &tm) == NULL)
		return NULL;
	snprintf(wday, sizeof wday, "%d", tm.tm_wday == 0 ? 7 : tm.tm_wday);
	snprintf(mon, sizeof mon, "%d", tm.tm_mon + 1);
	snprintf(mon2, sizeof mon2, "%02d", tm.tm_mon + 1);
	snprintf(day, sizeof day, "%d", tm.tm_mday);
	snprintf(hm, sizeof hm, "%d:%02d", tm.tm_hour, tm.tm_min);
	if (sms) {
		args[0] = day;
		args[1] = mon2;
		args[2] = hm;
		args[3] = i18n_pget(i, lang, "month-gen", mon);
		/* TRANSLATORS: SMS date: %1$s day, %2$s month as two
		 * digits, %3$s time, %4$s month name (msgctxt month-gen);
		 * e.g. "7.12 o 7:30", "on 7 December at 7:30". */
		return text_expand(i18n_pget(i, lang, FTEXT_SMS_CTX,
		    NC_("sms", "on %1$s %4$s at %3$s")), args, 4);
	}
	args[0] = i18n_pget(i, lang, "weekday-on", wday);
	args[1] = day;
	args[2] = i18n_pget(i, lang, "month-gen", mon);
	args[3] = hm;
	/* TRANSLATORS: when the assistant will read a message: %1$s is
	 * "on <weekday>" (msgctxt weekday-on: "w poniedziałek"), %2$s the
	 * day of the month, %3$s the month (msgctxt month-gen:
	 * "kwietnia"), %4$s the time (7:30). */
	return text_expand(i18n_get(i, lang, N_("%1$s, %2$s %3$s, at %4$s")),
	    args, 4);
}

char *
ftext_unknown(const struct i18n *i, const char *contact)
{
	char			*pl, *uk, *text;
	struct ftext_vals	 v = { NULL, NULL, NULL, 0, NULL };

	pl = ftext_render(i, LANG_PL, FT_UNKNOWN, FTEXT_SMS, &v);
	uk = ftext_render(i, LANG_UK, FT_UNKNOWN, FTEXT_SMS, &v);
	if (contact != NULL && *contact != '\0')
		text = xasprintf("%s\n%s\n%s / %s: %s", pl, uk,
		    i18n_pget(i, LANG_PL, FTEXT_SMS_CTX, ftexts[FT_CONTACT].sms),
		    i18n_pget(i, LANG_UK, FTEXT_SMS_CTX, ftexts[FT_CONTACT].sms),
		    contact);
	else
		text = xasprintf("%s\n%s", pl, uk);
	free(pl);
	free(uk);
	return text;
}
