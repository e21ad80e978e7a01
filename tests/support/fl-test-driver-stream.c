/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-test-driver-stream.c — the driver test double's streams, stream capture and graphs.
 *
 * Capture records launches into a graph instead of running them, with the parameter values of
 * capture time; the rules the driver enforces around a capture (what may not run while one is
 * active, what invalidates it) are here too, since memory and context calls ask them.
 * TEST-ONLY (see fl-test-driver.h).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl-test-driver-private.h"

/* ---- capture rules (lock held) ------------------------------------------------------------ */

/* Whether the calling thread may make a "potentially unsafe" call (memory management,
 * synchronization): not while it runs a non-relaxed capture, nor while any thread runs a
 * global-mode capture.  On refusal the offending captures are invalidated. */
CUresult
td_capture_check_unsafe_l (void)
{
  uint64_t me = td_thread_id ();
  bool refused = false;
  for (struct CUstream_st *s = td_g.streams; s; s = s->next)
    {
      if (s->capture == TD_CAPTURE_NONE)
        continue;
      bool forbids = s->mode == CU_STREAM_CAPTURE_MODE_GLOBAL
                     || (s->mode == CU_STREAM_CAPTURE_MODE_THREAD_LOCAL && s->capture_thread == me);
      if (forbids)
        {
          s->capture = TD_CAPTURE_INVALIDATED;
          refused = true;
        }
    }
  return refused ? CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED : CUDA_SUCCESS;
}

/* Work on the legacy stream synchronizes with every blocking stream of the context, which is
 * illegal while one of them captures: the driver invalidates the capture. */
CUresult
td_capture_check_legacy_l (struct CUctx_st *ctx)
{
  bool refused = false;
  for (struct CUstream_st *s = td_g.streams; s; s = s->next)
    if (s->ctx == ctx && s->capture != TD_CAPTURE_NONE && !(s->flags & CU_STREAM_NON_BLOCKING))
      {
        s->capture = TD_CAPTURE_INVALIDATED;
        refused = true;
      }
  return refused ? CUDA_ERROR_STREAM_CAPTURE_IMPLICIT : CUDA_SUCCESS;
}

/* ---- streams and capture ------------------------------------------------------------------ */

static CUresult
stream_create_l (CUstream *ps, unsigned flags)
{
  struct CUctx_st *c;
  CUresult r = td_ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  if (!ps || (flags & ~(unsigned) CU_STREAM_NON_BLOCKING))
    return CUDA_ERROR_INVALID_VALUE;
  struct CUstream_st *s = td_malloc (sizeof *s);
  s->ctx = c;
  s->flags = flags;
  s->next = td_g.streams;
  td_g.streams = s;
  *ps = s;
  return CUDA_SUCCESS;
}

static CUresult
td_cuStreamCreate (CUstream *ps, unsigned int flags)
{
  TD_CALL (cuStreamCreate, stream_create_l (ps, flags));
}

static CUresult
stream_destroy_l (CUstream hs)
{
  if (!td_g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  for (struct CUstream_st **ps = &td_g.streams; *ps; ps = &(*ps)->next)
    if (*ps == hs)
      {
        struct CUstream_st *s = *ps;
        *ps = s->next;
        if (s->pending)
          td_graph_free (s->pending);
        free (s);
        return CUDA_SUCCESS;
      }
  return CUDA_ERROR_INVALID_HANDLE;
}

static CUresult
td_cuStreamDestroy (CUstream s)
{
  TD_CALL (cuStreamDestroy, stream_destroy_l (s));
}

static CUresult
stream_synchronize_l (CUstream hs)
{
  struct CUctx_st *c;
  CUresult r = td_ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  if (td_stream_is_legacy (hs))
    return td_capture_check_legacy_l (c);
  if (hs == CU_STREAM_PER_THREAD)
    return CUDA_SUCCESS;
  struct CUstream_st *s = td_stream_find_l (hs);
  if (!s)
    return CUDA_ERROR_INVALID_HANDLE;
  if (s->capture != TD_CAPTURE_NONE)
    {
      s->capture = TD_CAPTURE_INVALIDATED;
      return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    }
  return CUDA_SUCCESS;
}

static CUresult
td_cuStreamSynchronize (CUstream s)
{
  TD_CALL (cuStreamSynchronize, stream_synchronize_l (s));
}

static CUresult
begin_capture_l (CUstream hs, CUstreamCaptureMode mode)
{
  struct CUctx_st *c;
  CUresult r = td_ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  if (mode != CU_STREAM_CAPTURE_MODE_GLOBAL && mode != CU_STREAM_CAPTURE_MODE_THREAD_LOCAL
      && mode != CU_STREAM_CAPTURE_MODE_RELAXED)
    return CUDA_ERROR_INVALID_VALUE;
  if (td_stream_is_legacy (hs))
    return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED; /* the legacy stream cannot be captured */
  if (hs == CU_STREAM_PER_THREAD)
    return CUDA_ERROR_NOT_SUPPORTED; /* a limit of this double */
  struct CUstream_st *s = td_stream_find_l (hs);
  if (!s || s->ctx != c)
    return CUDA_ERROR_INVALID_HANDLE;
  if (s->capture != TD_CAPTURE_NONE)
    return CUDA_ERROR_ILLEGAL_STATE;
  s->capture = TD_CAPTURE_ACTIVE;
  s->mode = mode;
  s->capture_thread = td_thread_id ();
  s->pending = td_malloc (sizeof *s->pending);
  return CUDA_SUCCESS;
}

static CUresult
td_cuStreamBeginCapture (CUstream s, CUstreamCaptureMode mode)
{
  TD_CALL (cuStreamBeginCapture, begin_capture_l (s, mode));
}

static CUresult
end_capture_l (CUstream hs, CUgraph *pgraph)
{
  if (!td_g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!pgraph)
    return CUDA_ERROR_INVALID_VALUE;
  if (td_stream_is_legacy (hs) || hs == CU_STREAM_PER_THREAD)
    return CUDA_ERROR_ILLEGAL_STATE;
  struct CUstream_st *s = td_stream_find_l (hs);
  if (!s)
    return CUDA_ERROR_INVALID_HANDLE;
  if (s->capture == TD_CAPTURE_NONE)
    return CUDA_ERROR_ILLEGAL_STATE;
  if (s->mode != CU_STREAM_CAPTURE_MODE_RELAXED && s->capture_thread != td_thread_id ())
    return CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD;
  struct CUgraph_st *gr = s->pending;
  bool invalidated = s->capture == TD_CAPTURE_INVALIDATED;
  s->pending = NULL;
  s->capture = TD_CAPTURE_NONE;
  if (invalidated)
    {
      td_graph_free (gr);
      *pgraph = NULL;
      return CUDA_ERROR_STREAM_CAPTURE_INVALIDATED;
    }
  gr->next = td_g.graphs;
  td_g.graphs = gr;
  *pgraph = gr;
  return CUDA_SUCCESS;
}

static CUresult
td_cuStreamEndCapture (CUstream s, CUgraph *pgraph)
{
  TD_CALL (cuStreamEndCapture, end_capture_l (s, pgraph));
}

static CUresult
is_capturing_l (CUstream hs, CUstreamCaptureStatus *status)
{
  struct CUctx_st *c;
  CUresult r = td_ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  if (!status)
    return CUDA_ERROR_INVALID_VALUE;
  if (td_stream_is_legacy (hs))
    {
      /* Asking about the legacy stream while a blocking stream captures is itself an error. */
      for (struct CUstream_st *s = td_g.streams; s; s = s->next)
        if (s->ctx == c && s->capture != TD_CAPTURE_NONE && !(s->flags & CU_STREAM_NON_BLOCKING))
          return CUDA_ERROR_STREAM_CAPTURE_IMPLICIT;
      *status = CU_STREAM_CAPTURE_STATUS_NONE;
      return CUDA_SUCCESS;
    }
  if (hs == CU_STREAM_PER_THREAD)
    {
      *status = CU_STREAM_CAPTURE_STATUS_NONE;
      return CUDA_SUCCESS;
    }
  struct CUstream_st *s = td_stream_find_l (hs);
  if (!s)
    return CUDA_ERROR_INVALID_HANDLE;
  *status = s->capture == TD_CAPTURE_ACTIVE        ? CU_STREAM_CAPTURE_STATUS_ACTIVE
            : s->capture == TD_CAPTURE_INVALIDATED ? CU_STREAM_CAPTURE_STATUS_INVALIDATED
                                                   : CU_STREAM_CAPTURE_STATUS_NONE;
  return CUDA_SUCCESS;
}

static CUresult
td_cuStreamIsCapturing (CUstream s, CUstreamCaptureStatus *status)
{
  TD_CALL (cuStreamIsCapturing, is_capturing_l (s, status));
}

/* ---- graphs ------------------------------------------------------------------------------- */

static CUresult
graph_instantiate_l (CUgraphExec *pexec, CUgraph hgraph, unsigned long long flags)
{
  (void) flags;
  if (!td_g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!pexec)
    return CUDA_ERROR_INVALID_VALUE;
  struct CUgraph_st *gr = td_graph_find_l (hgraph);
  if (!gr)
    return CUDA_ERROR_INVALID_VALUE;
  struct CUgraphExec_st *e = td_malloc (sizeof *e);
  e->n_nodes = gr->n_nodes;
  e->nodes = td_malloc ((gr->n_nodes ? gr->n_nodes : 1) * sizeof *e->nodes);
  for (size_t i = 0; i < gr->n_nodes; i++)
    e->nodes[i] = gr->nodes[i]->args;
  e->next = td_g.execs;
  td_g.execs = e;
  *pexec = e;
  return CUDA_SUCCESS;
}

static CUresult
td_cuGraphInstantiateWithFlags (CUgraphExec *pexec, CUgraph graph, unsigned long long flags)
{
  TD_CALL (cuGraphInstantiateWithFlags, graph_instantiate_l (pexec, graph, flags));
}

static CUresult
graph_launch_l (CUgraphExec hexec, CUstream hstream)
{
  struct CUctx_st *c;
  CUresult r = td_ctx_usable_l (&c);
  if (r != CUDA_SUCCESS)
    return r;
  struct CUgraphExec_st *e = td_exec_find_l (hexec);
  if (!e)
    return CUDA_ERROR_INVALID_VALUE;
  if (hstream && hstream != CU_STREAM_LEGACY && hstream != CU_STREAM_PER_THREAD)
    {
      struct CUstream_st *s = td_stream_find_l (hstream);
      if (!s || s->ctx != c)
        return CUDA_ERROR_INVALID_HANDLE;
      if (s->capture != TD_CAPTURE_NONE)
        return CUDA_ERROR_NOT_SUPPORTED; /* graphs inside a capture: a limit of this double */
    }
  else if (td_stream_is_legacy (hstream) && (r = td_capture_check_legacy_l (c)) != CUDA_SUCCESS)
    return r;
  for (size_t i = 0; i < e->n_nodes; i++)
    {
      if (!td_function_find_l (e->nodes[i].function))
        return CUDA_ERROR_INVALID_HANDLE; /* its module was unloaded */
      if (e->nodes[i].function->module->ctx->sticky != CUDA_SUCCESS)
        return e->nodes[i].function->module->ctx->sticky;
      if ((r = td_execute_l (&e->nodes[i], hstream, true)) != CUDA_SUCCESS)
        return r;
    }
  return CUDA_SUCCESS;
}

static CUresult
td_cuGraphLaunch (CUgraphExec exec, CUstream stream)
{
  TD_CALL (cuGraphLaunch, graph_launch_l (exec, stream));
}

static CUresult
graph_get_nodes_l (CUgraph hgraph, CUgraphNode *nodes, size_t *num)
{
  if (!td_g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  struct CUgraph_st *gr = td_graph_find_l (hgraph);
  if (!gr || !num)
    return CUDA_ERROR_INVALID_VALUE;
  if (!nodes)
    {
      *num = gr->n_nodes;
      return CUDA_SUCCESS;
    }
  size_t n = *num < gr->n_nodes ? *num : gr->n_nodes;
  for (size_t i = 0; i < *num; i++)
    nodes[i] = i < n ? gr->nodes[i] : NULL;
  *num = n;
  return CUDA_SUCCESS;
}

static CUresult
td_cuGraphGetNodes (CUgraph graph, CUgraphNode *nodes, size_t *num)
{
  TD_CALL (cuGraphGetNodes, graph_get_nodes_l (graph, nodes, num));
}

static CUresult
graph_destroy_l (CUgraph hgraph)
{
  if (!td_g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  for (struct CUgraph_st **pg = &td_g.graphs; *pg; pg = &(*pg)->next)
    if (*pg == hgraph)
      {
        struct CUgraph_st *gr = *pg;
        *pg = gr->next;
        td_graph_free (gr);
        return CUDA_SUCCESS;
      }
  return CUDA_ERROR_INVALID_VALUE;
}

static CUresult
td_cuGraphDestroy (CUgraph graph)
{
  TD_CALL (cuGraphDestroy, graph_destroy_l (graph));
}

static CUresult
exec_destroy_l (CUgraphExec hexec)
{
  if (!td_g.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  for (struct CUgraphExec_st **pe = &td_g.execs; *pe; pe = &(*pe)->next)
    if (*pe == hexec)
      {
        struct CUgraphExec_st *e = *pe;
        *pe = e->next;
        free (e->nodes);
        free (e);
        return CUDA_SUCCESS;
      }
  return CUDA_ERROR_INVALID_VALUE;
}

static CUresult
td_cuGraphExecDestroy (CUgraphExec exec)
{
  TD_CALL (cuGraphExecDestroy, exec_destroy_l (exec));
}

void
td_stream_entries (fl_driver *d)
{
  d->cuStreamCreate = td_cuStreamCreate;
  d->cuStreamDestroy = td_cuStreamDestroy;
  d->cuStreamSynchronize = td_cuStreamSynchronize;
  d->cuStreamBeginCapture = td_cuStreamBeginCapture;
  d->cuStreamEndCapture = td_cuStreamEndCapture;
  d->cuStreamIsCapturing = td_cuStreamIsCapturing;
  d->cuGraphInstantiateWithFlags = td_cuGraphInstantiateWithFlags;
  d->cuGraphLaunch = td_cuGraphLaunch;
  d->cuGraphGetNodes = td_cuGraphGetNodes;
  d->cuGraphDestroy = td_cuGraphDestroy;
  d->cuGraphExecDestroy = td_cuGraphExecDestroy;
}
