/*
 * Kannel: smsbox's sendsms over HTTP. Kannel's own splitting breaks emoji
 * and silently drops what is past max-messages, and its default coding
 * turns Polish letters into "?": so we choose the coding and split the
 * text ourselves, and send each part with its UDH, charset=UTF-8 always.
 * Each part asks for delivery reports at our dlr-url, which carries the
 * outbox row; incoming SMS arrive at the sms-service's get-url.
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sodium.h>

#include "app.h"
#include "config.h"
#include "httpc.h"
#include "log.h"
#include "sms_priv.h"
#include "sms_text.h"
#include "xmalloc.h"

#define KANNEL_MAX_RESPONSE	4096
#define KANNEL_TIMEOUT_MS	30000

struct kannel {
	char	*user;		/* sendsms-user credentials: secret */
	char	*password;
	char	*dlr_base;	/* our dlr-url, holds the callback secret */
};

/* One message on its way: its parts go out one after another. */
struct kannel_send {
	struct sms		*s;
	struct dispatch_job	*job;
	int64_t			 outbox_id;
	char			*to;
	struct sms_split	*split;
	size_t			 next;
};

static int
kannel_init(struct sms *s, char *err, size_t errlen)
{
	struct kannel	*k;
	char		*cred, *colon;

	if ((cred = sms_read_secret(s->app->cfg->kannel_credentials_file, err,
	    errlen)) == NULL)
		return -1;
	if ((colon = strchr(cred, ':')) == NULL || colon == cred) {
		snprintf(err, errlen, "%s: expected username:password",
		    s->app->cfg->kannel_credentials_file);
		explicit_bzero(cred, strlen(cred));
		free(cred);
		return -1;
	}
	k = xcalloc(1, sizeof *k);
	*colon = '\0';
	k->user = xstrdup(cred);
	k->password = xstrdup(colon + 1);
	explicit_bzero(colon + 1, strlen(colon + 1));
	free(cred);
	k->dlr_base = sms_callback_url(s, "dlr");
	s->drv_state = k;
	return 0;
}

static void
kannel_cleanup(struct sms *s)
{
	struct kannel	*k = s->drv_state;

	if (k == NULL)
		return;
	explicit_bzero(k->password, strlen(k->password));
	free(k->user);
	free(k->password);
	free(k->dlr_base);
	free(k);
	s->drv_state = NULL;
}

static void
kannel_add(struct evbuffer *b, const char *name, const char *value,
    size_t len)
{
	char	*v = curl_easy_escape(NULL, value, (int)len);

	evbuffer_add_printf(b, "%s%s=%s", evbuffer_get_length(b) > 0 ? "&" :
	    "", name, v != NULL ? v : "");
	curl_free(v);
}

/* The sendsms URL of part `i`; free(). Holds the credentials. */
static char *
kannel_url(struct kannel_send *ks, size_t i)
{
	struct kannel		*k = ks->s->drv_state;
	const struct sms_part	*p = &ks->split->parts[i];
	struct evbuffer		*b = evbuffer_new();
	char			 coding[4], *dlr, *url;

	if (b == NULL)
		return NULL;
	snprintf(coding, sizeof coding, "%d", (int)ks->split->coding);
	dlr = xasprintf("%s?oid=%" PRId64 "&part=%zu&type=%%d&code=%%A",
	    k->dlr_base, ks->outbox_id, i + 1);
	kannel_add(b, "username", k->user, strlen(k->user));
	kannel_add(b, "password", k->password, strlen(k->password));
	kannel_add(b, "from", ks->s->app->cfg->sms_sender,
	    strlen(ks->s->app->cfg->sms_sender));
	kannel_add(b, "to", ks->to, strlen(ks->to));
	kannel_add(b, "text", p->text, p->len);
	kannel_add(b, "charset", "UTF-8", 5);
	kannel_add(b, "coding", coding, strlen(coding));
	if (p->udh_len > 0)
		kannel_add(b, "udh", (const char *)p->udh, p->udh_len);
	kannel_add(b, "dlr-mask", "31", 2);
	kannel_add(b, "dlr-url", dlr, strlen(dlr));
	url = xasprintf("%s?%.*s", ks->s->app->cfg->kannel_url,
	    (int)evbuffer_get_length(b), (const char *)evbuffer_pullup(b, -1));
	evbuffer_free(b);
	free(dlr);
	return url;
}

static void
kannel_send_free(struct kannel_send *ks)
{
	sms_text_split_free(ks->split);
	free(ks->to);
	free(ks);
}

static void	kannel_next(struct kannel_send *ks);

/* 202 "0: Accepted" or "3: Queued for later delivery" take the part. */
static void
kannel_part_sent(const struct httpc_response *resp, void *arg)
{
	struct kannel_send	*ks = arg;
	struct send_result	 res;

	memset(&res, 0, sizeof res);
	res.code = (int)resp->status;
	if (resp->curl_code == 0 && resp->status == 202 &&
	    (strncmp(resp->body, "0:", 2) == 0 ||
	    strncmp(resp->body, "3:", 2) == 0)) {
		if (++ks->next < ks->split->nparts) {
			kannel_next(ks);
			return;
		}
		res.status = SEND_OK;
	} else if (resp->curl_code != 0 || resp->status >= 500 ||
	    resp->status == 0) {
		/* Parts already taken go again: a duplicate, never a loss. */
		res.status = SEND_RETRY;
		snprintf(res.error, sizeof res.error, "Kannel: %.200s",
		    resp->error != NULL ? resp->error : resp->body);
	} else {
		res.status = SEND_PERMANENT;
		snprintf(res.error, sizeof res.error, "Kannel: %.200s",
		    resp->body);
	}
	res.error[strcspn(res.error, "\r\n")] = '\0';
	dispatch_done(ks->job, &res);
	kannel_send_free(ks);
}

static void
kannel_next(struct kannel_send *ks)
{
	struct httpc_opts	 o = { .timeout_ms = KANNEL_TIMEOUT_MS,
	    .max_response = KANNEL_MAX_RESPONSE };
	char			*url;

	if ((url = kannel_url(ks, ks->next)) == NULL ||
	    httpc_request(ks->s->app->http, url, NULL, 0, &o,
	    kannel_part_sent, ks) == NULL) {
		sms_send_fail(ks->job, SEND_RETRY, 0, "request not started");
		kannel_send_free(ks);
	}
	if (url != NULL) {
		explicit_bzero(url, strlen(url));
		free(url);
	}
}

static void
kannel_send(struct sms *s, struct dispatch_job *job, int64_t outbox_id,
    const char *to, const char *text)
{
	struct kannel_send	*ks;
	enum sms_text_result	 r;
	char			 why[128];

	ks = xcalloc(1, sizeof *ks);
	ks->s = s;
	ks->job = job;
	ks->outbox_id = outbox_id;
	ks->to = xstrdup(to);
	r = sms_text_split(text, strlen(text),
	    (unsigned int)s->app->cfg->sms_max_parts,
	    (unsigned char)randombytes_uniform(256), &ks->split);
	if (r != SMS_TEXT_OK) {
		sms_send_fail(job, SEND_PERMANENT, 0, "%s",
		    sms_text_describe(r, NULL, why, sizeof why));
		kannel_send_free(ks);
		return;
	}
	kannel_next(ks);
}

/* dlr-mask bits: 1 delivered, 2 not delivered, 4 buffered, 8 at SMSC,
 * 16 rejected by the SMSC. */
static enum sms_delivery
kannel_dlr_type(long type)
{
	switch (type) {
	case 1:
		return SMS_DLR_DELIVERED;
	case 2:
	case 16:
		return SMS_DLR_FAILED;
	case 4:
	case 8:
		return SMS_DLR_QUEUED;
	default:
		return SMS_DLR_NONE;
	}
}

/* "8", or "2 err:034" from an SMPP receipt's err: field (digits only). */
static void
kannel_dlr_code(long type, const char *reply, char *buf, size_t size)
{
	const char	*e = reply != NULL ? strstr(reply, "err:") : NULL;
	size_t		 n = 0;

	if (e != NULL)
		n = strspn(e + 4, "0123456789");
	if (n > 0 && n < 8)
		snprintf(buf, size, "%ld err:%.*s", type, (int)n, e + 4);
	else
		snprintf(buf, size, "%ld", type);
}

int
sms_kannel_parse_dlr(const struct evkeyvalq *kv, struct sms_dlr *dlr)
{
	const char	*oid = evhttp_find_header(kv, "oid");
	const char	*type = evhttp_find_header(kv, "type");
	const char	*code = evhttp_find_header(kv, "code");
	char		*end;
	long long	 id;
	long		 t;

	memset(dlr, 0, sizeof *dlr);
	if (oid == NULL || type == NULL)
		return -2;
	id = strtoll(oid, &end, 10);
	if (*end != '\0' || id <= 0)
		return -2;
	t = strtol(type, &end, 10);
	if (*end != '\0' || (dlr->d = kannel_dlr_type(t)) == SMS_DLR_NONE)
		return -2;
	dlr->outbox_id = (int64_t)id;
	/*
	 * The SMSC's reply text may quote the message ("text:..."): keep
	 * only the event type and the receipt's err: code.
	 */
	kannel_dlr_code(t, code, dlr->code, sizeof dlr->code);
	return 0;
}

int
sms_kannel_parse_mo(const struct evkeyvalq *kv, struct sms_mo *mo)
{
	const char	*charset = evhttp_find_header(kv, "charset");
	const char	*ts = evhttp_find_header(kv, "ts");
	char		*end;

	memset(mo, 0, sizeof *mo);
	/* smsbox's mo-recode gives UTF-8; anything else is refused. */
	if (charset != NULL && strcmp(charset, "UTF-8") != 0 &&
	    strcmp(charset, "utf-8") != 0)
		return -2;
	if (ts != NULL)
		mo->at = (int64_t)strtoll(ts, &end, 10);
	mo->id = evhttp_find_header(kv, "id");
	mo->from = evhttp_find_header(kv, "from");
	mo->text = evhttp_find_header(kv, "text");
	return 0;
}

static int
kannel_fields(struct sms *s, const char *kind, const struct evkeyvalq *kv)
{
	struct sms_mo	 mo;
	struct sms_dlr	 dlr;
	int		 rc;

	if (strcmp(kind, "mo") == 0) {
		if ((rc = sms_kannel_parse_mo(kv, &mo)) != 0)
			return rc;
		return sms_record_mo(s, "kannel", &mo);
	}
	if ((rc = sms_kannel_parse_dlr(kv, &dlr)) != 0)
		return rc;
	return sms_record_dlr(s, &dlr);
}

static void
kannel_callback(struct sms *s, struct evhttp_request *req, const char *kind)
{
	struct evkeyvalq	 kv;
	const char		*q;
	int			 rc = -2;

	TAILQ_INIT(&kv);
	q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (q != NULL && sms_form_parse(q, strlen(q), &kv) == 0)
		rc = kannel_fields(s, kind, &kv);
	evhttp_clear_headers(&kv);
	sms_answer(req, rc, "kannel", kind);
}

const struct sms_gateway sms_kannel_driver = {
	.name = "kannel",
	.init = kannel_init,
	.send = kannel_send,
	.callback = kannel_callback,
	.cleanup = kannel_cleanup,
};
