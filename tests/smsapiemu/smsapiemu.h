/* smsapiemu: private declarations of the SMSAPI.pl emulator. */
#ifndef ASYSTENT_SMSAPIEMU_H
#define ASYSTENT_SMSAPIEMU_H

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

#define SE_BODY_MAX		(1024u * 1024)	/* past it: 413 */
#define SE_HEADERS_MAX		(64u * 1024)
#define SE_SENT_MAX		200000	/* messages kept; past it: error 201 */
#define SE_RECIPIENTS_MAX	100	/* numbers in one request */
#define SE_PARTS_MAX		10	/* SMSAPI's max_parts ceiling */
#define SE_FROM_MAX		11
#define SE_IDX_MAX		255
#define SE_URL_MAX		2048
#define SE_STATUS_RULES_MAX	4096
#define SE_FAILS_MAX		1024
#define SE_DLR_BATCH_MAX	5	/* reports in one callback */
#define SE_CB_REPLY_MAX		(64u * 1024)	/* callback answers we read */
#define SE_CB_TIMEOUT_S		5
#define SE_MO_TEXT_MAX		(64u * 1024)
#define SE_POINTS_PER_PART	165	/* thousandths of a point */
#define SE_USERNAME		"asystent-test"

enum se_dlr_state {
	SE_DLR_NONE,		/* no notify_url */
	SE_DLR_WAITING,		/* due later */
	SE_DLR_CALLING,		/* a callback is in flight */
	SE_DLR_OK,		/* the callback answered 200 "OK" */
	SE_DLR_GAVE_UP		/* retries exhausted */
};

/* One accepted message to one number. */
struct se_msg {
	int64_t			 seq;
	char			 id[32];
	char			*idx;		/* NULL: none given */
	char			 number[20];
	char			*submitted;
	char			*from;
	char			*text;
	int			 parts;
	int			 length;	/* septets or UTF-16 units */
	int			 ucs2;
	int64_t			 time_ms;	/* wall clock */
	int64_t			 points;	/* thousandths */
	char			*notify_url;
	int			 status;	/* 409 QUEUE until reported */
	int			 final_status;	/* what the report says */
	int64_t			 done_s;	/* donedate */
	enum se_dlr_state	 dlr;
	int			 attempts;
	int64_t			 due_ms;	/* monotonic */
};

struct se_fail {
	int		 code;		/* SMSAPI error code, 0: none */
	int		 http;		/* HTTP status, 0: 200 */
	int		 drop;
	long		 count;
};

struct se_status_rule {
	char		 number[20];
	int		 status;
};

struct se_dlr_conf {
	int64_t		 delay_ms;
	int		 batch;
	int		 retries;	/* after the first call */
	int64_t		 backoff_ms;	/* doubled per retry */
};

/* An outgoing callback (a delivery report or an incoming SMS). */
struct se_call;

struct se_stats {
	uint64_t	 requests;
	uint64_t	 accepted_requests;
	uint64_t	 accepted;	/* messages */
	uint64_t	 rejected[1000];/* by SMSAPI error code */
	uint64_t	 http_errors[600];
	uint64_t	 dropped;
	uint64_t	 dlr_calls;
	uint64_t	 dlr_reports;	/* MsgIds carried by those calls */
	uint64_t	 dlr_failed;	/* calls not answered 200 "OK" */
	uint64_t	 dlr_gave_up;
	uint64_t	 mo_calls;
	uint64_t	 mo_failed;
};

struct emu {
	struct event_base	*base;
	struct evhttp		*http;
	char			*token;
	int64_t			 start_points;	/* thousandths */
	int64_t			 points;
	int64_t			 down_until_ms;	/* monotonic */

	struct se_msg		*msgs;
	size_t			 nmsgs;
	size_t			 msgcap;
	uint64_t		 next_id;
	uint64_t		 generation;	/* bumped by reset */

	char			**idx_tab;	/* open addressing */
	size_t			 idx_cap;
	size_t			 idx_n;

	struct se_status_rule	*rules;
	size_t			 nrules;
	struct se_fail		*fails;
	size_t			 nfails;

	struct se_dlr_conf	 dlr;
	struct event		*dlr_timer;
	size_t			*wait;		/* msgs indexes, reports due */
	size_t			 nwait;
	size_t			 waitcap;

	struct se_call		*calls;		/* in flight */
	struct se_stats		 st;
};

/* main.c: HTTP plumbing. The reply functions free what they are given. */
/* The SMSAPI error answer: {"error":code,"message":...}, extra merged. */
void	 se_reply_error(struct evhttp_request *req, int http, int code,
	    const char *message, cJSON *extra);
/* Ends the request by closing its connection without an answer. */
void	 se_drop(struct evhttp_request *req);

/* sms.c */
void	 se_sms_handle(struct emu *e, struct evhttp_request *req);
/* 0 and out (digits, 48 prepended to 9-digit numbers), or -1. */
int	 se_sms_number_normalize(const char *in, char *out, size_t outlen)
	    __attribute__((warn_unused_result));
int	 se_sms_status_code(const char *name);	/* -1 when unknown */
const char *se_sms_status_name(int code);
int	 se_sms_status_for(const struct emu *e, const char *number);
void	 se_sms_state_init(struct emu *e);
/* Forgets messages, idx values, rules and counters. */
void	 se_sms_state_clear(struct emu *e);
void	 se_sms_state_cleanup(struct emu *e);
cJSON	*se_sms_msg_json(const struct se_msg *m);

/* text.c */
/* GSM-7 (extension characters 2 septets) or UCS-2 (UTF-16 units). */
struct se_count {
	int	 ucs2;
	int	 length;
	int	 parts;
};
void	 se_text_count(const char *s, struct se_count *c);

/* callback.c */
void	 se_cb_init(struct emu *e);
/* Queues the delivery report of e->msgs[i] after the configured delay. */
void	 se_cb_dlr_schedule(struct emu *e, size_t i);
/* Cancels every waiting report (after a reset). */
void	 se_cb_dlr_clear(struct emu *e);
struct se_mo {
	const char	*from;
	const char	*to;
	const char	*text;
	const char	*url;
	const char	*msg_id;
	int		 post;
	int64_t		 date;
};
/* Calls the MO URL, then answers req with what the callback said. */
void	 se_cb_mo_start(struct emu *e, struct evhttp_request *req,
	    const struct se_mo *mo);
/* Parses an http:// URL; 0 when usable by the callback client. */
int	 se_cb_url_check(const char *url) __attribute__((warn_unused_result));
/* Frees calls in flight (shutdown); held control requests get 503. */
void	 se_cb_cleanup(struct emu *e);

/* ctl.c */
void	 se_ctl_handle(struct emu *e, struct evhttp_request *req,
	    const char *rest);

#endif
