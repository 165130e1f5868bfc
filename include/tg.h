/*
 * The Telegram channel: getUpdates long polling, the Bot API calls the
 * dispatcher makes, the parser of Update objects, and (tg_out.c) the
 * channel interface's encoding of messages as Bot API calls. Nothing
 * outside channel/telegram/ knows the Bot API's wire format.
 */
#ifndef ASYSTENT_TG_H
#define ASYSTENT_TG_H

#include <stddef.h>
#include <stdint.h>

#include "dispatch.h"
#include "i18n.h"
#include "inbound.h"

#define TG_TEXT_MAX	4096	/* UTF-16 code units per message */

struct cJSON;
struct event_base;
struct httpc;
struct config;
struct store;
struct inbound_store;
struct tg;

enum tg_state {
	TG_STARTING,
	TG_CONNECTED,		/* the last poll succeeded */
	TG_RETRYING,		/* network or server errors */
	TG_UNAUTHORIZED,	/* the token was refused */
	TG_CONFLICT		/* another poller or a webhook */
};

/* Called after updates were committed, to handle them. */
typedef void	(*tg_inbound_fn)(void *arg);
/*
 * Handles one update just stored (row `row`; `in` NULL when it could not
 * be parsed) inside the transaction that stores it, as router_route()
 * does: 0 when handled (or marked unusable), 1 when left pending for the
 * tg_inbound_fn, -1 when, not `alone`, it failed: the transaction is
 * rolled back and the answer stored again with each update alone.
 */
typedef int	(*tg_route_fn)(void *arg, int64_t row, struct inbound *in,
		    int alone);

struct tg	*tg_new(struct event_base *base, struct httpc *h,
		    const struct config *cfg, struct store *st,
		    struct inbound_store *is);
void		 tg_free(struct tg *t);
void		 tg_set_inbound_cb(struct tg *t, tg_inbound_fn fn, void *arg);
void		 tg_set_route_cb(struct tg *t, tg_route_fn fn, void *arg);

/* One entry of the command menu families see, in each language. */
struct tg_command {
	const char	*command;		/* "help", without the slash */
	const char	*description[LANG_COUNT];
};

/* The command menu in each language, read until tg_free(). */
void		 tg_set_menu(struct tg *t, const struct tg_command *menu,
		    size_t n);
/* getMe, the command menu, then polling. */
int		 tg_start(struct tg *t) __attribute__((warn_unused_result));
/* Stops polling; the open getUpdates is abandoned (nothing was acked). */
void		 tg_stop(struct tg *t);

/* The dispatcher's sender for CHANNEL_TELEGRAM. */
void		 tg_send(void *arg, struct dispatch_job *job,
		    const struct outbox_row *row, const char *params,
		    size_t len);

enum tg_state	 tg_get_state(const struct tg *t);
const char	*tg_state_name(enum tg_state s);
/* The bot's username from getMe, or NULL before it answered. */
const char	*tg_username(const struct tg *t);
int64_t		 tg_offset(const struct tg *t);

/*
 * Parses one Update (JSON text) into `in`. Returns 0, or -1 with a short
 * reason (no personal data) in `why` for malformed or unsupported updates.
 */
int		 tg_parse_update(const char *json, size_t len,
		    struct inbound *in, char *why, size_t whylen)
		    __attribute__((warn_unused_result));
/*
 * The same, of the update parsed already as `root` from `json`; NULL
 * when that text's NUL escapes were replaced before it was parsed.
 */
int		 tg_parse_tree(const struct cJSON *root, const char *json,
		    size_t len, struct inbound *in, char *why, size_t whylen)
		    __attribute__((warn_unused_result));

/* Classifies a Bot API answer for the dispatcher. */
void		 tg_classify(long http_status, const char *body, size_t len,
		    long retry_after_header, struct send_result *res);

/*
 * Length of a UTF-8 string in UTF-16 code units, as Telegram counts it;
 * -1 if it is not strict UTF-8 (utf8.h) or holds a NUL.
 */
long		 tg_utf16_len(const char *s, size_t len);
/* Whether tg_utf16_len() takes it: strict UTF-8 without NUL. */
int		 tg_utf8_valid(const char *s, size_t len);

#endif
