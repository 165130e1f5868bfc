/*
 * Erasing a family (GDPR art. 17) by crypto-shredding: its key goes
 * first (keystore.h), so its values are unreadable in every copy of the
 * database, old backups included; then the database keeps nothing
 * personal of it: sealed values and blind indexes NULL, invitations and
 * unsent messages deleted, message bodies and visit texts cleared, the
 * rows kept and the family marked erased, so that counts still count it.
 * The WAL is checkpointed and truncated after, and secure_delete zeroes
 * the freed space. Families closed longer than [retention]
 * closed_family_years are erased by a daily run.
 */
#ifndef ASYSTENT_ERASE_H
#define ASYSTENT_ERASE_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct event_base;

#define ERASE_BROADCASTS_MAX	8

/* What stands in the way of erasing a family unless forced. */
struct erase_blockers {
	int64_t	 visits_ahead;		/* planned visits after now */
	int64_t	 broadcasts[ERASE_BROADCASTS_MAX];	/* being sent */
	size_t	 nbroadcasts;
};

int	erase_blockers(struct app *app, int64_t family_id,
	    struct erase_blockers *out) __attribute__((warn_unused_result));

enum erase_rc {
	ERASE_OK = 0,
	ERASE_ERR = -1,
	ERASE_NOT_FOUND = -2,
	ERASE_ALREADY = -3
};

/*
 * Erases the family; called outside any transaction. `audit` (may be
 * NULL) writes the audit row inside the erasing transaction; a failure
 * there rolls the database part back (the key is gone by then: the
 * family reads as erased of its values; erasing again finishes it).
 */
int	erase_family(struct app *app, int64_t family_id,
	    int (*audit)(void *arg), void *arg)
	    __attribute__((warn_unused_result));

/* The daily erasure of long-closed families; `years` 0: never. */
int	erase_retention_start(struct app *app, int years)
	    __attribute__((warn_unused_result));
void	erase_retention_stop(void);
/* Families erased by the retention since start, and in all. */
void	erase_retention_counts(int64_t *since_start, int64_t *total);

#endif
