/*
 * Replies from handlers: texts translated into the sender's language and
 * expanded, queued on the sender's channel (channel.h) in the handler's
 * transaction. What the channel cannot carry (buttons on SMS, a text over
 * the SMS part cap) is adapted or refused there, with the reason logged.
 */
#ifndef ASYSTENT_REPLY_H
#define ASYSTENT_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "channel.h"
#include "ftext.h"
#include "outbox.h"

struct hctx;

/*
 * Expands %s, %N$s (N = 1..9) and %% in `fmt` with string arguments; any
 * other % sequence is copied as is. Safe for formats from catalogs: a
 * missing argument expands to "". Returns a new string; free().
 */
char	*text_expand(const char *fmt, const char *const *args, size_t nargs);

/* msgid in the sender's language, expanded; a new string, free(). */
char	*reply_format(struct hctx *ctx, const char *msgid,
	    const char *const *args, size_t nargs);

/* Queues `text` to the sender, on their channel. */
int	reply_text(struct hctx *ctx, const char *text)
	    __attribute__((warn_unused_result));
/* Translates msgid into the sender's language, expands, replies. */
int	reply_tr(struct hctx *ctx, const char *msgid, const char *const *args,
	    size_t nargs) __attribute__((warn_unused_result));

/*
 * Queues the family text `id` (ftext.h) in the sender's language to the
 * sender, its arguments made from `v` (NULL: none) and the configuration
 * (centre, contact, help lines): the full text, or on a channel that
 * counts parts its SMS variant; a variant the channel refuses (over
 * sms.max_parts) gives way to its one-part minimum
 * (event=sms.reply_shortened); one with none is refused with the reason
 * in the log (event=reply.refused).
 */
int	reply_family(struct hctx *ctx, enum ftext_id id,
	    const struct ftext_vals *v) __attribute__((warn_unused_result));

/*
 * 1 when the sender's channel can show buttons, 0 when it cannot (SMS):
 * a step that needs a button press is then done another way.
 */
int	reply_has_buttons(const struct hctx *ctx);

/*
 * Queues `text` to the sender with n buttons under it, `cols` to a row;
 * where the channel has no buttons, the text alone. Read only during the
 * call.
 */
int	reply_buttons(struct hctx *ctx, const char *text,
	    const struct out_button *b, size_t n, size_t cols)
	    __attribute__((warn_unused_result));
/*
 * Removes the inline keyboard of the message whose button was pressed,
 * so that an old button cannot be pressed again. No-op for other input.
 */
int	reply_drop_keyboard(struct hctx *ctx)
	    __attribute__((warn_unused_result));

/* Answers a pressed button (stops the client's spinner). */
int	reply_callback_answer(struct hctx *ctx, const char *text)
	    __attribute__((warn_unused_result));

#endif
