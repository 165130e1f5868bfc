/*
 * walbuf: the log's frames of a commit written in one system call
 * (include/walbuf.h).
 *
 * A file opened through this VFS is the default VFS's file with these
 * methods in front. Only the write-ahead log's are other than a pass
 * through: its appends are held in `buf` and written when the frame that
 * commits is complete, when they outgrow WALBUF_MAX, or before anything
 * else touches the file.
 *
 * Which writes are appends: SQLite writes a log as a 32-byte header at
 * offset 0, then frames, each a 24-byte header and a page, one after the
 * other. A write that begins where the previous one ended continues the
 * run; anything else (a checksum rewritten, a page overwritten in place,
 * frames written again after a rollback) goes through at once, after
 * what is held. A frame header whose bytes 4-7 are not zero is a commit
 * frame's: the page after it ends the commit, and the run is written
 * then, so a full disk fails that commit and no other.
 *
 * Frames are held only while their connection holds the log's write
 * lock. A transaction rolled back leaves the frames it wrote for nothing;
 * held past the lock, they could be written later over another writer's
 * commit. So each log knows its database file (the same connection's,
 * found by the name SQLite gives both): letting go of the write lock
 * drops what the log holds, and any other lock or unlock on the shared
 * index, a barrier or an unmap writes it first.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "walbuf.h"

#define WAL_HDR		32	/* the log's header, at offset 0 */
#define WAL_FRAME_HDR	24	/* each frame's, before its page */
#define WAL_WRITE_LOCK	0	/* the writers' lock in the shared index */
#define WALBUF_MAX	(4 * 1024 * 1024)	/* held at most */
#define WALBUF_KEEP	(1024 * 1024)	/* a larger buffer is freed after */
/*
 * The most one write passes down: SQLite's unix VFS masks a write's
 * length with 0x1ffff (seekAndWriteFd()), so it takes less than 128 KiB.
 */
#define WALBUF_CHUNK	(124 * 1024)

struct wbfile {
	sqlite3_file	 base;
	sqlite3_file	*real;		/* the default VFS's, after this */
	unsigned char	*buf;		/* held appends */
	size_t		 len, cap;
	sqlite3_int64	 off;		/* where buf[0] goes */
	sqlite3_int64	 end;		/* where the last write ended; -1 */
	int		 commit;	/* the last write: a commit frame's header */
	int		 lost;		/* an error writing held frames, untold */
	/* A database file: its name, its log when open, the next one. */
	const char	*name;
	struct wbfile	*wal;
	struct wbfile	*next;
	struct wbfile	*db;		/* a log: its database file, or NULL */
};

/* The database files open, for their logs to find. */
static pthread_mutex_t	 wb_dbs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wbfile	*wb_dbs;

static sqlite3_vfs	*wb_real;
static _Atomic uint64_t	 wb_appends, wb_writes, wb_passed, wb_held;

static void
wb_count(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static void
wb_hold_count(size_t n, int add)
{
	if (add)
		atomic_fetch_add_explicit(&wb_held, n, memory_order_relaxed);
	else
		atomic_fetch_sub_explicit(&wb_held, n, memory_order_relaxed);
}

/* What is held, dropped unwritten; where the next append goes, unknown. */
static void
wb_drop(struct wbfile *f)
{
	wb_hold_count(f->len, 0);
	f->len = 0;
	f->end = -1;
}

/*
 * Writes what is held; on an error drops it and forgets the end. An
 * error met earlier where it could not be told is told now instead.
 */
static int
wb_flush(struct wbfile *f)
{
	size_t	 done, n;
	int	 rc = SQLITE_OK;

	if (f->lost != SQLITE_OK) {
		rc = f->lost;
		f->lost = SQLITE_OK;
		wb_drop(f);
		return rc;
	}
	for (done = 0; done < f->len && rc == SQLITE_OK; done += n) {
		n = f->len - done < WALBUF_CHUNK ? f->len - done : WALBUF_CHUNK;
		rc = f->real->pMethods->xWrite(f->real, f->buf + done, (int)n,
		    f->off + (sqlite3_int64)done);
		wb_count(&wb_writes);
	}
	wb_hold_count(f->len, 0);
	f->len = 0;
	if (f->cap > WALBUF_KEEP) {
		free(f->buf);
		f->buf = NULL;
		f->cap = 0;
	}
	if (rc != SQLITE_OK)
		f->end = -1;
	return rc;
}

static int
wb_hold(struct wbfile *f, const void *data, int n, sqlite3_int64 ofs)
{
	size_t		 need = f->len + (size_t)n, cap;
	unsigned char	*p;

	if (need > f->cap) {
		cap = f->cap != 0 ? f->cap : 64 * 1024;
		while (cap < need)
			cap *= 2;
		if ((p = realloc(f->buf, cap)) == NULL)
			return -1;
		f->buf = p;
		f->cap = cap;
	}
	if (f->len == 0)
		f->off = ofs;
	memcpy(f->buf + f->len, data, (size_t)n);
	f->len = need;
	wb_hold_count((size_t)n, 1);
	return 0;
}

static int
wb_is_commit_header(const void *data, int n)
{
	const unsigned char	*p = data;

	return n == WAL_FRAME_HDR && (p[4] | p[5] | p[6] | p[7]) != 0;
}

static int
wb_wal_write(sqlite3_file *file, const void *data, int n, sqlite3_int64 ofs)
{
	struct wbfile	*f = (struct wbfile *)file;
	int		 commit = f->commit, rc;

	if (f->lost != SQLITE_OK)
		return wb_flush(f);	/* tells it, once */
	f->commit = wb_is_commit_header(data, n);
	/* A log whose database file is not known holds nothing. */
	if (f->db != NULL && (ofs == f->end || (ofs == 0 && n == WAL_HDR))) {
		if (f->len > 0 && ofs != f->off + (sqlite3_int64)f->len &&
		    (rc = wb_flush(f)) != SQLITE_OK)
			return rc;
		if (wb_hold(f, data, n, ofs) == 0) {
			wb_count(&wb_appends);
			f->end = ofs + n;
			if (commit || f->len >= WALBUF_MAX)
				return wb_flush(f);
			return SQLITE_OK;
		}
		/* Out of memory: written as it came, in order. */
	}
	if ((rc = wb_flush(f)) != SQLITE_OK)
		return rc;
	wb_count(&wb_passed);
	rc = f->real->pMethods->xWrite(f->real, data, n, ofs);
	f->end = rc == SQLITE_OK ? ofs + n : -1;
	return rc;
}

/* ---- the log: everything else writes what is held first ----------------- */

static int
wb_wal_close(sqlite3_file *file)
{
	struct wbfile	*f = (struct wbfile *)file;
	int		 rc, rc2;

	rc = wb_flush(f);
	free(f->buf);
	f->buf = NULL;
	pthread_mutex_lock(&wb_dbs_lock);
	if (f->db != NULL)
		f->db->wal = NULL;
	f->db = NULL;
	pthread_mutex_unlock(&wb_dbs_lock);
	rc2 = f->real->pMethods->xClose(f->real);
	return rc != SQLITE_OK ? rc : rc2;
}

static int
wb_wal_read(sqlite3_file *file, void *data, int n, sqlite3_int64 ofs)
{
	struct wbfile	*f = (struct wbfile *)file;
	int		 rc;

	if ((rc = wb_flush(f)) != SQLITE_OK)
		return rc;
	return f->real->pMethods->xRead(f->real, data, n, ofs);
}

static int
wb_wal_truncate(sqlite3_file *file, sqlite3_int64 size)
{
	struct wbfile	*f = (struct wbfile *)file;
	int		 rc;

	if ((rc = wb_flush(f)) != SQLITE_OK)
		return rc;
	if (f->end > size)
		f->end = -1;
	return f->real->pMethods->xTruncate(f->real, size);
}

static int
wb_wal_sync(sqlite3_file *file, int flags)
{
	struct wbfile	*f = (struct wbfile *)file;
	int		 rc;

	if ((rc = wb_flush(f)) != SQLITE_OK)
		return rc;
	return f->real->pMethods->xSync(f->real, flags);
}

static int
wb_wal_size(sqlite3_file *file, sqlite3_int64 *size)
{
	struct wbfile	*f = (struct wbfile *)file;
	int		 rc;

	if ((rc = wb_flush(f)) != SQLITE_OK)
		return rc;
	return f->real->pMethods->xFileSize(f->real, size);
}

static int
wb_wal_control(sqlite3_file *file, int op, void *arg)
{
	struct wbfile	*f = (struct wbfile *)file;
	int		 rc;

	if ((rc = wb_flush(f)) != SQLITE_OK)
		return rc;
	return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int
wb_wal_fetch(sqlite3_file *file, sqlite3_int64 ofs, int n, void **pp)
{
	struct wbfile	*f = (struct wbfile *)file;
	int		 rc;

	*pp = NULL;
	if ((rc = wb_flush(f)) != SQLITE_OK)
		return rc;
	return f->real->pMethods->xFetch(f->real, ofs, n, pp);
}

/* ---- passed through as they are ----------------------------------------- */

#define REAL(file)	(((struct wbfile *)(file))->real)

static int
wb_close(sqlite3_file *file)
{
	struct wbfile	*f = (struct wbfile *)file, **p;

	pthread_mutex_lock(&wb_dbs_lock);
	for (p = &wb_dbs; *p != NULL; p = &(*p)->next)
		if (*p == f) {
			*p = f->next;
			break;
		}
	if (f->wal != NULL)
		f->wal->db = NULL;
	f->wal = NULL;
	pthread_mutex_unlock(&wb_dbs_lock);
	return REAL(file)->pMethods->xClose(REAL(file));
}

static int
wb_read(sqlite3_file *file, void *data, int n, sqlite3_int64 ofs)
{
	return REAL(file)->pMethods->xRead(REAL(file), data, n, ofs);
}

static int
wb_write(sqlite3_file *file, const void *data, int n, sqlite3_int64 ofs)
{
	return REAL(file)->pMethods->xWrite(REAL(file), data, n, ofs);
}

static int
wb_truncate(sqlite3_file *file, sqlite3_int64 size)
{
	return REAL(file)->pMethods->xTruncate(REAL(file), size);
}

static int
wb_sync(sqlite3_file *file, int flags)
{
	return REAL(file)->pMethods->xSync(REAL(file), flags);
}

static int
wb_size(sqlite3_file *file, sqlite3_int64 *size)
{
	return REAL(file)->pMethods->xFileSize(REAL(file), size);
}

static int
wb_control(sqlite3_file *file, int op, void *arg)
{
	return REAL(file)->pMethods->xFileControl(REAL(file), op, arg);
}

static int
wb_fetch(sqlite3_file *file, sqlite3_int64 ofs, int n, void **pp)
{
	return REAL(file)->pMethods->xFetch(REAL(file), ofs, n, pp);
}

static int
wb_lock(sqlite3_file *file, int lock)
{
	return REAL(file)->pMethods->xLock(REAL(file), lock);
}

static int
wb_unlock(sqlite3_file *file, int lock)
{
	return REAL(file)->pMethods->xUnlock(REAL(file), lock);
}

static int
wb_reserved(sqlite3_file *file, int *out)
{
	return REAL(file)->pMethods->xCheckReservedLock(REAL(file), out);
}

static int
wb_sector(sqlite3_file *file)
{
	return REAL(file)->pMethods->xSectorSize(REAL(file));
}

static int
wb_device(sqlite3_file *file)
{
	return REAL(file)->pMethods->xDeviceCharacteristics(REAL(file));
}

static int
wb_shm_map(sqlite3_file *file, int pg, int pgsz, int extend,
    void volatile **pp)
{
	return REAL(file)->pMethods->xShmMap(REAL(file), pg, pgsz, extend, pp);
}

/*
 * What the database file's log holds, written, before anything else is
 * done to the shared index. Nothing should be held by then (a commit
 * writes its frames at once); should a transaction's frames be, an error
 * writing them fails that transaction's next call on the log rather than
 * going untold.
 */
static void
wb_flush_log(sqlite3_file *file)
{
	struct wbfile	*f = (struct wbfile *)file;
	int		 rc;

	if (f->wal != NULL && (rc = wb_flush(f->wal)) != SQLITE_OK)
		f->wal->lost = rc;
}

static int
wb_shm_lock(sqlite3_file *file, int ofs, int n, int flags)
{
	struct wbfile	*f = (struct wbfile *)file, *wal = f->wal;

	/*
	 * The write lock let go of: a commit wrote its frames before, so
	 * what is held belongs to a transaction rolled back, and SQLite
	 * writes over it. Dropped, as it may not be written after the lock.
	 */
	if (ofs == WAL_WRITE_LOCK && (flags & SQLITE_SHM_UNLOCK) &&
	    wal != NULL && wal->len > 0)
		wb_drop(wal);
	wb_flush_log(file);
	return REAL(file)->pMethods->xShmLock(REAL(file), ofs, n, flags);
}

static void
wb_shm_barrier(sqlite3_file *file)
{
	wb_flush_log(file);
	REAL(file)->pMethods->xShmBarrier(REAL(file));
}

static int
wb_shm_unmap(sqlite3_file *file, int delete)
{
	wb_flush_log(file);
	return REAL(file)->pMethods->xShmUnmap(REAL(file), delete);
}

static int
wb_unfetch(sqlite3_file *file, sqlite3_int64 ofs, void *p)
{
	return REAL(file)->pMethods->xUnfetch(REAL(file), ofs, p);
}

static const sqlite3_io_methods wb_methods = {
	3, wb_close, wb_read, wb_write, wb_truncate, wb_sync, wb_size,
	wb_lock, wb_unlock, wb_reserved, wb_control, wb_sector, wb_device,
	wb_shm_map, wb_shm_lock, wb_shm_barrier, wb_shm_unmap, wb_fetch,
	wb_unfetch
};

static const sqlite3_io_methods wb_wal_methods = {
	3, wb_wal_close, wb_wal_read, wb_wal_write, wb_wal_truncate,
	wb_wal_sync, wb_wal_size, wb_lock, wb_unlock, wb_reserved,
	wb_wal_control, wb_sector, wb_device, wb_shm_map, wb_shm_lock,
	wb_shm_barrier, wb_shm_unmap, wb_wal_fetch, wb_unfetch
};

/* ---- the VFS: the default one's, opening files with the methods above --- */

/*
 * A database file is listed; a log finds the database file of its own
 * connection: SQLite names both from one buffer, so the database's name
 * of a log's name is the very pointer the database file was opened with.
 */
static void
wb_link(struct wbfile *f, const char *name, int flags)
{
	struct wbfile	*d;
	const char	*db;

	if (name == NULL)
		return;
	pthread_mutex_lock(&wb_dbs_lock);
	if (flags & SQLITE_OPEN_MAIN_DB) {
		f->name = name;
		f->next = wb_dbs;
		wb_dbs = f;
	} else if (flags & SQLITE_OPEN_WAL) {
		db = sqlite3_filename_database(name);
		for (d = wb_dbs; d != NULL; d = d->next)
			if (d->name == db && d->wal == NULL) {
				d->wal = f;
				f->db = d;
				break;
			}
	}
	pthread_mutex_unlock(&wb_dbs_lock);
}

static int
wb_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
    int *out)
{
	struct wbfile	*f = (struct wbfile *)file;
	int		 rc;

	(void)vfs;
	memset(f, 0, sizeof *f);
	f->real = (sqlite3_file *)(f + 1);
	f->end = -1;
	rc = wb_real->xOpen(wb_real, name, f->real, flags, out);
	/* SQLite calls xClose whenever pMethods is set, even on failure. */
	if (f->real->pMethods == NULL)
		f->base.pMethods = NULL;
	else if ((flags & SQLITE_OPEN_WAL) && f->real->pMethods->iVersion >= 3)
		f->base.pMethods = &wb_wal_methods;
	else if (f->real->pMethods->iVersion >= 3)
		f->base.pMethods = &wb_methods;
	else {
		/* Not the default VFS this was written for: refused. */
		f->real->pMethods->xClose(f->real);
		f->base.pMethods = NULL;
		rc = SQLITE_CANTOPEN;
	}
	if (rc == SQLITE_OK && f->base.pMethods != NULL)
		wb_link(f, name, flags);
	return rc;
}

static int
wb_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
	(void)vfs;
	return wb_real->xDelete(wb_real, name, sync);
}

static int
wb_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return wb_real->xAccess(wb_real, name, flags, out);
}

static int
wb_fullpath(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return wb_real->xFullPathname(wb_real, name, n, out);
}

static void *
wb_dlopen(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return wb_real->xDlOpen(wb_real, name);
}

static void
wb_dlerror(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	wb_real->xDlError(wb_real, n, out);
}

static void (*wb_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return wb_real->xDlSym(wb_real, h, sym);
}

static void
wb_dlclose(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	wb_real->xDlClose(wb_real, h);
}

static int
wb_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return wb_real->xRandomness(wb_real, n, out);
}

static int
wb_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return wb_real->xSleep(wb_real, us);
}

static int
wb_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return wb_real->xCurrentTime(wb_real, out);
}

static int
wb_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return wb_real->xGetLastError(wb_real, n, out);
}

static int
wb_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return wb_real->xCurrentTimeInt64(wb_real, out);
}

static sqlite3_vfs wb_vfs = {
	2, 0, 0, NULL, WALBUF_VFS, NULL, wb_open, wb_delete, wb_access,
	wb_fullpath, wb_dlopen, wb_dlerror, wb_dlsym, wb_dlclose,
	wb_randomness, wb_sleep, wb_time, wb_last_error, wb_time64,
	NULL, NULL, NULL
};

int
walbuf_register(void)
{
	sqlite3_vfs	*real;

	if (sqlite3_vfs_find(WALBUF_VFS) != NULL)
		return 0;
	if (sqlite3_initialize() != SQLITE_OK ||
	    (real = sqlite3_vfs_find(NULL)) == NULL || real->iVersion < 2)
		return -1;
	wb_real = real;
	wb_vfs.szOsFile = (int)sizeof(struct wbfile) + real->szOsFile;
	wb_vfs.mxPathname = real->mxPathname;
	return sqlite3_vfs_register(&wb_vfs, 0) == SQLITE_OK ? 0 : -1;
}

void
walbuf_stats(struct walbuf_stats *s)
{
	s->appends = atomic_load_explicit(&wb_appends, memory_order_relaxed);
	s->writes = atomic_load_explicit(&wb_writes, memory_order_relaxed);
	s->passed = atomic_load_explicit(&wb_passed, memory_order_relaxed);
	s->held = atomic_load_explicit(&wb_held, memory_order_relaxed);
}
