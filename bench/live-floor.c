/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * live-floor.c — live sessions as the app's live page runs them (lsc_live: the engine on its
 * worker thread, recording), headless, each printing its in-session floor and observer cost as
 * one JSON line.  For comparing those with `bench` and `overhead` on a GPU machine
 * (bench/floor-sessions.sh); not a test.
 *
 *   live-floor WORKLOAD RATE LAUNCHES SESSIONS REPORT [KERNEL.cu]
 *
 * RATE launches per second (0: back to back); KERNEL.cu a user kernel (then WORKLOAD names it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lsc-live.h"

static void
print_estimate (const char *key, const lsc_paired_estimate *e)
{
  printf (", \"%s\": ", key);
  if (e->rounds == 0)
    printf ("null");
  else
    printf ("{\"rounds\": %zu, \"median_ns\": %.1f, \"low_ns\": %.1f, \"high_ns\": %.1f}", e->rounds, e->median_ns,
            e->low_ns, e->high_ns);
}

int
main (int argc, char **argv)
{
  if (argc < 6)
    {
      fprintf (stderr, "usage: %s WORKLOAD RATE LAUNCHES SESSIONS REPORT [KERNEL.cu]\n", argv[0]);
      return 2;
    }
  int sessions = atoi (argv[4]);
  for (int i = 0; i < sessions; i++)
    {
      lsc_live_options o = { .report_path = argv[5],
                             .overwrite = true,
                             .workload = argv[1],
                             .user_kernel_path = argc > 6 ? argv[6] : NULL,
                             .target_rate = atof (argv[2]),
                             .max_launches = atol (argv[3]) };
      lsc_live *live = NULL;
      char err[1024];
      if (lsc_live_start (&o, &live, err, sizeof err) != LSC_LIVE_START_OK)
        {
          fprintf (stderr, "live-floor: %s\n", err);
          return 1;
        }
      lsc_live_snapshot s;
      do
        {
          nanosleep (&(struct timespec){ 0, 50000000 }, NULL);
          lsc_live_get_snapshot (live, &s);
        }
      while (s.state == LSC_LIVE_RUNNING);
      lsc_recorder_stats stats;
      if (lsc_live_stop (live, &stats, err, sizeof err) != 0)
        fprintf (stderr, "live-floor: %s\n", err);
      printf ("{\"session\": %d, \"workload\": \"%s\", \"rate\": %s, \"launches\": %llu, \"dropped\": %llu, "
              "\"fast_p50_ns\": %.0f, \"floor_p50_ns\": %.1f, \"push_ns\": %.1f",
              i + 1, argv[1], argv[2], (unsigned long long) s.launches,
              (unsigned long long) (stats.rows_dropped + stats.rows_lost), s.p50_ns[0], s.floor.floor_p50_ns, s.push_ns);
      print_estimate ("fast_above_floor", &s.floor.above_floor[FL_PATH_FAST]);
      print_estimate ("observer", &s.floor.observer);
      printf ("}\n");
      fflush (stdout);
      if (s.state == LSC_LIVE_FAILED)
        {
          fprintf (stderr, "live-floor: the session failed: %s\n", s.last_error);
          return 1;
        }
    }
  return 0;
}
