/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-cli-parse.c — the command-line parsers that take untrusted text (see lsc-cli-parse.h):
 * usage messages, integer options, record's toggles, workload lists and command line.  No GPU,
 * file or engine state: a fuzz target links this file alone.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lsc-cli-parse.h"
#include "lsc-floor.h"

int
lsc_cli_usage_error (const char *cmd, const char *fmt, ...)
{
  va_list ap;
  fprintf (stderr, "%s%s%s: ", LSC_CLI_NAME, cmd ? " " : "", cmd ? cmd : "");
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fprintf (stderr, "\nTry '%s%s%s --help'.\n", LSC_CLI_NAME, cmd ? " " : "", cmd ? cmd : "");
  return LSC_EXIT_USAGE;
}

int
lsc_cli_bad_option (const char *cmd, int c, char **argv)
{
  const char *arg = optind > 0 ? argv[optind - 1] : "?";
  if (c == ':')
    return lsc_cli_usage_error (cmd, "option '%s' needs a value", arg);
  if (strncmp (arg, "--", 2) == 0)
    {
      /* getopt_long leaves a known option's val in optopt when that option takes no value but
       * was given one (--json=1), and 0 for a name it does not know. */
      const char *eq = strchr (arg, '=');
      if (eq && optopt != 0)
        return lsc_cli_usage_error (cmd, "option '%.*s' takes no value (got '%s')", (int) (eq - arg), arg, arg);
      return lsc_cli_usage_error (cmd, "unknown option '%s'", arg);
    }
  if (optopt > 0 && optopt < 128)
    return lsc_cli_usage_error (cmd, "unknown option '-%c'", optopt);
  return lsc_cli_usage_error (cmd, "unknown option '%s'", arg);
}

bool
lsc_cli_parse_long (const char *cmd, const char *option, const char *text, long min, long max, long *out)
{
  char *end = NULL;
  errno = 0;
  long v = strtol (text, &end, 10);
  if (errno || !end || end == text || *end != '\0' || v < min || v > max)
    {
      lsc_cli_usage_error (cmd, "%s wants an integer from %ld to %ld, got '%s'", option, min, max, text);
      return false;
    }
  *out = v;
  return true;
}

bool
lsc_cli_parse_seconds (const char *cmd, const char *option, const char *text, double *out)
{
  char *end = NULL;
  errno = 0;
  double v = strtod (text, &end);
  if (errno || !end || end == text || *end != '\0' || !(v >= 0 && v <= 1e7))
    {
      lsc_cli_usage_error (cmd, "%s wants seconds from 0 to 10000000 (e.g. 2.5), got '%s'", option, text);
      return false;
    }
  *out = v;
  return true;
}

/* ---- record's toggles and workloads ------------------------------------------------------------ */

const char *const lsc_toggle_names[LSC_TOGGLE_COUNT] = { "debug", "offset", "skip", "timing", "lineinfo", "default" };

bool
lsc_cli_parse_toggle (const char *cmd, const char *text, lsc_toggle *out)
{
  const char *at = strchr (text, '@');
  if (!at)
    {
      lsc_cli_usage_error (cmd, "--toggle wants NAME@LAUNCH (e.g. debug@5000), got '%s'", text);
      return false;
    }
  size_t len = (size_t) (at - text);
  for (unsigned i = 0; i < LSC_TOGGLE_COUNT; i++)
    if (strlen (lsc_toggle_names[i]) == len && strncmp (text, lsc_toggle_names[i], len) == 0)
      {
        out->kind = (lsc_toggle_kind) i;
        return lsc_cli_parse_long (cmd, "--toggle's launch count", at + 1, 0, 1000000000L, &out->at);
      }
  lsc_cli_usage_error (cmd, "unknown toggle '%.*s' in '%s' (debug, offset, skip, timing, lineinfo, default)",
                       (int) len, text, text);
  return false;
}

int
lsc_cli_parse_workloads (const char *cmd, const char *list, lsc_workload_spec out[LSC_CLI_MAX_WORKLOADS])
{
  unsigned n = 0;
  for (const char *w = list; *w;)
    {
      size_t len = strcspn (w, ",");
      if (n == LSC_CLI_MAX_WORKLOADS)
        {
          lsc_cli_usage_error (cmd, "at most %d workloads", LSC_CLI_MAX_WORKLOADS);
          return -1;
        }
      lsc_workload_spec *r = &out[n];
      memset (r, 0, sizeof *r);
      snprintf (r->name, sizeof r->name, "%.*s", (int) (len < 15 ? len : 15), w);
      if (strcmp (r->name, "empty") != 0)
        {
          char *end = NULL;
          long np = len < 15 && strncmp (r->name, "add", 3) == 0 ? strtol (r->name + 3, &end, 10) : 0;
          if (!end || *end || end == r->name + 3 || np < 2 || np > 32)
            {
              lsc_cli_usage_error (cmd, "unknown workload '%.*s' (add2 .. add32, or empty)", (int) len, w);
              return -1;
            }
          r->n_ptrs = (unsigned) np;
        }
      n++;
      w += len;
      if (*w == ',')
        w++;
    }
  if (n == 0)
    {
      lsc_cli_usage_error (cmd, "--workload is empty");
      return -1;
    }
  return (int) n;
}

/* ---- record's command line ----------------------------------------------------------------------- */

static int
cmp_toggle (const void *a, const void *b)
{
  const lsc_toggle *x = a, *y = b;
  return (x->at > y->at) - (x->at < y->at);
}

int
lsc_cli_parse_record_args (int argc, char **argv, lsc_record_args *args)
{
  static const char *const cmd = "record";
  static const struct option longopts[] = {
    { "output", required_argument, NULL, 'o' },   { "workload", required_argument, NULL, 'w' },
    { "iters", required_argument, NULL, 'i' },    { "n", required_argument, NULL, 'n' },
    { "toggle", required_argument, NULL, 't' },   { "cupti", required_argument, NULL, 'C' },
    { "cupti-lib", required_argument, NULL, 'L' }, { "ring", required_argument, NULL, 'R' },
    { "device", required_argument, NULL, 'd' },   { "force", no_argument, NULL, 'f' },
    { "quiet", no_argument, NULL, 'q' },          { "help", no_argument, NULL, 'h' },
    { "floor-every", required_argument, NULL, 'F' }, { "redact", no_argument, NULL, 'r' },
    { "delay", required_argument, NULL, 'D' },    { "duration", required_argument, NULL, 'U' },
    { "max-launches", required_argument, NULL, 'M' }, { "params", no_argument, NULL, 'P' },
    { "capture-range", required_argument, NULL, 'G' }, { "calibrate", no_argument, NULL, 'K' },
    { "api", required_argument, NULL, 'A' },
    { "no-nvtx", no_argument, NULL, 'X' },
    { "append", no_argument, NULL, 'Y' },
    { NULL, 0, NULL, 0 },
  };
  memset (args, 0, sizeof *args);
  args->workload = "add8";
  args->iters = 20000;
  args->n = 4096;
  args->ring = 65536;
  args->floor_every = LSC_FLOOR_EVERY;
  args->cupti = LSC_CUPTI_CALLBACKS;
  args->quiet = !isatty (STDERR_FILENO);
  opterr = 0;
  int c;
  while ((c = getopt_long (argc, argv, "+:o:w:i:n:t:d:fqh", longopts, NULL)) != -1)
    {
      static const char *const engine_options[][2] = { { "w", "--workload" }, { "i", "--iters" }, { "n", "--n" },
                                                       { "t", "--toggle" },   { "d", "--device" }, { "R", "--ring" },
                                                       { "F", "--floor-every" } };
      for (size_t k = 0; k < sizeof engine_options / sizeof engine_options[0] && !args->engine_option; k++)
        if (c == engine_options[k][0][0])
          args->engine_option = engine_options[k][1];
    switch (c)
      {
      case 'r': args->redact = true; break;
      case 'D': if (!lsc_cli_parse_seconds (cmd, "--delay", optarg, &args->delay_s)) return LSC_EXIT_USAGE; break;
      case 'U':
        if (!lsc_cli_parse_seconds (cmd, "--duration", optarg, &args->duration_s))
          return LSC_EXIT_USAGE;
        if (args->duration_s <= 0)
          return lsc_cli_usage_error (cmd, "--duration wants more than 0 seconds");
        break;
      case 'P': args->params = true; break;
      case 'K': args->calibrate = true; break;
      case 'X': args->no_nvtx = true; break;
      case 'G':
        if (strcmp (optarg, "cudaProfilerApi") != 0)
          return lsc_cli_usage_error (cmd, "--capture-range wants cudaProfilerApi (the program's cudaProfilerStart "
                                           "and cudaProfilerStop), got '%s'",
                                      optarg);
        args->profiler_range = true;
        break;
      case 'A':
        if (strcmp (optarg, "driver") != 0 && strcmp (optarg, "runtime") != 0)
          return lsc_cli_usage_error (cmd, "--api wants driver (launches and the calls between them) or runtime "
                                           "(the CUDA runtime calls too), got '%s'",
                                      optarg);
        args->runtime_api = strcmp (optarg, "runtime") == 0;
        break;
      case 'M':
        if (!lsc_cli_parse_long (cmd, "--max-launches", optarg, 1, INT64_MAX / 2, &args->max_launches))
          return LSC_EXIT_USAGE;
        break;
      case 'o': args->output = optarg; break;
      case 'w': args->workload = optarg; break;
      case 'i': if (!lsc_cli_parse_long (cmd, "--iters", optarg, 1, 1000000000L, &args->iters)) return LSC_EXIT_USAGE; break;
      case 'n': if (!lsc_cli_parse_long (cmd, "--n", optarg, 1, 1L << 28, &args->n)) return LSC_EXIT_USAGE; break;
      case 'd': if (!lsc_cli_parse_long (cmd, "--device", optarg, 0, 1024, &args->device)) return LSC_EXIT_USAGE; break;
      case 'R': if (!lsc_cli_parse_long (cmd, "--ring", optarg, 64, 1L << 24, &args->ring)) return LSC_EXIT_USAGE; break;
      case 'L': args->cupti_lib = optarg; break;
      case 'F': if (!lsc_cli_parse_long (cmd, "--floor-every", optarg, 0, 1000000000L, &args->floor_every)) return LSC_EXIT_USAGE; break;
      case 'f': args->force = true; break;
      case 'Y': args->append = true; break;
      case 'q': args->quiet = true; break;
      case 't':
        if (args->n_toggles == LSC_CLI_MAX_TOGGLES)
          return lsc_cli_usage_error (cmd, "at most %d toggles", LSC_CLI_MAX_TOGGLES);
        if (!lsc_cli_parse_toggle (cmd, optarg, &args->toggles[args->n_toggles]))
          return LSC_EXIT_USAGE;
        args->n_toggles++;
        break;
      case 'C':
        if (strcmp (optarg, "off") == 0)
          args->cupti = LSC_CUPTI_OFF;
        else if (strcmp (optarg, "callbacks") == 0)
          args->cupti = LSC_CUPTI_CALLBACKS;
        else if (strcmp (optarg, "activity") == 0)
          args->cupti = LSC_CUPTI_ACTIVITY;
        else
          return lsc_cli_usage_error (cmd, "--cupti wants off, callbacks or activity, got '%s'", optarg);
        break;
      case 'h': args->help = true; return LSC_EXIT_OK;
      default: return lsc_cli_bad_option (cmd, c, argv);
      }
    }
  if (optind > 0 && optind <= argc && strcmp (argv[optind - 1], "--") == 0)
    {
      if (optind == argc)
        return lsc_cli_usage_error (cmd, "no command after -- (record -o R.lsdb -- COMMAND [ARGS...])");
      args->command = &argv[optind];
    }
  else if (optind < argc)
    return lsc_cli_usage_error (cmd, "unexpected argument '%s' (a program to record goes after --: record -o R.lsdb -- "
                                     "COMMAND [ARGS...])",
                                argv[optind]);
  if (!args->output)
    return lsc_cli_usage_error (cmd, "no report file given (-o REPORT.lsdb)");
  if (args->command && args->engine_option)
    return lsc_cli_usage_error (cmd, "%s sets up a built-in workload: it does not go with a command to record",
                                args->engine_option);
  if (args->append && args->command)
    return lsc_cli_usage_error (cmd, "--append adds a built-in workload's session to a report: a command's "
                                     "processes are recorded into a report of their own");
  if (args->append && args->force)
    return lsc_cli_usage_error (cmd, "--append adds a session to the report and --force replaces it: give one");
  if (args->command && args->cupti == LSC_CUPTI_OFF)
    return lsc_cli_usage_error (cmd, "--cupti off records nothing of a command: use callbacks or activity");
  if (!args->command
      && (args->redact || args->delay_s > 0 || args->duration_s > 0 || args->max_launches > 0 || args->params
          || args->profiler_range || args->calibrate || args->runtime_api || args->no_nvtx))
    {
      const char *option = args->redact             ? "--redact"
                           : args->delay_s > 0      ? "--delay"
                           : args->duration_s > 0   ? "--duration"
                           : args->max_launches > 0 ? "--max-launches"
                           : args->params           ? "--params"
                           : args->calibrate        ? "--calibrate"
                           : args->runtime_api      ? "--api"
                           : args->no_nvtx          ? "--no-nvtx"
                                                    : "--capture-range";
      return lsc_cli_usage_error (cmd, "%s is for a command to record (record -o R.lsdb %s ... -- COMMAND)", option,
                                  option);
    }

  int n_wl = lsc_cli_parse_workloads (cmd, args->workload, args->workloads);
  if (n_wl < 0)
    return LSC_EXIT_USAGE;
  args->n_workloads = (unsigned) n_wl;
  qsort (args->toggles, args->n_toggles, sizeof args->toggles[0], cmp_toggle);
  return LSC_EXIT_OK;
}
