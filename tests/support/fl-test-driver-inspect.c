/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-test-driver-inspect.c — what tests ask the driver test double (live objects, compiles,
 * binaries, the launch log, call counts) and its fault injection.
 *
 * Every answer is read under the double's lock, so a test may ask while other threads launch.
 * TEST-ONLY (see fl-test-driver.h).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl-test-driver-private.h"

#define TD_LOCKED_GET(type, expr)                                                                   \
  do                                                                                                \
    {                                                                                               \
      pthread_mutex_lock (&td_lock_mutex);                                                          \
      type td_v_ = (expr);                                                                          \
      pthread_mutex_unlock (&td_lock_mutex);                                                        \
      return td_v_;                                                                                 \
    }                                                                                               \
  while (0)

static size_t
count_live_modules_l (void)
{
  size_t n = 0;
  for (struct CUmod_st *m = td_g.modules; m; m = m->next)
    n += m->loaded;
  return n;
}

static size_t
count_live_streams_l (void)
{
  size_t n = 0;
  for (struct CUstream_st *s = td_g.streams; s; s = s->next)
    n++;
  return n;
}

static size_t
count_live_graphs_l (void)
{
  size_t n = 0;
  for (struct CUgraph_st *x = td_g.graphs; x; x = x->next)
    n++;
  for (struct CUgraphExec_st *x = td_g.execs; x; x = x->next)
    n++;
  return n;
}

static size_t
count_live_programs_l (void)
{
  size_t n = 0;
  for (struct _nvrtcProgram *p = td_g.programs; p; p = p->next)
    n++;
  return n;
}

size_t fl_test_driver_live_allocations (void) { TD_LOCKED_GET (size_t, td_g.n_allocs); }
size_t fl_test_driver_live_modules (void) { TD_LOCKED_GET (size_t, count_live_modules_l ()); }
size_t fl_test_driver_live_streams (void) { TD_LOCKED_GET (size_t, count_live_streams_l ()); }
size_t fl_test_driver_live_graphs (void) { TD_LOCKED_GET (size_t, count_live_graphs_l ()); }
size_t fl_test_driver_live_programs (void) { TD_LOCKED_GET (size_t, count_live_programs_l ()); }
uint64_t fl_test_driver_compiles (void) { TD_LOCKED_GET (uint64_t, td_g.compiles); }
uint64_t fl_test_driver_module_loads (void) { TD_LOCKED_GET (uint64_t, td_g.module_loads); }
uint64_t fl_test_driver_module_unloads (void) { TD_LOCKED_GET (uint64_t, td_g.module_unloads); }
uint64_t fl_test_driver_launch_count (void) { TD_LOCKED_GET (uint64_t, td_g.launch_count); }
uint64_t fl_test_driver_misaligned_faults (void) { TD_LOCKED_GET (uint64_t, td_g.misaligned); }
uint64_t fl_test_driver_illegal_address_faults (void) { TD_LOCKED_GET (uint64_t, td_g.illegal); }
uint64_t fl_test_driver_cross_context_launches (void) { TD_LOCKED_GET (uint64_t, td_g.cross_ctx); }
uint64_t fl_test_driver_specialization_violations (void) { TD_LOCKED_GET (uint64_t, td_g.violations); }

char *
fl_test_driver_last_compile_options (void)
{
  TD_LOCKED_GET (char *, td_strdup (td_g.last_options ? td_g.last_options : ""));
}

char *
fl_test_driver_last_compile_name (void)
{
  TD_LOCKED_GET (char *, td_strdup (td_g.last_name ? td_g.last_name : ""));
}

bool
fl_test_driver_last_compile_has_option (const char *option)
{
  char *all = fl_test_driver_last_compile_options ();
  bool found = false;
  size_t n = strlen (option);
  for (const char *line = all; *line && !found;)
    {
      const char *nl = strchr (line, '\n');
      size_t len = nl ? (size_t) (nl - line) : strlen (line);
      found = len == n && strncmp (line, option, n) == 0;
      line += len + (nl ? 1 : 0);
    }
  free (all);
  return found;
}

uint64_t
fl_test_driver_function_binary (CUfunction function)
{
  pthread_mutex_lock (&td_lock_mutex);
  struct CUfunc_st *f = td_function_find_l (function);
  uint64_t id = f ? f->module->binary->id : 0;
  pthread_mutex_unlock (&td_lock_mutex);
  return id;
}

CUcontext
fl_test_driver_function_context (CUfunction function)
{
  pthread_mutex_lock (&td_lock_mutex);
  struct CUfunc_st *f = td_function_find_l (function);
  CUcontext c = f ? f->module->ctx : NULL;
  pthread_mutex_unlock (&td_lock_mutex);
  return c;
}

bool
fl_test_driver_binary_define (uint64_t binary_id, const char *name, int64_t *value)
{
  pthread_mutex_lock (&td_lock_mutex);
  td_binary *b = td_binary_find_l (binary_id);
  int64_t v = 0;
  bool ok = b && td_binary_define_int (b, name, &v);
  pthread_mutex_unlock (&td_lock_mutex);
  if (ok && value)
    *value = v;
  return ok;
}

bool
fl_test_driver_binary_has_option (uint64_t binary_id, const char *option)
{
  pthread_mutex_lock (&td_lock_mutex);
  td_binary *b = td_binary_find_l (binary_id);
  bool found = false;
  for (unsigned i = 0; b && i < b->n_options && !found; i++)
    found = strcmp (b->options[i], option) == 0;
  pthread_mutex_unlock (&td_lock_mutex);
  return found;
}

bool
fl_test_driver_launch_at (uint64_t index, fl_test_launch *out)
{
  pthread_mutex_lock (&td_lock_mutex);
  bool ok = td_g.log && index < td_g.launch_count && td_g.launch_count - index <= TD_LOG_SIZE;
  if (ok && out)
    *out = td_g.log[index % TD_LOG_SIZE];
  pthread_mutex_unlock (&td_lock_mutex);
  return ok;
}

bool
fl_test_driver_last_launch (fl_test_launch *out)
{
  /* One critical section: launches on other threads between reading the count and the entry
   * could push it out of the log. */
  pthread_mutex_lock (&td_lock_mutex);
  uint64_t n = td_g.launch_count;
  bool ok = td_g.log && n > 0;
  if (ok && out)
    *out = td_g.log[(n - 1) % TD_LOG_SIZE];
  pthread_mutex_unlock (&td_lock_mutex);
  return ok;
}

static int
entry_index (const char *name)
{
  for (int i = 0; i < TD_ENTRY_COUNT; i++)
    if (name && strcmp (td_entry_names[i], name) == 0)
      return i;
  fprintf (stderr, "fl-test-driver: unknown entry point '%s'\n", name ? name : "(null)");
  abort ();
}

void
fl_test_driver_fail_next (const char *entry_point, CUresult result)
{
  int i = entry_index (entry_point);
  pthread_mutex_lock (&td_lock_mutex);
  if (td_g.n_faults[i] < TD_MAX_FAULTS)
    td_g.faults[i][td_g.n_faults[i]++] = result;
  pthread_mutex_unlock (&td_lock_mutex);
}

void
fl_test_driver_fail_nth (const char *entry_point, uint64_t skip, CUresult result)
{
  int i = entry_index (entry_point);
  pthread_mutex_lock (&td_lock_mutex);
  td_g.countdown[i] = skip + 1;
  td_g.countdown_result[i] = result;
  pthread_mutex_unlock (&td_lock_mutex);
}

bool
fl_test_driver_fault_pending (void)
{
  bool pending = false;
  pthread_mutex_lock (&td_lock_mutex);
  for (int i = 0; i < TD_ENTRY_COUNT; i++)
    pending = pending || td_g.n_faults[i] > 0 || td_g.countdown[i] > 0;
  pthread_mutex_unlock (&td_lock_mutex);
  return pending;
}

void
fl_test_driver_clear_faults (void)
{
  pthread_mutex_lock (&td_lock_mutex);
  memset (td_g.n_faults, 0, sizeof td_g.n_faults);
  memset (td_g.countdown, 0, sizeof td_g.countdown);
  pthread_mutex_unlock (&td_lock_mutex);
}

unsigned
fl_test_driver_entry_point_count (void)
{
  return TD_ENTRY_COUNT;
}

const char *
fl_test_driver_entry_point_name (unsigned index)
{
  return index < TD_ENTRY_COUNT ? td_entry_names[index] : NULL;
}

uint64_t
fl_test_driver_calls (const char *entry_point)
{
  int i = entry_index (entry_point);
  TD_LOCKED_GET (uint64_t, td_g.calls[i]);
}

uint64_t
fl_test_driver_calls_total (void)
{
  pthread_mutex_lock (&td_lock_mutex);
  uint64_t n = 0;
  for (int i = 0; i < TD_ENTRY_COUNT; i++)
    n += td_g.calls[i];
  pthread_mutex_unlock (&td_lock_mutex);
  return n;
}

void
fl_test_driver_reset_calls (void)
{
  pthread_mutex_lock (&td_lock_mutex);
  memset (td_g.calls, 0, sizeof td_g.calls);
  pthread_mutex_unlock (&td_lock_mutex);
}
