/*
 * Unit tests for daemon/channel/sms/: the gateways' callbacks as the
 * drivers parse them (forms, Kannel's and SMSAPI's fields, SMSAPI's
 * batches of reports), an incoming SMS's checks, and its stored record
 * read back as struct inbound. All of it is outside input.
 */
#include <sys/queue.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "../daemon/channel/sms/sms_priv.h"
#include "inbound.h"
#include "log.h"
#include "sms.h"

struct fixture {
	struct evkeyvalq	 kv;
	struct inbound		 in;
	char			*json;
	struct sms_dlr		 dlr[8];	/* what a batch reported */
	char			 ids[8][128];	/* and their gateway ids */
	int			 ndlr;
};

static int
setup(void **state)
{
	struct fixture	*f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return -1;
	TAILQ_INIT(&f->kv);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	evhttp_clear_headers(&f->kv);
	inbound_clear(&f->in);
	free(f->json);
	free(f);
	return 0;
}

/* The form `s` into f->kv; the result of sms_form_parse(). */
static int
form(struct fixture *f, const char *s, size_t len)
{
	evhttp_clear_headers(&f->kv);
	TAILQ_INIT(&f->kv);
	return sms_form_parse(s, len, &f->kv);
}

/* An MO callback of Kannel all the way to what the router reads. */
static void
kannel_mo_to_inbound(struct fixture *f, const char *query)
{
	struct sms_mo	 mo;
	char		 phone[PHONE_MAX], why[96];

	assert_int_equal(form(f, query, strlen(query)), 0);
	assert_int_equal(sms_kannel_parse_mo(&f->kv, &mo), 0);
	assert_int_equal(sms_mo_check(&mo, phone), 0);
	free(f->json);
	f->json = sms_mo_record(&mo, phone, "kannel");
	assert_non_null(f->json);
	inbound_clear(&f->in);
	assert_int_equal(sms_parse_inbound(f->json, strlen(f->json), &f->in,
	    why, sizeof why), 0);
}

static void
test_sms_kannel_mo_reaches_the_router_as_sent(void **state)
{
	struct fixture	*f = *state;

	kannel_mo_to_inbound(f, "id=5a1f&from=48600100200&to=4812345&"
	    "text=Dzie%C5%84+dobry&charset=UTF-8&ts=1735725600");
	assert_int_equal(f->in.channel, CHANNEL_SMS);
	assert_int_equal(f->in.kind, INBOUND_TEXT);
	assert_string_equal(f->in.phone, "+48600100200");
	assert_string_equal(f->in.text, "Dzień dobry");
	assert_int_equal(f->in.date, 1735725600);
}

/*
 * Regression (sms_parse_inbound): the gateway's time stamp is any number
 * it sends. ts=9223372036854775807 was stored as 2^63 in the record's
 * double, and reading it back cast that to int64_t: undefined.
 */
static void
test_sms_impossible_gateway_time_is_unknown(void **state)
{
	static const char *const ats[] = { "9223372036854775807.0", "1e300",
	    "-1e300", "1.5", "\"1735725600\"" };
	struct fixture	*f = *state;
	char		 json[256], why[96];
	size_t		 i;

	kannel_mo_to_inbound(f, "id=1&from=48600100200&text=x&"
	    "ts=9223372036854775807");
	assert_string_equal(f->in.text, "x");
	assert_int_equal(f->in.date, 0);
	for (i = 0; i < sizeof ats / sizeof ats[0]; i++) {
		snprintf(json, sizeof json, "{\"from\":\"+48600100200\","
		    "\"text\":\"x\",\"gateway\":\"smsapi\",\"at\":%s}", ats[i]);
		inbound_clear(&f->in);
		assert_int_equal(sms_parse_inbound(json, strlen(json), &f->in,
		    why, sizeof why), 0);
		assert_int_equal(f->in.date, 0);
	}
}

static void
test_sms_form_with_a_nul_is_refused(void **state)
{
	struct fixture	*f = *state;
	static const char raw[] = "sms_text=a\0b&MsgId=1";

	assert_int_equal(form(f, raw, sizeof raw - 1), -1);
	assert_int_equal(form(f, "sms_text=a%00b&MsgId=1", 22), -1);
	assert_int_equal(form(f, "sms_text=a%20b&MsgId=1", 22), 0);
	assert_string_equal(evhttp_find_header(&f->kv, "sms_text"), "a b");
}

static void
test_sms_mo_check_refuses_what_cannot_be_stored(void **state)
{
	struct sms_mo	 mo = { "1", "48600100200", "ok", 0 };
	char		 phone[PHONE_MAX], id[130];

	(void)state;
	assert_int_equal(sms_mo_check(&mo, phone), 0);
	assert_string_equal(phone, "+48600100200");
	mo.from = "not a number";
	assert_int_equal(sms_mo_check(&mo, phone), -2);
	mo.from = "600100200";
	mo.text = "\xff";
	assert_int_equal(sms_mo_check(&mo, phone), -2);
	mo.text = "ok";
	memset(id, '7', sizeof id - 1);
	id[sizeof id - 1] = '\0';
	mo.id = id;
	assert_int_equal(sms_mo_check(&mo, phone), -2);
	mo.id = NULL;
	assert_int_equal(sms_mo_check(&mo, phone), -2);
}

/* The SMSC's reply may quote the message: only type and err: are kept. */
static void
test_sms_kannel_dlr_keeps_type_and_error_code(void **state)
{
	struct fixture	*f = *state;
	const char	*q = "oid=812&part=1&type=16&code=id%3A1+stat%3AREJECTD"
	    "+err%3A034+text%3AJutro+o+9";
	struct sms_dlr	 dlr;

	assert_int_equal(form(f, q, strlen(q)), 0);
	assert_int_equal(sms_kannel_parse_dlr(&f->kv, &dlr), 0);
	assert_int_equal(dlr.outbox_id, 812);
	assert_null(dlr.gateway_id);
	assert_int_equal(dlr.d, SMS_DLR_FAILED);
	assert_string_equal(dlr.code, "16 err:034");
	q = "oid=0&type=1";
	assert_int_equal(form(f, q, strlen(q)), 0);
	assert_int_equal(sms_kannel_parse_dlr(&f->kv, &dlr), -2);
	q = "oid=5&type=3";
	assert_int_equal(form(f, q, strlen(q)), 0);
	assert_int_equal(sms_kannel_parse_dlr(&f->kv, &dlr), -2);
}

static int
collect(void *arg, const struct sms_dlr *dlr)
{
	struct fixture	*f = arg;

	assert_true(f->ndlr < 8);
	f->dlr[f->ndlr] = *dlr;
	/* The id points into the parser's buffer: keep a copy of it. */
	assert_non_null(dlr->gateway_id);
	snprintf(f->ids[f->ndlr], sizeof f->ids[f->ndlr], "%s",
	    dlr->gateway_id);
	f->dlr[f->ndlr].gateway_id = f->ids[f->ndlr];
	f->ndlr++;
	return 0;
}

/*
 * Regression (smsapi_item): an empty or oversized idx was not stepped
 * over, so every report after it lost its outbox row and was looked up
 * by the gateway's id only.
 */
static void
test_sms_smsapi_dlr_batch_reports_in_order(void **state)
{
	struct fixture	*f = *state;
	const char	*q = "MsgId=A1,B2,C3,D4&status=404,NOT_FOUND,999,410&"
	    "idx=7,x,,9";

	assert_int_equal(form(f, q, strlen(q)), 0);
	assert_int_equal(sms_smsapi_parse_dlr(&f->kv, collect, f), 0);
	/* 999 is no status SMSAPI sends: skipped, the rest kept. */
	assert_int_equal(f->ndlr, 3);
	assert_int_equal(f->dlr[0].outbox_id, 7);
	assert_int_equal(f->dlr[0].d, SMS_DLR_DELIVERED);
	assert_string_equal(f->dlr[0].gateway_id, "A1");
	assert_string_equal(f->dlr[0].code, "404");
	assert_int_equal(f->dlr[1].outbox_id, 0);
	assert_int_equal(f->dlr[1].d, SMS_DLR_FAILED);
	assert_string_equal(f->dlr[1].gateway_id, "B2");
	assert_string_equal(f->dlr[1].code, "NOT_FOUND");
	assert_int_equal(f->dlr[2].d, SMS_DLR_QUEUED);
	assert_string_equal(f->dlr[2].gateway_id, "D4");
	assert_int_equal(f->dlr[2].outbox_id, 9);
	assert_string_equal(f->dlr[2].code, "410");

	/* A malformed list ends the batch; what came before was given. */
	f->ndlr = 0;
	q = "MsgId=A1,,C3&status=404,404,404";
	assert_int_equal(form(f, q, strlen(q)), 0);
	assert_int_equal(sms_smsapi_parse_dlr(&f->kv, collect, f), -2);
	assert_int_equal(f->ndlr, 1);
}

/* SMSAPI sends 5 reports a call; a far larger batch is refused whole. */
static void
test_sms_smsapi_dlr_batch_over_the_cap_is_refused_whole(void **state)
{
	struct fixture	*f = *state;
	char		 q[4096];
	size_t		 n = 0;
	int		 i;

	n += (size_t)snprintf(q + n, sizeof q - n, "MsgId=");
	for (i = 0; i <= SMS_SMSAPI_DLR_MAX; i++)
		n += (size_t)snprintf(q + n, sizeof q - n, "%sA%d",
		    i > 0 ? "," : "", i);
	n += (size_t)snprintf(q + n, sizeof q - n, "&status=");
	for (i = 0; i <= SMS_SMSAPI_DLR_MAX; i++)
		n += (size_t)snprintf(q + n, sizeof q - n, "%s404",
		    i > 0 ? "," : "");
	assert_true(n < sizeof q);
	assert_int_equal(form(f, q, n), 0);
	assert_int_equal(sms_smsapi_parse_dlr(&f->kv, collect, f), -2);
	assert_int_equal(f->ndlr, 0);
}

static void
test_sms_smsapi_mo_fields(void **state)
{
	struct fixture	*f = *state;
	const char	*q = "sms_to=4812345&sms_from=48600100200&sms_text="
	    "%D0%A1%D0%A2%D0%9E%D0%9F&sms_date=1735725600&MsgId=4A1B";
	struct sms_mo	 mo;

	assert_int_equal(form(f, q, strlen(q)), 0);
	assert_int_equal(sms_smsapi_parse_mo(&f->kv, &mo), 0);
	assert_string_equal(mo.id, "4A1B");
	assert_string_equal(mo.from, "48600100200");
	assert_string_equal(mo.text, "СТОП");
	assert_int_equal(mo.at, 1735725600);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_sms_kannel_mo_reaches_the_router_as_sent),
		T(test_sms_impossible_gateway_time_is_unknown),
		T(test_sms_form_with_a_nul_is_refused),
		T(test_sms_mo_check_refuses_what_cannot_be_stored),
		T(test_sms_kannel_dlr_keeps_type_and_error_code),
		T(test_sms_smsapi_dlr_batch_reports_in_order),
		T(test_sms_smsapi_dlr_batch_over_the_cap_is_refused_whole),
		T(test_sms_smsapi_mo_fields),
#undef T
	};

	log_init(LOGL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
