/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-export-trace.c — Chrome Trace Event Format for Perfetto and chrome://tracing
 * (lsc_export_trace_json).
 */
#include <inttypes.h>
#include <string.h>

#include "lsc-export-private.h"
#include "lsc-report-private.h"

/* Kernel execution spans go on synthetic thread ids above any Linux tid (pid_max ≤ 2^22). */
#define LSC_STREAM_TID_BASE ((int64_t) 1 << 30)

typedef struct {
  FILE *out;
  bool first;
} trace_writer;

static void
trace_begin_event (trace_writer *w)
{
  fputs (w->first ? "\n" : ",\n", w->out);
  w->first = false;
}

/* µs with three decimals: the trace format's unit, without losing the ns. */
static void
trace_us (FILE *out, int64_t ns)
{
  uint64_t a = ns < 0 ? (uint64_t) 0 - (uint64_t) ns : (uint64_t) ns;
  fprintf (out, "%s%" PRIu64 ".%03" PRIu64, ns < 0 ? "-" : "", a / 1000, a % 1000);
}

static void
trace_metadata (trace_writer *w, const char *name, int64_t pid, int64_t tid, const char *key, const char *text,
                int64_t number)
{
  trace_begin_event (w);
  fprintf (w->out, "{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%" PRId64 ",\"tid\":%" PRId64 ",\"args\":{\"%s\":", name,
           pid, tid, key);
  if (text)
    lsc__json_string (w->out, text, -1);
  else
    fprintf (w->out, "%" PRId64, number);
  fputs ("}}", w->out);
}

static void
trace_arg_int (FILE *out, const char *key, sqlite3_stmt *stmt, int col)
{
  int64_t v;
  if (lsc__col_int (stmt, col, &v))
    fprintf (out, ",\"%s\":%" PRId64, key, v);
}

int
lsc_export_trace_json (lsc_report *report, const char *dest, bool force, lsc_error *error)
{
  lsc_error_clear (error);
  if (!report)
    {
      lsc__error_set (error, LSC_ERROR_USAGE, "no report");
      return -1;
    }
  sqlite3 *db = lsc_report_db (report);
  lsc__sess_list sessions;
  lsc__kernel_names kernels;
  lsc__out_file of;
  sqlite3_stmt *stmt = NULL;
  const char *stage = "session";
  bool began = false, dest_failed;
  int rc;
  if (lsc__export_is_source (report, dest, error) || !lsc__export_source_begin (report, &began, error))
    return -1;
  if (!lsc__load_sessions (report, &sessions, error))
    {
      lsc__export_source_end (report, began);
      return -1;
    }
  if ((rc = lsc__load_kernel_names (report, NULL, &kernels, &dest_failed)) != 0)
    {
      if (rc == SQLITE_NOMEM)
        lsc__error_set (error, LSC_ERROR_NOMEM, "cannot export report %s: out of memory", lsc_report_path (report));
      else
        lsc__export_source_error (error, report, "kernel");
      lsc__sess_list_free (&sessions);
      lsc__export_source_end (report, began);
      return -1;
    }
  if (lsc__out_file_begin (&of, dest, force, true, error) != 0)
    {
      lsc__kernel_names_free (&kernels);
      lsc__sess_list_free (&sessions);
      lsc__export_source_end (report, began);
      return -1;
    }
  FILE *out = of.fp;
  trace_writer w = { out, true };
  fputs ("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"source\":\"launchscope\",\"report\":", out);
  lsc__json_string (out, lsc_report_path (report), -1);
  fputs ("},\"traceEvents\":[", out);

  for (size_t i = 0; i < sessions.n; i++)
    {
      const lsc__sess_info *s = &sessions.v[i];
      char workload[200 + sizeof LSC__CUT_MARK], gpu[200 + sizeof LSC__CUT_MARK], name[512];
      snprintf (name, sizeof name, "session %" PRId64 ": %s%s%s", s->id,
                lsc__cut_copy (workload, s->workload, "?", 200), s->gpu ? " on " : "",
                lsc__cut_copy (gpu, s->gpu, "", 200));
      trace_metadata (&w, "process_name", s->id, 0, "name", name, 0);
      trace_metadata (&w, "process_sort_index", s->id, 0, "sort_index", NULL, s->id);
      trace_metadata (&w, "thread_name", s->id, 0, "name", "events", 0);
    }

  /* Thread and stream names: DISTINCT keeps only the distinct pairs in memory. */
  stage = "launch threads";
  rc = sqlite3_prepare_v2 (db, "SELECT DISTINCT session_id, thread FROM main.launch", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    goto source_fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t sid, tid;
      if (!lsc__col_int (stmt, 0, &sid) || !lsc__col_int (stmt, 1, &tid) || !lsc__find_sess (&sessions, sid)
          || tid == 0)
        continue;
      char name[64];
      snprintf (name, sizeof name, "thread %" PRId64, tid);
      trace_metadata (&w, "thread_name", sid, tid, "name", name, 0);
    }
  if (rc != SQLITE_DONE)
    goto source_fail;
  sqlite3_finalize (stmt);
  stage = "gpu_activity streams";
  rc = sqlite3_prepare_v2 (db, "SELECT DISTINCT session_id, stream_id FROM main.gpu_activity", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    goto source_fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t sid, stream = 0;
      if (!lsc__col_int (stmt, 0, &sid) || !lsc__find_sess (&sessions, sid))
        continue;
      lsc__col_int (stmt, 1, &stream);
      char name[64];
      snprintf (name, sizeof name, "stream %" PRId64, stream);
      trace_metadata (&w, "thread_name", sid, lsc__add_sat (LSC_STREAM_TID_BASE, stream), "name", name, 0);
      trace_metadata (&w, "thread_sort_index", sid, lsc__add_sat (LSC_STREAM_TID_BASE, stream), "sort_index", NULL,
                      lsc__add_sat (1000000, stream));
    }
  if (rc != SQLITE_DONE)
    goto source_fail;
  sqlite3_finalize (stmt);

  /* Launch spans, with the CUPTI API span nested inside when recorded. */
  stage = "launch";
  rc = sqlite3_prepare_v2 (db,
                           "SELECT l.session_id, l.thread, l.path, l.outcome, l.reason, l.status, l.start_ns, l.host_ns, "
                           "l.correlation_id, l.api_start_ns, l.api_ns, l.spec_id, l.kernel_id, l.id, "
                           "l.resolve_ns, l.bind_ns, l.specialize_ns, l.key_ns, l.lookup_ns, l.globals_ns, "
                           "l.metadata_ns, l.launch_ns, l.gpu_ns "
                           "FROM main.launch AS l",
                           -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    goto source_fail;
  static const char *const stage_names[] = { "resolve_ns", "bind_ns", "specialize_ns", "key_ns",
                                              "lookup_ns",  "globals_ns", "metadata_ns", "launch_ns" };
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t sid, tid = 0, path = -1, outcome = -1, reason = 0, status = 0, start, host_ns = 0, api_start, api_ns;
      const lsc__sess_info *s = lsc__col_int (stmt, 0, &sid) ? lsc__find_sess (&sessions, sid) : NULL;
      if (!s || !lsc__col_int (stmt, 6, &start))
        continue;
      lsc__col_int (stmt, 1, &tid);
      lsc__col_int (stmt, 2, &path);
      lsc__col_int (stmt, 3, &outcome);
      lsc__col_int (stmt, 4, &reason);
      lsc__col_int (stmt, 5, &status);
      /* Without a host time (or with a negative one) the span's length is unknown: an instant
       * event keeps the launch on its thread without drawing a made-up duration. */
      bool timed = lsc__col_int (stmt, 7, &host_ns) && host_ns >= 0;
      const lsc__kernel_name *kernel = lsc__find_kernel (&kernels, stmt, 12);
      const char *kname = kernel ? kernel->name : NULL;
      trace_begin_event (&w);
      fputs ("{\"name\":", out);
      lsc__json_string (out, kname ? kname : "launch", -1);
      fprintf (out, ",\"cat\":\"launch,%s\",\"ph\":\"%s\",\"pid\":%" PRId64 ",\"tid\":%" PRId64 ",\"ts\":",
               lsc_path_name (path), timed ? "X" : "i\",\"s\":\"t", sid, tid);
      trace_us (out, lsc__sub_sat (start, s->start_ns));
      if (timed)
        {
          fputs (",\"dur\":", out);
          trace_us (out, host_ns);
        }
      fprintf (out, ",\"args\":{\"path\":\"%s\",\"outcome\":\"%s\"", lsc_path_name (path), lsc_outcome_name (outcome));
      if (outcome == LSC_OUTCOME_FALLBACK || reason != 0)
        fprintf (out, ",\"reason\":\"%s\"", lsc_reason_name (reason));
      if (status != 0)
        fprintf (out, ",\"status\":%" PRId64, status);
      if (timed)
        fprintf (out, ",\"host_ns\":%" PRId64, host_ns);
      trace_arg_int (out, "launch_id", stmt, 13);
      trace_arg_int (out, "spec_id", stmt, 11);
      trace_arg_int (out, "kernel_id", stmt, 12);
      trace_arg_int (out, "correlation_id", stmt, 8);
      for (int k = 0; k < 8; k++)
        trace_arg_int (out, stage_names[k], stmt, 14 + k);
      trace_arg_int (out, "api_ns", stmt, 10);
      trace_arg_int (out, "gpu_ns", stmt, 22);
      fputs ("}}", out);
      if (lsc__col_int (stmt, 9, &api_start) && lsc__col_int (stmt, 10, &api_ns))
        {
          trace_begin_event (&w);
          fprintf (out, "{\"name\":\"cuLaunchKernel\",\"cat\":\"cupti\",\"ph\":\"X\",\"pid\":%" PRId64 ",\"tid\":%" PRId64
                        ",\"ts\":",
                   sid, tid);
          trace_us (out, lsc__sub_sat (api_start, s->start_ns));
          fputs (",\"dur\":", out);
          trace_us (out, api_ns < 0 ? 0 : api_ns);
          fputs (",\"args\":{", out);
          int64_t corr;
          if (lsc__col_int (stmt, 8, &corr))
            fprintf (out, "\"correlation_id\":%" PRId64, corr);
          fputs ("}}", out);
        }
      if (ferror (out))
        break;
    }
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    goto source_fail;
  sqlite3_finalize (stmt);

  /* Kernel execution spans per stream. */
  stage = "gpu_activity";
  {
    char sql[1024];
    snprintf (sql, sizeof sql,
              "SELECT g.session_id, g.stream_id, g.start_ns, g.end_ns, g.correlation_id, g.device_id, g.name, g.grid_x, "
              "g.grid_y, g.grid_z, g.block_x, g.block_y, g.block_z, g.shared_mem, g.registers, g.context_id, %s "
              "FROM main.gpu_activity AS g",
              lsc__gpu_kernel_sql (db));
    rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  }
  if (rc != SQLITE_OK)
    goto source_fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t sid, stream = 0, start, end;
      const lsc__sess_info *s = lsc__col_int (stmt, 0, &sid) ? lsc__find_sess (&sessions, sid) : NULL;
      if (!s || !lsc__col_int (stmt, 2, &start) || !lsc__col_int (stmt, 3, &end))
        continue;
      lsc__col_int (stmt, 1, &stream);
      const char *kname = lsc__col_text (stmt, 6);
      const lsc__kernel_name *kernel = kname ? NULL : lsc__find_kernel (&kernels, stmt, 16);
      trace_begin_event (&w);
      fputs ("{\"name\":", out);
      if (kname)
        lsc__json_string_cut (out, kname, -1, LSC_EXPORT_NAME_MAX);
      else
        lsc__json_string (out, kernel && kernel->name ? kernel->name : "kernel", -1);
      fprintf (out, ",\"cat\":\"gpu\",\"ph\":\"X\",\"pid\":%" PRId64 ",\"tid\":%" PRId64 ",\"ts\":", sid,
               lsc__add_sat (LSC_STREAM_TID_BASE, stream));
      trace_us (out, lsc__sub_sat (start, s->start_ns));
      fputs (",\"dur\":", out);
      trace_us (out, end > start ? lsc__sub_sat (end, start) : 0);
      fprintf (out, ",\"args\":{\"stream\":%" PRId64, stream);
      trace_arg_int (out, "correlation_id", stmt, 4);
      trace_arg_int (out, "device", stmt, 5);
      trace_arg_int (out, "context", stmt, 15);
      trace_arg_int (out, "grid_x", stmt, 7);
      trace_arg_int (out, "grid_y", stmt, 8);
      trace_arg_int (out, "grid_z", stmt, 9);
      trace_arg_int (out, "block_x", stmt, 10);
      trace_arg_int (out, "block_y", stmt, 11);
      trace_arg_int (out, "block_z", stmt, 12);
      trace_arg_int (out, "shared_mem", stmt, 13);
      trace_arg_int (out, "registers", stmt, 14);
      fputs ("}}", out);
      if (ferror (out))
        break;
    }
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    goto source_fail;
  sqlite3_finalize (stmt);

  /* Toggles, fallbacks, errors, compiles as instant events. */
  stage = "event";
  rc = sqlite3_prepare_v2 (db, "SELECT session_id, t_ns, kind, text, kernel_id, launch_seq FROM main.event", -1, &stmt,
                           NULL);
  if (rc != SQLITE_OK)
    goto source_fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t sid, t;
      const lsc__sess_info *s = lsc__col_int (stmt, 0, &sid) ? lsc__find_sess (&sessions, sid) : NULL;
      if (!s || !lsc__col_int (stmt, 1, &t))
        continue;
      const char *kind = lsc__col_text (stmt, 2);
      const char *text = lsc__col_text (stmt, 3);
      char kind_cut[40 + sizeof LSC__CUT_MARK], text_cut[100 + sizeof LSC__CUT_MARK], name[160];
      snprintf (name, sizeof name, "%s: %s", lsc__cut_copy (kind_cut, kind, "event", 40),
                lsc__cut_copy (text_cut, text, "", 100));
      trace_begin_event (&w);
      fputs ("{\"name\":", out);
      lsc__json_string (out, name, -1);
      fputs (",\"cat\":", out);
      lsc__json_string_cut (out, kind ? kind : "event", -1, LSC_EXPORT_NAME_MAX);
      fprintf (out, ",\"ph\":\"i\",\"s\":\"p\",\"pid\":%" PRId64 ",\"tid\":0,\"ts\":", sid);
      trace_us (out, lsc__sub_sat (t, s->start_ns));
      fputs (",\"args\":{\"text\":", out);
      lsc__json_string (out, text ? text : "", text ? sqlite3_column_bytes (stmt, 3) : 0);
      trace_arg_int (out, "kernel_id", stmt, 4);
      trace_arg_int (out, "launch_seq", stmt, 5);
      fputs ("}}", out);
      if (ferror (out))
        break;
    }
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    goto source_fail;
  sqlite3_finalize (stmt);
  stmt = NULL;

  fputs ("\n]}\n", out);
  lsc__kernel_names_free (&kernels);
  lsc__sess_list_free (&sessions);
  lsc__export_source_end (report, began);
  return lsc__out_file_commit (&of, force, error);

source_fail:
  lsc__export_source_error (error, report, stage);
  sqlite3_finalize (stmt);
  lsc__out_file_abort (&of);
  lsc__kernel_names_free (&kernels);
  lsc__sess_list_free (&sessions);
  lsc__export_source_end (report, began);
  return -1;
}
