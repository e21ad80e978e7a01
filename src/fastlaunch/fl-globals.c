/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-globals.c — the documented process-wide settings: knobs, hooks, the event sink and the
 * registry of compile-time globals.  The launch hot path reads them with single atomic loads.
 */
#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>

#include "fl-private.h"

atomic_uint fl__knobs;
_Atomic (const fl_launch_hooks *) fl__launch_hooks;
_Atomic (const fl_compile_hook *) fl__compile_hook;
_Atomic (const fl_event_sink *) fl__event_sink;
atomic_uint_fast64_t fl__globals_gen;

static void
fl__knob_set_bits (unsigned mask, bool on)
{
  if (on)
    atomic_fetch_or (&fl__knobs, mask);
  else
    atomic_fetch_and (&fl__knobs, ~mask);
}

void fl_knob_set_debug (bool on) { fl__knob_set_bits (FL__KNOB_DEBUG, on); }
bool fl_knob_get_debug (void) { return atomic_load (&fl__knobs) & FL__KNOB_DEBUG; }
void fl_knob_set_skip_fast (bool on) { fl__knob_set_bits (FL__KNOB_SKIP, on); }
bool fl_knob_get_skip_fast (void) { return atomic_load (&fl__knobs) & FL__KNOB_SKIP; }
void fl_knob_set_stage_timing (bool on) { fl__knob_set_bits (FL__KNOB_STAGE_TIMING, on); }
bool fl_knob_get_stage_timing (void) { return atomic_load (&fl__knobs) & FL__KNOB_STAGE_TIMING; }

void
fl_knob_set_instrumentation (fl_instr_mode mode)
{
  if ((unsigned) mode >= FL_INSTR_COUNT)
    mode = FL_INSTR_NONE;
  unsigned old = atomic_load (&fl__knobs), want;
  do
    want = (old & ~(unsigned) FL__KNOB_INSTR_MASK) | ((unsigned) mode << FL__KNOB_INSTR_SHIFT);
  while (!atomic_compare_exchange_weak (&fl__knobs, &old, want));
}

fl_instr_mode
fl_knob_get_instrumentation (void)
{
  return (fl_instr_mode) ((atomic_load (&fl__knobs) & FL__KNOB_INSTR_MASK) >> FL__KNOB_INSTR_SHIFT);
}

void
fl_launch_hooks_set (const fl_launch_hooks *hooks)
{
  atomic_store_explicit (&fl__launch_hooks, hooks, memory_order_release);
  fl__knob_set_bits (FL__KNOB_LAUNCH_HOOKS, hooks != NULL);
}

void
fl_compile_hook_set (const fl_compile_hook *hook)
{
  atomic_store_explicit (&fl__compile_hook, hook, memory_order_release);
  fl__knob_set_bits (FL__KNOB_HOOK, hook != NULL && hook->hook != NULL);
}

void
fl_event_sink_set (const fl_event_sink *sink)
{
  if (sink)
    fl__clock_calibrate (); /* before the pointer is published: launches see a calibrated clock */
  atomic_store_explicit (&fl__event_sink, sink, memory_order_release);
  /* After the pointer: a launch that sees the bit (acquire) sees the calibrated clock too. */
  fl__knob_set_bits (FL__KNOB_SINK, sink != NULL);
}

const fl_event_sink *
fl_event_sink_get (void)
{
  return atomic_load_explicit (&fl__event_sink, memory_order_acquire);
}

/* ---- globals registry ---- */

#define FL__MAX_GLOBALS 128
#define FL__GLOBAL_NAME_MAX 64

typedef struct {
  char name[FL__GLOBAL_NAME_MAX];
  int64_t value;
} fl__global;

static pthread_mutex_t fl__globals_lock = PTHREAD_MUTEX_INITIALIZER;
static fl__global fl__globals[FL__MAX_GLOBALS];
static unsigned fl__n_globals;

static bool
fl__is_identifier (const char *s)
{
  if (!s || !(isalpha ((unsigned char) s[0]) || s[0] == '_'))
    return false;
  for (const char *p = s; *p; p++)
    if (!(isalnum ((unsigned char) *p) || *p == '_'))
      return false;
  return strlen (s) < FL__GLOBAL_NAME_MAX;
}

static fl__global *
fl__global_find_locked (const char *name)
{
  for (unsigned i = 0; i < fl__n_globals; i++)
    if (strcmp (fl__globals[i].name, name) == 0)
      return &fl__globals[i];
  return NULL;
}

fl_status
fl_global_set (const char *name, int64_t value)
{
  if (!fl__is_identifier (name))
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "global name '%s' is not a C identifier of fewer than %d characters",
                     name ? name : "(null)", FL__GLOBAL_NAME_MAX);
  pthread_mutex_lock (&fl__globals_lock);
  fl__global *g = fl__global_find_locked (name);
  if (!g)
    {
      if (fl__n_globals == FL__MAX_GLOBALS)
        {
          pthread_mutex_unlock (&fl__globals_lock);
          return fl__fail (FL_ERR_NO_MEMORY, "too many globals (at most %d)", FL__MAX_GLOBALS);
        }
      g = &fl__globals[fl__n_globals++];
      snprintf (g->name, sizeof g->name, "%s", name);
    }
  g->value = value;
  /* Bumped under the lock so a reader that sees the new generation also sees the value. */
  atomic_fetch_add_explicit (&fl__globals_gen, 1, memory_order_release);
  pthread_mutex_unlock (&fl__globals_lock);
  return FL_OK;
}

fl_status
fl_global_get (const char *name, int64_t *value_out)
{
  if (!name || !value_out)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_global_get: NULL name or value_out");
  pthread_mutex_lock (&fl__globals_lock);
  fl__global *g = fl__global_find_locked (name);
  if (g)
    *value_out = g->value;
  pthread_mutex_unlock (&fl__globals_lock);
  return g ? FL_OK : fl__fail (FL_ERR_GLOBAL_UNSET, "global '%s' is not set", name);
}

uint64_t
fl_globals_generation (void)
{
  return atomic_load_explicit (&fl__globals_gen, memory_order_acquire);
}

fl_status
fl__globals_snapshot (const char *const *names, unsigned n, int64_t *values_out, const char *kernel_name)
{
  fl_status st = FL_OK;
  pthread_mutex_lock (&fl__globals_lock);
  for (unsigned i = 0; i < n; i++)
    {
      fl__global *g = fl__global_find_locked (names[i]);
      if (!g)
        {
          st = fl__fail (FL_ERR_GLOBAL_UNSET, "kernel '%s' reads global '%s', which was never set with fl_global_set()",
                         kernel_name, names[i]);
          break;
        }
      values_out[i] = g->value;
    }
  pthread_mutex_unlock (&fl__globals_lock);
  return st;
}

fl_status
fl_compile_options_add (fl_compile_options *options, const char *option)
{
  if (!options || !options->options || !option || !*option)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_compile_options_add: NULL or empty option");
  return fl__strv_add (options->options, option);
}
