/* family import: reads a CSV file and sends all rows in one request. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "xmalloc.h"

#include "csv.h"
#include "ctl.h"

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

static cJSON *
ctl_import_body(const struct csv_file *f, int dry_run)
{
	cJSON	*body, *rows, *row;
	size_t	 i;
	int	 col;

	body = cJSON_CreateObject();
	cJSON_AddBoolToObject(body, "dry_run", dry_run);
	rows = cJSON_AddArrayToObject(body, "rows");
	for (i = 0; i < f->nrows; i++) {
		row = cJSON_CreateObject();
		cJSON_AddNumberToObject(row, "line", (double)f->rows[i].line);
		for (col = 0; col < CSV_NCOLS; col++)
			if (f->rows[i].field[col] != NULL)
				cJSON_AddStringToObject(row, csv_col_name(col),
				    f->rows[i].field[col]);
		cJSON_AddItemToArray(rows, row);
	}
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

static void
ctl_import_summary(const cJSON *answer, int dry_run)
{
	char	*created = ctl_text(answer, "created");
	char	*existing = ctl_text(answer, "existing");

	if (dry_run)
		printf("would create %s families (%s already exist)\n",
		    created ? created : "?", existing ? existing : "?");
	else
		printf("created %s families (%s already existed)\n",
		    created ? created : "?", existing ? existing : "?");
	free(created);
	free(existing);
}

int
ctl_family_import(struct ctl *c, const struct ctl_cmd *cmd,
    struct ctl_args *a)
{
	struct csv_file		*f = NULL;
	struct csv_error	 e;
	const char		*file = a->pos[0];
	cJSON			*body = NULL, *answer = NULL;
	char			*buf = NULL;
	size_t			 len = 0;
	long			 status;
	int			 rc = CTL_EX_USAGE;

	(void)cmd;
	if (ctl_read_file(file, &buf, &len) == -1)
		goto out;
	if (csv_parse(buf, len, &f, &e) == -1) {
		rc = ctl_import_refused(c, file, &e);
		goto out;
	}
	body = ctl_import_body(f, a->dry_run);
	if ((rc = ctl_http(c, "POST", "/v1/families/import", body, &status,
	    &answer)) != 0)
		goto out;
	rc = ctl_status_exit(status);
	if (ctl_is_json(c))
		ctl_print_json(answer);
	else if (rc != CTL_EX_OK)
		ctl_import_details(file, answer, status);
	else
		ctl_import_summary(answer, a->dry_run);
out:
	cJSON_Delete(answer);
	cJSON_Delete(body);
	csv_free(f);
	free(buf);
	return rc;
}
