/*
 * Unit tests for tests/unit/fixture.c, the temporary database the other
 * unit tests start from: it makes what was asked, and leaves nothing
 * behind, however deep, without following a link out of its directory.
 */
#include <sys/stat.h>

#include <errno.h>
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
#include "store.h"
#include "unit/fixture.h"

static int
exists(const char *path)
{
	struct stat	 sb;

	if (lstat(path, &sb) == 0)
		return 1;
	assert_int_equal(errno, ENOENT);
	return 0;
}

static void
write_file(const char *path, mode_t mode)
{
	FILE	*fp;

	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_true(fputs("Rodzina Kowalenko\n", fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_fixture_store_and_keys_are_ready(void **state)
{
	struct fixture	 fx;
	struct stat	 sb;
	char		 dir[sizeof fx.dir];

	(void)state;
	memset(&fx, 0, sizeof fx);
	assert_int_equal(fixture_setup(&fx, "fixture",
	    FIXTURE_STORE | FIXTURE_KEYS), 0);
	assert_non_null(fx.st);
	assert_non_null(fx.keys);
	assert_int_equal(stat(fx.dir, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0700);
	assert_int_equal(store_meta_set(fx.st, "x", 1), 0);
	assert_true(exists(fx.db));
	assert_int_equal(strncmp(fx.db, fx.dir, strlen(fx.dir)), 0);
	snprintf(dir, sizeof dir, "%s", fx.dir);

	assert_int_equal(fixture_teardown(&fx), 0);
	assert_null(fx.st);
	assert_null(fx.keys);
	assert_false(exists(dir));
}

static void
test_fixture_without_flags_makes_only_an_empty_directory(void **state)
{
	struct fixture	 fx;
	char		 dir[sizeof fx.dir];

	(void)state;
	memset(&fx, 0, sizeof fx);
	assert_int_equal(fixture_setup(&fx, "fixture", 0), 0);
	assert_null(fx.st);
	assert_null(fx.keys);
	assert_true(exists(fx.dir));
	assert_false(exists(fx.db));
	snprintf(dir, sizeof dir, "%s", fx.dir);
	assert_int_equal(fixture_teardown(&fx), 0);
	assert_false(exists(dir));
}

static void
test_fixture_teardown_removes_nested_folders_and_odd_files(void **state)
{
	struct fixture	 fx;
	char		 dir[sizeof fx.dir], path[1024];

	(void)state;
	memset(&fx, 0, sizeof fx);
	assert_int_equal(fixture_setup(&fx, "fixture", FIXTURE_STORE), 0);
	snprintf(dir, sizeof dir, "%s", fx.dir);
	fixture_path(&fx, "a", path, sizeof path);
	assert_int_equal(mkdir(path, 0700), 0);
	fixture_path(&fx, "a/b", path, sizeof path);
	assert_int_equal(mkdir(path, 0700), 0);
	fixture_path(&fx, "a/b/c", path, sizeof path);
	assert_int_equal(mkdir(path, 0700), 0);
	fixture_path(&fx, "a/b/c/deep.txt", path, sizeof path);
	write_file(path, 0600);
	fixture_path(&fx, "a/read-only.key", path, sizeof path);
	write_file(path, 0400);
	fixture_path(&fx, ".hidden", path, sizeof path);
	write_file(path, 0600);
	fixture_path(&fx, "fifo", path, sizeof path);
	assert_int_equal(mkfifo(path, 0600), 0);
	fixture_path(&fx, "dangling", path, sizeof path);
	assert_int_equal(symlink("no/such/file", path), 0);

	assert_int_equal(fixture_teardown(&fx), 0);
	assert_false(exists(dir));
}

static void
test_fixture_teardown_does_not_follow_links_out(void **state)
{
	struct fixture	 in, out;
	char		 target[1024], link[1024], keep[1024];

	(void)state;
	memset(&in, 0, sizeof in);
	memset(&out, 0, sizeof out);
	assert_int_equal(fixture_setup(&out, "fixture", 0), 0);
	assert_int_equal(fixture_setup(&in, "fixture", 0), 0);
	fixture_path(&out, "keep.txt", keep, sizeof keep);
	write_file(keep, 0600);
	/* A link to the other folder, and one to a file in it. */
	fixture_path(&in, "folder", link, sizeof link);
	assert_int_equal(symlink(out.dir, link), 0);
	fixture_path(&in, "file", link, sizeof link);
	assert_int_equal(symlink(keep, link), 0);
	snprintf(target, sizeof target, "%s", in.dir);

	assert_int_equal(fixture_teardown(&in), 0);
	assert_false(exists(target));
	assert_true(exists(out.dir));
	assert_true(exists(keep));
	assert_int_equal(fixture_teardown(&out), 0);
}

static void
test_fixture_teardown_of_an_unused_fixture_is_harmless(void **state)
{
	struct fixture	 fx;

	(void)state;
	memset(&fx, 0, sizeof fx);
	assert_int_equal(fixture_teardown(&fx), 0);
	assert_int_equal(fixture_setup(&fx, "fixture", FIXTURE_KEYS), 0);
	assert_int_equal(fixture_teardown(&fx), 0);
	assert_int_equal(fixture_teardown(&fx), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_store_and_keys_are_ready),
		cmocka_unit_test(
		    test_fixture_without_flags_makes_only_an_empty_directory),
		cmocka_unit_test(
		    test_fixture_teardown_removes_nested_folders_and_odd_files),
		cmocka_unit_test(
		    test_fixture_teardown_does_not_follow_links_out),
		cmocka_unit_test(
		    test_fixture_teardown_of_an_unused_fixture_is_harmless),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
