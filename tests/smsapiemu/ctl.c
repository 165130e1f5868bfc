/* smsapiemu: the control API tests use to inspect sends and steer faults. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "log.h"
#include "smsapiemu.h"
#include "xmalloc.h"

#define CTL_STR_MAX	256

/*
 * A number in [lo, hi] (a numeric string too, for query arguments);
 * absent leaves *out. -1 after answering 400.
 */
static int
opt_num(struct evhttp_request *req, const cJSON *b, const char *key,
    double lo, double hi, double *out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(b, key);
	char		*end;
	double		 d = 0;
	int		 ok = 0;

	if (v == NULL)
		return 0;
	if (cJSON_IsNumber(v)) {
		d = v->valuedouble;
		ok = 1;
	} else if (cJSON_IsString(v)) {
		d = strtod(v->valuestring, &end);
		ok = end != v->valuestring && *end == '\0';
	}
	if (!ok || !(d >= lo && d <= hi)) {
		emuc_ctl_error(req, "%s: a number in %g..%g expected", key,
		    lo, hi);
		return -1;
	}
	*out = d;
	return 0;
}

static int
opt_bool(struct evhttp_request *req, const cJSON *b, const char *key,
    int *out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(b, key);

	if (v == NULL)
		return 0;
	if (!cJSON_IsBool(v)) {
		emuc_ctl_error(req, "%s: true or false expected", key);
		return -1;
	}
	*out = cJSON_IsTrue(v);
	return 0;
}

/* A UTF-8 string of at most max bytes; absent leaves *out. */
static int
opt_str(struct evhttp_request *req, const cJSON *b, const char *key,
    size_t max, const char **out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(b, key);

	if (v == NULL)
		return 0;
	if (emuc_ctl_str_check(req, key, cJSON_IsString(v) ?
	    v->valuestring : NULL, max, emuc_utf8_is_valid) == -1)
		return -1;
	*out = v->valuestring;
	return 0;
}

static int
req_str(struct evhttp_request *req, const cJSON *b, const char *key,
    size_t max, const char **out)
{
	*out = NULL;
	if (opt_str(req, b, key, max, out) == -1)
		return -1;
	if (*out == NULL || (*out)[0] == '\0') {
		emuc_ctl_error(req, "%s: required", key);
		return -1;
	}
	return 0;
}

static void
ctl_sent(struct emu *e, struct evhttp_request *req, const cJSON *q)
{
	const char	*num = NULL;
	cJSON		*o, *arr;
	double		 since = 0;
	size_t		 i;

	if (opt_num(req, q, "since", 0, 1e15, &since) == -1 ||
	    opt_str(req, q, "number", CTL_STR_MAX, &num) == -1)
		return;
	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "messages");
	for (i = (size_t)since; i < e->nmsgs; i++)
		if (num == NULL || strcmp(num, e->msgs[i].number) == 0)
			cJSON_AddItemToArray(arr, se_sms_msg_json(&e->msgs[i]));
	cJSON_AddNumberToObject(o, "next", (double)e->nmsgs);
	emuc_ctl_ok(req, o);
}

static void
add_counts(cJSON *o, const char *key, const uint64_t *v, size_t n)
{
	cJSON	*c = cJSON_AddObjectToObject(o, key);
	char	 k[24];
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (v[i] == 0)
			continue;
		snprintf(k, sizeof k, "%zu", i);
		cJSON_AddNumberToObject(c, k, (double)v[i]);
	}
}

static void
ctl_stats(struct emu *e, struct evhttp_request *req, const cJSON *q)
{
	const struct se_stats	*st = &e->st;
	cJSON			*o = cJSON_CreateObject();
	uint64_t		 rejected = 0;
	size_t			 i;

	(void)q;
	for (i = 0; i < sizeof st->rejected / sizeof st->rejected[0]; i++)
		rejected += st->rejected[i];
	cJSON_AddNumberToObject(o, "requests", (double)st->requests);
	cJSON_AddNumberToObject(o, "accepted", (double)st->accepted);
	cJSON_AddNumberToObject(o, "accepted_requests",
	    (double)st->accepted_requests);
	cJSON_AddNumberToObject(o, "rejected", (double)rejected);
	add_counts(o, "rejected_by_code", st->rejected,
	    sizeof st->rejected / sizeof st->rejected[0]);
	add_counts(o, "http_errors", st->http_errors,
	    sizeof st->http_errors / sizeof st->http_errors[0]);
	cJSON_AddNumberToObject(o, "dropped", (double)st->dropped);
	cJSON_AddNumberToObject(o, "dlr_calls", (double)st->dlr_calls);
	cJSON_AddNumberToObject(o, "dlr_reports", (double)st->dlr_reports);
	cJSON_AddNumberToObject(o, "dlr_failed", (double)st->dlr_failed);
	cJSON_AddNumberToObject(o, "dlr_gave_up", (double)st->dlr_gave_up);
	cJSON_AddNumberToObject(o, "dlr_pending", (double)e->nwait);
	cJSON_AddNumberToObject(o, "mo_calls", (double)st->mo_calls);
	cJSON_AddNumberToObject(o, "mo_failed", (double)st->mo_failed);
	cJSON_AddNumberToObject(o, "points", (double)e->points / 1000.0);
	cJSON_AddBoolToObject(o, "down", e->down_until_ms > emuc_now_ms());
	emuc_ctl_ok(req, o);
}

static void
ctl_fail(struct emu *e, struct evhttp_request *req, const cJSON *b)
{
	struct se_fail	 f;
	double		 code = 0, http = 0, count = 1;
	int		 drop = 0;

	if (opt_num(req, b, "code", 1, 999, &code) == -1 ||
	    opt_num(req, b, "http", 100, 599, &http) == -1 ||
	    opt_num(req, b, "count", 1, 1e6, &count) == -1 ||
	    opt_bool(req, b, "drop", &drop) == -1)
		return;
	if (code == 0 && http == 0 && !drop) {
		emuc_ctl_error(req, "one of code, http, drop required");
		return;
	}
	if (e->nfails == SE_FAILS_MAX) {
		emuc_ctl_error(req, "too many failure rules");
		return;
	}
	f.code = (int)code;
	f.http = (int)http;
	f.drop = drop;
	f.count = (long)count;
	e->fails[e->nfails++] = f;
	emuc_ctl_ok(req, NULL);
}

static void
ctl_status(struct emu *e, struct evhttp_request *req, const cJSON *b)
{
	const char	*num, *name;
	char		 norm[20];
	size_t		 i;
	int		 code;

	if (req_str(req, b, "number", CTL_STR_MAX, &num) == -1 ||
	    req_str(req, b, "status", CTL_STR_MAX, &name) == -1)
		return;
	if (se_sms_number_normalize(num, norm, sizeof norm) == -1) {
		emuc_ctl_error(req, "number: not a valid phone number");
		return;
	}
	if ((code = se_sms_status_code(name)) == -1) {
		emuc_ctl_error(req, "status: a report status name or code "
		    "(DELIVERED, UNDELIVERED, EXPIRED, FAILED, ...) expected");
		return;
	}
	for (i = 0; i < e->nrules; i++)
		if (strcmp(e->rules[i].number, norm) == 0)
			break;
	if (i == SE_STATUS_RULES_MAX) {
		emuc_ctl_error(req, "too many status rules");
		return;
	}
	if (i == e->nrules)
		e->nrules++;
	snprintf(e->rules[i].number, sizeof e->rules[i].number, "%s", norm);
	e->rules[i].status = code;
	emuc_ctl_ok(req, NULL);
}

static void
ctl_credit(struct emu *e, struct evhttp_request *req, const cJSON *b)
{
	cJSON	*o;
	double	 pts = -1;

	if (opt_num(req, b, "points", 0, 1e9, &pts) == -1)
		return;
	if (pts < 0) {
		emuc_ctl_error(req, "points: required");
		return;
	}
	e->points = (int64_t)(pts * 1000 + 0.5);
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "points", (double)e->points / 1000.0);
	emuc_ctl_ok(req, o);
}

static void
ctl_down(struct emu *e, struct evhttp_request *req, const cJSON *b)
{
	double	 s = -1;

	if (opt_num(req, b, "seconds", 0, 86400, &s) == -1)
		return;
	if (s < 0) {
		emuc_ctl_error(req, "seconds: required");
		return;
	}
	e->down_until_ms = s > 0 ? emuc_now_ms() + (int64_t)(s * 1000 + 0.5) :
	    0;
	emuc_ctl_ok(req, NULL);
}

static void
ctl_dlr(struct emu *e, struct evhttp_request *req, const cJSON *b)
{
	double	 delay = (double)e->dlr.delay_ms, retries = e->dlr.retries;
	double	 backoff = (double)e->dlr.backoff_ms;
	int	 batch = e->dlr.batch;
	cJSON	*o;

	if (opt_num(req, b, "delay_ms", 0, 3600000, &delay) == -1 ||
	    opt_num(req, b, "retries", 0, 20, &retries) == -1 ||
	    opt_num(req, b, "backoff_ms", 1, 600000, &backoff) == -1 ||
	    opt_bool(req, b, "batch", &batch) == -1)
		return;
	e->dlr.delay_ms = (int64_t)delay;
	e->dlr.retries = (int)retries;
	e->dlr.backoff_ms = (int64_t)backoff;
	e->dlr.batch = batch;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "delay_ms", (double)e->dlr.delay_ms);
	cJSON_AddNumberToObject(o, "retries", e->dlr.retries);
	cJSON_AddNumberToObject(o, "backoff_ms", (double)e->dlr.backoff_ms);
	cJSON_AddBoolToObject(o, "batch", e->dlr.batch);
	emuc_ctl_ok(req, o);
}

static void
ctl_mo(struct emu *e, struct evhttp_request *req, const cJSON *b)
{
	struct se_mo	 mo;
	const char	*method = "POST";
	char		 id[32];
	double		 date = (double)(emuc_wall_ms() / 1000);

	memset(&mo, 0, sizeof mo);
	if (req_str(req, b, "from", CTL_STR_MAX, &mo.from) == -1 ||
	    req_str(req, b, "to", CTL_STR_MAX, &mo.to) == -1 ||
	    req_str(req, b, "url", SE_URL_MAX, &mo.url) == -1 ||
	    opt_str(req, b, "text", SE_MO_TEXT_MAX, &mo.text) == -1 ||
	    opt_str(req, b, "method", 8, &method) == -1 ||
	    opt_str(req, b, "msg_id", CTL_STR_MAX, &mo.msg_id) == -1 ||
	    opt_num(req, b, "date", 0, 1e11, &date) == -1)
		return;
	if (strcmp(method, "POST") != 0 && strcmp(method, "GET") != 0) {
		emuc_ctl_error(req, "method: POST or GET");
		return;
	}
	if (se_cb_url_check(mo.url) == -1) {
		emuc_ctl_error(req, "url: an http:// URL expected");
		return;
	}
	if (mo.text == NULL)
		mo.text = "";
	if (mo.msg_id == NULL) {
		e->next_id++;
		snprintf(id, sizeof id, "MO%08" PRIX64 "%012" PRIX64,
		    (uint64_t)(emuc_wall_ms() / 1000) & 0xffffffffu,
		    (e->next_id * UINT64_C(0x9E3779B97F4A7C15)) &
		    UINT64_C(0xffffffffffff));
		mo.msg_id = id;
	}
	mo.post = strcmp(method, "POST") == 0;
	mo.date = (int64_t)date;
	se_cb_mo_start(e, req, &mo);
}

static void
ctl_reset(struct emu *e, struct evhttp_request *req, const cJSON *b)
{
	(void)b;
	se_cb_dlr_clear(e);
	se_sms_state_clear(e);
	e->dlr.delay_ms = 200;
	e->dlr.batch = 0;
	e->dlr.retries = 4;
	e->dlr.backoff_ms = 200;
	emuc_ctl_ok(req, NULL);
}

static const struct emuc_ctl_entry ctl_table[] = {
	{ "sent", 1, ctl_sent },
	{ "stats", 1, ctl_stats },
	{ "fail", 0, ctl_fail },
	{ "status", 0, ctl_status },
	{ "credit", 0, ctl_credit },
	{ "down", 0, ctl_down },
	{ "dlr", 0, ctl_dlr },
	{ "mo", 0, ctl_mo },
	{ "reset", 0, ctl_reset },
};

void
se_ctl_handle(struct emu *e, struct evhttp_request *req, const char *rest)
{
	const struct emuc_ctl_entry	*ce;

	ce = emuc_ctl_find(req, ctl_table, sizeof ctl_table /
	    sizeof ctl_table[0], rest);
	if (ce == NULL)
		return;
	if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) >
	    SE_BODY_MAX) {
		emuc_reply_text(req, 413, "application/json",
		    "{\"ok\":false,\"error\":\"body too large\"}");
		return;
	}
	emuc_ctl_run(e, req, ce);
}
