/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * recorder-throughput.c — how many launch rows per second the recorder's writer thread puts
 * into SQLite, on this CPU, with launches produced by the engine on the driver TEST DOUBLE
 * (no GPU; the numbers describe the writer, not a GPU).  Not a pass/fail test.
 *
 * Producers launch at full speed into rings large enough to absorb the run, so the time from
 * the first launch to the end of lsc_recorder_stop (which drains everything) is the writer's.
 * Prints a table and a final line "rows_per_s=<n>".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fastlaunch-driver.h"
#include "fl-test-driver.h"
#include "lsc-host.h"
#include "lsc-recorder.h"

static uint64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

typedef struct {
  const fl_workload *w;
  long launches;
} producer;

static void *
produce (void *data)
{
  producer *p = data;
  fl_use_device (0);
  for (long i = 0; i < p->launches; i++)
    if (fl_launch (p->w->bound, p->w->grid, NULL, p->w->args, p->w->n_args, NULL) != FL_OK)
      return (void *) 1;
  return NULL;
}

int
main (int argc, char **argv)
{
  long launches = argc > 1 ? atol (argv[1]) : 2000000;
  int threads = argc > 2 ? atoi (argv[2]) : 1;
  if (launches <= 0 || threads <= 0 || threads > 64)
    {
      fprintf (stderr, "usage: %s [LAUNCHES (2000000)] [THREADS (1)]\n", argv[0]);
      return 2;
    }
  char dir[] = "/tmp/lsc-throughput-XXXXXX";
  if (!mkdtemp (dir))
    return perror ("mkdtemp"), 1;
  char path[128];
  snprintf (path, sizeof path, "%s/throughput.lsdb", dir);
  setenv ("XDG_CACHE_HOME", dir, 1);

  fl_test_driver_install ();
  fl_use_device (0);
  fl_workload w;
  if (fl_workload_setup (&(fl_workload_options){ .n_ptrs = 3, .n = 64 }, &w) != FL_OK)
    return fprintf (stderr, "%s\n", fl_last_error ()), 1;
  fl_bound_kernel *b = w.bound;
  producer p = { .w = &w, .launches = launches / threads };
  produce (&p); /* prime and compile outside the measurement */
  p.launches = launches / threads;

  unsigned ring = 1;
  while (ring < (unsigned) (p.launches + 1024))
    ring <<= 1;
  lsc_recorder_options o = { .path = path, .workload = "add3 (test double)", .ring_records = ring };
  lsc_recorder *rec;
  char err[512];
  if (lsc_recorder_start (&o, &rec, err, sizeof err) != 0)
    return fprintf (stderr, "%s\n", err), 1;
  lsc_recorder_add_kernel (rec, b, "throughput");

  uint64_t t0 = now_ns ();
  pthread_t t[64];
  for (int i = 0; i < threads; i++)
    pthread_create (&t[i], NULL, produce, &p);
  for (int i = 0; i < threads; i++)
    pthread_join (t[i], NULL);
  uint64_t t_produced = now_ns ();
  /* The writer's rate: until every accepted row is committed (or dropped/lost). */
  lsc_recorder_stats s;
  for (;;)
    {
      lsc_recorder_get_stats (rec, &s);
      if (s.rows_written + s.rows_dropped + s.rows_lost >= (uint64_t) (p.launches * threads))
        break;
      usleep (1000);
    }
  uint64_t t1 = now_ns ();
  int rc = lsc_recorder_stop (rec, &s, err, sizeof err);
  uint64_t t_closed = now_ns ();
  if (rc != 0)
    fprintf (stderr, "stop: %s\n", err);

  double secs = (double) (t1 - t0) / 1e9;
  double rows_per_s = (double) s.rows_written / secs;
  char cpu[256];
  lsc_host_cpu_model (cpu, sizeof cpu);
  printf ("recorder throughput (driver test double, no GPU; CPU: %s, %ld cores)\n", cpu, sysconf (_SC_NPROCESSORS_ONLN));
  printf ("  producer threads     %d\n", threads);
  printf ("  launches             %ld\n", p.launches * threads);
  printf ("  producers done in    %.3f s (%.0f launches/s)\n", (double) (t_produced - t0) / 1e9,
          (double) (p.launches * threads) / ((double) (t_produced - t0) / 1e9));
  printf ("  all rows written in  %.3f s\n", secs);
  printf ("  closing (indices, checkpoint) %.3f s\n", (double) (t_closed - t1) / 1e9);
  printf ("  rows written         %llu (batches %llu)\n", (unsigned long long) s.rows_written, (unsigned long long) s.batches);
  printf ("  rows dropped         %llu\n", (unsigned long long) s.rows_dropped);
  printf ("  rows lost            %llu\n", (unsigned long long) s.rows_lost);
  printf ("rows_per_s=%.0f\n", rows_per_s);
  fl_workload_free (&w);
  char cmd[160];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system (cmd) == 0 && rc == 0 && s.rows_dropped == 0 ? 0 : 1;
}
