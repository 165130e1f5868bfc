/*
 * Message catalogs: gettext .mo files for pl, uk, ru and en, read by us
 * (not by the process locale) so that every message is looked up in its
 * recipient's language. Plural forms follow each language's rules.
 */
#ifndef ASYSTENT_I18N_H
#define ASYSTENT_I18N_H

#include <stddef.h>
#include <time.h>

enum lang {
	LANG_PL,
	LANG_UK,
	LANG_RU,
	LANG_EN,
	LANG_COUNT
};
#define LANG_DEFAULT	LANG_PL

/*
 * Markers for xgettext: N_("text") is a msgid, NP_("one", "many") a plural
 * pair, NC_() one with a context. They expand to the English source text; i18n_get() translates.
 */
#define N_(s)		(s)
#define NP_(s, p)	(s), (p)
/*
 * A msgid with a context (msgctxt), looked up with i18n_pget(): NC_("sms",
 * "text") marks the SMS variant of a text. Expands to the text.
 */
#define NC_(c, s)	(s)

struct i18n;

/*
 * Loads DIR/pl.mo, DIR/uk.mo, DIR/ru.mo and DIR/en.mo. A missing or
 * malformed file, or one whose Plural-Forms differ from the language's
 * rule, is an error: a one-line reason naming the file is written to err.
 */
int	i18n_load(const char *dir, struct i18n **out, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
/* Same from a buffer holding one .mo image (tests, fuzzing). */
int	i18n_load_mo(struct i18n *i, enum lang lang, const void *data,
	    size_t len, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
struct i18n *i18n_new(void);
void	i18n_free(struct i18n *i);

/* The translation of msgid, or msgid itself when there is none. */
const char *i18n_get(const struct i18n *i, enum lang lang, const char *msgid);
/* With a context (msgctxt), e.g. i18n_pget(i, l, "month-gen", "11"). */
const char *i18n_pget(const struct i18n *i, enum lang lang, const char *ctxt,
	    const char *msgid);
/* The plural form of msgid/plural for count n. */
const char *i18n_nget(const struct i18n *i, enum lang lang,
	    const char *msgid, const char *plural, unsigned long n);

/* Index of the plural form for n: 0 one, 1 few, 2 many (en: 0 or 1). */
unsigned i18n_plural(enum lang lang, unsigned long n);
/* How many plural forms the language has: 3 (pl, uk, ru) or 2 (en). */
unsigned i18n_nplurals(enum lang lang);

/* "pl", "uk", "ru", "en". */
const char *lang_code(enum lang lang);
/*
 * From an IETF tag as Telegram sends it ("uk", "en-US", "ru_RU"): the
 * primary subtag, case-insensitive. -1 when it is none of ours.
 */
int	lang_parse(const char *tag, enum lang *out)
	    __attribute__((warn_unused_result));
/* lang_parse() with LANG_DEFAULT for NULL or unknown tags. */
enum lang lang_from_tag(const char *tag);

/*
 * "12 listopada 2025, 14:30" in Europe/Warsaw wall time (the caller has set
 * TZ): day, genitive month name from the catalog, year, time.
 */
int	i18n_format_datetime(const struct i18n *i, enum lang lang, time_t t,
	    char *buf, size_t len);

#endif
