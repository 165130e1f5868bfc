/* Allocation wrappers: out of memory is the one failure we do not survive. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

static void __attribute__((noreturn))
xmalloc_fail(size_t size)
{
	log_err("event=oom bytes=%zu", size);
	abort();
}

void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		xmalloc_fail(size);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if ((p = calloc(nmemb, size)) == NULL)
		xmalloc_fail(nmemb * size);
	return p;
}

void *
xrealloc(void *ptr, size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = realloc(ptr, size)) == NULL)
		xmalloc_fail(size);
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		xmalloc_fail(SIZE_MAX);
	return xrealloc(ptr, nmemb * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	n = strnlen(s, n);
	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	 small[256], *p;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		xmalloc_fail(0);
	p = xmalloc((size_t)n + 1);
	if ((size_t)n < sizeof small) {
		memcpy(p, small, (size_t)n + 1);
		return p;
	}
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

char *
xstrjoin(const char *s, ...)
{
	va_list		 ap;
	const char	*p;
	char		*out, *q;
	size_t		 len = 0, n;

	va_start(ap, s);
	for (p = s; p != NULL; p = va_arg(ap, const char *)) {
		n = strlen(p);
		if (n >= SIZE_MAX - len)
			xmalloc_fail(SIZE_MAX);
		len += n;
	}
	va_end(ap);
	q = out = xmalloc(len + 1);
	va_start(ap, s);
	for (p = s; p != NULL; p = va_arg(ap, const char *)) {
		n = strlen(p);
		memcpy(q, p, n);
		q += n;
	}
	va_end(ap);
	*q = '\0';
	return out;
}

size_t
str_copy(char *dst, const char *src, size_t size)
{
	size_t	 len = strlen(src), n;

	if (size > 0) {
		n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
