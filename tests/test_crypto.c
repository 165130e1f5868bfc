/* Unit tests for daemon/store/crypto.c: sealing, indexes, tokens, key files. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include "unit/fixture.h"

#define BIG_LEN		(1024 * 1024)

struct crypto_test {
	struct fixture	 fx;		/* keys from fixture_master */
	struct keys	*other;		/* from master_b */
};

/* A master key one bit away from fixture_master's last byte. */
static const unsigned char master_b[CRYPTO_MASTER_LEN] = {
	0x41, 0x53, 0x59, 0x53, 0x54, 0x45, 0x4e, 0x54,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
	0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x21,
};

static const struct crypto_ad ad_name = { "families", "name", 42, 0 };

static int
group_setup(void **state)
{
	(void)state;
	return crypto_init() == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	struct crypto_test	*f = *state;
	int			 rc;

	crypto_keys_free(f->other);
	rc = fixture_teardown(&f->fx);
	free(f);
	return rc;
}

static int
setup(void **state)
{
	struct crypto_test	*f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return -1;
	*state = f;
	if (fixture_setup(&f->fx, "crypto", FIXTURE_KEYS) == -1 ||
	    (f->other = crypto_keys_from_master(master_b)) == NULL) {
		teardown(state);
		return -1;
	}
	return 0;
}

static void
write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_int_not_equal(fd, -1);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

/* Seals `plain` and opens it again under the same place. */
static void
round_trip(const struct keys *k, const void *plain, size_t len)
{
	unsigned char	*blob = NULL;
	size_t		 bloblen = 0, outlen = 0;
	char		*out = NULL;

	assert_int_equal(crypto_seal(k, &ad_name, plain, len, &blob,
	    &bloblen), 0);
	assert_non_null(blob);
	assert_int_equal(bloblen, len + CRYPTO_OVERHEAD);
	assert_int_equal(crypto_open(k, &ad_name, blob, bloblen, &out,
	    &outlen), 0);
	assert_non_null(out);
	assert_int_equal(outlen, len);
	assert_memory_equal(out, plain, len);
	assert_int_equal(out[len], '\0');
	crypto_free_plain(out);
	free(blob);
}

/* Seals "Anna Kowalska" at ad_name; the caller frees *blob. */
static void
seal_name(const struct keys *k, unsigned char **blob, size_t *bloblen)
{
	assert_int_equal(crypto_seal(k, &ad_name, "Anna Kowalska", 13, blob,
	    bloblen), 0);
}

/* Expects crypto_open to fail and to leave *plain NULL. */
static void
assert_open_fails(const struct keys *k, const struct crypto_ad *ad,
    const unsigned char *blob, size_t bloblen)
{
	char	*out = (char *)"sentinel";
	size_t	 outlen = 99;

	assert_int_equal(crypto_open(k, ad, blob, bloblen, &out, &outlen),
	    -1);
	assert_null(out);
	assert_int_equal(outlen, 0);
}

/* "Anna Kowalska" sealed under `k` at ad_name does not open under `o` at ad. */
static void
assert_name_stays_shut(const struct keys *k, const struct keys *o,
    const struct crypto_ad *ad)
{
	unsigned char	*blob = NULL;
	size_t		 len;

	seal_name(k, &blob, &len);
	assert_open_fails(o, ad, blob, len);
	free(blob);
}

static void
test_seal_open_round_trip(void **state)
{
	struct crypto_test	*f = *state;
	const char		*s = "Ołena Szewczenko, +48 600 100 200";

	round_trip(f->fx.keys, s, strlen(s));
}

static void
test_seal_open_round_trip_empty_value(void **state)
{
	struct crypto_test	*f = *state;

	round_trip(f->fx.keys, "", 0);
}

static void
test_seal_open_round_trip_1mb_value(void **state)
{
	struct crypto_test	*f = *state;
	unsigned char		*big;
	size_t			 i;

	big = malloc(BIG_LEN);
	assert_non_null(big);
	for (i = 0; i < BIG_LEN; i++)
		big[i] = (unsigned char)(i * 7 + 3);
	round_trip(f->fx.keys, big, BIG_LEN);
	free(big);
}

static void
test_seal_open_keeps_embedded_nul(void **state)
{
	struct crypto_test	*f = *state;

	round_trip(f->fx.keys, "a\0b", 3);
}

static void
test_seal_uses_fresh_nonce_each_time(void **state)
{
	struct crypto_test	*f = *state;
	unsigned char		*b1 = NULL, *b2 = NULL;
	size_t			 l1, l2;

	seal_name(f->fx.keys, &b1, &l1);
	seal_name(f->fx.keys, &b2, &l2);
	assert_int_equal(l1, l2);
	assert_memory_not_equal(b1, b2, l1);
	free(b1);
	free(b2);
}

/* A sealed value opens with its XChaCha20 nonce. */
#define CRYPTO_NONCE_BYTES	24

static int
nonce_cmp(const void *a, const void *b)
{
	return memcmp(a, b, CRYPTO_NONCE_BYTES);
}

/* Over several refills of the pool: no nonce is handed out twice. */
static void
test_seal_nonces_never_repeat(void **state)
{
	struct crypto_test	*f = *state;
	enum { N = 1000 };
	unsigned char		*nonces, *blob;
	size_t			 len;
	int			 i;

	nonces = malloc(N * CRYPTO_NONCE_BYTES);
	assert_non_null(nonces);
	for (i = 0; i < N; i++) {
		seal_name(f->fx.keys, &blob, &len);
		memcpy(nonces + i * CRYPTO_NONCE_BYTES, blob,
		    CRYPTO_NONCE_BYTES);
		free(blob);
	}
	qsort(nonces, N, CRYPTO_NONCE_BYTES, nonce_cmp);
	for (i = 1; i < N; i++)
		assert_memory_not_equal(nonces + (i - 1) * CRYPTO_NONCE_BYTES,
		    nonces + i * CRYPTO_NONCE_BYTES, CRYPTO_NONCE_BYTES);
	free(nonces);
}

/* A forked child does not seal with the nonce its parent uses next. */
static void
test_seal_nonce_differs_in_a_forked_child(void **state)
{
	struct crypto_test	*f = *state;
	unsigned char		*blob, theirs[CRYPTO_NONCE_BYTES];
	size_t			 len;
	pid_t			 pid;
	int			 fds[2], status;

	/* Some nonces wait in the pool now. */
	seal_name(f->fx.keys, &blob, &len);
	free(blob);
	assert_int_equal(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		seal_name(f->fx.keys, &blob, &len);
		_exit(write(fds[1], blob, CRYPTO_NONCE_BYTES) ==
		    CRYPTO_NONCE_BYTES ? 0 : 1);
	}
	assert_true(pid > 0);
	close(fds[1]);
	assert_int_equal(read(fds[0], theirs, sizeof theirs), sizeof theirs);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	seal_name(f->fx.keys, &blob, &len);
	assert_memory_not_equal(blob, theirs, CRYPTO_NONCE_BYTES);
	free(blob);
}

static void
test_open_fails_with_wrong_table(void **state)
{
	struct crypto_test	*f = *state;
	const struct crypto_ad	 ad = { "staff", "name", 42, 0 };

	assert_name_stays_shut(f->fx.keys, f->fx.keys, &ad);
}

static void
test_open_fails_with_wrong_column(void **state)
{
	struct crypto_test	*f = *state;
	const struct crypto_ad	 ad = { "families", "phone", 42, 0 };

	assert_name_stays_shut(f->fx.keys, f->fx.keys, &ad);
}

static void
test_open_fails_with_wrong_row(void **state)
{
	struct crypto_test	*f = *state;
	const struct crypto_ad	 ad43 = { "families", "name", 43, 0 };
	const struct crypto_ad	 adneg = { "families", "name", -42, 0 };
	const struct crypto_ad	 adhi = { "families", "name",
	    42 + ((int64_t)1 << 40), 0 };
	unsigned char		*blob = NULL;
	size_t			 len;

	seal_name(f->fx.keys, &blob, &len);
	assert_open_fails(f->fx.keys, &ad43, blob, len);
	assert_open_fails(f->fx.keys, &adneg, blob, len);
	assert_open_fails(f->fx.keys, &adhi, blob, len);
	free(blob);
}

static void
test_open_fails_when_table_and_column_shift(void **state)
{
	struct crypto_test	*f = *state;
	const struct crypto_ad	 a = { "ab", "c", 1, 0 };
	const struct crypto_ad	 b = { "a", "bc", 1, 0 };
	unsigned char		*blob = NULL;
	size_t			 len;

	assert_int_equal(crypto_seal(f->fx.keys, &a, "x", 1, &blob, &len), 0);
	assert_open_fails(f->fx.keys, &b, blob, len);
	free(blob);
}

static void
test_open_fails_on_any_flipped_bit(void **state)
{
	struct crypto_test	*f = *state;
	unsigned char		*blob = NULL;
	char			*out = NULL;
	size_t			 len, i;
	int			 bit;

	seal_name(f->fx.keys, &blob, &len);
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			blob[i] ^= (unsigned char)(1u << bit);
			assert_open_fails(f->fx.keys, &ad_name, blob, len);
			blob[i] ^= (unsigned char)(1u << bit);
		}
	}
	/* And the restored blob opens again. */
	assert_int_equal(crypto_open(f->fx.keys, &ad_name, blob, len, &out,
	    NULL), 0);
	assert_string_equal(out, "Anna Kowalska");
	crypto_free_plain(out);
	free(blob);
}

static void
test_open_fails_on_truncated_blob(void **state)
{
	struct crypto_test	*f = *state;
	unsigned char		*blob = NULL;
	unsigned char		 empty[1] = { 0 };
	size_t			 len;

	seal_name(f->fx.keys, &blob, &len);
	assert_open_fails(f->fx.keys, &ad_name, empty, 0);
	assert_open_fails(f->fx.keys, &ad_name, blob, 0);
	assert_open_fails(f->fx.keys, &ad_name, blob, 23);
	assert_open_fails(f->fx.keys, &ad_name, blob, 39);
	assert_open_fails(f->fx.keys, &ad_name, blob, CRYPTO_OVERHEAD);
	assert_open_fails(f->fx.keys, &ad_name, blob, len - 1);
	assert_open_fails(f->fx.keys, &ad_name, blob + 1, len - 1);
	free(blob);
}

static void
test_open_fails_with_other_master_key(void **state)
{
	struct crypto_test	*f = *state;

	assert_name_stays_shut(f->fx.keys, f->other, &ad_name);
}

static void
test_blind_index_is_deterministic(void **state)
{
	struct crypto_test	*f = *state;
	unsigned char		 a[CRYPTO_INDEX_LEN], b[CRYPTO_INDEX_LEN];
	struct keys		*again;

	crypto_blind_index(f->fx.keys, "phone", "+48600100200", 12, a);
	crypto_blind_index(f->fx.keys, "phone", "+48600100200", 12, b);
	assert_memory_equal(a, b, sizeof a);
	/* Keys derived again from the same master agree. */
	again = crypto_keys_from_master(fixture_master);
	assert_non_null(again);
	crypto_blind_index(again, "phone", "+48600100200", 12, b);
	assert_memory_equal(a, b, sizeof a);
	crypto_keys_free(again);
}

static void
test_blind_index_differs_by_domain(void **state)
{
	struct crypto_test	*f = *state;
	unsigned char		 a[CRYPTO_INDEX_LEN], b[CRYPTO_INDEX_LEN];

	crypto_blind_index(f->fx.keys, "tg_user", "123456789", 9, a);
	crypto_blind_index(f->fx.keys, "chat", "123456789", 9, b);
	assert_memory_not_equal(a, b, sizeof a);
}

static void
test_blind_index_differs_by_key(void **state)
{
	struct crypto_test	*f = *state;
	unsigned char		 a[CRYPTO_INDEX_LEN], b[CRYPTO_INDEX_LEN];

	crypto_blind_index(f->fx.keys, "tg_user", "123456789", 9, a);
	crypto_blind_index(f->other, "tg_user", "123456789", 9, b);
	assert_memory_not_equal(a, b, sizeof a);
}

static void
test_blind_index_differs_by_value(void **state)
{
	struct crypto_test	*f = *state;
	unsigned char		 a[CRYPTO_INDEX_LEN], b[CRYPTO_INDEX_LEN];

	crypto_blind_index(f->fx.keys, "tg_user", "123456789", 9, a);
	crypto_blind_index(f->fx.keys, "tg_user", "123456780", 9, b);
	assert_memory_not_equal(a, b, sizeof a);
	crypto_blind_index(f->fx.keys, "tg_user", "12345678", 8, b);
	assert_memory_not_equal(a, b, sizeof a);
}

static void
test_blind_index_separates_domain_from_value(void **state)
{
	struct crypto_test	*f = *state;
	unsigned char		 a[CRYPTO_INDEX_LEN], b[CRYPTO_INDEX_LEN];

	crypto_blind_index(f->fx.keys, "ab", "c", 1, a);
	crypto_blind_index(f->fx.keys, "a", "bc", 2, b);
	assert_memory_not_equal(a, b, sizeof a);
}

static void
test_token_hash_is_deterministic(void **state)
{
	struct crypto_test	*f = *state;
	unsigned char		 a[CRYPTO_HASH_LEN], b[CRYPTO_HASH_LEN];

	crypto_token_hash(f->fx.keys, "Zq3-invite_token", a);
	crypto_token_hash(f->fx.keys, "Zq3-invite_token", b);
	assert_memory_equal(a, b, sizeof a);
}

static void
test_token_hash_differs_by_token_and_key(void **state)
{
	struct crypto_test	*f = *state;
	unsigned char		 a[CRYPTO_HASH_LEN], b[CRYPTO_HASH_LEN];

	crypto_token_hash(f->fx.keys, "Zq3-invite_token", a);
	crypto_token_hash(f->fx.keys, "Zq3-invite_tokeN", b);
	assert_memory_not_equal(a, b, sizeof a);
	crypto_token_hash(f->other, "Zq3-invite_token", b);
	assert_memory_not_equal(a, b, sizeof a);
}

static void
test_token_hash_differs_from_blind_index(void **state)
{
	struct crypto_test	*f = *state;
	unsigned char		 a[CRYPTO_HASH_LEN], b[CRYPTO_INDEX_LEN];

	/* The subkeys are distinct, so the two never coincide. */
	crypto_token_hash(f->fx.keys, "tok", a);
	crypto_blind_index(f->fx.keys, "", "tok", 3, b);
	assert_memory_not_equal(a, b, sizeof b);
}

static void
test_random_token_has_length_and_alphabet(void **state)
{
	static const size_t	 sizes[] = { 0, 1, 2, 3, 16, 32, 33 };
	const char		*alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t			 i, n;
	char			*t;

	(void)state;
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		n = sizes[i];
		t = crypto_random_token(n);
		assert_non_null(t);
		/* base64 without padding: ceil(4n / 3) characters. */
		assert_int_equal(strlen(t), (4 * n + 2) / 3);
		assert_int_equal(strspn(t, alpha), strlen(t));
		free(t);
	}
}

static void
test_random_tokens_differ(void **state)
{
	char	*a, *b;

	(void)state;
	a = crypto_random_token(16);
	b = crypto_random_token(16);
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

/* Runs crypto_generate_key with stderr sent to `errfile`. */
static int
generate_capturing(const char *path, const char *errfile)
{
	int	 fd, saved, rc;

	fflush(stderr);
	fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_int_not_equal(fd, -1);
	saved = dup(STDERR_FILENO);
	assert_int_not_equal(saved, -1);
	assert_int_not_equal(dup2(fd, STDERR_FILENO), -1);
	rc = crypto_generate_key(path);
	fflush(stderr);
	assert_int_not_equal(dup2(saved, STDERR_FILENO), -1);
	close(saved);
	close(fd);
	return rc;
}

static void
read_small_file(const char *path, char *buf, size_t len)
{
	ssize_t	 n;
	int	 fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_int_not_equal(fd, -1);
	n = read(fd, buf, len - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
}

static void
test_generated_key_loads_with_mode_0600(void **state)
{
	struct crypto_test	*f = *state;
	struct keys		*k1 = NULL, *k2 = NULL;
	unsigned char		*blob = NULL;
	char			 path[PATH_MAX], err[512] = "", *out = NULL;
	struct stat		 st;
	mode_t			 old;
	size_t			 len;
	int			 rc;

	fixture_path(&f->fx, "master.key", path, sizeof path);
	/* A permissive umask must not widen the file's mode. */
	old = umask(0);
	rc = crypto_generate_key(path);
	umask(old);
	assert_int_equal(rc, 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, CRYPTO_MASTER_LEN);

	assert_int_equal(crypto_keys_load(path, &k1, err, sizeof err), 0);
	assert_non_null(k1);
	assert_int_equal(crypto_keys_load(path, &k2, err, sizeof err), 0);
	/* Two loads of one file give the same keys, not the fixture's. */
	assert_int_equal(crypto_seal(k1, &ad_name, "x", 1, &blob, &len), 0);
	assert_int_equal(crypto_open(k2, &ad_name, blob, len, &out, NULL), 0);
	assert_string_equal(out, "x");
	crypto_free_plain(out);
	assert_open_fails(f->fx.keys, &ad_name, blob, len);
	free(blob);
	crypto_keys_free(k1);
	crypto_keys_free(k2);
}

static void
test_generate_refuses_to_overwrite(void **state)
{
	struct crypto_test	*f = *state;
	unsigned char		 before[CRYPTO_MASTER_LEN];
	char			 path[PATH_MAX], errfile[PATH_MAX], msg[1024];
	char			 after[CRYPTO_MASTER_LEN + 1];
	struct stat		 st;

	fixture_path(&f->fx, "master.key", path, sizeof path);
	fixture_path(&f->fx, "stderr.txt", errfile, sizeof errfile);
	memset(before, 0xab, sizeof before);
	write_file(path, before, sizeof before, 0600);

	assert_int_equal(generate_capturing(path, errfile), -1);
	read_small_file(errfile, msg, sizeof msg);
	assert_non_null(strstr(msg, path));
	assert_non_null(strstr(msg, "refusing to overwrite"));
	/* The old key is untouched. */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, CRYPTO_MASTER_LEN);
	read_small_file(path, after, sizeof after);
	assert_memory_equal(after, before, sizeof before);
}

static void
test_generate_refuses_to_follow_symlink(void **state)
{
	struct crypto_test	*f = *state;
	char			 link[PATH_MAX], target[PATH_MAX];
	char			 errfile[PATH_MAX], msg[1024];
	struct stat		 st;

	fixture_path(&f->fx, "target.key", target, sizeof target);
	fixture_path(&f->fx, "link.key", link, sizeof link);
	fixture_path(&f->fx, "stderr.txt", errfile, sizeof errfile);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(generate_capturing(link, errfile), -1);
	read_small_file(errfile, msg, sizeof msg);
	assert_non_null(strstr(msg, link));
	/* Nothing was created at the symlink's target. */
	assert_int_equal(stat(target, &st), -1);
	assert_int_equal(errno, ENOENT);
}

/* Expects crypto_keys_load to refuse `path` with a message naming it. */
static void
assert_load_refused(const char *path, const char *why)
{
	struct keys	*k = (struct keys *)&k;
	char		 err[1024] = "";

	assert_int_equal(crypto_keys_load(path, &k, err, sizeof err), -1);
	assert_null(k);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, why));
	assert_null(strchr(err, '\n'));
}

static void
test_load_refuses_mode_0640(void **state)
{
	struct crypto_test	*f = *state;
	char			 path[PATH_MAX];

	fixture_path(&f->fx, "master.key", path, sizeof path);
	write_file(path, fixture_master, sizeof fixture_master, 0640);
	assert_load_refused(path, ": key file must not be accessible by "
	    "group or others (mode 0640); chmod 600 it");
}

static void
test_load_refuses_mode_0604(void **state)
{
	struct crypto_test	*f = *state;
	char			 path[PATH_MAX];

	fixture_path(&f->fx, "master.key", path, sizeof path);
	write_file(path, fixture_master, sizeof fixture_master, 0604);
	assert_load_refused(path, "(mode 0604); chmod 600 it");
}

static void
test_load_accepts_mode_0400(void **state)
{
	struct crypto_test	*f = *state;
	struct keys		*k = NULL;
	char			 path[PATH_MAX], err[512] = "";
	unsigned char		 a[CRYPTO_INDEX_LEN], b[CRYPTO_INDEX_LEN];

	/* systemd hands credentials over as 0400 files. */
	fixture_path(&f->fx, "master.key", path, sizeof path);
	write_file(path, fixture_master, sizeof fixture_master, 0400);
	assert_int_equal(crypto_keys_load(path, &k, err, sizeof err), 0);
	crypto_blind_index(k, "phone", "1", 1, a);
	crypto_blind_index(f->fx.keys, "phone", "1", 1, b);
	assert_memory_equal(a, b, sizeof a);
	crypto_keys_free(k);
}

static void
test_load_refuses_31_bytes(void **state)
{
	struct crypto_test	*f = *state;
	char			 path[PATH_MAX];

	fixture_path(&f->fx, "master.key", path, sizeof path);
	write_file(path, fixture_master, 31, 0600);
	assert_load_refused(path,
	    ": key file must hold exactly 32 bytes (has 31)");
}

static void
test_load_refuses_33_bytes(void **state)
{
	struct crypto_test	*f = *state;
	unsigned char		 buf[33];
	char			 path[PATH_MAX];

	memcpy(buf, fixture_master, sizeof fixture_master);
	buf[32] = '\n';
	fixture_path(&f->fx, "master.key", path, sizeof path);
	write_file(path, buf, sizeof buf, 0600);
	assert_load_refused(path,
	    ": key file must hold exactly 32 bytes (has 33)");
}

static void
test_load_refuses_missing_file(void **state)
{
	struct crypto_test	*f = *state;
	char			 path[PATH_MAX];

	fixture_path(&f->fx, "absent.key", path, sizeof path);
	assert_load_refused(path,
	    ": cannot open key file: No such file or directory");
}

static void
test_load_refuses_symlink(void **state)
{
	struct crypto_test	*f = *state;
	char			 path[PATH_MAX], link[PATH_MAX];

	fixture_path(&f->fx, "master.key", path, sizeof path);
	fixture_path(&f->fx, "link.key", link, sizeof link);
	write_file(path, fixture_master, sizeof fixture_master, 0600);
	assert_int_equal(symlink(path, link), 0);
	assert_load_refused(link, ": cannot open key file: ");
}

static void
test_load_refuses_fifo_without_hanging(void **state)
{
	struct crypto_test	*f = *state;
	char			 path[PATH_MAX];

	fixture_path(&f->fx, "master.key", path, sizeof path);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_load_refused(path, ": key file is not a regular file");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_seal_open_round_trip),
		T(test_seal_open_round_trip_empty_value),
		T(test_seal_open_round_trip_1mb_value),
		T(test_seal_open_keeps_embedded_nul),
		T(test_seal_uses_fresh_nonce_each_time),
		T(test_seal_nonces_never_repeat),
		T(test_seal_nonce_differs_in_a_forked_child),
		T(test_open_fails_with_wrong_table),
		T(test_open_fails_with_wrong_column),
		T(test_open_fails_with_wrong_row),
		T(test_open_fails_when_table_and_column_shift),
		T(test_open_fails_on_any_flipped_bit),
		T(test_open_fails_on_truncated_blob),
		T(test_open_fails_with_other_master_key),
		T(test_blind_index_is_deterministic),
		T(test_blind_index_differs_by_domain),
		T(test_blind_index_differs_by_key),
		T(test_blind_index_differs_by_value),
		T(test_blind_index_separates_domain_from_value),
		T(test_token_hash_is_deterministic),
		T(test_token_hash_differs_by_token_and_key),
		T(test_token_hash_differs_from_blind_index),
		T(test_random_token_has_length_and_alphabet),
		T(test_random_tokens_differ),
		T(test_generated_key_loads_with_mode_0600),
		T(test_generate_refuses_to_overwrite),
		T(test_generate_refuses_to_follow_symlink),
		T(test_load_refuses_mode_0640),
		T(test_load_refuses_mode_0604),
		T(test_load_accepts_mode_0400),
		T(test_load_refuses_31_bytes),
		T(test_load_refuses_33_bytes),
		T(test_load_refuses_missing_file),
		T(test_load_refuses_symlink),
		T(test_load_refuses_fifo_without_hanging),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
