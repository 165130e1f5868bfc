/*
 * SMSAPI.pl: sms.do with a bearer token; idx is the outbox row, with
 * check_idx so a retry after a lost answer is not sent (and billed) twice;
 * delivery reports arrive at notify_url, incoming SMS at the MO callback.
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "app.h"
#include "config.h"
#include "httpc.h"
#include "log.h"
#include "sms_priv.h"
#include "xmalloc.h"

#define SMSAPI_MAX_RESPONSE	(256 * 1024)
#define SMSAPI_TIMEOUT_MS	30000

struct smsapi {
	char	*bearer;	/* "Bearer <token>": secret */
	char	*notify_url;	/* holds the callback secret */
};

/* SMSAPI's error codes, by what we must do about them. */
static const struct {
	int		 code;
	enum send_status status;
	const char	*what;
} smsapi_errors[] = {
	{ 8, SEND_RETRY, "gateway error" },
	{ 11, SEND_PERMANENT, "message too long or empty" },
	{ 12, SEND_PERMANENT, "more parts than max_parts" },
	{ 13, SEND_PERMANENT, "invalid phone number" },
	{ 14, SEND_PERMANENT, "sender name not approved" },
	{ 101, SEND_AUTH, "token refused" },
	{ 102, SEND_AUTH, "token refused" },
	{ 103, SEND_PERMANENT, "no credit left on the SMSAPI account" },
	{ 105, SEND_AUTH, "this server's address is not allowed" },
	/*
	 * check_idx: this outbox row was taken before and only the answer
	 * was lost; it must not be sent (and billed) again.
	 */
	{ 53, SEND_OK, "already sent" },
	{ 201, SEND_RETRY, "gateway error" },
	{ 666, SEND_RETRY, "gateway error" },
	{ 999, SEND_RETRY, "gateway error" },
};

static int
smsapi_init(struct sms *s, char *err, size_t errlen)
{
	struct smsapi	*st;
	char		*token;

	if ((token = sms_read_secret(s->app->cfg->smsapi_token_file, err,
	    errlen)) == NULL)
		return -1;
	st = xcalloc(1, sizeof *st);
	st->bearer = xasprintf("Bearer %s", token);
	explicit_bzero(token, strlen(token));
	free(token);
	st->notify_url = sms_callback_url(s, "dlr");
	s->drv_state = st;
	return 0;
}

static void
smsapi_cleanup(struct sms *s)
{
	struct smsapi	*st = s->drv_state;

	if (st == NULL)
		return;
	explicit_bzero(st->bearer, strlen(st->bearer));
	free(st->bearer);
	free(st->notify_url);
	free(st);
	s->drv_state = NULL;
}

static void
smsapi_add(struct evbuffer *b, const char *name, const char *value)
{
	char	*v = curl_easy_escape(NULL, value, 0);

	evbuffer_add_printf(b, "%s%s=%s", evbuffer_get_length(b) > 0 ? "&" :
	    "", name, v != NULL ? v : "");
	curl_free(v);
}

/* The error answer of sms.do: a non-zero "error" is a failure. */
static void
smsapi_error(const cJSON *root, struct send_result *res)
{
	const cJSON	*e = cJSON_GetObjectItemCaseSensitive(root, "error");
	const cJSON	*msg = cJSON_GetObjectItemCaseSensitive(root, "message");
	size_t		 i;

	res->code = cJSON_IsNumber(e) ? e->valueint : 0;
	res->status = SEND_PERMANENT;
	snprintf(res->error, sizeof res->error, "SMSAPI error %d", res->code);
	for (i = 0; i < sizeof smsapi_errors / sizeof smsapi_errors[0]; i++) {
		if (smsapi_errors[i].code == res->code) {
			res->status = smsapi_errors[i].status;
			snprintf(res->error, sizeof res->error,
			    "SMSAPI error %d: %s", res->code,
			    smsapi_errors[i].what);
			return;
		}
	}
	if (cJSON_IsString(msg))
		snprintf(res->error, sizeof res->error, "SMSAPI error %d: %.100s",
		    res->code, msg->valuestring);
}

static void
smsapi_sent(const struct httpc_response *resp, void *arg)
{
	struct dispatch_job	*job = arg;
	struct send_result	 res;
	const cJSON		*list, *id;
	cJSON			*root = NULL;

	memset(&res, 0, sizeof res);
	res.code = (int)resp->status;
	if (resp->curl_code != 0 || resp->status >= 500 || resp->status == 0) {
		res.status = SEND_RETRY;
		snprintf(res.error, sizeof res.error, "%s", resp->error != NULL ?
		    resp->error : "SMSAPI unavailable");
		goto out;
	}
	root = cJSON_ParseWithLength(resp->body, resp->len);
	if (cJSON_GetObjectItemCaseSensitive(root, "error") != NULL &&
	    !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(root, "error"))) {
		smsapi_error(root, &res);
		goto out;
	}
	list = cJSON_GetObjectItemCaseSensitive(root, "list");
	id = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, 0), "id");
	if (resp->status != 200 || !cJSON_IsString(id)) {
		res.status = resp->status == 401 ? SEND_AUTH : SEND_RETRY;
		snprintf(res.error, sizeof res.error, "unreadable SMSAPI answer "
		    "(HTTP %ld)", resp->status);
		goto out;
	}
	res.status = SEND_OK;
	snprintf(res.gateway_id, sizeof res.gateway_id, "%s", id->valuestring);
out:
	cJSON_Delete(root);
	dispatch_done(job, &res);
}

static void
smsapi_send(struct sms *s, struct dispatch_job *job, int64_t outbox_id,
    const char *to, const char *text)
{
	struct smsapi		*st = s->drv_state;
	struct httpc_opts	 o = { .content_type =
	    "application/x-www-form-urlencoded", .timeout_ms =
	    SMSAPI_TIMEOUT_MS, .max_response = SMSAPI_MAX_RESPONSE };
	struct evbuffer		*b = evbuffer_new();
	char			 idx[32], parts[8];

	if (b == NULL) {
		sms_send_fail(job, SEND_RETRY, 0, "out of memory");
		return;
	}
	snprintf(idx, sizeof idx, "%" PRId64, outbox_id);
	snprintf(parts, sizeof parts, "%d", s->app->cfg->sms_max_parts);
	smsapi_add(b, "to", to[0] == '+' ? to + 1 : to);
	smsapi_add(b, "message", text);
	smsapi_add(b, "from", s->app->cfg->sms_sender);
	smsapi_add(b, "encoding", "utf-8");
	smsapi_add(b, "details", "1");
	smsapi_add(b, "format", "json");
	smsapi_add(b, "idx", idx);
	smsapi_add(b, "check_idx", "1");
	smsapi_add(b, "max_parts", parts);
	smsapi_add(b, "notify_url", st->notify_url);
	o.authorization = st->bearer;
	if (httpc_request(s->app->http, s->app->cfg->smsapi_url,
	    (const char *)evbuffer_pullup(b, -1), evbuffer_get_length(b), &o,
	    smsapi_sent, job) == NULL)
		sms_send_fail(job, SEND_RETRY, 0, "request not started");
	evbuffer_free(b);
}

/* Form fields of a callback, from the query or a form body. */
static int
smsapi_fields(struct evhttp_request *req, struct evkeyvalq *kv)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	const char	*q;
	unsigned char	*body;
	size_t		 n = evbuffer_get_length(in);

	if (evhttp_request_get_command(req) == EVHTTP_REQ_POST && n > 0) {
		if ((body = evbuffer_pullup(in, -1)) == NULL)
			return -1;
		return sms_form_parse((const char *)body, n, kv);
	}
	q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (q == NULL)
		q = "";
	return sms_form_parse(q, strlen(q), kv);
}

static enum sms_delivery
smsapi_status(const char *s)
{
	static const struct {
		const char		*code, *name;
		enum sms_delivery	 d;
	} map[] = {
		{ "401", "NOT_FOUND", SMS_DLR_FAILED },
		{ "402", "EXPIRED", SMS_DLR_EXPIRED },
		{ "403", "SENT", SMS_DLR_QUEUED },
		{ "404", "DELIVERED", SMS_DLR_DELIVERED },
		{ "405", "UNDELIVERED", SMS_DLR_FAILED },
		{ "406", "FAILED", SMS_DLR_FAILED },
		{ "407", "REJECTED", SMS_DLR_FAILED },
		{ "409", "QUEUE", SMS_DLR_QUEUED },
		{ "410", "ACCEPTED", SMS_DLR_QUEUED },
	};
	size_t	 i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(s, map[i].code) == 0 || strcmp(s, map[i].name) == 0)
			return map[i].d;
	return SMS_DLR_NONE;
}

/*
 * The next item of a comma-separated list into buf; -1 when it is empty
 * or does not fit. The list moves past it either way, so that the items
 * after it stay aligned with the other lists.
 */
static int
smsapi_item(const char **list, char *buf, size_t size)
{
	size_t	 n = strcspn(*list, ",");
	int	 rc = -1;

	if (n > 0 && n < size) {
		memcpy(buf, *list, n);
		buf[n] = '\0';
		rc = 0;
	}
	*list += n + ((*list)[n] == ',');
	return rc;
}

/* The items of a comma-separated list. */
static size_t
smsapi_count(const char *list)
{
	size_t	 n = 1;

	for (; *list != '\0'; list++)
		n += *list == ',';
	return n;
}

/* Up to 5 reports a call, says SMSAPI; see sms_priv.h. */
int
sms_smsapi_parse_dlr(const struct evkeyvalq *kv,
    int (*fn)(void *arg, const struct sms_dlr *dlr), void *arg)
{
	const char	*ids = evhttp_find_header(kv, "MsgId");
	const char	*sts = evhttp_find_header(kv, "status");
	const char	*idxs = evhttp_find_header(kv, "idx");
	char		 id[128], st[32], idx[32], *end;
	long long	 oid;
	struct sms_dlr	 dlr;
	int		 rc;

	if (ids == NULL || sts == NULL || smsapi_count(ids) >
	    SMS_SMSAPI_DLR_MAX)
		return -2;
	while (*ids != '\0' && *sts != '\0') {
		if (smsapi_item(&ids, id, sizeof id) == -1 ||
		    smsapi_item(&sts, st, sizeof st) == -1)
			return -2;
		/*
		 * idx (our outbox row) finds the row even when its send
		 * answer was lost and the gateway's id never reached us
		 * (check_idx refused the retry).
		 */
		oid = 0;
		if (idxs != NULL && *idxs != '\0' &&
		    smsapi_item(&idxs, idx, sizeof idx) == 0) {
			oid = strtoll(idx, &end, 10);
			if (*end != '\0' || oid < 0)
				oid = 0;
		}
		memset(&dlr, 0, sizeof dlr);
		if ((dlr.d = smsapi_status(st)) == SMS_DLR_NONE)
			continue;
		dlr.outbox_id = (int64_t)oid;
		dlr.gateway_id = id;
		snprintf(dlr.code, sizeof dlr.code, "%s", st);
		if ((rc = fn(arg, &dlr)) != 0)
			return rc;
	}
	return 0;
}

int
sms_smsapi_parse_mo(const struct evkeyvalq *kv, struct sms_mo *mo)
{
	const char	*date = evhttp_find_header(kv, "sms_date");
	char		*end;

	memset(mo, 0, sizeof *mo);
	if (date != NULL)
		mo->at = (int64_t)strtoll(date, &end, 10);
	mo->id = evhttp_find_header(kv, "MsgId");
	mo->from = evhttp_find_header(kv, "sms_from");
	mo->text = evhttp_find_header(kv, "sms_text");
	return 0;
}

static int
smsapi_record_dlr(void *arg, const struct sms_dlr *dlr)
{
	return sms_record_dlr(arg, dlr);
}

static void
smsapi_callback(struct sms *s, struct evhttp_request *req, const char *kind)
{
	struct evkeyvalq	 kv;
	struct sms_mo		 mo;
	int			 rc = -2;

	TAILQ_INIT(&kv);
	if (smsapi_fields(req, &kv) == 0) {
		if (strcmp(kind, "mo") != 0)
			rc = sms_smsapi_parse_dlr(&kv, smsapi_record_dlr, s);
		else if ((rc = sms_smsapi_parse_mo(&kv, &mo)) == 0)
			rc = sms_record_mo(s, "smsapi", &mo);
	}
	evhttp_clear_headers(&kv);
	sms_answer(req, rc, "smsapi", kind);
}

const struct sms_gateway sms_smsapi_driver = {
	.name = "smsapi",
	.init = smsapi_init,
	.send = smsapi_send,
	.callback = smsapi_callback,
	.cleanup = smsapi_cleanup,
};
