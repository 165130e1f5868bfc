/*
 * Notices: the shipped templates (catalog strings), their parameters and
 * rendering. The facts that change by law or by year (dates, amounts,
 * places, documents) are parameters, never part of a template.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datefmt.h"
#include "i18n.h"
#include "notice.h"
#include "utf8.h"
#include "validate.h"
#include "xmalloc.h"

#define FTEXT_SMS_CTX	"sms"

/* TRANSLATORS: the notices below go to families. {from}, {until},
 * {date}, {amount}, {place}, {documents} and {days} are filled in when
 * one is sent: keep them exactly, in any order the sentence needs. Dates
 * come in words ("1 lutego 2027"), amounts with the currency ("800 zł").
 * A count's plural forms go inside its braces: {days|one|few|many}. */
static const struct notice_shipped notice_shipped_tab[] = {
	{ "benefit-800plus",
	  N_("Applications for the 800+ child benefit for the next period "
	  "are accepted from {from} to {until}. You apply online through "
	  "ZUS (PUE ZUS, the mZUS app or your bank). Your assistant can "
	  "help: write to us here."),
	  NC_("sms", "800+: apply from {from} to {until}, online via ZUS. "
	  "Your assistant can help.") },
	{ "benefit-dobry-start",
	  N_("Applications for Dobry Start (the school benefit) are accepted "
	  "from {from} to {until}. You apply online through ZUS. Your "
	  "assistant can help: write to us here."),
	  NC_("sms", "Dobry Start: apply from {from} to {until}, online via "
	  "ZUS. Your assistant can help.") },
	{ "benefit-housing",
	  N_("Your housing allowance (dodatek mieszkaniowy) ends on {date}. "
	  "To keep receiving it, apply again before then at {place}. "
	  "Bring: {documents}."),
	  NC_("sms", "Housing allowance ends {date}. Apply again before "
	  "then: {place}.") },
	{ "benefit-family",
	  N_("Applications for family benefits (zasiłek rodzinny) for the "
	  "new period are accepted from {from}. Apply by {until} so that "
	  "payments continue without a break. Where: {place}."),
	  NC_("sms", "Family benefits: apply from {from}, by {until} to get "
	  "paid without a break. {place}") },
	{ "decision-collect",
	  N_("A decision in your case is ready. You can collect it from "
	  "{date} at {place}. Please bring an identity document."),
	  NC_("sms", "Your decision is ready to collect from {date}: {place}. "
	  "Bring an ID.") },
	{ "documents-bring",
	  N_("Please bring these documents to {place} by {date}: "
	  "{documents}. If you cannot come, write to us here."),
	  NC_("sms", "Please bring by {date} to {place}: {documents}") },
	{ "report-change",
	  N_("A reminder: when your income, your address or your family "
	  "situation changes, you must tell the centre without delay. "
	  "Benefits paid after such a change may have to be paid back. "
	  "Write to us here or come to {place}."),
	  NC_("sms", "Income, address or family changed? Tell the centre "
	  "without delay: {place}.") },
	{ "residence-deadline",
	  N_("Your residence permit or status in Poland is valid until "
	  "{date}. Apply to extend it or for a new one before then. Your "
	  "assistant can help you prepare the documents: write to us here."),
	  NC_("sms", "Your residence permit or status is valid until {date}. "
	  "Apply before then. Your assistant can help.") },
	{ "payment-date",
	  N_("The payment of {amount} will be made on {date}."),
	  NC_("sms", "Payment of {amount} on {date}.") },
	/* TRANSLATORS: {days|# day|# days} is the number of days with its
	 * word: write your language's forms, one|few|many in Polish,
	 * Ukrainian and Russian ("{days|# dzień|# dni|# dni}"), "#" where
	 * the number goes. */
	{ "decision-appeal",
	  N_("You can appeal against the decision in your case within "
	  "{days|# day|# days} of receiving it. The appeal goes through the "
	  "centre: {place}. Your assistant can help: write to us here."),
	  NC_("sms", "You can appeal against the decision within "
	  "{days|# day|# days}, via {place}. Your assistant can help.") },
};

#define NOTICE_NSHIPPED \
	(sizeof notice_shipped_tab / sizeof notice_shipped_tab[0])

enum notice_kind {
	NK_DATE,
	NK_AMOUNT,
	NK_COUNT,
	NK_TEXT
};

static const struct {
	const char		*name;
	enum notice_kind	 kind;
} notice_params_tab[] = {
	{ "date", NK_DATE },
	{ "from", NK_DATE },
	{ "until", NK_DATE },
	{ "amount", NK_AMOUNT },
	{ "place", NK_TEXT },
	{ "documents", NK_TEXT },
	{ "days", NK_COUNT },
	{ "count", NK_COUNT },
};

#define NOTICE_NPARAMS \
	(sizeof notice_params_tab / sizeof notice_params_tab[0])

size_t
notice_shipped_count(void)
{
	return NOTICE_NSHIPPED;
}

const struct notice_shipped *
notice_shipped_at(size_t i)
{
	return i < NOTICE_NSHIPPED ? &notice_shipped_tab[i] : NULL;
}

const struct notice_shipped *
notice_shipped_get(const char *id)
{
	size_t	 i;

	for (i = 0; i < NOTICE_NSHIPPED; i++)
		if (strcmp(notice_shipped_tab[i].id, id) == 0)
			return &notice_shipped_tab[i];
	return NULL;
}

const char *
notice_shipped_text(const struct i18n *i, enum lang lang,
    const struct notice_shipped *s, int sms)
{
	if (sms)
		return i18n_pget(i, lang, FTEXT_SMS_CTX, s->sms);
	return i18n_get(i, lang, s->text);
}

const char *
notice_param_name(unsigned i)
{
	return i < NOTICE_NPARAMS ? notice_params_tab[i].name : NULL;
}

int
notice_id_ok(const char *id)
{
	size_t	 i, n = strlen(id);

	if (n == 0 || n >= 41)
		return -1;
	for (i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') ||
		    (id[i] >= '0' && id[i] <= '9') || id[i] == '-' ||
		    id[i] == '_'))
			return -1;
	return 0;
}

/* The parameter named by the `len` bytes at s, or -1. */
static int
notice_param_find(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < NOTICE_NPARAMS; i++)
		if (strlen(notice_params_tab[i].name) == len &&
		    strncmp(notice_params_tab[i].name, s, len) == 0)
			return (int)i;
	return -1;
}

/*
 * One placeholder: "{name}", or "{name|form|form...}" for a count, whose
 * forms follow the language's plural rule (one|few|many in pl, uk and
 * ru; one|other in en) and say "#" where the number goes.
 */
struct notice_tok {
	int		 k;		/* the parameter */
	const char	*forms;		/* after the first "|"; or NULL */
	size_t		 formslen;
	unsigned	 nforms;
	const char	*end;		/* past the "}" */
};

/*
 * The placeholder at p ("{"): 0, or -1 with the reason in `why`. With
 * `lang` a language, a plural must have exactly its number of forms.
 */
static int
notice_tok(const char *p, enum lang lang, struct notice_tok *t, char *why,
    size_t whylen)
{
	const char	*end, *bar, *f;
	size_t		 nlen;

	memset(t, 0, sizeof *t);
	end = strchr(p + 1, '}');
	if (end == NULL || end - p > NOTICE_TOKEN_MAX ||
	    memchr(p + 1, '{', end - p - 1) != NULL) {
		snprintf(why, whylen, "a \"{\" without its \"}\"");
		return -1;
	}
	bar = memchr(p + 1, '|', end - p - 1);
	nlen = (size_t)((bar != NULL ? bar : end) - p - 1);
	if ((t->k = notice_param_find(p + 1, nlen)) == -1) {
		snprintf(why, whylen, "unknown parameter {%.*s}",
		    (int)(nlen > 20 ? 20 : nlen), p + 1);
		return -1;
	}
	t->end = end + 1;
	if (bar == NULL)
		return 0;
	if (notice_params_tab[t->k].kind != NK_COUNT) {
		snprintf(why, whylen, "{%s}: plural forms are for a count "
		    "({days}, {count})", notice_params_tab[t->k].name);
		return -1;
	}
	t->forms = bar + 1;
	t->formslen = (size_t)(end - bar - 1);
	for (f = bar; f < end; f = bar) {
		bar = memchr(f + 1, '|', end - f - 1);
		if (bar == NULL)
			bar = end;
		if (bar == f + 1) {
			snprintf(why, whylen, "{%s}: an empty plural form",
			    notice_params_tab[t->k].name);
			return -1;
		}
		t->nforms++;
	}
	if (lang < LANG_COUNT && t->nforms != i18n_nplurals(lang)) {
		snprintf(why, whylen, "{%s}: %s needs %u plural forms (%s), "
		    "not %u", notice_params_tab[t->k].name, lang_code(lang),
		    i18n_nplurals(lang), i18n_nplurals(lang) == 3 ?
		    "one|few|many" : "one|other", t->nforms);
		return -1;
	}
	if (t->nforms < 2) {
		snprintf(why, whylen, "{%s}: at least two plural forms",
		    notice_params_tab[t->k].name);
		return -1;
	}
	return 0;
}

/*
 * Walks the template's placeholders: bit set of those used, or -1 for
 * one unknown, unclosed or a malformed plural, its text in `why`.
 */
static long
notice_scan(const char *tmpl, enum lang lang, char *why, size_t whylen)
{
	struct notice_tok	 t;
	const char		*p = tmpl;
	unsigned long		 uses = 0;

	while ((p = strchr(p, '{')) != NULL) {
		if (notice_tok(p, lang, &t, why, whylen) == -1)
			return -1;
		uses |= 1UL << t.k;
		p = t.end;
	}
	return (long)uses;
}

unsigned
notice_uses(const char *tmpl)
{
	char	 why[80];
	long	 u = notice_scan(tmpl, LANG_COUNT, why, sizeof why);

	return u < 0 ? 0 : (unsigned)u;
}

int
notice_template_ok(const char *tmpl, enum lang lang, char *why,
    size_t whylen)
{
	const char	*v;

	if (validate_text(tmpl, 1, NOTICE_TEXT_MAX, 1, &v) == -1) {
		snprintf(why, whylen, "%s", v);
		return -1;
	}
	if (utf8_utf16_len(tmpl, strlen(tmpl)) > NOTICE_TEXT_MAX) {
		snprintf(why, whylen, "longer than %d UTF-16 units",
		    NOTICE_TEXT_MAX);
		return -1;
	}
	return notice_scan(tmpl, lang, why, whylen) < 0 ? -1 : 0;
}

/* A count: 0 to 9999999, digits only. */
static int
notice_count_ok(const char *s)
{
	size_t	 n = strspn(s, "0123456789");

	return n > 0 && n <= 7 && s[n] == '\0' ? 0 : -1;
}

/* "800", "800.5", "800,50": up to 7 digits, then up to 2 decimals. */
static int
notice_amount_ok(const char *s)
{
	size_t	 i = 0, d = 0;

	while (s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == 0 || i > 7)
		return -1;
	if (s[i] == '.' || s[i] == ',') {
		i++;
		while (s[i] >= '0' && s[i] <= '9') {
			i++;
			d++;
		}
		if (d == 0 || d > 2)
			return -1;
	}
	return s[i] == '\0' ? 0 : -1;
}

static int
notice_value_ok(enum notice_kind kind, const char *v, const char **why)
{
	switch (kind) {
	case NK_DATE:
		*why = "not a date (YYYY-MM-DD)";
		return validate_date(v);
	case NK_AMOUNT:
		*why = "not an amount (800 or 800.50)";
		return notice_amount_ok(v);
	case NK_COUNT:
		*why = "not a whole number (0 to 9999999)";
		return notice_count_ok(v);
	case NK_TEXT:
		return validate_text(v, 1, NOTICE_VALUE_MAX, 0, why);
	}
	return -1;
}

int
notice_params_ok(const struct notice_params *p, char *why, size_t whylen)
{
	const char	*v;
	size_t		 i, j;
	int		 k;

	for (i = 0; i < p->n; i++) {
		k = notice_param_find(p->p[i].key, strlen(p->p[i].key));
		if (k == -1) {
			snprintf(why, whylen, "unknown parameter \"%.40s\"",
			    p->p[i].key);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(p->p[j].key, p->p[i].key) == 0) {
				snprintf(why, whylen, "parameter \"%s\" "
				    "given twice", p->p[i].key);
				return -1;
			}
		if (notice_value_ok(notice_params_tab[k].kind, p->p[i].value,
		    &v) == -1) {
			snprintf(why, whylen, "%s: %s", p->p[i].key, v);
			return -1;
		}
	}
	return 0;
}

static const char *
notice_param_value(const struct notice_params *p, const char *name)
{
	size_t	 i;

	for (i = 0; p != NULL && i < p->n; i++)
		if (strcmp(p->p[i].key, name) == 0)
			return p->p[i].value;
	return NULL;
}

/* "800 zł", "PLN 800.50": the currency's place is the catalog's. */
static void
notice_amount(const struct i18n *i, enum lang lang, const char *v,
    char *buf, size_t len)
{
	const char	*fmt, *at;
	char		 num[16];
	size_t		 n;
	const char	*sep = lang == LANG_EN ? "." : ",";

	n = strcspn(v, ".,");
	if (v[n] == '\0')
		snprintf(num, sizeof num, "%s", v);
	else
		snprintf(num, sizeof num, "%.*s%s%s%s", (int)n, v, sep,
		    v + n + 1, strlen(v + n + 1) == 1 ? "0" : "");
	/* TRANSLATORS: an amount of money in złoty; %s is the number
	 * ("800", "800,50"). Polish: "%s zł". */
	fmt = i18n_get(i, lang, N_("PLN %s"));
	if ((at = strstr(fmt, "%s")) == NULL)
		at = fmt + strlen(fmt);
	snprintf(buf, len, "%.*s%s%s", (int)(at - fmt), fmt, num,
	    *at != '\0' ? at + 2 : "");
}

static int
notice_value(const struct i18n *i, enum lang lang, int k, const char *v,
    char *buf, size_t len)
{
	switch (notice_params_tab[k].kind) {
	case NK_DATE:
		return datefmt_words(i, lang, v, buf, len);
	case NK_AMOUNT:
		if (notice_amount_ok(v) == -1)
			return -1;
		notice_amount(i, lang, v, buf, len);
		return 0;
	case NK_COUNT:
		if (notice_count_ok(v) == -1)
			return -1;
		snprintf(buf, len, "%s", v);
		return 0;
	case NK_TEXT:
		snprintf(buf, len, "%s", v);
		return 0;
	}
	return -1;
}

/*
 * Form `idx` of a plural with the number put for each "#", into buf;
 * -1 when it does not fit.
 */
static int
notice_plural(const struct notice_tok *t, unsigned idx, const char *num,
    char *buf, size_t len)
{
	const char	*f = t->forms, *end = t->forms + t->formslen, *bar;
	size_t		 at = 0, n;
	unsigned	 k;

	/* Fewer forms than the rule wants (an untranslated English
	 * template in Polish): the last one. */
	for (k = 0; k < idx; k++) {
		if ((bar = memchr(f, '|', end - f)) == NULL)
			break;
		f = bar + 1;
	}
	if ((bar = memchr(f, '|', end - f)) != NULL)
		end = bar;
	buf[0] = '\0';
	for (; f < end; f++) {
		n = *f == '#' ? strlen(num) : 1;
		if (at + n + 1 > len)
			return -1;
		memcpy(buf + at, *f == '#' ? num : f, n);
		at += n;
	}
	buf[at] = '\0';
	return 0;
}

/* The value of placeholder t in `lang`, into buf. */
static int
notice_fill(const struct i18n *i, enum lang lang, const struct notice_tok *t,
    const char *v, char *buf, size_t len)
{
	if (t->forms == NULL)
		return notice_value(i, lang, t->k, v, buf, len);
	if (notice_count_ok(v) == -1)
		return -1;
	return notice_plural(t, i18n_plural(lang, strtoul(v, NULL, 10)), v,
	    buf, len);
}

char *
notice_render(const struct i18n *i, enum lang lang, const char *tmpl,
    const struct notice_params *p, char *why, size_t whylen)
{
	struct notice_tok	 t;
	const char		*s = tmpl, *open, *v;
	char			*out = NULL, val[NOTICE_VALUE_MAX * 4 + 64];
	size_t			 len = 0, cap = 0, add, vlen;

	for (;;) {
		open = strchr(s, '{');
		add = open != NULL ? (size_t)(open - s) : strlen(s);
		val[0] = '\0';
		if (open != NULL) {
			if (notice_tok(open, LANG_COUNT, &t, why, whylen) ==
			    -1)
				goto fail;
			v = notice_param_value(p, notice_params_tab[t.k].name);
			if (v == NULL) {
				snprintf(why, whylen, "missing parameter "
				    "\"%s\"", notice_params_tab[t.k].name);
				goto fail;
			}
			if (notice_fill(i, lang, &t, v, val, sizeof val) ==
			    -1) {
				snprintf(why, whylen, "%s: malformed",
				    notice_params_tab[t.k].name);
				goto fail;
			}
		}
		vlen = strlen(val);
		if (len + add + vlen + 1 > cap) {
			cap = len + add + vlen + 256;
			out = xrealloc(out, cap);
		}
		memcpy(out + len, s, add);
		len += add;
		memcpy(out + len, val, vlen);
		len += vlen;
		out[len] = '\0';
		if (open == NULL)
			break;
		s = t.end;
	}
	return out;
fail:
	free(out);
	return NULL;
}
