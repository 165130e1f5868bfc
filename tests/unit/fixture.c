/*
 * fixture: one fresh temporary database per unit test, removed after, and
 * the set-up tests share.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto.h"
#include "fixture.h"
#include "i18n.h"
#include "log.h"
#include "store.h"

/* Deeper than any test goes; a bound all the same. */
#define FIXTURE_DEPTH	16

const unsigned char fixture_master[CRYPTO_MASTER_LEN] = {
	0x41, 0x53, 0x59, 0x53, 0x54, 0x45, 0x4e, 0x54,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
	0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20,
};

static int	fixture_remove_at(int dfd, const char *name, int depth);

/* Everything inside the open directory `dfd`; closes it. */
static int
fixture_empty_dir(int dfd, int depth)
{
	struct dirent	*de;
	DIR		*d;
	int		 rc = 0;

	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fixture_remove_at(dirfd(d), de->d_name, depth + 1) == -1)
			rc = -1;
	}
	closedir(d);
	return rc;
}

/* One entry of `dfd`: a file, a link (never followed), or a folder. */
static int
fixture_remove_at(int dfd, const char *name, int depth)
{
	struct stat	 sb;
	int		 sub;

	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(sb.st_mode))
		return unlinkat(dfd, name, 0);
	if (depth > FIXTURE_DEPTH)
		return -1;
	if ((sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	if (fixture_empty_dir(sub, depth) == -1)
		return -1;
	return unlinkat(dfd, name, AT_REMOVEDIR);
}

int
fixture_setup(struct fixture *fx, const char *name, int flags)
{
	const char	*tmp = getenv("TMPDIR");
	char		 err[256];
	int		 n;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	n = snprintf(fx->dir, sizeof fx->dir, "%s/test_%s.XXXXXX", tmp, name);
	if (n < 0 || (size_t)n >= sizeof fx->dir || mkdtemp(fx->dir) == NULL) {
		fx->dir[0] = '\0';
		return -1;
	}
	n = snprintf(fx->db, sizeof fx->db, "%s/asystent.db", fx->dir);
	if (n < 0 || (size_t)n >= sizeof fx->db)
		goto fail;
	if ((flags & FIXTURE_KEYS) && (crypto_init() == -1 ||
	    (fx->keys = crypto_keys_from_master(fixture_master)) == NULL))
		goto fail;
	if ((flags & FIXTURE_STORE) &&
	    store_open(fx->db, &fx->st, err, sizeof err) != 0) {
		fprintf(stderr, "fixture: store_open: %s\n", err);
		goto fail;
	}
	return 0;
fail:
	fixture_teardown(fx);
	return -1;
}

int
fixture_teardown(struct fixture *fx)
{
	int	 rc = 0, dfd;

	store_close(fx->st);
	fx->st = NULL;
	crypto_keys_free(fx->keys);
	fx->keys = NULL;
	if (fx->dir[0] == '\0')
		return 0;
	if ((dfd = open(fx->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fixture_empty_dir(dfd, 0) == -1 || rmdir(fx->dir) == -1) {
		fprintf(stderr, "fixture: %s not removed: %s\n", fx->dir,
		    strerror(errno));
		rc = -1;
	}
	fx->dir[0] = '\0';
	return rc;
}

void
fixture_other_connection(const struct fixture *fx, const char *sql)
{
	sqlite3	*db;

	assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_busy_timeout(db, 1000), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

void
fixture_path(const struct fixture *fx, const char *name, char *buf,
    size_t len)
{
	int	 n;

	n = snprintf(buf, len, "%s/%s", fx->dir, name);
	assert_true(n > 0 && (size_t)n < len);
}

/*
 * 1 when `needle` stands in the file at `path`, whose size is added to
 * *total; 0 too when there is no such file.
 */
static int
fixture_file_has(const char *path, const char *needle, size_t *total)
{
	FILE	*fp;
	char	*buf;
	size_t	 len, nlen = strlen(needle), i;
	long	 sz;
	int	 found = 0;

	if ((fp = fopen(path, "rb")) == NULL)
		return 0;
	fseek(fp, 0, SEEK_END);
	sz = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)sz + 1);
	assert_non_null(buf);
	len = fread(buf, 1, (size_t)sz, fp);
	fclose(fp);
	*total += len;
	for (i = 0; i + nlen <= len && !found; i++)
		found = memcmp(buf + i, needle, nlen) == 0;
	free(buf);
	return found;
}

int
fixture_db_has(const struct fixture *fx, const char *needle)
{
	char	 wal[600];
	size_t	 total = 0;
	int	 found;

	snprintf(wal, sizeof wal, "%s-wal", fx->db);
	found = fixture_file_has(fx->db, needle, &total);
	found |= fixture_file_has(wal, needle, &total);
	/* A search of no bytes could not fail. */
	assert_true(total > 0);
	return found;
}

int
fixture_group_setup(void **state)
{
	(void)state;
	log_set_level((enum log_level)(LOGL_ERR - 1));
	return crypto_init() == 0 ? 0 : -1;
}

void
fixture_warsaw(void)
{
	setenv("TZ", "Europe/Warsaw", 1);
	tzset();
}

int
fixture_warsaw_setup(void **state)
{
	(void)state;
	fixture_warsaw();
	return 0;
}

time_t
fixture_utc(int y, int mo, int d, int h, int mi)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return timegm(&tm);
}

const char *
fixture_mo_dir(void)
{
	const char	*d = getenv("ASYSTENT_MO_DIR");

	return d != NULL && *d != '\0' ? d : "build/messages";
}

int
fixture_catalogs(struct i18n **cat)
{
	char	 err[512];

	if (i18n_load(fixture_mo_dir(), cat, err, sizeof err) == -1) {
		fprintf(stderr, "i18n_load: %s\n", err);
		return -1;
	}
	return 0;
}
