/*
 * The schema's history: the forward migrations store.c applies at open.
 * Each table's statements otherwise live with its owner; only here does
 * SQL touch every table, to create and change them.
 */
#include "store_migrations.h"

/*
 * Migration N takes the schema from version N-1 to N. Append only: a
 * released migration is never edited.
 */
const char *const store_migrations[] = {
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

	/*
	 * 14: crypto-shredding. Each family's values are sealed under a key
	 * of its own, kept outside this database (keystore.c); reseal.c
	 * seals the values sealed before under the master key again, in
	 * slices, at the first start (meta reseal.*: where it stands). A
	 * family is closed (closed_at, unix s) and, once erased
	 * (erased_at), keeps its row for counts and nothing personal.
	 * Outbox rows name the family whose message they carry: relay
	 * copies to staff name no member.
	 */
	"ALTER TABLE families ADD COLUMN closed_at INTEGER;"
	"ALTER TABLE families ADD COLUMN erased_at INTEGER;"
	"ALTER TABLE outbox ADD COLUMN family_id INTEGER;"
	"CREATE INDEX outbox_family ON outbox (family_id) "
	"  WHERE family_id IS NOT NULL;"
	"UPDATE outbox SET family_id = (SELECT family_id FROM members "
	"  WHERE members.id = outbox.member_id) WHERE member_id IS NOT NULL;"
	"UPDATE outbox SET family_id = (SELECT family_id FROM messages "
	"  WHERE messages.id = outbox.cause_id) WHERE family_id IS NULL "
	"  AND cause = 'relay' AND cause_id IS NOT NULL;",

	/*
	 * 15: members.announcements_at is written by the code that turns
	 * announcements on or off, from the daemon's clock (a trigger read
	 * SQLite's). notice_sent: one row per copy of a notice queued for
	 * a member, ids only (the export, the programme reports).
	 * broadcasts.recipients_purged_at: when the per-recipient details
	 * of `broadcast failed` were dropped by the retention; the counts
	 * stay.
	 */
	"DROP TRIGGER IF EXISTS members_announcements_at;"
	"CREATE TABLE notice_sent ("
	"  id INTEGER PRIMARY KEY,"
	"  notice_id TEXT NOT NULL,"
	"  notice_version INTEGER NOT NULL,"
	"  family_id INTEGER NOT NULL,"
	"  member_id INTEGER,"
	"  lang TEXT NOT NULL,"
	"  channel INTEGER NOT NULL,"
	"  outbox_id INTEGER,"
	"  at INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX notice_sent_family ON notice_sent (family_id, id);"
	/*
	 * removed_members: whose a removed member was (ids only), so the
	 * audit rows about them are found by their family.
	 */
	"CREATE TABLE removed_members ("
	"  member_id INTEGER PRIMARY KEY,"
	"  family_id INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX removed_members_family ON removed_members (family_id);"
	"ALTER TABLE broadcasts ADD COLUMN recipients_purged_at INTEGER;",

	/*
	 * 16: rows are no longer written `sending` (the dispatcher keeps its
	 * rows in flight in memory), and outbox_due (state, priority, id),
	 * which every row entered and every outcome moved, served only the
	 * counts per state and lane. The rows not sent are what those
	 * counts read: a small index of them, which a sent row leaves.
	 */
	"DROP INDEX outbox_due;"
	"CREATE INDEX outbox_live ON outbox (priority, state) "
	"  WHERE state <> 2;"
	/*
	 * outbox_chat (chat_key, state, id) and outbox_ext (chat_key,
	 * ext_message_id) put each sent row on two pages of its chat, one
	 * more written per chat in every commit of outcomes. One index does
	 * for both: a queued row has no ext_message_id, so its entries are
	 * in id order; a sent row's are found by Telegram's message id.
	 */
	"DROP INDEX outbox_chat;"
	"DROP INDEX outbox_ext;"
	"CREATE INDEX outbox_chat_ext ON outbox "
	"  (chat_key, state, ext_message_id);",

	/*
	 * 17: the SMS wording of a notice copy queued for Telegram, kept
	 * until the copy's outcome, so that the SMS replacing a copy
	 * Telegram refused (the member blocked the bot) says what an SMS
	 * recipient reads. Plain like the notices: it names no one. A
	 * broadcast's copies need none: their wording is in
	 * broadcast_texts.
	 */
	"CREATE TABLE notice_sms ("
	"  outbox_id INTEGER PRIMARY KEY,"
	"  sms TEXT NOT NULL"
	") STRICT;",

	/*
	 * 18: an unused invitation's code, sealed (under its member's
	 * family's key, a staff invitation's under the master key), so
	 * that rotating the master key hashes it again under the new token
	 * key instead of voiding it; cleared once the code is used. Codes
	 * made before have none and are voided by their first rotation.
	 */
	"ALTER TABLE invitations ADD COLUMN code BLOB;",

	/*
	 * 19: the visits whose family answered "another time" and has not
	 * said which yet, newest answer last: every family message asks
	 * whether it is that time (visit_answer_note_time()), which read
	 * the family's visits and sorted them in a temporary table.
	 */
	"CREATE INDEX visits_time_waiting ON visits (family_id, answer_at, id) "
	"  WHERE answer = 3 AND answer_text IS NULL AND state = 0;",

	/*
	 * 20: outbox_chat_ext newest first within each state: a chat's
	 * queued rows newest to oldest, then its sent rows newest to oldest.
	 * A row sent leaves the end of the first part for the start of the
	 * second, next to it: one page of the chat written per outcome,
	 * where the two ends of its part used to be two.
	 * inbound_new holds only what it is asked for, the rows not handled
	 * yet: an update routed as it is stored is written handled and
	 * never enters it.
	 */
	"DROP INDEX outbox_chat_ext;"
	"CREATE INDEX outbox_chat_ext ON outbox "
	"  (chat_key, state, ext_message_id DESC, id DESC);"
	"DROP INDEX inbound_new;"
	"CREATE INDEX inbound_new ON inbound (id) WHERE state = 0;",
};

const int store_nmigrations =
    (int)(sizeof store_migrations / sizeof store_migrations[0]);
