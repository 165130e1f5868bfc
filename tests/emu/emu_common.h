/* emu_common: the HTTP plumbing the test emulators share. */
#ifndef ASYSTENT_EMU_COMMON_H
#define ASYSTENT_EMU_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct emu;		/* each emulator's own */
struct event;
struct event_base;
struct evhttp;
struct evhttp_request;
struct evbuffer;

struct emuc_reason {
	int		 code;
	const char	*text;
};

struct emuc_limits {
	size_t		 body_max;	/* past it: 413 */
	size_t		 headers_max;
	int		 timeout_s;
};

/* What sets one emulator apart; one emulator runs per process. */
struct emuc_conf {
	const char	*name;		/* log events and the banner: "tgemu" */
	/* getopt's letters: p:P:v, which emuc_init reads, and its own. */
	const char	*optstring;
	/* One of its own letters in optstring, with its value. */
	void		(*opt)(void *arg, int ch, const char *val);
	void		(*usage)(void);	/* prints and exits 64 */
	int		 lax_port;	/* -p "" is taken as 0 */
	struct emuc_limits limits;
	/* A reason phrase besides the common ones. */
	struct emuc_reason reason;
	/* The 500 answer when a JSON answer cannot be printed. */
	const char	*json_oom;
	/* Once listening, before the port file says so; NULL: nothing. */
	void		(*ready)(struct emu *e);
	/* Every request, its path decoded (NULL when it does not decode). */
	void		(*request)(struct evhttp_request *req, const char *path,
			    void *arg);
};

/*
 * Keeps conf (it must stay), reads the options, calling conf->usage on a
 * bad one, sets the log level and ignores SIGPIPE. `arg` goes to the
 * callbacks, conf->opt now and conf->request later.
 */
void	 emuc_init(const struct emuc_conf *conf, int argc, char **argv,
	    void *arg);
/*
 * Makes *base and *http (GET, POST and HEAD), listens on 127.0.0.1 at
 * the -p port (0: a free one), ends the loop on SIGTERM and SIGINT,
 * writes the port to the -P file so that a reader never sees half a
 * number, then prints the banner. -1 after logging; emuc_close() frees
 * *base, and the caller *http, in either case.
 */
int	 emuc_start(struct event_base **base, struct evhttp **http,
	    void *arg) __attribute__((warn_unused_result));
/* Frees the signal events and base (NULL: none). */
void	 emuc_close(struct event_base *base);

/* The reply functions free what they are given. */
void	 emuc_reply_buf(struct evhttp_request *req, int code,
	    const char *ctype, struct evbuffer *body);
void	 emuc_reply_text(struct evhttp_request *req, int code,
	    const char *ctype, const char *body);
void	 emuc_reply_json(struct evhttp_request *req, int code, cJSON *obj);

/* The control API: {"ok":true} merged into obj (NULL: none), 200. */
void	 emuc_ctl_ok(struct evhttp_request *req, cJSON *obj);
/* {"ok":false,"error":"..."}, 400. */
void	 emuc_ctl_error(struct evhttp_request *req, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* A control endpoint, /ctl/<name>. */
struct emuc_ctl_entry {
	const char	*name;
	int		 query;	/* arguments from the query; the body is fn's */
	void		(*fn)(struct emu *, struct evhttp_request *,
			    const cJSON *);
};
/* The entry named `name` in table[n]; NULL after answering 400. */
const struct emuc_ctl_entry *emuc_ctl_find(struct evhttp_request *req,
	    const struct emuc_ctl_entry *table, size_t n, const char *name);
/* Runs ce with its arguments, or answers 400 when they do not parse. */
void	 emuc_ctl_run(struct emu *e, struct evhttp_request *req,
	    const struct emuc_ctl_entry *ce);
/*
 * 0 when s holds valid UTF-8 (by `valid`) of at most max bytes; else,
 * s NULL too, -1 after answering 400.
 */
int	 emuc_ctl_str_check(struct evhttp_request *req, const char *key,
	    const char *s, size_t max, int (*valid)(const char *, size_t));

/*
 * The fields of a form or query string ("a=1&b=2"), decoded, into o as
 * strings, each replacing one of the same name; -1 when s does not parse.
 */
int	 emuc_parse_form(cJSON *o, const char *s)
	    __attribute__((warn_unused_result));

int64_t	 emuc_now_ms(void);		/* monotonic */
int64_t	 emuc_wall_ms(void);

/* Length of the valid UTF-8 sequence at s (n bytes left) and its code
 * point, or 0 for an invalid one. */
size_t	emuc_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp);
/* 1 when all n bytes of s are valid UTF-8. */
int	emuc_utf8_is_valid(const char *s, size_t n);

#endif
