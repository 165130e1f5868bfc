/*
 * POST /v1/key/rotate: a new master key, the values sealed again in
 * slices while the daemon serves (rotate.h). Admins only.
 */
#include <inttypes.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "admin_priv.h"
#include "app.h"
#include "people.h"
#include "rotate.h"
#include "store.h"

cJSON *
admin_rotation_json(const struct rotate *rot)
{
	struct rotate_progress	 p;
	cJSON			*o;

	rotate_progress(rot, &p);
	if (!p.running)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	admin_add_str(o, "step", p.step);
	admin_add_int(o, "steps_done", p.steps_done);
	admin_add_int(o, "steps", p.steps);
	admin_add_int(o, "rows", p.rows);
	admin_add_int(o, "started_at", p.started_at);
	return o;
}

int
admin_key_rotate(struct areq *r)
{
	static const struct admin_field fields[] = { { NULL, 0, 0 } };
	struct rotate_progress	 p;
	char			 err[256] = "";
	int			 st;

	if ((st = admin_fields(r, r->body, fields)) != 0)
		return st;
	switch (rotate_start(r->app->rotate, err, sizeof err)) {
	case ROTATE_OK:
		break;
	case ROTATE_RUNNING:
		rotate_progress(r->app->rotate, &p);
		r->details = admin_rotation_json(r->app->rotate);
		return admin_error(r, 409, "conflict", "a key rotation is "
		    "running: step %d of %d (%s), %" PRId64 " rows so far",
		    p.steps_done + 1, p.steps, p.step, p.rows);
	case ROTATE_NOT_HERE:
		return admin_error(r, 409, "conflict", "%s", err);
	default:
		return admin_error(r, 500, "internal", "%s", err[0] != '\0' ?
		    err : "cannot start the rotation");
	}
	/* The rotation runs from now; its audit row in a transaction. */
	if (store_begin(r->app->st) == -1 ||
	    people_audit(r->app->people, r->uid, "key.rotate", "key", 0) !=
	    0 || store_commit(r->app->st) == -1)
		store_rollback(r->app->st);
	r->out = cJSON_CreateObject();
	cJSON_AddItemToObject(r->out, "rotation",
	    admin_rotation_json(r->app->rotate));
	return 200;
}
