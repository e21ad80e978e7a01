/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * clock-probe.c — what a timestamp costs on this host: clock_gettime(CLOCK_MONOTONIC) through
 * the vDSO against the raw TSC.  Decides how the engine times launches when a sink is on.
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

static uint64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

int
main (void)
{
  enum { N = 2000000 };
  volatile uint64_t sink = 0;
  for (int rep = 0; rep < 3; rep++)
    {
      uint64_t t0 = now_ns ();
      for (int i = 0; i < N; i++)
        sink += now_ns ();
      uint64_t t1 = now_ns ();
      printf ("clock_gettime(CLOCK_MONOTONIC): %.1f ns/call\n", (double) (t1 - t0) / N);
#if defined(__x86_64__)
      t0 = now_ns ();
      for (int i = 0; i < N; i++)
        sink += __rdtsc ();
      t1 = now_ns ();
      printf ("rdtsc:                          %.1f ns/call\n", (double) (t1 - t0) / N);
#endif
    }
  return (int) (sink & 0);
}
