/*
 * Shared by the SMS channel (sms.c) and its drivers (sms_*.c) only; the
 * callback parsers are also what tests/fuzz/fuzz_sms_callback.c drives.
 */
#ifndef ASYSTENT_SMS_PRIV_H
#define ASYSTENT_SMS_PRIV_H

#include <stdint.h>

#include "dispatch.h"
#include "phone.h"
#include "sms.h"

struct evhttp;
struct evkeyvalq;
struct evhttp_request;
struct evhttp_bound_socket;
struct httpc;

struct sms_gateway {
	const char	*name;		/* also the first part of callback paths */
	/* Reads credentials; a one-line reason in err on failure. */
	int		(*init)(struct sms *s, char *err, size_t errlen);
	/* Sends one message; ends with exactly one dispatch_done(). */
	void		(*send)(struct sms *s, struct dispatch_job *job,
			    int64_t outbox_id, const char *to,
			    const char *text);
	/* A callback of `kind` ("mo" or "dlr"), the secret checked. */
	void		(*callback)(struct sms *s, struct evhttp_request *req,
			    const char *kind);
	void		(*cleanup)(struct sms *s);
};

struct listener_guard;

struct sms {
	struct app			*app;
	const struct sms_gateway		*drv;
	struct evhttp			*http;
	struct evhttp_bound_socket	*bound;
	struct listener_guard		*guard;
	void				*drv_state;
	struct sms_answered		*answered;	/* sms_may_answer() */
	size_t				 nanswered;
	void				(*inbound_cb)(void *);
	void				*inbound_arg;
};

#define SMS_ANSWERED_MAX	4096

struct sms_answered {
	unsigned char	 key[16];
	int64_t		 at;		/* unix ms */
};

extern const struct sms_gateway sms_kannel_driver;
extern const struct sms_gateway sms_smsapi_driver;

/* Ends a send with a failure of `status`, the reason printed. */
void	sms_send_fail(struct dispatch_job *job, enum send_status status,
	    int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * An incoming SMS as a gateway's callback gives it. The strings point
 * into the parsed form (struct evkeyvalq) and are NULL when absent.
 */
struct sms_mo {
	const char	*id;		/* the gateway's id of the message */
	const char	*from;		/* the sender, as the gateway has it */
	const char	*text;
	int64_t		 at;		/* unix s, 0 when not given */
};

/* A delivery report as a gateway's callback gives it. */
struct sms_dlr {
	int64_t			 outbox_id;	/* 0: look up gateway_id */
	const char		*gateway_id;	/* or NULL */
	enum sms_delivery	 d;		/* never SMS_DLR_NONE */
	char			 code[64];	/* the gateway's status */
};

/*
 * A callback's query string or form body (`len` bytes, not necessarily
 * NUL-terminated) as fields in `kv`, which the caller clears with
 * evhttp_clear_headers(). -1 when malformed or when it holds a NUL, raw
 * or as %00: decoded, it would cut a value short.
 */
int	sms_form_parse(const char *form, size_t len, struct evkeyvalq *kv)
	    __attribute__((warn_unused_result));

/*
 * The fields of each driver's callbacks: 0, or -2 when malformed (answer
 * 400, the gateway must not retry). Strings point into `kv`.
 */
int	sms_kannel_parse_mo(const struct evkeyvalq *kv, struct sms_mo *mo)
	    __attribute__((warn_unused_result));
int	sms_kannel_parse_dlr(const struct evkeyvalq *kv, struct sms_dlr *dlr)
	    __attribute__((warn_unused_result));
int	sms_smsapi_parse_mo(const struct evkeyvalq *kv, struct sms_mo *mo)
	    __attribute__((warn_unused_result));
/*
 * SMSAPI reports come in batches, as comma-separated lists aligned by
 * position: `fn` is called with each report of a known status, in order,
 * and what it returns other than 0 ends the batch and is returned. -2
 * when the lists are malformed; the reports before it were given to fn.
 * A batch of more than SMS_SMSAPI_DLR_MAX reports is refused whole (-2)
 * before any is given: SMSAPI sends at most 5, and each report is a
 * transaction of its own on the loop.
 */
#define SMS_SMSAPI_DLR_MAX	100
int	sms_smsapi_parse_dlr(const struct evkeyvalq *kv,
	    int (*fn)(void *arg, const struct sms_dlr *dlr), void *arg)
	    __attribute__((warn_unused_result));

/*
 * Checks an incoming SMS: an id of 1-128 bytes, a sender that normalises
 * (a gateway's "48600100200" too) into `phone`, a text in valid UTF-8 of
 * at most INBOUND_TEXT_MAX bytes. 0, or -2 when malformed.
 */
int	sms_mo_check(const struct sms_mo *mo, char phone[PHONE_MAX])
	    __attribute__((warn_unused_result));

/*
 * The inbound row's payload of a checked incoming SMS, `phone` its
 * sender from sms_mo_check(): what sms_parse_inbound() reads back. A new
 * string, or NULL when out of memory; wipe and free() it.
 */
char	*sms_mo_record(const struct sms_mo *mo, const char *phone,
	    const char *gateway);

/*
 * Stores an incoming SMS (committed when this returns 0) and has it
 * handled; `gateway` is the driver's name. The gateway's id of the
 * message makes a redelivery of the same id stored once. -1: not stored
 * (the gateway should retry); -2: refused by sms_mo_check() (answer 400,
 * do not retry).
 */
int	sms_record_mo(struct sms *s, const char *gateway,
	    const struct sms_mo *mo) __attribute__((warn_unused_result));

/*
 * Applies a delivery report to its outbox row (by outbox_id or, when 0,
 * the row the gateway knows as gateway_id). A report for no known row
 * is logged and accepted. A failure is never downgraded by a later
 * report. Committed when it returns 0.
 */
int	sms_record_dlr(struct sms *s, const struct sms_dlr *dlr)
	    __attribute__((warn_unused_result));

/* Reads the first line of a secret file into a new string; NULL + err. */
char	*sms_read_secret(const char *path, char *err, size_t errlen);

/* The callback URL of `kind` with the secret, for the gateway; free(). */
char	*sms_callback_url(struct sms *s, const char *kind);

/*
 * Answers a gateway's callback by what recording it returned: 0 taken
 * (200), -1 not now (503: the gateway tries again), -2 malformed (400,
 * logged with the gateway and the kind, "mo" or "dlr").
 */
void	sms_answer(struct evhttp_request *req, int rc, const char *gateway,
	    const char *kind);

#endif
