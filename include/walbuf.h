/*
 * walbuf: an SQLite VFS over the default one that writes each commit's
 * log frames in one system call instead of two per page.
 *
 * SQLite appends a commit to the write-ahead log as a 24-byte header and
 * a page per frame, a pwrite each. walbuf keeps the frames of a run of
 * appends in memory and writes them together when the frame that
 * commits is complete, so that the commit's error (a full disk) is still
 * the commit's. Everything else goes through as it came: the database
 * file, writes that are not appends (a checksum rewritten, a page
 * overwritten in place), and every read, sync, size or truncation of the
 * log writes what is held first. Nothing a reader can see is ever held:
 * SQLite publishes a commit in the shared index only after its frames
 * are written, and they are written by then. Nothing is held past the
 * write lock either: what a rolled-back transaction wrote is dropped
 * when its connection lets go of the lock, before another writer can
 * write there.
 *
 * The files are SQLite's own format; other processes open them with the
 * default VFS.
 */
#ifndef WALBUF_H
#define WALBUF_H

#include <stdint.h>

#define WALBUF_VFS	"asystent-walbuf"

struct walbuf_stats {
	uint64_t	 appends;	/* log writes held, then written */
	uint64_t	 writes;	/* log writes made of them */
	uint64_t	 passed;	/* log writes passed through as they came */
	uint64_t	 held;		/* bytes held now, not written yet */
};

/* Registers the VFS (not as the default), once: 0, or -1. */
int	walbuf_register(void);

/* What the VFS did so far, in this process. */
void	walbuf_stats(struct walbuf_stats *);

#endif
