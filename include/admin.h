/*
 * The admin API (doc/admin-api.md): JSON over HTTP on a Unix socket,
 * served on the event loop. Who may connect is decided by the socket's
 * mode (0660) and group; the peer's uid (SO_PEERCRED) goes into the audit
 * table with every change.
 */
#ifndef ASYSTENT_ADMIN_H
#define ASYSTENT_ADMIN_H

#include <stddef.h>

struct app;
struct admin;

/*
 * Creates the socket at app->cfg->admin_socket (removing a stale one
 * that nobody answers on) and starts serving. On error a one-line reason
 * is written to err. Free with admin_free().
 */
int	admin_open(struct app *app, struct admin **out, char *err,
	    size_t errlen) __attribute__((warn_unused_result));
/* Stops accepting connections and removes the socket (at SIGTERM). */
void	admin_stop(struct admin *ad);
void	admin_free(struct admin *ad);

#endif
