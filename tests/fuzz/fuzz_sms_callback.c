/*
 * libFuzzer harness for the SMS gateways' callbacks as the drivers parse
 * them, without a listener or a store. The first byte picks the callback
 * (Kannel's MO get-url or DLR dlr-url, SMSAPI's MO or DLR callback; its
 * top bit makes the store fail at SMSAPI's second report); the rest is
 * the query string or form body. It goes through sms_form_parse() (NULs
 * and %00 refused, libevent's form decoding), the driver's parser of
 * that callback (SMSAPI's comma-separated batches report by report), and
 * for an incoming SMS sms_mo_check() (id, the sender's number normalised,
 * the text) and the round trip through the stored record that the router
 * reads back with sms_parse_inbound(). What would be recorded must be
 * sane; never a crash, a leak or undefined behaviour.
 */
#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "../../daemon/channel/sms/sms_priv.h"
#include "inbound.h"
#include "log.h"
#include "phone.h"
#include "sms.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

enum fuzz_callback {
	FUZZ_KANNEL_MO,
	FUZZ_KANNEL_DLR,
	FUZZ_SMSAPI_MO,
	FUZZ_SMSAPI_DLR,
	FUZZ_CALLBACKS
};

/* What the SMSAPI batch gave the store. */
struct fuzz_batch {
	int	 n;
	int	 fail_at;	/* the report the store refuses; 0: none */
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Refused callbacks are expected; their log lines are noise here. */
	log_set_level((enum log_level)(LOGL_ERR - 1));
	return 0;
}

static void
fuzz_check_str(const char *s, size_t max)
{
	size_t	 len;

	if (s == NULL)
		abort();
	len = strnlen(s, max + 1);
	if (len == 0 || len > max)
		abort();
}

/* An incoming SMS as it would be stored, then read by the router. */
static void
fuzz_mo(const struct sms_mo *mo, const char *gateway)
{
	struct inbound	 in;
	char		 phone[PHONE_MAX], again[PHONE_MAX], why[96], *json;
	const char	*pwhy;

	if (sms_mo_check(mo, phone) != 0)
		return;
	fuzz_check_str(mo->id, 128);
	if (strlen(mo->text) > INBOUND_TEXT_MAX ||
	    !utf8_is_valid(mo->text, strlen(mo->text)))
		abort();
	/* E.164, and the same once normalised again. */
	if (phone[0] != '+' || strlen(phone) > 16 ||
	    phone_normalize(phone, again, &pwhy) != 0 ||
	    strcmp(phone, again) != 0)
		abort();
	if ((json = sms_mo_record(mo, phone, gateway)) == NULL)
		abort();
	if (sms_parse_inbound(json, strlen(json), &in, why, sizeof why) != 0)
		abort();
	if (in.channel != CHANNEL_SMS || strcmp(in.phone, phone) != 0 ||
	    strcmp(in.text, mo->text) != 0)
		abort();
	/* The gateway's clock is kept when a double holds it exactly. */
	if (mo->at >= -9007199254740991LL && mo->at <= 9007199254740991LL &&
	    in.date != mo->at)
		abort();
	inbound_clear(&in);
	free(json);
}

static void
fuzz_check_dlr(const struct sms_dlr *dlr)
{
	if (dlr->d != SMS_DLR_QUEUED && dlr->d != SMS_DLR_DELIVERED &&
	    dlr->d != SMS_DLR_FAILED && dlr->d != SMS_DLR_EXPIRED)
		abort();
	if (dlr->outbox_id < 0 || memchr(dlr->code, '\0',
	    sizeof dlr->code) == NULL || dlr->code[0] == '\0')
		abort();
}

/* Kannel's report keeps the event type and an err: code, nothing else. */
static void
fuzz_kannel_dlr(const struct evkeyvalq *kv)
{
	struct sms_dlr	 dlr;

	if (sms_kannel_parse_dlr(kv, &dlr) != 0)
		return;
	fuzz_check_dlr(&dlr);
	if (dlr.outbox_id <= 0 || dlr.gateway_id != NULL ||
	    strspn(dlr.code, "0123456789 er:") != strlen(dlr.code))
		abort();
}

static int
fuzz_smsapi_report(void *arg, const struct sms_dlr *dlr)
{
	struct fuzz_batch	*b = arg;

	fuzz_check_dlr(dlr);
	if (dlr->gateway_id == NULL || strchr(dlr->gateway_id, ',') != NULL ||
	    strchr(dlr->code, ',') != NULL)
		abort();
	fuzz_check_str(dlr->gateway_id, 127);
	if (++b->n == b->fail_at)
		return -1;
	return 0;
}

static void
fuzz_smsapi_dlr(const struct evkeyvalq *kv, int store_fails)
{
	struct fuzz_batch	 b = { 0, store_fails ? 2 : 0 };
	int			 rc;

	rc = sms_smsapi_parse_dlr(kv, fuzz_smsapi_report, &b);
	if (rc != 0 && rc != -1 && rc != -2)
		abort();
	/* A refusing store ends the batch with its answer. */
	if ((rc == -1) != (b.fail_at != 0 && b.n == b.fail_at))
		abort();
}

static void
fuzz_fields(enum fuzz_callback cb, const struct evkeyvalq *kv,
    int store_fails)
{
	struct sms_mo	 mo;

	switch (cb) {
	case FUZZ_KANNEL_MO:
		if (sms_kannel_parse_mo(kv, &mo) == 0)
			fuzz_mo(&mo, "kannel");
		break;
	case FUZZ_KANNEL_DLR:
		fuzz_kannel_dlr(kv);
		break;
	case FUZZ_SMSAPI_MO:
		if (sms_smsapi_parse_mo(kv, &mo) == 0)
			fuzz_mo(&mo, "smsapi");
		break;
	default:
		fuzz_smsapi_dlr(kv, store_fails);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evkeyvalq	 kv;
	enum fuzz_callback	 cb;
	char			*form;
	size_t			 len;
	int			 store_fails;

	if (size == 0)
		return 0;
	cb = (enum fuzz_callback)((data[0] & 0x7f) % FUZZ_CALLBACKS);
	store_fails = (data[0] & 0x80) != 0;
	/* An exact-size copy, so that reading past the form is caught. */
	len = size - 1;
	if ((form = malloc(len == 0 ? 1 : len)) == NULL)
		return 0;
	memcpy(form, data + 1, len);
	TAILQ_INIT(&kv);
	if (sms_form_parse(form, len, &kv) == 0) {
		if (memchr(form, '\0', len) != NULL)
			abort();	/* a NUL must never be decoded */
		fuzz_fields(cb, &kv, store_fails);
	}
	evhttp_clear_headers(&kv);
	free(form);
	return 0;
}
