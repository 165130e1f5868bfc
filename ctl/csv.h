/*
 * The family import file: RFC 4180 CSV in UTF-8 with a header row, read
 * into rows of the columns the admin API's import endpoint knows.
 * Private to asystentctl.
 */
#ifndef ASYSTENT_CSV_H
#define ASYSTENT_CSV_H

#include <stddef.h>
#include <stdio.h>

#define CSV_MAX_ROWS	10000
#define CSV_MAX_BYTES	(4 * 1024 * 1024)

enum csv_col {
	CSV_FAMILY,
	CSV_CONTACT,
	CSV_PHONE,
	CSV_LANGUAGE,
	CSV_CHANNEL,
	CSV_ASSISTANT,
	CSV_PROGRAMME,
	CSV_GROUP,
	CSV_NCOLS
};

struct csv_row {
	long		 line;		/* where the record starts, from 1 */
	char		*field[CSV_NCOLS];	/* NULL: no such column */
};

struct csv_file {
	char		 delim;		/* ',' or ';' */
	struct csv_row	*rows;
	size_t		 nrows;
};

/* Where and why a file was refused; line 0 when it is the whole file. */
struct csv_error {
	long		 line;
	char		 msg[256];
};

/*
 * Parses `len` bytes of `buf`. On success *out is a new csv_file; free it
 * with csv_free(). On failure *out is NULL and `err` says why.
 * Rows whose fields are all empty are skipped.
 */
int	csv_parse(const char *buf, size_t len, struct csv_file **out,
	    struct csv_error *err) __attribute__((warn_unused_result));
void	csv_free(struct csv_file *f);

/* The API's name of a column ("family", "phone", ...). */
const char *csv_col_name(enum csv_col col);

/*
 * Writes one field of a CSV record to f, quoted when it holds a comma,
 * quote or line break, then a comma, or the record's end when `last`.
 */
void	csv_put(FILE *f, const char *s, int last);

#endif
