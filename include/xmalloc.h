/* Allocation wrappers that log and exit on out-of-memory. */
#ifndef ASYSTENT_XMALLOC_H
#define ASYSTENT_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t size);
void	*xcalloc(size_t nmemb, size_t size);
void	*xrealloc(void *ptr, size_t size);
/* Grows an array of nmemb * size bytes, checking the multiplication. */
void	*xreallocarray(void *ptr, size_t nmemb, size_t size);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);
/* A new string printed like printf; free it with free(). */
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
