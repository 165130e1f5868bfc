/*
 * Unit tests for the channel interface (daemon/channel/): each kind of
 * struct out as the Telegram channel's Bot API call, SMS refusing what it
 * cannot carry, capabilities, and the text a stored row carries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "channel.h"
#include "config.h"
#include "outbox.h"

static struct config	*cfg;

static int
setup(void **state)
{
	(void)state;
	return config_load(NULL, stderr, &cfg);
}

static int
teardown(void **state)
{
	(void)state;
	config_free(cfg);
	return 0;
}

/* o through channel ch: the row's method and params; rc returned. */
static int
encode(enum channel ch, const struct out *o, struct outmsg *m, char **params,
    char **key, char *why)
{
	*params = NULL;
	*key = NULL;
	memset(m, 0, sizeof *m);
	why[0] = '\0';
	return channel_get(ch)->encode(cfg, o, m, params, key, why, 128);
}

static void
expect_tg(const struct out *o, const char *method, const char *json,
    const char *key)
{
	struct outmsg	 m;
	char		*params, *k, why[128];

	assert_int_equal(encode(CHANNEL_TELEGRAM, o, &m, &params, &k, why),
	    0);
	assert_string_equal(m.method, method);
	assert_string_equal(params, json);
	if (key == NULL)
		assert_null(k);
	else
		assert_string_equal(k, key);
	assert_true(m.chat_id == o->chat_id);
	free(params);
	free(k);
}

static void
test_channel_telegram_text_with_reply_and_buttons(void **state)
{
	const struct out_button	 b[] = { { "Polski", "lang:pl" },
				    { "English", "lang:en" },
				    { "Українська", "lang:uk" } };
	struct out		 o;

	(void)state;
	memset(&o, 0, sizeof o);
	o.kind = OUT_TEXT;
	o.chat_id = 5001;
	o.text = "Dzień dobry";
	expect_tg(&o, "sendMessage", "{\"chat_id\":5001,\"text\":"
	    "\"Dzień dobry\"}", NULL);
	o.reply_to = 77;
	o.buttons = b;
	o.nbuttons = 3;
	o.cols = 2;
	expect_tg(&o, "sendMessage", "{\"chat_id\":5001,\"reply_parameters\":"
	    "{\"message_id\":77,\"allow_sending_without_reply\":true},"
	    "\"reply_markup\":{\"inline_keyboard\":[[{\"text\":\"Polski\","
	    "\"callback_data\":\"lang:pl\"},{\"text\":\"English\","
	    "\"callback_data\":\"lang:en\"}],[{\"text\":\"Українська\","
	    "\"callback_data\":\"lang:uk\"}]]},\"text\":\"Dzień dobry\"}",
	    NULL);
	/* Escaped as JSON wants; UTF-8 and DEL as they are. */
	o.reply_to = 0;
	o.nbuttons = 0;
	o.chat_id = -1001234567890;
	o.text = "\"Tak\" \\ nie\n\tr\r\b\f\x01\x1f\x7f ż";
	expect_tg(&o, "sendMessage", "{\"chat_id\":-1001234567890,\"text\":"
	    "\"\\\"Tak\\\" \\\\ nie\\n\\tr\\r\\b\\f\\u0001\\u001f\x7f ż\"}",
	    NULL);
}

static void
test_channel_telegram_copy_reaction_drop_and_callback(void **state)
{
	struct out	 o;

	(void)state;
	memset(&o, 0, sizeof o);
	o.kind = OUT_COPY;
	o.chat_id = 7001;
	o.src_chat_id = 5001;
	o.message_id = 12;
	expect_tg(&o, "copyMessage", "{\"chat_id\":7001,\"from_chat_id\":5001,"
	    "\"message_id\":12}", NULL);
	o.text = "R-0001 · Olena";
	expect_tg(&o, "copyMessage", "{\"chat_id\":7001,\"from_chat_id\":5001,"
	    "\"message_id\":12,\"caption\":\"R-0001 · Olena\"}", NULL);
	memset(&o, 0, sizeof o);
	o.kind = OUT_REACTION;
	o.chat_id = 7001;
	o.message_id = 40;
	o.emoji = "👌";
	expect_tg(&o, "setMessageReaction", "{\"chat_id\":7001,"
	    "\"message_id\":40,\"reaction\":[{\"type\":\"emoji\","
	    "\"emoji\":\"👌\"}]}", NULL);
	o.kind = OUT_DROP_BUTTONS;
	expect_tg(&o, "editMessageReplyMarkup", "{\"chat_id\":7001,"
	    "\"message_id\":40}", NULL);
	/* Not a chat message: a queue of its own, never behind one. */
	memset(&o, 0, sizeof o);
	o.kind = OUT_CALLBACK_ANSWER;
	o.chat_id = 7001;
	o.callback_id = "9911";
	expect_tg(&o, "answerCallbackQuery", "{\"callback_query_id\":"
	    "\"9911\"}", "cb:9911");
}

static void
test_channel_sms_text_is_costed_and_keyed_by_phone(void **state)
{
	struct outmsg	 m;
	struct out	 o;
	char		*params, *key, why[128], *long_text;
	int		 rc;

	(void)state;
	memset(&o, 0, sizeof o);
	o.kind = OUT_TEXT;
	o.chat_id = 5001;	/* not SMS's: ignored */
	o.phone = "+48600100200";
	o.text = "Zażółć gęślą jaźń";
	assert_int_equal(encode(CHANNEL_SMS, &o, &m, &params, &key, why), 0);
	assert_string_equal(m.method, "sms");
	assert_string_equal(params, "{\"to\":\"+48600100200\",\"text\":"
	    "\"Zażółć gęślą jaźń\"}");
	assert_string_equal(key, "sms:+48600100200");
	free(params);
	free(key);
	/* One character over 6 UCS-2 parts: refused with the cost. */
	long_text = calloc(1, 2 * (6 * 67 + 1) + 1);
	assert_non_null(long_text);
	for (rc = 0; rc < 6 * 67 + 1; rc++)
		memcpy(long_text + 2 * rc, "ż", 2);
	o.text = long_text;
	assert_int_equal(encode(CHANNEL_SMS, &o, &m, &params, &key, why),
	    CHANNEL_REFUSED);
	assert_string_equal(why, "too long for SMS: 7 parts, limit 6");
	assert_null(params);
	free(long_text);
	/*
	 * Counted composed, sent composed: "e" + U+0301 is GSM-7 "é" once
	 * composed; sent as given, a gateway would bill it as UCS-2.
	 */
	o.text = "Cafe\xcc\x81 jutro";
	assert_int_equal(encode(CHANNEL_SMS, &o, &m, &params, &key, why), 0);
	assert_string_equal(params, "{\"to\":\"+48600100200\",\"text\":"
	    "\"Caf\xc3\xa9 jutro\"}");
	free(params);
	free(key);
	/* No buttons, copies or reactions by SMS. */
	o.text = "x";
	o.kind = OUT_COPY;
	assert_int_equal(encode(CHANNEL_SMS, &o, &m, &params, &key, why),
	    CHANNEL_REFUSED);
	assert_string_equal(why, "SMS carries text only");
	o.kind = OUT_TEXT;
	o.phone = NULL;
	assert_int_equal(encode(CHANNEL_SMS, &o, &m, &params, &key, why),
	    CHANNEL_REFUSED);
}

static void
test_channel_capabilities_and_labels(void **state)
{
	(void)state;
	assert_true(channel_can(CHANNEL_TELEGRAM, CHANNEL_CAN_BUTTONS));
	assert_true(channel_can(CHANNEL_TELEGRAM, CHANNEL_CAN_MEDIA |
	    CHANNEL_CAN_REACTIONS));
	assert_false(channel_can(CHANNEL_TELEGRAM, CHANNEL_COUNTS_PARTS));
	assert_false(channel_can(CHANNEL_SMS, CHANNEL_CAN_BUTTONS));
	assert_false(channel_can(CHANNEL_SMS, CHANNEL_CAN_MEDIA));
	assert_true(channel_can(CHANNEL_SMS, CHANNEL_COUNTS_PARTS));
	assert_false(channel_can((enum channel)99, 0));
	assert_null(channel_get((enum channel)99));
	assert_string_equal(channel_label(CHANNEL_SMS), "SMS");
	assert_string_equal(channel_label(CHANNEL_TELEGRAM), "Telegram");
}

static void
test_channel_text_of_a_stored_row(void **state)
{
	const char	*tg = "{\"chat_id\":1,\"text\":\"Proszę przyjść\"}";
	const char	*sms = "{\"to\":\"+48600100200\",\"text\":\"Jutro\"}";
	char		*t;

	(void)state;
	t = channel_get(CHANNEL_TELEGRAM)->text_of(tg, strlen(tg));
	assert_string_equal(t, "Proszę przyjść");
	free(t);
	t = channel_get(CHANNEL_SMS)->text_of(sms, strlen(sms));
	assert_string_equal(t, "Jutro");
	free(t);
	assert_null(channel_get(CHANNEL_TELEGRAM)->text_of("{\"x\":1}", 7));
	assert_null(channel_get(CHANNEL_SMS)->text_of("not json", 8));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_channel_telegram_text_with_reply_and_buttons),
		cmocka_unit_test(
		    test_channel_telegram_copy_reaction_drop_and_callback),
		cmocka_unit_test(
		    test_channel_sms_text_is_costed_and_keyed_by_phone),
		cmocka_unit_test(test_channel_capabilities_and_labels),
		cmocka_unit_test(test_channel_text_of_a_stored_row),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
