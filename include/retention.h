/*
 * Retention: the one daily job that purges what the configuration says
 * is kept only so long ([retention]): message bodies (the rows and their
 * counts stay), audit rows, and the per-recipient details of finished
 * broadcasts (their counts stay). Each kind goes in slices, one
 * transaction each, with a zero-delay timer between them, so the loop is
 * never held long. What the last run purged is kept for `status`, in
 * the meta table, so a restart does not lose it.
 */
#ifndef ASYSTENT_RETENTION_H
#define ASYSTENT_RETENTION_H

#include <stdint.h>

struct event_base;
struct history;
struct people;
struct broadcasts;
struct store;
struct retention;

enum retention_kind {
	RETENTION_MESSAGES,		/* message bodies, message_days */
	RETENTION_AUDIT,		/* audit rows, audit_days */
	RETENTION_FAILED_RECIPIENTS,	/* failed_recipient_days */
	RETENTION_NKINDS
};

#define RETENTION_FIRST_MS	1000	/* the first run, after start */
#define RETENTION_DAY_S		86400
#define RETENTION_RETRY_S	3600	/* after a failed run */

/* The owners it asks and each kind's days (1 or more). */
struct retention_cfg {
	struct store		*st;
	struct history		*history;
	struct people		*people;
	struct broadcasts	*broadcasts;
	int			 days[RETENTION_NKINDS];
};

/* The last finished run; at 0: none yet. */
struct retention_stats {
	int64_t		 at;			/* unix s, when it ended */
	int		 failed;
	int64_t		 purged[RETENTION_NKINDS];
	int		 days[RETENTION_NKINDS];
};

/*
 * Arms the daily job on `base`: a first run shortly after start, then one
 * every 24 h (an hour after a failure). NULL on a bad day count or when
 * the timer cannot be made, logged. retention_free() (at stop) cancels a
 * run under way; it takes NULL.
 */
struct retention	*retention_new(struct event_base *base,
			    const struct retention_cfg *cfg);
void			 retention_free(struct retention *rt);
void			 retention_stats(const struct retention *rt,
			    struct retention_stats *out);
/* "messages", "audit", "failed_recipients". */
const char		*retention_kind_name(enum retention_kind k);

#endif
