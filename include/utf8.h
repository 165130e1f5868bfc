/*
 * UTF-8, strictly, in one place. Well-formed means what Unicode allows
 * (table 3-7): no overlong forms, no surrogates (U+D800-DFFF), nothing
 * past U+10FFFF, no sequence cut short by the end of the buffer. U+0000
 * is a character like any other here; callers that refuse NUL say so.
 */
#ifndef ASYSTENT_UTF8_H
#define ASYSTENT_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the character at s, reading at most len bytes. Returns its
 * length in bytes (1-4) with the code point in *cp, or 0 when s does not
 * start a well-formed sequence within len bytes (len 0 included); *cp is
 * then left alone.
 */
size_t	utf8_decode(const char *s, size_t len, uint32_t *cp)
	    __attribute__((warn_unused_result));

/*
 * The offset of the first byte of s that does not start a well-formed
 * sequence, or len when all of s is well-formed.
 */
size_t	utf8_check(const char *s, size_t len)
	    __attribute__((warn_unused_result));

/* 1 if the len bytes at s are well-formed UTF-8, else 0. */
int	utf8_is_valid(const char *s, size_t len)
	    __attribute__((warn_unused_result));

/*
 * The length of s in UTF-16 code units, as Telegram and UCS-2 SMS count
 * it: two for a character past U+FFFF, one for any other. -1 if s is not
 * well-formed.
 */
long	utf8_utf16_len(const char *s, size_t len)
	    __attribute__((warn_unused_result));

/*
 * The start of the character that ends before byte offset `at` (> 0) of
 * well-formed s: the nearest place before `at` where s may be cut.
 */
size_t	utf8_prev(const char *s, size_t at);

/* Whether byte b continues a sequence (10xxxxxx) rather than starts one. */
int	utf8_is_cont(unsigned char b);

#endif
