/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-report-summary.c — the summary of a report: per session, per path, per kernel and per
 * spec, computed in one pass over the launch table.
 *
 * Everything is computed here from base tables (lsc-report.c says why): counts from the rows,
 * percentiles in C from sorted values, names of stored enums from this build's own tables.
 */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-percentile.h"
#include "lsc-report-gaps.h"
#include "lsc-report-private.h"
#include "lsc-report-rows.h"
#include "lsc-schema.h"

const char *const lsc_call_kind_names[LSC_CALL_KINDS] = { "sync", "copy", "alloc" };
const char *const lsc_calibration_names[LSC_CALIBRATION_COUNT] = { "fast", "raw", "graph_node" };


static int64_t
nearest_rank (const int64_t *sorted, size_t n, unsigned pct)
{
  return n ? sorted[lsc_percentile_index (n, pct)] : 0;
}

/* How many distinct values vec holds (it is sorted in place). */
static int64_t
distinct (i64_vec *vec)
{
  if (!vec->n)
    return 0;
  qsort (vec->v, vec->n, sizeof *vec->v, lsc_cmp_i64);
  int64_t n = 1;
  for (size_t i = 1; i < vec->n; i++)
    n += vec->v[i] != vec->v[i - 1];
  return n;
}

static char *
dup_text (sqlite3_stmt *stmt, int col)
{
  if (sqlite3_column_type (stmt, col) == SQLITE_NULL)
    return NULL;
  const unsigned char *t = sqlite3_column_text (stmt, col);
  if (!t)
    return NULL;
  return lsc__utf8_valid_dup ((const char *) t, strnlen ((const char *) t, (size_t) sqlite3_column_bytes (stmt, col)));
}

static bool
col_int (sqlite3_stmt *stmt, int col, int64_t *out)
{
  if (sqlite3_column_type (stmt, col) != SQLITE_INTEGER)
    return false;
  *out = sqlite3_column_int64 (stmt, col);
  return true;
}

static bool
col_real (sqlite3_stmt *stmt, int col, double *out)
{
  int t = sqlite3_column_type (stmt, col);
  if (t != SQLITE_INTEGER && t != SQLITE_FLOAT)
    return false;
  *out = sqlite3_column_double (stmt, col);
  return isfinite (*out);
}

static void
spec_clear (lsc_spec_summary *s)
{
  free (s->description);
  free (s->ptr_alignment);
  free (s->int_classes);
  free (s->instrumentation);
}

static void
session_clear (lsc_session_summary *s)
{
  free (s->host);
  free (s->gpu);
  free (s->toolkit);
  free (s->nvrtc);
  free (s->cpu);
  free (s->settings);
  free (s->workload);
  free (s->start_wall);
  free (s->cupti_mode);
  free (s->cupti_status);
  for (size_t i = 0; i < s->n_specs; i++)
    spec_clear (&s->specs[i]);
  free (s->specs);
  for (size_t i = 0; i < s->n_kernel_list; i++)
    free (s->kernel_list[i].name);
  free (s->kernel_list);
  free (s->streams);
  free (s->floor_rounds);
}

void
lsc_report_summary_free (lsc_report_summary *summary)
{
  if (!summary)
    return;
  for (size_t i = 0; i < summary->n_sessions; i++)
    session_clear (&summary->sessions[i]);
  free (summary->sessions);
  for (size_t i = 0; i < summary->n_ranges; i++)
    lsc__range_summary_clear (&summary->ranges[i]);
  free (summary->ranges);
  free (summary->path);
  free (summary->being_recorded_by);
  free (summary);
}

/* The element of base (n sorted by an int64_t id as their first member, size bytes each) whose
 * id is id, or NULL. */
static void *
find_by_id (void *base, size_t n, size_t size, int64_t id)
{
  size_t lo = 0, hi = n;
  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      char *element = (char *) base + mid * size;
      int64_t mid_id;
      memcpy (&mid_id, element, sizeof mid_id);
      if (mid_id < id)
        lo = mid + 1;
      else if (mid_id > id)
        hi = mid;
      else
        return element;
    }
  return NULL;
}

_Static_assert (offsetof (lsc_session_summary, id) == 0, "find_by_id reads the id first");
_Static_assert (offsetof (lsc_kernel_summary, id) == 0, "find_by_id reads the id first");

static lsc_session_summary *
find_session (lsc_report_summary *sum, int64_t id)
{
  return find_by_id (sum->sessions, sum->n_sessions, sizeof *sum->sessions, id);
}

/* The in-session floor of every session, from its floor_block rows (lsc-floor.h): a round's
 * blocks are compared with each other, so rows are taken a round at a time. */
static int
read_floor_blocks (sqlite3 *db, lsc_report_summary *sum)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT session_id, round, kind, path, p50_ns FROM main.floor_block WHERE "
                               "typeof(session_id) = 'integer' AND typeof(round) = 'integer' AND typeof(p50_ns) "
                               "= 'integer' ORDER BY session_id, round",
                               -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return rc;
  lsc_floor_round *rounds = NULL;
  size_t n = 0, cap = 0;
  int64_t session_id = 0, round = 0;
  for (bool more = true; more;)
    {
      rc = sqlite3_step (stmt);
      more = rc == SQLITE_ROW;
      int64_t sid = 0, r = 0, kind = -1, path = -1;
      if (more && (!col_int (stmt, 0, &sid) || !col_int (stmt, 1, &r)))
        continue;
      if (!more || sid != session_id)
        {
          lsc_session_summary *sess = n ? find_session (sum, session_id) : NULL;
          if (sess && (lsc_floor_figures_compute (rounds, n, &sess->floor) != 0
                       || !(sess->floor_rounds = malloc (n * sizeof *rounds))))
            {
              rc = SQLITE_NOMEM;
              break;
            }
          if (sess)
            {
              memcpy (sess->floor_rounds, rounds, n * sizeof *rounds);
              sess->n_floor_rounds = n;
            }
          n = 0;
          session_id = sid;
        }
      if (!more)
        break;
      if (n == 0 || r != round)
        {
          if (n == cap)
            {
              size_t grown = cap ? cap * 2 : 64;
              lsc_floor_round *bigger = realloc (rounds, grown * sizeof *rounds);
              if (!bigger)
                {
                  rc = SQLITE_NOMEM;
                  break;
                }
              rounds = bigger;
              cap = grown;
            }
          rounds[n++] = (lsc_floor_round){ .path = FL_PATH_FAST, .p50_ns = { NAN, NAN, NAN } };
          round = r;
        }
      col_int (stmt, 2, &kind);
      if (col_int (stmt, 3, &path) && (path == FL_PATH_FAST || path == FL_PATH_DEFAULT))
        rounds[n - 1].path = (fl_path) path;
      if (kind >= 0 && kind < LSC_FLOOR_KINDS)
        rounds[n - 1].p50_ns[kind] = (double) sqlite3_column_int64 (stmt, 4);
    }
  free (rounds);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int
load_floor (sqlite3 *db, lsc_report_summary *sum)
{
  for (size_t i = 0; i < sum->n_sessions; i++)
    sum->sessions[i].floor.floor_p50_ns = NAN;
  return lsc__table_present (sum->schema_version, "floor_block") ? read_floor_blocks (db, sum) : SQLITE_OK;
}

/* Where a spec id lives: its session and index there, and its host_ns values. */
typedef struct {
  int64_t id;
  lsc_session_summary *session;
  size_t index;
  i64_vec values;
} spec_slot;

_Static_assert (offsetof (spec_slot, id) == 0, "find_by_id reads the id first");

static spec_slot *
find_spec (spec_slot *slots, size_t n, int64_t id)
{
  return find_by_id (slots, n, sizeof *slots, id);
}

static int
load_sessions (sqlite3 *db, lsc_report_summary *sum)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT id, host, gpu, driver_version, toolkit, nvrtc, cpu, settings, workload, "
                               "start_ns, stop_ns, start_wall, dropped_rows, observer_overhead_ns, cupti_mode, "
                               "cupti_status, raw_floor_p50_ns FROM main.session ORDER BY id",
                               -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return rc;
  size_t cap = 0;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (sqlite3_column_type (stmt, 0) != SQLITE_INTEGER)
        continue; /* a session the launches cannot reference; `check` names it */
      if (sum->n_sessions == cap)
        {
          cap = cap ? cap * 2 : 4;
          lsc_session_summary *s = realloc (sum->sessions, cap * sizeof *s);
          if (!s)
            {
              rc = SQLITE_NOMEM;
              break;
            }
          sum->sessions = s;
        }
      lsc_session_summary *s = &sum->sessions[sum->n_sessions++];
      memset (s, 0, sizeof *s);
      s->id = sqlite3_column_int64 (stmt, 0);
      s->host = dup_text (stmt, 1);
      s->gpu = dup_text (stmt, 2);
      s->has_driver_version = col_int (stmt, 3, &s->driver_version);
      s->toolkit = dup_text (stmt, 4);
      s->nvrtc = dup_text (stmt, 5);
      s->cpu = dup_text (stmt, 6);
      s->settings = dup_text (stmt, 7);
      s->workload = dup_text (stmt, 8);
      col_int (stmt, 9, &s->start_ns);
      s->stopped = col_int (stmt, 10, &s->stop_ns);
      s->start_wall = dup_text (stmt, 11);
      col_int (stmt, 12, &s->dropped_rows);
      s->has_observer_overhead = col_real (stmt, 13, &s->observer_overhead_ns);
      s->cupti_mode = dup_text (stmt, 14);
      s->cupti_status = dup_text (stmt, 15);
      s->has_raw_floor = col_real (stmt, 16, &s->raw_floor_p50_ns);
      if (s->settings)
        {
          s->has_pid = lsc__json_find_int (s->settings, "pid", &s->pid);
          s->has_rank = lsc__json_find_int (s->settings, "rank", &s->rank);
          s->has_local_rank = lsc__json_find_int (s->settings, "local_rank", &s->local_rank);
          s->has_launch_bound = lsc__json_find_int (s->settings, "max_launches", &s->launch_bound);
          s->recorded_program = strstr (s->settings, "\"source\": \"injection\"") != NULL;
        }
    }
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Each kernel's name once, in its session: specs point at it, so that a long name shared by
 * many specs is neither copied nor read once per spec. */
static int
load_kernel_names (sqlite3 *db, lsc_report_summary *sum)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "SELECT id, session_id, name FROM main.kernel ORDER BY id", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return rc;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t id, session_id;
      lsc_session_summary *sess = col_int (stmt, 1, &session_id) ? find_session (sum, session_id) : NULL;
      if (!sess || !col_int (stmt, 0, &id) ||
          (sess->n_kernel_list > 0 && sess->kernel_list[sess->n_kernel_list - 1].id == id))
        continue;
      /* Capacity doubles at each power of two. */
      size_t n = sess->n_kernel_list;
      if ((n & (n - 1)) == 0)
        {
          lsc_kernel_summary *v = realloc (sess->kernel_list, (n ? n * 2 : 1) * sizeof *v);
          if (!v)
            {
              rc = SQLITE_NOMEM;
              break;
            }
          sess->kernel_list = v;
        }
      lsc_kernel_summary *k = &sess->kernel_list[n];
      memset (k, 0, sizeof *k);
      k->id = id;
      if (sqlite3_column_type (stmt, 2) != SQLITE_NULL && !(k->name = dup_text (stmt, 2)))
        {
          rc = SQLITE_NOMEM;
          break;
        }
      sess->n_kernel_list++;
    }
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static lsc_kernel_summary *
find_kernel (const lsc_session_summary *sess, int64_t id)
{
  return find_by_id (sess->kernel_list, sess->n_kernel_list, sizeof *sess->kernel_list, id);
}

static const char *
find_kernel_name (const lsc_session_summary *sess, int64_t id)
{
  const lsc_kernel_summary *k = find_kernel (sess, id);
  return k ? k->name : NULL;
}

/* record --calibrate's rows (schema version 5). */
static int
load_calibration (sqlite3 *db, lsc_report_summary *sum)
{
  if (!lsc__table_present (sum->schema_version, "calibration"))
    return SQLITE_OK;
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "SELECT session_id, name, p50_ns, low_ns, high_ns, samples FROM main.calibration "
                               "ORDER BY id", -1, &stmt, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t session_id;
      lsc_session_summary *sess = col_int (stmt, 0, &session_id) ? find_session (sum, session_id) : NULL;
      const unsigned char *name = sqlite3_column_text (stmt, 1);
      lsc_calibration c = { 0 };
      rc = SQLITE_OK;
      if (!sess || !name || !col_real (stmt, 2, &c.p50_ns))
        continue;
      for (size_t i = 0; i < LSC_CALIBRATION_COUNT; i++)
        if (strcmp ((const char *) name, lsc_calibration_names[i]) == 0)
          {
            if (!col_real (stmt, 3, &c.low_ns))
              c.low_ns = c.p50_ns;
            if (!col_real (stmt, 4, &c.high_ns))
              c.high_ns = c.p50_ns;
            col_int (stmt, 5, &c.samples);
            sess->calibration[i] = c;
            sess->has_calibration[i] = true;
          }
    }
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE || rc == SQLITE_OK ? SQLITE_OK : rc;
}

/* Each session's functions from cuModuleGetFunction (schema version 5), sorted, into per_session. */
static int
load_module_functions (sqlite3 *db, lsc_report_summary *sum, i64_vec *per_session)
{
  if (!lsc__table_present (sum->schema_version, "module_function"))
    return SQLITE_OK;
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "SELECT session_id, function FROM main.module_function WHERE typeof(function) = "
                               "'integer' ORDER BY session_id, function", -1, &stmt, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t session_id;
      lsc_session_summary *sess = col_int (stmt, 0, &session_id) ? find_session (sum, session_id) : NULL;
      rc = SQLITE_OK;
      if (sess && !vec_push (&per_session[sess - sum->sessions], sqlite3_column_int64 (stmt, 1)))
        rc = SQLITE_NOMEM;
    }
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE || rc == SQLITE_OK ? SQLITE_OK : rc;
}

/* How many of the sorted values are in the sorted set. */
static int64_t
count_in (const i64_vec *values, const i64_vec *set)
{
  int64_t n = 0;
  size_t j = 0;
  for (size_t i = 0; i < values->n; i++)
    {
      while (j < set->n && set->v[j] < values->v[i])
        j++;
      n += j < set->n && set->v[j] == values->v[i];
    }
  return n;
}

static int
load_specs (sqlite3 *db, lsc_report_summary *sum, spec_slot **slots_out, size_t *n_slots_out)
{
  sqlite3_stmt *stmt = NULL;
  spec_slot *slots = NULL;
  size_t n_slots = 0, cap = 0;
  char sql[512];
  snprintf (sql, sizeof sql,
            "SELECT s.id, s.kernel_id, s.key, s.description, s.ptr_alignment, s.int_classes, s.debug, "
            "s.instrumentation, s.compile_hook, s.compile_ms, s.hits, s.misses, k.session_id, %s "
            "FROM main.spec AS s LEFT JOIN main.kernel AS k ON k.id = s.kernel_id ORDER BY s.id",
            lsc__column_or_default (sum->schema_version, "spec", "waits", "s.waits", "0"));
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return rc;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t id, session_id;
      if (!col_int (stmt, 0, &id) || !col_int (stmt, 12, &session_id))
        continue; /* orphan spec: no kernel or no session; `check` names it */
      lsc_session_summary *sess = find_session (sum, session_id);
      if (!sess)
        continue;
      if (n_slots == cap)
        {
          cap = cap ? cap * 2 : 16;
          spec_slot *s = realloc (slots, cap * sizeof *s);
          if (!s)
            {
              rc = SQLITE_NOMEM;
              break;
            }
          slots = s;
        }
      lsc_spec_summary *specs = realloc (sess->specs, (sess->n_specs + 1) * sizeof *specs);
      if (!specs)
        {
          rc = SQLITE_NOMEM;
          break;
        }
      sess->specs = specs;
      lsc_spec_summary *sp = &sess->specs[sess->n_specs];
      memset (sp, 0, sizeof *sp);
      sp->id = id;
      col_int (stmt, 1, &sp->kernel_id);
      col_int (stmt, 2, &sp->key);
      sp->description = dup_text (stmt, 3);
      sp->ptr_alignment = dup_text (stmt, 4);
      sp->int_classes = dup_text (stmt, 5);
      col_int (stmt, 6, &sp->debug);
      sp->instrumentation = dup_text (stmt, 7);
      col_int (stmt, 8, &sp->compile_hook);
      sp->has_compile_ms = col_real (stmt, 9, &sp->compile_ms);
      col_int (stmt, 10, &sp->hits);
      col_int (stmt, 11, &sp->misses);
      col_int (stmt, 13, &sp->waits);
      sp->kernel_name = find_kernel_name (sess, sp->kernel_id);
      lsc_kernel_summary *ks = find_kernel (sess, sp->kernel_id);
      if (ks)
        {
          ks->specs++;
          if (sp->has_compile_ms)
            ks->compile_ms += sp->compile_ms;
        }
      slots[n_slots] = (spec_slot) { .id = id, .session = sess, .index = sess->n_specs };
      n_slots++;
      sess->n_specs++;
    }
  sqlite3_finalize (stmt);
  *slots_out = slots;
  *n_slots_out = n_slots;
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static size_t
event_kind_index (const unsigned char *kind)
{
  if (!kind)
    return LSC_EVENT_KIND_COUNT - 1;
  for (size_t i = 0; i + 1 < LSC_EVENT_KIND_COUNT; i++)
    if (strcmp ((const char *) kind, lsc_event_kind_names[i]) == 0)
      return i;
  return LSC_EVENT_KIND_COUNT - 1;
}

/* Longest idle time between two kernels that were both queued on a stream. */
#define LSC__QUEUED_GAP_NS 2000

/* Per stream, from kernel activity: consecutive kernels' idle gaps, and whether the launch
 * call of each came after its predecessor on the stream had ended. */
static int
load_streams (sqlite3 *db, lsc_report_summary *sum)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               /* a join, not a subquery per row: SQLite indexes it itself where a
                                * crashed recording left no index on correlation_id */
                               "SELECT g.session_id, g.stream_id, g.start_ns, g.end_ns, l.api_start_ns, l.kernel_id "
                               "FROM main.gpu_activity g LEFT JOIN main.launch l ON l.correlation_id = "
                               "g.correlation_id AND l.session_id = g.session_id WHERE typeof(g.start_ns) = "
                               "'integer' AND typeof(g.end_ns) = 'integer' AND typeof(g.stream_id) = 'integer' "
                               "ORDER BY g.session_id, g.stream_id, g.start_ns",
                               -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return rc;
  lsc_session_summary *sess = NULL;
  lsc_stream_summary *st = NULL;
  i64_vec idle = { 0 };
  int64_t prev_end = 0, first_start = 0;
  for (;;)
    {
      rc = sqlite3_step (stmt);
      int64_t session_id = 0, stream_id = 0, start = 0, end = 0, api_start = 0;
      bool row = rc == SQLITE_ROW;
      if (row)
        {
          col_int (stmt, 0, &session_id);
          col_int (stmt, 1, &stream_id);
          col_int (stmt, 2, &start);
          col_int (stmt, 3, &end);
        }
      /* A stream ends: its idle percentiles. */
      if (st && (!row || session_id != st->session_id || stream_id != st->stream_id))
        {
          st->idle_count = (int64_t) idle.n;
          if (idle.n)
            {
              qsort (idle.v, idle.n, sizeof *idle.v, lsc_cmp_i64);
              st->idle_p50_ns = nearest_rank (idle.v, idle.n, 50);
              st->idle_p90_ns = nearest_rank (idle.v, idle.n, 90);
            }
          idle.n = 0;
          st = NULL;
        }
      if (!row)
        break;
      if (!st)
        {
          sess = find_session (sum, session_id);
          if (!sess)
            continue;
          lsc_stream_summary *v = realloc (sess->streams, (sess->n_streams + 1) * sizeof *v);
          if (!v)
            {
              rc = SQLITE_NOMEM;
              break;
            }
          sess->streams = v;
          st = &v[sess->n_streams++];
          *st = (lsc_stream_summary){ .session_id = session_id, .stream_id = stream_id };
          first_start = start;
        }
      else
        {
          int64_t gap = lsc__sub_sat (start, prev_end);
          if (gap >= 0 && !vec_push (&idle, gap))
            {
              rc = SQLITE_NOMEM;
              break;
            }
          /* The GPU waited for the host when the launch call came after the previous kernel had
           * ended, or when the kernel started later than a queued one would: kernels already
           * queued on a stream follow each other within about a microsecond, and a launch
           * reaches the GPU microseconds after its call, so an eager loop whose calls begin
           * before each kernel ends still leaves the GPU idle between them. */
          bool waited = (col_int (stmt, 4, &api_start) && api_start > prev_end) || gap > LSC__QUEUED_GAP_NS;
          st->waited_for_host += waited;
          int64_t kernel_id;
          lsc_kernel_summary *ks = col_int (stmt, 5, &kernel_id) ? find_kernel (sess, kernel_id) : NULL;
          if (ks)
            {
              ks->gpu_followers++;
              ks->waited_for_host += waited;
            }
        }
      st->kernels++;
      if (end > start)
        st->busy_ns = lsc__add_sat (st->busy_ns, end - start);
      st->span_ns = lsc__sub_sat (end, first_start);
      prev_end = end > prev_end || st->kernels == 1 ? end : prev_end;
    }
  free (idle.v);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* What both summaries read before any pass over launches: sessions, kernel names, specs and
 * the in-session floor. */
static int
load_session_facts (sqlite3 *db, lsc_report_summary *sum, spec_slot **slots, size_t *n_slots)
{
  int rc = load_sessions (db, sum);
  if (rc == SQLITE_OK)
    rc = load_kernel_names (db, sum);
  if (rc == SQLITE_OK)
    rc = load_specs (db, sum, slots, n_slots);
  if (rc == SQLITE_OK)
    rc = load_floor (db, sum);
  return rc;
}

lsc_report_summary *
lsc_report_summarize_sessions (lsc_report *report, lsc_error *error)
{
  lsc_error_clear (error);
  if (!report)
    {
      lsc__error_set (error, LSC_ERROR_USAGE, "no report");
      return NULL;
    }
  sqlite3 *db = report->db;
  lsc_report_summary *sum = calloc (1, sizeof *sum);
  spec_slot *slots = NULL;
  size_t n_slots = 0;
  int rc = SQLITE_NOMEM;
  bool began = sqlite3_get_autocommit (db) != 0;
  if (sum && (sum->path = strdup (report->path)))
    {
      sum->schema_version = report->schema_version;
      rc = began ? sqlite3_exec (db, "BEGIN", NULL, NULL, NULL) : SQLITE_OK;
      began = began && rc == SQLITE_OK;
      if (rc == SQLITE_OK)
        rc = load_session_facts (db, sum, &slots, &n_slots);
      if (began)
        sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
    }
  free (slots); /* no launch values were collected in them */
  if (rc == SQLITE_OK)
    return sum;
  if (rc == SQLITE_NOMEM || !sum || !sum->path)
    lsc__error_set (error, LSC_ERROR_NOMEM, "cannot read report %s: out of memory", report->path);
  else
    lsc__error_set (error, lsc__error_code_from_sqlite (sqlite3_extended_errcode (db)), "cannot read report %s: %s",
                    report->path, sqlite3_errmsg (db));
  lsc_report_summary_free (sum);
  return NULL;
}

/* A path's figures from its sorted host times. */
static void
path_summary_finish (lsc_path_summary *ps, i64_vec *vec)
{
  ps->count = (int64_t) vec->n;
  if (!vec->n)
    return;
  qsort (vec->v, vec->n, sizeof *vec->v, lsc_cmp_i64);
  ps->p50_ns = nearest_rank (vec->v, vec->n, 50);
  ps->p90_ns = nearest_rank (vec->v, vec->n, 90);
  ps->p99_ns = nearest_rank (vec->v, vec->n, 99);
  ps->min_ns = vec->v[0];
  ps->max_ns = vec->v[vec->n - 1];
  long double total = 0;
  for (size_t i = 0; i < vec->n; i++)
    total += (long double) vec->v[i];
  ps->mean_ns = (double) (total / (long double) vec->n);
}

/* A kernel's host-time percentiles over all its paths' values (each sorted already). */
static bool
kernel_percentiles (lsc_kernel_summary *ks, const i64_vec *per_path)
{
  size_t n = 0;
  for (size_t pi = 0; pi <= LSC_PATH_COUNT; pi++)
    n += per_path[pi].n;
  ks->count = (int64_t) n;
  if (!n)
    return true;
  int64_t *all = malloc (n * sizeof *all);
  if (!all)
    return false;
  size_t at = 0;
  for (size_t pi = 0; pi <= LSC_PATH_COUNT; pi++)
    {
      if (per_path[pi].n)
        memcpy (all + at, per_path[pi].v, per_path[pi].n * sizeof *all);
      at += per_path[pi].n;
    }
  qsort (all, n, sizeof *all, lsc_cmp_i64);
  ks->p50_ns = nearest_rank (all, n, 50);
  ks->p90_ns = nearest_rank (all, n, 90);
  ks->p99_ns = nearest_rank (all, n, 99);
  free (all);
  return true;
}

/* Only the specs of kernel_id stay in the summary (after the pass, which indexes them). */
static void
keep_kernel_specs (lsc_report_summary *sum, int64_t kernel_id)
{
  for (size_t si = 0; si < sum->n_sessions; si++)
    {
      lsc_session_summary *sess = &sum->sessions[si];
      size_t kept = 0;
      for (size_t i = 0; i < sess->n_specs; i++)
        if (sess->specs[i].kernel_id == kernel_id)
          sess->specs[kept++] = sess->specs[i];
        else
          spec_clear (&sess->specs[i]);
      sess->n_specs = kept;
    }
}

static bool
launch_matches (const lsc_row_filter *filter, int64_t session_id, bool has_kernel, int64_t kernel_id)
{
  if (!filter)
    return true;
  if (filter->session_id != LSC_ROW_ANY && filter->session_id != session_id)
    return false;
  return filter->kernel_id == LSC_ROW_ANY || (has_kernel && filter->kernel_id == kernel_id);
}

lsc_report_summary *
lsc_report_summarize (lsc_report *report, lsc_error *error)
{
  return lsc_report_summarize_filtered (report, NULL, error);
}

lsc_report_summary *
lsc_report_summarize_filtered (lsc_report *report, const lsc_row_filter *filter, lsc_error *error)
{
  lsc_error_clear (error);
  if (!report)
    {
      lsc__error_set (error, LSC_ERROR_USAGE, "no report");
      return NULL;
    }
  sqlite3 *db = report->db;
  lsc_report_summary *sum = calloc (1, sizeof *sum);
  spec_slot *slots = NULL;
  size_t n_slots = 0;
  i64_vec *path_values = NULL;
  i64_vec *kernel_values = NULL; /* each session's kernels in turn, from kernel_base[session], per path */
  i64_vec *kernel_gpu = NULL;    /* the same kernels' GPU times */
  i64_vec *kernel_gaps = NULL;   /* the same kernels' gaps */
  i64_vec *kernel_functions = NULL, *kernel_keys = NULL; /* ... and their functions and keys */
  gap_tracker gaps = { 0 };
  i64_vec *module_functions = NULL; /* per session */
  size_t *kernel_base = NULL, n_kernel_values = 0;
  sqlite3_stmt *stmt = NULL;
  bool began = false;
  int rc = SQLITE_NOMEM;
  if (!sum || !(sum->path = strdup (report->path)))
    goto fail;
  sum->schema_version = report->schema_version;
  char holder[400];
  if (lsc_report_being_recorded (report, holder, sizeof holder) && !(sum->being_recorded_by = strdup (holder)))
    goto fail;

  /* Everything below reads one consistent snapshot, even while a recorder appends (inside
   * the caller's transaction when it has one open). */
  began = sqlite3_get_autocommit (db) != 0;
  if (began && (rc = sqlite3_exec (db, "BEGIN", NULL, NULL, NULL)) != SQLITE_OK)
    {
      began = false;
      goto fail;
    }
  rc = load_session_facts (db, sum, &slots, &n_slots);
  if (rc == SQLITE_OK)
    rc = load_calibration (db, sum);
  if (rc == SQLITE_OK)
    rc = (module_functions = calloc (sum->n_sessions + 1, sizeof *module_functions)) ? SQLITE_OK : SQLITE_NOMEM;
  if (rc == SQLITE_OK)
    rc = load_module_functions (db, sum, module_functions);
  if (rc != SQLITE_OK)
    goto fail;

  path_values = calloc (sum->n_sessions * (LSC_PATH_COUNT + 1) + 1, sizeof *path_values);
  kernel_base = calloc (sum->n_sessions + 1, sizeof *kernel_base);
  for (size_t si = 0; kernel_base && si < sum->n_sessions; si++)
    {
      kernel_base[si] = n_kernel_values;
      n_kernel_values += sum->sessions[si].n_kernel_list;
    }
  kernel_values = calloc ((n_kernel_values + 1) * (LSC_PATH_COUNT + 1), sizeof *kernel_values);
  kernel_gpu = calloc (n_kernel_values + 1, sizeof *kernel_gpu);
  kernel_gaps = calloc (n_kernel_values + 1, sizeof *kernel_gaps);
  kernel_functions = calloc (n_kernel_values + 1, sizeof *kernel_functions);
  kernel_keys = calloc (n_kernel_values + 1, sizeof *kernel_keys);
  if (!path_values || !kernel_base || !kernel_values || !kernel_gpu || !kernel_gaps || !kernel_functions || !kernel_keys)
    {
      rc = SQLITE_NOMEM;
      goto fail;
    }
  rc = lsc__gap_tracker_load_calls (db, sum->schema_version, &gaps);
  if (rc != SQLITE_OK)
    goto fail;

  char launch_sql[512];
  snprintf (launch_sql, sizeof launch_sql,
            "SELECT session_id, path, spec_id, outcome, reason, status, host_ns, kernel_id, "
            "coalesce(thread, -9223372036854775808), start_ns, %s, %s, %s, gpu_ns FROM main.launch",
            lsc__column_or_default (sum->schema_version, "launch", "function", "function", "NULL"),
            lsc__column_or_default (sum->schema_version, "launch", "param_key", "param_key", "NULL"),
            lsc__column_or_default (sum->schema_version, "launch", "params", "params", "NULL"));
  rc = sqlite3_prepare_v2 (db, launch_sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    goto fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t session_id, path = -1, spec_id, outcome = -1, reason = -1, status = 1, host_ns;
      lsc_session_summary *sess = col_int (stmt, 0, &session_id) ? find_session (sum, session_id) : NULL;
      if (!sess)
        {
          sum->orphan_launches++;
          continue;
        }
      col_int (stmt, 1, &path);
      col_int (stmt, 3, &outcome);
      col_int (stmt, 4, &reason);
      col_int (stmt, 5, &status);
      int64_t kernel_id = 0;
      bool has_kernel = col_int (stmt, 7, &kernel_id);
      if (!launch_matches (filter, session_id, has_kernel, kernel_id))
        {
          /* not counted, but it still ends its thread's gap before the next launch */
          int64_t host, start, end, gap;
          if (status == 0 && col_int (stmt, 6, &host) && col_int (stmt, 9, &start)
              && !__builtin_add_overflow (start, host, &end)
              && lsc__gap_tracker_launch (&gaps, session_id, sqlite3_column_int64 (stmt, 8), start, end, &gap) < 0)
            {
              rc = SQLITE_NOMEM;
              goto fail;
            }
          continue;
        }
      size_t pi = path >= 0 && path < LSC_PATH_COUNT ? (size_t) path : LSC_PATH_COUNT;
      size_t oi = outcome >= 0 && outcome < LSC_OUTCOME_COUNT ? (size_t) outcome : LSC_OUTCOME_COUNT;
      size_t ri = reason >= 0 && reason < LSC_REASON_COUNT ? (size_t) reason : LSC_REASON_COUNT;
      lsc_path_summary *ps = &sess->paths[pi];
      sess->launches++;
      ps->launches++;
      ps->outcomes[oi]++;
      if (oi == LSC_OUTCOME_FALLBACK)
        {
          ps->fallbacks_by_reason[ri]++;
          sess->fallbacks_by_reason[ri]++;
        }
      spec_slot *slot = col_int (stmt, 2, &spec_id) ? find_spec (slots, n_slots, spec_id) : NULL;
      lsc_spec_summary *sp = slot ? &slot->session->specs[slot->index] : NULL;
      if (sp)
        {
          sp->launches++;
          sp->launch_hits += oi == LSC_OUTCOME_HIT;
          sp->launch_misses += oi == LSC_OUTCOME_MISS;
          sp->launch_fallbacks += oi == LSC_OUTCOME_FALLBACK;
        }
      size_t si = (size_t) (sess - sum->sessions);
      lsc_kernel_summary *ks = has_kernel ? find_kernel (sess, kernel_id) : NULL;
      size_t kernel_index = ks ? kernel_base[si] + (size_t) (ks - sess->kernel_list) : 0;
      i64_vec *kv = ks ? &kernel_values[kernel_index * (LSC_PATH_COUNT + 1) + pi] : NULL;
      lsc_path_summary *kps = ks ? &ks->paths[pi] : NULL;
      if (ks)
        {
          ks->launches++;
          kps->launches++;
          kps->outcomes[oi]++;
          if (oi == LSC_OUTCOME_FALLBACK)
            kps->fallbacks_by_reason[ri]++;
          int64_t function, param_key, params;
          size_t ki = kernel_base[si] + (size_t) (ks - sess->kernel_list);
          if ((col_int (stmt, 10, &function) && !vec_push (&kernel_functions[ki], function))
              || (col_int (stmt, 11, &param_key) && !vec_push (&kernel_keys[ki], param_key)))
            {
              rc = SQLITE_NOMEM;
              goto fail;
            }
          if (col_int (stmt, 12, &params))
            {
              ks->params_no_layout += params == 2;
              ks->params_no_values += params == 3;
              ks->params_not_kept += params == 4;
            }
        }
      if (status != 0)
        {
          ps->errors++;
          if (ks)
            {
              ks->errors++;
              kps->errors++;
            }
          continue;
        }
      int64_t gpu_ns;
      if (ks && col_int (stmt, 13, &gpu_ns) && gpu_ns >= 0 && !vec_push (&kernel_gpu[kernel_index], gpu_ns))
        {
          rc = SQLITE_NOMEM;
          goto fail;
        }
      if (!col_int (stmt, 6, &host_ns))
        continue;
      if (!vec_push (&path_values[si * (LSC_PATH_COUNT + 1) + pi], host_ns) || (sp && !vec_push (&slot->values, host_ns))
          || (kv && !vec_push (kv, host_ns)))
        {
          rc = SQLITE_NOMEM;
          goto fail;
        }
      int64_t thread = sqlite3_column_int64 (stmt, 8), start_ns, gap;
      if (!col_int (stmt, 9, &start_ns))
        continue;
      /* A hostile file's start + host_ns overflowing is no end time: the thread starts again. */
      int64_t end_ns;
      if (__builtin_add_overflow (start_ns, host_ns, &end_ns))
        continue;
      int has_gap = lsc__gap_tracker_launch (&gaps, session_id, thread, start_ns, end_ns, &gap);
      if (has_gap < 0 || (has_gap && ks && !vec_push (&kernel_gaps[kernel_index], gap)))
        {
          rc = SQLITE_NOMEM;
          goto fail;
        }
    }
  if (rc != SQLITE_DONE)
    goto fail;
  sqlite3_finalize (stmt);
  stmt = NULL;

  for (size_t si = 0; si < sum->n_sessions; si++)
    for (size_t pi = 0; pi <= LSC_PATH_COUNT; pi++)
      {
        i64_vec *vec = &path_values[si * (LSC_PATH_COUNT + 1) + pi];
        path_summary_finish (&sum->sessions[si].paths[pi], vec);
      }
  /* Per kernel: its host-time percentiles, its gaps', and its binaries and inferred specs. */
  for (size_t si = 0; si < sum->n_sessions; si++)
    for (size_t k = 0; k < sum->sessions[si].n_kernel_list; k++)
      {
        size_t ki = kernel_base[si] + k;
        lsc_kernel_summary *ks = &sum->sessions[si].kernel_list[k];
        i64_vec *per_path = &kernel_values[ki * (LSC_PATH_COUNT + 1)];
        for (size_t pi = 0; pi <= LSC_PATH_COUNT; pi++)
          path_summary_finish (&ks->paths[pi], &per_path[pi]);
        if (!kernel_percentiles (ks, per_path))
          {
            rc = SQLITE_NOMEM;
            goto fail;
          }
        i64_vec *vec = &kernel_gpu[ki];
        ks->gpu_count = (int64_t) vec->n;
        if (vec->n)
          {
            qsort (vec->v, vec->n, sizeof *vec->v, lsc_cmp_i64);
            ks->gpu_p50_ns = nearest_rank (vec->v, vec->n, 50);
            for (size_t i = 0; i < vec->n; i++)
              ks->gpu_total_ns = lsc__add_sat (ks->gpu_total_ns, vec->v[i]);
          }
        vec = &kernel_gaps[ki];
        ks->gap_count = (int64_t) vec->n;
        if (vec->n)
          {
            qsort (vec->v, vec->n, sizeof *vec->v, lsc_cmp_i64);
            ks->gap_p50_ns = nearest_rank (vec->v, vec->n, 50);
            ks->gap_p90_ns = nearest_rank (vec->v, vec->n, 90);
          }
        ks->functions = distinct (&kernel_functions[ki]);
        ks->jit_launches = count_in (&kernel_functions[ki], &module_functions[si]);
        ks->param_launches = (int64_t) kernel_keys[ki].n;
        ks->param_specs = distinct (&kernel_keys[ki]);
      }
  for (size_t si = 0; si < sum->n_sessions; si++)
    lsc__savings_estimate (&sum->sessions[si]);
  if (filter && filter->kernel_id != LSC_ROW_ANY)
    keep_kernel_specs (sum, filter->kernel_id);

  if (lsc__table_present (sum->schema_version, "api_call"))
    {
      rc = sqlite3_prepare_v2 (db,
                               "SELECT session_id, kind, count(*), total(CASE WHEN typeof(api_ns) = 'integer' AND "
                               "api_ns > 0 THEN api_ns END) FROM main.api_call GROUP BY session_id, kind",
                               -1, &stmt, NULL);
      if (rc != SQLITE_OK)
        goto fail;
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          int64_t session_id, kind, n;
          lsc_session_summary *sess = col_int (stmt, 0, &session_id) ? find_session (sum, session_id) : NULL;
          if (!sess || !col_int (stmt, 1, &kind) || kind < 2 || kind >= 2 + LSC_CALL_KINDS || !col_int (stmt, 2, &n))
            continue;
          double ns = sqlite3_column_double (stmt, 3);
          sess->calls_by_kind[kind - 2] = lsc__add_sat (sess->calls_by_kind[kind - 2], n);
          sess->call_ns_by_kind[kind - 2] = ns >= 9.2e18 ? INT64_MAX : (int64_t) ns;
        }
      if (rc != SQLITE_DONE)
        goto fail;
      sqlite3_finalize (stmt);
      stmt = NULL;
    }
  for (size_t i = 0; i < n_slots; i++)
    {
      lsc_spec_summary *sp = &slots[i].session->specs[slots[i].index];
      sp->count = (int64_t) slots[i].values.n;
      if (slots[i].values.n)
        {
          qsort (slots[i].values.v, slots[i].values.n, sizeof (int64_t), lsc_cmp_i64);
          sp->p50_ns = nearest_rank (slots[i].values.v, slots[i].values.n, 50);
        }
    }

  rc = sqlite3_prepare_v2 (db, "SELECT session_id, kind, count(*), total(kind = 'info' AND text LIKE "
                           "'launch bound reached%') FROM main.event GROUP BY session_id, kind", -1,
                           &stmt, NULL);
  if (rc != SQLITE_OK)
    goto fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t session_id;
      int64_t n = sqlite3_column_int64 (stmt, 2);
      lsc_session_summary *sess = col_int (stmt, 0, &session_id) ? find_session (sum, session_id) : NULL;
      if (!sess)
        {
          sum->orphan_events += n;
          continue;
        }
      const unsigned char *kind = sqlite3_column_type (stmt, 1) == SQLITE_TEXT ? sqlite3_column_text (stmt, 1) : NULL;
      sess->events_by_kind[event_kind_index (kind)] += n;
      sess->events += n;
      sess->launch_bound_reached = sess->launch_bound_reached || sqlite3_column_int64 (stmt, 3) > 0;
    }
  if (rc != SQLITE_DONE)
    goto fail;
  sqlite3_finalize (stmt);

  rc = sqlite3_prepare_v2 (db, "SELECT session_id, count(*) FROM main.kernel GROUP BY session_id", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    goto fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t session_id;
      lsc_session_summary *sess = col_int (stmt, 0, &session_id) ? find_session (sum, session_id) : NULL;
      if (sess)
        sess->kernels += sqlite3_column_int64 (stmt, 1);
    }
  if (rc != SQLITE_DONE)
    goto fail;
  sqlite3_finalize (stmt);
  stmt = NULL;
  rc = load_streams (db, sum);
  if (rc == SQLITE_OK)
    rc = lsc__summarize_ranges (db, sum);
  if (rc != SQLITE_OK)
    goto fail;
  if (began)
    sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);

  for (size_t i = 0; i < n_slots; i++)
    free (slots[i].values.v);
  free (slots);
  for (size_t i = 0; i < sum->n_sessions * (LSC_PATH_COUNT + 1); i++)
    free (path_values[i].v);
  free (path_values);
  for (size_t i = 0; i < n_kernel_values * (LSC_PATH_COUNT + 1); i++)
    free (kernel_values[i].v);
  free (kernel_values);
  for (size_t i = 0; i < n_kernel_values; i++)
    free (kernel_gpu[i].v);
  free (kernel_gpu);
  for (size_t i = 0; i < n_kernel_values; i++)
    free (kernel_gaps[i].v);
  free (kernel_gaps);
  for (size_t i = 0; kernel_functions && i < n_kernel_values; i++)
    free (kernel_functions[i].v);
  free (kernel_functions);
  for (size_t i = 0; kernel_keys && i < n_kernel_values; i++)
    free (kernel_keys[i].v);
  free (kernel_keys);
  lsc__gap_tracker_clear (&gaps);
  free (kernel_base);
  for (size_t i = 0; module_functions && i < sum->n_sessions; i++)
    free (module_functions[i].v);
  free (module_functions);
  return sum;

fail:
  if (rc == SQLITE_NOMEM || (sum && !sum->path))
    lsc__error_set (error, LSC_ERROR_NOMEM, "cannot summarize report %s: out of memory", report->path);
  else
    lsc__error_set (error, lsc__error_code_from_sqlite (sqlite3_extended_errcode (db)),
                    "cannot summarize report %s: %s", report->path, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  if (began)
    sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  for (size_t i = 0; i < n_slots; i++)
    free (slots[i].values.v);
  free (slots);
  if (path_values && sum)
    for (size_t i = 0; i < sum->n_sessions * (LSC_PATH_COUNT + 1); i++)
      free (path_values[i].v);
  free (path_values);
  for (size_t i = 0; kernel_values && i < n_kernel_values * (LSC_PATH_COUNT + 1); i++)
    free (kernel_values[i].v);
  free (kernel_values);
  for (size_t i = 0; kernel_gpu && i < n_kernel_values; i++)
    free (kernel_gpu[i].v);
  free (kernel_gpu);
  for (size_t i = 0; kernel_gaps && i < n_kernel_values; i++)
    free (kernel_gaps[i].v);
  free (kernel_gaps);
  for (size_t i = 0; kernel_functions && i < n_kernel_values; i++)
    free (kernel_functions[i].v);
  free (kernel_functions);
  for (size_t i = 0; kernel_keys && i < n_kernel_values; i++)
    free (kernel_keys[i].v);
  free (kernel_keys);
  lsc__gap_tracker_clear (&gaps);
  free (kernel_base);
  for (size_t i = 0; module_functions && i < sum->n_sessions; i++)
    free (module_functions[i].v);
  free (module_functions);
  lsc_report_summary_free (sum);
  return NULL;
}
