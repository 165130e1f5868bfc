/*
 * json: how the daemon's JSON trees (cJSON) are made, freed and printed,
 * and JSON written straight out where no tree is needed (struct jout).
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/*
 * The trees carry names and phone numbers: from now on their blocks come
 * from the loop's pool (include/pool.h) and are wiped when freed. Called
 * once, first thing in main(), before any tree is made: a tree must be
 * freed the way it was made.
 */
void	 json_init(void);

/*
 * item printed without whitespace into a string of malloc()'s, which the
 * caller frees with free() (not cJSON_free()); NULL when out of memory.
 */
char	*json_print(const cJSON *item);

/*
 * A tree parsed with its nodes in one arena, for the large answers read
 * once (getUpdates): no block is made or freed node by node, and
 * json_arena_free() wipes and frees them all at once. Such a tree is
 * only read: nothing is added to it or taken out, and cJSON_Delete() is
 * never called on it. NULL when `s` is not JSON (*arena is still set,
 * to free). The sanitizers' builds give each node a block of its own,
 * so that they still see every one.
 */
struct json_arena;

cJSON	*json_parse_arena(const char *s, size_t len, struct json_arena **arena);
void	 json_arena_free(struct json_arena *arena);

/*
 * JSON written as it goes, without a tree: an outbox payload is built
 * once per message, and a tree of nodes only to print it cost several
 * times the printing. Output as json_print() would give for the same
 * tree: no whitespace, strings escaped as cJSON escapes them.
 *
 *	struct jout j;
 *	jout_init(&j, hint);
 *	jout_open(&j, '{');
 *	jout_key(&j, "chat_id"); jout_int(&j, 5001);
 *	jout_close(&j, '}');
 *	s = jout_take(&j);
 *
 * A member of an array is begun with jout_item(), a member of an object
 * with jout_key(). The buffer may hold personal data: it is wiped when
 * it grows, and by jout_free(); jout_take() hands it over (free() after
 * wiping, as json_print()'s).
 */
struct jout {
	char	*buf;
	size_t	 len, cap;
	int	 first;		/* nothing yet in the open container */
	int	 failed;	/* out of memory: jout_take() gives NULL */
};

void	 jout_init(struct jout *j, size_t hint);
void	 jout_open(struct jout *j, char c);	/* '{' or '[' */
void	 jout_close(struct jout *j, char c);	/* '}' or ']' */
void	 jout_key(struct jout *j, const char *key);
void	 jout_item(struct jout *j);
void	 jout_str(struct jout *j, const char *s);
void	 jout_int(struct jout *j, int64_t v);
void	 jout_bool(struct jout *j, int v);
char	*jout_take(struct jout *j);
void	 jout_free(struct jout *j);

#endif
