/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-report-diff-write.c — a comparison of two reports (lsc-report-diff.h) as readable
 * tables, one JSON object (the schema in the README) or one CSV table.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "lsc-report-diff.h"
#include "lsc-report-private.h"

/* ---- writers --------------------------------------------------------------------------------------- */

/* Text from a report in a terminal: control characters become '?', and a cell is cut (with a
 * mark) at width characters (0: no limit); pad fills it to width with spaces. */
static void
text_put_cut (FILE *out, const char *s, int width, bool pad)
{
  const unsigned char *p = (const unsigned char *) (s ? s : "-");
  size_t len = strlen ((const char *) p), i = 0;
  int cols = 0;
  while (i < len)
    {
      size_t l = p[i] < 0x20 || p[i] == 0x7f ? 0 : lsc__utf8_sequence (p + i, len - i);
      if (width > 0 && cols == width - 1 && i + (l ? l : 1) < len)
        {
          fputs (LSC__CUT_MARK, out);
          cols++;
          break;
        }
      if (l)
        fwrite (p + i, 1, l, out);
      else
        putc ('?', out);
      i += l ? l : 1;
      cols++;
    }
  for (; pad && cols < width; cols++)
    putc (' ', out);
}

static void
text_put (FILE *out, const char *s, int width)
{
  text_put_cut (out, s, width, true);
}

const char *
lsc_diff_row_display_name (const lsc_diff_row *r)
{
  return r->kind == LSC_DIFF_ROW_PATH && strcmp (r->name, "default") == 0 ? "baseline" : r->name;
}

static void
text_value (FILE *out, int64_t count, double v)
{
  if (count)
    fprintf (out, " %10.1f", v);
  else
    fprintf (out, " %10s", "-");
}

int
lsc_report_diff_write_text (const lsc_report_diff *d, FILE *out, const char *out_name, lsc_error *error)
{
  const lsc_diff_side *sides[2] = { &d->a, &d->b };
  for (int i = 0; i < 2; i++)
    {
      fputs (i ? "B: " : "A: ", out);
      text_put (out, sides[i]->path, 0);
      if (sides[i]->n_sessions == 1)
        fprintf (out, " (session %" PRId64 ", %" PRId64 " launches", sides[i]->session_id, sides[i]->launches);
      else
        fprintf (out, " (%" PRId64 " sessions, %" PRId64 " launches", sides[i]->n_sessions, sides[i]->launches);
      fputs (", workload ", out);
      text_put (out, sides[i]->workload, 0);
      fputs (")\n", out);
    }
  size_t over_sessions = 0;
  for (size_t i = 0; i < d->n_rows; i++)
    over_sessions += d->rows[i].sessions_a > 0;
  if (over_sessions)
    fprintf (out,
             "Metric: %s of host ns per launch (status 0), the mean of each session's; B - A with a %.2f%% "
             "interval (Welch's, over sessions, in %zu of %zu rows; the rest block bootstrap: %u blocks, %u "
             "replicates; Bonferroni over %zu rows).\n",
             lsc_diff_metric_name (d->metric), 100 * d->level, over_sessions, d->n_rows, d->blocks, d->replicates,
             d->tested);
  else
    fprintf (out,
             "Metric: %s of host ns per launch (status 0); B - A with a %.2f%% interval (block bootstrap: %u "
             "blocks, %u replicates; Bonferroni over %zu rows).\n",
             lsc_diff_metric_name (d->metric), 100 * d->level, d->blocks, d->replicates, d->tested);
  fprintf (out, "Significant: the interval excludes 0, |B - A| > %g ns and > %g%%, at least %d launches on each side.\n",
           d->noise_ns, d->noise_pct, LSC_DIFF_MIN_LAUNCHES);
  bool any = false;
  for (size_t i = 0; i < d->n_facts; i++)
    if (d->facts[i].differs)
      {
        if (!any)
          fputs ("\nSession facts that differ:\n", out);
        any = true;
        fputs ("  ", out);
        text_put (out, d->facts[i].name, 21);
        fputs (" A: ", out);
        text_put (out, d->facts[i].a, 0);
        fputs ("\n  ", out);
        text_put (out, "", 21);
        fputs (" B: ", out);
        text_put (out, d->facts[i].b, 0);
        putc ('\n', out);
      }
  if (d->n_warnings)
    putc ('\n', out);
  for (size_t i = 0; i < d->n_warnings; i++)
    fprintf (out, "%s\n", d->warnings[i]);

  for (int kind = 0; kind < LSC_DIFF_ROW_KINDS; kind++)
    {
      bool header = false;
      for (size_t i = 0; i < d->n_rows; i++)
        {
          const lsc_diff_row *r = &d->rows[i];
          if ((int) r->kind != kind)
            continue;
          if (!header)
            {
              static const char *const titles[] = { "Paths", "Kernels", "Specs", "Baseline stages", "Processes" };
              fprintf (out, "\n%s\n  %9s %10s %9s %10s %10s %8s %23s  %-21s  %s\n", titles[kind], "A n", "A", "B n",
                       "B", "B-A ns", "B-A %", "interval ns", "verdict", kind == LSC_DIFF_ROW_SPEC ? "kernel: spec" : "name");
              header = true;
            }
          fprintf (out, "  %9" PRId64, r->count_a);
          text_value (out, r->count_a, r->value_a);
          fprintf (out, " %9" PRId64, r->count_b);
          text_value (out, r->count_b, r->value_b);
          if (r->count_a && r->count_b)
            {
              char ci[64];
              snprintf (ci, sizeof ci, "[%.1f, %.1f]", r->ci_low_ns, r->ci_high_ns);
              fprintf (out, " %10.1f %+7.2f%% %23s", r->diff_ns, r->diff_pct, ci);
            }
          else
            fprintf (out, " %10s %8s %23s", "-", "-", "-");
          fprintf (out, "  %-21s  ", r->verdict == LSC_DIFF_SAME ? "no significant change" : lsc_diff_verdict_name (r->verdict));
          /* The name last, where a long one (a spec's description, a command line) has room. */
          if (r->kind == LSC_DIFF_ROW_SPEC)
            {
              text_put_cut (out, r->kernel, 80, false);
              fputs (": ", out);
            }
          text_put_cut (out, lsc_diff_row_display_name (r), 200, false);
          putc ('\n', out);
        }
    }
  if (d->n_rows == 0)
    fputs ("\nNo launches with a host time in either report.\n", out);
  return lsc__finish_stream (out, out_name, error);
}

/* A JSON number, or null for what JSON cannot hold (a hostile file's infinities). */
static void
json_number (FILE *out, double v)
{
  if (isfinite (v))
    fprintf (out, "%.10g", v);
  else
    fputs ("null", out);
}

static void
json_side (FILE *out, const lsc_report_diff *d, const lsc_diff_side *s, bool is_a)
{
  fputs ("{\"file\": ", out);
  lsc_json_write_string (out, s->path);
  fprintf (out, ", \"sessions\": %" PRId64 ", \"session_id\": %" PRId64 ", \"launches\": %" PRId64, s->n_sessions,
           s->session_id, s->launches);
  fputs (", \"facts\": {", out);
  for (size_t i = 0; i < d->n_facts; i++)
    {
      fprintf (out, "%s\"%s\": ", i ? ", " : "", d->facts[i].name);
      lsc_json_write_string (out, is_a ? d->facts[i].a : d->facts[i].b);
    }
  fputs ("}}", out);
}

static void
json_row_side (FILE *out, int64_t session, int64_t count, double value)
{
  fprintf (out, "{\"count\": %" PRId64 ", \"value_ns\": ", count);
  if (count)
    json_number (out, value);
  else
    fputs ("null", out);
  if (session)
    fprintf (out, ", \"session_id\": %" PRId64, session);
  putc ('}', out);
}

int
lsc_report_diff_write_json (const lsc_report_diff *d, FILE *out, const char *out_name, lsc_error *error)
{
  fputs ("{\n  \"a\": ", out);
  json_side (out, d, &d->a, true);
  fputs (",\n  \"b\": ", out);
  json_side (out, d, &d->b, false);
  fputs (",\n  \"differing_facts\": [", out);
  bool first = true;
  for (size_t i = 0; i < d->n_facts; i++)
    if (d->facts[i].differs)
      {
        fprintf (out, "%s\"%s\"", first ? "" : ", ", d->facts[i].name);
        first = false;
      }
  fputs ("],\n  \"warnings\": [", out);
  for (size_t i = 0; i < d->n_warnings; i++)
    {
      fputs (i ? ", " : "", out);
      lsc_json_write_string (out, d->warnings[i]);
    }
  fprintf (out, "],\n  \"metric\": \"%s\",\n  \"thresholds\": {\"noise_ns\": ", lsc_diff_metric_name (d->metric));
  json_number (out, d->noise_ns);
  fputs (", \"noise_pct\": ", out);
  json_number (out, d->noise_pct);
  fputs (", \"level\": ", out);
  json_number (out, d->level);
  fprintf (out,
           ", \"tested_rows\": %zu, \"min_launches\": %d, \"min_sessions\": %d, \"blocks\": %u, \"replicates\": "
           "%u},\n  \"rows\": [",
           d->tested, LSC_DIFF_MIN_LAUNCHES, LSC_DIFF_MIN_SESSIONS, d->blocks, d->replicates);
  for (size_t i = 0; i < d->n_rows; i++)
    {
      const lsc_diff_row *r = &d->rows[i];
      bool both = r->count_a && r->count_b;
      fprintf (out, "%s\n    {\"kind\": \"%s\", \"name\": ", i ? "," : "", lsc_diff_row_kind_name (r->kind));
      lsc_json_write_string (out, r->name);
      fputs (", \"kernel\": ", out);
      lsc_json_write_string (out, r->kernel);
      fputs (", \"a\": ", out);
      json_row_side (out, r->session_a, r->count_a, r->value_a);
      fputs (", \"b\": ", out);
      json_row_side (out, r->session_b, r->count_b, r->value_b);
      const double v[4] = { r->diff_ns, r->diff_pct, r->ci_low_ns, r->ci_high_ns };
      static const char *const keys[4] = { "diff_ns", "diff_pct", "ci_low_ns", "ci_high_ns" };
      for (int k = 0; k < 4; k++)
        {
          fprintf (out, ", \"%s\": ", keys[k]);
          if (both)
            json_number (out, v[k]);
          else
            fputs ("null", out);
        }
      if (r->sessions_a)
        fprintf (out, ", \"interval_sessions\": [%ld, %ld]", r->sessions_a, r->sessions_b);
      else
        fputs (", \"interval_sessions\": null", out);
      fprintf (out, ", \"verdict\": \"%s\"}", lsc_diff_verdict_name (r->verdict));
    }
  fputs (d->n_rows ? "\n  ]\n}\n" : "]\n}\n", out);
  return lsc__finish_stream (out, out_name, error);
}

/* An RFC 4180 field: quoted when it holds a comma, quote or line break; invalid UTF-8 was
 * replaced when the report was read. */
static void
csv_field (FILE *out, const char *s)
{
  if (!s)
    return;
  if (!strpbrk (s, ",\"\r\n"))
    {
      fputs (s, out);
      return;
    }
  putc ('"', out);
  for (; *s; s++)
    {
      if (*s == '"')
        putc ('"', out);
      putc (*s, out);
    }
  putc ('"', out);
}

static void
csv_number (FILE *out, bool has, double v)
{
  if (has && isfinite (v))
    fprintf (out, ",%.10g", v);
  else
    putc (',', out);
}

int
lsc_report_diff_write_csv (const lsc_report_diff *d, FILE *out, const char *out_name, lsc_error *error)
{
  fputs ("kind,name,kernel,session_a,session_b,count_a,value_a_ns,count_b,value_b_ns,diff_ns,diff_pct,ci_low_ns,"
         "ci_high_ns,verdict,interval_sessions_a,interval_sessions_b\r\n",
         out);
  for (size_t i = 0; i < d->n_rows; i++)
    {
      const lsc_diff_row *r = &d->rows[i];
      bool both = r->count_a && r->count_b;
      fprintf (out, "%s,", lsc_diff_row_kind_name (r->kind));
      csv_field (out, r->name);
      putc (',', out);
      csv_field (out, r->kernel);
      putc (',', out);
      if (r->session_a)
        fprintf (out, "%" PRId64, r->session_a);
      putc (',', out);
      if (r->session_b)
        fprintf (out, "%" PRId64, r->session_b);
      fprintf (out, ",%" PRId64, r->count_a);
      csv_number (out, r->count_a, r->value_a);
      fprintf (out, ",%" PRId64, r->count_b);
      csv_number (out, r->count_b, r->value_b);
      csv_number (out, both, r->diff_ns);
      csv_number (out, both, r->diff_pct);
      csv_number (out, both, r->ci_low_ns);
      csv_number (out, both, r->ci_high_ns);
      fprintf (out, ",%s,", lsc_diff_verdict_name (r->verdict));
      if (r->sessions_a)
        fprintf (out, "%ld,%ld", r->sessions_a, r->sessions_b);
      else
        putc (',', out);
      fputs ("\r\n", out);
    }
  return lsc__finish_stream (out, out_name, error);
}
