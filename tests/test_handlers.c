/*
 * Unit tests for the handler table (handlers/table.c): every entry can
 * run, none is shadowed by an earlier one, fallbacks come last.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "handler.h"

#define ALL_KINDS							\
	(INBOUND_BIT(INBOUND_TEXT) | INBOUND_BIT(INBOUND_COMMAND) |	\
	INBOUND_BIT(INBOUND_MEDIA) | INBOUND_BIT(INBOUND_CALLBACK) |	\
	INBOUND_BIT(INBOUND_EDIT) | INBOUND_BIT(INBOUND_MEMBER) |	\
	INBOUND_BIT(INBOUND_OTHER))

static size_t
table_len(void)
{
	size_t	 n = 0;

	while (handler_table[n] != NULL)
		n++;
	return n;
}

static void
test_handlers_table_is_not_empty_and_ends_with_null(void **state)
{
	size_t	 n;

	(void)state;
	n = table_len();
	assert_true(n > 0);
	assert_null(handler_table[n]);
}

static void
test_handlers_every_entry_has_name_and_exec(void **state)
{
	const struct handler_entry	*h;
	size_t				 i;

	(void)state;
	for (i = 0; (h = handler_table[i]) != NULL; i++) {
		assert_non_null(h->name);
		if (h->name[0] == '\0')
			fail_msg("entry %zu has an empty name", i);
		if (h->exec == NULL)
			fail_msg("handler %s has no exec", h->name);
	}
}

static void
test_handlers_names_are_unique(void **state)
{
	size_t	 i, j, n = table_len();

	(void)state;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(handler_table[i]->name,
			    handler_table[j]->name) == 0)
				fail_msg("two handlers named %s",
				    handler_table[i]->name);
}

static void
test_handlers_every_entry_can_match_something(void **state)
{
	const struct handler_entry	*h;
	size_t				 i;

	(void)state;
	for (i = 0; (h = handler_table[i]) != NULL; i++) {
		if ((h->from & SENDER_ANY) == 0 || (h->from & ~SENDER_ANY))
			fail_msg("handler %s: bad from 0x%x", h->name,
			    h->from);
		if ((h->kinds & ALL_KINDS) == 0)
			fail_msg("handler %s: no kinds", h->name);
	}
}

/*
 * The router compares `match` with the parsed command, which is
 * lowercased, starts with '/' and fits INBOUND_COMMAND_MAX; and it only
 * compares for INBOUND_COMMAND. A match that breaks these never fires.
 */
static void
test_handlers_matches_are_reachable_commands(void **state)
{
	const struct handler_entry	*h;
	const char			*p;
	size_t				 i;

	(void)state;
	for (i = 0; (h = handler_table[i]) != NULL; i++) {
		if (h->match == NULL)
			continue;
		if (h->match[0] != '/' || strlen(h->match) < 2 ||
		    strlen(h->match) >= INBOUND_COMMAND_MAX)
			fail_msg("handler %s: match \"%s\" is not a command",
			    h->name, h->match);
		for (p = h->match; *p != '\0'; p++)
			if (isupper((unsigned char)*p) || *p == '@' ||
			    isspace((unsigned char)*p))
				fail_msg("handler %s: match \"%s\" never "
				    "equals a parsed command", h->name,
				    h->match);
		if ((h->kinds & INBOUND_BIT(INBOUND_COMMAND)) == 0)
			fail_msg("handler %s: match without INBOUND_COMMAND",
			    h->name);
	}
}

/* No entry with a match repeats an earlier one for the same senders. */
static void
test_handlers_no_duplicate_matches(void **state)
{
	const struct handler_entry	*a, *b;
	size_t				 i, j, n = table_len();

	(void)state;
	for (i = 0; i < n; i++) {
		a = handler_table[i];
		if (a->match == NULL)
			continue;
		for (j = i + 1; j < n; j++) {
			b = handler_table[j];
			if (b->match == NULL || strcmp(a->match, b->match) != 0)
				continue;
			if ((a->from & b->from) != 0 &&
			    (a->kinds & b->kinds) != 0)
				fail_msg("handlers %s and %s both match %s "
				    "for the same senders", a->name, b->name,
				    a->match);
		}
	}
}

/*
 * A fallback (match NULL) placed before a command entry for the same
 * senders and a common kind would take that command's messages.
 */
static void
test_handlers_fallbacks_come_after_commands(void **state)
{
	const struct handler_entry	*fb, *cmd;
	size_t				 i, j, n = table_len();

	(void)state;
	for (i = 0; i < n; i++) {
		fb = handler_table[i];
		/*
		 * A catch-all of channels without buttons (an SMS from an
		 * unknown number) takes every message of its senders there
		 * on purpose.
		 */
		if (fb->match != NULL || fb->callback != NULL ||
		    fb->lacks != 0)
			continue;
		for (j = i + 1; j < n; j++) {
			cmd = handler_table[j];
			if (cmd->match == NULL)
				continue;
			if ((fb->from & cmd->from) != 0 &&
			    (fb->kinds & cmd->kinds &
			    INBOUND_BIT(INBOUND_COMMAND)) != 0)
				fail_msg("fallback %s shadows %s (%s)",
				    fb->name, cmd->name, cmd->match);
		}
	}
}

/* Two fallbacks for the same senders and kind: the second never runs. */
static void
test_handlers_no_fallback_fully_shadowed(void **state)
{
	const struct handler_entry	*a, *b;
	size_t				 i, j, n = table_len();

	(void)state;
	for (i = 0; i < n; i++) {
		a = handler_table[i];
		if (a->match != NULL || a->callback != NULL)
			continue;
		for (j = i + 1; j < n; j++) {
			b = handler_table[j];
			if (b->match != NULL || b->callback != NULL)
				continue;
			/* b is shadowed only where a takes every channel b does. */
			if ((b->from & ~a->from) == 0 &&
			    (b->kinds & ~a->kinds) == 0 &&
			    (a->lacks == 0 || (b->lacks & a->lacks) ==
			    a->lacks))
				fail_msg("fallback %s is never reached after "
				    "%s", b->name, a->name);
		}
	}
}

/* Someone unknown gets an answer to anything they send. */
static void
test_handlers_unknown_sender_always_has_a_handler(void **state)
{
	const struct handler_entry	*h;
	unsigned			 covered = 0;
	size_t				 i;

	(void)state;
	for (i = 0; (h = handler_table[i]) != NULL; i++)
		if (h->match == NULL && (h->from & SENDER_UNKNOWN))
			covered |= h->kinds;
	assert_int_equal(covered & ALL_KINDS, ALL_KINDS);
}

static void
test_handlers_start_and_help_exist_for_unknown_senders(void **state)
{
	const struct handler_entry	*h;
	int				 start = 0, help = 0;
	size_t				 i;

	(void)state;
	for (i = 0; (h = handler_table[i]) != NULL; i++) {
		if (h->match == NULL || !(h->from & SENDER_UNKNOWN) ||
		    !(h->kinds & INBOUND_BIT(INBOUND_COMMAND)))
			continue;
		if (strcmp(h->match, "/start") == 0)
			start = 1;
		if (strcmp(h->match, "/help") == 0)
			help = 1;
	}
	assert_true(start);
	assert_true(help);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_handlers_table_is_not_empty_and_ends_with_null),
		cmocka_unit_test(test_handlers_every_entry_has_name_and_exec),
		cmocka_unit_test(test_handlers_names_are_unique),
		cmocka_unit_test(test_handlers_every_entry_can_match_something),
		cmocka_unit_test(test_handlers_matches_are_reachable_commands),
		cmocka_unit_test(test_handlers_no_duplicate_matches),
		cmocka_unit_test(test_handlers_fallbacks_come_after_commands),
		cmocka_unit_test(test_handlers_no_fallback_fully_shadowed),
		cmocka_unit_test(
		    test_handlers_unknown_sender_always_has_a_handler),
		cmocka_unit_test(
		    test_handlers_start_and_help_exist_for_unknown_senders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
