/*
 * /v1/imports: a family import in bounded steps. asystentctl opens a
 * session, sends the rows in chunks (each checked at once, its errors
 * kept with their lines) and commits. The commit writes the families in
 * slices, one transaction a turn of the loop, as pending rows nobody
 * sees (people_import_*); the last slice shows them all at once. A
 * failure removes the pending rows, and so does the next start after a
 * crash: nothing or everything is imported. A row whose phone already
 * belongs to a member is "existing", so a second import creates nothing.
 *
 * One session at a time: a new one replaces one not committing. Its
 * rows are kept in memory in a compact form, wiped when freed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <sodium.h>

#include "admin_priv.h"
#include "app.h"
#include "log.h"
#include "people.h"
#include "phone.h"
#include "store.h"
#include "validate.h"
#include "xmalloc.h"

#define IMPORT_ERRORS_MAX	100
#define IMPORT_CHUNK_MAX	5000	/* rows per request */
#define IMPORT_ROWS_MAX		100000	/* rows per session */
#define IMPORT_SLICE		250	/* rows per transaction */
#define IMPORT_PAGE		1000	/* families per answer */

enum import_state {
	IMPORT_NONE, IMPORT_OPEN, IMPORT_RUNNING, IMPORT_DONE, IMPORT_FAILED
};

static const char *const import_state_names[] = {
	[IMPORT_NONE] = "none",
	[IMPORT_OPEN] = "open",
	[IMPORT_RUNNING] = "committing",
	[IMPORT_DONE] = "done",
	[IMPORT_FAILED] = "failed",
};

/* A checked row. `text` is the family's name, NUL, the contact's. */
struct import_row {
	int64_t		 line;
	int64_t		 assistant_id;
	int64_t		 programme_id;
	int64_t		 group_id;
	char		*text;
	size_t		 textlen;
	char		 language[4];
	char		 channel[PEOPLE_CHANNEL_MAX];
	char		 phone[PHONE_MAX];	/* "" when none */
	char		 code[PEOPLE_CODE_MAX];	/* once known */
	int		 existing;
};

static struct {
	enum import_state	 state;
	int64_t			 id;
	int64_t			 last_id;
	int64_t			 pending_id;	/* import_pending.id */
	struct app		*app;
	uid_t			 uid;
	struct event		*ev;
	struct import_row	*rows;
	size_t			 n;
	size_t			 cap;
	/* The rows' phones, open addressing, at most half full: slots
	 * hold a row's index + 1, 0 when free. */
	size_t			*slots;
	size_t			 nslots;
	int			 errors;
	int			 dry_run;
	cJSON			*details;
	size_t			 done;
	int64_t			 created;
	int64_t			 existing;
	char			 error[128];
	int64_t			 started_at;	/* unix ms */
	int64_t			 finished_at;
} im;

static const char *const import_columns[] = {
	"line", "family", "contact", "phone", "language", "channel",
	"assistant", "programme", "group", NULL
};

/* ---- the session --------------------------------------------------- */

static void
import_free_rows(void)
{
	size_t	 i;

	for (i = 0; i < im.n; i++) {
		if (im.rows[i].text != NULL)
			sodium_memzero(im.rows[i].text, im.rows[i].textlen);
		free(im.rows[i].text);
	}
	if (im.rows != NULL)
		sodium_memzero(im.rows, im.cap * sizeof *im.rows);
	free(im.rows);
	free(im.slots);
	cJSON_Delete(im.details);
	im.rows = NULL;
	im.slots = NULL;
	im.details = NULL;
	im.n = im.cap = im.nslots = 0;
}

/* The names are needed no longer once a row is written or refused. */
static void
import_forget_text(struct import_row *ir)
{
	if (ir->text != NULL)
		sodium_memzero(ir->text, ir->textlen);
	free(ir->text);
	ir->text = NULL;
	sodium_memzero(ir->phone, sizeof ir->phone);
}

/* The session; once done, page `page` (from 1) of its families. */
static cJSON *
import_json(int64_t page)
{
	cJSON	*o = cJSON_CreateObject(), *arr;
	size_t	 i, end;

	admin_add_int(o, "id", im.id);
	admin_add_str(o, "state", import_state_names[im.state]);
	admin_add_int(o, "rows", (int64_t)im.n);
	admin_add_int(o, "errors", im.errors);
	admin_add_int(o, "written", (int64_t)im.done);
	admin_add_int(o, "created", im.created);
	admin_add_int(o, "existing", im.existing);
	cJSON_AddBoolToObject(o, "dry_run", im.dry_run);
	admin_add_str(o, "error", im.state == IMPORT_FAILED ? im.error :
	    NULL);
	if (page == 0 || im.state != IMPORT_DONE)
		return o;
	admin_add_int(o, "pages", (int64_t)((im.n + IMPORT_PAGE - 1) /
	    IMPORT_PAGE));
	arr = cJSON_AddArrayToObject(o, "families");
	i = (size_t)(page - 1) * IMPORT_PAGE;
	end = i + IMPORT_PAGE < im.n ? i + IMPORT_PAGE : im.n;
	for (; i < end; i++) {
		cJSON	*e = cJSON_CreateObject();

		admin_add_int(e, "line", im.rows[i].line);
		admin_add_str(e, "code", im.rows[i].code[0] != '\0' ?
		    im.rows[i].code : NULL);
		cJSON_AddBoolToObject(e, "existing", im.rows[i].existing);
		cJSON_AddItemToArray(arr, e);
	}
	return o;
}

/* The session the path names, in one of the states asked; else 0 with
 * the error set (404 for another id, 409 for the wrong state). */
static int
import_session(struct areq *r, int open_only)
{
	int64_t	 id;
	int	 st;

	if ((st = admin_path_id(r, 0, &id, "import")) != 0)
		return st;
	if (im.state == IMPORT_NONE || id != im.id)
		return admin_error(r, 404, "not_found", "no such import");
	if (open_only && im.state != IMPORT_OPEN)
		return admin_error(r, 409, "conflict", "the import is %s",
		    import_state_names[im.state]);
	return 0;
}

/* ---- checking rows ------------------------------------------------- */

static void
import_fail(int64_t line, const char *column, const char *msg)
{
	cJSON	*e;

	if (im.errors++ >= IMPORT_ERRORS_MAX)
		return;
	if (im.details == NULL)
		im.details = cJSON_CreateArray();
	e = cJSON_CreateObject();
	cJSON_AddNumberToObject(e, "line", (double)line);
	cJSON_AddStringToObject(e, "column", column);
	cJSON_AddStringToObject(e, "message", msg);
	cJSON_AddItemToArray(im.details, e);
}

/* A text column: NULL when absent, null or empty. */
static const char *
import_text(const cJSON *row, int64_t line, const char *column, int required)
{
	const cJSON	*it = cJSON_GetObjectItemCaseSensitive(row, column);

	if (it == NULL || cJSON_IsNull(it) || (cJSON_IsString(it) &&
	    it->valuestring[0] == '\0')) {
		if (required)
			import_fail(line, column, "required");
		return NULL;
	}
	if (!cJSON_IsString(it)) {
		import_fail(line, column, "must be text");
		return NULL;
	}
	return it->valuestring;
}

static void
import_name(int64_t line, const char *column, const char *s)
{
	const char	*why;

	if (s != NULL && validate_name(s, &why) == -1)
		import_fail(line, column, why);
}

/* FNV-1a: the phones are normalised, not chosen to collide. */
static size_t
import_hash(const char *s)
{
	uint64_t	 h = 14695981039346656037ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

static void
import_slot_put(size_t row)
{
	size_t	 i, mask = im.nslots - 1;

	for (i = import_hash(im.rows[row].phone) & mask; im.slots[i] != 0;
	    i = (i + 1) & mask)
		;
	im.slots[i] = row + 1;
}

/* Room for one more phone: the table doubles past half full. */
static void
import_slots_grow(void)
{
	size_t	 i;

	if (2 * (im.n + 1) <= im.nslots)
		return;
	free(im.slots);
	im.nslots = im.nslots ? im.nslots * 2 : 1024;
	im.slots = xcalloc(im.nslots, sizeof *im.slots);
	for (i = 0; i < im.n; i++)
		if (im.rows[i].phone[0] != '\0')
			import_slot_put(i);
}

/* True when an earlier row of the session has this phone. */
static int
import_phone_seen(const char *phone)
{
	size_t	 i, mask = im.nslots - 1;

	for (i = import_hash(phone) & mask; im.slots[i] != 0;
	    i = (i + 1) & mask)
		if (strcmp(im.rows[im.slots[i] - 1].phone, phone) == 0)
			return 1;
	return 0;
}

/* The code of the family an existing member belongs to. */
static int
import_code_of_member(struct people *p, int64_t member_id, char *code)
{
	struct family_brief	 b;
	int64_t			 fid;

	if (people_member_family(p, member_id, &fid) != PEOPLE_OK ||
	    people_family_brief(p, fid, &b) != PEOPLE_OK)
		return -1;
	memcpy(code, b.code, PEOPLE_CODE_MAX);
	return 0;
}

static void
import_phone(struct areq *r, const cJSON *row, struct import_row *ir)
{
	const char	*s, *why;
	int64_t		 member;

	if ((s = import_text(row, ir->line, "phone", 0)) == NULL)
		return;
	if (phone_normalize(s, ir->phone, &why) == -1) {
		ir->phone[0] = '\0';
		import_fail(ir->line, "phone", why);
		return;
	}
	if (import_phone_seen(ir->phone)) {
		ir->phone[0] = '\0';
		import_fail(ir->line, "phone", "the same number is on an "
		    "earlier line");
		return;
	}
	switch (people_member_by_phone(r->app->people, ir->phone, &member)) {
	case PEOPLE_OK:
		ir->existing = 1;
		if (import_code_of_member(r->app->people, member,
		    ir->code) == -1)
			import_fail(ir->line, "phone", "storage error");
		break;
	case PEOPLE_NOT_FOUND:
		break;
	default:
		import_fail(ir->line, "phone", "storage error");
	}
}

static void
import_assistant(struct areq *r, const cJSON *row, struct import_row *ir)
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
			import_fail(ir->line, "assistant", "no such staff "
			    "member");
			return;
		}
		snprintf(buf, sizeof buf, "%" PRId64, id);
		ref = buf;
	} else if ((ref = import_text(row, ir->line, "assistant", 0)) ==
	    NULL)
		return;
	switch (people_staff_find(r->app->people, ref, &ir->assistant_id)) {
	case PEOPLE_OK:
		break;
	case PEOPLE_CONFLICT:
		import_fail(ir->line, "assistant", "two staff members have "
		    "this name; use the id");
		break;
	default:
		import_fail(ir->line, "assistant", "no such staff member");
	}
}

static void
import_programme(struct areq *r, const cJSON *row, struct import_row *ir)
{
	struct people	*p = r->app->people;
	const char	*name, *group;

	name = import_text(row, ir->line, "programme", 0);
	group = import_text(row, ir->line, "group", 0);
	if (name == NULL) {
		if (group != NULL)
			import_fail(ir->line, "group", "a group needs a "
			    "programme");
		return;
	}
	if (people_programme_by_name(p, name, &ir->programme_id) !=
	    PEOPLE_OK) {
		import_fail(ir->line, "programme", "no such programme");
		return;
	}
	if (group != NULL && people_group_find(p, ir->programme_id, group,
	    &ir->group_id) != PEOPLE_OK)
		import_fail(ir->line, "group", "not a group of this "
		    "programme");
}

/* Unknown columns are a client's bug: 400, like unknown fields. */
static int
import_known_columns(struct areq *r, const cJSON *row, int64_t line)
{
	const cJSON	*it;
	size_t		 i;

	for (it = row->child; it != NULL; it = it->next) {
		for (i = 0; import_columns[i] != NULL; i++)
			if (strcmp(it->string, import_columns[i]) == 0)
				break;
		if (import_columns[i] == NULL)
			return admin_error(r, 400, "bad_request",
			    "line %" PRId64 ": unknown field \"%.40s\"", line,
			    it->string);
	}
	return 0;
}

/* The enumerations are copied only when valid, so they always fit. */
static void
import_enums(const cJSON *row, struct import_row *ir)
{
	const char	*lang, *chan;

	lang = import_text(row, ir->line, "language", 1);
	chan = import_text(row, ir->line, "channel", 1);
	if (lang != NULL && validate_lang(lang) == -1)
		import_fail(ir->line, "language", "unknown language");
	else if (lang != NULL)
		snprintf(ir->language, sizeof ir->language, "%s", lang);
	if (chan != NULL && validate_channel(chan) == -1)
		import_fail(ir->line, "channel", "unknown channel");
	else if (chan != NULL)
		snprintf(ir->channel, sizeof ir->channel, "%s", chan);
}

/* Checks one row into *ir; its faults are noted, not returned. */
static int
import_check_row(struct areq *r, const cJSON *row, struct import_row *ir)
{
	const cJSON	*line = cJSON_GetObjectItemCaseSensitive(row, "line");
	const char	*family, *contact;
	size_t		 fl, cl;
	int		 st, errors = im.errors;

	if (!cJSON_IsObject(row) || admin_json_int(line, &ir->line) == -1)
		return admin_error(r, 400, "bad_request", "rows: objects "
		    "with a \"line\" number expected");
	if ((st = import_known_columns(r, row, ir->line)) != 0)
		return st;
	family = import_text(row, ir->line, "family", 1);
	contact = import_text(row, ir->line, "contact", 1);
	import_name(ir->line, "family", family);
	import_name(ir->line, "contact", contact);
	import_enums(row, ir);
	import_phone(r, row, ir);
	import_assistant(r, row, ir);
	import_programme(r, row, ir);
	/* A refused row is never written: only its line is kept. */
	if (im.errors != errors || ir->existing)
		return 0;
	fl = strlen(family);
	cl = strlen(contact);
	ir->textlen = fl + cl + 2;
	ir->text = xmalloc(ir->textlen);
	memcpy(ir->text, family, fl + 1);
	memcpy(ir->text + fl + 1, contact, cl + 1);
	return 0;
}

static int
import_add_rows(struct areq *r, const cJSON *rows)
{
	const cJSON	*row;
	size_t		 n = (size_t)cJSON_GetArraySize(rows);
	int		 st;

	if (n > IMPORT_CHUNK_MAX)
		return admin_error(r, 413, "too_large", "at most %d rows a "
		    "request", IMPORT_CHUNK_MAX);
	if (im.n + n > IMPORT_ROWS_MAX)
		return admin_error(r, 413, "too_large", "at most %d rows an "
		    "import", IMPORT_ROWS_MAX);
	if (im.n + n > im.cap) {
		im.cap = im.n + n > 2 * im.cap ? im.n + n : 2 * im.cap;
		im.rows = xreallocarray(im.rows, im.cap, sizeof *im.rows);
	}
	cJSON_ArrayForEach(row, rows) {
		struct import_row	*ir = &im.rows[im.n];

		memset(ir, 0, sizeof *ir);
		import_slots_grow();
		if ((st = import_check_row(r, row, ir)) != 0) {
			/* Part of a chunk must not be committed: the
			 * session ends, as after a refused commit. */
			import_forget_text(ir);
			import_free_rows();
			im.state = IMPORT_NONE;
			return st;
		}
		if (ir->phone[0] != '\0')
			import_slot_put(im.n);
		im.n++;
	}
	return 0;
}

/* ---- committing in slices ------------------------------------------ */

/* Writes one row, pending; an existing phone (taken meanwhile) is kept. */
static int
import_apply(struct people *p, struct import_row *ir)
{
	struct family_new	 nf;
	struct family_brief	 b;
	char			 today[11];
	int64_t			 fid, mid, eid;

	if (ir->existing)
		return 0;
	if (ir->phone[0] != '\0') {
		switch (people_member_by_phone(p, ir->phone, &mid)) {
		case PEOPLE_OK:
			ir->existing = 1;
			im.created--;
			im.existing++;
			return import_code_of_member(p, mid, ir->code);
		case PEOPLE_NOT_FOUND:
			break;
		default:
			return -1;
		}
	}
	memset(&nf, 0, sizeof nf);
	nf.name = ir->text;
	nf.contact_name = ir->text + strlen(ir->text) + 1;
	nf.language = ir->language;
	nf.channel = ir->channel;
	nf.assistant_id = ir->assistant_id;
	nf.contact_phone = ir->phone[0] != '\0' ? ir->phone : NULL;
	nf.import_id = im.pending_id;
	admin_today(today);
	if (people_family_create(p, &nf, &fid, &mid) != PEOPLE_OK ||
	    (ir->programme_id != 0 && people_enrol(p, fid, ir->programme_id,
	    ir->group_id, today, &eid) != PEOPLE_OK) ||
	    people_audit(p, im.uid, "family.import", "family", fid) !=
	    PEOPLE_OK || people_family_brief(p, fid, &b) != PEOPLE_OK)
		return -1;
	memcpy(ir->code, b.code, sizeof ir->code);
	return 0;
}

/* Removes what the import wrote; a crash leaves it to the next start. */
static void
import_discard(struct app *app, int64_t id)
{
	int64_t	 n = 0;

	if (store_begin(app->st) == -1)
		goto fail;
	if (people_import_discard(app->people, id, &n) != PEOPLE_OK) {
		store_rollback(app->st);
		goto fail;
	}
	if (store_commit(app->st) == -1)
		goto fail;
	if (n > 0)
		log_notice("event=import.discarded import_id=%" PRId64
		    " families=%" PRId64, id, n);
	return;
fail:
	log_err("event=import.discard_failed import_id=%" PRId64, id);
}

static void
import_end(int ok)
{
	size_t	 i;

	im.finished_at = store_now_ms();
	for (i = 0; i < im.n; i++)
		import_forget_text(&im.rows[i]);
	if (ok) {
		im.state = IMPORT_DONE;
		log_notice("event=import.done import_id=%" PRId64 " rows=%zu "
		    "created=%" PRId64 " existing=%" PRId64 " ms=%" PRId64,
		    im.id, im.n, im.created, im.existing,
		    im.finished_at - im.started_at);
		return;
	}
	im.state = IMPORT_FAILED;
	im.done = 0;
	im.created = im.existing = 0;
	log_err("event=import.failed import_id=%" PRId64 " error=\"%s\"",
	    im.id, im.error);
	if (im.pending_id != 0)
		import_discard(im.app, im.pending_id);
}

/* One slice in its own transaction; the last one shows them all. */
static int
import_slice(void)
{
	struct app	*app = im.app;
	size_t		 i, end = im.done + IMPORT_SLICE;

	if (end > im.n)
		end = im.n;
	if (store_begin(app->st) == -1) {
		snprintf(im.error, sizeof im.error, "storage error");
		return -1;
	}
	/* With the first rows: none is ever written unmarked. */
	if (im.pending_id == 0 && people_import_new(app->people,
	    &im.pending_id) != PEOPLE_OK) {
		snprintf(im.error, sizeof im.error, "storage error");
		goto fail;
	}
	for (i = im.done; i < end; i++)
		if (import_apply(app->people, &im.rows[i]) == -1) {
			snprintf(im.error, sizeof im.error, "line %" PRId64
			    ": storage error", im.rows[i].line);
			goto fail;
		}
	if (end == im.n && people_import_publish(app->people,
	    im.pending_id) !=
	    PEOPLE_OK) {
		snprintf(im.error, sizeof im.error, "storage error");
		goto fail;
	}
	if (store_commit(app->st) == -1) {
		snprintf(im.error, sizeof im.error, "storage error");
		if (im.done == 0)
			im.pending_id = 0;
		return -1;
	}
	for (i = im.done; i < end; i++)
		import_forget_text(&im.rows[i]);
	im.done = end;
	return im.done == im.n ? 1 : 0;
fail:
	store_rollback(app->st);
	if (im.done == 0)
		im.pending_id = 0;	/* rolled back with the rows */
	return -1;
}

static void
import_step_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval	 now = { 0, 0 };
	int64_t		 t0 = store_now_ms();
	int		 rc;

	(void)fd;
	(void)what;
	(void)arg;
	rc = import_slice();
	log_debug("event=import.slice import_id=%" PRId64 " written=%zu "
	    "ms=%" PRId64, im.id, im.done, store_now_ms() - t0);
	if (rc == 0) {
		if (evtimer_add(im.ev, &now) == 0)
			return;
		snprintf(im.error, sizeof im.error, "cannot schedule a step");
		rc = -1;
	}
	import_end(rc == 1);
}

/* ---- the endpoints ------------------------------------------------- */

int
admin_import_open(struct areq *r)
{
	if (im.state == IMPORT_RUNNING)
		return admin_error(r, 409, "conflict", "an import is being "
		    "committed");
	import_free_rows();
	im.id = ++im.last_id;
	im.app = r->app;
	im.uid = r->uid;
	im.state = IMPORT_OPEN;
	im.pending_id = 0;
	im.errors = 0;
	im.dry_run = 0;
	im.done = 0;
	im.created = im.existing = 0;
	im.error[0] = '\0';
	im.started_at = im.finished_at = 0;
	return admin_answer(r, "import", import_json(0), 201);
}

int
admin_import_rows(struct areq *r)
{
	static const struct admin_field fields[] = {
		{ "rows", ADMIN_FT_ARRAY, 1 },
		{ NULL, 0, 0 }
	};
	int	 st;

	if ((st = import_session(r, 1)) != 0 ||
	    (st = admin_fields(r, r->body, fields)) != 0 ||
	    (st = import_add_rows(r, admin_get(r->body, "rows"))) != 0)
		return st;
	return admin_answer(r, "import", import_json(0), 200);
}

/* A dry run answers at once: the rows were all checked already. */
static int
import_dry_run(struct areq *r)
{
	size_t	 i;

	for (i = 0; i < im.n; i++) {
		if (im.rows[i].existing)
			im.existing++;
		else
			im.created++;
		import_forget_text(&im.rows[i]);
	}
	im.dry_run = 1;
	im.state = IMPORT_DONE;
	return admin_answer(r, "import", import_json(1), 200);
}

int
admin_import_commit(struct areq *r)
{
	static const struct admin_field fields[] = {
		{ "dry_run", ADMIN_FT_BOOL, 0 },
		{ NULL, 0, 0 }
	};
	struct timeval	 now = { 0, 0 };
	size_t		 i;
	int		 st;

	if ((st = import_session(r, 1)) != 0 ||
	    (st = admin_fields(r, r->body, fields)) != 0)
		return st;
	if (im.errors > 0) {
		/* Nothing to keep: the file must be mended and sent again. */
		st = admin_error(r, 422, "invalid", "%d error(s); nothing was "
		    "imported", im.errors);
		r->details = im.details;
		im.details = NULL;
		import_free_rows();
		im.state = IMPORT_NONE;
		return st;
	}
	if (im.n == 0)
		return admin_error(r, 422, "invalid", "no rows to import");
	if (cJSON_IsTrue(admin_get(r->body, "dry_run")))
		return import_dry_run(r);
	if (im.ev == NULL && (im.ev = evtimer_new(r->app->base,
	    import_step_cb, NULL)) == NULL)
		return admin_error(r, 500, "internal", "cannot start the "
		    "import");
	if (evtimer_add(im.ev, &now) == -1)
		return admin_error(r, 500, "internal", "cannot start the "
		    "import");
	for (i = 0; i < im.n; i++)
		if (im.rows[i].existing)
			im.existing++;
	im.created = (int64_t)im.n - im.existing;
	im.uid = r->uid;
	im.state = IMPORT_RUNNING;
	im.started_at = store_now_ms();
	log_notice("event=import.start import_id=%" PRId64 " rows=%zu",
	    im.id, im.n);
	return admin_answer(r, "import", import_json(0), 202);
}

int
admin_import_show(struct areq *r)
{
	int64_t	 page = admin_query_num(r, "page", 1, 1000000);
	int	 st;

	if (page == -1)
		return admin_error(r, 422, "invalid", "page: a number from 1");
	if ((st = import_session(r, 0)) != 0)
		return st;
	return admin_answer(r, "import", import_json(page), 200);
}

void
admin_import_start(struct app *app)
{
	import_discard(app, 0);
}

void
admin_import_cleanup(void)
{
	int64_t	 last = im.last_id;

	if (im.state == IMPORT_RUNNING) {
		log_notice("event=import.abandoned import_id=%" PRId64, im.id);
		if (im.pending_id != 0)
			import_discard(im.app, im.pending_id);
	}
	import_free_rows();
	if (im.ev != NULL)
		event_free(im.ev);
	memset(&im, 0, sizeof im);
	im.last_id = last;
}
