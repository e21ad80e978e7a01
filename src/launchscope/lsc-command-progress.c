/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-command-progress.c — what a running `record -- COMMAND` has recorded so far (see
 * lsc-command.h), read from its processes' parts while they grow.
 *
 * Each part is a report in WAL mode while its process records, so a read-only reader sees every
 * committed batch and never blocks the writer.  A part is opened only while its process still
 * holds the part's lock: once the lock goes, `record` may be gathering and removing the parts
 * folder, and opening a WAL file then would create a -shm in a folder about to be removed.
 * Each part is opened and closed per read, so no read transaction outlives the call.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastlaunch.h"
#include "lsc-command.h"
#include "lsc-file.h"
#include "lsc-percentile.h"
#include "lsc-report-private.h"

typedef struct {
  int64_t value, weight;
} lsc__weighted;

static int
lsc__cmp_weighted (const void *a, const void *b)
{
  int64_t x = ((const lsc__weighted *) a)->value, y = ((const lsc__weighted *) b)->value;
  return (x > y) - (x < y);
}

/* The value at the nearest rank of the half of the total weight, values sorted. */
static int64_t
lsc__weighted_median (lsc__weighted *v, size_t n)
{
  int64_t total = 0;
  for (size_t i = 0; i < n; i++)
    total += v[i].weight;
  if (total <= 0)
    return 0;
  qsort (v, n, sizeof *v, lsc__cmp_weighted);
  int64_t rank = (int64_t) lsc_percentile_index ((size_t) total, 50) + 1, seen = 0;
  for (size_t i = 0; i < n; i++)
    if ((seen += v[i].weight) >= rank)
      return v[i].value;
  return v[n - 1].value;
}

static bool
lsc__grow (void **array, size_t *cap, size_t n, size_t size)
{
  if (n < *cap)
    return true;
  size_t want = *cap ? *cap * 2 : 16;
  void *grown = realloc (*array, want * size);
  if (!grown)
    return false;
  *array = grown;
  *cap = want;
  return true;
}

typedef struct {
  lsc__weighted *calls, *gaps;
  size_t n_calls, cap_calls, n_gaps, cap_gaps;
  char **names;
  size_t n_names, cap_names;
} lsc__progress_acc;

static bool
lsc__add (lsc__weighted **v, size_t *n, size_t *cap, int64_t value, int64_t weight)
{
  if (weight <= 0)
    return true;
  if (!lsc__grow ((void **) v, cap, *n, sizeof **v))
    return false;
  (*v)[(*n)++] = (lsc__weighted){ value, weight };
  return true;
}

/* Kernels are counted by name over all processes: two processes launching one kernel are one. */
static bool
lsc__add_name (lsc__progress_acc *acc, const char *name)
{
  for (size_t i = 0; i < acc->n_names; i++)
    if (strcmp (acc->names[i], name) == 0)
      return true;
  char *copy = strdup (name);
  if (!copy || !lsc__grow ((void **) &acc->names, &acc->cap_names, acc->n_names, sizeof *acc->names))
    {
      free (copy);
      return false;
    }
  acc->names[acc->n_names++] = copy;
  return true;
}

static bool
lsc__take_session (lsc__progress_acc *acc, const lsc_session_summary *s, lsc_command_progress *p)
{
  const lsc_path_summary *call = &s->paths[FL_PATH_RAW]; /* the program's launch calls */
  p->launches += s->launches;
  p->errors += call->errors;
  if (!lsc__add (&acc->calls, &acc->n_calls, &acc->cap_calls, call->p50_ns, call->count))
    return false;
  if (call->p99_ns > p->call_p99_ns)
    p->call_p99_ns = call->p99_ns;
  for (size_t k = 0; k < s->n_kernel_list; k++)
    {
      const lsc_kernel_summary *ks = &s->kernel_list[k];
      if (ks->name && !lsc__add_name (acc, ks->name))
        return false;
      if (!ks->name)
        p->kernels++;
      if (!lsc__add (&acc->gaps, &acc->n_gaps, &acc->cap_gaps, ks->gap_p50_ns, ks->gap_count))
        return false;
    }
  for (size_t i = 0; i < s->n_streams; i++)
    {
      p->activity_kernels += s->streams[i].kernels;
      p->waited_for_host += s->streams[i].waited_for_host;
    }
  if (s->launch_bound_reached)
    p->launch_bound_reached = true;
  return true;
}

/* Reads one part: 1 read, 0 skipped (its process has stopped recording), -1 error set. */
static int
lsc__read_part (lsc__progress_acc *acc, const char *path, lsc_command_progress *p, lsc_error *error)
{
  if (!lsc__file_lock_held (path, NULL, NULL, 0))
    return 0;
  lsc_report *r = lsc_report_open (path, LSC_REPORT_OPEN_NO_QUICK_CHECK, error);
  if (!r)
    /* A part just created has no schema yet: next time. */
    return error && (error->code == LSC_ERROR_SCHEMA || error->code == LSC_ERROR_FOREIGN
                     || error->code == LSC_ERROR_NOT_SQLITE) ? 0 : -1;
  lsc_report_summary *sum = lsc_report_summarize (r, error);
  lsc_report_free (r);
  if (!sum)
    return -1;
  int rc = 1;
  for (size_t i = 0; i < sum->n_sessions && rc == 1; i++)
    if (!lsc__take_session (acc, &sum->sessions[i], p))
      {
        lsc__error_set (error, LSC_ERROR_NOMEM, "%s: out of memory", path);
        rc = -1;
      }
  lsc_report_summary_free (sum);
  return rc;
}

int
lsc_command_progress_read (const char *parts_dir, lsc_command_progress *p, lsc_error *error)
{
  memset (p, 0, sizeof *p);
  lsc_error_clear (error);
  DIR *d = opendir (parts_dir);
  if (!d)
    {
      lsc__error_set (error, LSC_ERROR_IO, "%s: cannot read the processes' reports: %s", parts_dir, strerror (errno));
      return -1;
    }
  lsc__progress_acc acc = { 0 };
  int rc = 0;
  struct dirent *e;
  while (rc == 0 && (e = readdir (d)))
    {
      size_t len = strlen (e->d_name);
      if (len < 6 || strcmp (e->d_name + len - 5, ".lsdb") != 0)
        continue;
      size_t size = strlen (parts_dir) + len + 2;
      char *path = malloc (size);
      if (!path)
        {
          lsc__error_set (error, LSC_ERROR_NOMEM, "%s: out of memory", parts_dir);
          rc = -1;
          break;
        }
      snprintf (path, size, "%s/%s", parts_dir, e->d_name);
      lsc_error part_error;
      int got = lsc__read_part (&acc, path, p, &part_error);
      if (got > 0)
        p->processes++;
      else if (got < 0)
        {
          /* One unreadable part hides nothing of the others: say which, and go on. */
          if (error && error->code == LSC_ERROR_NONE)
            *error = part_error;
          p->unreadable++;
        }
      free (path);
    }
  closedir (d);
  p->kernels += (int64_t) acc.n_names;
  p->call_p50_ns = lsc__weighted_median (acc.calls, acc.n_calls);
  p->gap_p50_ns = lsc__weighted_median (acc.gaps, acc.n_gaps);
  for (size_t i = 0; i < acc.n_names; i++)
    free (acc.names[i]);
  free (acc.names);
  free (acc.calls);
  free (acc.gaps);
  return rc;
}
