/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-clock.c — the event clock: the TSC scaled to CLOCK_MONOTONIC nanoseconds.
 *
 * A process-wide setting written once (under a lock, published by `ready`) before any event
 * uses it: calibration happens when the first sink is installed, before the sink pointer is
 * published, so the hot path reads the scale without synchronisation of its own.  The TSC is
 * used only where the kernel says it is invariant and trustworthy ("constant_tsc" and
 * "nonstop_tsc" in /proc/cpuinfo); otherwise ticks are clock_gettime nanoseconds.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fl-private.h"

fl__clock_state fl__clock;
static pthread_mutex_t fl__clock_lock = PTHREAD_MUTEX_INITIALIZER;

static bool
fl__tsc_trustworthy (void)
{
#if defined(__x86_64__)
  const char *force = getenv ("FASTLAUNCH_CLOCK");
  if (force && strcmp (force, "monotonic") == 0)
    return false;
  FILE *f = fopen ("/proc/cpuinfo", "r");
  if (!f)
    return false;
  char line[4096];
  bool constant = false, nonstop = false;
  while (fgets (line, sizeof line, f))
    if (strncmp (line, "flags", 5) == 0)
      {
        constant = strstr (line, " constant_tsc") != NULL;
        nonstop = strstr (line, " nonstop_tsc") != NULL;
        break;
      }
  fclose (f);
  return constant && nonstop;
#else
  return false;
#endif
}

void
fl__clock_calibrate (void)
{
  if (atomic_load_explicit (&fl__clock.ready, memory_order_acquire))
    return;
  pthread_mutex_lock (&fl__clock_lock);
  if (!atomic_load (&fl__clock.ready))
    {
#if defined(__x86_64__)
      if (fl__tsc_trustworthy ())
        {
          /* Two (tsc, ns) pairs 10 ms apart, each taken where the clock_gettime around it was
           * quickest, so the scale is good to a few parts per million. */
          uint64_t tsc[2], ns[2];
          for (int k = 0; k < 2; k++)
            {
              uint64_t best = UINT64_MAX;
              for (int i = 0; i < 16; i++)
                {
                  uint64_t a = fl__now_ns ();
                  uint64_t t = __rdtsc ();
                  uint64_t b = fl__now_ns ();
                  if (b - a < best)
                    {
                      best = b - a;
                      tsc[k] = t;
                      ns[k] = a + (b - a) / 2;
                    }
                }
              if (k == 0)
                nanosleep (&(struct timespec){ 0, 10000000 }, NULL);
            }
          if (tsc[1] > tsc[0] && ns[1] > ns[0])
            {
              fl__clock.tick_base = tsc[1];
              fl__clock.ns_base = ns[1];
              fl__clock.scale_q32 = (uint64_t) (((unsigned __int128) (ns[1] - ns[0]) << 32) / (tsc[1] - tsc[0]));
              fl__clock.use_tsc = true;
            }
        }
#endif
      atomic_store_explicit (&fl__clock.ready, true, memory_order_release);
    }
  pthread_mutex_unlock (&fl__clock_lock);
}

uint64_t
fl_clock_ns (void)
{
  fl__clock_calibrate ();
  return fl__ticks_to_ns (fl__ticks ());
}
