/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-cli-usage.c — launchscope-cli's command line: --help and --version succeed, usage errors
 * exit 2 with a message naming the problem, and `demo` exits 3 saying that no CUDA driver was
 * found (or 0 where a GPU is present).  Runs the CLI given as argv[1] in child processes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lsc-test-files.h"

static const char *cli;
static int failures;

/* Runs cli with args (NULL-terminated), stdout and stderr together into out; returns the exit
 * status (128 + N after signal N). */
static int
run (const char *const *args, char *out, size_t size)
{
  const char *argv[16] = { cli };
  for (int i = 0; args[i] && i < 14; i++)
    argv[i + 1] = args[i];
  return lsc_test_run (argv, out, size);
}

static void
expect (int want, const char *pattern, const char *const *args)
{
  static char out[65536];
  int rc = run (args, out, sizeof out);
  char line[256] = "";
  for (int i = 0; args[i]; i++)
    snprintf (line + strlen (line), sizeof line - strlen (line), " %s", args[i]);
  if (rc != want || !strstr (out, pattern))
    {
      printf ("FAIL: launchscope-cli%s: exit %d (want %d), output lacks \"%s\":\n%s\n", line, rc, want, pattern, out);
      failures++;
    }
  else
    printf ("ok: launchscope-cli%s -> %d\n", line, rc);
}

#define EXPECT(rc, pattern, ...) expect ((rc), (pattern), (const char *const[]){ __VA_ARGS__, NULL })

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: %s PATH-TO-launchscope-cli\n", argv[0]);
      return 2;
    }
  cli = argv[1];
  const char *const none[] = { NULL };

  EXPECT (0, "Usage: launchscope-cli", "--help");
  EXPECT (0, "Exit status", "-h");
  EXPECT (0, "launchscope-cli 0", "--version");
  EXPECT (0, "Usage: launchscope-cli demo", "demo", "--help");
  EXPECT (0, "Usage: launchscope-cli bench", "bench", "--help");
  EXPECT (0, "Usage: launchscope-cli bench", "help", "bench");
  expect (2, "no command given", none);
  EXPECT (2, "unknown command 'frobnicate'", "frobnicate");
  EXPECT (2, "unknown option '--bogus'", "--bogus");
  EXPECT (2, "unknown option '--bogus'", "bench", "--bogus");
  EXPECT (2, "unknown option '-z'", "demo", "-z");
  EXPECT (2, "option '--n' needs a value", "bench", "--n");
  EXPECT (2, "option '--json' takes no value (got '--json=1')", "report", "--json=1", "r.lsdb");
  EXPECT (2, "option '--force' takes no value", "export", "r.lsdb", "--json", "--force=yes");
  EXPECT (2, "unknown option '--jason=1'", "report", "--jason=1", "r.lsdb");
  EXPECT (2, "export: --csv wants a directory name, got ''", "export", "r.lsdb", "--csv", "");
  EXPECT (2, "export: --trace-json wants a file name, got ''", "export", "r.lsdb", "--trace-json=");
  EXPECT (2, "export: --sqlite wants a file name", "export", "r.lsdb", "--sqlite", "");
  EXPECT (2, "export: --nsys-sqlite wants a file name", "export", "--nsys-sqlite", "", "r.lsdb");
  EXPECT (2, "from 1 to", "bench", "--n", "0");
  EXPECT (2, "from 1 to", "bench", "--iters=abc");
  EXPECT (2, "from 2 to 32", "bench", "--args", "1,8");
  EXPECT (2, "unexpected argument 'extra'", "demo", "extra");
  EXPECT (0, "Usage: launchscope-cli diff", "diff", "--help");
  EXPECT (0, "4  diff --fail-if-slower", "--help");
  EXPECT (2, "diff: no reports given: compare two (A.lsdb B.lsdb)", "diff");
  EXPECT (2, "diff: one report given: compare two (A.lsdb B.lsdb)", "diff", "a.lsdb");
  EXPECT (2, "diff: two reports at a time (got a third, 'c.lsdb')", "diff", "a.lsdb", "b.lsdb", "c.lsdb");
  EXPECT (2, "diff: --metric wants p50, p90, p99 or mean, got 'p42'", "diff", "--metric", "p42", "a.lsdb", "b.lsdb");
  EXPECT (2, "diff: --fail-if-slower wants a number from 0 to 1000000000 (e.g. 2.5), got '-5'", "diff",
          "--fail-if-slower=-5", "a.lsdb", "b.lsdb");
  EXPECT (2, "diff: --noise-ns wants a number", "diff", "--noise-ns", "lots", "a.lsdb", "b.lsdb");
  EXPECT (2, "diff: --session-a wants an integer from 0 to", "diff", "--session-a", "x", "a.lsdb", "b.lsdb");
  EXPECT (2, "diff: --json and --csv exclude each other", "diff", "--json", "--csv", "a.lsdb", "b.lsdb");
  EXPECT (2, "option '--metric' needs a value", "diff", "a.lsdb", "b.lsdb", "--metric");

  /* demo: 0 with a GPU, or 3 saying that no driver (or device) was found and what still works. */
  static char out[65536];
  const char *const demo[] = { "demo", NULL };
  int rc = run (demo, out, sizeof out);
  if (rc == 3 && (strstr (out, "no CUDA driver found") || strstr (out, "no device") || strstr (out, "NVRTC"))
      && strstr (out, "still work"))
    printf ("ok: launchscope-cli demo -> 3 (no GPU here)\n");
  else if (rc == 0)
    printf ("ok: launchscope-cli demo -> 0 (GPU present)\n");
  else
    {
      printf ("FAIL: launchscope-cli demo: exit %d:\n%s\n", rc, out);
      failures++;
    }

  printf ("%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
