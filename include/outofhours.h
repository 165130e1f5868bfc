/*
 * Out of office hours: a family writing while the centre is closed is
 * told when their message will be read, with the emergency numbers; and
 * the office hours as families see them. Steps of the handlers (struct
 * hctx), queued in the handler's transaction.
 */
#ifndef ASYSTENT_OUTOFHOURS_H
#define ASYSTENT_OUTOFHOURS_H

struct hctx;

/*
 * After relaying a family's message: out of hours, at most once per
 * closed period, tells the family when the assistant will read it, with
 * the emergency numbers.
 */
int	outofhours_notice(struct hctx *ctx) __attribute__((warn_unused_result));
/*
 * The office hours in the sender's language ("poniedziałek–piątek
 * 7:30–15:30"); "" when the centre has none. A new string; free().
 */
char	*outofhours_describe(struct hctx *ctx);

#endif
