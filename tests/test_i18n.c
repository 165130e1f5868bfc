/* Unit tests for the message catalogs, run against the real compiled .mo. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i18n.h"
#include "unit/fixture.h"
#include "xmalloc.h"

#define M_UNLINKED	"This is the bot of %s. To write to your assistant, " \
			"ask them for an invitation link and open it, or " \
			"send /start followed by the invitation code."
#define M_HELP		"I pass messages between families and their " \
			"assistants at %s.\n\nCommands:\n/start CODE — link " \
			"your account with an invitation code\n/help — this " \
			"help\n\nIn an emergency, call 112."
#define M_CMD_START	"Start, or link an invitation code"
#define M_CMD_HELP	"Help and commands"
#define M_N1		"%lu message"
#define M_N2		"%lu messages"

#define PF_PL	"nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && " \
		"(n%100<10 || n%100>=20) ? 1 : 2);"
#define CT	"Content-Type: text/plain; charset=UTF-8\n"

struct mo_image {
	unsigned char	*data;
	size_t		 len;
};

/* One entry of a hand-built catalog; lengths allow embedded NULs. */
struct mo_entry {
	const char	*o;
	size_t		 olen;
	const char	*t;
	size_t		 tlen;
};
#define E(o, t)	{ (o), sizeof(o) - 1, (t), sizeof(t) - 1 }

static struct mo_image
mo_read(enum lang lang)
{
	struct mo_image	 m = { NULL, 0 };
	char		 path[4096];
	FILE		*f;
	long		 sz;

	(void)snprintf(path, sizeof(path), "%s/%s.mo", fixture_mo_dir(),
	    lang_code(lang));
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s (set ASYSTENT_MO_DIR)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	sz = ftell(f);
	assert_true(sz > 0);
	rewind(f);
	m.len = (size_t)sz;
	m.data = xmalloc(m.len);
	assert_int_equal(fread(m.data, 1, m.len, f), m.len);
	fclose(f);
	return m;
}

static void
put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint32_t
get32(const unsigned char *p)
{
	uint32_t	 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* A .mo image in our byte order; entries must come sorted. */
static struct mo_image
mo_build(const struct mo_entry *e, uint32_t n)
{
	struct mo_image	 m;
	size_t		 at, k;

	m.len = 28 + (size_t)n * 16;
	for (k = 0; k < n; k++)
		m.len += e[k].olen + 1 + e[k].tlen + 1;
	m.data = xcalloc(1, m.len);
	put32(m.data, 0x950412deU);
	put32(m.data + 8, n);
	put32(m.data + 12, 28);
	put32(m.data + 16, 28 + n * 8);
	at = 28 + (size_t)n * 16;
	for (k = 0; k < n; k++) {
		put32(m.data + 28 + k * 8, (uint32_t)e[k].olen);
		put32(m.data + 28 + k * 8 + 4, (uint32_t)at);
		memcpy(m.data + at, e[k].o, e[k].olen);
		at += e[k].olen + 1;
	}
	for (k = 0; k < n; k++) {
		put32(m.data + 28 + (n + k) * 8, (uint32_t)e[k].tlen);
		put32(m.data + 28 + (n + k) * 8 + 4, (uint32_t)at);
		memcpy(m.data + at, e[k].t, e[k].tlen);
		at += e[k].tlen + 1;
	}
	return m;
}

static int
mo_load(struct mo_image m, enum lang lang)
{
	struct i18n	*i = i18n_new();
	char		 err[256] = "";
	int		 rc;

	rc = i18n_load_mo(i, lang, m.data, m.len, err, sizeof(err));
	if (rc == -1)
		assert_true(err[0] != '\0');
	i18n_free(i);
	return rc;
}

static int
group_setup(void **state)
{
	struct i18n	*i = NULL;

	fixture_warsaw();
	if (fixture_catalogs(&i) == -1)
		return -1;
	*state = i;
	return 0;
}

static int
group_teardown(void **state)
{
	i18n_free(*state);
	return 0;
}

/* localization.md §2, gettext index per language. */
static void
test_i18n_plural_index_matches_cldr_table(void **state)
{
	static const struct {
		unsigned long	 n;
		unsigned	 pl, ukru, en;
	} t[] = {
		{ 0, 2, 2, 1 }, { 1, 0, 0, 0 }, { 2, 1, 1, 1 },
		{ 4, 1, 1, 1 }, { 5, 2, 2, 1 }, { 11, 2, 2, 1 },
		{ 12, 2, 2, 1 }, { 14, 2, 2, 1 }, { 21, 2, 0, 1 },
		{ 22, 1, 1, 1 }, { 25, 2, 2, 1 }, { 101, 2, 0, 1 },
		{ 102, 1, 1, 1 }, { 111, 2, 2, 1 }, { 112, 2, 2, 1 },
		{ 1001, 2, 0, 1 },
	};
	size_t	 k;

	(void)state;
	for (k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		assert_int_equal(i18n_plural(LANG_PL, t[k].n), t[k].pl);
		assert_int_equal(i18n_plural(LANG_UK, t[k].n), t[k].ukru);
		assert_int_equal(i18n_plural(LANG_RU, t[k].n), t[k].ukru);
		assert_int_equal(i18n_plural(LANG_EN, t[k].n), t[k].en);
	}
}

static void
test_i18n_nget_picks_translated_form(void **state)
{
	static const struct {
		enum lang	 lang;
		unsigned long	 n;
		const char	*want;
	} t[] = {
		{ LANG_PL, 1, "%lu wiadomość" },
		{ LANG_PL, 2, "%lu wiadomości" },
		{ LANG_PL, 5, "%lu wiadomości" },
		{ LANG_PL, 22, "%lu wiadomości" },
		{ LANG_PL, 25, "%lu wiadomości" },
		{ LANG_PL, 112, "%lu wiadomości" },
		{ LANG_UK, 1, "%lu повідомлення" },
		{ LANG_UK, 2, "%lu повідомлення" },
		{ LANG_UK, 5, "%lu повідомлень" },
		{ LANG_UK, 21, "%lu повідомлення" },
		{ LANG_UK, 25, "%lu повідомлень" },
		{ LANG_UK, 112, "%lu повідомлень" },
		{ LANG_RU, 1, "%lu сообщение" },
		{ LANG_RU, 2, "%lu сообщения" },
		{ LANG_RU, 5, "%lu сообщений" },
		{ LANG_RU, 21, "%lu сообщение" },
		{ LANG_RU, 22, "%lu сообщения" },
		{ LANG_RU, 25, "%lu сообщений" },
		{ LANG_RU, 112, "%lu сообщений" },
		{ LANG_RU, 0, "%lu сообщений" },
		{ LANG_EN, 1, "%lu message" },
		{ LANG_EN, 2, "%lu messages" },
		{ LANG_EN, 0, "%lu messages" },
		{ LANG_EN, 21, "%lu messages" },
	};
	size_t	 k;

	for (k = 0; k < sizeof(t) / sizeof(t[0]); k++)
		assert_string_equal(i18n_nget(*state, t[k].lang, M_N1, M_N2,
		    t[k].n), t[k].want);
}

static void
test_i18n_nget_unknown_uses_english_rule(void **state)
{
	assert_string_equal(i18n_nget(*state, LANG_PL, "%lu cat", "%lu cats",
	    1), "%lu cat");
	assert_string_equal(i18n_nget(*state, LANG_PL, "%lu cat", "%lu cats",
	    5), "%lu cats");
	/* A singular entry has one form: other counts fall back. */
	assert_string_equal(i18n_nget(*state, LANG_PL, M_CMD_HELP, "x", 5),
	    "x");
	assert_string_equal(i18n_nget(NULL, LANG_RU, M_N1, M_N2, 1), M_N1);
}

static void
test_i18n_get_translates_every_string(void **state)
{
	static const char *const ids[] = {
		M_UNLINKED, M_HELP, M_CMD_START, M_CMD_HELP
	};
	const char	*s;
	size_t		 k;
	int		 l;

	for (k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
		for (l = 0; l < LANG_COUNT; l++) {
			s = i18n_get(*state, (enum lang)l, ids[k]);
			assert_non_null(s);
			if (l == LANG_EN) {
				assert_string_equal(s, ids[k]);
				continue;
			}
			/* A real translation, not the msgid's copy. */
			assert_ptr_not_equal(s, ids[k]);
			assert_string_not_equal(s, ids[k]);
			if (k < 2)
				assert_non_null(strstr(s, "%s"));
			if (k == 1)
				assert_non_null(strstr(s, "112"));
			assert_true(strlen(s) <= (k >= 2 ? 256u : 4096u));
		}
	}
	assert_string_equal(i18n_get(*state, LANG_PL, M_CMD_HELP),
	    "Pomoc i lista poleceń");
	assert_string_equal(i18n_get(*state, LANG_UK, M_CMD_HELP),
	    "Довідка та команди");
	assert_string_equal(i18n_get(*state, LANG_RU, M_CMD_HELP),
	    "Справка и команды");
}

/* The tables of localization.md §3 (ICU 72), plus the accusative forms. */
static void
test_i18n_context_tables_match_reference(void **state)
{
	static const char *const nom[3][12] = {
		{ "styczeń", "luty", "marzec", "kwiecień", "maj", "czerwiec",
		  "lipiec", "sierpień", "wrzesień", "październik", "listopad",
		  "grudzień" },
		{ "січень", "лютий", "березень", "квітень", "травень",
		  "червень", "липень", "серпень", "вересень", "жовтень",
		  "листопад", "грудень" },
		{ "январь", "февраль", "март", "апрель", "май", "июнь", "июль",
		  "август", "сентябрь", "октябрь", "ноябрь", "декабрь" },
	};
	static const char *const gen[3][12] = {
		{ "stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca",
		  "lipca", "sierpnia", "września", "października",
		  "listopada", "grudnia" },
		{ "січня", "лютого", "березня", "квітня", "травня", "червня",
		  "липня", "серпня", "вересня", "жовтня", "листопада",
		  "грудня" },
		{ "января", "февраля", "марта", "апреля", "мая", "июня",
		  "июля", "августа", "сентября", "октября", "ноября",
		  "декабря" },
	};
	static const char *const wd[4][7] = {
		{ "poniedziałek", "wtorek", "środa", "czwartek", "piątek",
		  "sobota", "niedziela" },
		{ "понеділок", "вівторок", "середа", "четвер", "пʼятниця",
		  "субота", "неділя" },
		{ "понедельник", "вторник", "среда", "четверг", "пятница",
		  "суббота", "воскресенье" },
		{ "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
		  "Saturday", "Sunday" },
	};
	static const char *const on[4][7] = {
		{ "w poniedziałek", "we wtorek", "w środę", "w czwartek",
		  "w piątek", "w sobotę", "w niedzielę" },
		{ "у понеділок", "у вівторок", "у середу", "у четвер",
		  "у пʼятницю", "у суботу", "у неділю" },
		{ "в понедельник", "во вторник", "в среду", "в четверг",
		  "в пятницу", "в субботу", "в воскресенье" },
		{ "on Monday", "on Tuesday", "on Wednesday", "on Thursday",
		  "on Friday", "on Saturday", "on Sunday" },
	};
	char	 num[12];
	int	 l, k;

	for (l = 0; l < 3; l++) {
		for (k = 0; k < 12; k++) {
			(void)snprintf(num, sizeof(num), "%d", k + 1);
			assert_string_equal(i18n_pget(*state, (enum lang)l,
			    "month-nom", num), nom[l][k]);
			assert_string_equal(i18n_pget(*state, (enum lang)l,
			    "month-gen", num), gen[l][k]);
		}
	}
	for (l = 0; l < 4; l++) {
		for (k = 0; k < 7; k++) {
			(void)snprintf(num, sizeof(num), "%d", k + 1);
			assert_string_equal(i18n_pget(*state, (enum lang)l,
			    "weekday", num), wd[l][k]);
			assert_string_equal(i18n_pget(*state, (enum lang)l,
			    "weekday-on", num), on[l][k]);
		}
	}
	assert_string_equal(i18n_pget(*state, LANG_EN, "month-gen", "11"),
	    "November");
	assert_string_equal(i18n_pget(*state, LANG_EN, "month-nom", "7"),
	    "July");
}

static void
test_i18n_context_is_part_of_the_key(void **state)
{
	/* Without its context a month number is no msgid of ours. */
	assert_string_equal(i18n_get(*state, LANG_PL, "11"), "11");
	assert_string_equal(i18n_pget(*state, LANG_PL, "month", "11"), "11");
	assert_string_equal(i18n_pget(*state, LANG_PL, "month-gen", "13"),
	    "13");
	assert_string_equal(i18n_pget(*state, LANG_PL, "month-gen", "1"),
	    "stycznia");
	assert_string_equal(i18n_pget(*state, LANG_PL, "month-genx", "1"),
	    "1");
	assert_string_equal(i18n_pget(*state, LANG_PL, NULL, M_CMD_HELP),
	    "Pomoc i lista poleceń");
}

static void
test_i18n_unknown_msgid_falls_back(void **state)
{
	const char	*id = "No such message";

	assert_ptr_equal(i18n_get(*state, LANG_UK, id), id);
	/* "" would otherwise find the catalog header. */
	assert_string_equal(i18n_get(*state, LANG_PL, ""), "");
	assert_ptr_equal(i18n_get(NULL, LANG_PL, id), id);
	assert_ptr_equal(i18n_get(*state, LANG_COUNT, id), id);
	assert_null(i18n_get(*state, LANG_PL, NULL));
	/* A prefix of a msgid, and the msgid plus more, are misses. */
	assert_string_equal(i18n_get(*state, LANG_PL, "Help and"),
	    "Help and");
	assert_string_equal(i18n_get(*state, LANG_PL, M_CMD_HELP "!"),
	    M_CMD_HELP "!");
}

static void
test_lang_parse_primary_subtag(void **state)
{
	enum lang	 l = LANG_COUNT;

	(void)state;
	assert_int_equal(lang_parse("uk", &l), 0);
	assert_int_equal(l, LANG_UK);
	assert_int_equal(lang_parse("UK", &l), 0);
	assert_int_equal(l, LANG_UK);
	assert_int_equal(lang_parse("en-US", &l), 0);
	assert_int_equal(l, LANG_EN);
	assert_int_equal(lang_parse("ru_RU", &l), 0);
	assert_int_equal(l, LANG_RU);
	assert_int_equal(lang_parse("Pl", &l), 0);
	assert_int_equal(l, LANG_PL);
	assert_int_equal(lang_parse("de", &l), -1);
	assert_int_equal(lang_parse("", &l), -1);
	assert_int_equal(lang_parse(NULL, &l), -1);
	assert_int_equal(lang_parse("ukr", &l), -1);
	assert_int_equal(lang_parse("u", &l), -1);
	assert_int_equal(lang_parse("-uk", &l), -1);
	assert_int_equal(lang_from_tag("de"), LANG_DEFAULT);
	assert_int_equal(lang_from_tag(NULL), LANG_DEFAULT);
	assert_int_equal(lang_from_tag("ru-UA"), LANG_RU);
	assert_string_equal(lang_code(LANG_PL), "pl");
	assert_string_equal(lang_code(LANG_UK), "uk");
	assert_string_equal(lang_code(LANG_RU), "ru");
	assert_string_equal(lang_code(LANG_EN), "en");
}

/* localization.md §3, in Europe/Warsaw (CET in November, CEST in July). */
static void
test_i18n_format_datetime_matches_reference(void **state)
{
	static const char *const want[LANG_COUNT][2] = {
		{ "12 listopada 2025, 14:30", "3 lipca 2026, 09:05" },
		{ "12 листопада 2025, 14:30", "3 липня 2026, 09:05" },
		{ "12 ноября 2025, 14:30", "3 июля 2026, 09:05" },
		{ "12 November 2025, 14:30", "3 July 2026, 09:05" },
	};
	time_t	 t[2];
	char	 buf[64];
	int	 l, k;

	t[0] = fixture_utc(2025, 11, 12, 13, 30);
	t[1] = fixture_utc(2026, 7, 3, 7, 5);
	assert_int_equal(t[0], 1762954200);
	for (l = 0; l < LANG_COUNT; l++) {
		for (k = 0; k < 2; k++) {
			assert_int_equal(i18n_format_datetime(*state,
			    (enum lang)l, t[k], buf, sizeof(buf)), 0);
			assert_string_equal(buf, want[l][k]);
		}
	}
	/* Too small a buffer is an error, never a cut date. */
	assert_int_equal(i18n_format_datetime(*state, LANG_PL, t[0], buf,
	    10), -1);
	assert_int_equal(i18n_format_datetime(*state, LANG_PL, t[0], buf,
	    sizeof("12 listopada 2025, 14:30")), 0);
	/* No catalog: numbers rather than a bare month number. */
	assert_int_equal(i18n_format_datetime(NULL, LANG_PL, t[0], buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "12.11.2025, 14:30");
}

static void
test_i18n_load_names_the_file(void **state)
{
	struct i18n	*i = NULL;
	char		 err[512] = "";

	(void)state;
	assert_int_equal(i18n_load("/nonexistent-dir", &i, err,
	    sizeof(err)), -1);
	assert_null(i);
	assert_non_null(strstr(err, "/nonexistent-dir/pl.mo"));
}

static void
test_i18n_load_mo_refuses_truncated_images(void **state)
{
	struct mo_image	 m = mo_read(LANG_PL);
	struct i18n	*i = i18n_new();
	char		 err[256];
	size_t		 len;

	(void)state;
	assert_int_equal(i18n_load_mo(i, LANG_PL, NULL, 0, err, sizeof(err)),
	    -1);
	assert_int_equal(i18n_load_mo(i, LANG_PL, m.data, 27, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "truncated"));
	/* Every cut refuses: the strings run to the last byte. */
	for (len = 0; len < m.len; len++)
		assert_int_equal(i18n_load_mo(i, LANG_PL, m.data, len, NULL,
		    0), -1);
	assert_int_equal(i18n_load_mo(i, LANG_PL, m.data, m.len, err,
	    sizeof(err)), 0);
	i18n_free(i);
	free(m.data);
}

static void
test_i18n_load_mo_refuses_bad_magic_and_revision(void **state)
{
	struct mo_image	 m = mo_read(LANG_UK);

	(void)state;
	assert_int_equal(mo_load(m, LANG_UK), 0);
	m.data[0] ^= 0x01;
	assert_int_equal(mo_load(m, LANG_UK), -1);
	m.data[0] ^= 0x01;
	put32(m.data + 4, 1U << 16);
	assert_int_equal(mo_load(m, LANG_UK), -1);
	/* A minor revision is compatible. */
	put32(m.data + 4, 1);
	assert_int_equal(mo_load(m, LANG_UK), 0);
	free(m.data);
}

static void
test_i18n_load_mo_refuses_offsets_past_the_end(void **state)
{
	struct mo_image	 m = mo_read(LANG_RU);
	uint32_t	 n = get32(m.data + 8), o = get32(m.data + 12);
	uint32_t	 t = get32(m.data + 16), save;

	(void)state;
	/* The tables. */
	put32(m.data + 12, (uint32_t)m.len);
	assert_int_equal(mo_load(m, LANG_RU), -1);
	put32(m.data + 12, o);
	put32(m.data + 8, 0x20000000U);
	assert_int_equal(mo_load(m, LANG_RU), -1);
	put32(m.data + 8, n);
	put32(m.data + 16, 0xfffffff8U);
	assert_int_equal(mo_load(m, LANG_RU), -1);
	put32(m.data + 16, t);
	/* One string's offset, then its length, then both wrapping. */
	save = get32(m.data + t + 8 + 4);
	put32(m.data + t + 8 + 4, (uint32_t)m.len);
	assert_int_equal(mo_load(m, LANG_RU), -1);
	put32(m.data + t + 8 + 4, save);
	put32(m.data + o + 8, (uint32_t)m.len);
	assert_int_equal(mo_load(m, LANG_RU), -1);
	put32(m.data + o + 8, 0xffffffffU);
	put32(m.data + o + 8 + 4, 1);
	assert_int_equal(mo_load(m, LANG_RU), -1);
	free(m.data);
}

static void
test_i18n_load_mo_refuses_missing_nul(void **state)
{
	struct mo_image	 m = mo_read(LANG_EN);
	uint32_t	 t = get32(m.data + 16);
	uint32_t	 len = get32(m.data + t + 8);
	uint32_t	 off = get32(m.data + t + 8 + 4);

	(void)state;
	assert_int_equal(m.data[off + len], '\0');
	m.data[off + len] = 'x';
	assert_int_equal(mo_load(m, LANG_EN), -1);
	free(m.data);
}

static void
test_i18n_load_mo_checks_plural_forms(void **state)
{
	struct mo_image	 m = mo_read(LANG_PL);
	struct mo_entry	 spaced[] = {
		E("", CT "Plural-Forms:  nplurals = 3;plural=(n==1 ? 0 : "
		    "n%10>=2 && n%10<=4 &&\t(n%100<10 || n%100>=20) ? 1 : 2);"
		    "\n"),
	};
	struct mo_entry	 other[] = {
		E("", CT "Plural-Forms: nplurals=3; plural=(n==1 ? 0 : "
		    "n%10>=2 && n%10<=4 ? 1 : 2);\n"),
	};
	struct mo_entry	 none[] = { E("", CT) };
	struct mo_entry	 latin2[] = {
		E("", "Content-Type: text/plain; charset=ISO-8859-2\n"
		    "Plural-Forms: " PF_PL "\n"),
	};
	struct mo_image	 b;
	struct i18n	*i = i18n_new();
	char		 err[256];

	(void)state;
	/* The right file for another language. */
	assert_int_equal(mo_load(m, LANG_PL), 0);
	assert_int_equal(i18n_load_mo(i, LANG_EN, m.data, m.len, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "Plural-Forms"));
	assert_int_equal(mo_load(m, LANG_UK), -1);
	assert_int_equal(mo_load(m, LANG_RU), -1);
	free(m.data);
	m = mo_read(LANG_UK);
	assert_int_equal(mo_load(m, LANG_RU), 0);
	assert_int_equal(mo_load(m, LANG_PL), -1);
	free(m.data);

	b = mo_build(spaced, 1);
	assert_int_equal(mo_load(b, LANG_PL), 0);
	free(b.data);
	b = mo_build(other, 1);
	assert_int_equal(mo_load(b, LANG_PL), -1);
	free(b.data);
	b = mo_build(none, 1);
	assert_int_equal(mo_load(b, LANG_PL), -1);
	free(b.data);
	b = mo_build(latin2, 1);
	assert_int_equal(mo_load(b, LANG_PL), -1);
	free(b.data);
	i18n_free(i);
}

static void
test_i18n_load_mo_checks_entries(void **state)
{
	static const char hdr[] = CT "Plural-Forms: " PF_PL "\n";
	struct mo_entry	 good[] = {
		E("", hdr), E("%lu cat\0%lu cats", "%lu kot\0%lu koty\0%lu "
		    "kotów"), E("A %s", "B %-5s 100%%"),
	};
	struct mo_entry	 fmt[] = { E("", hdr), E("A %s", "B %d") };
	struct mo_entry	 fmt2[] = { E("", hdr), E("A %s", "B %s %s") };
	struct mo_entry	 pos[] = { E("", hdr), E("A %s", "B %1$s") };
	struct mo_entry	 forms[] = {
		E("", hdr), E("%lu cat\0%lu cats", "%lu kot\0%lu koty"),
	};
	struct mo_entry	 empty[] = {
		E("", hdr), E("cat\0cats", "kot\0\0kotów"),
	};
	struct mo_entry	 nul[] = { E("", hdr), E("A", "B\0C") };
	struct mo_entry	 unsorted[] = { E("", hdr), E("B", "b"), E("A", "a") };
	struct mo_entry	 dup[] = { E("", hdr), E("A", "a"), E("A", "b") };
	struct mo_entry	 noheader[] = { E("A", "a") };
	struct mo_entry	 utf8[] = { E("", hdr), E("A", "\xc0\xaf") };
	struct mo_image	 b;
	struct i18n	*i = i18n_new();
	char		 err[256];

	(void)state;
	b = mo_build(good, 3);
	assert_int_equal(i18n_load_mo(i, LANG_PL, b.data, b.len, err,
	    sizeof(err)), 0);
	assert_string_equal(i18n_get(i, LANG_PL, "A %s"), "B %-5s 100%%");
	assert_string_equal(i18n_nget(i, LANG_PL, "%lu cat", "%lu cats", 3),
	    "%lu koty");
	assert_string_equal(i18n_nget(i, LANG_PL, "%lu cat", "%lu cats", 5),
	    "%lu kotów");
	free(b.data);
#define REFUSED(a)	do {						\
	b = mo_build(a, sizeof(a) / sizeof(a[0]));			\
	assert_int_equal(mo_load(b, LANG_PL), -1);			\
	free(b.data);							\
} while (0)
	REFUSED(fmt);
	REFUSED(fmt2);
	REFUSED(pos);
	REFUSED(forms);
	REFUSED(empty);
	REFUSED(nul);
	REFUSED(unsorted);
	REFUSED(dup);
	REFUSED(noheader);
	REFUSED(utf8);
#undef REFUSED
	/* A refused reload keeps what was loaded. */
	assert_string_equal(i18n_get(i, LANG_PL, "A %s"), "B %-5s 100%%");
	i18n_free(i);
}

static uint32_t
swap32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00U) | ((v << 8) & 0xff0000U) |
	    (v << 24);
}

static void
swap_words(unsigned char *p, size_t nwords)
{
	size_t	 k;

	for (k = 0; k < nwords; k++)
		put32(p + k * 4, swap32(get32(p + k * 4)));
}

/* A catalog written on a machine of the other byte order. */
static void
test_i18n_load_mo_accepts_byte_swapped(void **state)
{
	struct mo_image	 m = mo_read(LANG_RU);
	uint32_t	 n = get32(m.data + 8), o = get32(m.data + 12);
	uint32_t	 t = get32(m.data + 16), s = get32(m.data + 20);
	uint32_t	 h = get32(m.data + 24);
	struct i18n	*i = i18n_new();
	char		 err[256], buf[64];

	(void)state;
	assert_true((uint64_t)h + (uint64_t)s * 4 <= m.len);
	swap_words(m.data + o, (size_t)n * 2);
	swap_words(m.data + t, (size_t)n * 2);
	swap_words(m.data + h, s);
	swap_words(m.data, 7);
	assert_int_equal(get32(m.data), 0xde120495U);
	assert_int_equal(i18n_load_mo(i, LANG_RU, m.data, m.len, err,
	    sizeof(err)), 0);
	assert_string_equal(i18n_get(i, LANG_RU, M_CMD_HELP),
	    "Справка и команды");
	assert_string_equal(i18n_nget(i, LANG_RU, M_N1, M_N2, 22),
	    "%lu сообщения");
	assert_int_equal(i18n_format_datetime(i, LANG_RU,
	    fixture_utc(2026, 7, 3, 7, 5), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "3 июля 2026, 09:05");
	/* Half-swapped: the tables now point nowhere sensible. */
	swap_words(m.data + 8, 5);
	assert_int_equal(i18n_load_mo(i, LANG_RU, m.data, m.len, err,
	    sizeof(err)), -1);
	i18n_free(i);
	free(m.data);
}

/* Every single-byte corruption either loads or is refused, never crashes. */
static void
test_i18n_load_mo_survives_corrupted_bytes(void **state)
{
	struct mo_image	 m = mo_read(LANG_UK);
	struct i18n	*i = i18n_new();
	char		 buf[64];
	size_t		 k;

	(void)state;
	for (k = 0; k < m.len; k++) {
		m.data[k] ^= 0x80;
		if (i18n_load_mo(i, LANG_UK, m.data, m.len, NULL, 0) == 0) {
			(void)i18n_get(i, LANG_UK, M_HELP);
			(void)i18n_nget(i, LANG_UK, M_N1, M_N2, 5);
			(void)i18n_format_datetime(i, LANG_UK, 0, buf,
			    sizeof(buf));
		}
		m.data[k] ^= 0x80;
	}
	i18n_free(i);
	free(m.data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_i18n_plural_index_matches_cldr_table),
		cmocka_unit_test(test_i18n_nget_picks_translated_form),
		cmocka_unit_test(test_i18n_nget_unknown_uses_english_rule),
		cmocka_unit_test(test_i18n_get_translates_every_string),
		cmocka_unit_test(test_i18n_context_tables_match_reference),
		cmocka_unit_test(test_i18n_context_is_part_of_the_key),
		cmocka_unit_test(test_i18n_unknown_msgid_falls_back),
		cmocka_unit_test(test_lang_parse_primary_subtag),
		cmocka_unit_test(test_i18n_format_datetime_matches_reference),
		cmocka_unit_test(test_i18n_load_names_the_file),
		cmocka_unit_test(test_i18n_load_mo_refuses_truncated_images),
		cmocka_unit_test(
		    test_i18n_load_mo_refuses_bad_magic_and_revision),
		cmocka_unit_test(
		    test_i18n_load_mo_refuses_offsets_past_the_end),
		cmocka_unit_test(test_i18n_load_mo_refuses_missing_nul),
		cmocka_unit_test(test_i18n_load_mo_checks_plural_forms),
		cmocka_unit_test(test_i18n_load_mo_checks_entries),
		cmocka_unit_test(test_i18n_load_mo_accepts_byte_swapped),
		cmocka_unit_test(test_i18n_load_mo_survives_corrupted_bytes),
	};

	return cmocka_run_group_tests_name("i18n", tests, group_setup,
	    group_teardown);
}
