/*
 * Notice templates written by staff at runtime (the shipped ones are
 * catalog strings, conv/notice.c): an id, a version counted up by each
 * edit, and per language a text for Telegram and a short SMS variant.
 * Their texts name no one (facts arrive as parameters when one is sent),
 * so they are stored plain, not sealed. The tables' owner is
 * store/notices.c; functions work inside the caller's transaction.
 */
#ifndef ASYSTENT_NOTICES_H
#define ASYSTENT_NOTICES_H

#include <stddef.h>
#include <stdint.h>

#include "i18n.h"
#include "store.h"

struct store;
struct notices;

enum notices_rc {
	NOTICES_OK = 0,
	NOTICES_ERR = -1,	/* storage error, logged */
	NOTICES_NOT_FOUND = -2,
	NOTICES_CONFLICT = -3	/* id in use, or retired */
};

#define NOTICE_ID_MAX	41	/* 1-40 of a-z 0-9 - _ */

/* Strings are owned by the row and freed by notice_row_clear(). */
struct notice_row {
	char	 id[NOTICE_ID_MAX];
	int64_t	 version;
	int64_t	 created_at;		/* unix s */
	int64_t	 updated_at;
	int64_t	 retired_at;		/* 0: in use */
	char	*text[LANG_COUNT];	/* NULL: none in that language */
	char	*sms[LANG_COUNT];	/* NULL: no SMS variant */
};

struct notices	*notices_new(struct store *st);
void		 notices_free(struct notices *n);
void		 notice_row_clear(struct notice_row *r);
void		 notices_list_free(struct notice_row *a, size_t n);

/* A new template, version 1; CONFLICT when the id is taken. */
int	notices_add(struct notices *n, const struct notice_row *r)
	    __attribute__((warn_unused_result));
/* Its texts replaced wholly, version + 1; CONFLICT when retired. */
int	notices_replace(struct notices *n, const struct notice_row *r)
	    __attribute__((warn_unused_result));
/* No longer offered; CONFLICT when already retired. */
int	notices_retire(struct notices *n, const char *id, int64_t at)
	    __attribute__((warn_unused_result));
int	notices_get(struct notices *n, const char *id, struct notice_row *out)
	    __attribute__((warn_unused_result));
/* All, by id; *out is a new array of *count. */
int	notices_list(struct notices *n, struct notice_row **out,
	    size_t *count) __attribute__((warn_unused_result));
/*
 * The SMS wording of the notice copy queued as outbox row `outbox_id`
 * (for Telegram), for the SMS that replaces it if Telegram refuses.
 */
int	notices_sms_put(struct notices *n, int64_t outbox_id,
	    const char *sms) __attribute__((warn_unused_result));
/*
 * The wording kept for `outbox_id`, removed: a new string (free()) or
 * NULL when none was kept. The copy's outcome calls it, used or not.
 */
int	notices_sms_take(struct notices *n, int64_t outbox_id, char **sms)
	    __attribute__((warn_unused_result));

/* A copy of a notice queued for a member (notice_sent). */
struct notice_sent {
	char	 notice_id[NOTICE_ID_MAX];
	int64_t	 version;
	int64_t	 family_id;
	int64_t	 member_id;
	char	 lang[4];
	int	 channel;		/* enum channel */
	int64_t	 outbox_id;
	int64_t	 at;			/* unix s */
};
/* Records a copy, in the caller's transaction. */
int	notices_sent_add(struct notices *n, const struct notice_sent *ns)
	    __attribute__((warn_unused_result));
/*
 * The copies one family was sent, oldest first (its export); fn returns
 * 0, or -1 to stop.
 */
typedef int	(*notices_sent_fn)(const struct notice_sent *ns, void *arg);
int	notices_sent_each(struct notices *n, int64_t family_id,
	    notices_sent_fn fn, void *arg) __attribute__((warn_unused_result));
/*
 * The copies sent to the families in the JSON array `ids` (a programme
 * report): (family_id, outbox_id).
 */
int	notices_report(struct notices *n, const char *ids, store_row_fn fn,
	    void *arg) __attribute__((warn_unused_result));

#endif
