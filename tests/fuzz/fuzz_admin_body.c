/*
 * libFuzzer harness for the admin API's request bodies. An input is a
 * request line and a body, as a staff tool sends them:
 *
 *	POST /v1/families
 *	{"name":"Rodzina Nowaków","language":"pl","channel":"sms",...}
 *
 * The body goes through what the server does before a handler runs
 * (admin_body_parse(): the size cap, the refusal of \u0000, cJSON, an
 * object only), then through the shared readers and checks of
 * admin_util.c, field by field (admin_fields() and its types, strings,
 * numbers, names, notes, languages, channels, kinds, phones, dates, path
 * ids, family references). When the line names a route whose handler
 * needs only the register (staff, families, members, consent, programmes,
 * the import), the real handler runs on it as the server would, in a
 * transaction rolled back after, against an in-memory store opened once
 * and filled at start through the same handlers. Never a crash, a leak,
 * undefined behaviour or a 500.
 */
#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "../../daemon/admin/admin_priv.h"
#include "app.h"
#include "crypto.h"
#include "log.h"
#include "outbox.h"
#include "people.h"
#include "phone.h"
#include "store.h"
#include "validate.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_LINE_MAX	512	/* the server's path cap, and a method */
#define FUZZ_SEGMENTS	8
#define FUZZ_DEPTH	3	/* nested objects whose fields are read */

static struct app	 fuzz_app;

/* The handlers that need the register and nothing else. */
static const admin_fn	 fuzz_fns[] = {
	admin_staff_add, admin_staff_list, admin_staff_show, admin_staff_edit,
	admin_staff_disable, admin_family_add, admin_family_list,
	admin_family_show, admin_family_edit, admin_family_assign,
	admin_family_remove, admin_import_open, admin_import_rows,
	admin_member_add,
	admin_member_edit, admin_member_remove, admin_member_consent,
	admin_member_consent_withdraw, admin_programme_add,
	admin_programme_list, admin_programme_show, admin_programme_enrol,
	admin_programme_leave, admin_audit_list,
};

static const struct {
	const char		*name;
	enum evhttp_cmd_type	 method;
} fuzz_methods[] = {
	{ "GET", EVHTTP_REQ_GET },
	{ "POST", EVHTTP_REQ_POST },
	{ "PATCH", EVHTTP_REQ_PATCH },
	{ "DELETE", EVHTTP_REQ_DELETE },
};

/* Every field any of those bodies has, with every type it may take. */
static const struct admin_field fuzz_fields[] = {
	{ "name", ADMIN_FT_STRING, 1 },
	{ "kind", ADMIN_FT_STRING, 0 },
	{ "languages", ADMIN_FT_ARRAY, 0 },
	{ "active", ADMIN_FT_BOOL, 0 },
	{ "language", ADMIN_FT_STRING, 0 },
	{ "channel", ADMIN_FT_STRING, 0 },
	{ "contact", ADMIN_FT_OBJECT, 0 },
	{ "phone", ADMIN_FT_STRING | ADMIN_FT_NULL, 0 },
	{ "assistant_id", ADMIN_FT_INT | ADMIN_FT_NULL, 0 },
	{ "substitute_id", ADMIN_FT_INT | ADMIN_FT_NULL, 0 },
	{ "notes", ADMIN_FT_STRING | ADMIN_FT_NULL, 0 },
	{ "family", ADMIN_FT_STRING | ADMIN_FT_INT, 0 },
	{ "group", ADMIN_FT_STRING | ADMIN_FT_NULL, 0 },
	{ "groups", ADMIN_FT_ARRAY, 0 },
	{ "from", ADMIN_FT_STRING, 0 },
	{ "on", ADMIN_FT_STRING, 0 },
	{ "date", ADMIN_FT_STRING, 0 },
	{ "ref", ADMIN_FT_STRING, 0 },
	{ "version", ADMIN_FT_STRING, 0 },
	{ "dry_run", ADMIN_FT_BOOL, 0 },
	{ "rows", ADMIN_FT_ARRAY, 0 },
	{ NULL, 0, 0 }
};

static int	fuzz_request(const char *line, size_t llen, const char *body,
		    size_t blen, int keep);

static void __attribute__((noreturn))
fuzz_die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_admin_body: %s: %s\n", what, detail);
	abort();
}

/* The register the requests find: staff 1-2, family 1, programme 1. */
static void
fuzz_fill(void)
{
	static const char *const reqs[][2] = {
		{ "POST /v1/staff", "{\"name\":\"Anna Nowak\",\"kind\":"
		  "\"family_assistant\",\"languages\":[\"pl\",\"uk\"]}" },
		{ "POST /v1/staff", "{\"name\":\"Ewa Lis\",\"kind\":"
		  "\"coordinator\"}" },
		{ "POST /v1/programmes", "{\"name\":\"Asystent rodziny\","
		  "\"groups\":[\"A\",\"B\"]}" },
		{ "POST /v1/families", "{\"name\":\"Rodzina Kowalskich\","
		  "\"language\":\"uk\",\"channel\":\"sms\",\"assistant_id\":1,"
		  "\"contact\":{\"name\":\"Olena Kowalska\",\"phone\":"
		  "\"601234567\"}}" },
		{ "POST /v1/families/R-0001/members", "{\"name\":\"Iryna\","
		  "\"phone\":\"+380671234567\"}" },
		{ "POST /v1/programmes/1/enrol", "{\"family\":1,\"group\":"
		  "\"A\",\"from\":\"2024-01-02\"}" },
		{ "POST /v1/members/1/consent", "{\"date\":\"2024-01-03\","
		  "\"ref\":\"P/1/2024\"}" },
	};
	size_t	 i;
	int	 st;

	for (i = 0; i < sizeof reqs / sizeof reqs[0]; i++)
		if ((st = fuzz_request(reqs[i][0], strlen(reqs[i][0]),
		    reqs[i][1], strlen(reqs[i][1]), 1)) >= 300)
			fuzz_die("filling the register failed", reqs[i][0]);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const unsigned char master[CRYPTO_MASTER_LEN] = {
		0x61, 0x64, 0x6d, 0x69, 0x6e, 0x66, 0x75, 0x7a, 0x7a,
	};
	char	 err[256];

	(void)argc;
	(void)argv;
	/* Refused requests are expected; their log lines are noise here. */
	log_set_level((enum log_level)(LOGL_ERR - 1));
	/* Consent dates are stamped at noon in the daemon's zone. */
	setenv("TZ", "Europe/Warsaw", 1);
	tzset();
	if (crypto_init() == -1 ||
	    (fuzz_app.keys = crypto_keys_from_master(master)) == NULL)
		fuzz_die("keys", "crypto_init");
	if (store_open(":memory:", &fuzz_app.st, err, sizeof err) != 0)
		fuzz_die("store_open", err);
	if ((fuzz_app.people = people_new(fuzz_app.st, fuzz_app.keys)) ==
	    NULL)
		fuzz_die("people_new", "failed");
	/* family show reads the channel that last worked from the outbox. */
	if ((fuzz_app.ob = outbox_new(fuzz_app.st, fuzz_app.keys)) ==
	    NULL)
		fuzz_die("outbox_new", "failed");
	fuzz_fill();
	return 0;
}

/* Splits "/v1/a/b" as the server does; -1 on what it answers 404. */
static int
fuzz_split(char *p, char **seg)
{
	int	 n = 0;

	if (*p++ != '/')
		return -1;
	while (*p != '\0') {
		if (n == FUZZ_SEGMENTS)
			return -1;
		seg[n++] = p;
		if ((p = strchr(p, '/')) == NULL)
			break;
		*p++ = '\0';
		if (*p == '\0')
			return -1;
	}
	return n;
}

static int
fuzz_match(const char *pattern, char **seg, int nseg, struct areq *r)
{
	char	 buf[128], *pseg[FUZZ_SEGMENTS];
	int	 n, i, a = 0;

	snprintf(buf, sizeof buf, "%s", pattern);
	if ((n = fuzz_split(buf, pseg)) != nseg)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(pseg[i], "*") != 0 && strcmp(pseg[i], seg[i]) != 0)
			return 0;
	for (i = 0; i < n; i++)
		if (strcmp(pseg[i], "*") == 0 && a < ADMIN_ARGS)
			r->arg[a++] = seg[i];
	return 1;
}

static int
fuzz_allowed(admin_fn fn)
{
	size_t	 i;

	for (i = 0; i < sizeof fuzz_fns / sizeof fuzz_fns[0]; i++)
		if (fuzz_fns[i] == fn)
			return 1;
	return 0;
}

/* The route of "METHOD /path" in `buf`, if one we run takes it. */
static const struct admin_route *
fuzz_route(struct areq *r, const char *line, size_t len, char *buf)
{
	const struct admin_route	*rt;
	char				*seg[FUZZ_SEGMENTS], *path;
	size_t				 i;
	int				 n;

	if (len >= FUZZ_LINE_MAX || memchr(line, '\0', len) != NULL)
		return NULL;
	memcpy(buf, line, len);
	buf[len] = '\0';
	if ((path = strchr(buf, ' ')) == NULL)
		return NULL;
	*path++ = '\0';
	for (i = 0; i < sizeof fuzz_methods / sizeof fuzz_methods[0]; i++)
		if (strcmp(buf, fuzz_methods[i].name) == 0)
			break;
	if (i == sizeof fuzz_methods / sizeof fuzz_methods[0] ||
	    (n = fuzz_split(path, seg)) <= 0)
		return NULL;
	for (rt = admin_routes; rt->pattern != NULL; rt++)
		if (rt->method == fuzz_methods[i].method &&
		    fuzz_match(rt->pattern, seg, n, r))
			return fuzz_allowed(rt->fn) ? rt : NULL;
	return NULL;
}

/* The checks of admin_util.c on one string, as any field could be. */
static void
fuzz_string(struct areq *r, const char *s)
{
	char		 buf[PHONE_MAX];
	const char	*phone, *arg = r->arg[0];
	int64_t		 id;

	(void)admin_name_ok(r, "name", s);
	(void)admin_notes_ok(r, s);
	(void)admin_enum_ok(r, "language", s, validate_lang);
	(void)admin_enum_ok(r, "channel", s, validate_channel);
	(void)admin_enum_ok(r, "kind", s, validate_kind);
	if (admin_phone_ok(r, "phone", s, buf, &phone) == 0 &&
	    (phone != buf || buf[0] != '+' || strlen(buf) > 16))
		abort();
	(void)validate_date(s);
	r->arg[0] = s;
	if (admin_path_id(r, 0, &id, "member") == 0 && id <= 0)
		abort();
	r->arg[0] = arg;
	if (admin_family_ref(r, s, &id) == 0 && id <= 0)
		abort();
}

static void	fuzz_object(struct areq *r, const cJSON *obj, int depth);

/* A value inside the body: strings checked, objects read. */
static void
fuzz_value(struct areq *r, const cJSON *it, int depth)
{
	const cJSON	*el;

	if (cJSON_IsString(it))
		fuzz_string(r, it->valuestring);
	else if (depth < FUZZ_DEPTH && cJSON_IsObject(it))
		fuzz_object(r, it, depth + 1);
	else if (depth < FUZZ_DEPTH && cJSON_IsArray(it))
		cJSON_ArrayForEach(el, it)
			fuzz_value(r, el, depth + 1);
}

/* Each field of an object through the readers. */
static void
fuzz_object(struct areq *r, const cJSON *obj, int depth)
{
	const cJSON	*it;
	const char	*s;
	int64_t		 v;

	(void)admin_fields(r, obj, fuzz_fields);
	for (it = obj->child; it != NULL; it = it->next) {
		if (it->string == NULL || admin_get(obj, it->string) == NULL)
			abort();
		s = admin_str(obj, it->string);
		if ((s != NULL) != (cJSON_IsString(admin_get(obj,
		    it->string)) != 0))
			abort();
		v = admin_int(obj, it->string, -1);
		if (!cJSON_IsNumber(admin_get(obj, it->string)) && v != -1)
			abort();
		fuzz_value(r, it, depth);
	}
}

/* The answer as the server sends it. */
static void
fuzz_answer(struct areq *r, int status)
{
	cJSON	*err = NULL, *e;
	char	*json;

	if (status >= 400) {
		if (r->code[0] == '\0' || r->msg[0] == '\0')
			abort();
		err = cJSON_CreateObject();
		e = cJSON_AddObjectToObject(err, "error");
		cJSON_AddStringToObject(e, "code", r->code);
		cJSON_AddStringToObject(e, "message", r->msg);
		if (r->details != NULL) {
			cJSON_AddItemToObject(e, "details", r->details);
			r->details = NULL;
		}
	} else if (r->out == NULL)
		r->out = cJSON_CreateObject();
	if ((json = cJSON_PrintUnformatted(status >= 400 ? err : r->out)) ==
	    NULL)
		abort();
	cJSON_free(json);
	cJSON_Delete(err);
}

/* The handler in its own transaction; kept only when `keep`. */
static int
fuzz_run(struct areq *r, const struct admin_route *rt, int keep)
{
	int	 status;

	if (store_begin(fuzz_app.st) == -1)
		fuzz_die("store_begin", rt->pattern);
	status = rt->fn(r);
	if (keep && status < 400 && !r->rollback) {
		if (store_commit(fuzz_app.st) == -1)
			fuzz_die("store_commit", rt->pattern);
	} else
		store_rollback(fuzz_app.st);
	return status;
}

static int
fuzz_request(const char *line, size_t llen, const char *body, size_t blen,
    int keep)
{
	const struct admin_route	*rt;
	struct areq			 r;
	char				 buf[FUZZ_LINE_MAX];
	int				 status;

	memset(&r, 0, sizeof r);
	TAILQ_INIT(&r.query);
	r.app = &fuzz_app;
	r.uid = 1000;
	rt = fuzz_route(&r, line, llen, buf);
	status = admin_body_parse(&r, body, blen, rt != NULL &&
	    (rt->flags & ADMIN_BIG) ? ADMIN_IMPORT_MAX : ADMIN_BODY_MAX);
	if (status == 0) {
		if (!cJSON_IsObject(r.body))
			abort();
		fuzz_object(&r, r.body, 0);
		r.code[0] = r.msg[0] = '\0';
		if (rt != NULL)
			status = fuzz_run(&r, rt, keep);
		else
			status = 200;
	} else if (status != 400 && status != 413)
		abort();
	if (status == 500)
		fuzz_die(r.code, r.msg);
	if (status != 200 && status != 201 && status != 400 &&
	    status != 404 && status != 409 && status != 413 && status != 422)
		abort();
	fuzz_answer(&r, status);
	evhttp_clear_headers(&r.query);
	cJSON_Delete(r.body);
	cJSON_Delete(r.out);
	cJSON_Delete(r.details);
	return status;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*nl = memchr(data, '\n', size);
	size_t		 llen = nl != NULL ? (size_t)(nl - data) : 0;
	size_t		 off = nl != NULL ? llen + 1 : 0;
	char		*body;

	/* An exact-size copy, so that reading past the body is caught. */
	if ((body = malloc(size - off == 0 ? 1 : size - off)) == NULL)
		return 0;
	memcpy(body, data + off, size - off);
	(void)fuzz_request((const char *)data, llen, body, size - off, 0);
	free(body);
	return 0;
}
