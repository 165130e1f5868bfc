/*
 * What the bot says of itself and of who answers: steps shared by the
 * handlers (struct hctx), in the sender's language.
 */
#ifndef ASYSTENT_ABOUT_H
#define ASYSTENT_ABOUT_H

struct hctx;

/* Replies who we are and how to get an invitation. */
int	about_bot(struct hctx *ctx) __attribute__((warn_unused_result));

/*
 * Who answers the family and when: the assistant by first name, their
 * substitute, or the centre's team, and the office hours. *out is a new
 * string; free().
 */
int	about_assistant(struct hctx *ctx, char **out)
	    __attribute__((warn_unused_result));

/*
 * How staff work with the bot (answering by reply, /families, /to,
 * /visit, /visits): their /help, and the welcome after they link their
 * account. A new string; free().
 */
char	*about_staff(struct hctx *ctx);

#endif
