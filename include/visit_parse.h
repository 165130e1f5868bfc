/*
 * What an assistant types after /visit: "R-0042 9.12 10:00 biuro". The
 * family's code, a day ("9.12", "9.12.2026", jutro / завтра, dziś /
 * сьогодні, a weekday in Polish or Ukrainian: the next one), a time
 * ("10:00", "10.00", "10"), then optionally a kind word (biuro, dom,
 * office, home, офіс, вдома, ...) and the place. Pure: the caller gives
 * today's local date.
 */
#ifndef ASYSTENT_VISIT_PARSE_H
#define ASYSTENT_VISIT_PARSE_H

#include <stddef.h>

#define VISIT_PARSE_CODE_MAX	16
#define VISIT_PARSE_PLACE_MAX	256

struct visit_parsed {
	char	 code[VISIT_PARSE_CODE_MAX];
	int	 y, mon, d, hh, mm;
	char	 kind[16];		/* "home" when no kind word */
	char	 place[VISIT_PARSE_PLACE_MAX];	/* "" when none */
};

enum visit_parse_rc {
	VISIT_PARSE_OK,
	VISIT_PARSE_NO_CODE,
	VISIT_PARSE_BAD_DAY,
	VISIT_PARSE_BAD_TIME
};

/* Today is ty-tm-td, its weekday twday (1 = Monday .. 7 = Sunday). */
enum visit_parse_rc visit_parse(const char *args, int ty, int tm, int td,
	    int twday, struct visit_parsed *out);

#endif
