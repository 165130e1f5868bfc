/*
 * systemd's notification protocol, without libsystemd: datagrams to
 * $NOTIFY_SOCKET (READY=1, STOPPING=1, STATUS=..., WATCHDOG=1), and the
 * watchdog interval from $WATCHDOG_USEC. Without a notify socket (a run
 * by hand, the tests) every call does nothing.
 */
#ifndef ASYSTENT_SDNOTIFY_H
#define ASYSTENT_SDNOTIFY_H

#include <stdint.h>

/*
 * Sends one state line, e.g. "READY=1\nSTATUS=polling". 0 sent or no
 * socket; -1 when the socket is set but the message did not go (logged
 * once by the caller, never fatal).
 */
int	sdnotify(const char *state);
/* The watchdog interval in ms (WATCHDOG_USEC for this process), or 0. */
int64_t	sdnotify_watchdog_ms(void);

#endif
