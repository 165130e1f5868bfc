/*
 * Allocation wrappers that log and exit on out-of-memory, and the strings
 * built with them.
 */
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
/*
 * The strings up to the NULL one after another, as a new string: what
 * xasprintf("%s%s..") gives, without parsing a format (hot paths).
 */
char	*xstrjoin(const char *s, ...) __attribute__((sentinel));
/*
 * src into dst of `size` bytes, cut as snprintf(dst, size, "%s", src)
 * would cut it (bytes, NUL-terminated); strlen(src).
 */
size_t	 str_copy(char *dst, const char *src, size_t size);

#endif
