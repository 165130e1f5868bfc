/*
 * Rotating the master key while the daemon serves. A new key is written
 * beside the key file (`key_file` + ".new", 0600) and used at once for
 * everything new; the old one stays in memory as the previous keys
 * (seal_set_previous(), keystore_set_masters()) for what was sealed or
 * indexed under it; the outbox's rows not sent take the new chat keys
 * in the transaction that starts it. A job on the loop then, in slices,
 * wraps the families' keys again (keystore.h), seals again the values
 * under the master key and rebuilds the blind indexes with the new keys
 * (unused invitation codes hashed again from their sealed copies), each
 * slice one transaction that notes where it stands (meta rotate.*). A
 * kill at any point resumes at the next start: both key files are there
 * then, and the new one is the one in use. When the last row is done
 * the old key file is renamed `key_file` + ".retired-<unix time>" and
 * the new one takes its name.
 */
#ifndef ASYSTENT_ROTATE_H
#define ASYSTENT_ROTATE_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct keys;
struct keystore;
struct outbox;
struct people;
struct rotate;
struct store;

/*
 * The keys at start, from the key file `path` and a rotation's new key
 * beside it: *keys is the key in use (the new one while rotating),
 * *prev the old one while rotating, else NULL. A new key left alone by
 * a crash during the final renames takes the key file's name. On error
 * a one-line reason is in err.
 */
int	rotate_load(const char *path, struct keys **keys, struct keys **prev,
	    char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * The rotation job. It takes `prev` (NULL: none running) and resumes the
 * rotation it belongs to; `keys` is the app's keys, replaced in place
 * when a rotation starts. `path` NULL: the key is a credential that
 * cannot be rotated here. `slice`: rows a transaction.
 */
struct rotate *rotate_new(struct event_base *base, struct store *st,
	    struct keystore *ks, struct people *people, struct outbox *ob,
	    struct keys *keys, struct keys *prev, const char *path,
	    int slice);
void	rotate_free(struct rotate *r);

enum rotate_rc {
	ROTATE_OK = 0,
	ROTATE_ERR = -1,
	ROTATE_RUNNING = -2,	/* one is running already */
	ROTATE_NOT_HERE = -3	/* the key is not a file of ours to replace */
};

/* Starts a rotation: the new key made, in use from now on. */
int	rotate_start(struct rotate *r, char *err, size_t errlen)
	    __attribute__((warn_unused_result));

struct rotate_progress {
	int		 running;
	const char	*step;		/* "keystore", a table, "finish" */
	int		 steps_done;
	int		 steps;
	int64_t		 rows;		/* values and indexes rewritten */
	int64_t		 started_at;	/* unix s */
};
void	rotate_progress(const struct rotate *r, struct rotate_progress *p);

#endif
