/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-graph.c — CUDA graph capture: fl_capture_begin/end around the caller's launches, and
 * launching the graph they make.
 *
 * The knob word counts active captures, so while one is active every fl_launch() is a
 * fallback (reason CAPTURE) and the default path records the launch into the graph; the fast
 * launcher reads only that one word to know it.
 */
#include <stdlib.h>

#include "fl-private.h"

struct fl_graph {
  CUgraph graph;
  CUgraphExec exec;
  size_t nodes;
};

bool
fl_capture_active (void)
{
  return (atomic_load (&fl__knobs) >> FL__KNOB_CAPTURE_SHIFT) != 0;
}

fl_status
fl_capture_begin (CUstream stream)
{
  fl_status st = fl__require_driver ();
  if (st != FL_OK)
    return st;
  if (!stream)
    return fl__fail (FL_ERR_CAPTURE, "fl_capture_begin: the legacy default stream (NULL) cannot be captured; create a stream");
  CUresult r = fl__drv.cuStreamBeginCapture (stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
  if (r != CUDA_SUCCESS)
    return fl__fail_cuda (r, "cuStreamBeginCapture");
  atomic_fetch_add (&fl__knobs, 1u << FL__KNOB_CAPTURE_SHIFT);
  return FL_OK;
}

fl_status
fl_capture_end (CUstream stream, fl_graph **out)
{
  if (out)
    *out = NULL;
  fl_status st = fl__require_driver ();
  if (st != FL_OK)
    return st;
  if (!out)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_capture_end: NULL out");
  if (!fl_capture_active ())
    return fl__fail (FL_ERR_CAPTURE, "fl_capture_end: no capture is active (call fl_capture_begin first)");
  CUgraph graph = NULL;
  CUresult r = fl__drv.cuStreamEndCapture (stream, &graph);
  atomic_fetch_sub (&fl__knobs, 1u << FL__KNOB_CAPTURE_SHIFT);
  if (r != CUDA_SUCCESS)
    return fl__fail_cuda (r, "cuStreamEndCapture");
  fl_graph *g = calloc (1, sizeof *g);
  if (!g)
    {
      fl__drv.cuGraphDestroy (graph);
      return fl__fail (FL_ERR_NO_MEMORY, "out of memory for a graph");
    }
  g->graph = graph;
  if ((r = fl__drv.cuGraphGetNodes (graph, NULL, &g->nodes)) != CUDA_SUCCESS
      || (r = fl__drv.cuGraphInstantiateWithFlags (&g->exec, graph, 0)) != CUDA_SUCCESS)
    {
      fl__drv.cuGraphDestroy (graph);
      free (g);
      return fl__fail_cuda (r, "instantiating the captured graph");
    }
  *out = g;
  return FL_OK;
}

fl_status
fl_graph_launch (fl_graph *g, CUstream stream)
{
  if (!g)
    return fl__fail (FL_ERR_INVALID_ARGUMENT, "fl_graph_launch: NULL graph");
  CUresult r = fl__drv.cuGraphLaunch (g->exec, stream);
  return r == CUDA_SUCCESS ? FL_OK : fl__fail_cuda (r, "cuGraphLaunch");
}

size_t
fl_graph_node_count (const fl_graph *g)
{
  return g ? g->nodes : 0;
}

void
fl_graph_free (fl_graph *g)
{
  if (!g)
    return;
  if (fl_driver_ready ())
    {
      if (g->exec)
        fl__drv.cuGraphExecDestroy (g->exec);
      if (g->graph)
        fl__drv.cuGraphDestroy (g->graph);
    }
  free (g);
}
