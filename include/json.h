/*
 * json: how the daemon's JSON trees (cJSON) are made, freed and printed.
 */
#ifndef JSON_H
#define JSON_H

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

#endif
