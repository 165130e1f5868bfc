/*
 * libFuzzer harness for the .mo loader: any input must load or be refused,
 * never read out of bounds. Seed it with the .mo files in build/messages.
 */
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "i18n.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Lookups that walk the tables of a catalog that loaded. */
static void
exercise(const struct i18n *i, enum lang lang)
{
	static const char *const ids[] = {
		"", "Help and commands", "Start, or link an invitation code",
		"zzzz", "\x01",
	};
	char		 buf[128];
	size_t		 k;
	unsigned long	 n;

	for (k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
		(void)i18n_get(i, lang, ids[k]);
		(void)i18n_pget(i, lang, "month-gen", ids[k]);
	}
	for (n = 0; n < 6; n++)
		(void)i18n_nget(i, lang, "%lu message", "%lu messages", n);
	(void)i18n_format_datetime(i, lang, (time_t)1762954200, buf,
	    sizeof(buf));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct i18n	*i = i18n_new();
	char		 err[256];
	int		 l;

	/* Each language has its own Plural-Forms, so try them all. */
	for (l = 0; l < LANG_COUNT; l++)
		if (i18n_load_mo(i, (enum lang)l, data, size, err,
		    sizeof(err)) == 0)
			exercise(i, (enum lang)l);
	i18n_free(i);
	return 0;
}
