/*
 * The people of the centre and what they belong to: staff, families and
 * their members, programmes with groups and enrolments, invitations, the
 * audit trail, each table in one file of daemon/store/people_*.c. Their
 * personal fields are sealed and opened only there; look-ups by phone or
 * Telegram user go through blind indexes.
 *
 * Functions work inside the caller's transaction; a function that fails
 * half-way leaves rows the caller's rollback removes. Strings in the
 * structs below are owned by the struct and freed by its _clear().
 */
#ifndef ASYSTENT_PEOPLE_H
#define ASYSTENT_PEOPLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "phone.h"
#include "validate.h"
#include "store.h"

enum people_rc {
	PEOPLE_OK = 0,
	PEOPLE_ERR = -1,	/* storage error, logged */
	PEOPLE_NOT_FOUND = -2,
	PEOPLE_CONFLICT = -3	/* duplicate, or the state forbids it */
};

#define PEOPLE_CODE_MAX		16	/* "R-0042" */
#define PEOPLE_KIND_MAX		32
#define PEOPLE_CHANNEL_MAX	16
#define PEOPLE_DATE_MAX		11	/* YYYY-MM-DD */
/* Consent: the clause version and the paper form's reference, in bytes. */
#define PEOPLE_CONSENT_VERSION_MAX	(32 * 4 + 1)	/* 32 characters */
#define PEOPLE_CONSENT_REF_MAX		(64 * 4 + 1)	/* 64 characters */

struct staff {
	int64_t	 id;
	char	*name;			/* opened: crypto_free_plain */
	char	 kind[PEOPLE_KIND_MAX];
	char	 languages[VALIDATE_LANGS_MAX];	/* "pl,uk" */
	int	 active;
	int	 telegram_linked;
	int64_t	 families;		/* as the assigned assistant */
	int64_t	 created_at;		/* unix s */
};

struct family {
	int64_t	 id;
	char	 code[PEOPLE_CODE_MAX];
	char	*name;			/* opened */
	char	 language[4];
	char	 channel[PEOPLE_CHANNEL_MAX];
	int64_t	 assistant_id;		/* 0: none */
	int64_t	 substitute_id;		/* 0: none */
	char	*notes;			/* opened; NULL: none */
	int64_t	 created_at;
	int64_t	 closed_at;		/* unix s; 0: open */
	int64_t	 erased_at;		/* unix s; 0: not erased */
};

struct member {
	int64_t	 id;
	int64_t	 family_id;
	int	 contact;
	char	*name;			/* opened */
	char	 phone[PHONE_MAX];	/* E.164, "" when none */
	int	 telegram_linked;
	int64_t	 created_at;
	int64_t	 consent_at;		/* unix s; 0: no consent */
	char	 consent_version[PEOPLE_CONSENT_VERSION_MAX];	/* "" */
	char	 consent_ref[PEOPLE_CONSENT_REF_MAX];	/* "": not on paper */
};

struct programme {
	int64_t	 id;
	char	*name;
	char	**groups;
	size_t	 ngroups;
	int64_t	 enrolled;		/* families enrolled now */
	int64_t	 created_at;
};

struct enrolment {
	int64_t	 id;
	int64_t	 family_id;
	int64_t	 programme_id;
	char	*programme;
	char	*group;			/* NULL: none */
	char	 family_code[PEOPLE_CODE_MAX];
	char	 from[PEOPLE_DATE_MAX];
	char	 until[PEOPLE_DATE_MAX];	/* "" while enrolled */
};

/* What a new family is made of; read only during the call. */
struct family_new {
	const char	*name;
	const char	*language;
	const char	*channel;
	const char	*notes;		/* NULL: none */
	int64_t		 assistant_id;	/* 0: none */
	int64_t		 substitute_id;
	const char	*contact_name;
	const char	*contact_phone;	/* E.164 or NULL */
	int64_t		 import_id;	/* 0; else pending till published */
};

/* A family without its sealed fields: what routing a message needs. */
struct family_brief {
	int64_t	 id;
	char	 code[PEOPLE_CODE_MAX];
	char	 language[4];
	char	 channel[PEOPLE_CHANNEL_MAX];
	int64_t	 assistant_id;		/* 0: none */
	int64_t	 substitute_id;		/* 0: none */
};

/* A staff member as conversations need them: no name opened. */
struct staff_reach {
	int64_t	 id;
	char	 kind[PEOPLE_KIND_MAX];
	int	 active;
	int64_t	 chat_id;		/* Telegram; 0: not linked */
	char	 languages[VALIDATE_LANGS_MAX];
};

/* Where an answer to a family member goes. */
struct member_target {
	int64_t	 member_id;		/* 0: nobody to write to */
	int64_t	 chat_id;		/* Telegram; 0: none */
	char	 phone[PHONE_MAX];	/* E.164; "": none */
	int	 consented;
};

/* Family list filters; 0 / NULL: any. */
struct family_filter {
	int64_t		 assistant_id;
	int64_t		 programme_id;
	const char	*language;
	const char	*channel;
};

enum people_who {
	PEOPLE_NOBODY,
	PEOPLE_MEMBER,
	PEOPLE_STAFF
};

/* Who a Telegram user is. */
struct people_tg {
	enum people_who	 who;
	int64_t		 staff_id;
	int64_t		 member_id;
	int64_t		 family_id;
	int		 active;		/* staff */
	char		 language[4];		/* family's, or staff's first */
	char		 member_language[4];	/* the member's choice, or "" */
	int		 consented;		/* member: consent recorded */
};

/*
 * Who answers a family: first names only (a family never sees more of a
 * staff member's name), opened: people_helpers_clear() frees them.
 */
struct people_helpers {
	int64_t	 assistant_id;		/* 0: none */
	int	 assistant_active;
	char	*assistant_first;
	int64_t	 substitute_id;		/* 0: none */
	int	 substitute_active;
	char	*substitute_first;
};

struct invitation {
	int64_t	 id;
	int64_t	 staff_id;		/* exactly one of staff_id, */
	int64_t	 member_id;		/* member_id is not 0 */
	int64_t	 expires_at;
	int64_t	 used_at;		/* 0: not used */
};

struct audit_row {
	int64_t		 id;
	int64_t		 at;
	int64_t		 uid;
	const char	*action;	/* valid during the callback */
	const char	*object;
	int64_t		 object_id;	/* 0: none */
};

struct people;
struct store;
struct keys;
struct keystore;

struct people	*people_new(struct store *st, const struct keys *k);
void		 people_free(struct people *p);

void	people_staff_clear(struct staff *s);
void	people_family_clear(struct family *f);
void	people_member_clear(struct member *m);
void	people_programme_clear(struct programme *pg);
void	people_enrolment_clear(struct enrolment *e);
/* Frees an array from a _list() call and each element in it. */
void	people_staff_list_free(struct staff *a, size_t n);
void	people_family_list_free(struct family *a, size_t n);
void	people_member_list_free(struct member *a, size_t n);
void	people_programme_list_free(struct programme *a, size_t n);
void	people_enrolment_list_free(struct enrolment *a, size_t n);

/* Staff. `languages` is a validated list such as "pl,uk". */
int	people_staff_create(struct people *p, const char *name,
	    const char *kind, const char *languages, int active, int64_t *id)
	    __attribute__((warn_unused_result));
int	people_staff_get(struct people *p, int64_t id, struct staff *out)
	    __attribute__((warn_unused_result));
int	people_staff_list(struct people *p, struct staff **out, size_t *n)
	    __attribute__((warn_unused_result));
/* Any of the arguments; NULL / -1 keep the current value. */
int	people_staff_update(struct people *p, int64_t id, const char *name,
	    const char *kind, const char *languages, int active)
	    __attribute__((warn_unused_result));
/* A staff id by id or exact name (imports); NOT_FOUND, or CONFLICT if
 * two staff members share the name. */
int	people_staff_find(struct people *p, const char *ref, int64_t *id)
	    __attribute__((warn_unused_result));
int	people_staff_reach(struct people *p, int64_t id,
	    struct staff_reach *out) __attribute__((warn_unused_result));
/* Active staff of `kind` linked to Telegram, by id: at most `max`. */
int	people_staff_reach_kind(struct people *p, const char *kind,
	    struct staff_reach *out, size_t max, size_t *n)
	    __attribute__((warn_unused_result));
/* The name, opened (crypto_free_plain); NULL when there is none. */
int	people_staff_name(struct people *p, int64_t id, char **name)
	    __attribute__((warn_unused_result));
/* The family a staff member writes to; 0: none chosen, or deleted. */
int	people_staff_current(struct people *p, int64_t id, int64_t *family_id)
	    __attribute__((warn_unused_result));
/* family_id 0 clears the choice. */
int	people_staff_set_current(struct people *p, int64_t id,
	    int64_t family_id) __attribute__((warn_unused_result));

/* Families. The contact member is created with the family. */
int	people_family_create(struct people *p, const struct family_new *nf,
	    int64_t *family_id, int64_t *member_id)
	    __attribute__((warn_unused_result));
/* By id ("42") or code ("R-0042"). */
int	people_family_resolve(struct people *p, const char *ref, int64_t *id)
	    __attribute__((warn_unused_result));
int	people_family_get(struct people *p, int64_t id, struct family *out)
	    __attribute__((warn_unused_result));
/* The family's plain fields only: no name or notes to open. */
int	people_family_brief(struct people *p, int64_t id,
	    struct family_brief *out) __attribute__((warn_unused_result));
/*
 * The families `staff_id` assists or stands in for, or all of them when
 * `all`, by code. *out is a new array of *n; free() it.
 */
int	people_family_brief_list(struct people *p, int64_t staff_id, int all,
	    struct family_brief **out, size_t *n)
	    __attribute__((warn_unused_result));
/* The name, opened (crypto_free_plain); NULL when there is none. */
int	people_family_name(struct people *p, int64_t id, char **name)
	    __attribute__((warn_unused_result));
int	people_family_list(struct people *p, const struct family_filter *f,
	    struct family **out, size_t *n) __attribute__((warn_unused_result));
/* NULL keeps a value; notes "" clears them. */
int	people_family_update(struct people *p, int64_t id, const char *name,
	    const char *language, const char *channel, const char *notes)
	    __attribute__((warn_unused_result));
/* substitute_id 0 clears the substitute. */
int	people_family_assign(struct people *p, int64_t id,
	    int64_t assistant_id, int64_t substitute_id)
	    __attribute__((warn_unused_result));
/* Members, enrolments and invitations go with the family. */
int	people_family_delete(struct people *p, int64_t id)
	    __attribute__((warn_unused_result));

/*
 * Erasing a family (GDPR art. 17), inside the caller's transaction: the
 * family's and its members' sealed values and blind indexes become NULL,
 * its invitations are deleted, and the row is marked erased at `at`
 * (unix s), kept for counts. The family's key is the caller's to destroy
 * first (keystore.h). CONFLICT when it is erased already.
 */
int	people_family_erase(struct people *p, int64_t id, int64_t at)
	    __attribute__((warn_unused_result));
/* *at: when the family was erased (unix s), 0 when it was not. */
int	people_family_erased(struct people *p, int64_t id, int64_t *at)
	    __attribute__((warn_unused_result));
/* Closed at `at` (unix s), or open again (0). */
int	people_family_close(struct people *p, int64_t id, int64_t at)
	    __attribute__((warn_unused_result));
/* Families open, closed (not erased) and erased; for counts. */
int	people_family_states(struct people *p, int64_t *open, int64_t *closed,
	    int64_t *erased) __attribute__((warn_unused_result));
/*
 * Up to `max` families closed before `before` (unix s) and not erased,
 * by id. *out is a new array of *n; free() it.
 */
int	people_family_closed_before(struct people *p, int64_t before, int max,
	    int64_t **out, size_t *n) __attribute__((warn_unused_result));

/*
 * At start, before the register is open: whether a family's name is
 * sealed under a family's key (*sealed) and whether, newest first, one
 * of them opens with `ks` (*opens; it stops at the first that does).
 */
int	people_family_keys_check(struct store *st, struct keystore *ks,
	    int *sealed, int *opens) __attribute__((warn_unused_result));

/*
 * A family import's families (family_new.import_id, from
 * people_import_new()) are written in slices, each its own transaction,
 * and stay out of every list, count and look-up until
 * people_import_publish() shows them all at once. people_import_discard()
 * removes a pending import (import_id 0: every one) with its families
 * and their members; *n: how many families.
 */
int	people_import_new(struct people *p, int64_t *import_id)
	    __attribute__((warn_unused_result));
int	people_import_publish(struct people *p, int64_t import_id)
	    __attribute__((warn_unused_result));
int	people_import_discard(struct people *p, int64_t import_id,
	    int64_t *n) __attribute__((warn_unused_result));

/* Members. `phone` is E.164 or NULL; CONFLICT when another has it. */
int	people_member_create(struct people *p, int64_t family_id,
	    const char *name, const char *phone, int contact, int64_t *id)
	    __attribute__((warn_unused_result));
int	people_member_get(struct people *p, int64_t id, struct member *out)
	    __attribute__((warn_unused_result));
int	people_member_list(struct people *p, int64_t family_id,
	    struct member **out, size_t *n) __attribute__((warn_unused_result));
/* name NULL keeps it; set_phone with phone NULL clears the phone. */
int	people_member_update(struct people *p, int64_t id, const char *name,
	    int set_phone, const char *phone)
	    __attribute__((warn_unused_result));
/* CONFLICT for the family's last member. */
int	people_member_delete(struct people *p, int64_t id)
	    __attribute__((warn_unused_result));
/* The member holding an E.164 number. */
int	people_member_by_phone(struct people *p, const char *phone,
	    int64_t *id) __attribute__((warn_unused_result));
/* The name and the phone, opened (crypto_free_plain); NULL: none. */
int	people_member_name(struct people *p, int64_t id, char **name)
	    __attribute__((warn_unused_result));
int	people_member_phone(struct people *p, int64_t id, char **phone)
	    __attribute__((warn_unused_result));
/*
 * people_member_family()'s statement (the member's id bound; one column,
 * family_id; no row for no such member), for the outbox, which keeps it
 * prepared on its own: it seals each row it queues to a member under
 * the key of the member's family.
 */
extern const char people_member_family_sql[];
int	people_member_family(struct people *p, int64_t id, int64_t *family_id)
	    __attribute__((warn_unused_result));
/*
 * The member of a family to answer on Telegram, among those linked:
 * `preferred`, else `last` (who wrote last), else one who consented, the
 * contact first. out->member_id is 0 when nobody is linked.
 */
int	people_member_tg_target(struct people *p, int64_t family_id,
	    int64_t preferred, int64_t last, struct member_target *out)
	    __attribute__((warn_unused_result));
/* The same among the members with a phone, for SMS. */
int	people_member_sms_target(struct people *p, int64_t family_id,
	    int64_t preferred, int64_t last, struct member_target *out)
	    __attribute__((warn_unused_result));
/* The member blocked the bot at `at` (unix ms), or unblocked it (0). */
int	people_member_blocked(struct people *p, int64_t id, int64_t at)
	    __attribute__((warn_unused_result));
/* *on 0 once the member turned announcements off (/stop). */
int	people_member_takes_announcements(struct people *p, int64_t id,
	    int *on) __attribute__((warn_unused_result));
/*
 * Reminders of the family's own visits (members.reminders_off): /stop
 * leaves them on, its button or SMS STOP turns them off, /start on.
 * *on 0 once turned off.
 */
int	people_member_set_reminders(struct people *p, int64_t id, int on)
	    __attribute__((warn_unused_result));
int	people_member_takes_reminders(struct people *p, int64_t id, int *on)
	    __attribute__((warn_unused_result));

/* Programmes; CONFLICT for a name in use or a repeated group. */
int	people_programme_create(struct people *p, const char *name,
	    const char *const *groups, size_t ngroups, int64_t *id)
	    __attribute__((warn_unused_result));
int	people_programme_get(struct people *p, int64_t id,
	    struct programme *out) __attribute__((warn_unused_result));
int	people_programme_list(struct people *p, struct programme **out,
	    size_t *n) __attribute__((warn_unused_result));
int	people_programme_by_name(struct people *p, const char *name,
	    int64_t *id) __attribute__((warn_unused_result));
int	people_group_find(struct people *p, int64_t programme_id,
	    const char *name, int64_t *group_id)
	    __attribute__((warn_unused_result));

/* Enrolments. group_id 0: none. CONFLICT when already enrolled. */
int	people_enrol(struct people *p, int64_t family_id, int64_t programme_id,
	    int64_t group_id, const char *from, int64_t *id)
	    __attribute__((warn_unused_result));
/* Closes the open enrolment on `on`; NOT_FOUND when there is none. */
int	people_leave(struct people *p, int64_t family_id, int64_t programme_id,
	    const char *on, int64_t *id) __attribute__((warn_unused_result));
int	people_enrolment_get(struct people *p, int64_t id,
	    struct enrolment *out) __attribute__((warn_unused_result));
int	people_enrolment_list(struct people *p, int64_t family_id,
	    int64_t programme_id, struct enrolment **out, size_t *n)
	    __attribute__((warn_unused_result));

/*
 * The blind indexes of a Telegram user id and of a phone (E.164) under
 * the keys `k` (a key rotation rebuilds them with the new keys).
 */
struct keys;
void	people_index_tg(const struct keys *k, int64_t user_id,
	    unsigned char idx[16]);
void	people_index_phone(const struct keys *k, const char *phone,
	    unsigned char idx[16]);

/* Telegram accounts. */
int	people_find_tg(struct people *p, int64_t user_id,
	    struct people_tg *out) __attribute__((warn_unused_result));
/* The member whose phone (E.164) this is, for incoming SMS. */
int	people_find_phone(struct people *p, const char *phone,
	    struct people_tg *out) __attribute__((warn_unused_result));
int	people_link_member(struct people *p, int64_t member_id,
	    int64_t user_id, int64_t chat_id)
	    __attribute__((warn_unused_result));
int	people_link_staff(struct people *p, int64_t staff_id, int64_t user_id,
	    int64_t chat_id) __attribute__((warn_unused_result));

/*
 * Invitations. *code is a new string of 96 random bits (base64url) shown
 * once; its keyed hash is what a look-up finds, and until it is used the
 * code is kept sealed (the member's family's key, a staff invitation's
 * the master key) for a key rotation to hash again. free() it.
 */
int	people_invite_create(struct people *p, int64_t staff_id,
	    int64_t member_id, int ttl_days, uid_t uid, char **code,
	    int64_t *expires_at) __attribute__((warn_unused_result));
int	people_invite_find(struct people *p, const char *code,
	    struct invitation *out) __attribute__((warn_unused_result));
int	people_invite_use(struct people *p, int64_t id, int64_t now)
	    __attribute__((warn_unused_result));
/* Wrong codes per Telegram user: record one; is the user shut out? */
int	people_invite_failed(struct people *p, int64_t user_id, int64_t now)
	    __attribute__((warn_unused_result));
int	people_invite_blocked(struct people *p, int64_t user_id, int64_t now);
/*
 * A rotation of the master key started at `started_at` (unix s) is done:
 * unused codes made before it without a sealed copy (made before codes
 * were kept) are void, their hashes cannot be made again; the wrong
 * codes' counts, by the old Telegram index, are forgotten.
 */
int	people_invite_rotated(struct people *p, int64_t started_at)
	    __attribute__((warn_unused_result));

#define PEOPLE_INVITE_FAILURES	5	/* wrong codes ... */
#define PEOPLE_INVITE_WINDOW	3600	/* ... within (s), then ignored */

/*
 * A member's own settings. `lang` is "pl", "uk", "ru" or "en" (NULL
 * clears the choice); consent is the time and the clause version agreed
 * to; announcements 0 holds back broadcasts and reminders (/stop);
 * ooh_notice_at is when the last out-of-hours answer went out (0: never).
 */
int	people_member_set_language(struct people *p, int64_t id,
	    const char *lang) __attribute__((warn_unused_result));
int	people_member_consent(struct people *p, int64_t id, int64_t at,
	    const char *version) __attribute__((warn_unused_result));
/*
 * Consent given on a paper form, recorded by staff (SMS cannot show the
 * clause): `ref` is the form's reference. NOT_FOUND for no such member.
 */
int	people_member_consent_paper(struct people *p, int64_t id, int64_t at,
	    const char *version, const char *ref)
	    __attribute__((warn_unused_result));
/* Consent withdrawn: time, version and reference cleared. */
int	people_member_consent_withdraw(struct people *p, int64_t id)
	    __attribute__((warn_unused_result));
/*
 * Where a member stands with the information clause: the version agreed
 * to (or acknowledged), whether on paper, and the newer version shown to
 * them, if any. NOT_FOUND for no such member.
 */
struct people_clause {
	char	 version[PEOPLE_CONSENT_VERSION_MAX];	/* "": none */
	int	 consented;
	int	 on_paper;
	char	 shown[PEOPLE_CONSENT_VERSION_MAX];	/* "": none */
};
int	people_member_clause(struct people *p, int64_t id,
	    struct people_clause *out) __attribute__((warn_unused_result));
/* A newer clause was shown to a member who consented to an older one. */
int	people_member_clause_shown(struct people *p, int64_t id,
	    const char *version) __attribute__((warn_unused_result));
/* They pressed OK under it: their consent now refers to `version`. */
int	people_member_clause_ack(struct people *p, int64_t id,
	    const char *version, int64_t at)
	    __attribute__((warn_unused_result));
int	people_member_set_announcements(struct people *p, int64_t id, int on)
	    __attribute__((warn_unused_result));
int	people_member_ooh_get(struct people *p, int64_t id, int64_t *at)
	    __attribute__((warn_unused_result));
int	people_member_ooh_set(struct people *p, int64_t id, int64_t at)
	    __attribute__((warn_unused_result));

/*
 * Where a member is reached: their Telegram chat (0: not linked) and the
 * language they read (their choice, else the family's).
 */
int	people_member_reach(struct people *p, int64_t id, int64_t *chat_id,
	    char lang[4]) __attribute__((warn_unused_result));

/* The family's assistant and substitute; NOT_FOUND for no family. */
int	people_family_helpers(struct people *p, int64_t family_id,
	    struct people_helpers *out) __attribute__((warn_unused_result));
void	people_helpers_clear(struct people_helpers *h);

/* The audit trail. object_id 0: none. */
int	people_audit(struct people *p, uid_t uid, const char *action,
	    const char *object, int64_t object_id)
	    __attribute__((warn_unused_result));
typedef int	(*people_audit_fn)(const struct audit_row *row, void *arg);
int	people_audit_list(struct people *p, int limit, people_audit_fn fn,
	    void *arg) __attribute__((warn_unused_result));
/* Which audit rows people_audit_find() lists, newest first. */
struct audit_filter {
	int64_t	 uid;		/* -1: anyone */
	int64_t	 family_id;	/* 0: any; else the family's, its
				   current members' and enrolments' rows */
	int64_t	 since;		/* unix s; 0: from the start */
	int	 limit;
};
int	people_audit_find(struct people *p, const struct audit_filter *f,
	    people_audit_fn fn, void *arg) __attribute__((warn_unused_result));

/*
 * Who may see what. A staff member is tied to the uid of a login (-1:
 * none) and, as a coordinator, to programmes (people_staff.c).
 */
int	people_staff_set_uid(struct people *p, int64_t id, int64_t uid)
	    __attribute__((warn_unused_result));
/* The staff member whose login is `uid`; NOT_FOUND when none is. */
int	people_staff_by_uid(struct people *p, int64_t uid, int64_t *id,
	    char kind[PEOPLE_KIND_MAX], int *active)
	    __attribute__((warn_unused_result));
/* *uid = -1 when the staff member is tied to no login. */
int	people_staff_uid(struct people *p, int64_t id, int64_t *uid)
	    __attribute__((warn_unused_result));
/* Replaces the programmes of a staff member; CONFLICT: no such one. */
int	people_staff_set_programmes(struct people *p, int64_t id,
	    const int64_t *prog, size_t n) __attribute__((warn_unused_result));
/* At most `max` programme ids, ascending. */
int	people_staff_programmes(struct people *p, int64_t id, int64_t *out,
	    size_t max, size_t *n) __attribute__((warn_unused_result));
/*
 * *yes = 1 when the staff member is the family's assistant or substitute
 * or, with `by_programme`, looks after a programme it is enrolled in now.
 */
int	people_family_visible(struct people *p, int64_t family_id,
	    int64_t staff_id, int by_programme, int *yes)
	    __attribute__((warn_unused_result));
/*
 * Whether a member takes announcements and reminders (one switch, /stop
 * and /start) and since when (unix s; when added, if never changed).
 */
int	people_member_announcements(struct people *p, int64_t id, int *on,
	    int64_t *since) __attribute__((warn_unused_result));
/* Active administrators other than `except`. */
int	people_staff_admins(struct people *p, int64_t except, int64_t *n)
	    __attribute__((warn_unused_result));

/*
 * Programme reports (admin_reports.c): ids, dates and plain columns,
 * never a sealed one. Enrolments of a programme (of one group when
 * group_id is not 0): (family_id, from, until) with dates as YYYYMMDD
 * numbers, until 0 while enrolled. Families of the JSON array `ids`:
 * (id, language 0 pl 1 uk 2 ru 3 en 4 other, channel 0 telegram 1 sms).
 * Their members: (family_id, member_id, created_at).
 */
int	people_report_enrolments(struct people *p, int64_t programme_id,
	    int64_t group_id, store_row_fn fn, void *arg)
	    __attribute__((warn_unused_result));
int	people_report_families(struct people *p, const char *ids,
	    store_row_fn fn, void *arg) __attribute__((warn_unused_result));
int	people_report_members(struct people *p, const char *ids,
	    store_row_fn fn, void *arg) __attribute__((warn_unused_result));

/*
 * Retention: deletes at most `limit` audit rows from before `cutoff`
 * (unix s), oldest first, in the caller's transaction; *n how many.
 */
int	people_audit_purge(struct people *p, int64_t cutoff, int limit,
	    int *n) __attribute__((warn_unused_result));

#endif
