/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-file.h — what a report file may be, and who may write it.
 *
 * Reports and exports are regular files.  A FIFO, a device or a socket given as a report (or
 * lying where SQLite opens a report's -wal, -shm or -journal) must never be opened for real:
 * opening a FIFO blocks until a writer appears, and replacing /dev/null with a report destroys
 * it.  And one report has one writer: a recorder holds the report's lock file (REPORT.lock,
 * beside it) for as long as it writes, so a second recorder is refused with the holder's pid
 * instead of replacing the first one's launches.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Makes every file SQLite opens in this process through its unix VFS refuse what is neither a
 * regular file nor a directory, on the descriptor it opened (no check-then-open window): a
 * FIFO, socket or device then fails to open at once instead of blocking.  Process-wide and
 * idempotent; liblaunchscope calls it before each SQLite open of its own. */
void lsc__sqlite_refuse_special_files (void);

/* Empty when path does not exist or is a regular file (or a symbolic link to one, or to
 * nothing): something a report or an export may replace.  Otherwise writes why not ("a FIFO",
 * "a directory", ...) into kind and returns false. */
bool lsc__file_replaceable (const char *path, char *kind, size_t kind_size);

/* The files SQLite opens beside a report: REPORT-wal, -shm and -journal. */
#define LSC__SIDE_FILES 3
extern const char *const lsc__side_suffixes[LSC__SIDE_FILES];

/* True when none of path's side files is anything but a regular file (or absent); otherwise
 * writes the offending file's name and kind and returns false. */
bool lsc__side_files_replaceable (const char *path, char *name, size_t name_size, char *kind, size_t kind_size);

/* "a FIFO", "a character device", ... for a non-regular st_mode. */
const char *lsc__file_kind_name (mode_t mode);

typedef struct lsc_file_lock lsc_file_lock;

/* Takes the writer's lock of the report at path: creates or reuses path.lock, holds an flock on
 * it and writes this process's pid, host and command name into it.  A lock left by a process
 * that died is taken over (the kernel dropped its flock).  Returns NULL with a message naming
 * the report and the holder in err when another process (or another recorder in this one)
 * holds it, or when the lock file cannot be created. */
lsc_file_lock *lsc__file_lock_acquire (const char *path, char *err, size_t err_size);

/* Removes the lock file and releases the lock.  NULL is ignored. */
void lsc__file_lock_release (lsc_file_lock *lock);

/* In a child forked from the holder: closes the child's copy of the lock's descriptor, which
 * would otherwise keep the lock held after the holder died.  Async-signal-safe. */
void lsc__file_lock_drop_inherited (lsc_file_lock *lock);

/* For readers: true when a writer holds the lock of the report at path now; *pid and the
 * holder's description ("pid 1234 (launchscope-cli) on host") are filled when it does. */
bool lsc__file_lock_held (const char *path, pid_t *pid, char *holder, size_t holder_size);
