/*
 * family import: reads a CSV file and sends it to an import session in
 * chunks of bounded size, commits it and waits while the daemon writes
 * it in slices (POST /v1/imports, .../rows, .../commit, GET).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "xmalloc.h"

#include "csv.h"
#include "ctl.h"

#define CTL_IMPORT_CHUNK_ROWS	2000
#define CTL_IMPORT_CHUNK_BYTES	(256 * 1024)

/* Reads at most CSV_MAX_BYTES + 1 bytes, so csv_parse() sees the excess. */
static int
ctl_read_file(const char *path, char **buf, size_t *len)
{
	FILE	*f = NULL;
	char	*b = NULL;
	size_t	 n = 0, cap = 0, got;
	int	 rc = -1;

	if ((f = fopen(path, "rb")) == NULL)
		goto out;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			b = xrealloc(b, cap);
		}
		got = fread(b + n, 1, cap - n, f);
		n += got;
	} while (got > 0 && n <= CSV_MAX_BYTES);
	if (ferror(f))
		goto out;
	*buf = b;
	*len = n;
	b = NULL;
	rc = 0;
out:
	if (rc == -1)
		fprintf(stderr, "asystentctl: %s: %s\n", path, strerror(errno));
	if (f != NULL)
		fclose(f);
	free(b);
	return rc;
}

/* Rows [*next, ...) up to a chunk's bounds, as {"rows":[...]}. */
static cJSON *
ctl_import_chunk(const struct csv_file *f, size_t *next)
{
	cJSON	*body, *rows, *row;
	size_t	 i, bytes = 0;
	int	 col;

	body = cJSON_CreateObject();
	rows = cJSON_AddArrayToObject(body, "rows");
	for (i = *next; i < f->nrows && i - *next < CTL_IMPORT_CHUNK_ROWS &&
	    bytes < CTL_IMPORT_CHUNK_BYTES; i++) {
		row = cJSON_CreateObject();
		cJSON_AddNumberToObject(row, "line", (double)f->rows[i].line);
		bytes += 16;
		for (col = 0; col < CSV_NCOLS; col++) {
			if (f->rows[i].field[col] == NULL)
				continue;
			cJSON_AddStringToObject(row, csv_col_name(col),
			    f->rows[i].field[col]);
			/* Escapes can double a value: count it twice. */
			bytes += 16 + 2 * strlen(f->rows[i].field[col]);
		}
		cJSON_AddItemToArray(rows, row);
	}
	*next = i;
	return body;
}

/* The file's own faults, as FILE:LINE: message (JSON with --json). */
static int
ctl_import_refused(struct ctl *c, const char *file, const struct csv_error *e)
{
	cJSON	*o, *err, *d;

	if (e->line > 0)
		fprintf(stderr, "%s:%ld: %s\n", file, e->line, e->msg);
	else
		fprintf(stderr, "%s: %s\n", file, e->msg);
	if (ctl_is_json(c)) {
		o = cJSON_CreateObject();
		err = cJSON_AddObjectToObject(o, "error");
		cJSON_AddStringToObject(err, "code", "invalid");
		cJSON_AddStringToObject(err, "message", e->msg);
		d = cJSON_CreateObject();
		cJSON_AddNumberToObject(d, "line", (double)e->line);
		cJSON_AddStringToObject(d, "message", e->msg);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(err, "details"), d);
		ctl_print_json(o);
		cJSON_Delete(o);
	}
	return CTL_EX_USAGE;
}

/* The daemon's verdict on each bad row: FILE:LINE: COLUMN: MESSAGE. */
static void
ctl_import_details(const char *file, const cJSON *answer, long status)
{
	const cJSON	*err, *details, *d;
	const char	*msg;
	char		*line, *col, *text;
	int		 n = 0;

	err = cJSON_GetObjectItemCaseSensitive(answer, "error");
	details = cJSON_GetObjectItemCaseSensitive(err, "details");
	cJSON_ArrayForEach(d, details) {
		line = ctl_text(d, "line");
		col = ctl_text(d, "column");
		text = ctl_text(d, "message");
		fprintf(stderr, "%s:%s: ", file, line ? line : "?");
		if (col != NULL)
			fprintf(stderr, "%s: ", col);
		ctl_fputs_safe(text ? text : "invalid", stderr);
		fputc('\n', stderr);
		free(line);
		free(col);
		free(text);
		n++;
	}
	if (n > 0)
		return;
	if ((msg = ctl_error_message(answer)) != NULL)
		fprintf(stderr, "asystentctl: %s: %s\n", file, msg);
	else
		fprintf(stderr, "asystentctl: asystentd answered HTTP %ld\n",
		    status);
}

static const char *
ctl_import_state(const cJSON *answer)
{
	const cJSON	*im = cJSON_GetObjectItem(answer, "import");
	const cJSON	*v = cJSON_GetObjectItem(im, "state");

	return cJSON_IsString(v) ? v->valuestring : "";
}

static void
ctl_import_summary(const cJSON *answer, int dry_run)
{
	const cJSON	*im = cJSON_GetObjectItem(answer, "import");
	char		*created = ctl_text(im, "created");
	char		*existing = ctl_text(im, "existing");

	if (dry_run)
		printf("would create %s families (%s already exist)\n",
		    created ? created : "?", existing ? existing : "?");
	else
		printf("created %s families (%s already existed)\n",
		    created ? created : "?", existing ? existing : "?");
	free(created);
	free(existing);
}

/*
 * One request of the import; 0 with *answer on a 2xx, else the exit
 * status after the daemon's verdict was printed.
 */
static int
ctl_import_call(struct ctl *c, const char *file, const char *method,
    const char *path, const cJSON *body, cJSON **answer)
{
	long	 status;
	int	 rc;

	*answer = NULL;
	if ((rc = ctl_http(c, method, path, body, &status, answer)) != 0)
		return rc;
	if ((rc = ctl_status_exit(status)) == CTL_EX_OK)
		return 0;
	if (ctl_is_json(c))
		ctl_print_json(*answer);
	else
		ctl_import_details(file, *answer, status);
	cJSON_Delete(*answer);
	*answer = NULL;
	return rc;
}

/* Polls the import until it is written or has failed. */
static int
ctl_import_wait(struct ctl *c, const char *file, const char *path,
    cJSON **answer)
{
	struct timespec	 ts = { 0, 50 * 1000 * 1000 };
	int		 rc;

	for (;;) {
		if ((rc = ctl_import_call(c, file, "GET", path, NULL,
		    answer)) != 0)
			return rc;
		if (strcmp(ctl_import_state(*answer), "committing") != 0)
			return 0;
		cJSON_Delete(*answer);
		*answer = NULL;
		nanosleep(&ts, NULL);
	}
}

/* With --json: every page of the import's families in *answer. */
static int
ctl_import_pages(struct ctl *c, const char *file, const char *id,
    cJSON *answer)
{
	cJSON	*im = cJSON_GetObjectItem(answer, "import"), *a, *fams;
	cJSON	*all = cJSON_GetObjectItem(im, "families"), *f;
	char	 path[96];
	int	 page, pages, rc;

	pages = cJSON_GetNumberValue(cJSON_GetObjectItem(im, "pages")) > 0 ?
	    (int)cJSON_GetNumberValue(cJSON_GetObjectItem(im, "pages")) : 0;
	for (page = 2; page <= pages && all != NULL; page++) {
		snprintf(path, sizeof path, "/v1/imports/%s?page=%d", id,
		    page);
		if ((rc = ctl_import_call(c, file, "GET", path, NULL,
		    &a)) != 0)
			return rc;
		fams = cJSON_GetObjectItem(cJSON_GetObjectItem(a, "import"),
		    "families");
		while (fams != NULL && (f = cJSON_DetachItemFromArray(fams,
		    0)) != NULL)
			cJSON_AddItemToArray(all, f);
		cJSON_Delete(a);
	}
	cJSON_DeleteItemFromObject(im, "pages");
	return 0;
}

/* Sends f to a new session and commits it; *answer: the last state. */
static int
ctl_import_send(struct ctl *c, const char *file, const struct csv_file *f,
    int dry_run, cJSON **answer)
{
	cJSON	*body = NULL, *a = NULL;
	char	 path[64], *id = NULL;
	size_t	 next = 0;
	int	 rc;

	if ((rc = ctl_import_call(c, file, "POST", "/v1/imports", NULL,
	    &a)) != 0)
		return rc;
	id = ctl_text(cJSON_GetObjectItem(a, "import"), "id");
	snprintf(path, sizeof path, "/v1/imports/%s/rows", id ? id : "0");
	while (rc == 0 && next < f->nrows) {
		cJSON_Delete(a);
		body = ctl_import_chunk(f, &next);
		rc = ctl_import_call(c, file, "POST", path, body, &a);
		cJSON_Delete(body);
	}
	if (rc != 0)
		goto out;
	cJSON_Delete(a);
	body = cJSON_CreateObject();
	cJSON_AddBoolToObject(body, "dry_run", dry_run);
	snprintf(path, sizeof path, "/v1/imports/%s/commit", id ? id : "0");
	rc = ctl_import_call(c, file, "POST", path, body, &a);
	cJSON_Delete(body);
	if (rc != 0 || strcmp(ctl_import_state(a), "committing") != 0)
		goto out;
	cJSON_Delete(a);
	snprintf(path, sizeof path, "/v1/imports/%s", id ? id : "0");
	rc = ctl_import_wait(c, file, path, &a);
out:
	if (rc == 0 && ctl_is_json(c))
		rc = ctl_import_pages(c, file, id ? id : "0", a);
	free(id);
	if (rc == 0)
		*answer = a;
	else
		cJSON_Delete(a);
	return rc;
}

int
ctl_family_import(struct ctl *c, const struct ctl_cmd *cmd,
    struct ctl_args *a)
{
	struct csv_file		*f = NULL;
	struct csv_error	 e;
	const char		*file = a->pos[0];
	cJSON			*answer = NULL, *err;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 rc = CTL_EX_USAGE;

	(void)cmd;
	if (ctl_read_file(file, &buf, &len) == -1)
		goto out;
	if (csv_parse(buf, len, &f, &e) == -1) {
		rc = ctl_import_refused(c, file, &e);
		goto out;
	}
	if ((rc = ctl_import_send(c, file, f, a->dry_run, &answer)) != 0)
		goto out;
	if (strcmp(ctl_import_state(answer), "done") != 0) {
		err = cJSON_GetObjectItem(cJSON_GetObjectItem(answer,
		    "import"), "error");
		fprintf(stderr, "asystentctl: %s: nothing was imported: ",
		    file);
		ctl_fputs_safe(cJSON_IsString(err) ? err->valuestring :
		    "the import failed", stderr);
		fputc('\n', stderr);
		rc = CTL_EX_SOFTWARE;
	}
	if (ctl_is_json(c))
		ctl_print_json(cJSON_GetObjectItem(answer, "import"));
	else if (rc == CTL_EX_OK)
		ctl_import_summary(answer, a->dry_run);
out:
	cJSON_Delete(answer);
	csv_free(f);
	free(buf);
	return rc;
}
