/* The admin API client: one blocking libcurl request over the Unix socket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "xmalloc.h"

#include "ctl.h"

/* Bigger answers than this are refused: 10 000 families fit easily. */
#define CTL_ANSWER_MAX		(64 * 1024 * 1024)
#define CTL_CONNECT_MS		5000L
/* An import of 10 000 rows is validated and written in one go. */
#define CTL_TIMEOUT_MS		120000L

struct ctl_answer_buf {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

static const struct {
	long	status;
	int	exit;
} ctl_status_exits[] = {
	{ 400, CTL_EX_USAGE },
	{ 403, CTL_EX_NOPERM },
	{ 404, CTL_EX_NOTFOUND },
	{ 405, CTL_EX_USAGE },
	{ 409, CTL_EX_CONFLICT },
	{ 413, CTL_EX_USAGE },
	{ 422, CTL_EX_USAGE },
};

int
ctl_status_exit(long status)
{
	size_t	i;

	if (status >= 200 && status < 300)
		return CTL_EX_OK;
	for (i = 0; i < sizeof ctl_status_exits / sizeof ctl_status_exits[0];
	    i++)
		if (ctl_status_exits[i].status == status)
			return ctl_status_exits[i].exit;
	return status >= 400 && status < 500 ? CTL_EX_USAGE : CTL_EX_SOFTWARE;
}

const char *
ctl_error_message(const cJSON *answer)
{
	const cJSON	*err, *msg;

	err = cJSON_GetObjectItemCaseSensitive(answer, "error");
	msg = cJSON_GetObjectItemCaseSensitive(err, "message");
	return cJSON_IsString(msg) ? msg->valuestring : NULL;
}

void
ctl_print_json(const cJSON *answer)
{
	char	*s;

	if ((s = cJSON_Print(answer)) == NULL) {
		fprintf(stderr, "asystentctl: out of memory\n");
		return;
	}
	printf("%s\n", s);
	cJSON_free(s);
}

/* With --json, failures the daemon did not answer are JSON too. */
static void
ctl_json_failure(const struct ctl *c, const char *code, const char *msg)
{
	cJSON	*o, *e;

	if (!ctl_is_json(c))
		return;
	o = cJSON_CreateObject();
	e = cJSON_AddObjectToObject(o, "error");
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", msg);
	ctl_print_json(o);
	cJSON_Delete(o);
}

static size_t
ctl_write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct ctl_answer_buf	*b = ud;
	size_t			 n = size * nmemb;

	if (n > CTL_ANSWER_MAX - b->len)
		return 0;	/* curl fails the transfer */
	if (b->len + n + 1 > b->cap) {
		b->cap = b->len + n + 1 + b->cap;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, ptr, n);
	b->len += n;
	b->s[b->len] = '\0';
	return n;
}

static int
ctl_transport_error(struct ctl *c, CURL *h, CURLcode cc)
{
	const char	*sock = ctl_socket(c);
	long		 oserr = 0;
	char		 msg[512];
	int		 rc = CTL_EX_UNAVAILABLE;

	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
	if (cc == CURLE_COULDNT_CONNECT &&
	    (oserr == EACCES || oserr == EPERM))
		snprintf(msg, sizeof msg, "permission denied on %s "
		    "(are you in group asystent?)", sock);
	else if (cc == CURLE_COULDNT_CONNECT)
		snprintf(msg, sizeof msg, "asystentd is not running on %s",
		    sock);
	else if (cc == CURLE_OPERATION_TIMEDOUT)
		snprintf(msg, sizeof msg, "asystentd did not answer on %s in "
		    "time", sock);
	else {
		snprintf(msg, sizeof msg, "no answer from asystentd on %s: %s",
		    sock, curl_easy_strerror(cc));
		rc = CTL_EX_SOFTWARE;
	}
	fprintf(stderr, "asystentctl: %s\n", msg);
	ctl_json_failure(c, rc == CTL_EX_SOFTWARE ? "internal" : "unavailable",
	    msg);
	return rc;
}

static int
ctl_setup(CURL *h, const char *sock, const char *url, const char *method,
    struct ctl_answer_buf *b)
{
	if (curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, sock) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CTL_CONNECT_MS) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, CTL_TIMEOUT_MS) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERAGENT, "asystentctl/"
	    ASYSTENT_VERSION) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, ctl_write_cb) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, b) != CURLE_OK)
		return -1;
	return 0;
}

static int
ctl_set_body(CURL *h, const char *payload, struct curl_slist **hdrs)
{
	struct curl_slist	*l;

	/* No "Expect: 100-continue" round trip for big imports. */
	if ((l = curl_slist_append(*hdrs, "Expect:")) == NULL)
		return -1;
	*hdrs = l;
	if ((l = curl_slist_append(*hdrs, "Content-Type: application/json")) ==
	    NULL)
		return -1;
	*hdrs = l;
	if (curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)strlen(payload)) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload) != CURLE_OK)
		return -1;
	return 0;
}

int
ctl_http(struct ctl *c, const char *method, const char *path,
    const cJSON *body, long *status, cJSON **answer)
{
	struct ctl_answer_buf	 b = { NULL, 0, 0 };
	struct curl_slist	*hdrs = NULL;
	CURL			*h = NULL;
	const char		*sock;
	char			*url = NULL, *payload = NULL;
	CURLcode		 cc;
	int			 rc = CTL_EX_SOFTWARE;

	*answer = NULL;
	*status = 0;
	if ((sock = ctl_socket(c)) == NULL)
		return CTL_EX_CONFIG;
	url = xasprintf("http://localhost%s", path);
	if ((h = curl_easy_init()) == NULL ||
	    ctl_setup(h, sock, url, method, &b) == -1) {
		fprintf(stderr, "asystentctl: cannot set up libcurl\n");
		goto out;
	}
	if (body != NULL && ((payload = cJSON_PrintUnformatted(body)) ==
	    NULL || ctl_set_body(h, payload, &hdrs) == -1)) {
		fprintf(stderr, "asystentctl: out of memory\n");
		goto out;
	}
	if ((cc = curl_easy_perform(h)) != CURLE_OK) {
		rc = ctl_transport_error(c, h, cc);
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	if ((*answer = cJSON_ParseWithLength(b.s ? b.s : "", b.len)) == NULL ||
	    !cJSON_IsObject(*answer)) {
		cJSON_Delete(*answer);
		*answer = NULL;
		fprintf(stderr, "asystentctl: unreadable answer from asystentd "
		    "(HTTP %ld)\n", *status);
		ctl_json_failure(c, "internal", "unreadable answer");
		goto out;
	}
	rc = 0;
out:
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	cJSON_free(payload);
	free(url);
	free(b.s);
	return rc;
}

int
ctl_call(struct ctl *c, const char *method, const char *path,
    const cJSON *body, cJSON **answer)
{
	cJSON		*ans = NULL;
	long		 status;
	int		 rc;

	*answer = NULL;
	if ((rc = ctl_http(c, method, path, body, &status, &ans)) != 0)
		return rc;
	if ((rc = ctl_answer(c, status, ans)) == CTL_EX_OK)
		*answer = ans;
	else
		cJSON_Delete(ans);
	return rc;
}

int
ctl_answer(struct ctl *c, long status, const cJSON *ans)
{
	const char	*msg;
	int		 rc;

	rc = ctl_status_exit(status);
	if (ctl_is_json(c))
		ctl_print_json(ans);
	else if (rc != CTL_EX_OK && (msg = ctl_error_message(ans)) != NULL) {
		fputs("asystentctl: ", stderr);
		ctl_fputs_safe(msg, stderr);
		fputc('\n', stderr);
	}
	else if (rc != CTL_EX_OK)
		fprintf(stderr, "asystentctl: asystentd answered HTTP %ld\n",
		    status);
	return rc;
}
