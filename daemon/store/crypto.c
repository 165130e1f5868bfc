/* Field encryption, blind indexes and token hashes from one master key. */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto.h"
#include "log.h"
#include "xmalloc.h"

/* crypto_kdf wants exactly crypto_kdf_CONTEXTBYTES (8) of context. */
#define CRYPTO_KDF_CONTEXT	"asystent"

/* Subkey ids; never renumber, or every stored value becomes unreadable. */
enum crypto_subkey {
	CRYPTO_SUBKEY_FIELD = 1,
	CRYPTO_SUBKEY_INDEX = 2,
	CRYPTO_SUBKEY_TOKEN = 3
};

/* Versioned, so a future AD layout cannot collide with this one. */
#define CRYPTO_AD_PREFIX	"asystent/v1"

#define CRYPTO_NONCE_LEN	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
/* Nonces taken from the kernel at a time (about 6 KiB). */
#define CRYPTO_NONCE_POOL	256
#define CRYPTO_TAG_LEN		crypto_aead_xchacha20poly1305_ietf_ABYTES

/* Lives in sodium_malloc memory, read-only once derived. */
struct keys {
	unsigned char	field[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	unsigned char	index[crypto_generichash_KEYBYTES];
	unsigned char	token[crypto_generichash_KEYBYTES];
};

_Static_assert(CRYPTO_OVERHEAD == CRYPTO_NONCE_LEN + CRYPTO_TAG_LEN,
    "CRYPTO_OVERHEAD must match XChaCha20-Poly1305");
_Static_assert(CRYPTO_FAMILY_KEY_LEN ==
    crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
    "a family key is an XChaCha20-Poly1305 key");
_Static_assert(CRYPTO_MASTER_LEN == crypto_kdf_KEYBYTES,
    "the master key is a crypto_kdf key");
_Static_assert(sizeof(CRYPTO_KDF_CONTEXT) - 1 == crypto_kdf_CONTEXTBYTES,
    "crypto_kdf context must be 8 bytes");
_Static_assert(CRYPTO_INDEX_LEN >= crypto_generichash_BYTES_MIN &&
    CRYPTO_HASH_LEN <= crypto_generichash_BYTES_MAX,
    "hash lengths must suit crypto_generichash");

static void	crypto_seterr(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

int
crypto_init(void)
{
	if (sodium_init() < 0) {
		log_err("event=crypto.init_failed");
		return -1;
	}
	return 0;
}

static void
crypto_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Writes all of `len` bytes, retrying short writes and EINTR. */
static int
crypto_write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads up to `len` bytes until EOF; the count read, or -1. */
static ssize_t
crypto_read_all(int fd, unsigned char *p, size_t len)
{
	size_t	 got = 0;
	ssize_t	 n;

	while (got < len) {
		n = read(fd, p + got, len - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/*
 * Made by root (`asystentd --generate-key` at install), the key belongs
 * to whoever owns its directory: the daemon's user, whose directory it is
 * (asystent.tmpfiles), and who must read it and rotate it.
 */
static int
crypto_key_owner(int fd, const char *path)
{
	struct stat	 sb;
	char		 dir[PATH_MAX], *slash;

	if (geteuid() != 0)
		return 0;
	if ((size_t)snprintf(dir, sizeof dir, "%s", path) >= sizeof dir)
		return 0;
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &sb) == -1 || fchown(fd, sb.st_uid, sb.st_gid) == -1) {
		fprintf(stderr, "%s: cannot give the key file to its "
		    "directory's owner: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
crypto_generate_key(const char *path)
{
	unsigned char	 key[CRYPTO_MASTER_LEN];
	int		 fd, rc = -1;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1) {
		if (errno == EEXIST)
			fprintf(stderr, "%s: exists; refusing to overwrite a "
			    "key\n", path);
		else
			fprintf(stderr, "%s: cannot create key file: %s\n",
			    path, strerror(errno));
		return -1;
	}
	/* open()'s mode went through the umask; make 0600 certain. */
	if (fchmod(fd, 0600) == -1) {
		fprintf(stderr, "%s: cannot chmod key file: %s\n", path,
		    strerror(errno));
		goto out;
	}
	if (crypto_key_owner(fd, path) == -1)
		goto out;
	randombytes_buf(key, sizeof key);
	if (crypto_write_all(fd, key, sizeof key) == -1) {
		fprintf(stderr, "%s: cannot write key file: %s\n", path,
		    strerror(errno));
		goto out;
	}
	if (fsync(fd) == -1) {
		fprintf(stderr, "%s: cannot sync key file: %s\n", path,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(key, sizeof key);
	if (close(fd) == -1 && rc == 0) {
		fprintf(stderr, "%s: cannot close key file: %s\n", path,
		    strerror(errno));
		rc = -1;
	}
	/* O_EXCL made the file ours: do not leave a partial key behind. */
	if (rc == -1)
		unlink(path);
	return rc;
}

/* The checks a key file must pass before we read it. */
static int
crypto_check_key_file(int fd, const char *path, char *err, size_t errlen)
{
	struct stat	 st;

	if (fstat(fd, &st) == -1) {
		crypto_seterr(err, errlen, "%s: cannot stat key file: %s",
		    path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		crypto_seterr(err, errlen, "%s: key file is not a regular file",
		    path);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		crypto_seterr(err, errlen, "%s: key file must not be "
		    "accessible by group or others (mode %04o); chmod 600 it",
		    path, (unsigned int)(st.st_mode & 07777));
		return -1;
	}
	if (st.st_size != CRYPTO_MASTER_LEN) {
		crypto_seterr(err, errlen, "%s: key file must hold exactly "
		    "%d bytes (has %lld)", path, CRYPTO_MASTER_LEN,
		    (long long)st.st_size);
		return -1;
	}
	return 0;
}

int
crypto_keys_load(const char *path, struct keys **out, char *err,
    size_t errlen)
{
	unsigned char	*master = NULL;
	ssize_t		 n;
	int		 fd = -1, rc = -1;

	*out = NULL;
	/* O_NONBLOCK: a FIFO planted at `path` must not hang start-up. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1) {
		crypto_seterr(err, errlen, "%s: cannot open key file: %s%s",
		    path, strerror(errno), errno == EACCES ? " (the key "
		    "file must belong to the daemon's user)" : "");
		goto out;
	}
	if (crypto_check_key_file(fd, path, err, errlen) == -1)
		goto out;
	/* One byte spare, to notice a file that grew after fstat. */
	if ((master = sodium_malloc(CRYPTO_MASTER_LEN + 1)) == NULL) {
		crypto_seterr(err, errlen, "%s: cannot allocate key memory",
		    path);
		goto out;
	}
	if ((n = crypto_read_all(fd, master, CRYPTO_MASTER_LEN + 1)) == -1) {
		crypto_seterr(err, errlen, "%s: cannot read key file: %s",
		    path, strerror(errno));
		goto out;
	}
	if (n != CRYPTO_MASTER_LEN) {
		crypto_seterr(err, errlen, "%s: key file must hold exactly "
		    "%d bytes (has %zd)", path, CRYPTO_MASTER_LEN, n);
		goto out;
	}
	if ((*out = crypto_keys_from_master(master)) == NULL) {
		crypto_seterr(err, errlen, "%s: cannot allocate key memory",
		    path);
		goto out;
	}
	rc = 0;
out:
	if (master != NULL) {
		sodium_memzero(master, CRYPTO_MASTER_LEN + 1);
		sodium_free(master);
	}
	if (fd != -1)
		close(fd);
	return rc;
}

/*
 * sodium_malloc already tries to lock its pages and ignores failure; we
 * ask again to learn the result, so a small RLIMIT_MEMLOCK is visible in
 * the log (once) instead of silently letting keys reach swap.
 */
static void
crypto_lock(void *p, size_t len)
{
	static int	 warned;

	if (sodium_mlock(p, len) == 0 || warned)
		return;
	warned = 1;
	log_warn("event=crypto.mlock_failed bytes=%zu errno=%d", len, errno);
}

static void
crypto_kdf_derive_all(struct keys *k,
    const unsigned char master[CRYPTO_MASTER_LEN])
{
	crypto_kdf_derive_from_key(k->field, sizeof k->field,
	    CRYPTO_SUBKEY_FIELD, CRYPTO_KDF_CONTEXT, master);
	crypto_kdf_derive_from_key(k->index, sizeof k->index,
	    CRYPTO_SUBKEY_INDEX, CRYPTO_KDF_CONTEXT, master);
	crypto_kdf_derive_from_key(k->token, sizeof k->token,
	    CRYPTO_SUBKEY_TOKEN, CRYPTO_KDF_CONTEXT, master);
}

struct keys *
crypto_keys_from_master(const unsigned char master[CRYPTO_MASTER_LEN])
{
	struct keys	*k;

	if ((k = sodium_malloc(sizeof *k)) == NULL) {
		log_err("event=crypto.alloc_failed bytes=%zu", sizeof *k);
		return NULL;
	}
	crypto_lock(k, sizeof *k);
	crypto_kdf_derive_all(k, master);
	sodium_mprotect_readonly(k);
	return k;
}

struct keys *
crypto_keys_dup(const struct keys *k)
{
	struct keys	*c;

	if ((c = sodium_malloc(sizeof *c)) == NULL) {
		log_err("event=crypto.alloc_failed bytes=%zu", sizeof *c);
		return NULL;
	}
	crypto_lock(c, sizeof *c);
	memcpy(c, k, sizeof *c);
	sodium_mprotect_readonly(c);
	return c;
}

static uint64_t	crypto_keys_gen;

void
crypto_keys_replace(struct keys *dst, const struct keys *src)
{
	sodium_mprotect_readwrite(dst);
	memcpy(dst, src, sizeof *dst);
	sodium_mprotect_readonly(dst);
	crypto_keys_gen++;
}

uint64_t
crypto_keys_generation(void)
{
	return crypto_keys_gen;
}

struct keys *
crypto_keys_from_field(const unsigned char key[CRYPTO_FAMILY_KEY_LEN])
{
	struct keys	*k;

	if ((k = sodium_malloc(sizeof *k)) == NULL) {
		log_err("event=crypto.alloc_failed bytes=%zu", sizeof *k);
		return NULL;
	}
	crypto_lock(k, sizeof *k);
	sodium_memzero(k, sizeof *k);
	memcpy(k->field, key, sizeof k->field);
	sodium_mprotect_readonly(k);
	return k;
}

/*
 * Many keys in one guarded, locked region, for keystore.c's cache: filling
 * a slot is a copy, where keys of their own cost a mapping with guard
 * pages, mlock() and munmap() each. Unlike single keys the region stays
 * writable: changing the protection of a locked region costs about
 * 190 us a call here, more than the rest of a miss, and a miss would need
 * two. Its guard pages still stop an overrun; freeing it wipes it.
 */
struct keys *
crypto_keys_array(size_t n)
{
	struct keys	*a;

	if ((a = sodium_allocarray(n, sizeof *a)) == NULL) {
		log_err("event=crypto.alloc_failed bytes=%zu", n * sizeof *a);
		return NULL;
	}
	crypto_lock(a, n * sizeof *a);
	sodium_memzero(a, n * sizeof *a);
	return a;
}

const struct keys *
crypto_keys_array_at(const struct keys *a, size_t i)
{
	return &a[i];
}

void
crypto_keys_array_set(struct keys *a, size_t i, const unsigned char *key,
    int master)
{
	struct keys	*k = &a[i];

	sodium_memzero(k, sizeof *k);
	if (master)
		crypto_kdf_derive_all(k, key);
	else
		memcpy(k->field, key, sizeof k->field);
}

void
crypto_keys_array_clear(struct keys *a, size_t i)
{
	sodium_memzero(&a[i], sizeof a[i]);
}

void
crypto_keys_free(struct keys *k)
{
	/* sodium_free makes the pages writable again and wipes them. */
	if (k != NULL)
		sodium_free(k);
}

/*
 * "asystent/v1\0" table "\0" column "\0" row (8 bytes, little endian),
 * then, for a value under a family's key, the family (8 bytes). The NULs
 * end each string, so no two (table, column, row) triples encode to the
 * same bytes, and the length tells the two kinds apart.
 */
#define CRYPTO_AD_SMALL	128	/* the longest names fit on the stack */

static unsigned char *
crypto_ad_encode(const struct crypto_ad *ad, unsigned char small[
    CRYPTO_AD_SMALL], size_t *adlen)
{
	unsigned char	*buf, *p;
	uint64_t	 row = (uint64_t)ad->row;
	size_t		 plen = sizeof(CRYPTO_AD_PREFIX);
	size_t		 tlen = strlen(ad->table) + 1;
	size_t		 clen = strlen(ad->column) + 1;
	int		 i;

	*adlen = plen + tlen + clen + 8 + (ad->family != 0 ? 8 : 0);
	p = buf = *adlen <= CRYPTO_AD_SMALL ? small : xmalloc(*adlen);
	memcpy(p, CRYPTO_AD_PREFIX, plen);
	p += plen;
	memcpy(p, ad->table, tlen);
	p += tlen;
	memcpy(p, ad->column, clen);
	p += clen;
	for (i = 0; i < 8; i++)
		*p++ = (unsigned char)(row >> (8 * i));
	if (ad->family != 0)
		for (i = 0; i < 8; i++)
			*p++ = (unsigned char)((uint64_t)ad->family >> (8 * i));
	return buf;
}

static void
crypto_ad_free(unsigned char *adbuf, unsigned char small[CRYPTO_AD_SMALL])
{
	if (adbuf != small)
		free(adbuf);
}

static int
crypto_ad_is_valid(const struct crypto_ad *ad)
{
	return ad != NULL && ad->table != NULL && ad->column != NULL;
}

/*
 * Nonces come from the kernel's generator as before, CRYPTO_NONCE_POOL of
 * them per getrandom call instead of one: a call per sealed value was a
 * system call and about 3 % of the CPU of a relayed message. XChaCha20's
 * 192-bit nonces only have to be unique under a key, and random ones are;
 * they are stored in the clear beside the value, so holding the next few
 * in memory reveals nothing. Each is handed out once and wiped from the
 * pool. A forked child would hand out its parent's pending nonces again,
 * so the pool is emptied in the child. The daemon and the tool seal from
 * one thread only.
 */
static unsigned char	crypto_pool[CRYPTO_NONCE_POOL * CRYPTO_NONCE_LEN];
static size_t		crypto_pool_left;
static pthread_once_t	crypto_pool_once = PTHREAD_ONCE_INIT;

static void
crypto_pool_drop(void)
{
	sodium_memzero(crypto_pool, sizeof crypto_pool);
	crypto_pool_left = 0;
}

static void
crypto_pool_init(void)
{
	(void)pthread_atfork(NULL, NULL, crypto_pool_drop);
}

/*
 * The pool filled by getrandom() itself: libsodium asks the kernel 256
 * bytes at a time, 24 system calls for the pool. Past 256 bytes a signal
 * may cut a call short: it goes on from there. Its own generator if the
 * kernel's call fails.
 */
static void
crypto_pool_fill(void)
{
	size_t	 got = 0;
	ssize_t	 n;

	while (got < sizeof crypto_pool) {
		n = getrandom(crypto_pool + got, sizeof crypto_pool - got, 0);
		if (n > 0)
			got += (size_t)n;
		else if (n == -1 && errno != EINTR) {
			randombytes_buf(crypto_pool + got,
			    sizeof crypto_pool - got);
			break;
		}
	}
}

static void
crypto_nonce(unsigned char *out)
{
	unsigned char	*p;

	(void)pthread_once(&crypto_pool_once, crypto_pool_init);
	if (crypto_pool_left == 0) {
		crypto_pool_fill();
		crypto_pool_left = CRYPTO_NONCE_POOL;
	}
	crypto_pool_left--;
	p = crypto_pool + crypto_pool_left * CRYPTO_NONCE_LEN;
	memcpy(out, p, CRYPTO_NONCE_LEN);
	sodium_memzero(p, CRYPTO_NONCE_LEN);
}


int
crypto_seal(const struct keys *k, const struct crypto_ad *ad,
    const void *plain, size_t len, unsigned char **blob, size_t *bloblen)
{
	return crypto_seal_after(k, ad, plain, len, 0, blob, bloblen);
}

int
crypto_seal_after(const struct keys *k, const struct crypto_ad *ad,
    const void *plain, size_t len, size_t head, unsigned char **blob,
    size_t *bloblen)
{
	unsigned char	 small[CRYPTO_AD_SMALL], *adbuf, *out;
	unsigned long long clen;
	size_t		 adlen;

	*blob = NULL;
	*bloblen = 0;
	if (!crypto_ad_is_valid(ad) || (plain == NULL && len > 0))
		return -1;
	if (len > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX ||
	    len > SIZE_MAX - CRYPTO_OVERHEAD - head) {
		log_warn("event=crypto.seal_too_long bytes=%zu", len);
		return -1;
	}
	if (plain == NULL)
		plain = "";
	adbuf = crypto_ad_encode(ad, small, &adlen);
	out = xmalloc(head + len + CRYPTO_OVERHEAD);
	crypto_nonce(out + head);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + head +
	    CRYPTO_NONCE_LEN, &clen, plain, len, adbuf, adlen, NULL,
	    out + head, k->field);
	crypto_ad_free(adbuf, small);
	*blob = out;
	*bloblen = head + (size_t)clen + CRYPTO_NONCE_LEN;
	return 0;
}

/*
 * Opened values live in ordinary heap memory, wiped when freed: a guarded
 * sodium_malloc region per value costs nine system calls, and the daemon
 * opens one per message handled and sent. The length sits in a header
 * before the text so that crypto_free_plain() knows what to wipe.
 */
#define CRYPTO_PLAIN_HDR	16

static char *
crypto_plain_alloc(size_t len)
{
	unsigned char	*base;

	base = xmalloc(CRYPTO_PLAIN_HDR + len + 1);
	memcpy(base, &len, sizeof len);
	return (char *)base + CRYPTO_PLAIN_HDR;
}

int
crypto_open(const struct keys *k, const struct crypto_ad *ad,
    const unsigned char *blob, size_t bloblen, char **plain,
    size_t *plainlen)
{
	unsigned char	 small[CRYPTO_AD_SMALL], *adbuf = small;
	char		*out = NULL;
	unsigned long long mlen;
	size_t		 adlen, len;
	int		 rc = -1;

	*plain = NULL;
	if (plainlen != NULL)
		*plainlen = 0;
	if (!crypto_ad_is_valid(ad) || blob == NULL ||
	    bloblen < CRYPTO_OVERHEAD)
		goto out;
	len = bloblen - CRYPTO_OVERHEAD;
	adbuf = crypto_ad_encode(ad, small, &adlen);
	out = crypto_plain_alloc(len);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out,
	    &mlen, NULL, blob + CRYPTO_NONCE_LEN, bloblen - CRYPTO_NONCE_LEN,
	    adbuf, adlen, blob, k->field) != 0)
		goto out;
	out[len] = '\0';
	*plain = out;
	if (plainlen != NULL)
		*plainlen = len;
	out = NULL;
	rc = 0;
out:
	crypto_ad_free(adbuf, small);
	crypto_free_plain(out);
	return rc;
}

char *
crypto_plain_dup(const char *s)
{
	size_t	 len = strlen(s);
	char	*p = crypto_plain_alloc(len);

	memcpy(p, s, len + 1);
	return p;
}

void
crypto_free_plain(char *plain)
{
	unsigned char	*base;
	size_t		 len;

	if (plain == NULL)
		return;
	base = (unsigned char *)plain - CRYPTO_PLAIN_HDR;
	memcpy(&len, base, sizeof len);
	sodium_memzero(base, CRYPTO_PLAIN_HDR + len + 1);
	free(base);
}

void
crypto_blind_index(const struct keys *k, const char *domain,
    const void *value, size_t len, unsigned char out[CRYPTO_INDEX_LEN])
{
	crypto_generichash_state	 st;

	/* The NUL ends the domain: ("ab", "c") and ("a", "bc") differ. */
	crypto_generichash_init(&st, k->index, sizeof k->index,
	    CRYPTO_INDEX_LEN);
	crypto_generichash_update(&st, (const unsigned char *)domain,
	    strlen(domain) + 1);
	crypto_generichash_update(&st, value, len);
	crypto_generichash_final(&st, out, CRYPTO_INDEX_LEN);
	sodium_memzero(&st, sizeof st);
}

void
crypto_token_hash(const struct keys *k, const char *token,
    unsigned char out[CRYPTO_HASH_LEN])
{
	crypto_generichash(out, CRYPTO_HASH_LEN,
	    (const unsigned char *)token, strlen(token), k->token,
	    sizeof k->token);
}

char *
crypto_random_token(size_t n)
{
	const int	 variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
	unsigned char	*raw;
	char		*s;
	size_t		 slen;

	raw = xmalloc(n);
	randombytes_buf(raw, n);
	slen = sodium_base64_encoded_len(n, variant);
	s = xmalloc(slen);
	sodium_bin2base64(s, slen, raw, n, variant);
	sodium_memzero(raw, n);
	free(raw);
	return s;
}
