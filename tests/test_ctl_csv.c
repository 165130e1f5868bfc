/* Unit tests for ctl/csv.c: the family import file reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The client's private code is not in libcore.a; compile it in. */
#include "../ctl/csv.c"

struct parsed {
	struct csv_file		*f;
	struct csv_error	 e;
	int			 rc;
};

static struct parsed
parse(const char *text)
{
	struct parsed	p;

	p.rc = csv_parse(text, strlen(text), &p.f, &p.e);
	return p;
}

/*
 * `text` is refused, at `line` (0: not checked), with a message that
 * holds `msg` (NULL: not checked).
 */
static void
refused(const char *text, int line, const char *msg)
{
	struct parsed	p;

	p = parse(text);
	assert_int_equal(p.rc, -1);
	if (line != 0)
		assert_int_equal(p.e.line, line);
	if (msg != NULL && strstr(p.e.msg, msg) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", p.e.msg, msg);
}

static const char *
field(const struct parsed *p, size_t row, enum csv_col col)
{
	assert_non_null(p->f);
	assert_true(row < p->f->nrows);
	return p->f->rows[row].field[col];
}

static void
test_csv_comma_header_in_english(void **state)
{
	struct parsed	p;

	(void)state;
	p = parse("family,contact,phone,language,channel\n"
	    "Kowalscy,Anna Kowalska,600 100 200,pl,sms\n"
	    "Shevchenko,Olena,+380501234567,uk,telegram\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.f->delim, ',');
	assert_int_equal(p.f->nrows, 2);
	assert_string_equal(field(&p, 0, CSV_FAMILY), "Kowalscy");
	assert_string_equal(field(&p, 0, CSV_PHONE), "600 100 200");
	assert_string_equal(field(&p, 1, CSV_CHANNEL), "telegram");
	assert_int_equal(p.f->rows[0].line, 2);
	assert_int_equal(p.f->rows[1].line, 3);
	assert_null(field(&p, 0, CSV_ASSISTANT));
	csv_free(p.f);
}

static void
test_csv_semicolon_detected_with_commas_in_values(void **state)
{
	struct parsed	p;

	(void)state;
	p = parse("Rodzina;Osoba;Telefon;Język;Kanał;Asystent;Program;Grupa\n"
	    "Nowak, Jan i Ewa;Ewa Nowak;;pl;sms;3;Aktywna Integracja;"
	    "rodziny\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.f->delim, ';');
	assert_string_equal(field(&p, 0, CSV_FAMILY), "Nowak, Jan i Ewa");
	assert_null(field(&p, 0, CSV_PHONE));
	assert_string_equal(field(&p, 0, CSV_ASSISTANT), "3");
	assert_string_equal(field(&p, 0, CSV_PROGRAMME), "Aktywna Integracja");
	assert_string_equal(field(&p, 0, CSV_GROUP), "rodziny");
	csv_free(p.f);
}

static void
test_csv_polish_headers_any_case_and_ascii(void **state)
{
	struct parsed	p;

	(void)state;
	p = parse("RODZINA; KONTAKT ;JĘZYK;KANAŁ\nA;B;uk;sms\n");
	assert_int_equal(p.rc, 0);
	assert_string_equal(field(&p, 0, CSV_CONTACT), "B");
	assert_string_equal(field(&p, 0, CSV_LANGUAGE), "uk");
	csv_free(p.f);
	p = parse("rodzina;osoba;jezyk;kanal;telefon\nA;B;uk;sms;1\n");
	assert_int_equal(p.rc, 0);
	assert_string_equal(field(&p, 0, CSV_PHONE), "1");
	csv_free(p.f);
}

static void
test_csv_quoted_delimiters_quotes_and_newlines(void **state)
{
	struct parsed	p;

	(void)state;
	p = parse("family,contact,language,channel\n"
	    "\"Kowalscy, Jan\",\"Anna \"\"Ania\"\" K.\",pl,sms\n"
	    "\"Dwie\nlinie\",\"x\r\ny\",uk,telegram\n"
	    "Ostatni,Z,ru,sms\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.f->nrows, 3);
	assert_string_equal(field(&p, 0, CSV_FAMILY), "Kowalscy, Jan");
	assert_string_equal(field(&p, 0, CSV_CONTACT), "Anna \"Ania\" K.");
	assert_string_equal(field(&p, 1, CSV_FAMILY), "Dwie\nlinie");
	assert_string_equal(field(&p, 1, CSV_CONTACT), "x\ny");
	/* A record's line is where it starts; embedded newlines count. */
	assert_int_equal(p.f->rows[1].line, 3);
	assert_int_equal(p.f->rows[2].line, 6);
	csv_free(p.f);
}

static void
test_csv_crlf_bom_blank_lines_and_no_final_newline(void **state)
{
	struct parsed	p;

	(void)state;
	p = parse("\xef\xbb\xbf" "family;contact;language;channel\r\n"
	    "A;B;pl;sms\r\n\r\n;;;\r\nC;D;en;telegram");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.f->nrows, 2);
	assert_string_equal(field(&p, 0, CSV_FAMILY), "A");
	assert_string_equal(field(&p, 0, CSV_CHANNEL), "sms");
	assert_string_equal(field(&p, 1, CSV_CHANNEL), "telegram");
	assert_int_equal(p.f->rows[1].line, 5);
	csv_free(p.f);
}

static void
test_csv_missing_required_column_is_named(void **state)
{
	struct parsed	p;

	(void)state;
	p = parse("family,contact,channel\nA,B,sms\n");
	assert_int_equal(p.rc, -1);
	assert_null(p.f);
	assert_int_equal(p.e.line, 1);
	assert_non_null(strstr(p.e.msg, "missing column language"));
}

static void
test_csv_unknown_and_repeated_columns_refused(void **state)
{
	(void)state;
	refused("family,contact,language,channel,pesel\nA,B,pl,sms,1\n", 0,
	    "unknown column \"pesel\"");
	refused("family,rodzina,contact,language,channel\n", 0,
	    "family appears twice");
}

static void
test_csv_ragged_row_names_its_line(void **state)
{
	(void)state;
	refused("family,contact,language,channel\nA,B,pl,sms\n"
	    "C,D,pl\nE,F,pl,sms\n", 3, "expected 4 fields, found 3");
}

static void
test_csv_invalid_utf8_names_its_line(void **state)
{
	struct parsed	p;

	(void)state;
	/* Windows-1250 "ł" (0xb3) from a spreadsheet saved in the old way. */
	p = parse("family,contact,language,channel\nA,B,pl,sms\n"
	    "Micha\xb3,C,pl,sms\n");
	assert_int_equal(p.rc, -1);
	assert_int_equal(p.e.line, 3);
	assert_non_null(strstr(p.e.msg, "invalid UTF-8"));
	assert_non_null(strstr(p.e.msg, "byte offset 48)"));
	/* Overlong encodings and surrogates are not UTF-8 either. */
	refused("family,contact,language,channel\n\xc0\xaf,B,pl,sms\n", 2,
	    "byte offset 32)");
	refused("family,contact,language,channel\nA,B,pl,sms\n"
	    "a\xed\xa0\x80,C,pl,sms\n", 3, "byte offset 44)");
	p = parse("family,contact,language,channel\nŁódź Київ,B,pl,sms\n");
	assert_int_equal(p.rc, 0);
	csv_free(p.f);
}

static void
test_csv_unclosed_quote_and_text_after_quote(void **state)
{
	(void)state;
	refused("family,contact,language,channel\n"
	    "\"A,B,pl,sms\nC,D,pl,sms\n", 2, "not closed");
	refused("family,contact,language,channel\n\"A\"x,B,pl,sms\n", 2,
	    NULL);
}

static void
test_csv_empty_file_and_header_only_refused(void **state)
{
	struct parsed	p;

	(void)state;
	p = parse("");
	assert_int_equal(p.rc, -1);
	assert_string_equal(p.e.msg, "empty file");
	p = parse("\xef\xbb\xbf\r\n\r\n");
	assert_int_equal(p.rc, -1);
	assert_string_equal(p.e.msg, "empty file");
	refused("family,contact,language,channel\n", 0, "no families");
}

static void
test_csv_nul_byte_refused(void **state)
{
	static const char	text[] = "family,contact,language,channel\n"
	    "A,B\0,pl,sms\n";
	struct csv_file		*f;
	struct csv_error	 e;

	(void)state;
	assert_int_equal(csv_parse(text, sizeof text - 1, &f, &e), -1);
	assert_int_equal(e.line, 2);
}

static char *
many_rows(size_t n)
{
	const char	*head = "family;contact;phone;language;channel\n";
	size_t		 cap = strlen(head) + n * 64 + 1, len, i;
	char		*s = malloc(cap);

	assert_non_null(s);
	len = (size_t)snprintf(s, cap, "%s", head);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len,
		    "Rodzina %zu;Osoba %zu;600%06zu;pl;sms\n", i, i, i);
	return s;
}

static void
test_csv_ten_thousand_rows_accepted_one_more_refused(void **state)
{
	struct parsed	p;
	char		*s;

	(void)state;
	s = many_rows(CSV_MAX_ROWS);
	p = parse(s);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.f->nrows, CSV_MAX_ROWS);
	assert_string_equal(field(&p, CSV_MAX_ROWS - 1, CSV_PHONE),
	    "600009999");
	csv_free(p.f);
	free(s);
	s = many_rows(CSV_MAX_ROWS + 1);
	p = parse(s);
	assert_int_equal(p.rc, -1);
	assert_int_equal(p.e.line, CSV_MAX_ROWS + 2);
	assert_non_null(strstr(p.e.msg, "more than 10000 rows"));
	free(s);
}

static void
test_csv_file_over_4_mib_refused(void **state)
{
	struct csv_file		*f;
	struct csv_error	 e;
	size_t			 len = CSV_MAX_BYTES + 1;
	char			*s = malloc(len);

	(void)state;
	assert_non_null(s);
	memset(s, 'a', len);
	assert_int_equal(csv_parse(s, len, &f, &e), -1);
	assert_null(f);
	assert_non_null(strstr(e.msg, "larger than 4 MiB"));
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_comma_header_in_english),
		cmocka_unit_test(
		    test_csv_semicolon_detected_with_commas_in_values),
		cmocka_unit_test(test_csv_polish_headers_any_case_and_ascii),
		cmocka_unit_test(
		    test_csv_quoted_delimiters_quotes_and_newlines),
		cmocka_unit_test(
		    test_csv_crlf_bom_blank_lines_and_no_final_newline),
		cmocka_unit_test(test_csv_missing_required_column_is_named),
		cmocka_unit_test(test_csv_unknown_and_repeated_columns_refused),
		cmocka_unit_test(test_csv_ragged_row_names_its_line),
		cmocka_unit_test(test_csv_invalid_utf8_names_its_line),
		cmocka_unit_test(test_csv_unclosed_quote_and_text_after_quote),
		cmocka_unit_test(test_csv_empty_file_and_header_only_refused),
		cmocka_unit_test(test_csv_nul_byte_refused),
		cmocka_unit_test(
		    test_csv_ten_thousand_rows_accepted_one_more_refused),
		cmocka_unit_test(test_csv_file_over_4_mib_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
