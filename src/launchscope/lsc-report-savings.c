/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-report-savings.c — what a per-spec fast launcher and CUDA graphs would save a recorded
 * program, estimated from its gaps and launch calls and the recording host's calibration.
 *
 * An estimate, not a measurement (README, "Savings estimate"): per launch, a fast launcher in
 * place of a JIT's own launcher saves the framework time before the launch (the kernel's gap
 * p50) less what the fast path costs above a bare launch (calibration fast - raw, at least 0);
 * a graph saves the gap and the launch call (p50) less a graph node's share of a replay.  Each
 * is floored at 0.  Only kernels a JIT launched (functions from cuModuleGetFunction) can take a
 * fast launcher; the runtime's own kernels (eager framework ops) get the graph estimate only.
 */
#include "lsc-report-private.h"

/* A median gap longer than this is the program's own work before the launch (imports,
 * compiles, loading data: a kernel launched once, after start-up, on H100 had 10 ms), not the
 * dispatch a fast launcher or a graph would remove: no estimate. */
#define LSC__SAVINGS_MAX_GAP_NS 1000000

static double
at_least_zero (double x)
{
  return x > 0 ? x : 0;
}

void
lsc__savings_estimate (lsc_session_summary *s)
{
  s->has_savings = s->recorded_program;
  for (size_t i = 0; i < LSC_CALIBRATION_COUNT; i++)
    s->has_savings = s->has_savings && s->has_calibration[i];
  s->fast_launcher_saving_total_ns = s->graph_saving_total_ns = 0;
  s->fast_launcher_launches = s->graph_launches = 0;
  const double fast_above_raw
    = at_least_zero (s->calibration[LSC_CALIBRATION_FAST].p50_ns - s->calibration[LSC_CALIBRATION_RAW].p50_ns);
  const double graph_node = s->calibration[LSC_CALIBRATION_GRAPH_NODE].p50_ns;
  for (size_t k = 0; k < s->n_kernel_list; k++)
    {
      lsc_kernel_summary *ks = &s->kernel_list[k];
      bool dispatch_gap = ks->gap_count > 0 && ks->gap_p50_ns <= LSC__SAVINGS_MAX_GAP_NS;
      ks->has_fast_launcher_saving = s->has_savings && dispatch_gap && ks->jit_launches > 0;
      ks->has_graph_saving = s->has_savings && dispatch_gap && ks->count > 0;
      ks->fast_launcher_saving_ns = ks->fast_launcher_saving_total_ns = 0;
      ks->graph_saving_ns = ks->graph_saving_total_ns = 0;
      if (ks->has_fast_launcher_saving)
        {
          ks->fast_launcher_saving_ns = at_least_zero ((double) ks->gap_p50_ns - fast_above_raw);
          ks->fast_launcher_saving_total_ns = ks->fast_launcher_saving_ns * (double) ks->jit_launches;
          s->fast_launcher_saving_total_ns += ks->fast_launcher_saving_total_ns;
          s->fast_launcher_launches = lsc__add_sat (s->fast_launcher_launches, ks->jit_launches);
        }
      if (ks->has_graph_saving)
        {
          ks->graph_saving_ns = at_least_zero ((double) ks->gap_p50_ns + (double) ks->p50_ns - graph_node);
          ks->graph_saving_total_ns = ks->graph_saving_ns * (double) ks->launches;
          s->graph_saving_total_ns += ks->graph_saving_total_ns;
          s->graph_launches = lsc__add_sat (s->graph_launches, ks->launches);
        }
    }
}
