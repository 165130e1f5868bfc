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
 * {date}, {amount}, {place} and {documents} are filled in when one is
 * sent: keep them exactly, in any order the sentence needs. Dates come
 * in words ("1 lutego 2027"), amounts with the currency ("800 zł"). */
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
};

#define NOTICE_NSHIPPED \
	(sizeof notice_shipped_tab / sizeof notice_shipped_tab[0])

enum notice_kind {
	NK_DATE,
	NK_AMOUNT,
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
 * Walks the template's placeholders: bit set of those used, or -1 for
 * one unknown or unclosed, its text in `why`.
 */
static long
notice_scan(const char *tmpl, char *why, size_t whylen)
{
	const char	*p = tmpl, *end;
	unsigned long	 uses = 0;
	int		 k;

	while ((p = strchr(p, '{')) != NULL) {
		end = strchr(p, '}');
		if (end == NULL || end - p > 20) {
			snprintf(why, whylen, "a \"{\" without its \"}\"");
			return -1;
		}
		if ((k = notice_param_find(p + 1, end - p - 1)) == -1) {
			snprintf(why, whylen, "unknown parameter {%.*s}",
			    (int)(end - p - 1), p + 1);
			return -1;
		}
		uses |= 1UL << k;
		p = end + 1;
	}
	return (long)uses;
}

unsigned
notice_uses(const char *tmpl)
{
	char	 why[64];
	long	 u = notice_scan(tmpl, why, sizeof why);

	return u < 0 ? 0 : (unsigned)u;
}

int
notice_template_ok(const char *tmpl, char *why, size_t whylen)
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
	return notice_scan(tmpl, why, whylen) < 0 ? -1 : 0;
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
	case NK_TEXT:
		snprintf(buf, len, "%s", v);
		return 0;
	}
	return -1;
}

char *
notice_render(const struct i18n *i, enum lang lang, const char *tmpl,
    const struct notice_params *p, char *why, size_t whylen)
{
	const char	*s = tmpl, *open, *close, *v;
	char		*out = NULL, val[NOTICE_VALUE_MAX * 4 + 64];
	size_t		 len = 0, cap = 0, add;
	int		 k;

	for (;;) {
		open = strchr(s, '{');
		add = open != NULL ? (size_t)(open - s) : strlen(s);
		val[0] = '\0';
		k = -1;
		if (open != NULL) {
			close = strchr(open, '}');
			if (close == NULL || (k = notice_param_find(open + 1,
			    close - open - 1)) == -1) {
				snprintf(why, whylen, "the template has an "
				    "unknown parameter");
				goto fail;
			}
			v = notice_param_value(p, notice_params_tab[k].name);
			if (v == NULL) {
				snprintf(why, whylen, "missing parameter "
				    "\"%s\"", notice_params_tab[k].name);
				goto fail;
			}
			if (notice_value(i, lang, k, v, val, sizeof val) ==
			    -1) {
				snprintf(why, whylen, "%s: malformed",
				    notice_params_tab[k].name);
				goto fail;
			}
		}
		if (len + add + strlen(val) + 1 > cap) {
			cap = len + add + strlen(val) + 256;
			out = xrealloc(out, cap);
		}
		memcpy(out + len, s, add);
		len += add;
		memcpy(out + len, val, strlen(val));
		len += strlen(val);
		out[len] = '\0';
		if (open == NULL)
			break;
		s = strchr(open, '}') + 1;
	}
	return out;
fail:
	free(out);
	return NULL;
}
