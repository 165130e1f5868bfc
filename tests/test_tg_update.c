/*
 * Unit tests for daemon/channel/telegram/tg_update.c: Update objects in, Bot API answers
 * classified, UTF-16 lengths. All of it is outside input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"
#include "tg.h"
#include "validate.h"

struct fixture {
	struct inbound	 in;
	char		 why[128];
	char		*big;		/* a large input built by a test */
};

static int
setup(void **state)
{
	struct fixture	*f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	inbound_clear(&f->in);
	free(f->big);
	free(f);
	return 0;
}

static int
parse(struct fixture *f, const char *json)
{
	inbound_clear(&f->in);
	f->why[0] = '\0';
	return tg_parse_update(json, strlen(json), &f->in, f->why,
	    sizeof f->why);
}

/* The update is refused, with `reason` as the reason. */
static void
assert_refused(struct fixture *f, const char *json, const char *reason)
{
	if (parse(f, json) != -1)
		fail_msg("accepted: %.200s", json);
	assert_string_equal(f->why, reason);
	/* Nothing half-parsed is left behind. */
	assert_null(f->in.text);
	assert_null(f->in.args);
	assert_null(f->in.first_name);
	assert_null(f->in.callback_id);
	assert_null(f->in.callback_data);
}

#define MSG(body)							\
	"{\"update_id\":1001,\"message\":{\"message_id\":55,"		\
	"\"date\":1700000000,\"chat\":{\"id\":48123,\"type\":\"private\"},"\
	"\"from\":{\"id\":48123,\"is_bot\":false,\"first_name\":\"Olena\","\
	"\"language_code\":\"uk-UA\"}" body "}}"

static void
test_tg_parse_text_message(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(parse(f, MSG(",\"text\":\"Добрий день\"")), 0);
	assert_int_equal(f->in.channel, CHANNEL_TELEGRAM);
	assert_int_equal(f->in.kind, INBOUND_TEXT);
	assert_int_equal(f->in.ext_id, 1001);
	assert_int_equal(f->in.message_id, 55);
	assert_int_equal(f->in.date, 1700000000);
	assert_int_equal(f->in.user_id, 48123);
	assert_int_equal(f->in.chat_id, 48123);
	assert_int_equal(f->in.chat_is_private, 1);
	assert_string_equal(f->in.lang, "uk");
	assert_string_equal(f->in.first_name, "Olena");
	assert_string_equal(f->in.text, "Добрий день");
	assert_int_equal(f->in.media, MEDIA_NONE);
	assert_int_equal(f->in.reply_to, 0);
	assert_string_equal(f->in.command, "");
}

static void
test_tg_parse_group_message_with_reply(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(parse(f, "{\"update_id\":7,\"message\":{"
	    "\"message_id\":9,\"date\":1,\"chat\":{\"id\":-1001234567890123,"
	    "\"type\":\"supergroup\"},\"from\":{\"id\":5,\"first_name\":\"A\"},"
	    "\"reply_to_message\":{\"message_id\":8,\"date\":1,\"chat\":{"
	    "\"id\":-1001234567890123,\"type\":\"supergroup\"}},"
	    "\"text\":\"ok\"}}"), 0);
	assert_int_equal(f->in.chat_id, -1001234567890123LL);
	assert_int_equal(f->in.chat_is_private, 0);
	assert_int_equal(f->in.user_id, 5);
	assert_int_equal(f->in.reply_to, 8);
	/* No language_code: empty, not garbage. */
	assert_string_equal(f->in.lang, "");
}

static void
test_tg_parse_command_with_bot_name_and_args(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(parse(f, MSG(",\"text\":\"/start@asystent_bot abc\"")),
	    0);
	assert_int_equal(f->in.kind, INBOUND_COMMAND);
	assert_string_equal(f->in.command, "/start");
	assert_string_equal(f->in.args, "abc");
	assert_string_equal(f->in.text, "/start@asystent_bot abc");
}

static void
test_tg_parse_command_forms(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(parse(f, MSG(",\"text\":\"/help\"")), 0);
	assert_int_equal(f->in.kind, INBOUND_COMMAND);
	assert_string_equal(f->in.command, "/help");
	assert_string_equal(f->in.args, "");

	assert_int_equal(parse(f, MSG(",\"text\":\"/START  \\n code 12\"")),
	    0);
	assert_int_equal(f->in.kind, INBOUND_COMMAND);
	assert_string_equal(f->in.command, "/start");
	assert_string_equal(f->in.args, "code 12");

	/* A lone slash, or a command too long to be one, is text. */
	assert_int_equal(parse(f, MSG(",\"text\":\"/\"")), 0);
	assert_int_equal(f->in.kind, INBOUND_TEXT);
	assert_int_equal(parse(f, MSG(",\"text\":\"/aaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\"")), 0);
	assert_int_equal(f->in.kind, INBOUND_TEXT);
	assert_string_equal(f->in.command, "");
}

static void
test_tg_parse_photo_with_caption(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(parse(f, MSG(",\"photo\":[{\"file_id\":\"AgAC\","
	    "\"width\":90,\"height\":90}],\"caption\":\"zaświadczenie\"")), 0);
	assert_int_equal(f->in.kind, INBOUND_MEDIA);
	assert_int_equal(f->in.media, MEDIA_PHOTO);
	assert_string_equal(f->in.text, "zaświadczenie");
}

static void
test_tg_parse_media_kinds(void **state)
{
	static const struct {
		const char	*field;
		enum media_kind	 kind;
	} cases[] = {
		{ "document", MEDIA_DOCUMENT },
		{ "voice", MEDIA_VOICE },
		{ "audio", MEDIA_AUDIO },
		{ "video", MEDIA_VIDEO },
		{ "video_note", MEDIA_VIDEO_NOTE },
		{ "animation", MEDIA_ANIMATION },
		{ "sticker", MEDIA_STICKER },
		{ "location", MEDIA_LOCATION },
		{ "contact", MEDIA_CONTACT },
	};
	struct fixture	*f = *state;
	char		 json[512];
	size_t		 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(json, sizeof json, "{\"update_id\":1,\"message\":{"
		    "\"message_id\":2,\"date\":3,\"chat\":{\"id\":4,\"type\":"
		    "\"private\"},\"from\":{\"id\":4},\"%s\":{}}}",
		    cases[i].field);
		assert_int_equal(parse(f, json), 0);
		assert_int_equal(f->in.kind, INBOUND_MEDIA);
		assert_int_equal(f->in.media, cases[i].kind);
		assert_null(f->in.text);
	}
}

static void
test_tg_parse_poll_and_service_message_are_other(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(parse(f, MSG(",\"poll\":{\"id\":\"1\"}")), 0);
	assert_int_equal(f->in.kind, INBOUND_OTHER);
	assert_int_equal(parse(f, MSG(",\"dice\":{\"value\":3}")), 0);
	assert_int_equal(f->in.kind, INBOUND_OTHER);
	assert_int_equal(parse(f, MSG(",\"new_chat_members\":[]")), 0);
	assert_int_equal(f->in.kind, INBOUND_OTHER);
}

static void
test_tg_parse_edited_message(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(parse(f, "{\"update_id\":3,\"edited_message\":{"
	    "\"message_id\":55,\"date\":1,\"edit_date\":2,\"chat\":{\"id\":9,"
	    "\"type\":\"private\"},\"from\":{\"id\":9},"
	    "\"text\":\"/start x\"}}"),
	    0);
	assert_int_equal(f->in.kind, INBOUND_EDIT);
	assert_int_equal(f->in.message_id, 55);
	assert_string_equal(f->in.text, "/start x");
}

static void
test_tg_parse_callback_with_message(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(parse(f, "{\"update_id\":4,\"callback_query\":{"
	    "\"id\":\"4382bfdwdsb323b2d9\",\"from\":{\"id\":77,"
	    "\"first_name\":\"Ivan\",\"language_code\":\"ru\"},"
	    "\"message\":{\"message_id\":500,\"date\":1,\"chat\":{"
	    "\"id\":-100500,\"type\":\"group\"}},\"data\":\"lang:pl\"}}"), 0);
	assert_int_equal(f->in.kind, INBOUND_CALLBACK);
	assert_string_equal(f->in.callback_id, "4382bfdwdsb323b2d9");
	assert_string_equal(f->in.callback_data, "lang:pl");
	assert_int_equal(f->in.user_id, 77);
	assert_int_equal(f->in.chat_id, -100500);
	assert_int_equal(f->in.chat_is_private, 0);
	assert_int_equal(f->in.message_id, 500);
	assert_string_equal(f->in.lang, "ru");
}

static void
test_tg_parse_callback_without_message(void **state)
{
	struct fixture	*f = *state;

	/* An inline-mode button: no message; the answer goes to the user. */
	assert_int_equal(parse(f, "{\"update_id\":5,\"callback_query\":{"
	    "\"id\":\"abc\",\"from\":{\"id\":77},\"inline_message_id\":\"x\","
	    "\"data\":\"d\"}}"), 0);
	assert_int_equal(f->in.kind, INBOUND_CALLBACK);
	assert_int_equal(f->in.chat_id, 77);
	assert_int_equal(f->in.chat_is_private, 1);
	assert_int_equal(f->in.message_id, 0);
	assert_string_equal(f->in.callback_data, "d");
}

#define MEMBER_FMT						\
	"{\"update_id\":6,\"my_chat_member\":{\"chat\":{"		\
	"\"id\":321,\"type\":\"private\"},"				\
	"\"from\":{\"id\":321},\"date\":1,"				\
	"\"old_chat_member\":{\"status\":\"%s\"},"			\
	"\"new_chat_member\":{\"status\":\"%s\"}}}"

static void
test_tg_parse_my_chat_member_kicked_is_blocked(void **state)
{
	struct fixture	*f = *state;
	char		 json[512];

	snprintf(json, sizeof json, MEMBER_FMT, "member", "kicked");
	assert_int_equal(parse(f, json), 0);
	assert_int_equal(f->in.kind, INBOUND_MEMBER);
	assert_int_equal(f->in.blocked, 1);
	assert_int_equal(f->in.chat_id, 321);

	snprintf(json, sizeof json, MEMBER_FMT, "kicked", "member");
	assert_int_equal(parse(f, json), 0);
	assert_int_equal(f->in.kind, INBOUND_MEMBER);
	assert_int_equal(f->in.blocked, 0);
}

static void
test_tg_parse_refuses_malformed_json(void **state)
{
	struct fixture	*f = *state;

	assert_refused(f, "", "not JSON");
	assert_refused(f, "not json at all", "not JSON");
	assert_refused(f, "{\"update_id\":1,", "not JSON");
	assert_refused(f, "[1,2,3]", "bad update_id");
	assert_refused(f, "\"update\"", "bad update_id");
	assert_refused(f, "null", "bad update_id");
}

static void
test_tg_parse_refuses_bad_update_id(void **state)
{
	struct fixture	*f = *state;

	assert_refused(f, "{\"message\":{}}", "bad update_id");
	assert_refused(f, "{\"update_id\":\"1\",\"message\":{}}",
	    "bad update_id");
	assert_refused(f, "{\"update_id\":1.5,\"message\":{}}",
	    "bad update_id");
	assert_refused(f, "{\"update_id\":1e300,\"message\":{}}",
	    "bad update_id");
	assert_refused(f, "{\"update_id\":9007199254740993,\"message\":{}}",
	    "bad update_id");
	assert_refused(f, "{\"update_id\":null}", "bad update_id");
}

static void
test_tg_parse_refuses_bad_message_fields(void **state)
{
	struct fixture	*f = *state;

	assert_refused(f, "{\"update_id\":1,\"message\":[]}",
	    "message is not an object");
	assert_refused(f, "{\"update_id\":1,\"message\":{\"message_id\":2,"
	    "\"date\":3,\"from\":{\"id\":4},\"text\":\"x\"}}", "bad chat");
	/* The update id survives, so the skip can be logged by id. */
	assert_int_equal(f->in.ext_id, 1);
	assert_refused(f, "{\"update_id\":1,\"message\":{\"message_id\":2,"
	    "\"date\":3,\"chat\":{\"id\":\"4\",\"type\":\"private\"},"
	    "\"from\":{\"id\":4},\"text\":\"x\"}}", "bad chat");
	assert_refused(f, "{\"update_id\":1,\"message\":{\"message_id\":2,"
	    "\"date\":3,\"chat\":{\"id\":4.5,\"type\":\"private\"},"
	    "\"from\":{\"id\":4},\"text\":\"x\"}}", "bad chat");
	assert_refused(f, "{\"update_id\":1,\"message\":{\"message_id\":2,"
	    "\"date\":3,\"chat\":{\"id\":4},\"from\":{\"id\":4},"
	    "\"text\":\"x\"}}", "bad chat type");
	assert_refused(f, "{\"update_id\":1,\"message\":{\"message_id\":\"2\","
	    "\"date\":3,\"chat\":{\"id\":4,\"type\":\"private\"},"
	    "\"from\":{\"id\":4},\"text\":\"x\"}}", "bad message_id");
	assert_refused(f, "{\"update_id\":1,\"message\":{\"message_id\":2,"
	    "\"chat\":{\"id\":4,\"type\":\"private\"},\"from\":{\"id\":4},"
	    "\"text\":\"x\"}}", "bad date");
	assert_refused(f, "{\"update_id\":1,\"message\":{\"message_id\":2,"
	    "\"date\":3,\"chat\":{\"id\":4,\"type\":\"private\"},"
	    "\"text\":\"x\"}}", "bad from");
	assert_refused(f, MSG(",\"reply_to_message\":5"),
	    "bad reply_to_message");
	assert_refused(f, "{\"update_id\":1,\"message\":{\"message_id\":2,"
	    "\"date\":3,\"chat\":{\"id\":4,\"type\":\"private\"},"
	    "\"from\":{\"id\":4,\"first_name\":7}}}", "bad first_name");
	assert_refused(f, "{\"update_id\":1,\"message\":{\"message_id\":2,"
	    "\"date\":3,\"chat\":{\"id\":4,\"type\":\"private\"},"
	    "\"from\":{\"id\":4,\"language_code\":[]}}}",
	    "bad language_code");
}

static void
test_tg_parse_refuses_text_of_wrong_type(void **state)
{
	struct fixture	*f = *state;

	assert_refused(f, MSG(",\"text\":42"), "bad or oversized text");
	assert_refused(f, MSG(",\"text\":{\"a\":1}"), "bad or oversized text");
	assert_refused(f, MSG(",\"caption\":false,\"photo\":[]"),
	    "bad or oversized caption");
}

static void
test_tg_parse_refuses_invalid_utf8(void **state)
{
	struct fixture	*f = *state;

	/* Raw bytes inside the JSON string: cJSON passes them through. */
	assert_refused(f, MSG(",\"text\":\"abc\xff\""),
	    "bad or oversized text");
	assert_refused(f, MSG(",\"text\":\"\xc3\""), "bad or oversized text");
	assert_refused(f, MSG(",\"text\":\"\xe2\x82\""),
	    "bad or oversized text");
	/* Overlong encodings of '/' and of U+20AC. */
	assert_refused(f, MSG(",\"text\":\"\xc0\xaf\""),
	    "bad or oversized text");
	assert_refused(f, MSG(",\"text\":\"\xe0\x80\xaf\""),
	    "bad or oversized text");
	assert_refused(f, MSG(",\"text\":\"\xf0\x82\x82\xac\""),
	    "bad or oversized text");
	/* A UTF-16 surrogate encoded in UTF-8 (CESU-8). */
	assert_refused(f, MSG(",\"text\":\"\xed\xa0\xbd\xed\xb8\x80\""),
	    "bad or oversized text");
	/* Past U+10FFFF. */
	assert_refused(f, MSG(",\"text\":\"\xf4\x90\x80\x80\""),
	    "bad or oversized text");
	assert_refused(f, "{\"update_id\":1,\"message\":{\"message_id\":2,"
	    "\"date\":3,\"chat\":{\"id\":4,\"type\":\"private\"},"
	    "\"from\":{\"id\":4,\"first_name\":\"\xc0\x80\"}}}",
	    "bad first_name");
	/* A lone surrogate escape is not JSON to cJSON. */
	assert_int_equal(parse(f, MSG(",\"text\":\"\\ud800\"")), -1);
}

/*
 * Regression (tg_get_str in daemon/channel/telegram/tg_update.c): cJSON decodes "\u0000"
 * into a NUL inside valuestring, and tg_get_str() measures it with
 * strlen(), so the text is silently cut at the NUL ("/start abc\u0000
 * and more" arrives as "/start abc"). inbound.h promises input is
 * "refused, never cut"; strings cannot hold a NUL, so it must be refused.
 */
static void
test_tg_parse_refuses_text_with_escaped_nul(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(parse(f, MSG(",\"text\":\"/start abc\\u0000 and "
	    "more\"")), -1);
}

/*
 * At receipt the getUpdates answer is read by cJSON and each update
 * printed again to be stored: a "\u0000" would cut the text there.
 * The receipt makes it a visible replacement character first
 * (validate_json_nuls) in strings only, leaving an escaped backslash.
 */
static void
test_tg_nul_escapes_become_replacement_characters(void **state)
{
	char	 body[] = "{\"text\":\"widoczne\\u0000UKRYTE\",\"a\":"
		    "\"\\\\u0000 is text\",\"b\":\"x\\u0000\\u0000\"}";
	char	 plain[] = "{\"n\":1,\"t\":\"no escapes\"}";
	char	 out[sizeof body];

	(void)state;
	assert_int_equal(validate_json_nuls(body, strlen(body), NULL), 3);
	assert_int_equal(validate_json_nuls(body, strlen(body), out), 3);
	out[strlen(body)] = '\0';
	assert_string_equal(out, "{\"text\":\"widoczne\\ufffdUKRYTE\","
	    "\"a\":\"\\\\u0000 is text\",\"b\":\"x\\ufffd\\ufffd\"}");
	assert_int_equal(validate_json_nuls(plain, strlen(plain), NULL), 0);
	assert_string_equal(plain, "{\"n\":1,\"t\":\"no escapes\"}");
}

static void
test_tg_parse_accepts_escaped_emoji(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(parse(f, MSG(",\"text\":\"\\ud83d\\ude00 ok\"")), 0);
	assert_string_equal(f->in.text, "\xf0\x9f\x98\x80 ok");
}

static void
test_tg_parse_refuses_10mb_text_as_oversized(void **state)
{
	struct fixture	*f = *state;
	const char	*head = "{\"update_id\":1,\"message\":{"
	    "\"message_id\":2,\"date\":3,\"chat\":{\"id\":4,"
	    "\"type\":\"private\"},\"from\":{\"id\":4},\"text\":\"";
	size_t		 hl = strlen(head), n = 10 * 1024 * 1024;

	f->big = malloc(hl + n + 4);
	assert_non_null(f->big);
	memcpy(f->big, head, hl);
	memset(f->big + hl, 'a', n);
	memcpy(f->big + hl + n, "\"}}", 4);
	assert_refused(f, f->big, "bad or oversized text");
}

static void
test_tg_parse_text_at_limit_is_accepted(void **state)
{
	struct fixture	*f = *state;
	const char	*head = "{\"update_id\":1,\"message\":{"
	    "\"message_id\":2,\"date\":3,\"chat\":{\"id\":4,"
	    "\"type\":\"private\"},\"from\":{\"id\":4},\"text\":\"";
	size_t		 hl = strlen(head), n = INBOUND_TEXT_MAX;

	f->big = malloc(hl + n + 4);
	assert_non_null(f->big);
	memcpy(f->big, head, hl);
	memset(f->big + hl, 'a', n);
	memcpy(f->big + hl + n, "\"}}", 4);
	assert_int_equal(parse(f, f->big), 0);
	assert_int_equal(strlen(f->in.text), INBOUND_TEXT_MAX);
	f->big[hl + n] = 'a';
	f->big[hl + n + 1] = '"';
	f->big[hl + n + 2] = '}';
	f->big[hl + n + 3] = '}';
	inbound_clear(&f->in);
	assert_int_equal(tg_parse_update(f->big, hl + n + 4, &f->in, f->why,
	    sizeof f->why), -1);
}

static void
test_tg_parse_refuses_unknown_update_kind(void **state)
{
	struct fixture	*f = *state;

	assert_refused(f, "{\"update_id\":9,\"poll\":{\"id\":\"1\"}}",
	    "unsupported update kind");
	assert_refused(f, "{\"update_id\":9}", "unsupported update kind");
	assert_int_equal(f->in.ext_id, 9);
}

static void
test_tg_parse_refuses_deeply_nested_json(void **state)
{
	struct fixture	*f = *state;
	const char	*head = "{\"update_id\":1,\"x\":";
	size_t		 hl = strlen(head), depth = 100000, i;

	f->big = malloc(hl + 2 * depth + 2);
	assert_non_null(f->big);
	memcpy(f->big, head, hl);
	for (i = 0; i < depth; i++) {
		f->big[hl + i] = '[';
		f->big[hl + depth + i] = ']';
	}
	f->big[hl + 2 * depth] = '}';
	f->big[hl + 2 * depth + 1] = '\0';
	assert_refused(f, f->big, "not JSON");
}

static void
test_tg_parse_refuses_oversized_callback_data(void **state)
{
	struct fixture	*f = *state;
	char		 json[512], data[66];

	memset(data, 'd', 65);
	data[65] = '\0';
	snprintf(json, sizeof json, "{\"update_id\":4,\"callback_query\":{"
	    "\"id\":\"q\",\"from\":{\"id\":77},\"data\":\"%s\"}}", data);
	assert_refused(f, json, "bad callback data");
	data[64] = '\0';
	snprintf(json, sizeof json, "{\"update_id\":4,\"callback_query\":{"
	    "\"id\":\"q\",\"from\":{\"id\":77},\"data\":\"%s\"}}", data);
	assert_int_equal(parse(f, json), 0);
	assert_string_equal(f->in.callback_data, data);
}

static void
test_tg_parse_refuses_bad_callback_and_member(void **state)
{
	struct fixture	*f = *state;

	assert_refused(f, "{\"update_id\":4,\"callback_query\":{"
	    "\"from\":{\"id\":77},\"data\":\"x\"}}", "bad callback id");
	assert_refused(f, "{\"update_id\":4,\"callback_query\":{\"id\":5,"
	    "\"from\":{\"id\":77}}}", "bad callback id");
	assert_refused(f, "{\"update_id\":4,\"callback_query\":{\"id\":\"q\","
	    "\"from\":{\"id\":77},\"message\":{\"message_id\":\"x\"}}}",
	    "bad callback message");
	assert_refused(f, "{\"update_id\":4,\"callback_query\":1}",
	    "callback_query is not an object");
	assert_refused(f, "{\"update_id\":6,\"my_chat_member\":{\"chat\":{"
	    "\"id\":321,\"type\":\"private\"},\"from\":{\"id\":321}}}",
	    "bad new_chat_member");
	assert_refused(f, "{\"update_id\":6,\"my_chat_member\":\"x\"}",
	    "my_chat_member is not an object");
}

static void
test_tg_parse_truncated_input_is_refused(void **state)
{
	struct fixture	*f = *state;
	const char	*json = MSG(",\"text\":\"hello\"");
	size_t		 len = strlen(json), i;

	/* Every prefix: refused or parsed, never read past `len`. */
	for (i = 0; i < len; i++) {
		char	*copy = malloc(i + 1);

		assert_non_null(copy);
		memcpy(copy, json, i);
		copy[i] = '\0';
		inbound_clear(&f->in);
		assert_int_equal(tg_parse_update(copy, i, &f->in, f->why,
		    sizeof f->why), -1);
		free(copy);
	}
}

static void
test_tg_classify_200_ok_with_message_id(void **state)
{
	const char		*b = "{\"ok\":true,\"result\":{\"message_id\":"
	    "4242,\"chat\":{\"id\":1}}}";
	struct send_result	 r;

	(void)state;
	tg_classify(200, b, strlen(b), 0, &r);
	assert_int_equal(r.status, SEND_OK);
	assert_int_equal(r.message_id, 4242);
	assert_int_equal(r.retry_after, 0);
}

/*
 * The id of a sent message is read without the parser when the answer
 * starts as the Bot API writes it; any other form goes to the parser.
 * Either way the same id comes out, and one the parser would not take
 * exactly (past 2^53 - 1) is unknown: 0.
 */
static void
test_tg_classify_sent_id_read_in_every_form(void **state)
{
	static const struct {
		const char	*body;
		int64_t		 id;
	} cases[] = {
		{ "{\"ok\":true,\"result\":{\"message_id\":0}}", 0 },
		{ "{\"ok\":true,\"result\":{\"message_id\":7,\"date\":1}}", 7 },
		{ "{\"ok\":true,\"result\":{\"message_id\":9007199254740991}}",
		  9007199254740991LL },
		{ "{\"ok\":true,\"result\":{\"message_id\":9007199254740992}}",
		  0 },
		{ "{\"ok\":true,\"result\":{\"message_id\":12345678901234567}}",
		  0 },
		{ "{\"ok\":true,\"result\":{\"message_id\":12,\"message_id\":"
		  "13}}", 12 },
		{ "{\"ok\": true, \"result\": {\"message_id\": 8}}", 8 },
		{ "{\"result\":{\"date\":1,\"message_id\":9},\"ok\":true}", 9 },
		{ "{\"ok\":true,\"result\":{\"message_id\":5e1}}", 50 },
		{ "{\"ok\":true,\"result\":{\"message_id\":-3}}", -3 },
		/* Cut short: sent all the same; the id when it came whole. */
		{ "{\"ok\":true,\"result\":{\"message_id\":11,\"text", 11 },
		{ "{\"ok\":true,\"result\":{\"message_id\":11", 0 },
	};
	struct send_result	 r;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		tg_classify(200, cases[i].body, strlen(cases[i].body), 0, &r);
		if (r.status != SEND_OK || r.message_id != cases[i].id)
			fail_msg("%s: status %d id %lld, want %lld",
			    cases[i].body, (int)r.status,
			    (long long)r.message_id, (long long)cases[i].id);
	}
	/* Not a 200: whatever it says, it is no sent message. */
	tg_classify(500, cases[1].body, strlen(cases[1].body), 0, &r);
	assert_int_equal(r.status, SEND_RETRY);
}

/*
 * Regression (tg_classify): a message_id past what an int64 holds was cast
 * from the double anyway, which is undefined; 1.5 became 1. Telegram took
 * the message, so it is sent; the id is unknown.
 */
static void
test_tg_classify_200_ok_with_impossible_message_id(void **state)
{
	static const char *const ids[] = { "1e300", "-1e300",
	    "9223372036854775808", "1.5", "\"42\"" };
	struct send_result	 r;
	char			 b[128];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		snprintf(b, sizeof b, "{\"ok\":true,\"result\":"
		    "{\"message_id\":%s}}", ids[i]);
		tg_classify(200, b, strlen(b), 0, &r);
		assert_int_equal(r.status, SEND_OK);
		assert_int_equal(r.message_id, 0);
	}
}

static void
test_tg_classify_429_with_retry_after_parameter(void **state)
{
	const char		*b = "{\"ok\":false,\"error_code\":429,"
	    "\"description\":\"Too Many Requests: retry after 3\","
	    "\"parameters\":{\"retry_after\":3}}";
	struct send_result	 r;

	(void)state;
	tg_classify(429, b, strlen(b), 0, &r);
	assert_int_equal(r.status, SEND_RATE_LIMITED);
	assert_int_equal(r.retry_after, 3);
	assert_int_equal(r.code, 429);
	/* The body's value wins over a header. */
	tg_classify(429, b, strlen(b), 30, &r);
	assert_int_equal(r.retry_after, 3);
}

static void
test_tg_classify_429_with_only_retry_after_header(void **state)
{
	const char		*b = "{\"ok\":false,\"error_code\":429,"
	    "\"description\":\"Too Many Requests\"}";
	struct send_result	 r;

	(void)state;
	tg_classify(429, b, strlen(b), 7, &r);
	assert_int_equal(r.status, SEND_RATE_LIMITED);
	assert_int_equal(r.retry_after, 7);
	/* Neither: still a pause, never zero. */
	tg_classify(429, "", 0, 0, &r);
	assert_int_equal(r.status, SEND_RATE_LIMITED);
	assert_true(r.retry_after >= 1);
}

/* Bot API answers and what the dispatcher is told of each. */
static void
test_tg_classify_answers(void **state)
{
	static const struct {
		const char		*what;
		long			 http;
		const char		*body;		/* NULL: none */
		enum send_status	 status;
		int			 code;		/* 0: not checked */
		const char		*error;		/* NULL: not checked */
	} cases[] = {
		{ "a blocked bot: unreachable, with the description", 403,
		  "{\"ok\":false,\"error_code\":403,\"description\":"
		  "\"Forbidden: bot was blocked by the user\"}",
		  SEND_UNREACHABLE, 403,
		  "Forbidden: bot was blocked by the user" },
		{ "400: permanent, keeping the description", 400,
		  "{\"ok\":false,\"error_code\":400,\"description\":"
		  "\"Bad Request: chat not found\"}",
		  SEND_PERMANENT, 400, "Bad Request: chat not found" },
		{ "400 not modified: as good as sent", 400,
		  "{\"ok\":false,\"error_code\":400,\"description\":"
		  "\"Bad Request: message is not modified: specified new "
		  "message content and reply markup are exactly the same as "
		  "a current content and reply markup of the message\"}",
		  SEND_OK, 0, NULL },
		{ "a server error retries", 500,
		  "{\"ok\":false,\"error_code\":500,\"description\":"
		  "\"Internal Server Error\"}", SEND_RETRY, 0, NULL },
		{ "a proxy's page retries", 502,
		  "<html><body>502 Bad Gateway</body></html>", SEND_RETRY,
		  502, NULL },
		{ "no answer at all retries", 0, NULL, SEND_RETRY, 0, NULL },
		{ "an empty 503 retries", 503, "", SEND_RETRY, 0, NULL },
		{ "401 is auth", 401, "{\"ok\":false,\"error_code\":401,"
		  "\"description\":\"Unauthorized\"}", SEND_AUTH, 0, NULL },
		{ "401 without a body is auth", 401, "", SEND_AUTH, 0, NULL },
		{ "garbage with 500 retries, named by the status", 500,
		  "\xff\xfe{{{ not json", SEND_RETRY, 0, "HTTP 500" },
		{ "a description in bad UTF-8 is not copied", 400,
		  "{\"ok\":false,\"error_code\":400,\"description\":"
		  "\"Bad \xc0\xaf\"}", SEND_PERMANENT, 0, "HTTP 400" },
	};
	struct send_result	 r;
	const char		*b;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		b = cases[i].body;
		tg_classify(cases[i].http, b, b != NULL ? strlen(b) : 0, 0,
		    &r);
		if (r.status != cases[i].status)
			fail_msg("%s: status %d, not %d", cases[i].what,
			    (int)r.status, (int)cases[i].status);
		if (cases[i].code != 0 && r.code != cases[i].code)
			fail_msg("%s: code %d, not %d", cases[i].what, r.code,
			    cases[i].code);
		if (cases[i].error != NULL && strcmp(r.error,
		    cases[i].error) != 0)
			fail_msg("%s: error \"%s\"", cases[i].what, r.error);
	}
}

static void
test_tg_classify_long_description_is_cut_safely(void **state)
{
	struct send_result	 r;
	char			 b[2048];
	char			 desc[1000];

	(void)state;
	memset(desc, 'x', sizeof desc - 1);
	desc[sizeof desc - 1] = '\0';
	snprintf(b, sizeof b, "{\"ok\":false,\"error_code\":400,"
	    "\"description\":\"%s\"}", desc);
	tg_classify(400, b, strlen(b), 0, &r);
	assert_int_equal(r.status, SEND_PERMANENT);
	assert_int_equal(strlen(r.error), sizeof r.error - 1);
}

static void
test_tg_utf16_len_counts_code_units(void **state)
{
	(void)state;
	assert_int_equal(tg_utf16_len("", 0), 0);
	assert_int_equal(tg_utf16_len("hello", 5), 5);
	assert_int_equal(tg_utf16_len("zażółć", strlen("zażółć")), 6);
	assert_int_equal(tg_utf16_len("Привіт", strlen("Привіт")), 6);
	assert_int_equal(tg_utf16_len("€", strlen("€")), 1);
	assert_int_equal(tg_utf16_len("\xf0\x9f\x98\x80", 4), 2);
	assert_int_equal(tg_utf16_len("a\xf0\x9f\x87\xb5\xf0\x9f\x87\xb1", 9),
	    5);
	/* `len` bounds the read. */
	assert_int_equal(tg_utf16_len("hello", 3), 3);
}

static void
test_tg_utf16_len_refuses_invalid(void **state)
{
	(void)state;
	assert_int_equal(tg_utf16_len("\xff", 1), -1);
	assert_int_equal(tg_utf16_len("\x80", 1), -1);
	assert_int_equal(tg_utf16_len("\xc5", 1), -1);
	assert_int_equal(tg_utf16_len("\xf0\x9f\x98", 3), -1);
	assert_int_equal(tg_utf16_len("\xf0\x9f\x98\x80", 3), -1);
	assert_int_equal(tg_utf16_len("\xc0\xaf", 2), -1);
	assert_int_equal(tg_utf16_len("\xed\xa0\x80", 3), -1);
	assert_int_equal(tg_utf16_len("\xf4\x90\x80\x80", 4), -1);
	assert_int_equal(tg_utf16_len("a\0b", 3), -1);
	assert_int_equal(tg_utf8_valid("zażółć", strlen("zażółć")), 1);
	assert_int_equal(tg_utf8_valid("\xff", 1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_tg_parse_text_message),
		T(test_tg_parse_group_message_with_reply),
		T(test_tg_parse_command_with_bot_name_and_args),
		T(test_tg_parse_command_forms),
		T(test_tg_parse_photo_with_caption),
		T(test_tg_parse_media_kinds),
		T(test_tg_parse_poll_and_service_message_are_other),
		T(test_tg_parse_edited_message),
		T(test_tg_parse_callback_with_message),
		T(test_tg_parse_callback_without_message),
		T(test_tg_parse_my_chat_member_kicked_is_blocked),
		T(test_tg_parse_refuses_malformed_json),
		T(test_tg_parse_refuses_bad_update_id),
		T(test_tg_parse_refuses_bad_message_fields),
		T(test_tg_parse_refuses_text_of_wrong_type),
		T(test_tg_parse_refuses_invalid_utf8),
		T(test_tg_parse_refuses_text_with_escaped_nul),
		T(test_tg_nul_escapes_become_replacement_characters),
		T(test_tg_parse_accepts_escaped_emoji),
		T(test_tg_parse_refuses_10mb_text_as_oversized),
		T(test_tg_parse_text_at_limit_is_accepted),
		T(test_tg_parse_refuses_unknown_update_kind),
		T(test_tg_parse_refuses_deeply_nested_json),
		T(test_tg_parse_refuses_oversized_callback_data),
		T(test_tg_parse_refuses_bad_callback_and_member),
		T(test_tg_parse_truncated_input_is_refused),
		T(test_tg_classify_200_ok_with_message_id),
		T(test_tg_classify_200_ok_with_impossible_message_id),
		T(test_tg_classify_sent_id_read_in_every_form),
		T(test_tg_classify_429_with_retry_after_parameter),
		T(test_tg_classify_429_with_only_retry_after_header),
		T(test_tg_classify_answers),
		T(test_tg_classify_long_description_is_cut_safely),
		T(test_tg_utf16_len_counts_code_units),
		T(test_tg_utf16_len_refuses_invalid),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
