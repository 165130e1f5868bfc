/*
 * First contact of a linked member, and the information clause they
 * consent to: steps shared by the handlers (struct hctx), in the
 * sender's language, queued in the handler's transaction.
 */
#ifndef ASYSTENT_ONBOARD_H
#define ASYSTENT_ONBOARD_H

struct hctx;

/*
 * The data of the buttons these steps show, for the handlers that take
 * the presses: "lang:uk", "consent:yes", "clause:ok:2026-12".
 */
#define ONBOARD_LANGUAGE_CB	"lang:"
#define ONBOARD_CONSENT_CB	"consent:yes"
#define ONBOARD_CLAUSE_CB	"clause:ok:"

/*
 * The information clause (GDPR art. 13) in force. Change it when the
 * clause's meaning changes: members who consented to an older one are
 * shown the new one once (onboard_clause_renew()).
 */
#define ONBOARD_CLAUSE_VERSION	"2026-12b"

/* Where the sender is: has chosen a language, has consented. */
int	onboard_status(struct hctx *ctx, int *has_lang, int *consented)
	    __attribute__((warn_unused_result));

/*
 * The step the member is at: the language buttons, else the clause with
 * "I agree", else the welcome. `lead`, when not NULL, is a translated
 * text sent first in the same message.
 */
int	onboard_offer(struct hctx *ctx, const char *lead)
	    __attribute__((warn_unused_result));
/* The language buttons, with `lead` as above. */
int	onboard_language(struct hctx *ctx, const char *lead)
	    __attribute__((warn_unused_result));
/* Everything is set: who answers, when, and where to find help. */
int	onboard_welcome(struct hctx *ctx) __attribute__((warn_unused_result));

/* The clause in the sender's language; a new string, free(). */
char	*onboard_clause(struct hctx *ctx);
/*
 * After relaying a family's message: the new clause with an OK button, if
 * they consented to an older one and have not been shown it yet. Their
 * messages are never held back for it.
 */
int	onboard_clause_renew(struct hctx *ctx)
	    __attribute__((warn_unused_result));

#endif
