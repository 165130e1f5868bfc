/* tgemu: private declarations of the Telegram Bot API emulator. */
#ifndef ASYSTENT_TGEMU_H
#define ASYSTENT_TGEMU_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "../emu/emu_common.h"

struct event;
struct event_base;
struct evhttp;
struct evhttp_request;
struct evhttp_connection;
struct evbuffer;

#define TGEMU_BODY_MAX		(10u * 1024 * 1024)	/* Bot API calls */
/* Control requests carry updates with 10 MB texts, so they may be larger. */
#define TGEMU_CTL_BODY_MAX	(64u * 1024 * 1024)
#define TGEMU_TEXT_MAX		4096	/* UTF-16 units, after entity parsing */
#define TGEMU_CAPTION_MAX	1024
#define TGEMU_CBDATA_MAX	64	/* bytes */
#define TGEMU_ANSWER_MAX	200
#define TGEMU_SENT_MAX		200000
#define TGEMU_SENT_BYTES_MAX	(256u * 1024 * 1024)
#define TGEMU_SENT_PAGE		5000	/* entries per /ctl/sent answer */
#define TGEMU_PENDING_MAX	100000
#define TGEMU_PENDING_BYTES_MAX	(512u * 1024 * 1024)
#define TGEMU_CHATS_MAX		1000000
#define TGEMU_MSG_RING		4096	/* messages kept per chat */
#define TGEMU_CB_RING		65536
#define TGEMU_CB_TTL_MS		15000
#define TGEMU_POLL_MAX_S	50
#define TGEMU_FAILS_MAX		1024
#define TGEMU_GROUP_RING	1024
#define TGEMU_CHAT_SLACK_MS	100
#define TGEMU_COMMANDS_MAX	100

/* Bot API methods; the order matches the table in bot.c. */
enum tg_method {
	TGM_GETME,
	TGM_GETUPDATES,
	TGM_SENDMESSAGE,
	TGM_COPYMESSAGE,
	TGM_ANSWERCALLBACKQUERY,
	TGM_EDITMESSAGETEXT,
	TGM_EDITMESSAGEREPLYMARKUP,
	TGM_SETMYCOMMANDS,
	TGM_GETMYCOMMANDS,
	TGM_DELETEMYCOMMANDS,
	TGM_DELETEWEBHOOK,
	TGM_SENDCHATACTION,
	TGM_SETMESSAGEREACTION,
	TGM_COUNT
};

struct bucket {
	double		 tokens;
	double		 rate;		/* tokens per second */
	double		 cap;
	int64_t		 last_us;
};

/* A message that exists in a chat; obj is the Message as Telegram has it. */
struct msg {
	int64_t		 id;
	cJSON		*obj;
};

struct chat {
	int64_t		 id;
	int		 seen;		/* an update came from it */
	int		 blocked;
	int64_t		 next_msg_id;
	struct msg	*ring;		/* slot = id % ringcap */
	size_t		 ringcap;
	struct bucket	 bucket;
	int64_t		*group_ts;	/* send times, groups only */
	size_t		 group_n;	/* sends recorded so far */
};

struct upd {
	struct upd	*next;
	int64_t		 id;
	char		*json;
	size_t		 len;
};

struct cbq {
	uint64_t	 n;
	int64_t		 created_ms;
	int		 answered;
};

struct sent {
	int64_t		 seq;
	int		 has_chat;
	int64_t		 chat_id;
	char		*json;
	size_t		 len;
};

/* What an injected failure does to a matching call. */
struct action {
	int		 code;		/* 0: answer normally */
	int		 retry_after;
	int		 drop;
	int		 delay_ms;
	char		 description[256];
};

struct failrule {
	char		 method[48];	/* canonical name or "*" */
	int		 has_chat;
	int64_t		 chat_id;
	long		 count;
	struct action	 act;
};

enum held_kind {
	HELD_POLL,	/* a getUpdates long poll */
	HELD_DELAY,	/* an injected delay or drop */
};

/* A Bot API request answered later, from a timer or an injected update. */
struct held {
	struct held		*prev, *next;
	struct emu		*e;
	struct evhttp_request	*req;
	struct evhttp_connection *evcon;
	struct event		*timer;
	struct event		*watch;		/* peer EOF while held */
	enum held_kind		 kind;
	int			 method;
	cJSON			*params;
	struct action		 act;
	int			 limit;		/* HELD_POLL */
};

struct emu {
	struct event_base	*base;
	struct evhttp		*http;
	char			*token;
	char			*username;
	int64_t			 bot_id;

	int			 limits_on;
	/*
	 * getUpdates answers at once, whatever its timeout (a server that
	 * does not hold the long poll).
	 */
	int			 instant_polls;
	double			 global_rate;
	double			 chat_rate;
	int			 group_per_min;
	struct bucket		 global;

	struct upd		*uhead, *utail;
	size_t			 npending;
	size_t			 pending_bytes;
	int64_t			 next_update_id;

	struct held		*held;		/* every held request */
	struct held		*poll;		/* the held getUpdates */

	struct chat		**chats;	/* open addressing */
	size_t			 chatcap;
	size_t			 nchats;

	struct cbq		*cbs;		/* TGEMU_CB_RING slots */
	uint64_t		 cb_base;
	uint64_t		 cb_next;

	struct sent		*sent;		/* ring of TGEMU_SENT_MAX */
	size_t			 sent_head;	/* oldest */
	size_t			 sent_n;
	size_t			 sent_bytes;
	int64_t			 next_seq;

	struct failrule		*fails;
	size_t			 nfails;

	cJSON			*commands;	/* language_code -> array */

	uint64_t		 req_count[TGM_COUNT];
	uint64_t		 delivered;
	uint64_t		 violations;
	uint64_t		 refused_429;
	uint64_t		 injected_failures;
	uint64_t		 polls;
	uint64_t		 conflicts;
	long			 in_flight;
	long			 max_in_flight;
};

/* main.c: HTTP plumbing. Each reply function frees what it is given. */
void	 bot_reply_error(struct evhttp_request *req, int code,
	    const char *description, int retry_after);
void	 bot_reply_ok(struct evhttp_request *req, cJSON *result);
struct held *emu_held_new(struct emu *e, struct evhttp_request *req,
	    enum held_kind kind, int64_t ms,
	    void (*cb)(int, short, void *));
void	 emu_held_free(struct held *h);
/* Ends the held request with this reply; frees h. */
void	 emu_held_finish_error(struct held *h, int code,
	    const char *description, int retry_after);
int64_t	 emu_now_us(void);

/* bot.c */
void	 bot_handle(struct emu *e, struct evhttp_request *req,
	    const char *rest);
const char *bot_method_name(int m);
int	 bot_method_find(const char *name);
/* Answers the held getUpdates, if any, because updates arrived. */
void	 bot_poll_wake(struct emu *e);
const char *bot_default_description(int code);
/* New objects: the bot as a User, a chat as a Chat. */
cJSON	*bot_user_json(const struct emu *e);
cJSON	*bot_chat_json(const struct chat *ch);

/* ctl.c */
void	 ctl_handle(struct emu *e, struct evhttp_request *req,
	    const char *rest);

/* state.c */
void	 emu_state_init(struct emu *e);
void	 emu_state_cleanup(struct emu *e);
struct chat *emu_chat_get(struct emu *e, int64_t id, int create);
int64_t	 emu_chat_store_msg(struct chat *ch, cJSON *obj);
struct msg *emu_chat_find_msg(struct chat *ch, int64_t id);
int	 emu_updates_push(struct emu *e, int64_t id, char *json, size_t len)
	    __attribute__((warn_unused_result));
void	 emu_updates_confirm(struct emu *e, int64_t offset);
void	 emu_sent_record(struct emu *e, const char *method, int has_chat,
	    int64_t chat_id, int64_t message_id, const char *text,
	    const cJSON *params, const cJSON *markup);
void	 emu_sent_clear(struct emu *e);
/* 0: the send may go; else the retry_after seconds of a refusal. */
int	 emu_limits_take(struct emu *e, struct chat *ch);
void	 emu_limits_reset(struct emu *e);
void	 emu_limits_apply(struct emu *e);
uint64_t emu_cb_new(struct emu *e);
/* 0 ok, -1 unknown, answered or too old. */
int	 emu_cb_answer(struct emu *e, const char *id);

/* text.c */
size_t	 emu_utf16_len(const char *s, size_t n);
/*
 * Parses Telegram HTML; on success *plain (a new string) holds the text
 * the user sees and *entities a new array; else err holds the reason.
 */
int	 emu_html_parse(const char *in, size_t n, char **plain,
	    cJSON **entities, char *err, size_t errlen);
enum param_rc {
	P_ABSENT,
	P_OK,
	P_BAD
};
enum param_rc emu_param_int64(const cJSON *p, const char *key, int64_t *out);
/* Strings; numbers are turned into text in buf as the real server does. */
enum param_rc emu_param_str(const cJSON *p, const char *key, const char **out,
	    char *buf, size_t buflen);
enum param_rc emu_param_bool(const cJSON *p, const char *key, int *out);
/* An object or array, or a string holding one; *out is a new cJSON. */
enum param_rc emu_param_json(const cJSON *p, const char *key, cJSON **out);
int	 emu_parse_int64(const char *s, int64_t *out);

#endif
