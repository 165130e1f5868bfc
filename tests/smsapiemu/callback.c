/* smsapiemu: outgoing callbacks, delivery reports and incoming SMS. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "log.h"
#include "smsapiemu.h"
#include "xmalloc.h"

#define BODY_ECHO_MAX	4096	/* callback answer bytes put in /ctl/mo */
/* With batching on, reports due this close together count as "at once". */
#define BATCH_WINDOW_MS	100

enum call_kind {
	CALL_DLR,
	CALL_MO
};

struct se_call {
	struct se_call			*prev, *next;
	struct emu			*e;
	struct evhttp_connection	*evcon;
	enum call_kind			 kind;
	uint64_t			 generation;
	size_t				 msgs[SE_DLR_BATCH_MAX];
	size_t				 nmsgs;
	struct evhttp_request		*ctl_req;	/* CALL_MO */
	char				*msg_id;	/* CALL_MO */
	int				 linked;	/* in e->calls */
	int				 finished;	/* answered or failed */
	struct event			*reaper;	/* frees evcon later */
};

/* Where a callback goes: host, port and the request target. */
struct target {
	char		*host;
	int		 port;
	char		*uri;
};

static void
target_free(struct target *t)
{
	free(t->host);
	free(t->uri);
}

/* extra (URL-encoded pairs) joins the URL's own query, secret and all. */
static int
target_parse(const char *url, const char *extra, struct target *t)
{
	struct evhttp_uri	*u = NULL;
	const char		*scheme, *host, *path, *q;
	int			 rc = -1;

	memset(t, 0, sizeof *t);
	if (strlen(url) > SE_URL_MAX ||
	    (u = evhttp_uri_parse(url)) == NULL ||
	    (scheme = evhttp_uri_get_scheme(u)) == NULL ||
	    strcasecmp(scheme, "http") != 0 ||
	    (host = evhttp_uri_get_host(u)) == NULL || host[0] == '\0')
		goto out;
	t->host = xstrdup(host);
	t->port = evhttp_uri_get_port(u) > 0 ? evhttp_uri_get_port(u) : 80;
	path = evhttp_uri_get_path(u);
	if (path == NULL || path[0] == '\0')
		path = "/";
	q = evhttp_uri_get_query(u);
	if (q != NULL && q[0] != '\0' && extra != NULL && extra[0] != '\0')
		t->uri = xasprintf("%s?%s&%s", path, q, extra);
	else if (q != NULL && q[0] != '\0')
		t->uri = xasprintf("%s?%s", path, q);
	else if (extra != NULL && extra[0] != '\0')
		t->uri = xasprintf("%s?%s", path, extra);
	else
		t->uri = xstrdup(path);
	rc = 0;
out:
	if (u != NULL)
		evhttp_uri_free(u);
	if (rc == -1)
		target_free(t);
	return rc;
}

int
se_cb_url_check(const char *url)
{
	struct target	 t;

	if (target_parse(url, NULL, &t) == -1)
		return -1;
	target_free(&t);
	return 0;
}

/* Unlinks c if call_start linked it, then frees it and its connection. */
static void
call_free(struct se_call *c)
{
	struct emu	*e = c->e;

	if (c->linked) {
		if (c->prev != NULL)
			c->prev->next = c->next;
		else
			e->calls = c->next;
		if (c->next != NULL)
			c->next->prev = c->prev;
		evhttp_connection_free(c->evcon);
	}
	if (c->reaper != NULL)
		event_free(c->reaper);
	free(c->msg_id);
	free(c);
}

static void
on_reap(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	call_free(arg);
}

/*
 * Called at the end of a done callback. libevent still uses the
 * connection when the callback returns, and does not free it itself after
 * a failed connect even with free_on_completion, so it is freed from a
 * zero timer; a call that never started is freed now.
 */
static void
call_finish(struct se_call *c)
{
	struct timeval	 tv = { 0, 0 };

	c->finished = 1;
	if (!c->linked) {
		call_free(c);
		return;
	}
	c->reaper = evtimer_new(c->e->base, on_reap, c);
	if (c->reaper == NULL) {
		log_err("event=timer.oom");
		exit(1);
	}
	evtimer_add(c->reaper, &tv);
}

/*
 * Starts one request on a new connection; done runs once, with NULL or
 * a request without a status on refusal or timeout, and ends with
 * call_finish().
 */
static int
call_start(struct se_call *c, const struct target *t, int post,
    const char *form, void (*done)(struct evhttp_request *, void *))
{
	struct evhttp_request	*req;
	struct evkeyvalq	*h;

	c->evcon = evhttp_connection_base_new(c->e->base, NULL, t->host,
	    (ev_uint16_t)t->port);
	if (c->evcon == NULL)
		return -1;
	evhttp_connection_set_timeout(c->evcon, SE_CB_TIMEOUT_S);
	evhttp_connection_set_retries(c->evcon, 0);
	evhttp_connection_set_max_body_size(c->evcon, SE_CB_REPLY_MAX);
	if ((req = evhttp_request_new(done, c)) == NULL) {
		evhttp_connection_free(c->evcon);
		return -1;
	}
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", t->host);
	evhttp_add_header(h, "User-Agent", "smsapiemu");
	evhttp_add_header(h, "Connection", "close");
	if (post) {
		evhttp_add_header(h, "Content-Type",
		    "application/x-www-form-urlencoded");
		evbuffer_add(evhttp_request_get_output_buffer(req), form,
		    strlen(form));
	}
	c->next = c->e->calls;
	if (c->e->calls != NULL)
		c->e->calls->prev = c;
	c->e->calls = c;
	c->linked = 1;
	if (evhttp_make_request(c->evcon, req, post ? EVHTTP_REQ_POST :
	    EVHTTP_REQ_GET, t->uri) == 0 || c->finished)
		return 0;	/* done ran already: the reaper has c */
	/* libevent has released the request. */
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->e->calls = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->linked = 0;
	evhttp_connection_free(c->evcon);
	return -1;
}

/* Appends "&key=value", the value URL-encoded. */
static void
form_add(struct evbuffer *b, const char *key, const char *value)
{
	char	*enc = evhttp_uriencode(value, -1, 1);

	if (enc == NULL) {
		log_err("event=callback.oom");
		exit(1);
	}
	evbuffer_add_printf(b, "%s%s=%s", evbuffer_get_length(b) > 0 ? "&" :
	    "", key, enc);
	free(enc);
}

static char *
buf_take(struct evbuffer *b)
{
	size_t	 n = evbuffer_get_length(b);
	char	*s = xmalloc(n + 1);

	evbuffer_remove(b, s, n);
	s[n] = '\0';
	evbuffer_free(b);
	return s;
}

static struct evbuffer *
buf_new(void)
{
	struct evbuffer	*b = evbuffer_new();

	if (b == NULL) {
		log_err("event=callback.oom");
		exit(1);
	}
	return b;
}

/* SMSAPI wants the body "OK"; we allow surrounding white space. */
static int
answered_ok(struct evhttp_request *req)
{
	struct evbuffer	*in;
	char		 buf[16];
	size_t		 n;
	char		*s = buf, *end;

	if (req == NULL || evhttp_request_get_response_code(req) != 200)
		return 0;
	in = evhttp_request_get_input_buffer(req);
	n = evbuffer_get_length(in);
	if (n >= sizeof buf)
		return 0;
	evbuffer_copyout(in, buf, n);
	buf[n] = '\0';
	while (*s == ' ' || *s == '\r' || *s == '\n' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\r' ||
	    end[-1] == '\n' || end[-1] == '\t'))
		*--end = '\0';
	return strcmp(s, "OK") == 0;
}

/* -- delivery reports --------------------------------------------------- */

static void	on_dlr_timer(evutil_socket_t, short, void *);

void
se_cb_init(struct emu *e)
{
	e->dlr_timer = evtimer_new(e->base, on_dlr_timer, e);
	if (e->dlr_timer == NULL) {
		log_err("event=timer.oom");
		exit(1);
	}
}

static void
dlr_arm(struct emu *e)
{
	struct timeval	 tv;
	int64_t		 first = INT64_MAX, ms;
	size_t		 i;

	if (e->nwait == 0) {
		evtimer_del(e->dlr_timer);
		return;
	}
	for (i = 0; i < e->nwait; i++)
		if (e->msgs[e->wait[i]].due_ms < first)
			first = e->msgs[e->wait[i]].due_ms;
	ms = first - emuc_now_ms();
	if (ms < 0)
		ms = 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(e->dlr_timer, &tv);
}

static void
wait_push(struct emu *e, size_t i)
{
	if (e->nwait == e->waitcap) {
		e->waitcap = e->waitcap == 0 ? 64 : e->waitcap * 2;
		e->wait = xreallocarray(e->wait, e->waitcap, sizeof *e->wait);
	}
	e->wait[e->nwait++] = i;
}

void
se_cb_dlr_schedule(struct emu *e, size_t i)
{
	struct se_msg	*m = &e->msgs[i];

	m->due_ms = emuc_now_ms() + e->dlr.delay_ms;
	m->dlr = m->notify_url != NULL ? SE_DLR_WAITING : SE_DLR_NONE;
	wait_push(e, i);
	dlr_arm(e);
}

void
se_cb_dlr_clear(struct emu *e)
{
	free(e->wait);
	e->wait = NULL;
	e->nwait = e->waitcap = 0;
	/* Not made when the emulator could not listen. */
	if (e->dlr_timer != NULL)
		evtimer_del(e->dlr_timer);
}

static void
dlr_retry_or_give_up(struct emu *e, struct se_msg *m, size_t i)
{
	int	 shift;

	if (m->attempts > e->dlr.retries) {
		m->dlr = SE_DLR_GAVE_UP;
		e->st.dlr_gave_up++;
		log_warn("event=dlr.gave_up seq=%" PRId64 " attempts=%d",
		    m->seq, m->attempts);
		return;
	}
	m->dlr = SE_DLR_WAITING;
	shift = m->attempts - 1 < 16 ? m->attempts - 1 : 16;
	m->due_ms = emuc_now_ms() + e->dlr.backoff_ms * ((int64_t)1 << shift);
	wait_push(e, i);
}

static void
on_dlr_done(struct evhttp_request *req, void *arg)
{
	struct se_call	*c = arg;
	struct emu	*e = c->e;
	size_t		 k;
	int		 ok = answered_ok(req);

	log_debug("event=dlr.answer http=%d ok=%d reports=%zu",
	    req != NULL ? evhttp_request_get_response_code(req) : 0, ok,
	    c->nmsgs);
	if (c->generation == e->generation) {
		if (!ok)
			e->st.dlr_failed++;
		for (k = 0; k < c->nmsgs; k++) {
			if (ok)
				e->msgs[c->msgs[k]].dlr = SE_DLR_OK;
			else
				dlr_retry_or_give_up(e, &e->msgs[c->msgs[k]],
				    c->msgs[k]);
		}
		dlr_arm(e);
	}
	call_finish(c);
}

/* One GET carrying c's reports as comma-separated aligned lists. */
static void
dlr_send(struct emu *e, struct se_call *c)
{
	static const char *const keys[5] = { "MsgId", "status", "idx",
	    "donedate", "username" };
	struct evbuffer	*f[5], *q = buf_new();
	struct se_msg	*m;
	struct target	 t;
	char		*val;
	size_t		 k, j;

	for (j = 0; j < 5; j++)
		f[j] = buf_new();
	for (k = 0; k < c->nmsgs; k++) {
		m = &e->msgs[c->msgs[k]];
		for (j = 0; k > 0 && j < 5; j++)
			evbuffer_add(f[j], ",", 1);
		evbuffer_add_printf(f[0], "%s", m->id);
		evbuffer_add_printf(f[1], "%d", m->status);
		evbuffer_add_printf(f[2], "%s", m->idx != NULL ? m->idx : "");
		evbuffer_add_printf(f[3], "%" PRId64, m->done_s);
		evbuffer_add_printf(f[4], "%s", SE_USERNAME);
	}
	for (j = 0; j < 5; j++) {
		val = buf_take(f[j]);
		form_add(q, keys[j], val);
		free(val);
	}
	val = buf_take(q);
	e->st.dlr_calls++;
	e->st.dlr_reports += c->nmsgs;
	m = &e->msgs[c->msgs[0]];
	if (target_parse(m->notify_url, val, &t) == -1) {
		on_dlr_done(NULL, c);
		free(val);
		return;
	}
	if (call_start(c, &t, 0, NULL, on_dlr_done) == -1) {
		log_warn("event=dlr.call_failed");
		on_dlr_done(NULL, c);
	}
	target_free(&t);
	free(val);
}

static struct se_call *
call_new(struct emu *e, enum call_kind kind)
{
	struct se_call	*c = xcalloc(1, sizeof *c);

	c->e = e;
	c->kind = kind;
	c->generation = e->generation;
	return c;
}

/* Reports for the same URL that are due together share a call. */
static void
dlr_fire(struct emu *e, size_t *due, size_t ndue)
{
	struct se_call	*c;
	struct se_msg	*m;
	size_t		 k, j;

	for (k = 0; k < ndue; k++) {
		if (due[k] == SIZE_MAX)
			continue;
		c = call_new(e, CALL_DLR);
		c->msgs[c->nmsgs++] = due[k];
		m = &e->msgs[due[k]];
		for (j = k + 1; e->dlr.batch && j < ndue &&
		    c->nmsgs < SE_DLR_BATCH_MAX; j++)
			if (due[j] != SIZE_MAX && strcmp(m->notify_url,
			    e->msgs[due[j]].notify_url) == 0) {
				c->msgs[c->nmsgs++] = due[j];
				due[j] = SIZE_MAX;
			}
		for (j = 0; j < c->nmsgs; j++) {
			e->msgs[c->msgs[j]].dlr = SE_DLR_CALLING;
			e->msgs[c->msgs[j]].attempts++;
		}
		dlr_send(e, c);
	}
}

static void
on_dlr_timer(evutil_socket_t fd, short what, void *arg)
{
	struct emu	*e = arg;
	struct se_msg	*m;
	size_t		*due, ndue = 0, i, keep = 0;
	int64_t		 now = emuc_now_ms(), limit;

	(void)fd;
	(void)what;
	limit = now + (e->dlr.batch ? BATCH_WINDOW_MS : 0);
	due = xreallocarray(NULL, e->nwait + 1, sizeof *due);
	for (i = 0; i < e->nwait; i++) {
		m = &e->msgs[e->wait[i]];
		if (m->due_ms > limit) {
			e->wait[keep++] = e->wait[i];
			continue;
		}
		if (m->attempts == 0) {
			m->status = m->final_status;
			m->done_s = emuc_wall_ms() / 1000;
		}
		if (m->notify_url != NULL)
			due[ndue++] = e->wait[i];
	}
	e->nwait = keep;
	/* Calls that fail at once push retries: arm after firing. */
	dlr_fire(e, due, ndue);
	free(due);
	dlr_arm(e);
}

/* -- incoming SMS ------------------------------------------------------- */

static void
on_mo_done(struct evhttp_request *req, void *arg)
{
	struct se_call	*c = arg;
	struct evbuffer	*in;
	cJSON		*o = cJSON_CreateObject();
	char		 body[BODY_ECHO_MAX + 1];
	ev_ssize_t	 r = 0;
	size_t		 n, i;
	int		 bad, code = req != NULL ?
			    evhttp_request_get_response_code(req) : 0;

	if (req != NULL) {
		in = evhttp_request_get_input_buffer(req);
		r = evbuffer_copyout(in, body, BODY_ECHO_MAX);
	}
	n = r > 0 ? (size_t)r : 0;
	body[n] = '\0';
	/* JSON carries it as text: NULs and broken UTF-8 become '?'. */
	bad = !emuc_utf8_is_valid(body, n);
	for (i = 0; i < n; i++)
		if (body[i] == '\0' || (bad && (unsigned char)body[i] >= 0x80))
			body[i] = '?';
	if (code != 200)
		c->e->st.mo_failed++;
	log_debug("event=mo.answer http=%d", code);
	cJSON_AddBoolToObject(o, "ok", 1);
	cJSON_AddStringToObject(o, "msg_id", c->msg_id);
	cJSON_AddNumberToObject(o, "http", code);
	cJSON_AddStringToObject(o, "body", body);
	if (req == NULL)
		cJSON_AddStringToObject(o, "error", "no answer (refused, "
		    "reset or timed out)");
	emuc_reply_json(c->ctl_req, 200, o);
	c->ctl_req = NULL;
	call_finish(c);
}

static char *
mo_form(const struct se_mo *mo)
{
	struct evbuffer	*b = buf_new();
	char		 num[32];

	form_add(b, "sms_to", mo->to);
	form_add(b, "sms_from", mo->from);
	form_add(b, "sms_text", mo->text);
	snprintf(num, sizeof num, "%" PRId64, mo->date);
	form_add(b, "sms_date", num);
	form_add(b, "username", SE_USERNAME);
	form_add(b, "MsgId", mo->msg_id);
	return buf_take(b);
}

void
se_cb_mo_start(struct emu *e, struct evhttp_request *req,
    const struct se_mo *mo)
{
	struct se_call	*c = call_new(e, CALL_MO);
	struct target	 t;
	char		*form = mo_form(mo);
	int		 rc;

	c->ctl_req = req;
	c->msg_id = xstrdup(mo->msg_id);
	e->st.mo_calls++;
	if (target_parse(mo->url, mo->post ? NULL : form, &t) == -1) {
		free(form);
		call_free(c);
		emuc_reply_text(req, 400, "application/json", "{\"ok\":false,"
		    "\"error\":\"url: an http:// URL expected\"}");
		return;
	}
	rc = call_start(c, &t, mo->post, form, on_mo_done);
	target_free(&t);
	free(form);
	if (rc == -1)
		on_mo_done(NULL, c);
}

void
se_cb_cleanup(struct emu *e)
{
	struct se_call	*c;

	while ((c = e->calls) != NULL) {
		if (c->ctl_req != NULL)
			emuc_reply_text(c->ctl_req, 503, "application/json",
			    "{\"ok\":false,\"error\":\"shutting down\"}");
		call_free(c);
	}
	se_cb_dlr_clear(e);
}
