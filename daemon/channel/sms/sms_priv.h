/* Shared by the SMS channel (sms.c) and its drivers (sms_*.c) only. */
#ifndef ASYSTENT_SMS_PRIV_H
#define ASYSTENT_SMS_PRIV_H

#include <stdint.h>

#include "dispatch.h"
#include "sms.h"

struct evhttp;
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
 * Stores an incoming SMS (committed when this returns 0) and has it
 * handled. `id` is the gateway's id of the message: a redelivery of the
 * same id is stored once. -1: not stored (the gateway should retry);
 * -2: refused as malformed (answer 400, do not retry).
 */
int	sms_record_mo(struct sms *s, const char *gateway, const char *id,
	    const char *from, const char *text, int64_t at)
	    __attribute__((warn_unused_result));

/*
 * Applies a delivery report to the outbox row `outbox_id` (or, when 0,
 * the row the gateway knows as `gateway_id`). A report for no known row
 * is logged and accepted. A failure is never downgraded by a later
 * report. Committed when it returns 0.
 */
int	sms_record_dlr(struct sms *s, int64_t outbox_id, const char *gateway_id,
	    enum sms_delivery d, const char *code)
	    __attribute__((warn_unused_result));

/* Reads the first line of a secret file into a new string; NULL + err. */
char	*sms_read_secret(const char *path, char *err, size_t errlen);

/* The callback URL of `kind` with the secret, for the gateway; free(). */
char	*sms_callback_url(struct sms *s, const char *kind);

/* True when the raw query or body holds %00 (refuse the callback). */
int	sms_has_escaped_nul(const char *s, size_t len);

/* Answers a callback with `status` and a short text body. */
void	sms_reply(struct evhttp_request *req, int status, const char *body);

#endif
