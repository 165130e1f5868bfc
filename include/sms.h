/*
 * The SMS channel: a driver per gateway (Kannel's sendsms, SMSAPI.pl's
 * REST API) behind one interface, and one listener for the gateways'
 * callbacks: delivery reports and incoming messages. A callback is
 * committed to the database before it is answered; every callback path
 * carries the configured secret.
 */
#ifndef ASYSTENT_SMS_H
#define ASYSTENT_SMS_H

#include <stddef.h>
#include <stdint.h>

#include "dispatch.h"
#include "inbound.h"
#include "outbox.h"

struct app;
struct sms;

/* Delivery as the gateway reports it (outbox.delivery). */
enum sms_delivery {
	SMS_DLR_NONE = 0,
	SMS_DLR_QUEUED = 1,	/* accepted by the gateway or the SMSC */
	SMS_DLR_DELIVERED = 2,
	SMS_DLR_FAILED = 3,
	SMS_DLR_EXPIRED = 4
};

struct sms	*sms_new(struct app *app);
/* Reads the driver's credentials and opens the callback listener. */
int		 sms_start(struct sms *s, char *err, size_t errlen)
		    __attribute__((warn_unused_result));
/*
 * Stops taking callbacks (SIGTERM); those already accepted are still
 * answered, and counted by sms_busy().
 */
void		 sms_stop(struct sms *s);
int		 sms_busy(const struct sms *s);
void		 sms_free(struct sms *s);
int		 sms_enabled(const struct sms *s);
/* Called after an incoming SMS was committed, to handle it. */
void		 sms_set_inbound_cb(struct sms *s, void (*fn)(void *),
		    void *arg);

/* The dispatcher's sender for CHANNEL_SMS. */
void		 sms_send(void *arg, struct dispatch_job *job,
		    const struct outbox_row *row, const char *params,
		    size_t len);

/* A stored incoming SMS (its JSON payload) as struct inbound. */
int		 sms_parse_inbound(const char *raw, size_t len,
		    struct inbound *in, char *why, size_t whylen)
		    __attribute__((warn_unused_result));

const char	*sms_delivery_name(enum sms_delivery d);

/*
 * 1 when an automatic answer may go to this phone now: at most one a day
 * per number, so a stranger's or a machine's messages cannot run up a
 * bill. Kept in memory only, by blind index.
 */
int		 sms_may_answer(struct sms *s, const char *phone);


#endif
