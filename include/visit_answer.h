/*
 * A family's answer to a visit reminder: a button under it on Telegram,
 * or on SMS a digit or word (1 / 2, TAK / NIE, ТАК / НІ, ДА / НЕТ,
 * YES / NO) while a reminder is the last one sent to the member and not
 * answered. The visit's answer is set, the family told it was noted,
 * and the readers of the family told at once; a second answer to the
 * same reminder changes nothing and says so.
 */
#ifndef ASYSTENT_VISIT_ANSWER_H
#define ASYSTENT_VISIT_ANSWER_H

#include <stdint.h>

#include "visits.h"

/* How long after it was sent an SMS reminder takes a digit (ms). */
#define VISIT_ANSWER_SMS_WINDOW_MS	(7 * 86400 * 1000LL)

struct hctx;

/* The answer an SMS text means; VISIT_NO_ANSWER for anything else. */
enum visit_answer	visit_answer_parse(const char *text);
/*
 * The reminder an SMS answer refers to: the last one sent to the member,
 * of a visit still planned and ahead (answered already or not: a second
 * answer is told so); *id 0 when there is none, and the text is then an
 * ordinary message.
 */
int	visit_answer_pending(struct hctx *ctx, int64_t *id)
	    __attribute__((warn_unused_result));
/* Applies answer `a` of the sender to reminder `id`. -1: storage. */
int	visit_answer_apply(struct hctx *ctx, int64_t id, enum visit_answer a)
	    __attribute__((warn_unused_result));
/*
 * After "Another time" the family's next text (within
 * VISIT_ANSWER_TIME_WAIT_MS) is their preferred time: noted with the
 * visit, sealed, once; it is relayed to their readers all the same.
 * -1: storage.
 */
#define VISIT_ANSWER_TIME_WAIT_MS	(24 * 3600 * 1000LL)
int	visit_answer_note_time(struct hctx *ctx, const char *text)
	    __attribute__((warn_unused_result));

#endif
