/*
 * libFuzzer harness for the Telegram wire format, inbound side: any input
 * must parse into a sane struct inbound or be refused with a reason
 * (tg_parse_update()); the same bytes as a Bot API answer, behind an HTTP
 * status and a Retry-After picked by the first two bytes, must classify
 * into a sane send_result (tg_classify()), a sent message's id the one
 * the JSON parser reads whenever it reads the answer; and tg_utf16_len()
 * must read only what it is given. Never a read out of bounds, a leak or
 * a crash.
 * `make fuzz` builds it with clang against the daemon's modules and runs
 * it for FUZZ_SECONDS.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include <cJSON.h>

#include "log.h"
#include "tg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

/* What the router may rely on after a successful parse. */
static void
check_string(const char *s, size_t max)
{
	size_t	 len;

	if (s == NULL)
		return;
	len = strlen(s);
	if (len > max || !tg_utf8_valid(s, len))
		abort();
}

static void
check_inbound(const struct inbound *in)
{
	if (in->channel != CHANNEL_TELEGRAM)
		abort();
	if ((int)in->kind < INBOUND_TEXT || in->kind > INBOUND_OTHER)
		abort();
	if ((int)in->media < MEDIA_NONE || in->media > MEDIA_CONTACT)
		abort();
	if (memchr(in->lang, '\0', sizeof in->lang) == NULL ||
	    memchr(in->command, '\0', sizeof in->command) == NULL)
		abort();
	if (in->kind == INBOUND_COMMAND &&
	    (in->command[0] != '/' || in->args == NULL || in->text == NULL))
		abort();
	if (in->kind == INBOUND_CALLBACK && in->callback_id == NULL)
		abort();
	check_string(in->text, INBOUND_TEXT_MAX);
	check_string(in->args, INBOUND_TEXT_MAX);
	check_string(in->first_name, 256);
	check_string(in->callback_id, 128);
	check_string(in->callback_data, 64);
}

static void
check_result(const struct send_result *r)
{
	size_t	 len;

	if ((int)r->status < SEND_OK || r->status > SEND_AUTH)
		abort();
	if (r->retry_after < 0 || r->retry_after > 86400)
		abort();
	if (r->status == SEND_RATE_LIMITED && r->retry_after < 1)
		abort();
	len = strnlen(r->error, sizeof r->error);
	if (len == sizeof r->error)
		abort();
}

/*
 * A 200 answer that the parser reads with "ok" true and a number as
 * result.message_id: sent, with that id, read fast or parsed.
 */
static void
check_sent_id(const char *body, size_t len, const struct send_result *r)
{
	cJSON		*root = cJSON_ParseWithLength(body, len);
	const cJSON	*id;
	double		 d;

	id = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(root, "result"), "message_id");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "ok")) &&
	    cJSON_IsNumber(id)) {
		d = id->valuedouble;
		if (r->status != SEND_OK)
			abort();
		/* One it could not hold exactly is unknown: 0. */
		if (r->message_id != (isfinite(d) && d == floor(d) &&
		    fabs(d) <= 9007199254740991.0 ? (int64_t)d : 0))
			abort();
	}
	cJSON_Delete(root);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Refused updates are expected; their log lines are noise here. */
	log_set_level((enum log_level)(LOGL_ERR - 1));
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long	 codes[] = { 0, 200, 400, 401, 403, 404, 409,
	    429, 500, 502 };
	struct inbound		 in;
	struct send_result	 res;
	char			*copy, why[128];
	long			 code = 200, header = 0;
	const char		*body;
	size_t			 blen;

	/* An exact-size copy, so that reading past `size` is caught. */
	if ((copy = malloc(size == 0 ? 1 : size)) == NULL)
		return 0;
	memcpy(copy, data, size);

	why[0] = '\0';
	if (tg_parse_update(copy, size, &in, why, sizeof why) == 0)
		check_inbound(&in);
	else if (why[0] == '\0')
		abort();	/* a refusal always says why */
	inbound_clear(&in);

	/* The first two bytes pick the HTTP status and Retry-After. */
	body = copy;
	blen = size;
	if (size >= 2) {
		code = codes[(unsigned char)copy[0] % (sizeof codes /
		    sizeof codes[0])];
		header = (long)(signed char)copy[1] * 1000;
		body = copy + 2;
		blen = size - 2;
	}
	tg_classify(code, body, blen, header, &res);
	check_result(&res);
	if (code == 200)
		check_sent_id(body, blen, &res);

	(void)tg_utf16_len(copy, size);
	free(copy);
	return 0;
}
