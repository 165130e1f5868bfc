/*
 * Unit tests for the relay core: splitting long texts (daemon/conv/relay.c),
 * the header, flood pacing and permission rules, and, on a fresh temp
 * database per test, who reads a family's messages, the sealed record,
 * tracing a reply and the announcements gate (daemon/conv/conv.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app.h"
#include "conv.h"
#include "crypto.h"
#include "dispatch.h"
#include "history.h"
#include "log.h"
#include "outbox.h"
#include "people.h"
#include "relay.h"
#include "store.h"
#include "tg.h"
#include "unit/fixture.h"

/* ---- splitting ------------------------------------------------------- */

static long
units(const char *s)
{
	return tg_utf16_len(s, strlen(s));
}

/* Splits, checks every part fits, returns the parts. */
static char **
split_ok(const char *text, long max, size_t *n)
{
	char	**parts = NULL;
	size_t	 i;

	assert_int_equal(relay_split(text, max, &parts, n), 0);
	for (i = 0; i < *n; i++) {
		assert_true(units(parts[i]) >= 0);	/* valid UTF-8 */
		if (units(parts[i]) > max)
			fail_msg("part %zu has %ld units > %ld", i,
			    units(parts[i]), max);
	}
	return parts;
}

static char *
repeat(const char *word, size_t times, const char *sep)
{
	size_t	 wl = strlen(word), sl = strlen(sep), i;
	char	*s = calloc(1, times * (wl + sl) + 1), *p = s;

	assert_non_null(s);
	for (i = 0; i < times; i++) {
		memcpy(p, word, wl);
		p += wl;
		if (i + 1 < times) {
			memcpy(p, sep, sl);
			p += sl;
		}
	}
	return s;
}

static void
test_relay_split_short_text_is_one_part_without_number(void **state)
{
	char	**p;
	size_t	 n;

	(void)state;
	p = split_ok("Zażółć gęślą jaźń", TG_TEXT_MAX, &n);
	assert_int_equal(n, 1);
	assert_string_equal(p[0], "Zażółć gęślą jaźń");
	relay_parts_free(p, n);
}

static void
test_relay_split_prefers_line_breaks(void **state)
{
	char	*text, **p;
	size_t	 n;

	(void)state;
	/* Lines of 30 Cyrillic letters; 100 units a part. */
	text = repeat("Добрийдень,прошуприйтизавтрао", 12, "\n");
	p = split_ok(text, 100, &n);
	assert_true(n > 1);
	assert_true(strncmp(p[0], "(1/", 3) == 0);
	/* Each part ends at the end of a line: whole lines only. */
	assert_non_null(strstr(p[0], "прошуприйтизавтрао"));
	assert_int_equal(strlen(strrchr(p[0], '\n') + 1),
	    strlen("Добрийдень,прошуприйтизавтрао"));
	relay_parts_free(p, n);
	free(text);
}

static void
test_relay_split_words_polish_numbered_in_order(void **state)
{
	char	*text, **p, *joined;
	size_t	 n, i, len = 0;

	(void)state;
	text = repeat("źdźbło", 2000, " ");
	p = split_ok(text, TG_TEXT_MAX, &n);
	assert_int_equal(n, 4);
	joined = calloc(1, strlen(text) + 64);
	for (i = 0; i < n; i++) {
		char	 want[48];

		snprintf(want, sizeof want, "(%zu/%zu) ", i + 1, n);
		assert_true(strncmp(p[i], want, strlen(want)) == 0);
		if (i > 0)
			joined[len++] = ' ';
		memcpy(joined + len, p[i] + strlen(want),
		    strlen(p[i]) - strlen(want));
		len += strlen(p[i]) - strlen(want);
	}
	/* No word was cut: the parts put together are the text. */
	assert_string_equal(joined, text);
	free(joined);
	relay_parts_free(p, n);
	free(text);
}

static void
test_relay_split_never_cuts_emoji_or_surrogates(void **state)
{
	/* A family emoji (ZWJ sequence, 11 units) and flags, no spaces. */
	const char	*fam = "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9"
			    "\xe2\x80\x8d\xf0\x9f\x91\xa7";
	char		*text, **p;
	size_t		 n, i;

	(void)state;
	text = repeat(fam, 40, "");
	p = split_ok(text, 50, &n);
	assert_true(n > 1);
	for (i = 0; i < n; i++) {
		const char *body = strchr(p[i], ' ') + 1;

		/* Every part is whole family emoji, no stray joiner. */
		assert_int_equal(strlen(body) % strlen(fam), 0);
	}
	relay_parts_free(p, n);
	free(text);
}

static void
test_relay_split_refuses_invalid_utf8(void **state)
{
	char	**p = NULL;
	size_t	 n = 0;

	(void)state;
	assert_int_equal(relay_split("abc\xc3", 100, &p, &n), -1);
	assert_null(p);
	assert_int_equal(relay_split("abc", 8, &p, &n), -1);
}

static void
test_relay_split_ten_parts_keep_the_limit(void **state)
{
	char	*text, **p;
	size_t	 n;

	(void)state;
	/* Around ten parts: the prefix grows to "(10/10) " and still fits. */
	text = repeat("abcdefghi", 95, " ");
	p = split_ok(text, 100, &n);
	assert_true(n >= 10);
	assert_true(strncmp(p[n - 1], "(10/", 4) == 0 ||
	    strncmp(p[n - 1], "(11/", 4) == 0);
	relay_parts_free(p, n);
	free(text);
}

static void
test_relay_header_and_first_name(void **state)
{
	char	*h, *f;

	(void)state;
	h = relay_header("R-0042", "Olena", "uk", "Telegram");
	assert_string_equal(h, "R-0042 \xc2\xb7 Olena \xc2\xb7 uk \xc2\xb7 "
	    "Telegram");
	free(h);
	h = relay_header("R-0042", "", "pl", "Telegram");
	assert_string_equal(h, "R-0042 \xc2\xb7 pl \xc2\xb7 Telegram");
	free(h);
	f = relay_first_name("  Ołena Kowalska");
	assert_string_equal(f, "Ołena");
	free(f);
}

/* ---- pacing and permissions ------------------------------------------ */

static void
test_conv_pace_first_twenty_free_then_one_every_three_seconds(void **state)
{
	struct conv_pace	 p = { 7, 0, 0 };
	int64_t			 now = 1000000, nb;
	int			 notice, i, notices = 0;

	(void)state;
	for (i = 0; i < 20; i++) {
		conv_pace_step(&p, i, 20, now, &nb, &notice);
		assert_int_equal(nb, 0);
		assert_int_equal(notice, 0);
	}
	for (i = 20; i < 25; i++) {
		conv_pace_step(&p, i, 20, now, &nb, &notice);
		assert_int_equal(nb, now + (i - 19) * 3000);
		notices += notice;
	}
	assert_int_equal(notices, 1);
	/* Still draining the burst: a quiet-window message waits too. */
	conv_pace_step(&p, 3, 20, now + 4000, &nb, &notice);
	assert_int_equal(nb, now + 18000);
	assert_int_equal(notice, 0);
	/* Later, calm: free again, and the next burst gets a notice. */
	conv_pace_step(&p, 0, 20, now + 120000, &nb, &notice);
	assert_int_equal(nb, 0);
	conv_pace_step(&p, 20, 20, now + 121000, &nb, &notice);
	assert_int_equal(notice, 1);
}

static void
test_conv_rules_who_may_write(void **state)
{
	(void)state;
	assert_int_equal(conv_rule_may_write("family_assistant", 1, 3, 3, 0),
	    CONV_MAY);
	assert_int_equal(conv_rule_may_write("integration_assistant", 1, 4, 3,
	    4), CONV_MAY);
	assert_int_equal(conv_rule_may_write("family_assistant", 1, 5, 3, 4),
	    CONV_NOT_YOURS);
	assert_int_equal(conv_rule_may_write("coordinator", 1, 9, 3, 4),
	    CONV_MAY);
	assert_int_equal(conv_rule_may_write("administrator", 1, 9, 0, 0),
	    CONV_MAY);
	assert_int_equal(conv_rule_may_write("coordinator", 0, 9, 3, 4),
	    CONV_NOT_STAFF);
	/* A family without an assistant is nobody's but the coordinators'. */
	assert_int_equal(conv_rule_may_write("family_assistant", 1, 3, 0, 0),
	    CONV_NOT_YOURS);
}

/* ---- the store ------------------------------------------------------- */

struct conv_test {
	struct fixture	 fx;
	struct app	 app;		/* st and keys are the fixture's */
};

static int
teardown(void **state)
{
	struct conv_test	*f = *state;
	int			 rc;

	conv_free(f->app.conv);
	history_free(f->app.history);
	people_free(f->app.people);
	outbox_free(f->app.ob);
	rc = fixture_teardown(&f->fx);
	free(f);
	return rc;
}

static int
setup(void **state)
{
	struct conv_test	*f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return -1;
	*state = f;
	if (fixture_setup(&f->fx, "conv", FIXTURE_STORE | FIXTURE_KEYS) == -1)
		goto fail;
	f->app.st = f->fx.st;
	f->app.keys = f->fx.keys;
	if ((f->app.ob = outbox_new(f->app.st, f->app.keys)) == NULL ||
	    (f->app.people = people_new(f->app.st, f->app.keys)) == NULL ||
	    (f->app.history = history_new(f->app.st, f->app.keys)) == NULL ||
	    (f->app.conv = conv_new(&f->app)) == NULL)
		goto fail;
	return 0;
fail:
	teardown(state);
	return -1;
}

static int64_t
staff(struct conv_test *f, const char *name, const char *kind, int64_t tg)
{
	int64_t	 id;

	assert_int_equal(people_staff_create(f->app.people, name, kind,
	    "uk,pl", 1, &id), PEOPLE_OK);
	if (tg != 0)
		assert_int_equal(people_link_staff(f->app.people, id, tg, tg),
		    PEOPLE_OK);
	return id;
}

static int64_t
family(struct conv_test *f, int64_t assistant, int64_t substitute,
    int64_t *member)
{
	struct family_new	 nf = {
		.name = "Rodzina", .language = "uk", .channel = "telegram",
		.assistant_id = assistant, .substitute_id = substitute,
		.contact_name = "Olena Kowalska"
	};
	int64_t			 id;

	assert_int_equal(people_family_create(f->app.people, &nf, &id,
	    member), PEOPLE_OK);
	return id;
}

static void
readers(struct conv_test *f, int64_t fam, struct conv_readers *rd)
{
	struct conv_family	 cf;
	int			 found;

	assert_int_equal(conv_family(f->app.conv, fam, &cf, &found), 0);
	assert_true(found);
	assert_int_equal(conv_readers(f->app.conv, &cf, rd), 0);
}

static void
test_conv_readers_assistant_substitute_coordinators(void **state)
{
	struct conv_test	*f = *state;
	struct conv_readers	 rd;
	int64_t			 anna, petro, c1, c2, fam, m;

	anna = staff(f, "Anna Nowak", "family_assistant", 7001);
	petro = staff(f, "Petro Bondarenko", "integration_assistant", 7002);
	c1 = staff(f, "Kasia Wójcik", "coordinator", 7003);
	c2 = staff(f, "Jan Lis", "coordinator", 7004);
	(void)staff(f, "Ewa Bez", "coordinator", 0);	/* not linked */
	fam = family(f, anna, petro, &m);
	readers(f, fam, &rd);
	assert_int_equal(rd.route, CONV_ROUTE_ASSISTANT);
	assert_int_equal(rd.n, 1);
	assert_int_equal(rd.r[0].staff_id, anna);
	assert_int_equal(rd.r[0].chat_id, 7001);
	assert_int_equal(rd.r[0].lang, LANG_UK);
	assert_int_equal(people_staff_update(f->app.people, anna, NULL, NULL,
	    NULL, 0), PEOPLE_OK);
	readers(f, fam, &rd);
	assert_int_equal(rd.route, CONV_ROUTE_SUBSTITUTE);
	assert_int_equal(rd.r[0].staff_id, petro);
	assert_string_equal(rd.first_name, "Petro");
	assert_int_equal(people_staff_update(f->app.people, petro, NULL, NULL,
	    NULL, 0), PEOPLE_OK);
	readers(f, fam, &rd);
	assert_int_equal(rd.route, CONV_ROUTE_COORDINATORS);
	assert_int_equal(rd.n, 2);
	assert_int_equal(rd.r[0].staff_id, c1);
	assert_int_equal(rd.r[1].staff_id, c2);
}

static void
test_conv_readers_none_when_nobody_is_linked(void **state)
{
	struct conv_test	*f = *state;
	struct conv_readers	 rd;
	int64_t			 anna, fam, m;

	anna = staff(f, "Anna Nowak", "family_assistant", 0);
	fam = family(f, anna, 0, &m);
	readers(f, fam, &rd);
	assert_int_equal(rd.route, CONV_ROUTE_NONE);
	assert_int_equal(rd.n, 0);
}

static void
test_conv_record_seals_body_and_trace_finds_family(void **state)
{
	struct conv_test	*f = *state;
	struct conv_msg		 msg;
	struct conv_trace	 tr;
	struct outmsg		 om;
	struct outbox_row	 rows[4];
	sqlite3_stmt		*s;
	int64_t			 anna, fam, m, id, ob;
	int			 n;

	anna = staff(f, "Anna Nowak", "family_assistant", 7001);
	fam = family(f, anna, 0, &m);
	memset(&msg, 0, sizeof msg);
	msg.family_id = fam;
	msg.member_id = m;
	msg.staff_id = anna;
	msg.dir = CONV_FROM_FAMILY;
	msg.kind = "text";
	msg.channel = CHANNEL_TELEGRAM;
	msg.body = "Таємниця родини";
	msg.src_message_id = 55;
	assert_int_equal(conv_record(f->app.conv, &msg, &id), 0);
	/* No plain text in the row. */
	assert_int_equal(sqlite3_prepare_v2(store_db(f->app.st), "SELECT "
	    "COUNT(*) FROM messages WHERE instr(body, ?) > 0", -1, &s, NULL),
	    SQLITE_OK);
	sqlite3_bind_blob(s, 1, "Таємниця", (int)strlen("Таємниця"),
	    SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 0);
	sqlite3_finalize(s);
	/* Our copy in Anna's chat, sent as message 900. */
	memset(&om, 0, sizeof om);
	om.channel = CHANNEL_TELEGRAM;
	om.chat_id = 7001;
	om.method = "sendMessage";
	om.params = "{}";
	om.cause = CONV_CAUSE_RELAY;
	om.cause_id = id;
	assert_int_equal(outbox_enqueue(f->app.ob, &om, &ob), 0);
	n = outbox_due(f->app.ob, store_now_ms() + 1, rows, 4);
	assert_int_equal(n, 1);
	assert_int_equal(outbox_mark_sent(f->app.ob, ob, 1, 900), 0);
	assert_int_equal(conv_trace(f->app.conv, 7001, 900, &tr), 0);
	assert_true(tr.found);
	assert_int_equal(tr.family_id, fam);
	assert_int_equal(tr.member_id, m);
	assert_int_equal(tr.src_message_id, 55);
	/* Elsewhere, or another message: not a family's. */
	assert_int_equal(conv_trace(f->app.conv, 7002, 900, &tr), 0);
	assert_false(tr.found);
	assert_int_equal(conv_trace(f->app.conv, 7001, 901, &tr), 0);
	assert_false(tr.found);
	/* The family deleted: found, but gone. */
	assert_int_equal(people_family_delete(f->app.people, fam), PEOPLE_OK);
	assert_int_equal(conv_trace(f->app.conv, 7001, 900, &tr), 0);
	assert_true(tr.found);
	assert_int_equal(tr.family_id, 0);
}

static void
test_conv_gate_holds_announcements_after_stop(void **state)
{
	struct conv_test	*f = *state;
	struct outbox_row	 row;
	char			 why[128];
	int64_t			 fam, m;

	fam = family(f, 0, 0, &m);
	(void)fam;
	memset(&row, 0, sizeof row);
	row.member_id = m;
	row.priority = OUTBOX_PRIO_BROADCAST;
	assert_int_equal(conv_gate(f->app.conv, &row, why, sizeof why), 0);
	assert_int_equal(store_exec(f->app.st, "UPDATE members SET "
	    "announcements = 0", "test"), 0);
	assert_int_equal(conv_gate(f->app.conv, &row, why, sizeof why), 1);
	assert_string_equal(why, "the family turned announcements off");
	/* A conversation still goes. */
	row.priority = OUTBOX_PRIO_CONVERSATION;
	assert_int_equal(conv_gate(f->app.conv, &row, why, sizeof why), 0);
	/* A visit reminder has its own switch; a move is always told. */
	row.priority = OUTBOX_PRIO_REMINDER;
	snprintf(row.cause, sizeof row.cause, "reminder");
	assert_int_equal(conv_gate(f->app.conv, &row, why, sizeof why), 0);
	assert_int_equal(store_exec(f->app.st, "UPDATE members SET "
	    "reminders_off = 1", "test"), 0);
	assert_int_equal(conv_gate(f->app.conv, &row, why, sizeof why), 1);
	assert_string_equal(why, "the family turned reminders off");
	snprintf(row.cause, sizeof row.cause, "visit_notice");
	assert_int_equal(conv_gate(f->app.conv, &row, why, sizeof why), 0);
	/* Announcements on, reminders off: a broadcast goes. */
	assert_int_equal(store_exec(f->app.st, "UPDATE members SET "
	    "announcements = 1", "test"), 0);
	row.priority = OUTBOX_PRIO_BROADCAST;
	snprintf(row.cause, sizeof row.cause, "admin");
	assert_int_equal(conv_gate(f->app.conv, &row, why, sizeof why), 0);
}

static void
test_conv_flood_counts_the_family_minute(void **state)
{
	struct conv_test	*f = *state;
	struct conv_msg		 msg;
	int64_t			 fam, m, nb, now = store_now_ms();
	int			 i, notice, notices = 0;

	fam = family(f, 0, 0, &m);
	memset(&msg, 0, sizeof msg);
	msg.family_id = fam;
	msg.kind = "text";
	msg.channel = CHANNEL_TELEGRAM;
	for (i = 0; i < 25; i++) {
		assert_int_equal(conv_flood(f->app.conv, fam, 20, now, &nb,
		    &notice), 0);
		assert_true(i < 20 ? nb == 0 : nb == now + (i - 19) * 3000);
		notices += notice;
		assert_int_equal(conv_record(f->app.conv, &msg, NULL), 0);
	}
	assert_int_equal(notices, 1);
}

/*
 * The count is kept in memory after the family's first message: it
 * starts from what history holds, and forgets a message whose
 * transaction was rolled back.
 */
static void
test_conv_flood_count_follows_history_and_rollbacks(void **state)
{
	struct conv_test	*f = *state;
	struct conv_msg		 msg;
	int64_t			 fam, m, nb, now = store_now_ms();
	int			 i, notice;

	fam = family(f, 0, 0, &m);
	memset(&msg, 0, sizeof msg);
	msg.family_id = fam;
	msg.kind = "text";
	msg.channel = CHANNEL_TELEGRAM;
	/* Three written before the first count: read from history. */
	for (i = 0; i < 3; i++)
		assert_int_equal(conv_record(f->app.conv, &msg, NULL), 0);
	assert_int_equal(conv_flood(f->app.conv, fam, 4, now, &nb, &notice),
	    0);
	assert_true(nb == 0 && notice == 0);
	/* A fourth, rolled back: not counted. */
	assert_int_equal(store_begin(f->app.st), 0);
	assert_int_equal(store_savepoint(f->app.st), 0);
	assert_int_equal(conv_record(f->app.conv, &msg, NULL), 0);
	store_rollback_to(f->app.st);
	assert_int_equal(store_commit(f->app.st), 0);
	assert_int_equal(conv_flood(f->app.conv, fam, 4, now, &nb, &notice),
	    0);
	assert_true(nb == 0 && notice == 0);
	/* The fourth for real; the fifth is paced. */
	assert_int_equal(conv_record(f->app.conv, &msg, NULL), 0);
	assert_int_equal(conv_flood(f->app.conv, fam, 4, now, &nb, &notice),
	    0);
	assert_true(nb == now + 15000 && notice == 1);
}

/* A message from the family, written by `member`. */
static void
from_family(struct conv_test *f, int64_t fam, int64_t member)
{
	struct conv_msg		 msg;

	memset(&msg, 0, sizeof msg);
	msg.family_id = fam;
	msg.member_id = member;
	msg.dir = CONV_FROM_FAMILY;
	msg.kind = "text";
	msg.channel = CHANNEL_TELEGRAM;
	msg.body = "Dzień dobry";
	assert_int_equal(conv_record(f->app.conv, &msg, NULL), 0);
}

static void
test_conv_families_unread_first_then_by_code(void **state)
{
	struct conv_test	*f = *state;
	struct conv_family_row	*rows = NULL;
	size_t			 n = 0;
	int64_t			 anna, jan, f1, f2, f3, f4, m, total, cur;

	anna = staff(f, "Anna Nowak", "family_assistant", 7001);
	jan = staff(f, "Jan Lis", "family_assistant", 7002);
	f1 = family(f, anna, 0, &m);
	f2 = family(f, anna, 0, &m);
	from_family(f, f2, m);
	from_family(f, f2, m);
	f3 = family(f, jan, anna, &m);		/* Anna stands in */
	f4 = family(f, jan, 0, &m);
	assert_int_equal(conv_families(f->app.conv, anna, 0, 2, &rows, &n,
	    &total), 0);
	assert_int_equal(total, 3);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].id, f2);
	assert_int_equal(rows[0].unread, 2);
	assert_string_equal(rows[0].code, "R-0002");
	assert_string_equal(rows[0].name, "Rodzina");
	assert_int_equal(rows[1].id, f1);
	assert_int_equal(rows[1].unread, 0);
	conv_family_rows_free(rows, n);
	assert_int_equal(conv_mark_read(f->app.conv, f2, store_now_ms()), 0);
	assert_int_equal(conv_families(f->app.conv, jan, 1, 10, &rows, &n,
	    &total), 0);
	assert_int_equal(total, 4);
	assert_int_equal(n, 4);
	assert_int_equal(rows[0].id, f1);
	assert_int_equal(rows[1].id, f2);
	assert_int_equal(rows[1].unread, 0);
	assert_int_equal(rows[2].id, f3);
	assert_int_equal(rows[3].id, f4);
	conv_family_rows_free(rows, n);
	assert_int_equal(conv_current(f->app.conv, anna, &cur), 0);
	assert_int_equal(cur, 0);
	assert_int_equal(conv_set_current(f->app.conv, anna, f3), 0);
	assert_int_equal(conv_current(f->app.conv, anna, &cur), 0);
	assert_int_equal(cur, f3);
	assert_int_equal(people_family_delete(f->app.people, f3), PEOPLE_OK);
	assert_int_equal(conv_current(f->app.conv, anna, &cur), 0);
	assert_int_equal(cur, 0);
}

static void
test_conv_target_asked_for_then_last_writer_then_contact(void **state)
{
	struct conv_test	*f = *state;
	struct conv_target	 t;
	struct conv_sms_target	 st;
	char			 first[64];
	int64_t			 fam, m1, m2, m3;

	fam = family(f, 0, 0, &m1);
	assert_int_equal(people_member_create(f->app.people, fam,
	    "Iryna Kowalska", "+48601000002", 0, &m2), PEOPLE_OK);
	assert_int_equal(people_member_create(f->app.people, fam,
	    "Taras Kowalski", "+48601000003", 0, &m3), PEOPLE_OK);
	assert_int_equal(conv_target(f->app.conv, fam, 0, &t), 0);
	assert_int_equal(t.member_id, 0);	/* nobody on Telegram */
	assert_int_equal(people_link_member(f->app.people, m1, 8001, 8001),
	    PEOPLE_OK);
	assert_int_equal(people_link_member(f->app.people, m2, 8002, 8002),
	    PEOPLE_OK);
	assert_int_equal(people_link_member(f->app.people, m3, 8003, 8003),
	    PEOPLE_OK);
	assert_int_equal(conv_target(f->app.conv, fam, 0, &t), 0);
	assert_int_equal(t.member_id, m1);	/* the contact */
	assert_int_equal(t.chat_id, 8001);
	from_family(f, fam, m3);
	assert_int_equal(conv_target(f->app.conv, fam, 0, &t), 0);
	assert_int_equal(t.member_id, m3);
	assert_int_equal(t.chat_id, 8003);
	assert_int_equal(conv_target(f->app.conv, fam, m2, &t), 0);
	assert_int_equal(t.member_id, m2);
	assert_int_equal(conv_sms_target(f->app.conv, fam, 0, &st), 0);
	assert_int_equal(st.member_id, m3);
	assert_string_equal(st.phone, "+48601000003");
	assert_int_equal(conv_sms_target(f->app.conv, fam, m2, &st), 0);
	assert_int_equal(st.member_id, m2);
	/* The contact has no phone: never an SMS target. */
	assert_int_equal(conv_sms_target(f->app.conv, fam, m1, &st), 0);
	assert_int_equal(st.member_id, m3);
	assert_int_equal(conv_member_first_name(f->app.conv, m2, first,
	    sizeof first), 0);
	assert_string_equal(first, "Iryna");
	assert_int_equal(conv_member_first_name(f->app.conv, 999, first,
	    sizeof first), 0);
	assert_string_equal(first, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_relay_split_short_text_is_one_part_without_number),
		cmocka_unit_test(test_relay_split_prefers_line_breaks),
		cmocka_unit_test(
		    test_relay_split_words_polish_numbered_in_order),
		cmocka_unit_test(
		    test_relay_split_never_cuts_emoji_or_surrogates),
		cmocka_unit_test(test_relay_split_refuses_invalid_utf8),
		cmocka_unit_test(test_relay_split_ten_parts_keep_the_limit),
		cmocka_unit_test(test_relay_header_and_first_name),
		cmocka_unit_test(
		    test_conv_pace_first_twenty_free_then_one_every_three_seconds),
		cmocka_unit_test(test_conv_rules_who_may_write),
		cmocka_unit_test_setup_teardown(
		    test_conv_readers_assistant_substitute_coordinators,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_conv_readers_none_when_nobody_is_linked, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_conv_record_seals_body_and_trace_finds_family, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_conv_gate_holds_announcements_after_stop, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_conv_flood_counts_the_family_minute, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_conv_flood_count_follows_history_and_rollbacks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_conv_families_unread_first_then_by_code, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_conv_target_asked_for_then_last_writer_then_contact,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, fixture_group_setup, NULL);
}
