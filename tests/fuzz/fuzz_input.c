/*
 * libFuzzer harness for the small parsers of outside input that staff and
 * gateways reach: phone numbers (admin API, SMS callbacks), names, texts
 * and dates (admin API), stored SMS records, and the expansion of catalog
 * formats. Build and run with `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inbound.h"
#include "log.h"
#include "phone.h"
#include "reply.h"
#include "sms.h"
#include "tg.h"
#include "validate.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init(LOGL_ERR);
	return 0;
}

static void
fuzz_phone(const char *s)
{
	char		 out[PHONE_MAX];
	const char	*why = NULL;

	if (phone_normalize(s, out, &why) == 0) {
		/* Normal form is stable and E.164. */
		char	 again[PHONE_MAX];

		if (out[0] != '+' || strlen(out) > 16 ||
		    phone_normalize(out, again, &why) != 0 ||
		    strcmp(out, again) != 0)
			abort();
	} else if (why == NULL)
		abort();
}

static void
fuzz_sms_record(const char *s, size_t len)
{
	struct inbound	 in;
	char		 why[96];

	if (sms_parse_inbound(s, len, &in, why, sizeof why) == 0 &&
	    (in.phone == NULL || in.text == NULL))
		abort();
	inbound_clear(&in);
}

static void
fuzz_expand(const char *s)
{
	const char	*args[] = { "R-0042", "Olena" };
	char		*out = text_expand(s, args, 2);

	if (out == NULL)
		abort();
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*why;
	char		*s;

	if (size > 65536)
		return 0;
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_phone(s);
	fuzz_sms_record(s, size);
	fuzz_expand(s);
	(void)validate_name(s, &why);
	(void)validate_text(s, 1, 2000, 1, &why);
	(void)validate_date(s);
	(void)validate_lang(s);
	if (validate_name(s, &why) == 0 && !tg_utf8_valid(s, strlen(s)))
		abort();
	free(s);
	return 0;
}
