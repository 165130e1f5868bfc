/* The SMS channel: drivers, the callback listener, MO and DLR records. */
#include <sys/queue.h>

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sodium.h>

#include "app.h"
#include "config.h"
#include "crypto.h"
#include "inbound.h"
#include "json.h"
#include "keystore.h"
#include "listener.h"
#include "log.h"
#include "outbox.h"
#include "phone.h"
#include "sms.h"
#include "sms_priv.h"
#include "sms_text.h"
#include "store.h"
#include "utf8.h"
#include "xmalloc.h"

#define SMS_BODY_MAX	(64 * 1024)	/* a callback is a few hundred bytes */
#define SMS_HEADERS_MAX	(16 * 1024)	/* request line and headers */
#define SMS_IDLE_S	30

static const char *const sms_delivery_names[] = {
	"none", "queued", "delivered", "failed", "expired"
};

const char *
sms_delivery_name(enum sms_delivery d)
{
	if ((int)d < 0 || d > SMS_DLR_EXPIRED)
		return "?";
	return sms_delivery_names[d];
}

struct sms *
sms_new(struct app *app)
{
	struct sms	*s;

	s = xcalloc(1, sizeof *s);
	s->app = app;
	switch (app->cfg->sms_driver) {
	case SMS_DRIVER_KANNEL:
		s->drv = &sms_kannel_driver;
		break;
	case SMS_DRIVER_SMSAPI:
		s->drv = &sms_smsapi_driver;
		break;
	case SMS_DRIVER_NONE:
		break;
	}
	return s;
}

void
sms_set_inbound_cb(struct sms *s, void (*fn)(void *), void *arg)
{
	s->inbound_cb = fn;
	s->inbound_arg = arg;
}

int
sms_enabled(const struct sms *s)
{
	return s != NULL && s->drv != NULL;
}

static void
sms_reply(struct evhttp_request *req, int status, const char *body)
{
	struct evbuffer	*b = evbuffer_new();

	if (b == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evbuffer_add_printf(b, "%s\n", body);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	/* One request a connection: each gets the whole deadline. */
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Connection", "close");
	evhttp_send_reply(req, status, status == 200 ? "OK" : "Error", b);
	evbuffer_free(b);
}

void
sms_answer(struct evhttp_request *req, int rc, const char *gateway,
    const char *kind)
{
	if (rc == -2) {
		log_warn("event=sms.callback_malformed gateway=%s kind=%s",
		    gateway, kind);
		sms_reply(req, 400, "malformed");
	} else if (rc == -1)
		sms_reply(req, 503, "try again later");
	else
		sms_reply(req, 200, "OK");
}

/* The secret in constant time; lengths are not secret. */
static int
sms_secret_ok(const struct sms *s, const char *given, size_t len)
{
	const char	*want = s->app->cfg->sms_secret;

	return want != NULL && strlen(want) == len &&
	    sodium_memcmp(want, given, len) == 0;
}

/*
 * A %00 would be decoded into a NUL that ends the C string, silently
 * cutting the text there: such a callback is refused whole.
 */
static int
sms_has_escaped_nul(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i + 2 < len; i++)
		if (s[i] == '%' && s[i + 1] == '0' && s[i + 2] == '0')
			return 1;
	return 0;
}

int
sms_form_parse(const char *form, size_t len, struct evkeyvalq *kv)
{
	char	*copy;
	int	 rc;

	if (memchr(form, '\0', len) != NULL ||
	    sms_has_escaped_nul(form, len))
		return -1;
	/* A body is not a C string; a message's text is wiped after. */
	copy = xmalloc(len + 1);
	memcpy(copy, form, len);
	copy[len] = '\0';
	rc = evhttp_parse_query_str(copy, kv);
	explicit_bzero(copy, len);
	free(copy);
	return rc;
}

/* /<driver>/<mo|dlr>/<secret>: anything else is 404 or 403. */
static void
sms_on_request(struct evhttp_request *req, void *arg)
{
	struct sms	*s = arg;
	const char	*path, *kind, *secret;
	char		*peer = NULL;
	ev_uint16_t	 port = 0;
	size_t		 n;

	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	n = strlen(s->drv->name);
	if (path == NULL || path[0] != '/' ||
	    strncmp(path + 1, s->drv->name, n) != 0 || path[n + 1] != '/') {
		sms_reply(req, 404, "not found");
		return;
	}
	kind = path + n + 2;
	/* A known kind without its secret is refused like a wrong secret. */
	if (strncmp(kind, "mo", 2) == 0 && (kind[2] == '/' || kind[2] == '\0'))
		secret = kind + 2 + (kind[2] == '/');
	else if (strncmp(kind, "dlr", 3) == 0 && (kind[3] == '/' ||
	    kind[3] == '\0'))
		secret = kind + 3 + (kind[3] == '/');
	else {
		sms_reply(req, 404, "not found");
		return;
	}
	if (!sms_secret_ok(s, secret, strlen(secret))) {
		evhttp_connection_get_peer(evhttp_request_get_connection(req),
		    &peer, &port);
		log_warn("event=sms.callback_refused peer=%s",
		    peer != NULL ? peer : "?");
		sms_reply(req, 403, "forbidden");
		return;
	}
	s->drv->callback(s, req, kind[0] == 'm' ? "mo" : "dlr");
}

static int
sms_listen(struct sms *s, char *err, size_t errlen)
{
	const struct config	*cfg = s->app->cfg;
	struct listener_limits	 lim = {
		.deadline_s = cfg->listen_deadline_s,
		.max_conns = cfg->sms_max_conns,
		.max_per_peer = cfg->sms_max_per_peer,
		.peer = LISTENER_PEER_ADDRESS,
		/* A gateway cut off mid-request may not send it again. */
		.wait_over_share = 1,
	};
	char			 host[256];
	uint16_t		 port;

	if (config_listen_parse(cfg->sms_listen, host, sizeof host,
	    &port) == -1) {
		snprintf(err, errlen, "sms.listen: expected address:port");
		return -1;
	}
	if ((s->http = evhttp_new(s->app->base)) == NULL) {
		snprintf(err, errlen, "sms.listen: out of memory");
		return -1;
	}
	evhttp_set_max_body_size(s->http, SMS_BODY_MAX);
	/* The request line and headers of a callback are short. */
	evhttp_set_max_headers_size(s->http, SMS_HEADERS_MAX);
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	/* Between two reads; the guard's deadline bounds the whole. */
	evhttp_set_timeout(s->http, SMS_IDLE_S);
	evhttp_set_gencb(s->http, sms_on_request, s);
	s->bound = evhttp_bind_socket_with_handle(s->http, host, port);
	if (s->bound == NULL) {
		snprintf(err, errlen, "sms.listen: cannot listen on %s",
		    cfg->sms_listen);
		return -1;
	}
	s->guard = listener_guard_new(s->app->base,
	    evhttp_bound_socket_get_listener(s->bound), "sms");
	listener_guard_limit(s->guard, s->http, &lim);
	return 0;
}

int
sms_start(struct sms *s, char *err, size_t errlen)
{
	if (s->drv == NULL)
		return 0;
	if (s->drv->init(s, err, errlen) == -1 || sms_listen(s, err,
	    errlen) == -1)
		return -1;
	log_notice("event=sms.ready driver=%s", s->drv->name);
	return 0;
}

void
sms_stop(struct sms *s)
{
	if (s == NULL || s->http == NULL || s->bound == NULL)
		return;
	listener_guard_stop(s->guard);
	evhttp_del_accept_socket(s->http, s->bound);
	s->bound = NULL;
}

int
sms_busy(const struct sms *s)
{
	return s != NULL ? listener_guard_conns(s->guard) : 0;
}

void
sms_free(struct sms *s)
{
	if (s == NULL)
		return;
	free(s->answered);
	listener_guard_free(s->guard);
	if (s->http != NULL)
		evhttp_free(s->http);
	if (s->drv != NULL && s->drv->cleanup != NULL)
		s->drv->cleanup(s);
	free(s);
}

int
sms_may_answer(struct sms *s, const char *phone)
{
	unsigned char	 key[CRYPTO_INDEX_LEN];
	int64_t		 now = store_now_ms(), day = 86400 * 1000LL;
	size_t		 i, oldest = 0;

	if (s == NULL)
		return 0;
	crypto_blind_index(s->app->keys, "sms_answered", phone, strlen(phone),
	    key);
	if (s->answered == NULL)
		s->answered = xcalloc(SMS_ANSWERED_MAX, sizeof *s->answered);
	for (i = 0; i < s->nanswered; i++) {
		if (memcmp(s->answered[i].key, key, sizeof key) == 0) {
			if (now - s->answered[i].at < day)
				return 0;
			s->answered[i].at = now;
			return 1;
		}
		if (s->answered[i].at < s->answered[oldest].at)
			oldest = i;
	}
	/* Full: the oldest entry makes room. */
	i = s->nanswered < SMS_ANSWERED_MAX ? s->nanswered++ : oldest;
	memcpy(s->answered[i].key, key, sizeof key);
	s->answered[i].at = now;
	return 1;
}

char *
sms_callback_url(struct sms *s, const char *kind)
{
	const char	*base = s->app->cfg->sms_callback_url;
	size_t		 n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return xasprintf("%.*s/%s/%s/%s", (int)n, base, s->drv->name, kind,
	    s->app->cfg->sms_secret);
}

char *
sms_read_secret(const char *path, char *err, size_t errlen)
{
	char	 buf[1024];
	size_t	 n;
	FILE	*f;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: cannot open", path);
		return NULL;
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0' || n == sizeof buf - 1) {
		explicit_bzero(buf, sizeof buf);
		snprintf(err, errlen, "%s: empty or too long", path);
		return NULL;
	}
	return xstrdup(buf);
}

void
sms_send_fail(struct dispatch_job *job, enum send_status status, int code,
    const char *fmt, ...)
{
	struct send_result	 res;
	va_list			 ap;

	memset(&res, 0, sizeof res);
	res.status = status;
	res.code = code;
	va_start(ap, fmt);
	vsnprintf(res.error, sizeof res.error, fmt, ap);
	va_end(ap);
	dispatch_done(job, &res);
}

void
sms_send(void *arg, struct dispatch_job *job, const struct outbox_row *row,
    const char *params, size_t len)
{
	struct sms	*s = arg;
	cJSON		*p;
	const cJSON	*to, *text;

	p = cJSON_ParseWithLength(params, len);
	to = cJSON_GetObjectItemCaseSensitive(p, "to");
	text = cJSON_GetObjectItemCaseSensitive(p, "text");
	if (!cJSON_IsString(to) || !cJSON_IsString(text))
		sms_send_fail(job, SEND_PERMANENT, 0, "malformed SMS row");
	else if (s->drv == NULL)
		sms_send_fail(job, SEND_RETRY, 0, "no SMS gateway configured");
	else
		s->drv->send(s, job, row->id, to->valuestring,
		    text->valuestring);
	cJSON_Delete(p);
}

/* A gateway's number ("48600100200") in E.164. */
static int
sms_phone(const char *from, char out[PHONE_MAX])
{
	char		 buf[PHONE_IN_MAX];
	const char	*why;
	size_t		 n = strlen(from);

	if (n >= 10 && n < sizeof buf - 1 && strspn(from, "0123456789") == n) {
		snprintf(buf, sizeof buf, "+%s", from);
		from = buf;
	}
	return phone_normalize(from, out, &why);
}

/*
 * The gateway's message id as the inbound table's integer key: a blind
 * index under a key of the keystore's own, not the master's, so that a
 * gateway's repeat of a message is known as one across a rotation of the
 * master key (the rotation cannot index again ids it never kept). Should
 * the keystore fail, the master's keys do for the while.
 */
static int64_t
sms_ext_id(struct sms *s, const char *gateway, const char *id)
{
	const struct keys	*k;
	unsigned char		 h[CRYPTO_INDEX_LEN];
	char			*v = xasprintf("%s:%s", gateway, id);
	uint64_t		 x;

	if (s->app->keystore == NULL ||
	    (k = keystore_own(s->app->keystore, KEYSTORE_SMS_MO)) == NULL)
		k = s->app->keys;
	crypto_blind_index(k, "sms_mo", v, strlen(v), h);
	free(v);
	memcpy(&x, h, sizeof x);
	return (int64_t)(x & INT64_MAX);
}

int
sms_mo_check(const struct sms_mo *mo, char phone[PHONE_MAX])
{
	if (mo->id == NULL || *mo->id == '\0' || strlen(mo->id) > 128 ||
	    mo->from == NULL || mo->text == NULL ||
	    sms_phone(mo->from, phone) == -1 ||
	    strlen(mo->text) > INBOUND_TEXT_MAX ||
	    !utf8_is_valid(mo->text, strlen(mo->text)))
		return -2;
	return 0;
}

char *
sms_mo_record(const struct sms_mo *mo, const char *phone, const char *gateway)
{
	cJSON	*p;
	char	*json = NULL;

	if ((p = cJSON_CreateObject()) != NULL &&
	    cJSON_AddStringToObject(p, "from", phone) != NULL &&
	    cJSON_AddStringToObject(p, "text", mo->text) != NULL &&
	    cJSON_AddStringToObject(p, "gateway", gateway) != NULL &&
	    cJSON_AddNumberToObject(p, "at", (double)mo->at) != NULL)
		json = json_print(p);
	cJSON_Delete(p);
	return json;
}

int
sms_record_mo(struct sms *s, const char *gateway, const struct sms_mo *mo)
{
	char	 phone[PHONE_MAX], *json = NULL;
	int64_t	 row = 0;
	int	 rc = -2;

	if (sms_mo_check(mo, phone) == -2)
		goto out;
	rc = -1;
	if ((json = sms_mo_record(mo, phone, gateway)) == NULL)
		goto out;
	if (store_begin(s->app->st) == -1)
		goto out;
	if (inbound_record(s->app->is, CHANNEL_SMS, sms_ext_id(s, gateway,
	    mo->id), json, strlen(json), &row) == -1 ||
	    store_commit(s->app->st) == -1) {
		store_rollback(s->app->st);
		goto out;
	}
	if (row == 0)
		log_info("event=sms.mo_duplicate gateway=%s", gateway);
	else {
		log_info("event=sms.mo inbound_id=%" PRId64 " gateway=%s", row,
		    gateway);
		if (s->inbound_cb != NULL)
			s->inbound_cb(s->inbound_arg);
	}
	rc = 0;
out:
	if (json != NULL) {
		explicit_bzero(json, strlen(json));
		free(json);
	}
	return rc;
}

int
sms_record_dlr(struct sms *s, const struct sms_dlr *dlr)
{
	int	 found = 0;

	if (store_begin(s->app->st) == -1)
		return -1;
	if (outbox_set_delivery(s->app->ob, dlr->outbox_id, dlr->gateway_id,
	    (int)dlr->d, dlr->code, store_now_ms(), &found) == -1 ||
	    store_commit(s->app->st) == -1) {
		store_rollback(s->app->st);
		return -1;
	}
	if (found)
		log_info("event=sms.dlr outbox_id=%" PRId64 " delivery=%s",
		    dlr->outbox_id, sms_delivery_name(dlr->d));
	else
		log_warn("event=sms.dlr_ignored outbox_id=%" PRId64
		    " delivery=%s detail=\"unknown message or already final\"",
		    dlr->outbox_id, sms_delivery_name(dlr->d));
	return 0;
}

/*
 * The gateway's time of a stored record: whole seconds a double holds
 * exactly, else 0 (unknown). A gateway may send any number as its time
 * stamp, and casting one past 2^63 is undefined.
 */
static int64_t
sms_record_time(const cJSON *at)
{
	double	 d;

	if (!cJSON_IsNumber(at))
		return 0;
	d = at->valuedouble;
	if (d != floor(d) || fabs(d) > 9007199254740991.0)
		return 0;
	return (int64_t)d;
}

int
sms_parse_inbound(const char *raw, size_t len, struct inbound *in, char *why,
    size_t whylen)
{
	const cJSON	*from, *text, *at;
	cJSON		*p;
	int		 rc = -1;

	memset(in, 0, sizeof *in);
	in->channel = CHANNEL_SMS;
	p = cJSON_ParseWithLength(raw, len);
	from = cJSON_GetObjectItemCaseSensitive(p, "from");
	text = cJSON_GetObjectItemCaseSensitive(p, "text");
	at = cJSON_GetObjectItemCaseSensitive(p, "at");
	if (!cJSON_IsString(from) || !cJSON_IsString(text)) {
		snprintf(why, whylen, "malformed SMS record");
		goto out;
	}
	in->phone = xstrdup(from->valuestring);
	in->text = xstrdup(text->valuestring);
	in->date = sms_record_time(at);
	in->chat_is_private = 1;
	in->kind = INBOUND_TEXT;
	/* STOP and START work like /stop and /start on Telegram. */
	switch (sms_text_keyword(in->text)) {
	case SMS_KW_STOP:
		in->kind = INBOUND_COMMAND;
		snprintf(in->command, sizeof in->command, "/stop");
		in->args = xstrdup("");
		break;
	case SMS_KW_START:
		in->kind = INBOUND_COMMAND;
		snprintf(in->command, sizeof in->command, "/start");
		in->args = xstrdup("");
		break;
	default:
		break;
	}
	rc = 0;
out:
	cJSON_Delete(p);
	return rc;
}
