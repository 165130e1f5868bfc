/* SQLite store: open, pragmas, forward migrations, transactions. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

struct store {
	sqlite3		*db;
	sqlite3_stmt	*begin, *commit, *rollback;
	sqlite3_stmt	*savepoint, *release, *rollback_to;
	sqlite3_stmt	*meta_get, *meta_set;
};

/*
 * Migration N takes the schema from version N-1 to N. Append only: a
 * released migration is never edited.
 */
static const char *const store_migrations[] = {
	/* 1: foundation: settings, inbound updates, outbox, reachability. */
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value INTEGER NOT NULL"
	") STRICT;"
	/*
	 * One row per update or callback received. payload is the sealed
	 * raw update. state: 0 new, 1 handled, 2 skipped.
	 */
	"CREATE TABLE inbound ("
	"  id INTEGER PRIMARY KEY,"
	"  channel INTEGER NOT NULL,"
	"  ext_id INTEGER NOT NULL,"
	"  received_at INTEGER NOT NULL,"
	"  state INTEGER NOT NULL DEFAULT 0,"
	"  handled_at INTEGER,"
	"  payload BLOB,"
	"  UNIQUE (channel, ext_id)"
	") STRICT;"
	"CREATE INDEX inbound_new ON inbound (state, id);"
	/*
	 * Every outgoing message. state: 0 queued, 1 sending, 2 sent,
	 * 3 failed. priority: 0 conversation, 1 reminder, 2 broadcast.
	 * chat_key is the blind index of the recipient, so that one chat's
	 * messages keep their order without the id in plain.
	 */
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  created_at INTEGER NOT NULL,"
	"  state INTEGER NOT NULL DEFAULT 0,"
	"  priority INTEGER NOT NULL,"
	"  channel INTEGER NOT NULL,"
	"  chat_key BLOB NOT NULL,"
	"  is_group INTEGER NOT NULL DEFAULT 0,"
	"  method TEXT NOT NULL,"
	"  payload BLOB,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
	"  not_before INTEGER NOT NULL DEFAULT 0,"
	"  cause TEXT NOT NULL,"
	"  cause_id INTEGER,"
	"  last_error TEXT,"
	"  error_code INTEGER,"
	"  sent_at INTEGER,"
	"  ext_message_id INTEGER"
	") STRICT;"
	"CREATE INDEX outbox_due ON outbox (state, priority, id);"
	"CREATE INDEX outbox_chat ON outbox (chat_key, state, id);"
	/* Recipients Telegram refused with 403 (blocked the bot). */
	"CREATE TABLE tg_unreachable ("
	"  chat_key BLOB PRIMARY KEY,"
	"  since INTEGER NOT NULL,"
	"  reason TEXT NOT NULL"
	") STRICT;",

	/*
	 * 2: the Staff tool: people, programmes, invitations, audit.
	 * Personal values are sealed BLOBs whose associated data is
	 * (table, column, id); AUTOINCREMENT keeps ids from being reused,
	 * so an audit row never points at somebody else later. *_idx are
	 * blind indexes for equality look-ups.
	 */
	"CREATE TABLE staff ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name BLOB,"
	"  kind TEXT NOT NULL,"
	"  languages TEXT NOT NULL,"
	"  active INTEGER NOT NULL DEFAULT 1,"
	"  tg_user_id BLOB,"
	"  tg_chat_id BLOB,"
	"  tg_idx BLOB UNIQUE,"
	"  created_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE families ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  code TEXT NOT NULL UNIQUE,"
	"  name BLOB,"
	"  language TEXT NOT NULL,"
	"  channel TEXT NOT NULL,"
	"  assistant_id INTEGER REFERENCES staff (id),"
	"  substitute_id INTEGER REFERENCES staff (id),"
	"  notes BLOB,"
	"  created_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX families_assistant ON families (assistant_id);"
	"CREATE INDEX families_substitute ON families (substitute_id);"
	"CREATE TABLE members ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  family_id INTEGER NOT NULL REFERENCES families (id)"
	"    ON DELETE CASCADE,"
	"  contact INTEGER NOT NULL DEFAULT 0,"
	"  name BLOB,"
	"  phone BLOB,"
	"  phone_idx BLOB UNIQUE,"
	"  tg_user_id BLOB,"
	"  tg_chat_id BLOB,"
	"  tg_idx BLOB UNIQUE,"
	"  created_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX members_family ON members (family_id, id);"
	"CREATE TABLE programmes ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL UNIQUE,"
	"  created_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE programme_groups ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  programme_id INTEGER NOT NULL REFERENCES programmes (id)"
	"    ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  UNIQUE (programme_id, name)"
	") STRICT;"
	/* until_date NULL: still enrolled; one open enrolment each. */
	"CREATE TABLE enrolments ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  family_id INTEGER NOT NULL REFERENCES families (id)"
	"    ON DELETE CASCADE,"
	"  programme_id INTEGER NOT NULL REFERENCES programmes (id),"
	"  group_id INTEGER REFERENCES programme_groups (id),"
	"  from_date TEXT NOT NULL,"
	"  until_date TEXT,"
	"  created_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE UNIQUE INDEX enrolments_open ON enrolments "
	"  (family_id, programme_id) WHERE until_date IS NULL;"
	"CREATE INDEX enrolments_programme ON enrolments (programme_id);"
	/* Exactly one target; only the keyed hash of the code is kept. */
	"CREATE TABLE invitations ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  code_hash BLOB NOT NULL UNIQUE,"
	"  staff_id INTEGER REFERENCES staff (id) ON DELETE CASCADE,"
	"  member_id INTEGER REFERENCES members (id) ON DELETE CASCADE,"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  used_at INTEGER,"
	"  created_by INTEGER NOT NULL,"
	"  CHECK ((staff_id IS NULL) <> (member_id IS NULL))"
	") STRICT;"
	/* Who did what to which object; ids only, never personal data. */
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  at INTEGER NOT NULL,"
	"  uid INTEGER NOT NULL,"
	"  action TEXT NOT NULL,"
	"  object TEXT NOT NULL,"
	"  object_id INTEGER"
	") STRICT;"
	/* Wrong invitation codes per Telegram user (blind index), 1 h. */
	"CREATE TABLE invite_failures ("
	"  id INTEGER PRIMARY KEY,"
	"  tg_idx BLOB NOT NULL,"
	"  at INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX invite_failures_user ON invite_failures (tg_idx, at);",

	/*
	 * 3: conversations. A member chooses a language and consents before
	 * anything is relayed; /stop turns off announcements and reminders.
	 * Every relayed message is a `messages` row (body sealed, purged
	 * after the retention period, the row kept for counts). Outbox rows
	 * name the member they go to, so a /stop can hold back broadcasts.
	 */
	"ALTER TABLE members ADD COLUMN language TEXT;"
	"ALTER TABLE members ADD COLUMN consent_at INTEGER;"
	"ALTER TABLE members ADD COLUMN consent_version TEXT;"
	"ALTER TABLE members ADD COLUMN announcements INTEGER NOT NULL "
	"  DEFAULT 1;"
	"ALTER TABLE members ADD COLUMN ooh_notice_at INTEGER;"
	"ALTER TABLE members ADD COLUMN tg_blocked_at INTEGER;"
	"ALTER TABLE staff ADD COLUMN current_family INTEGER "
	"  REFERENCES families (id) ON DELETE SET NULL;"
	/*
	 * direction: 0 from the family, 1 to the family. kind: text, photo,
	 * document, voice, audio, video, video_note, animation, sticker,
	 * location, contact, edit. state: 0 queued, 1 sent, 2 failed,
	 * 3 blocked (the recipient blocked the bot). src_message_id is the
	 * message in the sender's chat (copyMessage needs it).
	 */
	"CREATE TABLE messages ("
	"  id INTEGER PRIMARY KEY,"
	"  family_id INTEGER REFERENCES families (id) ON DELETE CASCADE,"
	"  member_id INTEGER REFERENCES members (id) ON DELETE SET NULL,"
	"  staff_id INTEGER REFERENCES staff (id) ON DELETE SET NULL,"
	"  direction INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  channel INTEGER NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  body BLOB,"
	"  src_message_id INTEGER,"
	"  state INTEGER NOT NULL DEFAULT 0,"
	"  error TEXT,"
	"  read_at INTEGER,"
	"  purged_at INTEGER"
	") STRICT;"
	"CREATE INDEX messages_family ON messages (family_id, id);"
	"CREATE INDEX messages_at ON messages (at) WHERE purged_at IS NULL;"
	"ALTER TABLE outbox ADD COLUMN member_id INTEGER;"
	"CREATE INDEX outbox_ext ON outbox (chat_key, ext_message_id) "
	"  WHERE ext_message_id IS NOT NULL;",

	/*
	 * 4: SMS. A gateway's id of what we sent, and its delivery reports:
	 * delivery 1 queued at the gateway, 2 delivered, 3 failed, 4 expired,
	 * with the gateway's own code. A member's SMS consent is recorded by
	 * staff with the reference of the paper form.
	 */
	"ALTER TABLE outbox ADD COLUMN gateway_id TEXT;"
	"ALTER TABLE outbox ADD COLUMN delivery INTEGER;"
	"ALTER TABLE outbox ADD COLUMN delivery_code TEXT;"
	"ALTER TABLE outbox ADD COLUMN delivery_at INTEGER;"
	"CREATE INDEX outbox_gateway ON outbox (channel, gateway_id) "
	"  WHERE gateway_id IS NOT NULL;"
	"ALTER TABLE members ADD COLUMN consent_ref TEXT;",

	/*
	 * 5: a new version of the information clause is shown once to
	 * members who consented to an older one (clause_shown: the version
	 * shown); pressing OK records it (consent_version, clause_ack_at).
	 */
	"ALTER TABLE members ADD COLUMN clause_shown TEXT;"
	"ALTER TABLE members ADD COLUMN clause_ack_at INTEGER;",

	/*
	 * 6: tg_unreachable was written on every 403 and never read: what
	 * a refusal means for a family is members.tg_blocked_at.
	 */
	"DROP TABLE IF EXISTS tg_unreachable;",

	/*
	 * 7: a known value sealed under the master key (keycheck.c), so a
	 * database opened with another key is refused at start.
	 */
	"CREATE TABLE key_check ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  value BLOB NOT NULL"
	") STRICT;",

	/*
	 * 8: who a staff member is on this machine (the uid their login
	 * had when it was tied, as SO_PEERCRED reports callers) and the
	 * programmes a coordinator looks after: the admin API's roles.
	 * Since when a member's announcements and reminders are on or off
	 * (NULL: as they have been since the member was added), kept by a
	 * trigger whoever changes the flag.
	 */
	"ALTER TABLE staff ADD COLUMN unix_uid INTEGER;"
	"CREATE UNIQUE INDEX staff_unix_uid ON staff (unix_uid);"
	"CREATE TABLE staff_programmes ("
	"  staff_id INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,"
	"  programme_id INTEGER NOT NULL REFERENCES programmes (id)"
	"    ON DELETE CASCADE,"
	"  PRIMARY KEY (staff_id, programme_id)"
	") STRICT;"
	"ALTER TABLE members ADD COLUMN announcements_at INTEGER;"
	"CREATE TRIGGER members_announcements_at AFTER UPDATE OF "
	"  announcements ON members WHEN old.announcements IS NOT "
	"  new.announcements BEGIN UPDATE members SET announcements_at = "
	"  CAST(strftime('%s', 'now') AS INTEGER) WHERE id = new.id; END;",

	/*
	 * 9: visits and their reminders (store/visits.c). Times are unix
	 * ms, UTC. place, note, answer_text and reason are sealed. state:
	 * 0 planned, 1 cancelled. answer: 0 none, 1 confirmed, 2 cannot
	 * come, 3 another time. A visit of a group event names its event.
	 * A reminder row is made when a visit is planned or moved, so the
	 * due ones are found by (state, due_at) alone: state 0 pending,
	 * 1 sent, 2 dropped (missed while down), 3 void (moved, cancelled).
	 * members.reminders_off: the member asked for no reminders.
	 */
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  programme_id INTEGER NOT NULL REFERENCES programmes (id) "
	"    ON DELETE CASCADE,"
	"  group_id INTEGER REFERENCES programme_groups (id) "
	"    ON DELETE SET NULL,"
	"  at INTEGER NOT NULL,"
	"  minutes INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  place BLOB,"
	"  note BLOB,"
	"  created_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE visits ("
	"  id INTEGER PRIMARY KEY,"
	"  family_id INTEGER NOT NULL REFERENCES families (id) "
	"    ON DELETE CASCADE,"
	"  staff_id INTEGER REFERENCES staff (id) ON DELETE SET NULL,"
	"  event_id INTEGER REFERENCES events (id) ON DELETE CASCADE,"
	"  series_id INTEGER,"
	"  kind TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  minutes INTEGER NOT NULL,"
	"  place BLOB,"
	"  note BLOB,"
	"  state INTEGER NOT NULL DEFAULT 0,"
	"  reason BLOB,"
	"  answer INTEGER NOT NULL DEFAULT 0,"
	"  answer_at INTEGER,"
	"  answer_text BLOB,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX visits_family ON visits (family_id, at);"
	"CREATE INDEX visits_staff ON visits (staff_id, at);"
	"CREATE INDEX visits_at ON visits (at);"
	"CREATE INDEX visits_event ON visits (event_id) "
	"  WHERE event_id IS NOT NULL;"
	"CREATE TABLE reminders ("
	"  id INTEGER PRIMARY KEY,"
	"  visit_id INTEGER NOT NULL REFERENCES visits (id) "
	"    ON DELETE CASCADE,"
	"  due_at INTEGER NOT NULL,"
	"  state INTEGER NOT NULL DEFAULT 0,"
	"  member_id INTEGER,"
	"  channel INTEGER,"
	"  sent_at INTEGER,"
	"  answered_at INTEGER"
	") STRICT;"
	"CREATE INDEX reminders_due ON reminders (state, due_at);"
	"CREATE INDEX reminders_visit ON reminders (visit_id);"
	"CREATE INDEX reminders_member ON reminders (member_id, sent_at) "
	"  WHERE sent_at IS NOT NULL;"
	"ALTER TABLE members ADD COLUMN reminders_off INTEGER NOT NULL "
	"  DEFAULT 0;",

	/*
	 * 10: outbox lanes: head marks the rows the dispatcher looks at (the
	 * oldest of each chat's queue, every receipt, every row scheduled
	 * for later), so claiming reads the heads, not the backlog.
	 * receipt_key: what a receipt is about, one queued per message.
	 */
	"ALTER TABLE outbox ADD COLUMN head INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE outbox ADD COLUMN receipt_key BLOB;"
	"UPDATE outbox SET head = 1 WHERE state IN (0, 1);"
	"CREATE INDEX outbox_heads ON outbox (priority, id, not_before, "
	"  next_attempt_at) WHERE head = 1 AND state = 0;"
	"CREATE INDEX outbox_receipt ON outbox (receipt_key) "
	"  WHERE receipt_key IS NOT NULL AND state = 0;",

	/*
	 * 11: notice templates written by staff (notices.c). Their texts
	 * name no one, so they are plain; lang is pl, uk, ru or en.
	 */
	"CREATE TABLE notices ("
	"  id TEXT PRIMARY KEY,"
	"  version INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  retired_at INTEGER"
	") STRICT;"
	"CREATE TABLE notice_texts ("
	"  notice_id TEXT NOT NULL REFERENCES notices (id) ON DELETE CASCADE,"
	"  lang TEXT NOT NULL,"
	"  text TEXT NOT NULL,"
	"  sms TEXT,"
	"  PRIMARY KEY (notice_id, lang)"
	") STRICT;"
	/*
	 * Broadcasts (broadcasts.c): state 0 draft, 1 sending, 2 done,
	 * 3 cancelled; texts as previewed, per language. A recipient's
	 * state: 0 pending, 1 queued (outbox_id), 2 skipped (reason),
	 * 3 cancelled before it was queued.
	 */
	"CREATE TABLE broadcasts ("
	"  id INTEGER PRIMARY KEY,"
	"  notice_id TEXT,"
	"  notice_version INTEGER,"
	"  state INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  send_at INTEGER,"
	"  finished_at INTEGER,"
	"  sms_parts INTEGER NOT NULL DEFAULT 0"
	") STRICT;"
	"CREATE TABLE broadcast_texts ("
	"  broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) "
	"    ON DELETE CASCADE,"
	"  lang TEXT NOT NULL,"
	"  text TEXT NOT NULL,"
	"  sms TEXT,"
	"  PRIMARY KEY (broadcast_id, lang)"
	") STRICT;"
	"CREATE TABLE broadcast_recipients ("
	"  broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) "
	"    ON DELETE CASCADE,"
	"  family_id INTEGER NOT NULL,"
	"  member_id INTEGER,"
	"  channel INTEGER NOT NULL,"
	"  lang TEXT NOT NULL,"
	"  state INTEGER NOT NULL DEFAULT 0,"
	"  reason TEXT,"
	"  outbox_id INTEGER,"
	"  PRIMARY KEY (broadcast_id, family_id)"
	") STRICT;"
	"CREATE INDEX broadcast_pending ON broadcast_recipients "
	"  (broadcast_id, state);",

	/*
	 * 12: a family import's rows, written in slices, stay out of sight
	 * (lists, counts, look-ups) while their import is pending; the
	 * last slice deletes its import_pending row. Ids are not reused.
	 */
	"CREATE TABLE import_pending ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT"
	") STRICT;"
	"ALTER TABLE families ADD COLUMN import_id INTEGER;"
	"ALTER TABLE members ADD COLUMN import_id INTEGER;"
	"CREATE INDEX families_import ON families (import_id) "
	"  WHERE import_id IS NOT NULL;"
	"CREATE INDEX members_import ON members (import_id) "
	"  WHERE import_id IS NOT NULL;",

	/*
	 * 13: the heads split by when they are due, so that a pass reads
	 * only what it may claim. Ready heads (no time of their own) in
	 * lane order; heads with a time (scheduled, backing off) by that
	 * time, read up to now. Heads for later cost a pass nothing.
	 */
	"DROP INDEX outbox_heads;"
	"CREATE INDEX outbox_ready ON outbox (priority, id) "
	"  WHERE head = 1 AND state = 0 AND not_before = 0 "
	"  AND next_attempt_at = 0;"
	"CREATE INDEX outbox_waiting ON outbox "
	"  (MAX(not_before, next_attempt_at)) "
	"  WHERE head = 1 AND state = 0 "
	"  AND (not_before <> 0 OR next_attempt_at <> 0);",
};

#define STORE_NMIGRATIONS \
	((int)(sizeof store_migrations / sizeof store_migrations[0]))

int
store_schema_version(void)
{
	return STORE_NMIGRATIONS;
}

int64_t
store_now_ms(void)
{
	return clock_now_ms();
}

int
store_file_sizes(const char *path, int64_t *db_bytes, int64_t *wal_bytes)
{
	struct stat	 sb;
	char		 wal[4096];

	*db_bytes = *wal_bytes = 0;
	if (stat(path, &sb) == -1)
		return -1;
	*db_bytes = (int64_t)sb.st_size;
	/* Between checkpoints the WAL may come and go. */
	if ((size_t)snprintf(wal, sizeof wal, "%s-wal", path) < sizeof wal &&
	    stat(wal, &sb) == 0)
		*wal_bytes = (int64_t)sb.st_size;
	return 0;
}

sqlite3 *
store_db(struct store *st)
{
	return st->db;
}

int
store_prepare(struct store *st, const char *sql, sqlite3_stmt **out)
{
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out,
	    NULL) != SQLITE_OK) {
		log_err("event=store.prepare error=\"%s\"",
		    sqlite3_errmsg(st->db));
		*out = NULL;
		return -1;
	}
	return 0;
}

int
store_step_done(sqlite3_stmt *stmt, const char *what)
{
	int	 rc;

	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_err("event=store.error what=%s error=\"%s\"", what,
		    sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

int
store_exec(struct store *st, const char *sql, const char *what)
{
	char	*msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_err("event=store.error what=%s error=\"%s\"", what,
		    msg != NULL ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
store_integrity_check(struct store *st, int max, int *ok,
    void (*fn)(const char *problem, void *arg), void *arg)
{
	sqlite3_stmt		*s = NULL;
	const unsigned char	*r;
	char			 sql[64];
	int			 rc;

	*ok = 0;
	snprintf(sql, sizeof sql, "PRAGMA integrity_check(%d)", max);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		log_err("event=store.error what=integrity_check error=\"%s\"",
		    sqlite3_errmsg(st->db));
		return -1;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((r = sqlite3_column_text(s, 0)) == NULL)
			continue;
		if (strcmp((const char *)r, "ok") == 0)
			*ok = 1;
		else
			fn((const char *)r, arg);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		log_err("event=store.error what=integrity_check error=\"%s\"",
		    sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

int
store_checkpoint(struct store *st)
{
	return store_exec(st, "PRAGMA wal_checkpoint(TRUNCATE)",
	    "wal_checkpoint");
}

int
store_begin(struct store *st)
{
	return store_step_done(st->begin, "begin");
}

int
store_commit(struct store *st)
{
	if (store_step_done(st->commit, "commit") == -1) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

void
store_rollback(struct store *st)
{
	if (sqlite3_get_autocommit(st->db))
		return;
	if (store_step_done(st->rollback, "rollback") == -1)
		return;		/* logged; SQLite rolls back on close */
}

int
store_savepoint(struct store *st)
{
	return store_step_done(st->savepoint, "savepoint");
}

int
store_release(struct store *st)
{
	return store_step_done(st->release, "release");
}

void
store_rollback_to(struct store *st)
{
	/* Failures are logged; the outer transaction's rollback remains. */
	if (store_step_done(st->rollback_to, "rollback_to") == 0 &&
	    store_step_done(st->release, "release") == 0)
		return;
}

int
store_meta_get(struct store *st, const char *key, int64_t *value, int *found)
{
	int	 rc;

	sqlite3_bind_text(st->meta_get, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st->meta_get);
	*found = rc == SQLITE_ROW;
	if (*found)
		*value = sqlite3_column_int64(st->meta_get, 0);
	sqlite3_reset(st->meta_get);
	sqlite3_clear_bindings(st->meta_get);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_err("event=store.error what=meta_get error=\"%s\"",
		    sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

int
store_meta_set(struct store *st, const char *key, int64_t value)
{
	sqlite3_bind_text(st->meta_set, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st->meta_set, 2, value);
	return store_step_done(st->meta_set, "meta_set");
}

int
store_max_id(struct store *st, const char *table, int64_t *out)
{
	sqlite3_stmt	*s = NULL;
	char		*sql;
	int		 rc = -1;

	sql = sqlite3_mprintf("SELECT COALESCE(MAX(id), 0) FROM \"%w\"",
	    table);
	if (sql != NULL && sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) ==
	    SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		rc = 0;
	} else
		log_err("event=store.error what=max_id error=\"%s\"",
		    sqlite3_errmsg(st->db));
	sqlite3_finalize(s);
	sqlite3_free(sql);
	return rc;
}

static int
store_user_version(sqlite3 *db, int *version)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) !=
	    SQLITE_OK)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* All pending migrations in one transaction: all or none apply. */
static int
store_migrate(sqlite3 *db, char *err, size_t errlen)
{
	char	*msg = NULL, pragma[64];
	int	 version, v = 0;

	if (store_user_version(db, &version) == -1) {
		snprintf(err, errlen, "cannot read schema version: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	if (version > STORE_NMIGRATIONS) {
		snprintf(err, errlen, "database schema version %d is newer "
		    "than this asystentd (%d); refusing to open it", version,
		    STORE_NMIGRATIONS);
		return -1;
	}
	if (version == STORE_NMIGRATIONS)
		return 0;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	for (v = version; v < STORE_NMIGRATIONS; v++) {
		if (sqlite3_exec(db, store_migrations[v], NULL, NULL, &msg) !=
		    SQLITE_OK)
			goto fail;
	}
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d",
	    STORE_NMIGRATIONS);
	if (sqlite3_exec(db, pragma, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	log_notice("event=store.migrated from=%d to=%d", version,
	    STORE_NMIGRATIONS);
	return 0;
fail:
	snprintf(err, errlen, "migration to version %d failed: %s", v + 1,
	    msg != NULL ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Creates the file 0600 before SQLite opens it, whatever the umask. */
/*
 * A missing file is a new database. An existing empty one is not: it is
 * what a truncated or half-restored database looks like, and opening it
 * would silently start a new, empty register.
 */
static int
store_create_file(const char *path, char *err, size_t errlen)
{
	int	 fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static int
store_refuse_empty(const char *path, char *err, size_t errlen)
{
	struct stat	 sb;

	if (stat(path, &sb) == -1 || sb.st_size != 0)
		return 0;
	snprintf(err, errlen, "%s is empty (0 bytes): a truncated or "
	    "half-restored database? Restore the backup; to start a new, "
	    "empty database instead, remove the file", path);
	return -1;
}

/* PRAGMA quick_check: "ok", or the first problem in `err`. */
static int
store_quick_check(struct store *st, const char *path, char *err,
    size_t errlen)
{
	sqlite3_stmt		*s = NULL;
	const unsigned char	*r;
	int			 rc = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check", -1, &s, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: damaged, not a database that opens "
		    "(%s); restore the backup", path, sqlite3_errmsg(st->db));
		return -1;
	}
	if (sqlite3_step(s) == SQLITE_ROW && (r = sqlite3_column_text(s, 0)) !=
	    NULL && strcmp((const char *)r, "ok") == 0)
		rc = 0;
	else
		snprintf(err, errlen, "%s: damaged (quick_check: %.120s); "
		    "restore the backup", path, sqlite3_column_text(s, 0) !=
		    NULL ? (const char *)sqlite3_column_text(s, 0) :
		    sqlite3_errmsg(st->db));
	sqlite3_finalize(s);
	return rc;
}

static const char store_pragmas[] =
	"PRAGMA journal_mode = WAL;"
	"PRAGMA synchronous = FULL;"
	"PRAGMA foreign_keys = ON;"
	"PRAGMA secure_delete = ON;"
	"PRAGMA busy_timeout = 5000;"
	/*
	 * 8 MiB of pages instead of SQLite's 2: with a backlog the outbox's
	 * and inbound's indexes outgrow 2 MiB, and every pass read its pages
	 * back from the file. Only a busy database fills it.
	 */
	"PRAGMA cache_size = -8192;"
	/* After a checkpoint the WAL shrinks back: a burst (or a full
	 * disk) does not keep its size for good. */
	"PRAGMA journal_size_limit = 4194304;";

static int
store_prepare_common(struct store *st)
{
	if (store_prepare(st, "BEGIN IMMEDIATE", &st->begin) == -1 ||
	    store_prepare(st, "COMMIT", &st->commit) == -1 ||
	    store_prepare(st, "ROLLBACK", &st->rollback) == -1 ||
	    store_prepare(st, "SAVEPOINT h", &st->savepoint) == -1 ||
	    store_prepare(st, "RELEASE h", &st->release) == -1 ||
	    store_prepare(st, "ROLLBACK TO h", &st->rollback_to) == -1 ||
	    store_prepare(st, "SELECT value FROM meta WHERE key = ?",
	    &st->meta_get) == -1 ||
	    store_prepare(st, "INSERT INTO meta (key, value) VALUES (?, ?) "
	    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	    &st->meta_set) == -1)
		return -1;
	return 0;
}

/*
 * Every handled row is a savepoint whose journal SQLite frees on release.
 * glibc gave that memory back to the kernel each time (the heap's top
 * shrank past 128 KiB) and faulted it in again for the next row: a brk,
 * a TLB flush on every core and page faults per message, about a fifth of
 * the daemon's CPU while relaying. Keeping a few MiB at the top costs
 * that much memory at most, once.
 */
static void
store_malloc_keep(void)
{
	/* An allocator that replaces glibc's (a sanitizer's) refuses it:
	 * slower then, nothing worse. */
	if (mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024) != 1 ||
	    mallopt(M_TOP_PAD, 1024 * 1024) != 1)
		log_debug("event=store.mallopt_refused");
}

int
store_open(const char *path, struct store **out, char *err, size_t errlen)
{
	struct store	*st;
	char		*msg = NULL;

	*out = NULL;
	store_malloc_keep();
	if (strcmp(path, ":memory:") != 0 &&
	    (store_refuse_empty(path, err, errlen) == -1 ||
	    store_create_file(path, err, errlen) == -1))
		return -1;
	st = xcalloc(1, sizeof *st);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, st->db != NULL ?
		    sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	if (sqlite3_exec(st->db, store_pragmas, NULL, NULL, &msg) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s; if it is damaged, restore the "
		    "backup", path, msg != NULL ? msg : "?");
		sqlite3_free(msg);
		goto fail;
	}
	if (store_quick_check(st, path, err, errlen) == -1)
		goto fail;
	if (store_migrate(st->db, err, errlen) == -1)
		goto fail;
	if (store_prepare_common(st) == -1) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	*out = st;
	return 0;
fail:
	store_close(st);
	return -1;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	sqlite3_finalize(st->begin);
	sqlite3_finalize(st->commit);
	sqlite3_finalize(st->rollback);
	sqlite3_finalize(st->savepoint);
	sqlite3_finalize(st->release);
	sqlite3_finalize(st->rollback_to);
	sqlite3_finalize(st->meta_get);
	sqlite3_finalize(st->meta_set);
	if (st->db != NULL && sqlite3_close(st->db) != SQLITE_OK)
		log_err("event=store.close error=\"%s\"",
		    sqlite3_errmsg(st->db));
	free(st);
}

/* ---- online backup --------------------------------------------------- */

struct store_backup {
	sqlite3		*dst;
	sqlite3_backup	*b;
};

int
store_backup_begin(struct store *st, const char *path,
    struct store_backup **out, char *err, size_t errlen)
{
	struct store_backup	*sb;

	*out = NULL;
	sb = xcalloc(1, sizeof *sb);
	if (sqlite3_open_v2(path, &sb->dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sb->dst != NULL ?
		    sqlite3_errmsg(sb->dst) : "out of memory");
		goto fail;
	}
	if ((sb->b = sqlite3_backup_init(sb->dst, "main", store_db(st),
	    "main")) == NULL) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(sb->dst));
		goto fail;
	}
	*out = sb;
	return 0;
fail:
	store_backup_free(sb);
	return -1;
}

int
store_backup_step(struct store_backup *sb, int pages, int *remaining,
    int *total, char *err, size_t errlen)
{
	int	 rc;

	rc = sqlite3_backup_step(sb->b, pages);
	*remaining = sqlite3_backup_remaining(sb->b);
	*total = sqlite3_backup_pagecount(sb->b);
	if (rc == SQLITE_DONE)
		return 1;
	if (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return 0;
	snprintf(err, errlen, "%s", sqlite3_errstr(rc));
	return -1;
}

int
store_backup_finish(struct store_backup *sb, char *err, size_t errlen)
{
	int	 rc;

	rc = sqlite3_backup_finish(sb->b);
	sb->b = NULL;
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errstr(rc));
		return -1;
	}
	if (sqlite3_close(sb->dst) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(sb->dst));
		return -1;
	}
	sb->dst = NULL;
	return 0;
}

void
store_backup_free(struct store_backup *sb)
{
	if (sb == NULL)
		return;
	if (sb->b != NULL)
		sqlite3_backup_finish(sb->b);
	if (sb->dst != NULL)
		sqlite3_close(sb->dst);
	free(sb);
}
