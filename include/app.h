/* The daemon's parts, wired together once in main.c. */
#ifndef ASYSTENT_APP_H
#define ASYSTENT_APP_H

#include <stdint.h>

#include "hist.h"
#include "reminders.h"

struct config;
struct keys;
struct store;
struct i18n;
struct event_base;
struct httpc;
struct tg;
struct outbox;
struct inbound_store;
struct dispatch;
struct router;
struct people;
struct admin;
struct conv;
struct history;
struct hours;
struct sms;
struct metrics;
struct visits;
struct visit_remind;
struct visit_agenda;
struct notices;
struct broadcasts;
struct bcsend;
struct retention;

struct app {
	struct config		*cfg;
	struct keys		*keys;
	struct keystore		*keystore;	/* the families' keys */
	struct rotate		*rotate;	/* the master key's rotation */
	struct store		*st;
	struct i18n		*i18n;
	struct event_base	*base;
	struct httpc		*http;
	struct tg		*tg;
	struct outbox		*ob;
	struct inbound_store	*is;
	struct dispatch		*disp;
	struct router		*router;
	struct people		*people;
	struct admin		*admin;
	struct conv		*conv;
	struct history		*history;
	struct hours		*hours;		/* office hours, holidays */
	struct sms		*sms;		/* NULL-safe: no driver, no SMS */
	struct metrics		*metrics;	/* NULL: metrics.listen is off */
	struct visits		*visits;	/* visits, events, reminders */
	struct reminders_cfg	 reminders;	/* [reminders], checked */
	struct visit_remind	*remind;	/* the reminders' timer */
	struct visit_agenda	*agenda;	/* the morning agenda */
	int64_t			 started_at;	/* unix ms */
	/* Each inbound row's time from taken by the router to committed. */
	struct hist		 handling;
	struct notices		*notices;	/* staff's notice templates */
	struct broadcasts	*broadcasts;	/* broadcasts, recipients */
	struct bcsend		*bcsend;	/* queues them in slices */
	struct retention	*retention;	/* the daily purges */
};

#endif
