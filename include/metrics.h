/*
 * Metrics for Prometheus: GET /metrics on the listener `metrics.listen`,
 * off when that is empty. Counts, states, durations and sizes only:
 * never an id, name, number or text of anyone.
 */
#ifndef ASYSTENT_METRICS_H
#define ASYSTENT_METRICS_H

#include <stddef.h>

struct app;
struct metrics;

/*
 * Starts listening on app->cfg->metrics_listen; when it is empty, *out
 * is NULL and nothing listens. On error a one-line reason is written to
 * err. Free with metrics_free().
 */
int	metrics_open(struct app *app, struct metrics **out, char *err,
	    size_t errlen) __attribute__((warn_unused_result));
/* Stops accepting connections (at SIGTERM). Takes NULL. */
void	metrics_stop(struct metrics *m);
/* Takes NULL. */
void	metrics_free(struct metrics *m);

#endif
