/*
 * Unit tests for daemon/core/validate.c and daemon/store/people*.c: input
 * validation, and the data model on a fresh temporary database per test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "people.h"
#include "store.h"
#include "unit/fixture.h"
#include "validate.h"

#define NAME_A	"Rodzina Kowalskich"
#define NAME_C	"Olena Kowalenko"
#define PHONE_A	"+48601234567"

struct people_test {
	struct fixture	 fx;
	struct people	*p;
};

static int
teardown(void **state)
{
	struct people_test	*f = *state;
	int			 rc;

	people_free(f->p);
	rc = fixture_teardown(&f->fx);
	free(f);
	return rc;
}

static int
setup(void **state)
{
	struct people_test	*f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return -1;
	*state = f;
	if (fixture_setup(&f->fx, "people", FIXTURE_STORE | FIXTURE_KEYS) ==
	    -1 || (f->p = people_new(f->fx.st, f->fx.keys)) == NULL) {
		teardown(state);
		return -1;
	}
	return 0;
}

static int64_t
count(struct people_test *f, const char *sql)
{
	sqlite3_stmt	*s;
	int64_t		 n = -1;

	assert_int_equal(sqlite3_prepare_v2(store_db(f->fx.st), sql, -1, &s,
	    NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static int64_t
add_family(struct people_test *f, const char *name, const char *lang,
    const char *channel, int64_t assistant, const char *phone)
{
	struct family_new	 nf;
	int64_t			 fid, mid;

	memset(&nf, 0, sizeof nf);
	nf.name = name;
	nf.language = lang;
	nf.channel = channel;
	nf.assistant_id = assistant;
	nf.contact_name = NAME_C;
	nf.contact_phone = phone;
	assert_int_equal(people_family_create(f->p, &nf, &fid, &mid),
	    PEOPLE_OK);
	return fid;
}

/* ---- validation ------------------------------------------------------ */

static void
test_validate_name_bounds(void **state)
{
	char		 buf[1024];
	const char	*why;
	int		 i;

	(void)state;
	assert_int_equal(validate_name("Ołena Szewczenko", &why), 0);
	assert_int_equal(validate_name("", &why), -1);
	assert_int_equal(validate_name("   ", &why), -1);
	/* 200 characters pass even as 400 bytes of Cyrillic; 201 do not. */
	for (i = 0; i < 200; i++)
		memcpy(buf + 2 * i, "ж", 2);
	buf[400] = '\0';
	assert_int_equal(validate_name(buf, &why), 0);
	memcpy(buf + 400, "ж", 3);
	assert_int_equal(validate_name(buf, &why), -1);
	assert_string_equal(why, "too long");
}

static void
test_validate_refuses_controls_and_bad_utf8(void **state)
{
	const char	*why;

	(void)state;
	assert_int_equal(validate_name("a\x07" "b", &why), -1);
	assert_string_equal(why, "contains a control character");
	assert_int_equal(validate_name("a\nb", &why), -1);
	assert_int_equal(validate_name("a\x7f", &why), -1);
	assert_int_equal(validate_name("a\xc2\x85", &why), -1);	/* C1 */
	assert_int_equal(validate_name("\xc0\xaf", &why), -1);	/* overlong */
	assert_int_equal(validate_name("\xed\xa0\x80", &why), -1); /* D800 */
	assert_int_equal(validate_name("\xf4\x90\x80\x80", &why), -1);
	assert_int_equal(validate_name("ab\xe2\x82", &why), -1);	/* cut */
	assert_string_equal(why, "not valid UTF-8");
	/* Notes may span lines. */
	assert_int_equal(validate_text("line 1\nline 2", 0, 2000, 1, &why), 0);
	assert_int_equal(validate_text("tab\there", 0, 2000, 1, &why), -1);
}

static void
test_validate_enums_and_dates(void **state)
{
	char	 langs[VALIDATE_LANGS_MAX] = "";

	(void)state;
	assert_int_equal(validate_lang("uk"), 0);
	assert_int_equal(validate_lang("UK"), -1);
	assert_int_equal(validate_lang("de"), -1);
	assert_int_equal(validate_lang("en-US"), -1);
	assert_int_equal(validate_channel("sms"), 0);
	assert_int_equal(validate_channel("fax"), -1);
	assert_int_equal(validate_kind("homelessness_assistant"), 0);
	assert_int_equal(validate_kind("wizard"), -1);
	assert_int_equal(validate_date("2024-02-29"), 0);
	assert_int_equal(validate_date("2025-02-29"), -1);
	assert_int_equal(validate_date("2025-13-01"), -1);
	assert_int_equal(validate_date("2025-1-01"), -1);
	assert_int_equal(validate_langs_add(langs, "pl"), 0);
	assert_int_equal(validate_langs_add(langs, "uk"), 0);
	assert_int_equal(validate_langs_add(langs, "pl"), -1);
	assert_string_equal(langs, "pl,uk");
}

/* ---- the data model -------------------------------------------------- */

static void
test_people_family_with_contact(void **state)
{
	struct people_test	*f = *state;
	struct family		 fam;
	struct member		*m = NULL;
	size_t			 n = 0;
	int64_t			 sid, fid, id;

	assert_int_equal(people_staff_create(f->p, "Anna Nowak",
	    "family_assistant", "pl,uk", 1, &sid), PEOPLE_OK);
	fid = add_family(f, NAME_A, "uk", "telegram", sid, PHONE_A);
	assert_int_equal(people_family_get(f->p, fid, &fam), PEOPLE_OK);
	assert_string_equal(fam.code, "R-0001");
	assert_string_equal(fam.name, NAME_A);
	assert_int_equal(fam.assistant_id, sid);
	assert_null(fam.notes);
	people_family_clear(&fam);
	assert_int_equal(people_member_list(f->p, fid, &m, &n), PEOPLE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(m[0].name, NAME_C);
	assert_string_equal(m[0].phone, PHONE_A);
	assert_true(m[0].contact);
	people_member_list_free(m, n);
	assert_int_equal(people_family_resolve(f->p, "R-0001", &id), PEOPLE_OK);
	assert_int_equal(id, fid);
	assert_int_equal(people_family_resolve(f->p, "R-0002", &id),
	    PEOPLE_NOT_FOUND);
	assert_int_equal(people_member_by_phone(f->p, PHONE_A, &id), PEOPLE_OK);
}

static void
test_people_duplicate_phone_conflicts(void **state)
{
	struct people_test	*f = *state;
	struct family_new	 nf;
	int64_t			 fid, mid, other;

	fid = add_family(f, NAME_A, "pl", "sms", 0, PHONE_A);
	memset(&nf, 0, sizeof nf);
	nf.name = "Inna rodzina";
	nf.language = "pl";
	nf.channel = "sms";
	nf.contact_name = "Ktoś";
	nf.contact_phone = PHONE_A;
	assert_int_equal(people_family_create(f->p, &nf, &other, &mid),
	    PEOPLE_CONFLICT);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM families"), 1);
	assert_int_equal(people_member_create(f->p, fid, "Drugi", PHONE_A, 0,
	    &mid), PEOPLE_CONFLICT);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM members"), 1);
	/* A member may keep their own number when it is set again. */
	assert_int_equal(people_member_by_phone(f->p, PHONE_A, &mid),
	    PEOPLE_OK);
	assert_int_equal(people_member_update(f->p, mid, NULL, 1, PHONE_A),
	    PEOPLE_OK);
}

/*
 * A pending import's family is nobody's until published (its code, its
 * number, its enrolments); discarded, gone.
 */
static void
test_people_pending_import_is_unseen_until_published(void **state)
{
	struct people_test	*f = *state;
	struct family_filter	 flt;
	struct family		*a = NULL;
	struct family_new	 nf;
	struct people_tg	 who;
	struct programme	 pg;
	struct enrolment	*e = NULL;
	size_t			 n = 0;
	int64_t			 imp, imp2, fid, mid, id, cnt, prog, eid, old;
	char			 ref[32];

	old = add_family(f, NAME_A, "pl", "sms", 0, "+48601000001");
	assert_int_equal(people_programme_create(f->p, "FEnIKS", NULL, 0,
	    &prog), PEOPLE_OK);
	assert_int_equal(people_enrol(f->p, old, prog, 0, "2026-01-05", &eid),
	    PEOPLE_OK);
	assert_int_equal(people_import_new(f->p, &imp), PEOPLE_OK);
	memset(&nf, 0, sizeof nf);
	nf.name = "Rodzina z importu";
	nf.language = "pl";
	nf.channel = "sms";
	nf.contact_name = NAME_C;
	nf.contact_phone = PHONE_A;
	nf.import_id = imp;
	assert_int_equal(people_family_create(f->p, &nf, &fid, &mid),
	    PEOPLE_OK);
	memset(&flt, 0, sizeof flt);
	assert_int_equal(people_family_list(f->p, &flt, &a, &n), PEOPLE_OK);
	assert_int_equal(n, 1);
	people_family_list_free(a, n);
	assert_int_equal(people_member_by_phone(f->p, PHONE_A, &id),
	    PEOPLE_NOT_FOUND);
	/* An SMS from the number is a stranger's. */
	assert_int_equal(people_find_phone(f->p, PHONE_A, &who), PEOPLE_OK);
	assert_int_equal(who.who, PEOPLE_NOBODY);
	assert_int_equal(people_family_resolve(f->p, "R-0002", &id),
	    PEOPLE_NOT_FOUND);
	/* Nor by its number, nor among the programme's enrolments. */
	snprintf(ref, sizeof ref, "%lld", (long long)fid);
	assert_int_equal(people_family_resolve(f->p, ref, &id),
	    PEOPLE_NOT_FOUND);
	assert_int_equal(people_enrol(f->p, fid, prog, 0, "2026-01-05", &eid),
	    PEOPLE_OK);
	assert_int_equal(people_programme_get(f->p, prog, &pg), PEOPLE_OK);
	assert_int_equal(pg.enrolled, 1);
	people_programme_clear(&pg);
	assert_int_equal(people_enrolment_list(f->p, 0, prog, &e, &n),
	    PEOPLE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].family_id, old);
	people_enrolment_list_free(e, n);
	assert_int_equal(people_import_publish(f->p, imp), PEOPLE_OK);
	assert_int_equal(people_family_resolve(f->p, ref, &id), PEOPLE_OK);
	assert_int_equal(id, fid);
	assert_int_equal(people_programme_get(f->p, prog, &pg), PEOPLE_OK);
	assert_int_equal(pg.enrolled, 2);
	people_programme_clear(&pg);
	assert_int_equal(people_enrolment_list(f->p, 0, prog, &e, &n),
	    PEOPLE_OK);
	assert_int_equal(n, 2);
	people_enrolment_list_free(e, n);
	assert_int_equal(people_family_list(f->p, &flt, &a, &n), PEOPLE_OK);
	assert_int_equal(n, 2);
	people_family_list_free(a, n);
	assert_int_equal(people_member_by_phone(f->p, PHONE_A, &id),
	    PEOPLE_OK);
	assert_int_equal(id, mid);
	assert_int_equal(people_family_resolve(f->p, "R-0002", &id),
	    PEOPLE_OK);
	/* Another import, discarded: its family and member go, not ours. */
	assert_int_equal(people_import_new(f->p, &imp2), PEOPLE_OK);
	assert_true(imp2 > imp);
	nf.contact_phone = "+48601000003";
	nf.import_id = imp2;
	assert_int_equal(people_family_create(f->p, &nf, &fid, &mid),
	    PEOPLE_OK);
	assert_int_equal(people_import_discard(f->p, 0, &cnt), PEOPLE_OK);
	assert_int_equal(cnt, 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM families"), 2);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM members"), 2);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM import_pending"), 0);
}

static void
test_people_list_filters(void **state)
{
	struct people_test	*f = *state;
	struct family_filter	 flt;
	struct family		*a = NULL;
	size_t			 n = 0;
	int64_t			 s1, s2, f1, f2, pg, gid, eid;
	const char *const	 groups[] = { "families", "poverty" };

	assert_int_equal(people_staff_create(f->p, "A", "coordinator", "pl", 1,
	    &s1), PEOPLE_OK);
	assert_int_equal(people_staff_create(f->p, "B", "coordinator", "uk", 1,
	    &s2), PEOPLE_OK);
	f1 = add_family(f, "F1", "pl", "sms", s1, NULL);
	f2 = add_family(f, "F2", "uk", "telegram", s2, NULL);
	assert_int_equal(people_programme_create(f->p, "Aktywna Integracja",
	    groups, 2, &pg), PEOPLE_OK);
	assert_int_equal(people_group_find(f->p, pg, "poverty", &gid),
	    PEOPLE_OK);
	assert_int_equal(people_enrol(f->p, f2, pg, gid, "2025-01-01", &eid),
	    PEOPLE_OK);
	assert_int_equal(people_enrol(f->p, f2, pg, 0, "2025-02-01", &eid),
	    PEOPLE_CONFLICT);
	memset(&flt, 0, sizeof flt);
	flt.assistant_id = s1;
	assert_int_equal(people_family_list(f->p, &flt, &a, &n), PEOPLE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].id, f1);
	people_family_list_free(a, n);
	memset(&flt, 0, sizeof flt);
	flt.language = "uk";
	flt.channel = "telegram";
	flt.programme_id = pg;
	assert_int_equal(people_family_list(f->p, &flt, &a, &n), PEOPLE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].id, f2);
	people_family_list_free(a, n);
	flt.channel = "sms";
	assert_int_equal(people_family_list(f->p, &flt, &a, &n), PEOPLE_OK);
	assert_int_equal(n, 0);
	people_family_list_free(a, n);
	/* After leaving, the programme filter no longer finds it. */
	assert_int_equal(people_leave(f->p, f2, pg, "2024-12-31", &eid),
	    PEOPLE_CONFLICT);
	assert_int_equal(people_leave(f->p, f2, pg, "2025-03-01", &eid),
	    PEOPLE_OK);
	memset(&flt, 0, sizeof flt);
	flt.programme_id = pg;
	assert_int_equal(people_family_list(f->p, &flt, &a, &n), PEOPLE_OK);
	assert_int_equal(n, 0);
	people_family_list_free(a, n);
}

static void
test_people_delete_cascades(void **state)
{
	struct people_test	*f = *state;
	const char		*groups[] = { "g" };
	int64_t			 fid, mid, pg, eid, exp, next;
	char			*code = NULL;

	fid = add_family(f, NAME_A, "pl", "sms", 0, PHONE_A);
	assert_int_equal(people_member_create(f->p, fid, "Drugi", NULL, 0,
	    &mid), PEOPLE_OK);
	assert_int_equal(people_programme_create(f->p, "P", groups, 1, &pg),
	    PEOPLE_OK);
	assert_int_equal(people_enrol(f->p, fid, pg, 0, "2025-01-01", &eid),
	    PEOPLE_OK);
	assert_int_equal(people_invite_create(f->p, 0, mid, 14, 1000, &code,
	    &exp), PEOPLE_OK);
	free(code);
	assert_int_equal(people_family_delete(f->p, fid), PEOPLE_OK);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM members"), 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM enrolments"), 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM invitations"), 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM programmes"), 1);
	assert_int_equal(people_family_delete(f->p, fid), PEOPLE_NOT_FOUND);
	/* Codes and ids of deleted families are never given again. */
	next = add_family(f, "Nowa", "pl", "sms", 0, PHONE_A);
	assert_true(next > fid);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM families "
	    "WHERE code = 'R-0002'"), 1);
}

static void
test_people_last_member_stays(void **state)
{
	struct people_test	*f = *state;
	struct member		*m = NULL;
	size_t			 n = 0;
	int64_t			 fid, mid, contact;

	fid = add_family(f, NAME_A, "pl", "sms", 0, NULL);
	assert_int_equal(people_member_create(f->p, fid, "Drugi", NULL, 0,
	    &mid), PEOPLE_OK);
	assert_int_equal(people_member_list(f->p, fid, &m, &n), PEOPLE_OK);
	contact = m[0].id;
	people_member_list_free(m, n);
	/* Removing the contact makes the next member the contact. */
	assert_int_equal(people_member_delete(f->p, contact), PEOPLE_OK);
	assert_int_equal(people_member_list(f->p, fid, &m, &n), PEOPLE_OK);
	assert_int_equal(n, 1);
	assert_true(m[0].contact);
	people_member_list_free(m, n);
	assert_int_equal(people_member_delete(f->p, mid), PEOPLE_CONFLICT);
}

static void
test_people_invitation_and_link(void **state)
{
	struct people_test	*f = *state;
	struct invitation	 inv;
	struct people_tg	 who;
	int64_t			 fid, mid, exp, now = 1800000000;
	char			*code = NULL;
	int			 i;

	fid = add_family(f, NAME_A, "ru", "telegram", 0, NULL);
	assert_int_equal(people_member_by_phone(f->p, PHONE_A, &mid),
	    PEOPLE_NOT_FOUND);
	assert_int_equal(people_member_create(f->p, fid, "M", NULL, 0, &mid),
	    PEOPLE_OK);
	assert_int_equal(people_invite_create(f->p, 0, mid, 14, 1000, &code,
	    &exp), PEOPLE_OK);
	assert_true(strlen(code) >= 16);
	assert_int_equal(people_invite_find(f->p, code, &inv), PEOPLE_OK);
	assert_int_equal(inv.member_id, mid);
	assert_int_equal(inv.used_at, 0);
	assert_int_equal(people_invite_find(f->p, "nope", &inv),
	    PEOPLE_NOT_FOUND);
	assert_int_equal(people_find_tg(f->p, 424242, &who), PEOPLE_OK);
	assert_int_equal(who.who, PEOPLE_NOBODY);
	assert_int_equal(people_link_member(f->p, mid, 424242, 424242),
	    PEOPLE_OK);
	assert_int_equal(people_invite_use(f->p, inv.id, now), PEOPLE_OK);
	assert_int_equal(people_find_tg(f->p, 424242, &who), PEOPLE_OK);
	assert_int_equal(who.who, PEOPLE_MEMBER);
	assert_int_equal(who.family_id, fid);
	assert_string_equal(who.language, "ru");
	free(code);
	/* Five failures within the hour shut the user out for an hour. */
	for (i = 0; i < 4; i++)
		assert_int_equal(people_invite_failed(f->p, 99, now + i),
		    PEOPLE_OK);
	assert_false(people_invite_blocked(f->p, 99, now + 10));
	assert_int_equal(people_invite_failed(f->p, 99, now + 10), PEOPLE_OK);
	assert_true(people_invite_blocked(f->p, 99, now + 11));
	assert_true(people_invite_blocked(f->p, 99, now + 10 + 3599));
	assert_false(people_invite_blocked(f->p, 99, now + 10 + 3600));
	assert_false(people_invite_blocked(f->p, 98, now + 11));
}

static void
test_people_staff_language_and_find(void **state)
{
	struct people_test	*f = *state;
	struct people_tg	 who;
	int64_t			 a, b, id;

	assert_int_equal(people_staff_create(f->p, "Anna Nowak",
	    "family_assistant", "uk,pl", 1, &a), PEOPLE_OK);
	assert_int_equal(people_staff_create(f->p, "Jan Nowak",
	    "coordinator", "pl", 1, &b), PEOPLE_OK);
	assert_int_equal(people_staff_find(f->p, "Jan Nowak", &id), PEOPLE_OK);
	assert_int_equal(id, b);
	assert_int_equal(people_staff_find(f->p, "Nikt", &id),
	    PEOPLE_NOT_FOUND);
	assert_int_equal(people_link_staff(f->p, a, 555, 555), PEOPLE_OK);
	assert_int_equal(people_find_tg(f->p, 555, &who), PEOPLE_OK);
	assert_int_equal(who.who, PEOPLE_STAFF);
	assert_string_equal(who.language, "uk");
	/* A disabled staff member is a stranger to the router. */
	assert_int_equal(people_staff_update(f->p, a, NULL, NULL, NULL, 0),
	    PEOPLE_OK);
	assert_int_equal(people_find_tg(f->p, 555, &who), PEOPLE_OK);
	assert_int_equal(who.who, PEOPLE_NOBODY);
}

static void
test_people_file_holds_no_plain_names(void **state)
{
	struct people_test	*f = *state;
	int64_t			 fid, mid;

	fid = add_family(f, NAME_A, "uk", "telegram", 0, PHONE_A);
	assert_int_equal(people_member_create(f->p, fid, "Taras Szewczenko",
	    "+380671234567", 0, &mid), PEOPLE_OK);
	assert_int_equal(people_link_member(f->p, mid, 987654321, 987654321),
	    PEOPLE_OK);
	/* Plain columns do reach the files: the search below can see. */
	assert_true(fixture_db_has(&f->fx, "R-0001"));
	assert_false(fixture_db_has(&f->fx, NAME_A));
	assert_false(fixture_db_has(&f->fx, NAME_C));
	assert_false(fixture_db_has(&f->fx, "Taras"));
	assert_false(fixture_db_has(&f->fx, "601234567"));
	assert_false(fixture_db_has(&f->fx, "671234567"));
	assert_false(fixture_db_has(&f->fx, "987654321"));
}

static void
test_people_member_settings_make_a_newcomer_a_family(void **state)
{
	struct people_test	*f = *state;
	struct people_tg	 who;
	int64_t			 fid, mid, at, chat;
	char			 lang[4];

	fid = add_family(f, NAME_A, "pl", "telegram", 0, NULL);
	assert_int_equal(people_member_create(f->p, fid, "M", NULL, 0, &mid),
	    PEOPLE_OK);
	assert_int_equal(people_member_reach(f->p, mid, &chat, lang),
	    PEOPLE_OK);
	assert_int_equal(chat, 0);
	assert_string_equal(lang, "pl");
	assert_int_equal(people_link_member(f->p, mid, 5001, 6001),
	    PEOPLE_OK);
	assert_int_equal(people_find_tg(f->p, 5001, &who), PEOPLE_OK);
	assert_string_equal(who.member_language, "");
	assert_false(who.consented);
	assert_int_equal(people_member_set_language(f->p, mid, "uk"),
	    PEOPLE_OK);
	assert_int_equal(people_member_consent(f->p, mid, 1800000000,
	    "2026-11"), PEOPLE_OK);
	assert_int_equal(people_find_tg(f->p, 5001, &who), PEOPLE_OK);
	assert_string_equal(who.member_language, "uk");
	assert_string_equal(who.language, "pl");
	assert_true(who.consented);
	assert_int_equal(people_member_reach(f->p, mid, &chat, lang),
	    PEOPLE_OK);
	assert_int_equal(chat, 6001);
	assert_string_equal(lang, "uk");
	assert_int_equal(people_member_ooh_get(f->p, mid, &at), PEOPLE_OK);
	assert_int_equal(at, 0);
	assert_int_equal(people_member_ooh_set(f->p, mid, 1800000100),
	    PEOPLE_OK);
	assert_int_equal(people_member_ooh_get(f->p, mid, &at), PEOPLE_OK);
	assert_int_equal(at, 1800000100);
	assert_int_equal(people_member_set_announcements(f->p, mid, 0),
	    PEOPLE_OK);
	assert_int_equal(people_member_ooh_get(f->p, 999, &at),
	    PEOPLE_NOT_FOUND);
	assert_int_equal(people_member_reach(f->p, 999, &chat, lang),
	    PEOPLE_NOT_FOUND);
}

/* A paper form replaces a chat consent's version; withdrawal clears all. */
static void
test_people_paper_consent_recorded_and_withdrawn(void **state)
{
	struct people_test	*f = *state;
	struct people_tg	 who;
	struct member		 m;
	int64_t			 fid, mid;

	fid = add_family(f, NAME_A, "pl", "sms", 0, NULL);
	assert_int_equal(people_member_create(f->p, fid, "M", NULL, 0, &mid),
	    PEOPLE_OK);
	assert_int_equal(people_member_get(f->p, mid, &m), PEOPLE_OK);
	assert_int_equal(m.consent_at, 0);
	assert_string_equal(m.consent_ref, "");
	people_member_clear(&m);
	assert_int_equal(people_member_consent_paper(f->p, mid, 1741950000,
	    "paper", "ZG/12/2025"), PEOPLE_OK);
	assert_int_equal(people_member_get(f->p, mid, &m), PEOPLE_OK);
	assert_int_equal(m.consent_at, 1741950000);
	assert_string_equal(m.consent_version, "paper");
	assert_string_equal(m.consent_ref, "ZG/12/2025");
	people_member_clear(&m);
	/* The member then agrees in the chat: no paper form any more. */
	assert_int_equal(people_member_consent(f->p, mid, 1800000000,
	    "2026-11"), PEOPLE_OK);
	assert_int_equal(people_member_get(f->p, mid, &m), PEOPLE_OK);
	assert_string_equal(m.consent_version, "2026-11");
	assert_string_equal(m.consent_ref, "");
	people_member_clear(&m);
	assert_int_equal(people_member_consent_withdraw(f->p, mid), PEOPLE_OK);
	assert_int_equal(people_member_get(f->p, mid, &m), PEOPLE_OK);
	assert_int_equal(m.consent_at, 0);
	assert_string_equal(m.consent_version, "");
	people_member_clear(&m);
	assert_int_equal(people_link_member(f->p, mid, 5002, 6002),
	    PEOPLE_OK);
	assert_int_equal(people_find_tg(f->p, 5002, &who), PEOPLE_OK);
	assert_false(who.consented);
	assert_int_equal(people_member_consent_paper(f->p, 999, 1741950000,
	    "paper", "x"), PEOPLE_NOT_FOUND);
	assert_int_equal(people_member_consent_withdraw(f->p, 999),
	    PEOPLE_NOT_FOUND);
}

static void
test_people_family_helpers_first_names_only(void **state)
{
	struct people_test	*f = *state;
	struct people_helpers	 h;
	int64_t			 a, s, fid;

	assert_int_equal(people_staff_create(f->p, "Anna Maria Nowak",
	    "family_assistant", "pl", 1, &a), PEOPLE_OK);
	assert_int_equal(people_staff_create(f->p, "Petro Bondarenko",
	    "family_assistant", "uk", 0, &s), PEOPLE_OK);
	fid = add_family(f, NAME_A, "pl", "telegram", a, NULL);
	assert_int_equal(people_family_helpers(f->p, fid, &h), PEOPLE_OK);
	assert_int_equal(h.assistant_id, a);
	assert_true(h.assistant_active);
	assert_string_equal(h.assistant_first, "Anna");
	assert_int_equal(h.substitute_id, 0);
	assert_null(h.substitute_first);
	people_helpers_clear(&h);
	assert_int_equal(people_family_assign(f->p, fid, a, s), PEOPLE_OK);
	assert_int_equal(people_family_helpers(f->p, fid, &h), PEOPLE_OK);
	assert_string_equal(h.substitute_first, "Petro");
	assert_false(h.substitute_active);
	people_helpers_clear(&h);
	assert_int_equal(people_family_helpers(f->p, 999, &h),
	    PEOPLE_NOT_FOUND);
}

/*
 * A brief read again in the same transaction comes from memory, but
 * never once the family changed, even by a savepoint rolled back.
 */
static void
test_people_family_brief_read_again_sees_every_change(void **state)
{
	struct people_test	*f = *state;
	struct family_brief	 b;
	int64_t			 a, fid;

	assert_int_equal(people_staff_create(f->p, "A", "family_assistant",
	    "pl", 1, &a), PEOPLE_OK);
	fid = add_family(f, "F1", "pl", "telegram", a, NULL);
	assert_int_equal(store_begin(f->fx.st), 0);
	assert_int_equal(people_family_update(f->p, fid, NULL, "uk", NULL,
	    NULL), PEOPLE_OK);
	assert_int_equal(people_family_brief(f->p, fid, &b), PEOPLE_OK);
	assert_string_equal(b.language, "uk");
	assert_int_equal(people_family_brief(f->p, fid, &b), PEOPLE_OK);
	assert_string_equal(b.language, "uk");
	assert_int_equal(people_family_update(f->p, fid, NULL, "ru", NULL,
	    NULL), PEOPLE_OK);
	assert_int_equal(people_family_brief(f->p, fid, &b), PEOPLE_OK);
	assert_string_equal(b.language, "ru");
	assert_int_equal(store_savepoint(f->fx.st), 0);
	assert_int_equal(people_family_update(f->p, fid, NULL, "en", NULL,
	    NULL), PEOPLE_OK);
	assert_int_equal(people_family_brief(f->p, fid, &b), PEOPLE_OK);
	assert_string_equal(b.language, "en");
	store_rollback_to(f->fx.st);
	assert_int_equal(people_family_brief(f->p, fid, &b), PEOPLE_OK);
	assert_string_equal(b.language, "ru");
	assert_int_equal(people_family_brief(f->p, 999, &b),
	    PEOPLE_NOT_FOUND);
	assert_int_equal(store_commit(f->fx.st), 0);
	/* Another process may write once the transaction is over. */
	assert_int_equal(sqlite3_exec(store_db(f->fx.st), "UPDATE families "
	    "SET language = 'pl'", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(people_family_brief(f->p, fid, &b), PEOPLE_OK);
	assert_string_equal(b.language, "pl");
}

/*
 * What is remembered between messages (who writes, where their
 * assistant is reached, the member's name) is what the tables say after
 * every kind of change: a relink, an edit, a rollback, another process.
 */
static void
test_people_memos_follow_every_change(void **state)
{
	struct people_test	*f = *state;
	struct people_tg	 who;
	struct staff_reach	 r;
	struct people_clause	 cl;
	int64_t			 a, fid, m1, m2;
	char			*name = NULL;

	assert_int_equal(people_staff_create(f->p, "Anna Nowak",
	    "family_assistant", "pl", 1, &a), PEOPLE_OK);
	assert_int_equal(people_link_staff(f->p, a, 555, 555), PEOPLE_OK);
	fid = add_family(f, NAME_A, "uk", "telegram", a, NULL);
	assert_int_equal(people_member_create(f->p, fid, "Iryna", NULL, 0,
	    &m1), PEOPLE_OK);
	assert_int_equal(people_member_create(f->p, fid, "Petro", NULL, 0,
	    &m2), PEOPLE_OK);
	assert_int_equal(people_link_member(f->p, m1, 4242, 4242), PEOPLE_OK);

	/* Read twice: the second answer is the memo's. */
	assert_int_equal(people_staff_reach(f->p, a, &r), PEOPLE_OK);
	assert_int_equal(people_staff_reach(f->p, a, &r), PEOPLE_OK);
	assert_int_equal(r.chat_id, 555);
	assert_int_equal(people_find_tg(f->p, 4242, &who), PEOPLE_OK);
	assert_int_equal(people_find_tg(f->p, 4242, &who), PEOPLE_OK);
	assert_int_equal(who.member_id, m1);
	assert_int_equal(people_member_name(f->p, m1, &name), PEOPLE_OK);
	crypto_free_plain(name);
	assert_int_equal(people_member_name(f->p, m1, &name), PEOPLE_OK);
	assert_string_equal(name, "Iryna");
	crypto_free_plain(name);

	/* The assistant's account moved: families' words go to the new. */
	assert_int_equal(people_link_staff(f->p, a, 556, 556), PEOPLE_OK);
	assert_int_equal(people_staff_reach(f->p, a, &r), PEOPLE_OK);
	assert_int_equal(r.chat_id, 556);
	/* The account now belongs to another member of the family. */
	assert_int_equal(people_link_member(f->p, m2, 4242, 4242), PEOPLE_OK);
	assert_int_equal(people_find_tg(f->p, 4242, &who), PEOPLE_OK);
	assert_int_equal(who.who, PEOPLE_MEMBER);
	assert_int_equal(who.member_id, m2);
	/* Disabled staff are nobody to the router. */
	assert_int_equal(people_staff_update(f->p, a, NULL, NULL, NULL, 0),
	    PEOPLE_OK);
	assert_int_equal(people_staff_reach(f->p, a, &r), PEOPLE_OK);
	assert_false(r.active);

	/* Where the consent clause stands, after it was shown. */
	assert_int_equal(people_member_clause(f->p, m1, &cl), PEOPLE_OK);
	assert_string_equal(cl.shown, "");
	assert_int_equal(people_member_clause_shown(f->p, m1, "2"),
	    PEOPLE_OK);
	assert_int_equal(people_member_clause(f->p, m1, &cl), PEOPLE_OK);
	assert_string_equal(cl.shown, "2");

	/* A name changed, then undone by a rollback. */
	assert_int_equal(store_begin(f->fx.st), 0);
	assert_int_equal(people_member_update(f->p, m1, "Iryna K", 0, NULL),
	    PEOPLE_OK);
	assert_int_equal(people_member_name(f->p, m1, &name), PEOPLE_OK);
	assert_string_equal(name, "Iryna K");
	crypto_free_plain(name);
	store_rollback(f->fx.st);
	assert_int_equal(people_member_name(f->p, m1, &name), PEOPLE_OK);
	assert_string_equal(name, "Iryna");
	crypto_free_plain(name);
	/* And to a savepoint. */
	assert_int_equal(store_begin(f->fx.st), 0);
	assert_int_equal(store_savepoint(f->fx.st), 0);
	assert_int_equal(people_link_staff(f->p, a, 557, 557), PEOPLE_OK);
	assert_int_equal(people_staff_reach(f->p, a, &r), PEOPLE_OK);
	assert_int_equal(r.chat_id, 557);
	store_rollback_to(f->fx.st);
	assert_int_equal(people_staff_reach(f->p, a, &r), PEOPLE_OK);
	assert_int_equal(r.chat_id, 556);
	assert_int_equal(store_commit(f->fx.st), 0);

	/* Another process changed the row: seen at the next read. */
	fixture_other_connection(&f->fx, "UPDATE staff SET languages = 'uk'");
	assert_int_equal(people_staff_reach(f->p, a, &r), PEOPLE_OK);
	assert_string_equal(r.languages, "uk");
	fixture_other_connection(&f->fx, "UPDATE staff SET active = 1");
	assert_int_equal(store_begin(f->fx.st), 0);
	assert_int_equal(people_staff_reach(f->p, a, &r), PEOPLE_OK);
	assert_true(r.active);
	assert_int_equal(r.chat_id, 556);
	assert_int_equal(store_commit(f->fx.st), 0);

	/* A member gone is not found, however often asked. */
	assert_int_equal(people_member_delete(f->p, m2), PEOPLE_OK);
	assert_int_equal(people_find_tg(f->p, 4242, &who), PEOPLE_OK);
	assert_int_equal(who.who, PEOPLE_NOBODY);
	assert_int_equal(people_member_name(f->p, m2, &name),
	    PEOPLE_NOT_FOUND);
	assert_null(name);
	assert_int_equal(people_member_name(f->p, m2, &name),
	    PEOPLE_NOT_FOUND);
	assert_null(name);
}

/* What one table's file reads of another's: counts, codes, languages. */
static void
test_people_reads_across_tables(void **state)
{
	struct people_test	*f = *state;
	struct staff		*st = NULL;
	struct enrolment	*e = NULL;
	struct family_brief	 b;
	size_t			 n = 0;
	int64_t			 s1, s2, f1, f2, pg, eid;
	const char *const	 groups[] = { "g" };

	assert_int_equal(people_staff_create(f->p, "A", "family_assistant",
	    "pl", 1, &s1), PEOPLE_OK);
	assert_int_equal(people_staff_create(f->p, "B", "family_assistant",
	    "uk", 1, &s2), PEOPLE_OK);
	f1 = add_family(f, "F1", "pl", "sms", s1, NULL);
	f2 = add_family(f, "F2", "uk", "telegram", s1, NULL);
	assert_int_equal(people_family_assign(f->p, f2, s1, s2), PEOPLE_OK);
	assert_int_equal(people_staff_list(f->p, &st, &n), PEOPLE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(st[0].families, 2);
	assert_int_equal(st[1].families, 0);	/* a substitute only */
	people_staff_list_free(st, n);
	assert_int_equal(people_family_brief(f->p, f2, &b), PEOPLE_OK);
	assert_string_equal(b.code, "R-0002");
	assert_string_equal(b.language, "uk");
	assert_string_equal(b.channel, "telegram");
	assert_int_equal(b.assistant_id, s1);
	assert_int_equal(b.substitute_id, s2);
	assert_int_equal(people_family_brief(f->p, 999, &b),
	    PEOPLE_NOT_FOUND);
	assert_int_equal(people_programme_create(f->p, "P", groups, 1, &pg),
	    PEOPLE_OK);
	assert_int_equal(people_enrol(f->p, f1, pg, 0, "2025-01-01", &eid),
	    PEOPLE_OK);
	assert_int_equal(people_enrol(f->p, f2, pg, 0, "2025-01-02", &eid),
	    PEOPLE_OK);
	assert_int_equal(people_enrolment_list(f->p, 0, pg, &e, &n),
	    PEOPLE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(e[0].family_code, "R-0001");
	assert_string_equal(e[1].family_code, "R-0002");
	people_enrolment_list_free(e, n);
}

static int
visible(struct people_test *f, int64_t fid, int64_t sid, int by_programme)
{
	int	 yes = -1;

	assert_int_equal(people_family_visible(f->p, fid, sid, by_programme,
	    &yes), PEOPLE_OK);
	return yes;
}

/* Assistant, substitute, or a coordinator's programme it is in now. */
static void
test_people_family_visible_to_its_staff_only(void **state)
{
	struct people_test	*f = *state;
	const char *const	 groups[] = { "g" };
	int64_t			 a, s, c, u, fid, other, pg1, pg2, eid;
	int64_t			 prog[2];

	assert_int_equal(people_staff_create(f->p, "A", "family_assistant",
	    "pl", 1, &a), PEOPLE_OK);
	assert_int_equal(people_staff_create(f->p, "S", "family_assistant",
	    "pl", 1, &s), PEOPLE_OK);
	assert_int_equal(people_staff_create(f->p, "C", "coordinator", "pl",
	    1, &c), PEOPLE_OK);
	assert_int_equal(people_staff_create(f->p, "U", "coordinator", "pl",
	    1, &u), PEOPLE_OK);
	fid = add_family(f, "F1", "pl", "sms", a, NULL);
	other = add_family(f, "F2", "pl", "sms", u, NULL);
	assert_int_equal(people_family_assign(f->p, fid, a, s), PEOPLE_OK);
	assert_int_equal(people_programme_create(f->p, "P1", groups, 1, &pg1),
	    PEOPLE_OK);
	assert_int_equal(people_programme_create(f->p, "P2", groups, 1, &pg2),
	    PEOPLE_OK);
	prog[0] = pg1;
	prog[1] = pg2;
	assert_int_equal(people_staff_set_programmes(f->p, c, prog, 2),
	    PEOPLE_OK);
	assert_int_equal(people_enrol(f->p, fid, pg2, 0, "2025-01-01", &eid),
	    PEOPLE_OK);
	assert_int_equal(visible(f, fid, a, 0), 1);
	assert_int_equal(visible(f, fid, s, 0), 1);
	assert_int_equal(visible(f, fid, c, 1), 1);
	/* Programmes count only for a coordinator's role. */
	assert_int_equal(visible(f, fid, c, 0), 0);
	assert_int_equal(visible(f, fid, u, 1), 0);
	assert_int_equal(visible(f, other, a, 0), 0);
	assert_int_equal(visible(f, other, c, 1), 0);
	assert_int_equal(visible(f, 999, a, 1), 0);
	/* Once the family left the programme, its coordinator loses it. */
	assert_int_equal(people_leave(f->p, fid, pg2, "2025-03-01", &eid),
	    PEOPLE_OK);
	assert_int_equal(visible(f, fid, c, 1), 0);
	assert_int_equal(visible(f, fid, a, 1), 1);
	/* A coordinator with no programmes sees only their own. */
	assert_int_equal(people_staff_set_programmes(f->p, c, NULL, 0),
	    PEOPLE_OK);
	assert_int_equal(people_enrol(f->p, fid, pg1, 0, "2025-04-01", &eid),
	    PEOPLE_OK);
	assert_int_equal(visible(f, fid, c, 1), 0);
}

static int
audit_collect(const struct audit_row *r, void *arg)
{
	int64_t	*ids = arg;
	size_t	 i;

	for (i = 0; ids[i] != 0; i++)
		;
	if (i == 7)
		return -1;
	ids[i] = r->id;
	return 0;
}

/* A family's trail: its own rows, its members' and its enrolments'. */
static void
test_people_audit_family_has_members_and_enrolments(void **state)
{
	struct people_test	*f = *state;
	struct audit_filter	 flt = { -1, 0, 0, 100 };
	const char *const	 groups[] = { "g" };
	int64_t			 f1, f2, m1, m2, pg, e1, e2;
	int64_t			 got[8];

	f1 = add_family(f, "F1", "pl", "sms", 0, PHONE_A);
	f2 = add_family(f, "F2", "pl", "sms", 0, NULL);
	assert_int_equal(people_member_create(f->p, f1, "M1", NULL, 0, &m1),
	    PEOPLE_OK);
	assert_int_equal(people_member_create(f->p, f2, "M2", NULL, 0, &m2),
	    PEOPLE_OK);
	assert_int_equal(people_programme_create(f->p, "P", groups, 1, &pg),
	    PEOPLE_OK);
	assert_int_equal(people_enrol(f->p, f1, pg, 0, "2025-01-01", &e1),
	    PEOPLE_OK);
	assert_int_equal(people_enrol(f->p, f2, pg, 0, "2025-01-01", &e2),
	    PEOPLE_OK);
	/* Audit ids 1..6, in this order. */
	assert_int_equal(people_audit(f->p, 7, "a", "family", f1), PEOPLE_OK);
	assert_int_equal(people_audit(f->p, 7, "a", "member", m1), PEOPLE_OK);
	assert_int_equal(people_audit(f->p, 8, "a", "enrolment", e1),
	    PEOPLE_OK);
	assert_int_equal(people_audit(f->p, 7, "a", "family", f2), PEOPLE_OK);
	assert_int_equal(people_audit(f->p, 7, "a", "member", m2), PEOPLE_OK);
	assert_int_equal(people_audit(f->p, 7, "a", "enrolment", e2),
	    PEOPLE_OK);
	flt.family_id = f1;
	memset(got, 0, sizeof got);
	assert_int_equal(people_audit_find(f->p, &flt, audit_collect, got),
	    PEOPLE_OK);
	assert_int_equal(got[0], 3);
	assert_int_equal(got[1], 2);
	assert_int_equal(got[2], 1);
	assert_int_equal(got[3], 0);
	/* With the uid too; and a family with no rows finds none. */
	flt.uid = 7;
	memset(got, 0, sizeof got);
	assert_int_equal(people_audit_find(f->p, &flt, audit_collect, got),
	    PEOPLE_OK);
	assert_int_equal(got[0], 2);
	assert_int_equal(got[1], 1);
	assert_int_equal(got[2], 0);
	flt.uid = -1;
	flt.family_id = 999;
	memset(got, 0, sizeof got);
	assert_int_equal(people_audit_find(f->p, &flt, audit_collect, got),
	    PEOPLE_OK);
	assert_int_equal(got[0], 0);
	/* No family: everything. */
	flt.family_id = 0;
	memset(got, 0, sizeof got);
	assert_int_equal(people_audit_find(f->p, &flt, audit_collect, got),
	    PEOPLE_OK);
	assert_int_equal(got[0], 6);
	assert_int_equal(got[5], 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_name_bounds),
		cmocka_unit_test(test_validate_refuses_controls_and_bad_utf8),
		cmocka_unit_test(test_validate_enums_and_dates),
		cmocka_unit_test_setup_teardown(test_people_family_with_contact,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_people_duplicate_phone_conflicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_people_list_filters,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_people_delete_cascades,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_people_last_member_stays,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_people_invitation_and_link, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_people_staff_language_and_find, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_people_file_holds_no_plain_names, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_people_member_settings_make_a_newcomer_a_family, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_people_family_helpers_first_names_only, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_people_paper_consent_recorded_and_withdrawn, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_people_family_brief_read_again_sees_every_change,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_people_memos_follow_every_change, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_people_reads_across_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_people_family_visible_to_its_staff_only, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_people_audit_family_has_members_and_enrolments, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_people_pending_import_is_unseen_until_published, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
