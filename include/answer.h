/*
 * A staff member's answer to a family, from a reply, the current family
 * or /to: who may write, which member gets it, the messages row, long
 * texts split into numbered parts, media copied from the staff chat, and
 * a clear answer to staff when it cannot go.
 */
#ifndef ASYSTENT_ANSWER_H
#define ASYSTENT_ANSWER_H

#include <stdint.h>

struct hctx;

/* What the answer is about; read only during answer_send(). */
struct answer_to {
	int64_t		 family_id;
	int64_t		 member_id;	/* who wrote, or 0: the usual one */
	int64_t		 reply_to;	/* the family's message, or 0 */
	/*
	 * The text to send; NULL sends the staff message itself (media by
	 * copyMessage, text as it is).
	 */
	const char	*text;
	/*
	 * The /sms variant: if Telegram cannot deliver it (blocked, or no
	 * Telegram), it goes by SMS.
	 */
	int		 important;
};

/* Queues the answer, or answers staff why not. -1 on storage errors. */
int	answer_send(struct hctx *ctx, const struct answer_to *a)
	    __attribute__((warn_unused_result));

/* Tells staff the family is not theirs, or does not exist; 1 when told. */
int	answer_refuse(struct hctx *ctx, int64_t family_id, int *told)
	    __attribute__((warn_unused_result));

/* "photo", "document", ... for a media kind; "text" for none. */
const char *answer_kind_name(int media);

#endif
