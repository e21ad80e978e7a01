/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-test-files.h — what the suites that write files and run programs share: a temporary
 * folder per test (never the working directory), paths in it, and running a program with its
 * output captured.  Header-only: each test program includes it once.
 */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Makes a fresh folder $TMPDIR/PREFIX-XXXXXX (/tmp without TMPDIR) into dir; false on failure. */
static inline int
lsc_test_dir_make (char *dir, size_t size, const char *prefix)
{
  const char *base = getenv ("TMPDIR");
  snprintf (dir, size, "%s/%s-XXXXXX", base && *base ? base : "/tmp", prefix);
  return mkdtemp (dir) != NULL;
}

static inline void
lsc_test_dir_remove (const char *dir)
{
  char cmd[600];
  snprintf (cmd, sizeof cmd, "chmod -R u+rwX '%s' 2>/dev/null; rm -rf '%s'", dir, dir);
  if (system (cmd) != 0)
    fprintf (stderr, "could not remove %s\n", dir);
}

/* dir/name, in one of eight buffers used in turn (enough for the paths one check holds). */
static inline const char *
lsc_test_path (const char *dir, const char *name)
{
  static char buf[8][512];
  static int next;
  char *p = buf[next++ % 8];
  snprintf (p, 512, "%s/%s", dir, name);
  return p;
}

/* Runs argv[0] with argv (NULL-terminated), its standard output and error together into out
 * (NUL-terminated, cut to size).  Returns its exit status as a shell gives it (128 + N after
 * signal N), or -1 when it could not be run. */
static inline int
lsc_test_run (const char *const *argv, char *out, size_t size)
{
  int fds[2];
  if (pipe (fds) != 0)
    return -1;
  pid_t pid = fork ();
  if (pid == 0)
    {
      dup2 (fds[1], STDOUT_FILENO);
      dup2 (fds[1], STDERR_FILENO);
      close (fds[0]);
      close (fds[1]);
      execv (argv[0], (char *const *) argv);
      fprintf (stderr, "exec %s: %s\n", argv[0], strerror (errno));
      _exit (127);
    }
  close (fds[1]);
  size_t len = 0;
  ssize_t r;
  while ((r = read (fds[0], out + len, size - 1 - len)) > 0 || (r < 0 && errno == EINTR))
    if (r > 0 && (len += (size_t) r) == size - 1)
      break;
  out[len] = '\0';
  close (fds[0]);
  int status = 0;
  if (pid < 0 || waitpid (pid, &status, 0) != pid)
    return -1;
  return WIFEXITED (status) ? WEXITSTATUS (status) : WIFSIGNALED (status) ? 128 + WTERMSIG (status) : -1;
}
