/*
 * The morning agenda: at the start of office hours each assistant with
 * visits that day gets them in Telegram, one line each (time, family
 * code, the contact's first name, place, the family's answer), visits
 * still unanswered since the evening before marked. Sent once a day
 * (the day is kept in the meta table), also when the daemon starts
 * later that day.
 */
#ifndef ASYSTENT_VISIT_AGENDA_H
#define ASYSTENT_VISIT_AGENDA_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "i18n.h"

/* Local hour of "the evening before": unanswered since then is marked. */
#define VISIT_AGENDA_EVENING_H	18

struct app;
struct visit_agenda;

struct visit_agenda *visit_agenda_new(struct app *app);
void	visit_agenda_free(struct visit_agenda *va);
/*
 * Sends today's agendas (the local day of `now`, unix s) unless they
 * went already; *sent counts the assistants written to. -1: storage.
 */
int	visit_agenda_run(struct app *app, time_t now, size_t *sent)
	    __attribute__((warn_unused_result));

#endif
