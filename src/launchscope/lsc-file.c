/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-file.c — regular files only, and one writer per report (see lsc-file.h).
 *
 * The writer's lock is an open-file-description lock (F_OFD_SETLK) on REPORT.lock: unlike a
 * POSIX record lock it is not dropped when some other descriptor of the file closes, a reader
 * can test it without taking it (F_OFD_GETLK), and the kernel drops it when the holder dies,
 * so a lock file left by a crash never blocks the next recording.  The file itself carries
 * the holder's pid, host and command name, which no kernel lock can report.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lsc-file.h"

/* ---- SQLite opens only regular files ------------------------------------------------------ */

typedef int (*lsc__open_fn) (const char *, int, int);

static _Atomic (lsc__open_fn) lsc__unix_open;
static pthread_once_t lsc__guard_once = PTHREAD_ONCE_INIT;

static int
lsc__guarded_open (const char *path, int flags, int mode)
{
  /* O_NONBLOCK: opening a FIFO for reading must not wait for a writer before we can look. */
  int fd = atomic_load (&lsc__unix_open) (path, flags | O_NONBLOCK | O_NOCTTY, mode);
  if (fd < 0)
    return fd;
  struct stat st;
  if (fstat (fd, &st) != 0 || !(S_ISREG (st.st_mode) || S_ISDIR (st.st_mode)))
    {
      close (fd);
      errno = EINVAL;
      return -1;
    }
  if (!(flags & O_NONBLOCK))
    fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

static void
lsc__install_guard (void)
{
  /* The unix VFS seeds SQLite's PRNG from /dev/urandom, a device: seed it before the guard
   * would refuse that (a refusal is harmless, SQLite falls back to time and pid, but weaker). */
  unsigned char seed;
  sqlite3_randomness (1, &seed);
  sqlite3_vfs *vfs = sqlite3_vfs_find ("unix");
  if (!vfs || vfs->iVersion < 3 || !vfs->xGetSystemCall || !vfs->xSetSystemCall)
    return;
  lsc__open_fn previous = (lsc__open_fn) vfs->xGetSystemCall (vfs, "open");
  if (!previous)
    return;
  atomic_store (&lsc__unix_open, previous);
  vfs->xSetSystemCall (vfs, "open", (sqlite3_syscall_ptr) lsc__guarded_open);
}

void
lsc__sqlite_refuse_special_files (void)
{
  pthread_once (&lsc__guard_once, lsc__install_guard);
}

/* ---- what may be replaced ----------------------------------------------------------------- */

const char *
lsc__file_kind_name (mode_t mode)
{
  if (S_ISDIR (mode))
    return "a directory";
  if (S_ISFIFO (mode))
    return "a FIFO";
  if (S_ISCHR (mode))
    return "a character device";
  if (S_ISBLK (mode))
    return "a block device";
  if (S_ISSOCK (mode))
    return "a socket";
  if (S_ISLNK (mode))
    return "a symbolic link";
  return "not a regular file";
}

bool
lsc__file_replaceable (const char *path, char *kind, size_t kind_size)
{
  struct stat st;
  if (kind_size)
    kind[0] = '\0';
  /* stat, not lstat: a link is replaced by a rename, but a writer in place (a recording)
   * follows it, so what it points at is what counts. */
  if (stat (path, &st) != 0 || S_ISREG (st.st_mode))
    return true;
  snprintf (kind, kind_size, "%s", lsc__file_kind_name (st.st_mode));
  return false;
}

const char *const lsc__side_suffixes[LSC__SIDE_FILES] = { "-wal", "-shm", "-journal" };

bool
lsc__side_files_replaceable (const char *path, char *name, size_t name_size, char *kind, size_t kind_size)
{
  for (size_t i = 0; i < LSC__SIDE_FILES; i++)
    {
      snprintf (name, name_size, "%s%s", path, lsc__side_suffixes[i]);
      if (!lsc__file_replaceable (name, kind, kind_size))
        return false;
    }
  return true;
}

/* ---- the writer's lock -------------------------------------------------------------------- */

struct lsc_file_lock {
  int fd;
  char *lock_path;
};

static char *
lsc__lock_path (const char *path)
{
  size_t n = strlen (path) + sizeof ".lock";
  char *p = malloc (n);
  if (p)
    snprintf (p, n, "%s.lock", path);
  return p;
}

/* The holder's description as its lock file says it, "pid 123 (launchscope-cli) on host". */
static pid_t
lsc__read_holder (int fd, char *holder, size_t holder_size)
{
  char buf[512];
  ssize_t n = pread (fd, buf, sizeof buf - 1, 0);
  buf[n > 0 ? n : 0] = '\0';
  long pid = 0;
  char host[256] = "", comm[64] = "";
  if (sscanf (buf, "%ld %255s %63[^\n]", &pid, host, comm) < 1 || pid <= 0)
    {
      snprintf (holder, holder_size, "another process");
      return 0;
    }
  if (*comm)
    snprintf (holder, holder_size, "process %ld (%s) on %s", pid, comm, host);
  else
    snprintf (holder, holder_size, "process %ld", pid);
  return (pid_t) pid;
}

static void
lsc__write_holder (int fd)
{
  char host[256] = "?", comm[64] = "?", buf[400];
  if (gethostname (host, sizeof host) != 0)
    snprintf (host, sizeof host, "?");
  host[sizeof host - 1] = '\0';
  for (char *c = host; *c; c++)
    if (*c == ' ' || *c == '\n')
      *c = '_';
  FILE *f = fopen ("/proc/self/comm", "r");
  if (f)
    {
      if (!fgets (comm, sizeof comm, f))
        snprintf (comm, sizeof comm, "?");
      comm[strcspn (comm, "\n")] = '\0';
      fclose (f);
    }
  int n = snprintf (buf, sizeof buf, "%ld %s %s\n", (long) getpid (), host, comm);
  if (ftruncate (fd, 0) == 0 && n > 0)
    {
      ssize_t w = pwrite (fd, buf, (size_t) n, 0);
      (void) w; /* the lock holds without it; the description is a courtesy to the refused */
    }
}

static struct flock
lsc__whole_file (short type)
{
  struct flock fl;
  memset (&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  return fl;
}

lsc_file_lock *
lsc__file_lock_acquire (const char *path, char *err, size_t err_size)
{
  char *lock_path = lsc__lock_path (path);
  if (!lock_path)
    {
      snprintf (err, err_size, "%s: out of memory", path);
      return NULL;
    }
  /* Another writer may remove the lock file between our open and our lock: then the lock we got
   * is on a file nobody else sees, so look again. */
  for (int attempt = 0; attempt < 16; attempt++)
    {
      int fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0644);
      if (fd < 0)
        {
          int e = errno;
          snprintf (err, err_size, "cannot lock report %s: cannot create %s: %s%s", path, lock_path, strerror (e),
                    e == ENOENT ? " (does its folder exist?)" : "");
          break;
        }
      struct stat st, named;
      if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
        {
          snprintf (err, err_size, "cannot lock report %s: %s is %s, not a lock file", path, lock_path,
                    lsc__file_kind_name (st.st_mode));
          close (fd);
          break;
        }
      struct flock fl = lsc__whole_file (F_WRLCK);
      if (fcntl (fd, F_OFD_SETLK, &fl) != 0)
        {
          int e = errno;
          if (e == EAGAIN || e == EACCES)
            {
              char holder[400];
              /* The holder writes its name right after locking: give it a moment. */
              for (int i = 0; i < 50 && lsc__read_holder (fd, holder, sizeof holder) == 0; i++)
                nanosleep (&(struct timespec){ .tv_nsec = 2000000 }, NULL);
              snprintf (err, err_size,
                        "report %s is being recorded by %s (lock file %s): choose another report name, or wait "
                        "for that recording to stop",
                        path, holder, lock_path);
            }
          else
            snprintf (err, err_size, "cannot lock report %s (%s): %s", path, lock_path, strerror (e));
          close (fd);
          break;
        }
      if (stat (lock_path, &named) != 0 || named.st_dev != st.st_dev || named.st_ino != st.st_ino)
        {
          close (fd);
          continue;
        }
      fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
      lsc__write_holder (fd);
      lsc_file_lock *lock = malloc (sizeof *lock);
      if (!lock)
        {
          close (fd);
          snprintf (err, err_size, "%s: out of memory", path);
          break;
        }
      lock->fd = fd;
      lock->lock_path = lock_path;
      return lock;
    }
  if (err_size && !err[0])
    snprintf (err, err_size, "cannot lock report %s: its lock file %s keeps changing", path, lock_path);
  free (lock_path);
  return NULL;
}

void
lsc__file_lock_release (lsc_file_lock *lock)
{
  if (!lock)
    return;
  /* Unlink before unlocking: whoever locks the old file after this finds it gone and retries. */
  unlink (lock->lock_path);
  if (lock->fd >= 0)
    close (lock->fd);
  free (lock->lock_path);
  free (lock);
}

void
lsc__file_lock_drop_inherited (lsc_file_lock *lock)
{
  if (lock && lock->fd >= 0)
    {
      close (lock->fd);
      lock->fd = -1;
    }
}

bool
lsc__file_lock_held (const char *path, pid_t *pid, char *holder, size_t holder_size)
{
  if (pid)
    *pid = 0;
  if (holder_size)
    holder[0] = '\0';
  char *lock_path = lsc__lock_path (path);
  if (!lock_path)
    return false;
  int fd = open (lock_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  free (lock_path);
  if (fd < 0)
    return false;
  struct stat st;
  struct flock fl = lsc__whole_file (F_WRLCK);
  bool held = fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && fcntl (fd, F_OFD_GETLK, &fl) == 0
              && fl.l_type != F_UNLCK;
  if (held)
    {
      char desc[400];
      pid_t p = lsc__read_holder (fd, desc, sizeof desc);
      if (pid)
        *pid = p;
      snprintf (holder, holder_size, "%s", desc);
    }
  close (fd);
  return held;
}
