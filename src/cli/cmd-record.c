/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cmd-record.c — `launchscope-cli record`: run a workload through the engine and record every
 * launch, spec, fallback and toggle into a report, with toggles applied mid-run at launch
 * counts.  The report is written while the run goes on, so an interrupted run keeps what it
 * recorded (SIGINT stops cleanly; SIGKILL loses at most the last batch).
 */
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lsc-cli-parse.h"
#include "lsc-cli.h"
#include "lsc-command.h"
#include "lsc-floor.h"
#include "lsc-recorder.h"

#define CMD "record"

typedef struct {
  char name[16];
  unsigned n_ptrs; /* 0: the empty kernel */
  fl_workload w;
} workload_run;

static atomic_bool interrupted;

static void
on_sigint (int sig)
{
  (void) sig;
  atomic_store (&interrupted, true);
}

static void
print_help (void)
{
  printf ("Usage: %s %s -o REPORT.lsdb [OPTIONS]\n"
          "       %s %s -o REPORT.lsdb [--cupti callbacks|activity] [--delay S] [--duration S]\n"
          "           [--max-launches N] [--params] [--capture-range cudaProfilerApi] [--calibrate]\n"
          "           [--api driver|runtime] [--no-nvtx] [--redact] [--force] -- COMMAND [ARGS...]\n"
          "\n"
          "Run a workload through the fastlaunch engine and record every launch into a report:\n"
          "path (fast/default), outcome (hit/miss/fallback), fallback reason, host time, spec\n"
          "keys, compiles and toggles, with CUPTI launch callbacks joined by correlation id.\n"
          "\n"
          "With -- COMMAND, record an unmodified program instead (PyTorch, Triton, any CUDA program):\n"
          "every process of it that initialises CUDA loads liblaunchscope-inject.so through\n"
          "CUDA_INJECTION64_PATH and records each kernel launch (kernel name, launch call time,\n"
          "correlation id) into a report of its own; when the command ends they are gathered into\n"
          "REPORT.lsdb, one session per process, and record exits with the command's exit status.\n"
          "SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to record are passed on to the command.\n"
          "  --redact               keep no command lines in the report\n"
          "  --delay S              record launches only from S seconds after the command starts\n"
          "  --duration S           ... and for S seconds (CUPTI's launch callbacks are off outside\n"
          "                         that window, in every process of the command)\n"
          "  --max-launches N       keep each process's first N launches, then turn the callbacks\n"
          "                         off: a bound on the report's size for long runs; the report\n"
          "                         and record's summary say when it was reached\n"
          "  --params               infer each launch's spec key from its parameter values (pointer\n"
          "                         alignment, integer classes, as the engine specialises): report\n"
          "                         then says per kernel how many specs and binaries it launched\n"
          "                         and the hit rate a per-spec launch cache would get\n"
          "  --capture-range cudaProfilerApi\n"
          "                         record only between the program's own cudaProfilerStart and\n"
          "                         cudaProfilerStop calls (torch.cuda.profiler.start/stop)\n"
          "  --calibrate            first measure, on this GPU (about a second), what a launch costs\n"
          "                         the host on the engine's fast path, as a bare cuLaunchKernel and\n"
          "                         as a CUDA graph node: report then estimates what a per-spec fast\n"
          "                         launcher and CUDA graphs would save the program.  Without a\n"
          "                         usable GPU it fails (status 3) before the command starts\n"
          "  --api driver|runtime   driver (default): launches and the driver's synchronisation,\n"
          "                         copy and allocation calls; runtime: also each CUDA runtime\n"
          "                         call around them (cudaLaunchKernel, cudaMemcpyAsync, ...), as\n"
          "                         api_call rows of kind 5; launches are still counted once\n"
          "  --no-nvtx              record no NVTX ranges (by default the program's NVTX push/pop\n"
          "                         and start/end ranges are recorded through NVTX_INJECTION64_PATH,\n"
          "                         unless another tool has set it)\n"
          "\n"
          "Options:\n"
          "  -o, --output FILE      report to write (required; refuses to overwrite without --force)\n"
          "  -w, --workload LIST    addN (N = 2..32 pointer arguments) or empty, or several separated\n"
          "                         by commas, launched in turn (default add8)\n"
          "  -i, --iters N          launches to record (default 20000)\n"
          "  -n, --n N              elements per buffer (default 4096)\n"
          "  -t, --toggle NAME@K    flip a toggle before launch K (repeatable); NAME is one of\n"
          "                         debug     debug knob (-G): new spec, recompile\n"
          "                         offset    pointers offset by 4 bytes: unaligned spec\n"
          "                         skip      skip switch: every launch on the default path\n"
          "                         timing    per-stage timing of the default path\n"
          "                         lineinfo  instrumentation mode lineinfo\n"
          "                         default   call the default launcher directly (baseline)\n"
          "      --cupti MODE       off, callbacks (default) or activity (adds kernel GPU times)\n"
          "      --cupti-lib PATH   libcupti to load instead of searching\n"
          "      --ring N           ring records per thread (default 65536)\n"
          "      --floor-every N    every N launches, time 32 of the last launch recorded, then 32\n"
          "                         with nothing recorded alternating with 32 bare cuLaunchKernel\n"
          "                         calls of its binary, each after 32 untimed, for the in-session\n"
          "                         floor and observer cost (7.5%% more launches at the default\n"
          "                         2560; they count toward no --iters or --toggle and leave no\n"
          "                         launch row; 0: none)\n"
          "  -d, --device N         CUDA device ordinal (default 0)\n"
          "  -f, --force            overwrite an existing report (a regular file, and not one\n"
          "                         that another recorder is writing: that is always refused)\n"
          "      --append           add this run as a new session to an existing report (or\n"
          "                         create it): diff then compares the sessions as repeats,\n"
          "                         with intervals that cover the scatter between runs\n"
          "  -q, --quiet            no progress on stderr\n"
          "  -h, --help             show this help and exit\n"
          "\n"
          "Examples:\n"
          "  %s %s -o run.lsdb --workload add8 --iters 20000 \\\n"
          "      --toggle debug@5000 --toggle debug@7500 --toggle offset@10000 --toggle skip@15000\n"
          "  %s %s -o train.lsdb -- python3 train.py --steps 100\n"
          "\n"
          "Exit status: 0 ok, 1 runtime error (launch, compile or write failed; what was recorded\n"
          "before it is kept), 2 usage error, 3 no CUDA driver or GPU.  With a command: the\n"
          "command's exit status (128 + N when a signal N ended it), or 1 when it could not be\n"
          "started or its report not written, 3 when --calibrate found no usable GPU.\n",
          LSC_CLI_NAME, CMD, LSC_CLI_NAME, CMD, LSC_CLI_NAME, CMD, LSC_CLI_NAME, CMD);
}

int
lsc_cmd_record (int argc, char **argv)
{
  lsc_record_args ra;
  int prc = lsc_cli_parse_record_args (argc, argv, &ra);
  if (prc != LSC_EXIT_OK)
    return prc;
  if (ra.help)
    {
      print_help ();
      return LSC_EXIT_OK;
    }
  if (ra.command)
    return lsc_cmd_record_command (&ra);
  const char *output = ra.output, *workload = ra.workload, *cupti_lib = ra.cupti_lib;
  const long iters = ra.iters, n = ra.n, device = ra.device, ring = ra.ring, floor_every = ra.floor_every;
  const lsc_cupti_mode cupti = ra.cupti;
  const bool force = ra.force, quiet = ra.quiet;
  const lsc_toggle *toggles = ra.toggles;
  const unsigned n_toggles = ra.n_toggles, n_wl = ra.n_workloads;
  workload_run wl[LSC_CLI_MAX_WORKLOADS];
  memset (wl, 0, sizeof wl);
  for (unsigned w = 0; w < n_wl; w++)
    {
      memcpy (wl[w].name, ra.workloads[w].name, sizeof wl[w].name);
      wl[w].n_ptrs = ra.workloads[w].n_ptrs;
    }

  lsc_machine m;
  int rc = lsc_cli_gpu_open (CMD, (int) device, &m);
  if (rc != LSC_EXIT_OK)
    return rc;
  const fl_driver *drv = fl_driver_get ();

  /* 4 spare elements per buffer so the offset toggle stays in bounds */
  fl_status st = FL_OK;
  for (unsigned w = 0; w < n_wl && st == FL_OK; w++)
    st = fl_workload_setup (&(fl_workload_options){ .n_ptrs = wl[w].n_ptrs, .n = n, .spare = 4 }, &wl[w].w);
  if (st != FL_OK)
    {
      rc = lsc_cli_fl_error (CMD, "setting up the workloads", st);
      for (unsigned w = 0; w < n_wl; w++)
        fl_workload_free (&wl[w].w);
      return rc;
    }

  char settings[2048];
  int used = snprintf (settings, sizeof settings,
                       "{\"pid\": %ld, \"workload\": \"%s\", \"iters\": %ld, \"n\": %ld, \"device\": %ld, "
                       "\"cupti\": \"%s\", \"toggles\": [",
                       (long) getpid (), workload, iters, n, device,
                       cupti == LSC_CUPTI_OFF ? "off" : cupti == LSC_CUPTI_ACTIVITY ? "activity" : "callbacks");
  for (unsigned i = 0; i < n_toggles && used > 0 && (size_t) used < sizeof settings; i++)
    used += snprintf (settings + used, sizeof settings - (size_t) used, "%s\"%s@%ld\"", i ? ", " : "",
                      lsc_toggle_names[toggles[i].kind], toggles[i].at);
  if (used > 0 && (size_t) used < sizeof settings)
    snprintf (settings + used, sizeof settings - (size_t) used, "]}");

  /* --append records beside the report and adds the session to it at the end, so the report
   * is never half written and a failed run leaves it as it was. */
  char part[4096];
  const char *report_path = output;
  if (ra.append && access (output, F_OK) == 0)
    {
      if ((size_t) snprintf (part, sizeof part, "%s.part-%ld.lsdb", output, (long) getpid ()) >= sizeof part)
        return lsc_cli_usage_error (CMD, "the report's path is too long: %s", output);
      report_path = part;
    }
  lsc_recorder_options opts = { .path = report_path, .overwrite = force, .workload = workload, .settings_json = settings,
                                .cupti = cupti, .cupti_library = cupti_lib, .ring_records = (unsigned) ring };
  lsc_recorder *rec = NULL;
  char err[1024];
  if (lsc_recorder_start (&opts, &rec, err, sizeof err) != 0)
    {
      fprintf (stderr, "%s %s: %s\n", LSC_CLI_NAME, CMD, err);
      for (unsigned w = 0; w < n_wl; w++)
        fl_workload_free (&wl[w].w);
      return LSC_EXIT_RUNTIME;
    }
  lsc_recorder_stats stats;
  lsc_recorder_get_stats (rec, &stats);
  if (!quiet)
    fprintf (stderr, "recording %ld launches of %s into %s (CUPTI: %s)\n", iters, workload, output, stats.cupti_status);
  char config[128];
  snprintf (config, sizeof config, "num_warps=4 block=128x1x1 n=%ld", n);
  for (unsigned w = 0; w < n_wl; w++)
    lsc_recorder_add_kernel (rec, wl[w].w.bound, config);

  lsc_floor_probe *probe = NULL;
  if (floor_every > 0 && !(probe = lsc_floor_probe_new (rec, (uint64_t) floor_every)))
    fprintf (stderr, "%s %s: out of memory for the in-session floor: recording without it\n", LSC_CLI_NAME, CMD);

  struct sigaction sa = { .sa_handler = on_sigint };
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);

  bool offset = false, use_default = false;
  unsigned next_toggle = 0;
  fl_arg args[FL_MAX_ARGS];
  long launched = 0, failures = 0;
  const workload_run *last_add = NULL; /* the add<N> whose output is checked at the end */
  fl_status first_error = FL_OK;
  char first_error_text[1024] = "";
  long progress_step = iters / 20 ? iters / 20 : 1;
  for (long i = 0; i < iters && !atomic_load (&interrupted); i++)
    {
      while (next_toggle < n_toggles && toggles[next_toggle].at <= i)
        {
          const lsc_toggle *t = &toggles[next_toggle++];
          bool on = false;
          switch (t->kind)
            {
            case LSC_TOGGLE_DEBUG: on = !fl_knob_get_debug (); fl_knob_set_debug (on); break;
            case LSC_TOGGLE_OFFSET: on = offset = !offset; break;
            case LSC_TOGGLE_SKIP: on = !fl_knob_get_skip_fast (); fl_knob_set_skip_fast (on); break;
            case LSC_TOGGLE_TIMING: on = !fl_knob_get_stage_timing (); fl_knob_set_stage_timing (on); break;
            case LSC_TOGGLE_LINEINFO:
              on = fl_knob_get_instrumentation () == FL_INSTR_NONE;
              fl_knob_set_instrumentation (on ? FL_INSTR_LINEINFO : FL_INSTR_NONE);
              break;
            case LSC_TOGGLE_DEFAULT_PATH: on = use_default = !use_default; break;
            case LSC_TOGGLE_COUNT: break;
            }
          char text[128];
          snprintf (text, sizeof text, "%s %s at launch %ld", lsc_toggle_names[t->kind], on ? "on" : "off", i);
          lsc_recorder_note (rec, "toggle", text);
        }
      const workload_run *r = &wl[i % n_wl];
      fl_bound_kernel *bound = r->w.bound;
      if (r->n_ptrs)
        last_add = r;
      unsigned na = fl_workload_args_at (&r->w, offset ? 4 : 0, args);
      st = lsc_floor_probe_launch (probe, bound, r->w.grid, NULL, args, na, use_default, NULL);
      launched++;
      if (st != FL_OK)
        {
          if (failures++ == 0)
            {
              first_error = st;
              snprintf (first_error_text, sizeof first_error_text, "%s", fl_last_error ());
            }
          if (st == FL_ERR_CUDA_STICKY || st == FL_ERR_COMPILE || st == FL_ERR_NO_CONTEXT)
            break; /* nothing after this can succeed; keep what was recorded */
        }
      if (!quiet && (i + 1) % progress_step == 0)
        fprintf (stderr, "\r  %3ld%%  %ld launches", (i + 1) * 100 / iters, i + 1);
    }
  if (!quiet)
    fprintf (stderr, "\n");
  CUresult sync = drv->cuCtxSynchronize ();
  if (atomic_load (&interrupted))
    lsc_recorder_note (rec, "info", "recording interrupted by a signal");

  /* Check the last configuration's result against the CPU, so a report never hides wrong
   * answers. */
  bool correct = true;
  if (last_add && sync == CUDA_SUCCESS && failures == 0)
    {
      float *out = malloc (last_add->w.buf_bytes[0]);
      if (out && drv->cuMemcpyDtoH (out, last_add->w.bufs[0], last_add->w.buf_bytes[0]) == CUDA_SUCCESS)
        for (size_t j = 0; j < (size_t) n && correct; j++)
          {
            size_t jj = j + (offset ? 1 : 0);
            float want = 0.0f;
            for (unsigned k = 1; k < last_add->n_ptrs; k++)
              want += fl_workload_input (k, jj);
            if (out[jj] != want)
              {
                correct = false;
                char text[256];
                snprintf (text, sizeof text, "result check failed at element %zu: got %g, want %g", j, out[jj], want);
                lsc_recorder_note (rec, "error", text);
                fprintf (stderr, "%s %s: %s\n", LSC_CLI_NAME, CMD, text);
              }
          }
      free (out);
    }

  lsc_floor_figures floor;
  lsc_floor_probe_figures (probe, &floor);
  lsc_floor_probe_free (probe);
  if (floor.rounds > 0 && isfinite (floor.floor_p50_ns))
    lsc_recorder_set_raw_floor (rec, floor.floor_p50_ns);
  lsc_recorder_stats final;
  int stop_rc = lsc_recorder_stop (rec, &final, err, sizeof err);
  printf ("%s: %ld launches, %" PRIu64 " rows written, %" PRIu64 " dropped, %" PRIu64 " lost\n", output, launched,
          final.rows_written, final.rows_dropped, final.rows_lost);
  for (unsigned w = 0; w < n_wl; w++)
    {
      fl_stats fs;
      fl_bound_kernel_stats (wl[w].w.bound, &fs);
      printf ("  %-6s %" PRIu64 " fast hits, %" PRIu64 " misses, %" PRIu64 " default-path calls, %" PRIu64
              " compiles\n",
              wl[w].name, fs.fast_hits, fs.fast_misses, fs.default_calls, fs.compiles);
      fl_workload_free (&wl[w].w);
    }
  printf ("CUPTI: %s\n", final.cupti_status);
  lsc_floor_figures_print (stdout, "", &floor);

  if (stop_rc != 0)
    {
      fprintf (stderr, "%s %s: %s\n", LSC_CLI_NAME, CMD, err);
      return LSC_EXIT_RUNTIME;
    }
  if (report_path != output)
    {
      if (lsc_report_append (output, report_path, err, sizeof err) != 0)
        {
          fprintf (stderr, "%s %s: %s; this session is kept in %s\n", LSC_CLI_NAME, CMD, err, report_path);
          return LSC_EXIT_RUNTIME;
        }
      printf ("appended as a new session to %s\n", output);
    }
  if (failures)
    {
      fprintf (stderr, "%s %s: %ld launch%s failed; first: %s: %s\n", LSC_CLI_NAME, CMD, failures,
               failures == 1 ? "" : "es", fl_status_str (first_error), first_error_text);
      return LSC_EXIT_RUNTIME;
    }
  if (sync != CUDA_SUCCESS)
    return lsc_cli_cu_error (CMD, "cuCtxSynchronize", sync);
  return correct ? LSC_EXIT_OK : LSC_EXIT_RUNTIME;
}
