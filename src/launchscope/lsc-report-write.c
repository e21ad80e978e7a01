/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-report-write.c — writing what the reader found: the summary as JSON and as the tables
 * `launchscope-cli report` prints, and the text helpers every writer shares (valid UTF-8,
 * JSON strings, cut marks, kernel names demangled).
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-report-private.h"
#include "lsc-schema.h"


size_t
lsc__utf8_sequence (const unsigned char *p, size_t n)
{
  unsigned char c = p[0];
  size_t len;
  uint32_t cp;
  if (c < 0x80)
    return 1;
  else if (c >= 0xc2 && c <= 0xdf)
    len = 2, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef)
    len = 3, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4)
    len = 4, cp = c & 0x07;
  else
    return 0;
  if (len > n)
    return 0;
  for (size_t i = 1; i < len; i++)
    {
      if ((p[i] & 0xc0) != 0x80)
        return 0;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

void
lsc_json_write_string (FILE *out, const char *s)
{
  if (s)
    lsc__json_string (out, s, -1);
  else
    fputs ("null", out);
}

char *
lsc__utf8_valid_dup (const char *s, size_t n)
{
  /* At worst every byte becomes the three of U+FFFD. */
  char *out = malloc (3 * n + 1), *o = out;
  if (!out)
    return NULL;
  for (size_t i = 0; i < n;)
    {
      size_t len = lsc__utf8_sequence ((const unsigned char *) s + i, n - i);
      if (len)
        {
          memcpy (o, s + i, len);
          o += len;
          i += len;
        }
      else
        {
          memcpy (o, "\xef\xbf\xbd", 3);
          o += 3;
          i++;
        }
    }
  *o = '\0';
  return out;
}

size_t
lsc__utf8_cut (const char *s, size_t n, size_t max)
{
  const unsigned char *p = (const unsigned char *) s;
  if (n <= max)
    return n;
  size_t i = 0;
  while (i < n)
    {
      size_t l = lsc__utf8_sequence (p + i, n - i);
      if (l == 0)
        l = 1;
      if (i + l > max)
        break;
      i += l;
    }
  return i;
}

/* The inside of a JSON string: the bytes of p, escaped. */
static void
json_chars (FILE *out, const unsigned char *p, size_t n)
{
  size_t i = 0;
  while (i < n)
    {
      unsigned char c = p[i];
      if (c == '"' || c == '\\')
        {
          putc ('\\', out);
          putc (c, out);
          i++;
        }
      else if (c < 0x20 || c == 0x7f)
        {
          switch (c)
            {
            case '\n': fputs ("\\n", out); break;
            case '\t': fputs ("\\t", out); break;
            case '\r': fputs ("\\r", out); break;
            default: fprintf (out, "\\u%04x", c); break;
            }
          i++;
        }
      else
        {
          size_t l = lsc__utf8_sequence (p + i, n - i);
          if (l == 0)
            {
              fputs ("\\ufffd", out);
              i++;
            }
          else
            {
              fwrite (p + i, 1, l, out);
              i += l;
            }
        }
    }
}

void
lsc__json_string (FILE *out, const char *s, int len)
{
  putc ('"', out);
  json_chars (out, (const unsigned char *) s, len < 0 ? strlen (s) : (size_t) len);
  putc ('"', out);
}

void
lsc__json_string_cut (FILE *out, const char *s, int len, size_t max)
{
  size_t n = len < 0 ? strlen (s) : (size_t) len;
  size_t keep = lsc__utf8_cut (s, n, max);
  putc ('"', out);
  json_chars (out, (const unsigned char *) s, keep);
  if (keep < n)
    fputs (LSC__CUT_MARK, out);
  putc ('"', out);
}

int
lsc__finish_stream (FILE *out, const char *out_name, lsc_error *error)
{
  errno = 0;
  int failed = fflush (out) != 0 || ferror (out);
  if (failed)
    {
      int e = errno ? errno : EIO;
      lsc__error_set (error, LSC_ERROR_IO, "cannot write %s: %s", out_name, strerror (e));
      return -1;
    }
  return 0;
}

bool
lsc__json_find_int (const char *json, const char *key, int64_t *out)
{
  size_t klen = strlen (key);
  for (const char *p = json; (p = strchr (p, '"')); p++)
    {
      if (strncmp (p + 1, key, klen) != 0 || p[1 + klen] != '"')
        continue;
      const char *q = p + 2 + klen;
      while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
        q++;
      if (*q != ':')
        continue;
      q++;
      while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
        q++;
      char *end;
      errno = 0;
      long long v = strtoll (q, &end, 10);
      if (end == q || errno)
        return false;
      *out = v;
      return true;
    }
  return false;
}

static void
json_key (FILE *out, bool *first, const char *key)
{
  if (!*first)
    putc (',', out);
  *first = false;
  lsc__json_string (out, key, -1);
  putc (':', out);
}

static void
json_str_member (FILE *out, bool *first, const char *key, const char *value)
{
  json_key (out, first, key);
  if (value)
    lsc__json_string (out, value, -1);
  else
    fputs ("null", out);
}

static void
json_int_member (FILE *out, bool *first, const char *key, int64_t value)
{
  json_key (out, first, key);
  fprintf (out, "%" PRId64, value);
}

static void
json_opt_int_member (FILE *out, bool *first, const char *key, bool has, int64_t value)
{
  json_key (out, first, key);
  if (has)
    fprintf (out, "%" PRId64, value);
  else
    fputs ("null", out);
}

static void
json_opt_real_member (FILE *out, bool *first, const char *key, bool has, double value)
{
  json_key (out, first, key);
  if (has && isfinite (value))
    fprintf (out, "%.15g", value);
  else
    fputs ("null", out);
}

static void
json_estimate (FILE *out, bool *first, const char *key, const lsc_paired_estimate *e)
{
  json_key (out, first, key);
  if (e->rounds == 0)
    {
      fputs ("null", out);
      return;
    }
  fprintf (out, "{\"rounds\": %zu, \"median_ns\": %.15g, \"low_ns\": %.15g, \"high_ns\": %.15g, \"within_noise\": %s}",
           e->rounds, e->median_ns, e->low_ns, e->high_ns, lsc_paired_estimate_within_noise (e) ? "true" : "false");
}

/* "floor": null, or the in-session floor's figures. */
static void
json_floor (FILE *out, bool *first, const lsc_floor_figures *floor)
{
  json_key (out, first, "floor");
  if (floor->rounds == 0)
    {
      fputs ("null", out);
      return;
    }
  bool f = true;
  fputc ('{', out);
  json_int_member (out, &f, "rounds", (int64_t) floor->rounds);
  json_opt_real_member (out, &f, "bare_p50_ns", isfinite (floor->floor_p50_ns), floor->floor_p50_ns);
  json_estimate (out, &f, "fast_above_ns", &floor->above_floor[FL_PATH_FAST]);
  json_estimate (out, &f, "baseline_above_ns", &floor->above_floor[FL_PATH_DEFAULT]);
  json_estimate (out, &f, "observer_cost_ns", &floor->observer);
  fputc ('}', out);
}

static void
json_reasons (FILE *out, const int64_t *by_reason)
{
  bool first = true;
  putc ('{', out);
  for (size_t r = 0; r <= LSC_REASON_COUNT; r++)
    if (by_reason[r])
      json_int_member (out, &first, lsc_reason_name ((int64_t) r), by_reason[r]);
  putc ('}', out);
}

int
lsc_report_summary_write_json (const lsc_report_summary *sum, FILE *out, const char *out_name, lsc_error *error)
{
  bool first = true;
  putc ('{', out);
  json_str_member (out, &first, "file", sum->path);
  json_int_member (out, &first, "schema_version", sum->schema_version);
  json_int_member (out, &first, "orphan_launches", sum->orphan_launches);
  json_int_member (out, &first, "orphan_events", sum->orphan_events);
  json_str_member (out, &first, "being_recorded_by", sum->being_recorded_by);
  json_key (out, &first, "sessions");
  putc ('[', out);
  for (size_t i = 0; i < sum->n_sessions; i++)
    {
      const lsc_session_summary *s = &sum->sessions[i];
      bool f = true;
      if (i)
        putc (',', out);
      putc ('{', out);
      json_int_member (out, &f, "id", s->id);
      json_str_member (out, &f, "workload", s->workload);
      json_str_member (out, &f, "host", s->host);
      json_str_member (out, &f, "gpu", s->gpu);
      json_opt_int_member (out, &f, "driver_version", s->has_driver_version, s->driver_version);
      json_str_member (out, &f, "toolkit", s->toolkit);
      json_str_member (out, &f, "nvrtc", s->nvrtc);
      json_str_member (out, &f, "cpu", s->cpu);
      json_str_member (out, &f, "start_wall", s->start_wall);
      json_int_member (out, &f, "start_ns", s->start_ns);
      json_opt_int_member (out, &f, "stop_ns", s->stopped, s->stop_ns);
      json_key (out, &f, "stopped");
      fputs (s->stopped ? "true" : "false", out);
      json_opt_int_member (out, &f, "duration_ns", s->stopped, lsc__sub_sat (s->stop_ns, s->start_ns));
      json_str_member (out, &f, "cupti_mode", s->cupti_mode);
      json_str_member (out, &f, "cupti_status", s->cupti_status);
      json_int_member (out, &f, "dropped_rows", s->dropped_rows);
      json_opt_real_member (out, &f, "push_ns", s->has_observer_overhead, s->observer_overhead_ns);
      json_opt_real_member (out, &f, "raw_floor_p50_ns", s->has_raw_floor, s->raw_floor_p50_ns);
      json_floor (out, &f, &s->floor);
      json_opt_int_member (out, &f, "pid", s->has_pid, s->pid);
      json_opt_int_member (out, &f, "rank", s->has_rank, s->rank);
      json_opt_int_member (out, &f, "local_rank", s->has_local_rank, s->local_rank);
      json_opt_int_member (out, &f, "launch_bound", s->has_launch_bound, s->launch_bound);
      json_key (out, &f, "launch_bound_reached");
      fputs (s->launch_bound_reached ? "true" : "false", out);
      json_str_member (out, &f, "settings", s->settings);
      json_int_member (out, &f, "launches", s->launches);
      json_int_member (out, &f, "kernels", s->kernels);
      json_int_member (out, &f, "events", s->events);
      json_key (out, &f, "events_by_kind");
      {
        bool g = true;
        putc ('{', out);
        for (size_t k = 0; k < LSC_EVENT_KIND_COUNT; k++)
          if (s->events_by_kind[k])
            json_int_member (out, &g, lsc_event_kind_names[k], s->events_by_kind[k]);
        putc ('}', out);
      }
      json_key (out, &f, "streams");
      putc ('[', out);
      for (size_t k = 0; k < s->n_streams; k++)
        {
          const lsc_stream_summary *st = &s->streams[k];
          bool g = true;
          fputs (k ? ",{" : "{", out);
          json_int_member (out, &g, "stream_id", st->stream_id);
          json_int_member (out, &g, "kernels", st->kernels);
          json_int_member (out, &g, "idle_count", st->idle_count);
          json_opt_int_member (out, &g, "idle_p50_ns", st->idle_count > 0, st->idle_p50_ns);
          json_opt_int_member (out, &g, "idle_p90_ns", st->idle_count > 0, st->idle_p90_ns);
          json_int_member (out, &g, "waited_for_host", st->waited_for_host);
          json_int_member (out, &g, "busy_ns", st->busy_ns);
          json_int_member (out, &g, "span_ns", st->span_ns);
          putc ('}', out);
        }
      putc (']', out);
      json_key (out, &f, "calls_between_launches");
      {
        bool g = true;
        putc ('{', out);
        for (size_t k = 0; k < LSC_CALL_KINDS; k++)
          if (s->calls_by_kind[k])
            {
              json_key (out, &g, lsc_call_kind_names[k]);
              bool h = true;
              putc ('{', out);
              json_int_member (out, &h, "calls", s->calls_by_kind[k]);
              json_int_member (out, &h, "total_ns", s->call_ns_by_kind[k]);
              putc ('}', out);
            }
        putc ('}', out);
      }
      json_key (out, &f, "recorded_program");
      fputs (s->recorded_program ? "true" : "false", out);
      json_key (out, &f, "calibration");
      {
        bool g = true;
        putc ('{', out);
        for (size_t k = 0; k < LSC_CALIBRATION_COUNT; k++)
          if (s->has_calibration[k])
            {
              const lsc_calibration *c = &s->calibration[k];
              json_key (out, &g, lsc_calibration_names[k]);
              bool h = true;
              putc ('{', out);
              json_opt_real_member (out, &h, "p50_ns", true, c->p50_ns);
              json_opt_real_member (out, &h, "low_ns", true, c->low_ns);
              json_opt_real_member (out, &h, "high_ns", true, c->high_ns);
              json_int_member (out, &h, "samples", c->samples);
              putc ('}', out);
            }
        putc ('}', out);
      }
      json_key (out, &f, "savings_estimate");
      if (s->has_savings)
        {
          bool g = true;
          putc ('{', out);
          json_opt_real_member (out, &g, "fast_launcher_total_ns", true, s->fast_launcher_saving_total_ns);
          json_int_member (out, &g, "fast_launcher_launches", s->fast_launcher_launches);
          json_opt_real_member (out, &g, "graph_total_ns", true, s->graph_saving_total_ns);
          json_int_member (out, &g, "graph_launches", s->graph_launches);
          putc ('}', out);
        }
      else
        fputs ("null", out);
      json_key (out, &f, "fallback_reasons");
      json_reasons (out, s->fallbacks_by_reason);
      json_key (out, &f, "paths");
      putc ('{', out);
      bool pf = true;
      for (size_t p = 0; p <= LSC_PATH_COUNT; p++)
        {
          const lsc_path_summary *ps = &s->paths[p];
          if (!ps->launches)
            continue;
          bool g = true;
          json_key (out, &pf, lsc_path_name ((int64_t) p));
          putc ('{', out);
          json_int_member (out, &g, "launches", ps->launches);
          json_int_member (out, &g, "errors", ps->errors);
          json_int_member (out, &g, "count", ps->count);
          json_opt_int_member (out, &g, "p50_ns", ps->count > 0, ps->p50_ns);
          json_opt_int_member (out, &g, "p90_ns", ps->count > 0, ps->p90_ns);
          json_opt_int_member (out, &g, "p99_ns", ps->count > 0, ps->p99_ns);
          json_opt_int_member (out, &g, "min_ns", ps->count > 0, ps->min_ns);
          json_opt_int_member (out, &g, "max_ns", ps->count > 0, ps->max_ns);
          json_opt_real_member (out, &g, "mean_ns", ps->count > 0, ps->mean_ns);
          json_int_member (out, &g, "hits", ps->outcomes[LSC_OUTCOME_HIT]);
          json_int_member (out, &g, "misses", ps->outcomes[LSC_OUTCOME_MISS]);
          json_int_member (out, &g, "fallbacks", ps->outcomes[LSC_OUTCOME_FALLBACK]);
          json_int_member (out, &g, "defaults", ps->outcomes[LSC_OUTCOME_DEFAULT]);
          json_key (out, &g, "fallback_reasons");
          json_reasons (out, ps->fallbacks_by_reason);
          putc ('}', out);
        }
      putc ('}', out);
      /* Names once per kernel, not per spec: a long name shared by many specs would multiply. */
      json_key (out, &f, "kernel_list");
      putc ('[', out);
      for (size_t k = 0; k < s->n_kernel_list; k++)
        {
          const lsc_kernel_summary *ks = &s->kernel_list[k];
          bool g = true;
          if (k)
            putc (',', out);
          putc ('{', out);
          json_int_member (out, &g, "id", ks->id);
          json_str_member (out, &g, "name", ks->name);
          json_int_member (out, &g, "launches", ks->launches);
          json_int_member (out, &g, "errors", ks->errors);
          json_int_member (out, &g, "count", ks->count);
          json_opt_int_member (out, &g, "p50_ns", ks->count > 0, ks->p50_ns);
          json_opt_int_member (out, &g, "p90_ns", ks->count > 0, ks->p90_ns);
          json_opt_int_member (out, &g, "p99_ns", ks->count > 0, ks->p99_ns);
          json_int_member (out, &g, "gap_count", ks->gap_count);
          json_opt_int_member (out, &g, "gap_p50_ns", ks->gap_count > 0, ks->gap_p50_ns);
          json_opt_int_member (out, &g, "gap_p90_ns", ks->gap_count > 0, ks->gap_p90_ns);
          json_int_member (out, &g, "functions", ks->functions);
          json_int_member (out, &g, "param_launches", ks->param_launches);
          json_int_member (out, &g, "param_specs", ks->param_specs);
          json_int_member (out, &g, "params_no_layout", ks->params_no_layout);
          json_int_member (out, &g, "params_no_values", ks->params_no_values);
          json_int_member (out, &g, "params_not_kept", ks->params_not_kept);
          json_opt_real_member (out, &g, "simulated_hit_rate", ks->param_launches > 0,
                                1.0 - (double) ks->param_specs / (double) ks->param_launches);
          json_int_member (out, &g, "jit_launches", ks->jit_launches);
          json_opt_real_member (out, &g, "fast_launcher_saving_ns", ks->has_fast_launcher_saving,
                                ks->fast_launcher_saving_ns);
          json_opt_real_member (out, &g, "fast_launcher_saving_total_ns", ks->has_fast_launcher_saving,
                                ks->fast_launcher_saving_total_ns);
          json_opt_real_member (out, &g, "graph_saving_ns", ks->has_graph_saving, ks->graph_saving_ns);
          json_opt_real_member (out, &g, "graph_saving_total_ns", ks->has_graph_saving, ks->graph_saving_total_ns);
          putc ('}', out);
        }
      putc (']', out);
      json_key (out, &f, "specs");
      putc ('[', out);
      for (size_t k = 0; k < s->n_specs; k++)
        {
          const lsc_spec_summary *sp = &s->specs[k];
          bool g = true;
          if (k)
            putc (',', out);
          putc ('{', out);
          json_int_member (out, &g, "id", sp->id);
          json_int_member (out, &g, "kernel_id", sp->kernel_id);
          json_int_member (out, &g, "key", sp->key);
          json_str_member (out, &g, "description", sp->description);
          json_str_member (out, &g, "ptr_alignment", sp->ptr_alignment);
          json_str_member (out, &g, "int_classes", sp->int_classes);
          json_int_member (out, &g, "debug", sp->debug);
          json_str_member (out, &g, "instrumentation", sp->instrumentation);
          json_int_member (out, &g, "compile_hook", sp->compile_hook);
          json_opt_real_member (out, &g, "compile_ms", sp->has_compile_ms, sp->compile_ms);
          json_int_member (out, &g, "hits", sp->hits);
          json_int_member (out, &g, "misses", sp->misses);
          json_int_member (out, &g, "waits", sp->waits);
          json_int_member (out, &g, "launches", sp->launches);
          json_int_member (out, &g, "launch_hits", sp->launch_hits);
          json_int_member (out, &g, "launch_misses", sp->launch_misses);
          json_int_member (out, &g, "launch_fallbacks", sp->launch_fallbacks);
          json_int_member (out, &g, "count", sp->count);
          json_opt_int_member (out, &g, "p50_ns", sp->count > 0, sp->p50_ns);
          putc ('}', out);
        }
      fputs ("]}", out);
    }
  putc (']', out);
  json_key (out, &first, "nvtx_ranges");
  putc ('[', out);
  for (size_t i = 0; i < sum->n_ranges; i++)
    {
      const lsc_range_summary *r = &sum->ranges[i];
      bool g = true;
      fputs (i ? ",{" : "{", out);
      json_str_member (out, &g, "domain", r->domain);
      json_str_member (out, &g, "name", r->name);
      json_int_member (out, &g, "ranges", r->ranges);
      json_int_member (out, &g, "open", r->open);
      json_int_member (out, &g, "total_ns", r->total_ns);
      json_int_member (out, &g, "launches", r->launches);
      json_int_member (out, &g, "count", r->count);
      json_opt_int_member (out, &g, "launch_p50_ns", r->count > 0, r->p50_ns);
      putc ('}', out);
    }
  fputs ("]}\n", out);
  return lsc__finish_stream (out, out_name, error);
}

/* Prints s for a terminal in at most width bytes (0: 255): control bytes (escape sequences
 * from a hostile file) and invalid UTF-8 become '?', and a cut never splits a UTF-8 sequence
 * and ends with LSC__CUT_MARK, counted as one column. */
static void
text_cell (FILE *out, const char *s, int width, bool left)
{
  char buf[256 + sizeof LSC__CUT_MARK];
  size_t max = width > 0 && width < 256 ? (size_t) width : 255;
  size_t n = 0;
  const unsigned char *p = (const unsigned char *) (s ? s : "-");
  size_t len = strlen ((const char *) p);
  /* Each byte read becomes at most one byte written: what is longer than max is cut, and the
   * mark takes a column (a fixed width) or its bytes (the 255-byte cap) from the text. */
  bool cut = len > max;
  if (cut)
    max -= width > 0 ? 1 : sizeof LSC__CUT_MARK - 1;
  size_t i = 0;
  int cols = 0;
  while (i < len && n < max)
    {
      if (p[i] < 0x20 || p[i] == 0x7f)
        {
          buf[n++] = '?';
          i++;
          cols++;
          continue;
        }
      size_t l = lsc__utf8_sequence (p + i, len - i);
      if (l == 0)
        {
          buf[n++] = '?';
          i++;
          cols++;
          continue;
        }
      if (n + l > max)
        break;
      memcpy (buf + n, p + i, l);
      n += l;
      i += l;
      cols++;
    }
  if (cut)
    {
      memcpy (buf + n, LSC__CUT_MARK, sizeof LSC__CUT_MARK - 1);
      n += sizeof LSC__CUT_MARK - 1;
      cols++;
    }
  buf[n] = '\0';
  int pad = width > cols ? width - cols : 0;
  if (!left)
    fprintf (out, "%*s", pad, "");
  fputs (buf, out);
  if (left)
    fprintf (out, "%*s", pad, "");
}

/* "  label value" for the first fact of a line, ", label value" after; nothing for NULL. */
static void
text_fact (FILE *out, bool *first, const char *label, const char *value)
{
  if (!value)
    return;
  fprintf (out, "%s%s ", *first ? "  " : ", ", label);
  text_cell (out, value, 0, true);
  *first = false;
}

static void
text_ns (FILE *out, bool has, int64_t ns, int width)
{
  if (has)
    fprintf (out, " %*" PRId64, width, ns);
  else
    fprintf (out, " %*s", width, "-");
}

/* C++ kernel names as CUPTI reports them are mangled; the C++ runtime that demangles them is
 * loaded on first use, and where there is none the mangled name is shown. */
typedef char *(*lsc__demangle_fn) (const char *, char *, size_t *, int *);
static lsc__demangle_fn lsc__demangle;
static pthread_once_t lsc__demangle_once = PTHREAD_ONCE_INIT;

static void
lsc__load_demangler (void)
{
  void *lib = dlopen ("libstdc++.so.6", RTLD_NOW | RTLD_LOCAL);
  void *sym = lib ? dlsym (lib, "__cxa_demangle") : NULL;
  memcpy (&lsc__demangle, &sym, sizeof sym);
}

char *
lsc_kernel_name_demangle (const char *name)
{
  if (!name || strncmp (name, "_Z", 2) != 0)
    return NULL;
  pthread_once (&lsc__demangle_once, lsc__load_demangler);
  int status = -1;
  char *out = lsc__demangle ? lsc__demangle (name, NULL, NULL, &status) : NULL;
  if (status != 0)
    {
      free (out);
      return NULL;
    }
  return out;
}

static int
cmp_kernel_launches (const void *a, const void *b)
{
  const lsc_kernel_summary *x = *(const lsc_kernel_summary *const *) a, *y = *(const lsc_kernel_summary *const *) b;
  if (x->launches != y->launches)
    return x->launches < y->launches ? 1 : -1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* The most launched kernels first, at most LSC__TEXT_KERNELS of them. */
#define LSC__TEXT_KERNELS 20
static void
text_kernels (FILE *out, const lsc_session_summary *s)
{
  const lsc_kernel_summary **order = malloc ((s->n_kernel_list + 1) * sizeof *order);
  size_t n = 0;
  for (size_t k = 0; order && k < s->n_kernel_list; k++)
    if (s->kernel_list[k].launches > 0)
      order[n++] = &s->kernel_list[k];
  if (n == 0)
    {
      free (order);
      return;
    }
  qsort (order, n, sizeof *order, cmp_kernel_launches);
  /* The name goes last and is cut only at the usual cap: C++ kernels often differ only deep in
   * their template arguments. */
  fprintf (out, "\n  %10s %8s %10s %10s %10s %10s  %s\n", "launches", "errors", "p50 ns", "p90 ns", "p99 ns",
           "gap p50 ns", "kernel");
  for (size_t i = 0; i < n && i < LSC__TEXT_KERNELS; i++)
    {
      fprintf (out, "  %10" PRId64 " %8" PRId64, order[i]->launches, order[i]->errors);
      text_ns (out, order[i]->count > 0, order[i]->p50_ns, 10);
      text_ns (out, order[i]->count > 0, order[i]->p90_ns, 10);
      text_ns (out, order[i]->count > 0, order[i]->p99_ns, 10);
      text_ns (out, order[i]->gap_count > 0, order[i]->gap_p50_ns, 10);
      fputs ("  ", out);
      char *readable = lsc_kernel_name_demangle (order[i]->name);
      text_cell (out, readable ? readable : order[i]->name ? order[i]->name : "(unnamed)", 0, true);
      free (readable);
      putc ('\n', out);
    }
  if (n > LSC__TEXT_KERNELS)
    fprintf (out, "  ... and %zu more kernels (report --json lists them all)\n", n - LSC__TEXT_KERNELS);
  fputs ("  (gap: time on the launching thread since its previous CUDA call returned)\n", out);
  free (order);
}

/* With record --params: per kernel, the specs its launches' values give, the binaries that
 * served them, and the hit rate a per-spec launch cache would get. */
static void
text_params (FILE *out, const lsc_session_summary *s)
{
  bool any = false;
  for (size_t k = 0; k < s->n_kernel_list && !any; k++)
    any = s->kernel_list[k].param_launches > 0 || s->kernel_list[k].params_no_layout > 0
          || s->kernel_list[k].params_no_values > 0 || s->kernel_list[k].params_not_kept > 0;
  if (!any)
    return;
  fprintf (out, "\n  %10s %8s %8s %9s  %s\n", "launches", "specs", "binaries", "hit rate", "kernel (--params: classes "
           "inferred from values, not types)");
  for (size_t k = 0; k < s->n_kernel_list; k++)
    {
      const lsc_kernel_summary *ks = &s->kernel_list[k];
      if (!ks->launches)
        continue;
      fprintf (out, "  %10" PRId64, ks->launches);
      if (ks->param_launches > 0)
        fprintf (out, " %8" PRId64 " %8" PRId64 " %8.1f%%", ks->param_specs, ks->functions,
                 100.0 * (1.0 - (double) ks->param_specs / (double) ks->param_launches));
      else
        fprintf (out, " %8s %8" PRId64 " %9s", "-", ks->functions, "-");
      fputs ("  ", out);
      char *readable = lsc_kernel_name_demangle (ks->name);
      text_cell (out, readable ? readable : ks->name ? ks->name : "(unnamed)", 0, true);
      free (readable);
      if (ks->params_no_layout > 0)
        fprintf (out, "  (%" PRId64 " launches: the driver gives no parameter layout)", ks->params_no_layout);
      if (ks->params_no_values > 0)
        fprintf (out, "  (%" PRId64 " launches: parameters passed packed)", ks->params_no_values);
      if (ks->params_not_kept > 0)
        fprintf (out, "  (%" PRId64 " launches: more functions than the recorder keeps layouts for)",
                 ks->params_not_kept);
      putc ('\n', out);
    }
}

/* A recorded program's savings estimate per kernel (most launched first, as text_kernels) and in
 * total; without calibration, how to get it. */
static void
text_savings (FILE *out, const lsc_session_summary *s)
{
  if (!s->recorded_program || s->launches == 0)
    return;
  if (!s->has_savings)
    {
      fputs ("\n  savings estimate: this report has no calibration of the recording host's launch costs; record\n"
             "  with --calibrate (launchscope-cli record --calibrate -o R.lsdb -- COMMAND) for the estimate\n",
             out);
      return;
    }
  const lsc_kernel_summary **order = malloc ((s->n_kernel_list + 1) * sizeof *order);
  size_t n = 0;
  for (size_t k = 0; order && k < s->n_kernel_list; k++)
    if (s->kernel_list[k].launches > 0)
      order[n++] = &s->kernel_list[k];
  if (n > 1)
    qsort (order, n, sizeof *order, cmp_kernel_launches);
  const lsc_calibration *c = s->calibration;
  fprintf (out, "\n  savings estimate (an estimate, not a measurement; calibration on the recording host: fast path "
           "%.0f ns, raw cuLaunchKernel %.0f ns, graph node %.0f ns per launch)\n",
           c[LSC_CALIBRATION_FAST].p50_ns, c[LSC_CALIBRATION_RAW].p50_ns, c[LSC_CALIBRATION_GRAPH_NODE].p50_ns);
  fprintf (out, "  %10s %15s %12s %15s %12s  %s\n", "launches", "fast launcher", "total ms", "CUDA graphs", "total ms",
           "kernel");
  for (size_t i = 0; i < n && i < LSC__TEXT_KERNELS; i++)
    {
      const lsc_kernel_summary *ks = order[i];
      fprintf (out, "  %10" PRId64, ks->launches);
      if (ks->has_fast_launcher_saving)
        fprintf (out, " %12.0f ns %12.3f", ks->fast_launcher_saving_ns, ks->fast_launcher_saving_total_ns / 1e6);
      else
        fprintf (out, " %28s", ks->jit_launches == 0 ? "n/a (not a JIT launcher)" : ks->gap_count ? "- (gap > 1 ms)" : "- (no gap)");
      if (ks->has_graph_saving)
        fprintf (out, " %12.0f ns %12.3f", ks->graph_saving_ns, ks->graph_saving_total_ns / 1e6);
      else
        fprintf (out, " %28s", ks->gap_count ? "- (gap > 1 ms)" : "- (no gap)");
      fputs ("  ", out);
      char *readable = lsc_kernel_name_demangle (ks->name);
      text_cell (out, readable ? readable : ks->name ? ks->name : "(unnamed)", 0, true);
      free (readable);
      putc ('\n', out);
    }
  if (n > LSC__TEXT_KERNELS)
    fprintf (out, "  ... and %zu more kernels (report --json lists them all)\n", n - LSC__TEXT_KERNELS);
  free (order);
  fprintf (out, "  total: a per-spec fast launcher would save %.3f ms over %" PRId64 " JIT launches, CUDA graphs "
           "%.3f ms over %" PRId64 " launches\n",
           s->fast_launcher_saving_total_ns / 1e6, s->fast_launcher_launches, s->graph_saving_total_ns / 1e6,
           s->graph_launches);
  fputs ("  (per launch, a fast launcher in place of a JIT's launcher saves the gap p50 less its own cost above\n"
         "   a bare launch, fast - raw; graphs save the gap p50 and the launch call p50 less a graph node; only\n"
         "   kernels of modules the program loaded itself, as Triton, Inductor and Helion do, have a JIT launcher\n"
         "   to replace: the runtime's own kernels, eager framework ops, get the graph estimate only)\n",
         out);
}

/* The GPU streams' idle time between kernels and how much of it waited for the host. */
static void
text_streams (FILE *out, const lsc_session_summary *s)
{
  if (!s->n_streams)
    return;
  fprintf (out, "\n  %10s %10s %12s %12s %16s %8s\n", "stream", "kernels", "idle p50 ns", "idle p90 ns",
           "waited for host", "busy");
  for (size_t i = 0; i < s->n_streams; i++)
    {
      const lsc_stream_summary *st = &s->streams[i];
      fprintf (out, "  %10" PRId64 " %10" PRId64, st->stream_id, st->kernels);
      text_ns (out, st->idle_count > 0, st->idle_p50_ns, 12);
      text_ns (out, st->idle_count > 0, st->idle_p90_ns, 12);
      if (st->kernels > 1)
        fprintf (out, " %9" PRId64 " (%3.0f%%)", st->waited_for_host,
                 100.0 * (double) st->waited_for_host / (double) (st->kernels - 1));
      else
        fprintf (out, " %16s", "-");
      if (st->span_ns > 0)
        fprintf (out, " %7.0f%%\n", 100.0 * (double) st->busy_ns / (double) st->span_ns);
      else
        fprintf (out, " %8s\n", "-");
    }
  fputs ("  (waited for host: kernels the GPU sat idle for, their launch call beginning after the\n"
         "   previous kernel on the stream ended or the kernel starting over 2 us after it, later than\n"
         "   a queued one would: many means launch-bound; busy: kernel time over the stream's span)\n",
         out);
}

/* The program's NVTX ranges by name, with the launches made inside them. */
static void
text_ranges (FILE *out, const lsc_report_summary *sum)
{
  if (!sum->n_ranges)
    return;
  fprintf (out, "\nNVTX ranges\n  %8s %6s %12s %10s %14s  %s\n", "ranges", "open", "total ms", "launches",
           "launch p50 ns", "name");
  for (size_t i = 0; i < sum->n_ranges; i++)
    {
      const lsc_range_summary *r = &sum->ranges[i];
      fprintf (out, "  %8" PRId64 " %6" PRId64 " %12.3f %10" PRId64, r->ranges, r->open, (double) r->total_ns / 1e6,
               r->launches);
      text_ns (out, r->count > 0, r->p50_ns, 14);
      fputs ("  ", out);
      if (r->domain)
        {
          text_cell (out, r->domain, 0, true);
          fputs ("::", out);
        }
      text_cell (out, r->name ? r->name : "(no message)", 0, true);
      putc ('\n', out);
    }
  fputs ("  (a launch counts in the innermost range open on its thread when its call began; total: the\n"
         "   time in the ranges that ended, nested ones counted in their own and in their parents')\n",
         out);
}

int
lsc_report_summary_write_text (const lsc_report_summary *sum, FILE *out, const char *out_name, lsc_error *error)
{
  fputs ("Report ", out);
  text_cell (out, sum->path, 0, true);
  fprintf (out, " (schema version %" PRId64 ")\n", sum->schema_version);
  if (sum->n_sessions == 0)
    fputs ("no sessions\n", out);
  for (size_t i = 0; i < sum->n_sessions; i++)
    {
      const lsc_session_summary *s = &sum->sessions[i];
      fprintf (out, "\nSession %" PRId64 ": workload ", s->id);
      text_cell (out, s->workload, 0, true);
      fputs (", started ", out);
      text_cell (out, s->start_wall, 0, true);
      if (s->stopped)
        fprintf (out, ", ran %.3f s\n", ((double) s->stop_ns - (double) s->start_ns) / 1e9);
      else
        fprintf (out, ", %s%s\n", sum->being_recorded_by ? "still being recorded by " : "",
                 sum->being_recorded_by ? sum->being_recorded_by
                                        : "no stop time: nobody records it now (its recorder crashed or was killed, "
                                          "or the report was copied while it was recorded)");
      /* Facts the session has; a report from an older or partial recorder may lack some. */
      {
        bool first = true;
        text_fact (out, &first, "host", s->host);
        text_fact (out, &first, "GPU", s->gpu);
        if (s->has_driver_version)
          {
            char v[32];
            snprintf (v, sizeof v, "%" PRId64, s->driver_version);
            text_fact (out, &first, "driver", v);
          }
        text_fact (out, &first, "toolkit", s->toolkit);
        text_fact (out, &first, "NVRTC", s->nvrtc);
        if (!first)
          putc ('\n', out);
        first = true;
        text_fact (out, &first, "CPU", s->cpu);
        text_fact (out, &first, "CUPTI", s->cupti_mode);
        if (s->cupti_status)
          {
            fputs (first ? "  (" : " (", out);
            text_cell (out, s->cupti_status, 0, true);
            putc (')', out);
            first = false;
          }
        if (!first)
          putc ('\n', out);
      }
      fprintf (out, "  dropped rows %" PRId64 "%s", s->dropped_rows,
               s->dropped_rows ? " (the per-thread rings overflowed: these launches are missing below)" : "");
      if (s->has_observer_overhead)
        fprintf (out, ", recorder push %.1f ns/launch", s->observer_overhead_ns);
      fputc ('\n', out);
      if (s->floor.rounds > 0 || s->paths[FL_PATH_FAST].launches > 0 || s->paths[FL_PATH_DEFAULT].launches > 0)
        lsc_floor_figures_print (out, "  ", &s->floor);
      else
        fputs ("  observer cost: not measured for a recorded program (the recorder's push is its own work, not what "
               "recording costs a launch)\n",
               out);
      fprintf (out, "  %" PRId64 " launches, %" PRId64 " kernel%s, %zu spec%s, %" PRId64 " event%s", s->launches,
               s->kernels, s->kernels == 1 ? "" : "s", s->n_specs, s->n_specs == 1 ? "" : "s", s->events,
               s->events == 1 ? "" : "s");
      {
        bool first = true;
        for (size_t k = 0; k < LSC_EVENT_KIND_COUNT; k++)
          if (s->events_by_kind[k])
            {
              fprintf (out, "%s%s %" PRId64, first ? " (" : ", ", lsc_event_kind_names[k], s->events_by_kind[k]);
              first = false;
            }
        fputs (first ? "\n" : ")\n", out);
      }
      if (s->launch_bound_reached)
        {
          if (s->has_launch_bound)
            fprintf (out, "  launch bound reached: the first %" PRId64 " launches were recorded, later ones were not\n",
                     s->launch_bound);
          else
            fputs ("  launch bound reached: later launches were not recorded\n", out);
        }
      {
        static const char *const names[LSC_CALL_KINDS][2] = { { "synchronisation", "synchronisations" },
                                                              { "copy", "copies" },
                                                              { "allocation", "allocations" } };
        bool first = true;
        for (size_t k = 0; k < LSC_CALL_KINDS; k++)
          if (s->calls_by_kind[k])
            {
              fprintf (out, "%s%" PRId64 " %s (%.3f ms)", first ? "  between launches: " : ", ", s->calls_by_kind[k],
                       names[k][s->calls_by_kind[k] != 1], (double) s->call_ns_by_kind[k] / 1e6);
              first = false;
            }
        if (!first)
          putc ('\n', out);
      }

      fprintf (out, "\n  %-8s %10s %8s %10s %10s %10s %10s %10s %10s %10s\n", "path", "launches", "errors", "p50 ns",
               "p90 ns", "p99 ns", "max ns", "hits", "misses", "fallbacks");
      for (size_t p = 0; p <= LSC_PATH_COUNT; p++)
        {
          const lsc_path_summary *ps = &s->paths[p];
          if (!ps->launches)
            continue;
          /* people read "baseline"; the stored name "default" stays in the JSON and exports */
          fprintf (out, "  %-8s %10" PRId64 " %8" PRId64, p == FL_PATH_DEFAULT ? "baseline" : lsc_path_name ((int64_t) p),
                   ps->launches, ps->errors);
          text_ns (out, ps->count > 0, ps->p50_ns, 10);
          text_ns (out, ps->count > 0, ps->p90_ns, 10);
          text_ns (out, ps->count > 0, ps->p99_ns, 10);
          text_ns (out, ps->count > 0, ps->max_ns, 10);
          fprintf (out, " %10" PRId64 " %10" PRId64 " %10" PRId64 "\n", ps->outcomes[LSC_OUTCOME_HIT],
                   ps->outcomes[LSC_OUTCOME_MISS], ps->outcomes[LSC_OUTCOME_FALLBACK]);
        }
      bool any_fallback = false;
      for (size_t r = 0; r <= LSC_REASON_COUNT; r++)
        any_fallback |= s->fallbacks_by_reason[r] != 0;
      if (any_fallback)
        {
          fputs ("\n  fallbacks by reason:", out);
          bool first = true;
          for (size_t r = 0; r <= LSC_REASON_COUNT; r++)
            if (s->fallbacks_by_reason[r])
              {
                fprintf (out, "%s %s %" PRId64, first ? "" : ",", lsc_reason_name ((int64_t) r),
                         s->fallbacks_by_reason[r]);
                first = false;
              }
          putc ('\n', out);
        }
      text_kernels (out, s);
      text_savings (out, s);
      text_params (out, s);
      text_streams (out, s);
      if (s->n_specs)
        {
          /* The decoded key goes last and uncut: specs often differ only at its end. */
          fprintf (out, "\n  %-6s %-20s %9s %10s %10s %8s %6s %10s  %s\n", "spec", "kernel", "launches", "p50 ns",
                   "hits", "misses", "waits", "compile ms", "description");
          for (size_t k = 0; k < s->n_specs; k++)
            {
              const lsc_spec_summary *sp = &s->specs[k];
              fprintf (out, "  %-6" PRId64 " ", sp->id);
              text_cell (out, sp->kernel_name, 20, true);
              fprintf (out, " %9" PRId64, sp->launches);
              text_ns (out, sp->count > 0, sp->p50_ns, 10);
              /* The engine's counters (written at stop) include launches the rings dropped; a
               * report without a stop time has only the launch rows to go by. */
              int64_t hits = s->stopped ? sp->hits : sp->launch_hits;
              /* Miss rows include the waits, which only the spec row tells apart. */
              int64_t misses = s->stopped ? sp->misses : lsc__sub_sat (sp->launch_misses, sp->waits);
              fprintf (out, " %10" PRId64 " %8" PRId64 " %6" PRId64, hits, misses < 0 ? 0 : misses, sp->waits);
              if (sp->has_compile_ms)
                fprintf (out, " %10.2f  ", sp->compile_ms);
              else
                fprintf (out, " %10s  ", "-");
              text_cell (out, sp->description, 0, true);
              putc ('\n', out);
            }
        }
    }
  text_ranges (out, sum);
  if (sum->orphan_launches || sum->orphan_events)
    fprintf (out, "\n%" PRId64 " launch rows and %" PRId64 " event rows name no session (run `check`)\n",
             sum->orphan_launches, sum->orphan_events);
  return lsc__finish_stream (out, out_name, error);
}
