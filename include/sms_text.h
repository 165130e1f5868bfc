/*
 * SMS text: GSM-7 or UCS-2 by content, part counts, splitting into
 * concatenated parts with their UDH, STOP/START keywords. Pure functions,
 * no I/O (../shared/reference/gsm7.md).
 */
#ifndef ASYSTENT_SMS_TEXT_H
#define ASYSTENT_SMS_TEXT_H

#include <stddef.h>

#define SMS_GSM7_SINGLE	160	/* septets in one SMS */
#define SMS_GSM7_CONCAT	153	/* septets per part after the UDH */
#define SMS_UCS2_SINGLE	70	/* UTF-16 units in one SMS */
#define SMS_UCS2_CONCAT	67	/* UTF-16 units per part after the UDH */
#define SMS_UDH_LEN	6	/* 05 00 03 <ref> <total> <seq> */
#define SMS_PARTS_MAX	255	/* the UDH's one-octet total */

/* The values are Kannel's sendsms `coding`. */
enum sms_coding {
	SMS_CODING_GSM7 = 0,
	SMS_CODING_UCS2 = 2
};

enum sms_text_result {
	SMS_TEXT_OK = 0,
	SMS_TEXT_BAD_UTF8,	/* overlong, surrogate, past U+10FFFF, cut */
	SMS_TEXT_HAS_NUL,	/* a NUL byte within the given length */
	SMS_TEXT_TOO_LONG	/* sms_text_split() only: over the cap */
};

enum sms_keyword {
	SMS_KW_NONE = 0,
	SMS_KW_STOP,
	SMS_KW_START
};

struct sms_count {
	enum sms_coding	 coding;
	size_t		 units;		/* septets (GSM-7) or UTF-16 units */
	size_t		 parts;		/* 1 for the empty text */
	unsigned int	 max_parts;	/* the cap actually applied */
	int		 over_cap;	/* parts > max_parts */
};

struct sms_part {
	char		*text;		/* UTF-8, NUL-terminated */
	size_t		 len;		/* bytes of text */
	size_t		 units;		/* septets or UTF-16 units */
	unsigned char	 udh[SMS_UDH_LEN];
	size_t		 udh_len;	/* SMS_UDH_LEN, or 0 for a single SMS */
};

struct sms_split {
	enum sms_coding	 coding;
	size_t		 nparts;
	struct sms_part	*parts;
};

/*
 * What the text costs as SMS. Before counting, a letter followed by one
 * combining mark is composed as NFC would (only these: grave, acute,
 * tilde, diaeresis and cedilla on a e i o u n c y and capitals where
 * Latin-1 has the result; ring on a/A; Polish ą ę ć ń ó ś ź ż and
 * capitals); so e + U+0301 is GSM-7 "é". Any other character outside the
 * GSM default and extension tables makes the whole text UCS-2, where a
 * character past U+FFFF takes 2 units; an extension character takes 2
 * septets. Parts are counted the way sms_text_split() packs them, so an
 * ESC pair or a surrogate pair that does not fit at the end of a part
 * moves whole to the next one.
 * `len` bytes of `text` are read; a NUL among them is refused. max_parts
 * 0 or past SMS_PARTS_MAX means SMS_PARTS_MAX. Over the cap is not an
 * error here: *out says so. *out is zeroed on error.
 */
enum sms_text_result sms_text_count(const char *text, size_t len,
	    unsigned int max_parts, struct sms_count *out)
	    __attribute__((warn_unused_result));

/*
 * Splits the text into the parts of sms_text_count(), each with the
 * UDH 05 00 03 <ref> <total> <seq> (seq from 1), or one part without a
 * UDH when the text fits one SMS. Parts are filled greedily; a part that
 * must be cut ends after the last space or newline of its last fifth if
 * there is one, else outside a grapheme (combining mark, ZWJ sequence,
 * skin tone, flag) if it can; never inside an ESC or surrogate pair. A
 * nicer cut is dropped if it would cost an extra part. The parts joined
 * give back the text (composed as above, so byte for byte the input when
 * it has no such combining sequence).
 * Sending with a UDH through Kannel: pass coding (0 or 2) explicitly,
 * else Kannel switches to 8-bit.
 * On success *out is new; free it with sms_text_split_free(). Over the
 * cap: SMS_TEXT_TOO_LONG and *out NULL (sms_text_count() says by how
 * much, for sms_text_describe()).
 */
enum sms_text_result sms_text_split(const char *text, size_t len,
	    unsigned int max_parts, unsigned char ref, struct sms_split **out)
	    __attribute__((warn_unused_result));
/* Takes NULL. */
void	sms_text_split_free(struct sms_split *s);

/*
 * A human reason for the relay: for SMS_TEXT_TOO_LONG, or SMS_TEXT_OK
 * with c->over_cap, exactly "too long for SMS: 9 parts, limit 6" (just
 * "too long for SMS" when c is NULL); "not valid UTF-8"; "contains a NUL
 * character"; for SMS_TEXT_OK the cost ("2 parts, GSM-7, 161 septets",
 * "1 part, UCS-2, 8 units"). `c` may be NULL but for SMS_TEXT_OK. Writes
 * into buf (truncating) and returns it.
 */
const char *sms_text_describe(enum sms_text_result r,
	    const struct sms_count *c, char *buf, size_t size);

/*
 * SMS_KW_STOP or SMS_KW_START when the whole message is that one word,
 * STOP/START/СТОП/СТАРТ in any case, with or without diacritics and
 * combining marks, surrounded by nothing but whitespace and punctuation
 * ("Stóp!", " стоп. "). Anything else, invalid UTF-8 included, is
 * SMS_KW_NONE ("please stop calling", "stop stop").
 */
enum sms_keyword sms_text_keyword(const char *text);

#endif
