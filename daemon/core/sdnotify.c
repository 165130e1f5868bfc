/* systemd's notification protocol: one datagram per state change. */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sdnotify.h"

int
sdnotify(const char *state)
{
	struct sockaddr_un	 sa;
	const char		*path = getenv("NOTIFY_SOCKET");
	socklen_t		 salen;
	size_t			 n;
	ssize_t			 w;
	int			 fd, saved;

	if (path == NULL || *path == '\0')
		return 0;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof sa.sun_path)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, n);
	/* "@name" is the abstract namespace: a leading NUL, no terminator. */
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (path[0] == '@' ? 0 : 1));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	w = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sa, salen);
	saved = errno;
	close(fd);
	errno = saved;
	return w == (ssize_t)strlen(state) ? 0 : -1;
}

int64_t
sdnotify_watchdog_ms(void)
{
	const char	*usec = getenv("WATCHDOG_USEC");
	const char	*pid = getenv("WATCHDOG_PID");
	char		*end;
	long long	 v;

	if (usec == NULL)
		return 0;
	/* Meant for another process (a child would inherit it). */
	if (pid != NULL && strtoll(pid, &end, 10) != (long long)getpid())
		return 0;
	errno = 0;
	v = strtoll(usec, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return 0;
	return (int64_t)(v / 1000);
}
