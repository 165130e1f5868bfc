/*
 * POST /v1/families/import: every row is checked before anything is
 * written, then all rows are created in the request's one transaction.
 * A row whose phone already belongs to a member is reported "existing",
 * so importing the same file twice creates nothing the second time.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_priv.h"
#include "app.h"
#include "people.h"
#include "phone.h"
#include "validate.h"
#include "xmalloc.h"

#define IMPORT_ERRORS_MAX	100

struct import_row {
	int64_t		 line;
	const char	*family;
	const char	*contact;
	const char	*language;
	const char	*channel;
	const char	*group;
	char		 phone[PHONE_MAX];	/* "" when none */
	int64_t		 assistant_id;
	int64_t		 programme_id;
	int64_t		 group_id;
	int64_t		 existing_member;	/* 0: new */
};

struct import {
	struct areq		*r;
	struct import_row	*rows;
	size_t			 n;
	int			 errors;
	/* The rows' phones, open addressing: an earlier line is found at
	 * once, not by a pass over every line before (31,000 rows took
	 * 1.5 s that way). Slots hold a row's index + 1, 0 when free. */
	size_t			*phones;
	size_t			 nslots;	/* a power of two */
};

static const char *const import_columns[] = {
	"line", "family", "contact", "phone", "language", "channel",
	"assistant", "programme", "group", NULL
};

static void
import_fail(struct import *im, int64_t line, const char *column,
    const char *msg)
{
	cJSON	*e;

	if (im->errors++ >= IMPORT_ERRORS_MAX)
		return;
	if (im->r->details == NULL)
		im->r->details = cJSON_CreateArray();
	e = cJSON_CreateObject();
	cJSON_AddNumberToObject(e, "line", (double)line);
	cJSON_AddStringToObject(e, "column", column);
	cJSON_AddStringToObject(e, "message", msg);
	cJSON_AddItemToArray(im->r->details, e);
}

/* A text column: NULL when absent, null or empty. */
static const char *
import_text(struct import *im, const cJSON *row, int64_t line,
    const char *column, int required)
{
	const cJSON	*it = cJSON_GetObjectItemCaseSensitive(row, column);

	if (it == NULL || cJSON_IsNull(it) || (cJSON_IsString(it) &&
	    it->valuestring[0] == '\0')) {
		if (required)
			import_fail(im, line, column, "required");
		return NULL;
	}
	if (!cJSON_IsString(it)) {
		import_fail(im, line, column, "must be text");
		return NULL;
	}
	return it->valuestring;
}

static void
import_name(struct import *im, int64_t line, const char *column,
    const char *s)
{
	const char	*why;

	if (s != NULL && validate_name(s, &why) == -1)
		import_fail(im, line, column, why);
}

/* FNV-1a: the phones are ours, normalised, not chosen to collide. */
static size_t
import_hash(const char *s)
{
	uint64_t	 h = 14695981039346656037ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

/* True when an earlier row has ir's phone; else ir's phone is noted. */
static int
import_phone_seen(struct import *im, const struct import_row *ir)
{
	size_t	 i, mask = im->nslots - 1;

	for (i = import_hash(ir->phone) & mask; im->phones[i] != 0;
	    i = (i + 1) & mask)
		if (strcmp(im->rows[im->phones[i] - 1].phone, ir->phone) == 0)
			return 1;
	im->phones[i] = (size_t)(ir - im->rows) + 1;
	return 0;
}

static void
import_phone(struct import *im, const cJSON *row, struct import_row *ir)
{
	const char	*s, *why;

	if ((s = import_text(im, row, ir->line, "phone", 0)) == NULL)
		return;
	if (phone_normalize(s, ir->phone, &why) == -1) {
		import_fail(im, ir->line, "phone", why);
		return;
	}
	if (import_phone_seen(im, ir)) {
		import_fail(im, ir->line, "phone", "the same number is on an "
		    "earlier line");
		return;
	}
	switch (people_member_by_phone(im->r->app->people, ir->phone,
	    &ir->existing_member)) {
	case PEOPLE_OK:
	case PEOPLE_NOT_FOUND:
		break;
	default:
		import_fail(im, ir->line, "phone", "storage error");
	}
}

static void
import_assistant(struct import *im, const cJSON *row, struct import_row *ir)
{
	const cJSON	*it = cJSON_GetObjectItemCaseSensitive(row,
			    "assistant");
	char		 buf[32];
	const char	*ref;
	int64_t		 id;

	if (it == NULL || cJSON_IsNull(it))
		return;
	if (cJSON_IsNumber(it)) {
		/* 1.5 is no staff member's id, nor is 1e300. */
		if (admin_json_int(it, &id) == -1) {
			import_fail(im, ir->line, "assistant", "no such staff "
			    "member");
			return;
		}
		snprintf(buf, sizeof buf, "%" PRId64, id);
		ref = buf;
	} else if ((ref = import_text(im, row, ir->line, "assistant", 0)) ==
	    NULL)
		return;
	switch (people_staff_find(im->r->app->people, ref,
	    &ir->assistant_id)) {
	case PEOPLE_OK:
		break;
	case PEOPLE_CONFLICT:
		import_fail(im, ir->line, "assistant", "two staff members "
		    "have this name; use the id");
		break;
	default:
		import_fail(im, ir->line, "assistant", "no such staff member");
	}
}

static void
import_programme(struct import *im, const cJSON *row, struct import_row *ir)
{
	struct people	*p = im->r->app->people;
	const char	*name;

	name = import_text(im, row, ir->line, "programme", 0);
	ir->group = import_text(im, row, ir->line, "group", 0);
	if (name == NULL) {
		if (ir->group != NULL)
			import_fail(im, ir->line, "group", "a group needs a "
			    "programme");
		return;
	}
	if (people_programme_by_name(p, name, &ir->programme_id) !=
	    PEOPLE_OK) {
		import_fail(im, ir->line, "programme", "no such programme");
		return;
	}
	if (ir->group != NULL && people_group_find(p, ir->programme_id,
	    ir->group, &ir->group_id) != PEOPLE_OK)
		import_fail(im, ir->line, "group", "not a group of this "
		    "programme");
}

/* Unknown columns are a client's bug: 400, like unknown fields. */
static int
import_known_columns(struct import *im, const cJSON *row, int64_t line)
{
	const cJSON	*it;
	size_t		 i;

	for (it = row->child; it != NULL; it = it->next) {
		for (i = 0; import_columns[i] != NULL; i++)
			if (strcmp(it->string, import_columns[i]) == 0)
				break;
		if (import_columns[i] == NULL)
			return admin_error(im->r, 400, "bad_request",
			    "line %" PRId64 ": unknown field \"%.40s\"", line,
			    it->string);
	}
	return 0;
}

static int
import_check_row(struct import *im, const cJSON *row, struct import_row *ir)
{
	const cJSON	*line = cJSON_GetObjectItemCaseSensitive(row, "line");
	int		 st;

	if (!cJSON_IsObject(row) || admin_json_int(line, &ir->line) == -1)
		return admin_error(im->r, 400, "bad_request", "rows: objects "
		    "with a \"line\" number expected");
	if ((st = import_known_columns(im, row, ir->line)) != 0)
		return st;
	ir->family = import_text(im, row, ir->line, "family", 1);
	ir->contact = import_text(im, row, ir->line, "contact", 1);
	ir->language = import_text(im, row, ir->line, "language", 1);
	ir->channel = import_text(im, row, ir->line, "channel", 1);
	import_name(im, ir->line, "family", ir->family);
	import_name(im, ir->line, "contact", ir->contact);
	if (ir->language != NULL && validate_lang(ir->language) == -1)
		import_fail(im, ir->line, "language", "unknown language");
	if (ir->channel != NULL && validate_channel(ir->channel) == -1)
		import_fail(im, ir->line, "channel", "unknown channel");
	import_phone(im, row, ir);
	import_assistant(im, row, ir);
	import_programme(im, row, ir);
	return 0;
}

static int
import_create(struct import *im, struct import_row *ir, char *code,
    size_t len)
{
	struct people		*p = im->r->app->people;
	struct family_new	 nf;
	struct family		 f;
	char			 today[11];
	int64_t			 fid, mid, eid;

	memset(&nf, 0, sizeof nf);
	nf.name = ir->family;
	nf.language = ir->language;
	nf.channel = ir->channel;
	nf.assistant_id = ir->assistant_id;
	nf.contact_name = ir->contact;
	nf.contact_phone = ir->phone[0] != '\0' ? ir->phone : NULL;
	admin_today(today);
	if (people_family_create(p, &nf, &fid, &mid) != PEOPLE_OK ||
	    (ir->programme_id != 0 && people_enrol(p, fid, ir->programme_id,
	    ir->group_id, today, &eid) != PEOPLE_OK) ||
	    admin_audit(im->r, "family.import", "family", fid) != 0 ||
	    people_family_get(p, fid, &f) != PEOPLE_OK)
		return -1;
	snprintf(code, len, "%s", f.code);
	people_family_clear(&f);
	return 0;
}

/* The code of the family an existing member belongs to. */
static int
import_existing_code(struct import *im, int64_t member_id, char *code,
    size_t len)
{
	struct people	*p = im->r->app->people;
	struct member	 m;
	struct family	 f;
	int		 rc;

	if (people_member_get(p, member_id, &m) != PEOPLE_OK)
		return -1;
	rc = people_family_get(p, m.family_id, &f);
	people_member_clear(&m);
	if (rc != PEOPLE_OK)
		return -1;
	snprintf(code, len, "%s", f.code);
	people_family_clear(&f);
	return 0;
}

static int
import_write(struct import *im, int dry_run)
{
	cJSON		*arr, *o;
	char		 code[PEOPLE_CODE_MAX];
	int64_t		 created = 0, existing = 0;
	size_t		 i;
	int		 rc;

	im->r->out = cJSON_CreateObject();
	cJSON_AddBoolToObject(im->r->out, "dry_run", dry_run);
	arr = cJSON_CreateArray();
	for (i = 0; i < im->n; i++) {
		struct import_row	*ir = &im->rows[i];

		code[0] = '\0';
		if (ir->existing_member != 0) {
			rc = import_existing_code(im, ir->existing_member,
			    code, sizeof code);
			existing++;
		} else {
			rc = dry_run ? 0 : import_create(im, ir, code,
			    sizeof code);
			created++;
		}
		if (rc == -1) {
			cJSON_Delete(arr);
			return admin_error(im->r, 500, "internal",
			    "storage error");
		}
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "line", (double)ir->line);
		if (code[0] != '\0')
			cJSON_AddStringToObject(o, "code", code);
		else
			cJSON_AddNullToObject(o, "code");
		cJSON_AddBoolToObject(o, "existing", ir->existing_member != 0);
		cJSON_AddItemToArray(arr, o);
	}
	cJSON_AddNumberToObject(im->r->out, "created", (double)created);
	cJSON_AddNumberToObject(im->r->out, "existing", (double)existing);
	cJSON_AddItemToObject(im->r->out, "families", arr);
	im->r->rollback = dry_run;
	return 200;
}

int
admin_import(struct areq *r)
{
	const cJSON	*dry = cJSON_GetObjectItemCaseSensitive(r->body,
			    "dry_run");
	const cJSON	*rows = cJSON_GetObjectItemCaseSensitive(r->body,
			    "rows"), *row;
	struct import	 im;
	const cJSON	*it;
	int		 st = 0;

	for (it = r->body->child; it != NULL; it = it->next)
		if (strcmp(it->string, "dry_run") != 0 &&
		    strcmp(it->string, "rows") != 0)
			return admin_error(r, 400, "bad_request",
			    "unknown field \"%.40s\"", it->string);
	if ((dry != NULL && !cJSON_IsBool(dry)) || !cJSON_IsArray(rows))
		return admin_error(r, 400, "bad_request", "expected "
		    "{\"dry_run\":bool,\"rows\":[...]}");
	memset(&im, 0, sizeof im);
	im.r = r;
	im.rows = xcalloc((size_t)cJSON_GetArraySize(rows) + 1,
	    sizeof *im.rows);
	/* At most half full, so that a probe ends soon. */
	for (im.nslots = 64; im.nslots < 2 * ((size_t)cJSON_GetArraySize(
	    rows) + 1); im.nslots *= 2)
		;
	im.phones = xcalloc(im.nslots, sizeof *im.phones);
	cJSON_ArrayForEach(row, rows) {
		if ((st = import_check_row(&im, row, &im.rows[im.n])) != 0)
			break;
		im.n++;
	}
	if (st == 0 && im.errors > 0)
		st = admin_error(r, 422, "invalid", "%d error(s); nothing was "
		    "imported", im.errors);
	if (st == 0)
		st = import_write(&im, cJSON_IsTrue(dry));
	free(im.phones);
	free(im.rows);
	return st;
}
