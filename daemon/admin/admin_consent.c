/*
 * POST and DELETE /v1/members/{id}/consent: SMS cannot show the consent
 * clause, so a family that talks by SMS signs it on paper and staff record
 * the date and the form's reference here. The consent is stamped at noon
 * of that date in the daemon's time zone ([daemon] timezone): noon is the
 * same calendar date in every zone staff may read it from, and never
 * falls into a DST gap. The reference is a document number, not personal
 * data, but like every value staff send it stays out of the logs.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "admin_priv.h"
#include "app.h"
#include "people.h"
#include "validate.h"

#define CONSENT_REF_MAX		64	/* characters */
#define CONSENT_VERSION_MAX	32	/* characters */
#define CONSENT_VERSION_PAPER	"paper"
#define CONSENT_FIRST_DATE	"2000-01-01"

struct consent_body {
	const char	*date;
	const char	*ref;
	const char	*version;
};

/* {"date","ref","version"?}, strings, each once; anything else is 400. */
static int
consent_parse(struct areq *r, struct consent_body *b)
{
	static const struct admin_field fields[] = {
		{ "date", ADMIN_FT_STRING, 1 },
		{ "ref", ADMIN_FT_STRING, 1 },
		{ "version", ADMIN_FT_STRING, 0 },
		{ NULL, 0, 0 }
	};
	int	 st;

	if ((st = admin_fields(r, r->body, fields)) != 0)
		return st;
	b->date = admin_str(r->body, "date");
	b->ref = admin_str(r->body, "ref");
	b->version = admin_str(r->body, "version");
	return 0;
}

/* One line of 1..max characters that is not only spaces. */
static int
consent_text_ok(struct areq *r, const char *field, const char *s,
    size_t max)
{
	const char	*why, *p;

	if (validate_text(s, 1, max, 0, &why) == -1)
		return admin_error(r, 422, "invalid", "%s: %s", field, why);
	for (p = s; *p == ' '; p++)
		;
	if (*p == '\0')
		return admin_error(r, 422, "invalid", "%s: empty", field);
	return 0;
}

static int
consent_date_ok(struct areq *r, const char *date)
{
	char	 today[PEOPLE_DATE_MAX];

	if (validate_date(date) == -1)
		return admin_error(r, 422, "invalid", "date: a real date "
		    "YYYY-MM-DD");
	if (strcmp(date, CONSENT_FIRST_DATE) < 0)
		return admin_error(r, 422, "invalid", "date: before %s",
		    CONSENT_FIRST_DATE);
	admin_today(today);
	if (today[0] == '\0')
		return admin_error(r, 500, "internal", "no clock");
	if (strcmp(date, today) > 0)
		return admin_error(r, 422, "invalid", "date: in the future");
	return 0;
}

/* Noon of a valid YYYY-MM-DD in the daemon's time zone, unix seconds. */
static int64_t
consent_noon(const char *date)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = (date[0] - '0') * 1000 + (date[1] - '0') * 100 +
	    (date[2] - '0') * 10 + (date[3] - '0') - 1900;
	tm.tm_mon = (date[5] - '0') * 10 + (date[6] - '0') - 1;
	tm.tm_mday = (date[8] - '0') * 10 + (date[9] - '0');
	tm.tm_hour = 12;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

int
admin_member_consent(struct areq *r)
{
	struct consent_body	 b;
	int64_t			 id, at;
	int			 st, rc;

	if ((st = admin_path_id(r, 0, &id, "member")) != 0 ||
	    (st = admin_member_access(r, id)) != 0 ||
	    (st = consent_parse(r, &b)) != 0 ||
	    (st = consent_date_ok(r, b.date)) != 0 ||
	    (st = consent_text_ok(r, "ref", b.ref, CONSENT_REF_MAX)) != 0 ||
	    (b.version != NULL && (st = consent_text_ok(r, "version",
	    b.version, CONSENT_VERSION_MAX)) != 0))
		return st;
	if ((at = consent_noon(b.date)) <= 0)
		return admin_error(r, 500, "internal", "no clock");
	rc = people_member_consent_paper(r->app->people, id, at,
	    b.version != NULL ? b.version : CONSENT_VERSION_PAPER, b.ref);
	if (rc == PEOPLE_NOT_FOUND)
		return admin_error(r, 404, "not_found", "member not found");
	if (rc == PEOPLE_CONFLICT)
		return admin_error(r, 409, "conflict", "the member's family "
		    "was erased");
	if (rc != PEOPLE_OK)
		return admin_error(r, 500, "internal", "storage error");
	if ((st = admin_audit(r, "member.consent", "member", id)) != 0)
		return st;
	return admin_answer_member(r, id, 200);
}

int
admin_member_consent_withdraw(struct areq *r)
{
	static const struct admin_field none[] = { { NULL, 0, 0 } };
	struct member	 m;
	int64_t		 id, at;
	int		 st, rc;

	if ((st = admin_path_id(r, 0, &id, "member")) != 0 ||
	    (st = admin_member_access(r, id)) != 0 ||
	    (st = admin_fields(r, r->body, none)) != 0)
		return st;
	rc = people_member_get(r->app->people, id, &m);
	if (rc == PEOPLE_NOT_FOUND)
		return admin_error(r, 404, "not_found", "member not found");
	if (rc != PEOPLE_OK)
		return admin_error(r, 500, "internal", "storage error");
	at = m.consent_at;
	people_member_clear(&m);
	if (at == 0)
		return admin_error(r, 409, "conflict", "no consent is "
		    "recorded for this member");
	if (people_member_consent_withdraw(r->app->people, id) != PEOPLE_OK)
		return admin_error(r, 500, "internal", "storage error");
	if ((st = admin_audit(r, "member.consent_withdrawn", "member", id)) !=
	    0)
		return st;
	return admin_answer_member(r, id, 200);
}
