/* The admin API server: Unix socket, evhttp, routing, JSON answers. */
/* struct ucred (SO_PEERCRED) is a GNU extension in glibc's headers. */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "admin.h"
#include "admin_priv.h"
#include "app.h"
#include "config.h"
#include "listener.h"
#include "log.h"
#include "store.h"
#include "validate.h"
#include "xmalloc.h"

#define ADMIN_GROUP		"asystent"
/* Hundreds of staff tools at once must queue, not be refused. */
#define ADMIN_BACKLOG		1024
/* Between two reads; [listeners] deadline_s bounds the whole. */
#define ADMIN_TIMEOUT_S		30
#define ADMIN_HEADERS_MAX	16384
#define ADMIN_PATH_MAX		512
#define ADMIN_SEGMENTS		8

struct admin {
	struct app			*app;
	struct evhttp			*http;
	struct evhttp_bound_socket	*bound;
	struct listener_guard		*guard;
	char				*path;
};

/* ---- the socket ------------------------------------------------------ */

/*
 * A socket file left by a crash is removed; one that answers belongs to
 * a running asystentd, and we must not steal it.
 */
static int
admin_clear_stale(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat	 sb;
	int		 fd, rc;

	if (lstat(sun->sun_path, &sb) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", sun->sun_path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(sb.st_mode)) {
		snprintf(err, errlen, "%s: exists and is not a socket",
		    sun->sun_path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sun, sizeof *sun);
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "%s: another asystentd is answering on "
		    "it", sun->sun_path);
		return -1;
	}
	if (unlink(sun->sun_path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", sun->sun_path, strerror(errno));
		return -1;
	}
	log_notice("event=admin.stale_socket_removed");
	return 0;
}

/* The unit's UMask=0077 made the file 0600: open it to the group. */
static int
admin_set_mode(const char *path, char *err, size_t errlen)
{
	struct group	*gr;

	if (chmod(path, 0660) == -1) {
		snprintf(err, errlen, "%s: chmod: %s", path, strerror(errno));
		return -1;
	}
	if ((gr = getgrnam(ADMIN_GROUP)) == NULL)
		return 0;
	if (chown(path, (uid_t)-1, gr->gr_gid) == -1)
		log_warn("event=admin.chgrp_failed gid=%ld errno=%d "
		    "detail=\"socket keeps the daemon's group\"",
		    (long)gr->gr_gid, errno);
	return 0;
}

static int
admin_listen(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(err, errlen, "%s: path too long for a socket", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (admin_clear_stale(&sun, err, errlen) == -1)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		snprintf(err, errlen, "%s: bind: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (admin_set_mode(path, err, errlen) == -1 ||
	    listen(fd, ADMIN_BACKLOG) == -1) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s: listen: %s", path,
			    strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/* ---- one request ----------------------------------------------------- */

static uid_t
admin_peer_uid(struct evhttp_request *req)
{
	struct evhttp_connection	*conn;
	struct bufferevent		*bev;
	struct ucred			 uc;
	socklen_t			 len = sizeof uc;

	if ((conn = evhttp_request_get_connection(req)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(conn)) == NULL ||
	    getsockopt(bufferevent_getfd(bev), SOL_SOCKET, SO_PEERCRED, &uc,
	    &len) == -1)
		return (uid_t)-1;
	return uc.uid;
}

static const char *
admin_method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_PATCH: return "PATCH";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_HEAD: return "HEAD";
	default: return "other";
	}
}

static const char *
admin_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	default: return "Internal Server Error";
	}
}

static void
admin_send(struct areq *r, int status)
{
	struct evbuffer	*buf;
	cJSON		*err = NULL, *e;
	char		*json;

	if (status >= 400) {
		err = cJSON_CreateObject();
		e = cJSON_AddObjectToObject(err, "error");
		cJSON_AddStringToObject(e, "code", r->code);
		cJSON_AddStringToObject(e, "message", r->msg);
		if (r->details != NULL) {
			cJSON_AddItemToObject(e, "details", r->details);
			r->details = NULL;
		}
	}
	json = cJSON_PrintUnformatted(status >= 400 ? err : r->out);
	cJSON_Delete(err);
	buf = evbuffer_new();
	if (json != NULL && buf != NULL) {
		evbuffer_add(buf, json, strlen(json));
		evbuffer_add(buf, "\n", 1);
	}
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "Content-Type", "application/json");
	/* One request a connection: each gets the whole deadline. */
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "Connection", "close");
	evhttp_send_reply(r->req, status, admin_reason(status), buf);
	if (buf != NULL)
		evbuffer_free(buf);
	cJSON_free(json);
}

/* Splits "/v1/a/b" into at most ADMIN_SEGMENTS segments in `buf`. */
static int
admin_split(const char *path, char *buf, size_t len, char **seg)
{
	char	*p;
	int	 n = 0;

	if (snprintf(buf, len, "%s", path) >= (int)len || buf[0] != '/')
		return -1;
	p = buf + 1;
	while (*p != '\0') {
		if (n == ADMIN_SEGMENTS)
			return -1;
		seg[n++] = p;
		if ((p = strchr(p, '/')) == NULL)
			break;
		*p++ = '\0';
		if (*p == '\0')
			return -1;	/* trailing slash */
	}
	return n;
}

static int
admin_match(const char *pattern, char **seg, int nseg, const char **arg)
{
	char	 pbuf[128], *pseg[ADMIN_SEGMENTS];
	int	 n, i, a = 0;

	if ((n = admin_split(pattern, pbuf, sizeof pbuf, pseg)) != nseg)
		return 0;
	for (i = 0; i < n; i++) {
		if (strcmp(pseg[i], "*") == 0) {
			if (a < ADMIN_ARGS)
				arg[a++] = seg[i];
		} else if (strcmp(pseg[i], seg[i]) != 0)
			return 0;
	}
	return 1;
}

/* The route for the path; *status 404 or 405 when there is none. */
static const struct admin_route *
admin_route(struct areq *r, const char *path, char *buf, size_t len,
    int *status)
{
	const struct admin_route	*rt;
	char				*seg[ADMIN_SEGMENTS];
	int				 n;

	*status = 404;
	if ((n = admin_split(path, buf, len, seg)) <= 0)
		return NULL;
	for (rt = admin_routes; rt->pattern != NULL; rt++) {
		if (!admin_match(rt->pattern, seg, n, r->arg))
			continue;
		if (rt->method == evhttp_request_get_command(r->req))
			return rt;
		*status = 405;
	}
	return NULL;
}

static int
admin_query(struct areq *r, const struct evhttp_uri *uri,
    const struct admin_route *rt)
{
	struct evkeyval	*kv;
	const char	*q = evhttp_uri_get_query(uri);
	size_t		 i;

	if (q == NULL)
		return 0;
	if (evhttp_parse_query_str(q, &r->query) == -1)
		return admin_error(r, 400, "bad_request", "malformed query");
	TAILQ_FOREACH(kv, &r->query, next) {
		for (i = 0; rt->query != NULL && rt->query[i] != NULL; i++)
			if (strcmp(kv->key, rt->query[i]) == 0)
				break;
		if (rt->query == NULL || rt->query[i] == NULL)
			return admin_error(r, 400, "bad_request",
			    "unknown query parameter");
	}
	return 0;
}

int
admin_body_parse(struct areq *r, const char *p, size_t len, size_t max)
{
	if (len > max)
		return admin_error(r, 413, "too_large", "request body over "
		    "%zu bytes", max);
	if (len == 0) {
		r->body = cJSON_CreateObject();
		return 0;
	}
	/* The parser keeps a NUL that every C string would cut at. */
	if (validate_json_nuls(p, len, NULL) > 0)
		return admin_error(r, 400, "bad_request", "strings must not "
		    "contain NUL (\\u0000)");
	r->body = cJSON_ParseWithLength(p, len);
	if (r->body == NULL)
		return admin_error(r, 400, "bad_request", "malformed JSON");
	if (!cJSON_IsObject(r->body))
		return admin_error(r, 400, "bad_request", "the body must be a "
		    "JSON object");
	return 0;
}

/* The body as r->body; one too large is refused before it is copied. */
static int
admin_body(struct areq *r, const struct admin_route *rt)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(r->req);
	size_t		 len = evbuffer_get_length(in);
	size_t		 max = rt->flags & ADMIN_BIG ? ADMIN_IMPORT_MAX :
			    ADMIN_BODY_MAX;
	unsigned char	*p = NULL;

	if (len > 0 && len <= max && (p = evbuffer_pullup(in, -1)) == NULL)
		return admin_error(r, 500, "internal", "out of memory");
	return admin_body_parse(r, (const char *)p, len, max);
}

/* A mutating route runs in one transaction: all of it, or nothing. */
static int
admin_run(struct areq *r, const struct admin_route *rt)
{
	int	 status;

	if (!(rt->flags & ADMIN_MUTATES))
		return rt->fn(r);
	if (store_begin(r->app->st) == -1)
		return admin_error(r, 500, "internal", "storage error");
	status = rt->fn(r);
	if (status >= 400 || r->rollback) {
		store_rollback(r->app->st);
		return status;
	}
	if (store_commit(r->app->st) == -1)
		return admin_error(r, 500, "internal", "storage error");
	return status;
}

static int
admin_handle(struct areq *r, const char **pattern)
{
	const struct admin_route	*rt;
	const struct evhttp_uri		*uri;
	const char			*path;
	char				 buf[ADMIN_PATH_MAX];
	int				 status;

	uri = evhttp_request_get_evhttp_uri(r->req);
	if (uri == NULL || (path = evhttp_uri_get_path(uri)) == NULL)
		return admin_error(r, 400, "bad_request", "malformed URI");
	if ((rt = admin_route(r, path, buf, sizeof buf, &status)) == NULL)
		return status == 405 ? admin_error(r, 405,
		    "method_not_allowed", "method not allowed here") :
		    admin_error(r, 404, "not_found", "no such path");
	*pattern = rt->pattern;
	/* Who may call it is settled before anything else is read. */
	if ((status = admin_caller(r)) != 0 ||
	    (status = admin_allowed(r, rt)) != 0 ||
	    (status = admin_query(r, uri, rt)) != 0 ||
	    (status = admin_body(r, rt)) != 0 ||
	    (status = admin_run(r, rt)) == 403)
		admin_denied(r, rt);
	return status;
}

static void
admin_request_cb(struct evhttp_request *req, void *arg)
{
	struct admin	*ad = arg;
	struct areq	 r;
	const char	*pattern = "-";
	int64_t		 t0 = store_now_ms();
	int		 status;

	memset(&r, 0, sizeof r);
	TAILQ_INIT(&r.query);
	r.app = ad->app;
	r.req = req;
	r.uid = admin_peer_uid(req);
	if (r.uid == (uid_t)-1)
		status = admin_error(&r, 500, "internal", "peer unknown");
	else
		status = admin_handle(&r, &pattern);
	if (status < 400 && r.out == NULL)
		r.out = cJSON_CreateObject();
	admin_send(&r, status);
	log_msg(status >= 400 ? LOGL_WARNING : LOGL_INFO,
	    "event=admin.request method=%s route=%s status=%d uid=%ld "
	    "ms=%" PRId64, admin_method_name(evhttp_request_get_command(req)),
	    pattern,
	    status, (long)r.uid, store_now_ms() - t0);
	evhttp_clear_headers(&r.query);
	cJSON_Delete(r.body);
	cJSON_Delete(r.out);
	cJSON_Delete(r.details);
}

/* ---- life cycle ------------------------------------------------------ */

int
admin_open(struct app *app, struct admin **out, char *err, size_t errlen)
{
	struct listener_limits	 lim = {
		.deadline_s = app->cfg->listen_deadline_s,
		.max_conns = app->cfg->admin_max_conns,
		.max_per_peer = app->cfg->admin_max_per_uid,
		.peer = LISTENER_PEER_UID,
	};
	struct admin		*ad;
	int			 fd;

	*out = NULL;
	err[0] = '\0';
	ad = xcalloc(1, sizeof *ad);
	ad->app = app;
	ad->path = xstrdup(app->cfg->admin_socket);
	if ((ad->http = evhttp_new(app->base)) == NULL) {
		snprintf(err, errlen, "evhttp_new failed");
		goto fail;
	}
	/* A hard cap; the per-route limits answer 413 in JSON below it. */
	evhttp_set_max_body_size(ad->http, 2 * ADMIN_IMPORT_MAX);
	evhttp_set_max_headers_size(ad->http, ADMIN_HEADERS_MAX);
	evhttp_set_timeout(ad->http, ADMIN_TIMEOUT_S);
	evhttp_set_allowed_methods(ad->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_HEAD);
	evhttp_set_gencb(ad->http, admin_request_cb, ad);
	if ((fd = admin_listen(ad->path, err, errlen)) == -1)
		goto fail;
	if ((ad->bound = evhttp_accept_socket_with_handle(ad->http, fd)) ==
	    NULL) {
		snprintf(err, errlen, "%s: cannot accept", ad->path);
		close(fd);
		unlink(ad->path);
		goto fail;
	}
	ad->guard = listener_guard_new(app->base,
	    evhttp_bound_socket_get_listener(ad->bound), "admin");
	listener_guard_limit(ad->guard, ad->http, &lim);
	admin_import_start(app);
	admin_broadcast_start(app);
	log_notice("event=admin.listening");
	*out = ad;
	return 0;
fail:
	admin_free(ad);
	return -1;
}

void
admin_stop(struct admin *ad)
{
	if (ad == NULL || ad->bound == NULL)
		return;
	listener_guard_free(ad->guard);
	ad->guard = NULL;
	evhttp_del_accept_socket(ad->http, ad->bound);	/* closes the fd */
	ad->bound = NULL;
	if (unlink(ad->path) == -1 && errno != ENOENT)
		log_warn("event=admin.unlink_failed errno=%d", errno);
}

void
admin_free(struct admin *ad)
{
	if (ad == NULL)
		return;
	admin_stop(ad);
	admin_backup_cleanup();
	admin_import_cleanup();
	admin_broadcast_stop();
	if (ad->http != NULL)
		evhttp_free(ad->http);
	free(ad->path);
	free(ad);
}
