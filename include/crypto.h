/*
 * Field encryption, blind indexes and token hashes, all keyed from one
 * 32-byte master key. Values are sealed with XChaCha20-Poly1305-IETF under
 * a random nonce; the associated data binds each value to its table, column
 * and row, so a value copied to another place fails to open.
 */
#ifndef ASYSTENT_CRYPTO_H
#define ASYSTENT_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_MASTER_LEN	32
#define CRYPTO_INDEX_LEN	16	/* blind index bytes */
#define CRYPTO_HASH_LEN		32	/* token hash bytes */
/* A sealed value is nonce || ciphertext || tag. */
#define CRYPTO_OVERHEAD		(24 + 16)

struct keys;

/*
 * Where a sealed value lives; read only during each call. `family` is
 * the family whose key seals it (0: the master's field key), bound too.
 */
struct crypto_ad {
	const char	*table;
	const char	*column;
	int64_t		 row;
	int64_t		 family;
};

#define CRYPTO_FAMILY_KEY_LEN	32

/* Calls sodium_init(); -1 when libsodium cannot start. */
int	crypto_init(void) __attribute__((warn_unused_result));

/*
 * Writes 32 random bytes to a new file `path` with mode 0600, owned (when
 * run as root) by the owner of its directory. Refuses to overwrite an
 * existing file. Errors are printed to stderr.
 */
int	crypto_generate_key(const char *path) __attribute__((warn_unused_result));

/*
 * Reads the master key from `path`, refusing a file that is missing, not
 * exactly 32 bytes, or readable or writable by group or others. Derives the
 * subkeys (fields, blind index, tokens) with crypto_kdf, keeps them in
 * locked sodium memory and wipes the master key. On error a one-line reason
 * naming the path (never the key) is written to `err` (errlen bytes).
 * *out is freed with crypto_keys_free(), which wipes it.
 */
int	crypto_keys_load(const char *path, struct keys **out, char *err,
	    size_t errlen) __attribute__((warn_unused_result));
/* Same, from 32 bytes in memory (tests, benchmarks). */
struct keys *crypto_keys_from_master(const unsigned char master[CRYPTO_MASTER_LEN]);
void	crypto_keys_free(struct keys *k);
/*
 * `n` keys, all zero, in one locked region freed with crypto_keys_free().
 * Slot `i` is set from a family's key (its field key) or, `master` set,
 * derived as crypto_keys_from_master() does; cleared wipes it.
 */
struct keys *crypto_keys_array(size_t n);
const struct keys *crypto_keys_array_at(const struct keys *a, size_t i);
void	crypto_keys_array_set(struct keys *a, size_t i,
	    const unsigned char *key, int master);
void	crypto_keys_array_clear(struct keys *a, size_t i);
/*
 * A copy of `k` in memory of its own (crypto_keys_free()), and `dst`
 * made the same as `src` in place: every holder of `dst` uses the new
 * keys from then on (a key rotation).
 */
struct keys *crypto_keys_dup(const struct keys *k);
void	crypto_keys_replace(struct keys *dst, const struct keys *src);
/*
 * A count that moves with every crypto_keys_replace(): what was derived
 * from keys replaced in place (a blind index) is stale when it moved.
 */
uint64_t crypto_keys_generation(void);
/*
 * Keys whose field key is `key` (a family's key, keystore.h): they seal
 * and open values; their index and token keys are zero and not for use.
 * Locked sodium memory; crypto_keys_free() wipes them.
 */
struct keys *crypto_keys_from_field(
	    const unsigned char key[CRYPTO_FAMILY_KEY_LEN]);

/*
 * Seals `len` bytes of `plain`. *blob is a new malloc'd buffer of *bloblen
 * (= len + CRYPTO_OVERHEAD) bytes; free it with free().
 */
int	crypto_seal(const struct keys *k, const struct crypto_ad *ad,
	    const void *plain, size_t len, unsigned char **blob, size_t *bloblen)
	    __attribute__((warn_unused_result));
/*
 * As crypto_seal(), the sealed value `head` bytes into *blob, after room
 * the caller fills (a header of its own); *bloblen counts them.
 */
int	crypto_seal_after(const struct keys *k, const struct crypto_ad *ad,
	    const void *plain, size_t len, size_t head, unsigned char **blob,
	    size_t *bloblen) __attribute__((warn_unused_result));

/*
 * Opens a sealed value. A wrong key, wrong associated data, a truncated or
 * tampered blob return -1 and leave *plain NULL. On success *plain is a new
 * NUL-terminated buffer of *plainlen bytes (plus the NUL); free it with
 * crypto_free_plain() (never free()), which wipes it.
 */
int	crypto_open(const struct keys *k, const struct crypto_ad *ad,
	    const unsigned char *blob, size_t bloblen, char **plain,
	    size_t *plainlen) __attribute__((warn_unused_result));
void	crypto_free_plain(char *plain);
/* A copy of `s` as crypto_open() gives one: crypto_free_plain() it. */
char	*crypto_plain_dup(const char *s);

/*
 * Keyed BLAKE2b blind index of `value` for equality look-ups. `domain`
 * separates kinds of values ("tg_user", "phone", "chat"): equal values of
 * different domains give different indexes.
 */
void	crypto_blind_index(const struct keys *k, const char *domain,
	    const void *value, size_t len, unsigned char out[CRYPTO_INDEX_LEN]);

/* Keyed hash of a secret token (invitation codes) under the token key. */
void	crypto_token_hash(const struct keys *k, const char *token,
	    unsigned char out[CRYPTO_HASH_LEN]);

/* `n` random bytes encoded as base64url without padding; free(). */
char	*crypto_random_token(size_t n);

#endif
