/*
 * json: how the daemon's JSON trees are made, freed and printed
 * (include/json.h).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "pool.h"

/* As opened values are wiped by crypto_free_plain(). */
static void
json_free(void *p)
{
	if (p != NULL)
		explicit_bzero(p, pool_size(p));
	pool_free(p);
}

void
json_init(void)
{
	cJSON_Hooks	 hooks = { pool_alloc, json_free };

	cJSON_InitHooks(&hooks);
}

/*
 * Printed straight into the string returned, not into cJSON's buffer
 * (which grows by copying) and then copied: a buffer that proves too
 * small is wiped and one twice as large tried.
 */
char *
json_print(const cJSON *item)
{
	size_t	 cap = 512;
	char	*buf;

	for (;;) {
		if ((buf = malloc(cap)) == NULL)
			return NULL;
		if (cJSON_PrintPreallocated((cJSON *)item, buf, (int)cap, 0))
			return buf;
		explicit_bzero(buf, cap);
		free(buf);
		if (cap > INT_MAX / 2)
			return NULL;
		cap *= 2;
	}
}
