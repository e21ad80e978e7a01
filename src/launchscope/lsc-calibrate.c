/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-calibrate.c — what a launch costs the host per path on this machine (see lsc-calibrate.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "fastlaunch-driver.h"
#include "fastlaunch.h"
#include "lsc-calibrate.h"
#include "lsc-file.h"
#include "lsc-percentile.h"
#include "lsc-floor.h"

/* ---- statistics ------------------------------------------------------------------------------ */

void
lsc_median_interval_ranks (size_t n, size_t *low_rank, size_t *high_rank)
{
  /* j: the largest rank so far with P(B <= j - 1) <= 0.025.  P(B <= r) is summed term by term
   * in logs, as 2^-n underflows a double long before n is large. */
  size_t j = 0;
  double log_term = -(double) n * log (2.0), cdf = 0;
  for (size_t r = 0; 2 * r < n; r++)
    {
      cdf += exp (log_term);
      if (cdf > 0.025)
        break;
      j = r + 1;
      log_term += log ((double) (n - r)) - log ((double) (r + 1));
    }
  *low_rank = j ? j : n ? 1 : 0;
  *high_rank = j ? n + 1 - j : n;
}

void
lsc_calibration_from_samples (uint64_t *samples, size_t n, double divisor, lsc_calibration *out)
{
  *out = (lsc_calibration){ .samples = (int64_t) n };
  if (!n)
    return;
  qsort (samples, n, sizeof *samples, lsc_cmp_u64);
  size_t low, high;
  lsc_median_interval_ranks (n, &low, &high);
  out->p50_ns = (double) samples[lsc_percentile_index (n, 50)] / divisor;
  out->low_ns = (double) samples[low - 1] / divisor;
  out->high_ns = (double) samples[high - 1] / divisor;
}

/* ---- measurement ----------------------------------------------------------------------------- */

enum { LSC__CAL_BLOCK_THREADS = 128 }; /* fl_workload's default 4 warps */

typedef struct {
  const fl_driver *drv;
  fl_workload w;
  CUstream stream;
  lsc_raw_launch raw;
  fl_graph *graph;
  unsigned graph_nodes;
  char *err;
  size_t err_size;
} lsc__calibration_run;

static int
lsc__cal_fl_error (lsc__calibration_run *c, const char *what, fl_status st)
{
  snprintf (c->err, c->err_size, "calibration: %s: %s: %s", what, fl_status_str (st), fl_last_error ());
  return -1;
}

static int
lsc__cal_cu_error (lsc__calibration_run *c, const char *what, CUresult r)
{
  const char *name = NULL;
  if (c->drv->cuGetErrorName)
    c->drv->cuGetErrorName (r, &name);
  snprintf (c->err, c->err_size, "calibration: %s failed: %s (%d)", what, name ? name : "CUDA error", (int) r);
  return -1;
}

/* count calls (graph: replays) of path p, each timed into dst when dst is not NULL. */
static int
lsc__cal_block (lsc__calibration_run *c, int p, unsigned count, uint64_t *dst)
{
  const fl_grid g = c->w.grid;
  for (unsigned i = 0; i < count; i++)
    {
      uint64_t t0 = fl_clock_ns ();
      fl_status st = FL_OK;
      CUresult r = CUDA_SUCCESS;
      switch (p)
        {
        case LSC_CALIBRATION_FAST:
          st = fl_launch (c->w.bound, g, c->stream, c->w.args, c->w.n_args, NULL);
          break;
        case LSC_CALIBRATION_RAW:
          r = c->drv->cuLaunchKernel (c->raw.function, g.x, g.y, g.z, LSC__CAL_BLOCK_THREADS, 1, 1, 0, c->stream,
                                      c->raw.params, NULL);
          break;
        default:
          st = fl_graph_launch (c->graph, c->stream);
          break;
        }
      uint64_t t1 = fl_clock_ns ();
      if (st != FL_OK)
        return lsc__cal_fl_error (c, p == LSC_CALIBRATION_FAST ? "a fast-path launch" : "a graph replay", st);
      if (r != CUDA_SUCCESS)
        return lsc__cal_cu_error (c, "a bare cuLaunchKernel", r);
      if (dst)
        dst[i] = t1 - t0;
    }
  CUresult r = c->drv->cuStreamSynchronize (c->stream);
  return r == CUDA_SUCCESS ? 0 : lsc__cal_cu_error (c, "cuStreamSynchronize", r);
}

/* The workload primed on its own stream, its raw launch, and the graph of graph_nodes launches. */
static int
lsc__cal_setup (lsc__calibration_run *c)
{
  fl_status st = fl_workload_setup (&(fl_workload_options){ .n_ptrs = 8, .n = 4096 }, &c->w);
  if (st != FL_OK)
    return lsc__cal_fl_error (c, "setting up add8", st);
  CUresult r = c->drv->cuStreamCreate (&c->stream, CU_STREAM_NON_BLOCKING);
  if (r != CUDA_SUCCESS)
    {
      c->stream = NULL;
      return lsc__cal_cu_error (c, "cuStreamCreate", r);
    }
  if ((st = fl_workload_prime (&c->w, c->stream, NULL)) != FL_OK)
    return lsc__cal_fl_error (c, "compiling and priming add8", st);
  if (!lsc_raw_launch_prepare (c->w.bound, c->w.args, c->w.n_args, true, 0, &c->raw))
    {
      snprintf (c->err, c->err_size, "calibration: add8 has no compiled binary after priming");
      return -1;
    }
  /* The graph needs a stream of its own: the legacy default stream cannot be captured. */
  if ((st = fl_capture_begin (c->stream)) != FL_OK)
    return lsc__cal_fl_error (c, "starting the graph capture", st);
  for (unsigned i = 0; i < c->graph_nodes && st == FL_OK; i++)
    st = fl_launch (c->w.bound, c->w.grid, c->stream, c->w.args, c->w.n_args, NULL);
  fl_status end = fl_capture_end (c->stream, &c->graph);
  if (st != FL_OK)
    return lsc__cal_fl_error (c, "launching during the graph capture", st);
  if (end != FL_OK)
    return lsc__cal_fl_error (c, "ending the graph capture", end);
  if (fl_graph_node_count (c->graph) != c->graph_nodes)
    {
      snprintf (c->err, c->err_size, "calibration: the captured graph has %zu nodes, not %u",
                fl_graph_node_count (c->graph), c->graph_nodes);
      return -1;
    }
  return 0;
}

int
lsc_calibrate_measure (const lsc_calibrate_options *o, lsc_calibration out[LSC_CALIBRATION_COUNT], char *err,
                       size_t err_size)
{
  const unsigned warmup = o && o->warmup ? o->warmup : 500, launches = o && o->launches ? o->launches : 4000;
  const unsigned block = o && o->block ? o->block : 250;
  lsc__calibration_run c = { .drv = fl_driver_get (), .graph_nodes = o && o->graph_nodes ? o->graph_nodes : 20,
                             .err = err, .err_size = err_size };
  if (!c.drv)
    {
      snprintf (err, err_size, "calibration: no CUDA driver loaded");
      return -1;
    }
  const unsigned replays = block / c.graph_nodes ? block / c.graph_nodes : 1;
  const size_t warm_blocks = (warmup + block - 1) / block, timed_blocks = (launches + block - 1) / block;
  const unsigned per_block[LSC_CALIBRATION_COUNT] = { block, block, replays };
  uint64_t *samples[LSC_CALIBRATION_COUNT] = { NULL };
  int rc = lsc__cal_setup (&c);
  for (int p = 0; p < LSC_CALIBRATION_COUNT && rc == 0; p++)
    if (!(samples[p] = malloc (timed_blocks * per_block[p] * sizeof (uint64_t))))
      {
        snprintf (err, err_size, "calibration: out of memory");
        rc = -1;
      }
  fl_stats before = { 0 }, after = { 0 };
  if (rc == 0)
    fl_bound_kernel_stats (c.w.bound, &before);
  /* Every block runs the three paths, starting one further along each time. */
  for (size_t b = 0; rc == 0 && b < warm_blocks + timed_blocks; b++)
    for (int j = 0; rc == 0 && j < LSC_CALIBRATION_COUNT; j++)
      {
        int p = (int) ((b + (size_t) j) % LSC_CALIBRATION_COUNT);
        uint64_t *dst = b < warm_blocks ? NULL : samples[p] + (b - warm_blocks) * per_block[p];
        rc = lsc__cal_block (&c, p, per_block[p], dst);
      }
  if (rc == 0)
    {
      /* A fallback would time the baseline, not the fast path. */
      fl_bound_kernel_stats (c.w.bound, &after);
      uint64_t want = (uint64_t) (warm_blocks + timed_blocks) * block, hits = after.fast_hits - before.fast_hits;
      if (hits != want)
        {
          snprintf (err, err_size, "calibration: the fast path hit on %llu of %llu launches (a fallback took the "
                    "others): its cost cannot be measured here",
                    (unsigned long long) hits, (unsigned long long) want);
          rc = -1;
        }
    }
  if (rc == 0)
    for (int p = 0; p < LSC_CALIBRATION_COUNT; p++)
      lsc_calibration_from_samples (samples[p], timed_blocks * per_block[p],
                                    p == LSC_CALIBRATION_GRAPH_NODE ? (double) c.graph_nodes : 1.0, &out[p]);
  for (int p = 0; p < LSC_CALIBRATION_COUNT; p++)
    free (samples[p]);
  fl_graph_free (c.graph);
  if (c.stream)
    {
      c.drv->cuStreamSynchronize (c.stream);
      c.drv->cuStreamDestroy (c.stream);
    }
  fl_workload_free (&c.w);
  return rc;
}

/* ---- storing --------------------------------------------------------------------------------- */

int
lsc_calibration_store (const char *path, const lsc_calibration rows[LSC_CALIBRATION_COUNT], char *err,
                       size_t err_size)
{
  lsc__sqlite_refuse_special_files ();
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db,
                             "INSERT INTO main.calibration (session_id, name, p50_ns, low_ns, high_ns, samples) "
                             "SELECT id, ?1, ?2, ?3, ?4, ?5 FROM main.session ORDER BY id",
                             -1, &st, NULL);
  for (int p = 0; p < LSC_CALIBRATION_COUNT && rc == SQLITE_OK; p++)
    {
      sqlite3_reset (st);
      sqlite3_bind_text (st, 1, lsc_calibration_names[p], -1, SQLITE_STATIC);
      sqlite3_bind_double (st, 2, rows[p].p50_ns);
      sqlite3_bind_double (st, 3, rows[p].low_ns);
      sqlite3_bind_double (st, 4, rows[p].high_ns);
      sqlite3_bind_int64 (st, 5, rows[p].samples);
      rc = sqlite3_step (st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
    }
  sqlite3_finalize (st);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      snprintf (err, err_size, "cannot store the calibration in %s: %s", path,
                db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
    }
  if (sqlite3_close (db) != SQLITE_OK && rc == SQLITE_OK)
    {
      snprintf (err, err_size, "cannot store the calibration in %s: closing it failed", path);
      rc = SQLITE_ERROR;
    }
  return rc == SQLITE_OK ? 0 : -1;
}
