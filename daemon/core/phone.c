/* Phone number normalisation to E.164 (doc/admin-api.md, Conventions). */
#include <string.h>

#include "phone.h"

/* Separators people type between digit groups. */
static int
phone_is_separator(char c)
{
	return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
}

/* Keeps the digits (and one leading '+'); -1 on anything else. */
static int
phone_strip(const char *in, char *digits, size_t cap, int *plus,
    const char **why)
{
	size_t	 n = 0;

	*plus = 0;
	for (; *in != '\0'; in++) {
		if (phone_is_separator(*in))
			continue;
		if (*in == '+' && n == 0 && !*plus) {
			*plus = 1;
			continue;
		}
		if (*in < '0' || *in > '9') {
			*why = "only digits, spaces, dashes, dots, brackets and "
			    "a leading + are allowed";
			return -1;
		}
		if (n + 1 >= cap) {
			*why = "too many digits";
			return -1;
		}
		digits[n++] = *in;
	}
	digits[n] = '\0';
	return 0;
}

/* Digits after the country code for the codes we know exactly. */
static int
phone_check_country(const char *d, const char **why)
{
	size_t	 len = strlen(d);

	if (d[0] == '0') {
		*why = "a country code cannot start with 0";
		return -1;
	}
	if (strncmp(d, "48", 2) == 0 && len != 2 + 9) {
		*why = "a Polish number has 9 digits after +48";
		return -1;
	}
	if (strncmp(d, "380", 3) == 0 && len != 3 + 9) {
		*why = "a Ukrainian number has 9 digits after +380";
		return -1;
	}
	if (len < 8 || len > 15) {
		*why = "an international number has 8 to 15 digits";
		return -1;
	}
	return 0;
}

int
phone_normalize(const char *in, char out[PHONE_MAX], const char **why)
{
	char		 d[PHONE_MAX + 4];
	const char	*p = d;
	int		 plus;

	out[0] = '\0';
	*why = NULL;
	if (strlen(in) > PHONE_IN_MAX) {
		*why = "too long";
		return -1;
	}
	if (phone_strip(in, d, sizeof d, &plus, why) == -1)
		return -1;
	if (d[0] == '\0') {
		*why = "no digits";
		return -1;
	}
	if (!plus && strncmp(d, "00", 2) == 0) {
		plus = 1;
		p = d + 2;
	}
	if (!plus) {
		if (strlen(d) != 9 || d[0] == '0') {
			*why = "a number without a country code must be a "
			    "Polish number of 9 digits";
			return -1;
		}
		memcpy(out, "+48", 3);
		memcpy(out + 3, d, 10);
		return 0;
	}
	if (phone_check_country(p, why) == -1)
		return -1;
	out[0] = '+';
	memcpy(out + 1, p, strlen(p) + 1);
	return 0;
}
