/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cmd-record-command.c — `launchscope-cli record -o R.lsdb -- COMMAND [ARGS...]`: records every
 * kernel launch of an unmodified program (each process that initialises CUDA, through
 * liblaunchscope-inject.so), gathers the processes' reports into R.lsdb, prints what was
 * recorded, and exits with the command's exit status.  With --calibrate, this host's launch costs
 * are measured first and stored in every session, for report's savings estimate.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lsc-cli-parse.h"
#include "lsc-calibrate.h"
#include "lsc-cli.h"
#include "lsc-command.h"
#include "lsc-report.h"

#define CMD "record"

static volatile sig_atomic_t command_pid, early_signal;

/* A signal typed at the terminal reaches the command's process group, the command included;
 * one sent to us alone (kill, a job scheduler, the app's Stop) is passed on, so the command ends
 * as it would unrecorded and its processes' reports are gathered.  One that comes while the
 * command is being started is kept and passed on once it has a pid. */
static void
forward_signal (int sig, siginfo_t *info, void *context)
{
  (void) context;
  if (info->si_code > 0)
    return;
  if (command_pid > 0)
    kill ((pid_t) command_pid, sig);
  else
    early_signal = sig;
}

/* What was gathered, in all and per process. */
static void
print_sessions (const char *output)
{
  lsc_error e;
  lsc_report *r = lsc_report_open (output, LSC_REPORT_OPEN_NO_QUICK_CHECK, &e);
  lsc_report_summary *sum = r ? lsc_report_summarize (r, &e) : NULL;
  int64_t launches = 0;
  for (size_t i = 0; sum && i < sum->n_sessions; i++)
    launches += sum->sessions[i].launches;
  if (sum)
    fprintf (stderr, "%s %s: %" PRId64 " launches of %zu process%s recorded into %s\n", LSC_CLI_NAME, CMD, launches,
             sum->n_sessions, sum->n_sessions == 1 ? "" : "es", output);
  for (size_t i = 0; sum && i < sum->n_sessions; i++)
    {
      const lsc_session_summary *s = &sum->sessions[i];
      const lsc_path_summary *api = &s->paths[FL_PATH_RAW];
      fprintf (stderr, "  process %" PRId64, s->has_pid ? s->pid : 0);
      if (s->has_rank)
        fprintf (stderr, " (rank %" PRId64 ")", s->rank);
      fprintf (stderr, ": %" PRId64 " launches of %" PRId64 " kernels", s->launches, s->kernels);
      if (api->count > 0)
        fprintf (stderr, ", launch call p50 %" PRId64 " ns, p99 %" PRId64 " ns", api->p50_ns, api->p99_ns);
      if (s->launch_bound_reached)
        fprintf (stderr, " (stopped at --max-launches: later launches not recorded)");
      fprintf (stderr, "  %.200s\n", s->workload ? s->workload : "");
    }
  if (!sum)
    fprintf (stderr, "%s %s: cannot summarise %s: %s\n", LSC_CLI_NAME, CMD, output, e.message);
  lsc_report_summary_free (sum);
  lsc_report_free (r);
}

/* What the calibrating child hands back through its pipe. */
typedef struct {
  int status; /* LSC_EXIT_* */
  char message[1024];
  lsc_calibration rows[LSC_CALIBRATION_COUNT];
} calibration_result;

static void
calibrate_here (calibration_result *res)
{
  fl_probe_result probe;
  fl_status st = fl_probe (FL_PROBE_COMPILE, 0, &probe);
  if (st != FL_OK)
    {
      res->status = st == FL_ERR_NO_DRIVER || st == FL_ERR_NO_NVRTC ? LSC_EXIT_NO_GPU : LSC_EXIT_RUNTIME;
      snprintf (res->message, sizeof res->message, "%s", probe.why);
      return;
    }
  if ((st = fl_use_device (0)) != FL_OK)
    {
      res->status = LSC_EXIT_RUNTIME;
      snprintf (res->message, sizeof res->message, "making device 0's context current: %s: %s", fl_status_str (st),
                fl_last_error ());
      return;
    }
  res->status = lsc_calibrate_measure (NULL, res->rows, res->message, sizeof res->message) == 0 ? LSC_EXIT_OK
                                                                                                : LSC_EXIT_RUNTIME;
}

/* Measures in a child process, so that this one never holds a CUDA context while the command
 * runs: a context's GPU memory would be taken from the program for the whole run, and on a GPU
 * in exclusive-process mode the program could not create its own. */
static int
calibrate (const lsc_record_args *ra, lsc_calibration rows[LSC_CALIBRATION_COUNT])
{
  fprintf (stderr, "%s %s: calibrating: what a launch costs the host on the fast path, as a bare cuLaunchKernel and "
           "as a graph node, on GPU 0 (about a second)\n", LSC_CLI_NAME, CMD);
  fflush (stderr);
  fflush (stdout);
  calibration_result res = { .status = LSC_EXIT_RUNTIME };
  int fds[2] = { -1, -1 };
  pid_t pid = pipe (fds) == 0 ? fork () : -1;
  if (pid == 0)
    {
      close (fds[0]);
      calibrate_here (&res);
      const char *p = (const char *) &res;
      for (size_t done = 0, n = sizeof res; done < n;)
        {
          ssize_t w = write (fds[1], p + done, n - done);
          if (w < 0 && errno == EINTR)
            continue;
          if (w <= 0)
            _exit (1);
          done += (size_t) w;
        }
      _exit (0);
    }
  size_t got = 0;
  if (pid > 0)
    {
      close (fds[1]);
      char *p = (char *) &res;
      while (got < sizeof res)
        {
          ssize_t r = read (fds[0], p + got, sizeof res - got);
          if (r < 0 && errno == EINTR)
            continue;
          if (r <= 0)
            break;
          got += (size_t) r;
        }
      close (fds[0]);
      int wstatus = 0;
      while (waitpid (pid, &wstatus, 0) < 0 && errno == EINTR)
        ;
      if (got != sizeof res)
        snprintf (res.message, sizeof res.message, "the calibrating process ended without a result (%s %d)",
                  WIFSIGNALED (wstatus) ? "signal" : "exit status",
                  WIFSIGNALED (wstatus) ? WTERMSIG (wstatus) : WEXITSTATUS (wstatus));
    }
  else
    {
      snprintf (res.message, sizeof res.message, "cannot start the calibrating process: %s", strerror (errno));
      if (fds[0] >= 0)
        {
          close (fds[0]);
          close (fds[1]);
        }
    }
  if (got != sizeof res || res.status != LSC_EXIT_OK)
    {
      fprintf (stderr,
               "%s %s: --calibrate measures launch costs on the GPU before the command starts, and cannot here: %s; "
               "%s was not started (leave out --calibrate to record without the calibration)\n",
               LSC_CLI_NAME, CMD, res.message, ra->command[0]);
      return got == sizeof res ? res.status : LSC_EXIT_RUNTIME;
    }
  const lsc_calibration *c = res.rows;
  fprintf (stderr,
           "%s %s: calibrated (p50 and 95%% interval, ns per launch): fast path %.0f [%.0f, %.0f], raw cuLaunchKernel "
           "%.0f [%.0f, %.0f], graph node %.0f [%.0f, %.0f]\n",
           LSC_CLI_NAME, CMD, c[LSC_CALIBRATION_FAST].p50_ns, c[LSC_CALIBRATION_FAST].low_ns,
           c[LSC_CALIBRATION_FAST].high_ns, c[LSC_CALIBRATION_RAW].p50_ns, c[LSC_CALIBRATION_RAW].low_ns,
           c[LSC_CALIBRATION_RAW].high_ns, c[LSC_CALIBRATION_GRAPH_NODE].p50_ns, c[LSC_CALIBRATION_GRAPH_NODE].low_ns,
           c[LSC_CALIBRATION_GRAPH_NODE].high_ns);
  memcpy (rows, res.rows, sizeof res.rows);
  return LSC_EXIT_OK;
}

int
lsc_cmd_record_command (const lsc_record_args *ra)
{
  lsc_calibration calibration[LSC_CALIBRATION_COUNT];
  if (ra->calibrate)
    {
      int rc = calibrate (ra, calibration);
      if (rc != LSC_EXIT_OK)
        return rc;
    }
  lsc_command_options o = { .output = ra->output, .overwrite = ra->force, .cupti = ra->cupti,
                            .cupti_library = ra->cupti_lib, .redact = ra->redact, .delay_s = ra->delay_s,
                            .duration_s = ra->duration_s,
                            .max_launches = (uint64_t) ra->max_launches, .params = ra->params,
                            .profiler_range = ra->profiler_range, .runtime_api = ra->runtime_api,
                            .calibration = ra->calibrate ? calibration : NULL,
                            .no_nvtx = ra->no_nvtx,
                            .argv = ra->command };
  /* Forwarding from before the start: a Stop sent the moment the command starts must not end
   * record alone, leaving the command unrecorded and running. */
  struct sigaction sa = { .sa_sigaction = forward_signal, .sa_flags = SA_SIGINFO | SA_RESTART };
  static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
    sigaction (forwarded[i], &sa, NULL);
  lsc_command *command = NULL;
  char err[4600] = "";
  if (lsc_command_start (&o, &command, err, sizeof err) != 0)
    {
      fprintf (stderr, "%s %s: %s\n", LSC_CLI_NAME, CMD, err);
      return early_signal ? 128 + early_signal : LSC_EXIT_RUNTIME;
    }
  const char *nvtx_held = lsc_command_nvtx_held ();
  if (nvtx_held && !ra->no_nvtx)
    fprintf (stderr, "%s %s: NVTX_INJECTION64_PATH is already set (to %s) by another tool: left as it is, so no NVTX "
                     "ranges are recorded\n",
             LSC_CLI_NAME, CMD, nvtx_held);
  command_pid = lsc_command_pid (command);
  if (early_signal)
    kill ((pid_t) command_pid, early_signal);
  int status = lsc_command_wait (command);
  command_pid = 0;

  lsc_command_result res;
  if (lsc_command_finish (command, &res, err, sizeof err) != 0)
    {
      fprintf (stderr, "%s %s: %s was not written: %s; the processes' own reports are kept in %s\n", LSC_CLI_NAME, CMD,
               ra->output, err, res.parts_dir);
      return status != 0 ? status : LSC_EXIT_RUNTIME;
    }
  if (res.processes == 0 && res.left_recording == 0)
    {
      /* The driver is what loads the injection library: without one nothing can be recorded. */
      fl_probe_result probe;
      bool usable = fl_probe (FL_PROBE_DEVICE, 0, &probe) == FL_OK;
      fprintf (stderr, "%s %s: no process of %s initialised CUDA, so nothing was recorded and %s was not written%s%s%s\n",
               LSC_CLI_NAME, CMD, ra->command[0], ra->output, usable ? "" : " (", usable ? "" : probe.why,
               usable ? "" : ")");
    }
  else if (res.processes > 0)
    print_sessions (ra->output);
  if (res.left_recording)
    fprintf (stderr, "%s %s: %u process%s outlived the command and still record%s into %s: not gathered\n",
             LSC_CLI_NAME, CMD, res.left_recording, res.left_recording == 1 ? "" : "es",
             res.left_recording == 1 ? "s" : "", res.parts_dir);
  return status;
}
