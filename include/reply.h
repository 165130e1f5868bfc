/*
 * Queuing messages from handlers: texts translated into the recipient's
 * language and expanded, turned into Bot API parameters, written to the
 * outbox in the handler's transaction.
 */
#ifndef ASYSTENT_REPLY_H
#define ASYSTENT_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "ftext.h"
#include "outbox.h"

struct app;
struct hctx;

/*
 * Expands %s, %N$s (N = 1..9) and %% in `fmt` with string arguments; any
 * other % sequence is copied as is. Safe for formats from catalogs: a
 * missing argument expands to "". Returns a new string; free().
 */
char	*text_expand(const char *fmt, const char *const *args, size_t nargs);

/*
 * Queues a sendMessage of `text` (plain, no parse mode) to chat_id, with
 * an optional inline keyboard (`markup` JSON, copied). Caller's transaction.
 */
int	send_text(struct app *app, int64_t chat_id, const char *text,
	    const char *markup, enum outbox_priority prio, int64_t cause_id)
	    __attribute__((warn_unused_result));

/* msgid in the sender's language, expanded; a new string, free(). */
char	*reply_format(struct hctx *ctx, const char *msgid,
	    const char *const *args, size_t nargs);

/* Queues `text` to the chat the message came from. */
int	reply_text(struct hctx *ctx, const char *text)
	    __attribute__((warn_unused_result));
/* Translates msgid into the sender's language, expands, replies. */
int	reply_tr(struct hctx *ctx, const char *msgid, const char *const *args,
	    size_t nargs) __attribute__((warn_unused_result));

/*
 * Queues the family text `id` (ftext.h) in the sender's language to the
 * chat the message came from, its arguments made from `v` (NULL: none)
 * and the configuration (centre, contact, help lines): on Telegram the full text, on SMS its SMS
 * variant; a variant over sms.max_parts gives way to its one-part minimum
 * (event=sms.reply_shortened), and one with none is refused with the
 * reason in the log (event=sms.reply_refused).
 */
int	reply_family(struct hctx *ctx, enum ftext_id id,
	    const struct ftext_vals *v) __attribute__((warn_unused_result));

/*
 * 1 when the chat the message came from can show buttons (Telegram), 0
 * when it cannot (SMS): a step that needs a button press is then done
 * another way.
 */
int	reply_has_buttons(const struct hctx *ctx);

/* One inline button: its label and its callback data (1-64 bytes). */
struct reply_button {
	const char	*text;
	const char	*data;
};

/*
 * Queues `text` to the chat the message came from, with an inline
 * keyboard of n buttons, `cols` to a row. Read only during the call.
 */
int	reply_buttons(struct hctx *ctx, const char *text,
	    const struct reply_button *b, size_t n, size_t cols)
	    __attribute__((warn_unused_result));
/*
 * Removes the inline keyboard of the message whose button was pressed,
 * so that an old button cannot be pressed again. No-op for other input.
 */
int	reply_drop_keyboard(struct hctx *ctx)
	    __attribute__((warn_unused_result));

/* Queues answerCallbackQuery (stops the client's spinner). */
int	reply_callback_answer(struct hctx *ctx, const char *text)
	    __attribute__((warn_unused_result));

#endif
