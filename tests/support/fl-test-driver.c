/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-test-driver.c — the driver test double's state, its lock, the handle registries, reset and
 * fl_test_driver_install() (see fl-test-driver.h for what the double models).
 *
 * TEST-ONLY: linked into unit tests and CPU benchmarks, never into user-facing binaries.
 *
 * One mutex guards all state; every entry point counts itself and honours injected faults
 * before doing anything (td_begin).  Handles are the addresses of the structs in
 * fl-test-driver-private.h (the CUDA headers leave their struct types incomplete, so the double
 * completes them); every handle passed in is looked up in its registry here before it is
 * dereferenced, so stale handles fail cleanly.  Objects the driver would destroy implicitly (a
 * destroyed context's modules) are flagged dead and freed at the next install.
 *
 * The entry points live by subject: fl-test-driver-device.c (errors, devices, contexts,
 * memory), -nvrtc.c, -module.c (modules and kernel launches), -stream.c (streams, capture,
 * graphs); fl-test-driver-inspect.c answers the tests' questions and injects faults.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl-test-driver-private.h"

#define TD_NAME(name) #name,
const char *const td_entry_names[TD_ENTRY_COUNT] = { TD_ENTRY_POINTS (TD_NAME) };
#undef TD_NAME

pthread_mutex_t td_lock_mutex = PTHREAD_MUTEX_INITIALIZER;
td_state td_g;
_Thread_local td_thread_state td_tl;

static atomic_uint_fast64_t td_next_thread_id = 1;

uint64_t
td_thread_id (void)
{
  if (!td_tl.id)
    td_tl.id = atomic_fetch_add (&td_next_thread_id, 1);
  return td_tl.id;
}

void
td_oom (void)
{
  fprintf (stderr, "fl-test-driver: out of memory\n");
  abort ();
}

void *
td_malloc (size_t n)
{
  void *p = calloc (1, n ? n : 1);
  if (!p)
    td_oom ();
  return p;
}

char *
td_strdup (const char *s)
{
  char *p = strdup (s);
  if (!p)
    td_oom ();
  return p;
}

char *
td_strndup (const char *s, size_t n)
{
  char *p = strndup (s, n);
  if (!p)
    td_oom ();
  return p;
}

/* ---- registries (lock held) --------------------------------------------------------------- */

struct CUctx_st *
td_ctx_find_l (CUcontext c)
{
  for (struct CUctx_st *x = td_g.contexts; x; x = x->next)
    if (x == c)
      return x;
  return NULL;
}

CUresult
td_ctx_usable_l (struct CUctx_st **out)
{
  if (!td_g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  struct CUctx_st *c = td_current_l ();
  if (!c)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (c->destroyed)
    return CUDA_ERROR_CONTEXT_IS_DESTROYED;
  if (c->primary && c->refcount <= 0)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (c->sticky != CUDA_SUCCESS)
    return c->sticky;
  *out = c;
  return CUDA_SUCCESS;
}

struct CUmod_st *
td_module_find_l (CUmodule m)
{
  for (struct CUmod_st *x = td_g.modules; x; x = x->next)
    if (x == m && x->loaded)
      return x;
  return NULL;
}

struct CUfunc_st *
td_function_find_l (CUfunction f)
{
  if (!f)
    return NULL;
  for (struct CUmod_st *m = td_g.modules; m; m = m->next)
    for (struct CUfunc_st *x = m->functions; x; x = x->next)
      if (x == f)
        return m->loaded ? x : NULL;
  return NULL;
}

struct CUstream_st *
td_stream_find_l (CUstream s)
{
  for (struct CUstream_st *x = td_g.streams; x; x = x->next)
    if (x == s)
      return x;
  return NULL;
}

struct CUgraph_st *
td_graph_find_l (CUgraph gr)
{
  for (struct CUgraph_st *x = td_g.graphs; x; x = x->next)
    if (x == gr)
      return x;
  return NULL;
}

struct CUgraphExec_st *
td_exec_find_l (CUgraphExec e)
{
  for (struct CUgraphExec_st *x = td_g.execs; x; x = x->next)
    if (x == e)
      return x;
  return NULL;
}

struct _nvrtcProgram *
td_program_find_l (nvrtcProgram p)
{
  for (struct _nvrtcProgram *x = td_g.programs; x; x = x->next)
    if (x == p)
      return x;
  return NULL;
}

td_binary *
td_binary_find_l (uint64_t id)
{
  for (td_binary *b = td_g.binaries; b; b = b->next)
    if (b->id == id)
      return b;
  return NULL;
}

td_alloc *
td_alloc_find_l (uintptr_t p, size_t n)
{
  for (size_t i = 0; i < td_g.n_allocs; i++)
    {
      td_alloc *a = &td_g.allocs[i];
      if (p >= a->base && p - a->base <= a->size && n <= a->size - (p - a->base))
        return a;
    }
  return NULL;
}

/* ---- freeing ------------------------------------------------------------------------------ */

void
td_binary_free (td_binary *b)
{
  for (unsigned i = 0; i < b->n_options; i++)
    free (b->options[i]);
  free (b->options);
  for (unsigned i = 0; i < b->n_defines; i++)
    {
      free (b->defines[i].name);
      free (b->defines[i].value);
    }
  free (b->defines);
  for (unsigned i = 0; i < b->n_kernels; i++)
    free (b->kernels[i].name);
  free (b->kernels);
  free (b);
}

void
td_graph_free (struct CUgraph_st *gr)
{
  for (size_t i = 0; i < gr->n_nodes; i++)
    free (gr->nodes[i]);
  free (gr->nodes);
  free (gr);
}

void
td_program_free (struct _nvrtcProgram *p)
{
  free (p->source);
  free (p->name);
  free (p->log);
  free (p->cubin);
  free (p);
}

static void
td_reset_l (void)
{
  for (struct CUctx_st *c = td_g.contexts, *n; c; c = n)
    {
      n = c->next;
      free (c);
    }
  for (size_t i = 0; i < td_g.n_allocs; i++)
    free ((void *) td_g.allocs[i].base);
  free (td_g.allocs);
  for (struct CUmod_st *m = td_g.modules, *n; m; m = n)
    {
      n = m->next;
      for (struct CUfunc_st *f = m->functions, *fn; f; f = fn)
        {
          fn = f->next;
          free (f);
        }
      free (m);
    }
  for (td_binary *b = td_g.binaries, *n; b; b = n)
    {
      n = b->next;
      td_binary_free (b);
    }
  for (struct CUstream_st *s = td_g.streams, *n; s; s = n)
    {
      n = s->next;
      if (s->pending)
        td_graph_free (s->pending);
      free (s);
    }
  for (struct CUgraph_st *gr = td_g.graphs, *n; gr; gr = n)
    {
      n = gr->next;
      td_graph_free (gr);
    }
  for (struct CUgraphExec_st *e = td_g.execs, *n; e; e = n)
    {
      n = e->next;
      free (e->nodes);
      free (e);
    }
  for (struct _nvrtcProgram *p = td_g.programs, *n; p; p = n)
    {
      n = p->next;
      td_program_free (p);
    }
  free (td_g.last_options);
  free (td_g.last_name);
  free (td_g.log);
  uint64_t generation = td_g.generation;
  memset (&td_g, 0, sizeof td_g);
  td_g.generation = generation + 1;
  td_g.device_count = 1;
  for (int i = 0; i < FL_TEST_DRIVER_MAX_DEVICES; i++)
    {
      td_g.devices[i].major = 9;
      td_g.devices[i].minor = 0;
    }
  td_g.log = td_malloc (TD_LOG_SIZE * sizeof *td_g.log);
}

/* Frees what the double holds at exit, so valgrind's leak check sees only the engine's leaks. */
static void
td_atexit (void)
{
  pthread_mutex_lock (&td_lock_mutex);
  td_reset_l ();
  free (td_g.log);
  td_g.log = NULL;
  pthread_mutex_unlock (&td_lock_mutex);
}

/* ---- public API --------------------------------------------------------------------------- */

void
fl_test_driver_install (void)
{
  static bool registered;
  pthread_mutex_lock (&td_lock_mutex);
  td_reset_l ();
  if (!registered)
    {
      registered = true;
      atexit (td_atexit);
    }
  pthread_mutex_unlock (&td_lock_mutex);

  fl_driver d = { 0 };
  fl_nvrtc n = { 0 };
  td_device_entries (&d);
  td_module_entries (&d);
  td_stream_entries (&d);
  td_nvrtc_entries (&n);
  fl_status st = fl_driver_install (&d, &n);
  if (st != FL_OK)
    {
      fprintf (stderr, "fl-test-driver: fl_driver_install failed: %s: %s\n", fl_status_str (st), fl_last_error ());
      abort ();
    }
}

