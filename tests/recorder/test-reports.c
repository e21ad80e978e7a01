/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * test-reports.c — reading reports: the summary against a reference computed here, every
 * export read back, and untrusted files (random bytes, truncation, flipped pages, foreign and
 * newer files, hostile schemas, huge rows) refused or handled without a crash; exports into
 * a full disk leave nothing under the final name; a report being written or left by a killed
 * writer opens; the recorder's own output reads back clean.  Reports are built with raw SQL
 * from LSC_SCHEMA_SQL in mkdtemp directories.
 *
 * argv[1], when given, is launchscope-cli: its report/export/check exit codes are tested too.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fastlaunch-driver.h"
#include "fl-test-driver.h"
#include "lsc-export.h"
#include "lsc-recorder.h"
#include "lsc-percentile.h"
#include "lsc-report.h"
#include "lsc-report-rows.h"
#include "lsc-schema.h"

static const char *cli_path; /* argv[1] */
static char tmp_dir[256];

static void
setup (void)
{
  const char *base = getenv ("TMPDIR");
  snprintf (tmp_dir, sizeof tmp_dir, "%s/lsc-reports-XXXXXX", base && *base ? base : "/tmp");
  ck_assert_ptr_nonnull (mkdtemp (tmp_dir));
}

static void
teardown (void)
{
  char cmd[700];
  snprintf (cmd, sizeof cmd, "chmod -R u+rwX '%s' 2>/dev/null; rm -rf '%s'", tmp_dir, tmp_dir);
  if (system (cmd) != 0)
    fprintf (stderr, "could not remove %s\n", tmp_dir);
}

static char *
tmp_path (const char *name)
{
  static char buf[8][512];
  static int next;
  char *p = buf[next++ % 8];
  snprintf (p, 512, "%s/%s", tmp_dir, name);
  return p;
}

static bool
exists (const char *path)
{
  struct stat st;
  return lstat (path, &st) == 0;
}

/* The whole file is UTF-8: every sequence complete, shortest form, no surrogates, <= U+10FFFF. */
static void
assert_utf8_file (const char *path)
{
  FILE *f = fopen (path, "rb");
  ck_assert_ptr_nonnull (f);
  long offset = 0;
  int c;
  while ((c = getc (f)) != EOF)
    {
      int more = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : -1;
      ck_assert_msg (more >= 0, "%s: byte 0x%02x at %ld starts no UTF-8 sequence", path, c, offset);
      uint32_t cp = more == 0 ? (uint32_t) c : (uint32_t) c & (0x3fu >> more);
      for (int k = 0; k < more; k++)
        {
          int d = getc (f);
          ck_assert_msg (d != EOF && (d & 0xc0) == 0x80, "%s: sequence at %ld cut short", path, offset);
          cp = cp << 6 | ((uint32_t) d & 0x3f);
        }
      static const uint32_t min_cp[] = { 0, 0x80, 0x800, 0x10000 };
      ck_assert_msg (cp >= min_cp[more] && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff),
                     "%s: bad code point U+%04x at %ld", path, (unsigned) cp, offset);
      offset += 1 + more;
    }
  fclose (f);
}

/* No "*.partial-*" temporary left in dir. */
static int
count_partials (const char *dir)
{
  DIR *d = opendir (dir);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir (d)))
    n += strstr (e->d_name, ".partial-") != NULL;
  if (d)
    closedir (d);
  return n;
}

static void
exec_sql (sqlite3 *db, const char *sql)
{
  char *msg = NULL;
  int rc = sqlite3_exec (db, sql, NULL, NULL, &msg);
  ck_assert_msg (rc == SQLITE_OK, "SQL failed: %s\n%.300s", msg ? msg : "?", sql);
  sqlite3_free (msg);
}

static int64_t
query_int (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = NULL;
  ck_assert_msg (sqlite3_prepare_v2 (db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg (db));
  ck_assert_int_eq (sqlite3_step (st), SQLITE_ROW);
  int64_t v = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  return v;
}

static char *
query_text (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = NULL;
  ck_assert_msg (sqlite3_prepare_v2 (db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg (db));
  ck_assert_int_eq (sqlite3_step (st), SQLITE_ROW);
  const char *t = (const char *) sqlite3_column_text (st, 0);
  char *s = strdup (t ? t : "(null)");
  sqlite3_finalize (st);
  return s;
}

/* ---- building reports with raw SQL, and the reference model --------------------------- */

#define MAX_SESSIONS 2
#define KERNELS_PER_SESSION 2
#define SPECS_PER_KERNEL 3
#define SESSION_START(s) (INT64_C (1000000000000) + (int64_t) (s) * INT64_C (10000000000))
#define PID 4242

typedef struct {
  int64_t session, path, kernel, spec, outcome, reason, status, host_ns; /* host_ns -1: NULL; spec 0: NULL */
  int64_t correlation, thread, start_ns;
} row;

typedef struct {
  int n_sessions;
  int launches_per_session;
  unsigned seed;
  bool wal;
  bool stopped;
  const char *schema_sql; /* NULL: LSC_SCHEMA_SQL */
  int app_id;             /* 0: LSC_APPLICATION_ID */
  int version;            /* 0: LSC_SCHEMA_VERSION; -1: leave 0 */
} build_opts;

typedef struct {
  row *rows;
  size_t n;
} model;

static uint64_t rng_state;

static uint32_t
rnd (void)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t) (rng_state >> 11);
}

static int64_t
kernel_id (int s, int k)
{
  return (int64_t) s * 10 + k;
}

static int64_t
spec_id (int s, int k, int j)
{
  return kernel_id (s, k) * 10 + j;
}

static const char *const kernel_names[KERNELS_PER_SESSION] = { "add8", "tricky, \"quoted\"\nname" };

/* Builds a report at path and returns the launch rows it holds; keeps db open when keep is
 * non-NULL (a writer that has not finished). */
static model
build_report (const char *path, build_opts o, sqlite3 **keep)
{
  model m = { 0 };
  sqlite3 *db = NULL;
  rng_state = 0x9e3779b97f4a7c15ull ^ o.seed;
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  if (o.wal)
    exec_sql (db, "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;");
  exec_sql (db, "BEGIN");
  exec_sql (db, o.schema_sql ? o.schema_sql : LSC_SCHEMA_SQL);
  char sql[4096];
  snprintf (sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d;",
            o.app_id ? o.app_id : LSC_APPLICATION_ID, o.version > 0 ? o.version : o.version < 0 ? 0 : LSC_SCHEMA_VERSION);
  exec_sql (db, sql);

  int n_sessions = o.n_sessions ? o.n_sessions : 1;
  size_t total = (size_t) n_sessions * (size_t) o.launches_per_session;
  m.rows = calloc (total ? total : 1, sizeof *m.rows);
  ck_assert_ptr_nonnull (m.rows);

  sqlite3_stmt *ins_launch = NULL, *ins_gpu = NULL;
  ck_assert_int_eq (sqlite3_prepare_v2 (db,
                                        "INSERT INTO launch (session_id, kernel_id, spec_id, thread, path, outcome, "
                                        "reason, status, start_ns, host_ns, correlation_id, api_start_ns, api_ns, "
                                        "gpu_start_ns, gpu_ns, lookup_ns) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,"
                                        "?12,?13,?14,?15,?16)",
                                        -1, &ins_launch, NULL),
                    SQLITE_OK);
  ck_assert_int_eq (sqlite3_prepare_v2 (db,
                                        "INSERT INTO gpu_activity VALUES (?1, ?2, ?3, ?4, 0, 1, ?5, ?6, 64, 1, 1, 256, "
                                        "1, 1, 0, 16)",
                                        -1, &ins_gpu, NULL),
                    SQLITE_OK);
  int64_t correlation = 1;
  for (int s = 1; s <= n_sessions; s++)
    {
      int64_t start = SESSION_START (s);
      char stop_text[32];
      snprintf (stop_text, sizeof stop_text, "%" PRId64, start + INT64_C (1000000000));
      snprintf (sql, sizeof sql,
                "INSERT INTO session (id, host, gpu, driver_version, toolkit, nvrtc, cpu, settings, workload, start_ns, "
                "stop_ns, start_wall, dropped_rows, observer_overhead_ns, cupti_mode, cupti_status, raw_floor_p50_ns) "
                "VALUES (%d, 'testhost', 'NVIDIA H100 80GB HBM3', 13000, '13.0', '13.0', 'Test CPU', "
                "'{\"pid\": %d, \"workload\": \"add8\"}', 'add8', %" PRId64 ", %s, '2026-11-25T12:00:00.123456789Z', "
                "5, 35.5, 'activity', 'callbacks on', 2100.5)",
                s, PID, start, o.stopped ? stop_text : "NULL");
      exec_sql (db, sql);
      for (int k = 0; k < KERNELS_PER_SESSION; k++)
        {
          sqlite3_stmt *st = NULL;
          ck_assert_int_eq (sqlite3_prepare_v2 (db, "INSERT INTO kernel VALUES (?1, ?2, ?3, 'entry', 'sig', 'cfg')",
                                                -1, &st, NULL),
                            SQLITE_OK);
          sqlite3_bind_int64 (st, 1, kernel_id (s, k));
          sqlite3_bind_int (st, 2, s);
          sqlite3_bind_text (st, 3, kernel_names[k], -1, SQLITE_STATIC);
          ck_assert_int_eq (sqlite3_step (st), SQLITE_DONE);
          sqlite3_finalize (st);
          for (int j = 0; j < SPECS_PER_KERNEL; j++)
            {
              snprintf (sql, sizeof sql,
                        "INSERT INTO spec (id, kernel_id, key, description, ptr_alignment, int_classes, debug, "
                        "instrumentation, compile_hook, compile_ms, hits, misses) VALUES (%" PRId64 ", %" PRId64
                        ", %d, 'arg0=aligned debug=%s', 'AAU', '1D', %d, 'none', 0, %d.25, 0, 0)",
                        spec_id (s, k, j), kernel_id (s, k), -1000 + j * 7777, j ? "on" : "off", j == 1, 10 + j);
              exec_sql (db, sql);
            }
        }
      for (int i = 0; i < o.launches_per_session; i++)
        {
          row *r = &m.rows[m.n++];
          r->session = s;
          uint32_t p = rnd () % 100;
          r->path = p < 60 ? 0 : p < 85 ? 1 : p < 95 ? 2 : 3;
          int k = (int) (rnd () % KERNELS_PER_SESSION);
          r->kernel = kernel_id (s, k);
          r->spec = r->path == 0 ? spec_id (s, k, (int) (rnd () % SPECS_PER_KERNEL)) : 0;
          uint32_t q = rnd () % 100;
          if (r->path == 0)
            r->outcome = q < 80 ? 0 : q < 85 ? 1 : 2;
          else if (r->path == 1)
            r->outcome = q < 50 ? 2 : 3;
          else
            r->outcome = 3;
          r->reason = r->outcome == 2 ? 1 + (int64_t) (rnd () % 9) : 0;
          r->status = rnd () % 50 == 0 ? 7 : 0;
          r->host_ns = rnd () % 100 == 0 ? -1 : 300 + (int64_t) (rnd () % 50000);
          r->correlation = correlation++;
          int64_t t = start + 1000 + (int64_t) i * 20000;
          sqlite3_reset (ins_launch);
          sqlite3_clear_bindings (ins_launch);
          sqlite3_bind_int (ins_launch, 1, s);
          sqlite3_bind_int64 (ins_launch, 2, r->kernel);
          if (r->spec)
            sqlite3_bind_int64 (ins_launch, 3, r->spec);
          r->thread = 1000 + (int) (rnd () % 3);
          r->start_ns = t;
          sqlite3_bind_int64 (ins_launch, 4, r->thread);
          sqlite3_bind_int64 (ins_launch, 5, r->path);
          sqlite3_bind_int64 (ins_launch, 6, r->outcome);
          sqlite3_bind_int64 (ins_launch, 7, r->reason);
          sqlite3_bind_int64 (ins_launch, 8, r->status);
          sqlite3_bind_int64 (ins_launch, 9, t);
          if (r->host_ns >= 0)
            {
              sqlite3_bind_int64 (ins_launch, 10, r->host_ns);
              sqlite3_bind_int64 (ins_launch, 13, r->host_ns / 2);
              sqlite3_bind_int64 (ins_launch, 15, 1500);
            }
          sqlite3_bind_int64 (ins_launch, 11, r->correlation);
          sqlite3_bind_int64 (ins_launch, 12, t + 100);
          sqlite3_bind_int64 (ins_launch, 14, t + 5000);
          sqlite3_bind_int64 (ins_launch, 16, 12);
          ck_assert_int_eq (sqlite3_step (ins_launch), SQLITE_DONE);
          if (i % 3 == 0)
            {
              sqlite3_reset (ins_gpu);
              sqlite3_bind_int64 (ins_gpu, 1, r->correlation);
              sqlite3_bind_int (ins_gpu, 2, s);
              sqlite3_bind_int64 (ins_gpu, 3, t + 5000);
              sqlite3_bind_int64 (ins_gpu, 4, t + 6500);
              sqlite3_bind_int (ins_gpu, 5, i % 2 ? 7 : 13);
              if (i % 6 == 0)
                sqlite3_bind_null (ins_gpu, 6); /* name from the launch's kernel */
              else
                sqlite3_bind_text (ins_gpu, 6, kernel_names[k], -1, SQLITE_STATIC);
              ck_assert_int_eq (sqlite3_step (ins_gpu), SQLITE_DONE);
            }
        }
      snprintf (sql, sizeof sql,
                "INSERT INTO event (session_id, t_ns, kind, kernel_id, launch_seq, text) VALUES "
                "(%d, %" PRId64 ", 'toggle', NULL, 10, 'debug on at launch 10'),"
                "(%d, %" PRId64 ", 'fallback', %" PRId64 ", 11, 'skip-switch: \"quoted\" \\ text'),"
                "(%d, %" PRId64 ", 'compile', %" PRId64 ", 0, 'compiled in 12.5 ms')",
                s, start + 2000, s, start + 3000, kernel_id (s, 0), s, start + 500, kernel_id (s, 0));
      exec_sql (db, sql);
    }
  sqlite3_finalize (ins_launch);
  sqlite3_finalize (ins_gpu);
  /* The engine's counters: every hit/miss row plus a few the rings dropped. */
  exec_sql (db, "UPDATE spec SET hits = 3 + (SELECT count(*) FROM launch l WHERE l.spec_id = spec.id AND "
                "l.outcome = 0), misses = 1 + (SELECT count(*) FROM launch l WHERE l.spec_id = spec.id AND "
                "l.outcome = 1)");
#ifdef LSC_SCHEMA_INDEX_SQL
  if (o.stopped && !o.schema_sql) /* as the recorder does when it stops (today's schema) */
    exec_sql (db, LSC_SCHEMA_INDEX_SQL);
#endif
  exec_sql (db, "COMMIT");
  if (keep)
    *keep = db;
  else
    ck_assert_int_eq (sqlite3_close (db), SQLITE_OK);
  return m;
}

static model
build_default (const char *path, int launches)
{
  return build_report (path, (build_opts){ .n_sessions = 1, .launches_per_session = launches, .seed = 1, .stopped = true },
                       NULL);
}

static int
cmp_i64 (const void *a, const void *b)
{
  int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
  return (x > y) - (x < y);
}

/* Nearest rank, formulated independently of the reader: ceil(p * n / 100) in floating point
 * (p * n is exact, and a non-integer quotient is at least 0.01 from any integer). */
static int64_t
ref_rank (const int64_t *sorted, size_t n, int p)
{
  size_t rank = (size_t) ceil ((double) ((size_t) p * n) / 100.0);
  if (rank < 1)
    rank = 1;
  return sorted[rank - 1];
}

static void
check_summary_against_model (const lsc_report_summary *sum, const model *m, int n_sessions)
{
  ck_assert_uint_eq (sum->n_sessions, (unsigned) n_sessions);
  for (int s = 1; s <= n_sessions; s++)
    {
      const lsc_session_summary *ss = &sum->sessions[s - 1];
      ck_assert_int_eq (ss->id, s);
      int64_t session_launches = 0;
      for (int p = 0; p < LSC_PATH_COUNT; p++)
        {
          int64_t *v = malloc ((m->n + 1) * sizeof *v);
          size_t n = 0;
          int64_t launches = 0, errors = 0, outcomes[4] = { 0 }, reasons[LSC_REASON_COUNT] = { 0 };
          for (size_t i = 0; i < m->n; i++)
            {
              const row *r = &m->rows[i];
              if (r->session != s || r->path != p)
                continue;
              launches++;
              outcomes[r->outcome]++;
              if (r->outcome == 2)
                reasons[r->reason]++;
              if (r->status != 0)
                errors++;
              else if (r->host_ns >= 0)
                v[n++] = r->host_ns;
            }
          session_launches += launches;
          const lsc_path_summary *ps = &ss->paths[p];
          ck_assert_int_eq (ps->launches, launches);
          ck_assert_int_eq (ps->errors, errors);
          ck_assert_int_eq (ps->count, (int64_t) n);
          for (int o = 0; o < 4; o++)
            ck_assert_int_eq (ps->outcomes[o], outcomes[o]);
          for (int r = 0; r < LSC_REASON_COUNT; r++)
            ck_assert_int_eq (ps->fallbacks_by_reason[r], reasons[r]);
          if (n)
            {
              qsort (v, n, sizeof *v, cmp_i64);
              ck_assert_int_eq (ps->p50_ns, ref_rank (v, n, 50));
              ck_assert_int_eq (ps->p90_ns, ref_rank (v, n, 90));
              ck_assert_int_eq (ps->p99_ns, ref_rank (v, n, 99));
              ck_assert_int_eq (ps->min_ns, v[0]);
              ck_assert_int_eq (ps->max_ns, v[n - 1]);
            }
          free (v);
        }
      ck_assert_int_eq (ss->launches, session_launches);
      ck_assert_uint_eq (ss->n_specs, KERNELS_PER_SESSION * SPECS_PER_KERNEL);
      for (size_t k = 0; k < ss->n_specs; k++)
        {
          const lsc_spec_summary *sp = &ss->specs[k];
          int64_t *v = malloc ((m->n + 1) * sizeof *v);
          size_t n = 0;
          int64_t launches = 0, hits = 0;
          for (size_t i = 0; i < m->n; i++)
            if (m->rows[i].spec == sp->id)
              {
                launches++;
                hits += m->rows[i].outcome == 0;
                if (m->rows[i].status == 0 && m->rows[i].host_ns >= 0)
                  v[n++] = m->rows[i].host_ns;
              }
          ck_assert_int_eq (sp->launches, launches);
          ck_assert_int_eq (sp->launch_hits, hits);
          ck_assert_int_eq (sp->hits, hits + 3);
          ck_assert_int_eq (sp->count, (int64_t) n);
          if (n)
            {
              qsort (v, n, sizeof *v, cmp_i64);
              ck_assert_int_eq (sp->p50_ns, ref_rank (v, n, 50));
            }
          ck_assert_ptr_nonnull (sp->kernel_name);
          ck_assert_ptr_nonnull (sp->description);
          ck_assert (sp->has_compile_ms);
          free (v);
        }
      /* Per kernel: every launch row of the kernel counted, percentiles over its successful
       * launches with a host time. */
      ck_assert_uint_eq (ss->n_kernel_list, KERNELS_PER_SESSION);
      for (size_t k = 0; k < ss->n_kernel_list; k++)
        {
          const lsc_kernel_summary *ks = &ss->kernel_list[k];
          int64_t *v = malloc ((m->n + 1) * sizeof *v);
          size_t n = 0;
          int64_t launches = 0, errors = 0;
          for (size_t i = 0; i < m->n; i++)
            if (m->rows[i].session == ss->id && m->rows[i].kernel == ks->id)
              {
                launches++;
                errors += m->rows[i].status != 0;
                if (m->rows[i].status == 0 && m->rows[i].host_ns >= 0)
                  v[n++] = m->rows[i].host_ns;
              }
          ck_assert_int_eq (ks->launches, launches);
          ck_assert_int_eq (ks->errors, errors);
          /* Gaps: each successful timed launch of this kernel after another on its thread. */
          int64_t *g = malloc ((m->n + 1) * sizeof *g);
          size_t ng = 0;
          for (size_t i = 0; i < m->n; i++)
            {
              const row *r = &m->rows[i];
              if (r->session != ss->id || r->kernel != ks->id || r->status != 0 || r->host_ns < 0)
                continue;
              for (size_t j = i; j-- > 0;)
                {
                  const row *q = &m->rows[j];
                  if (q->session == r->session && q->thread == r->thread && q->status == 0 && q->host_ns >= 0)
                    {
                      if (r->start_ns - (q->start_ns + q->host_ns) >= 0)
                        g[ng++] = r->start_ns - (q->start_ns + q->host_ns);
                      break;
                    }
                }
            }
          ck_assert_int_eq (ks->gap_count, (int64_t) ng);
          qsort (g, ng, sizeof *g, cmp_i64);
          if (ng)
            {
              ck_assert_int_eq (ks->gap_p50_ns, ref_rank (g, ng, 50));
              ck_assert_int_eq (ks->gap_p90_ns, ref_rank (g, ng, 90));
            }
          free (g);
          ck_assert_int_eq (ks->count, (int64_t) n);
          qsort (v, n, sizeof *v, cmp_i64);
          if (n)
            {
              ck_assert_int_eq (ks->p50_ns, ref_rank (v, n, 50));
              ck_assert_int_eq (ks->p90_ns, ref_rank (v, n, 90));
              ck_assert_int_eq (ks->p99_ns, ref_rank (v, n, 99));
            }
          free (v);
        }
      ck_assert_int_eq (ss->events, 3);
      ck_assert_int_eq (ss->events_by_kind[0], 1); /* toggle */
      ck_assert_int_eq (ss->events_by_kind[1], 1); /* fallback */
      ck_assert_int_eq (ss->events_by_kind[3], 1); /* compile */
      ck_assert_int_eq (ss->dropped_rows, 5);
      ck_assert (ss->has_observer_overhead);
      ck_assert (ss->observer_overhead_ns == 35.5);
      ck_assert (ss->has_raw_floor);
      ck_assert (ss->has_pid);
      ck_assert_int_eq (ss->pid, PID);
      ck_assert_int_eq (ss->kernels, KERNELS_PER_SESSION);
      ck_assert_str_eq (ss->gpu, "NVIDIA H100 80GB HBM3");
    }
}

static lsc_report *
open_ok (const char *path)
{
  lsc_error e;
  lsc_report *r = lsc_report_open (path, LSC_REPORT_OPEN_DEFAULT, &e);
  ck_assert_msg (r != NULL, "open %s: %s", path, e.message);
  return r;
}

static lsc_error
open_fails (const char *path)
{
  lsc_error e;
  lsc_report *r = lsc_report_open (path, LSC_REPORT_OPEN_DEFAULT, &e);
  ck_assert_msg (r == NULL, "%s opened but should have been refused", path);
  ck_assert_msg (strstr (e.message, path) != NULL, "message does not name the file: %s", e.message);
  return e;
}

/* ---- rows for lists and charts ------------------------------------------------------------ */

static bool
model_row_passes (const row *r, const lsc_row_filter *f)
{
  return (f->session_id == LSC_ROW_ANY || r->session == f->session_id)
         && (f->kernel_id == LSC_ROW_ANY || r->kernel == f->kernel_id) && (f->path == LSC_ROW_ANY || r->path == f->path)
         && (f->outcome == LSC_ROW_ANY || r->outcome == f->outcome) && (f->thread == LSC_ROW_ANY || r->thread == f->thread);
}

static int cancel_calls;

static int
cancel_now (void *data)
{
  (void) data;
  cancel_calls++;
  return 1;
}

START_TEST (test_rows_filter_sort)
{
  const char *path = tmp_path ("rows.lsdb");
  model m = build_report (path, (build_opts){ .n_sessions = 2, .launches_per_session = 700, .seed = 3, .stopped = true },
                          NULL);
  lsc_report *r = open_ok (path);
  lsc_error e;

  lsc_row_filter filters[7];
  for (int i = 0; i < 7; i++)
    lsc_row_filter_init (&filters[i]);
  filters[1].session_id = 2;
  filters[2].kernel_id = kernel_id (1, 1);
  filters[3].path = 1;
  filters[4].outcome = 2;
  filters[5].thread = 1001;
  filters[6].session_id = 1, filters[6].path = 0, filters[6].thread = 1002;
  for (int i = 0; i < 7; i++)
    {
      size_t n = 0;
      int64_t *ids = lsc_report_row_ids (r, LSC_TABLE_LAUNCH, &filters[i], -1, false, &n, &e);
      ck_assert_msg (ids != NULL, "%s", e.message);
      size_t expected = 0;
      for (size_t k = 0; k < m.n; k++)
        if (model_row_passes (&m.rows[k], &filters[i]))
          {
            ck_assert_msg (expected < n, "filter %d: too few rows", i);
            ck_assert_int_eq (ids[expected], (int64_t) k + 1); /* rowids follow insertion order */
            expected++;
          }
      ck_assert_msg (expected == n && n > 0, "filter %d: %zu rows, expected %zu", i, n, expected);
      free (ids);
    }
  ck_assert_int_eq (lsc_report_count_rows (r, LSC_TABLE_LAUNCH, &e), (int64_t) m.n);

  /* descending host time, NULLs last, ties by id descending */
  size_t n = 0;
  int64_t *ids = lsc_report_row_ids (r, LSC_TABLE_LAUNCH, NULL, LSC_LAUNCH_COL_HOST_NS, true, &n, &e);
  ck_assert_uint_eq (n, m.n);
  for (size_t k = 1; k < n; k++)
    {
      const row *a = &m.rows[ids[k - 1] - 1], *b = &m.rows[ids[k] - 1];
      ck_assert_msg (a->host_ns > b->host_ns || (a->host_ns == b->host_ns && ids[k - 1] > ids[k]),
                     "rows %" PRId64 " (%" PRId64 ") and %" PRId64 " (%" PRId64 ") out of order", ids[k - 1],
                     a->host_ns, ids[k], b->host_ns);
    }
  free (ids);
  ck_assert_ptr_null (lsc_report_row_ids (r, LSC_TABLE_LAUNCH, NULL, LSC_LAUNCH_N_COLS, false, &n, &e));
  ck_assert_int_eq (e.code, LSC_ERROR_USAGE);

  /* a reader stopped by its cancel function says so, and reads again once it is removed */
  cancel_calls = 0;
  lsc_report_set_cancel (r, cancel_now, NULL);
  ck_assert_ptr_null (lsc_report_row_ids (r, LSC_TABLE_LAUNCH, NULL, LSC_LAUNCH_COL_KERNEL, false, &n, &e));
  ck_assert_int_eq (e.code, LSC_ERROR_INTERRUPTED);
  ck_assert_int_gt (cancel_calls, 0);
  lsc_report_set_cancel (r, NULL, NULL);
  ids = lsc_report_row_ids (r, LSC_TABLE_LAUNCH, NULL, LSC_LAUNCH_COL_KERNEL, false, &n, &e);
  ck_assert_msg (ids != NULL && n == m.n, "%s", e.message);
  free (ids);

  /* specs and events filter by the columns they have */
  lsc_row_filter by_kernel;
  lsc_row_filter_init (&by_kernel);
  by_kernel.kernel_id = kernel_id (2, 0);
  by_kernel.path = 1; /* launches only: ignored here */
  ids = lsc_report_row_ids (r, LSC_TABLE_SPEC, &by_kernel, LSC_SPEC_COL_KEY, false, &n, &e);
  ck_assert_uint_eq (n, SPECS_PER_KERNEL);
  ck_assert_int_eq (ids[0], spec_id (2, 0, 0)); /* keys rise with j */
  free (ids);
  lsc_row_filter session2;
  lsc_row_filter_init (&session2);
  session2.session_id = 2;
  ids = lsc_report_row_ids (r, LSC_TABLE_EVENT, &session2, LSC_EVENT_COL_TIME, false, &n, &e);
  ck_assert_uint_eq (n, 3);
  free (ids);
  /* a spec belongs to its kernel's session (a process of a recorded program) */
  ids = lsc_report_row_ids (r, LSC_TABLE_SPEC, &session2, -1, false, &n, &e);
  ck_assert_msg (ids != NULL, "%s", e.message);
  ck_assert_uint_eq (n, KERNELS_PER_SESSION * SPECS_PER_KERNEL);
  for (size_t k = 0; k < n; k++)
    ck_assert_msg (ids[k] / 100 == 2, "spec %" PRId64 " is not of session 2", ids[k]);
  free (ids);

  lsc_report_free (r);
  free (m.rows);
}
END_TEST

static bool
count_launch (const lsc_launch_row *launch, void *data)
{
  const model *m = ((const model **) data)[0];
  size_t *seen = ((size_t **) data)[1];
  const row *want = &m->rows[launch->id - 1];
  ck_assert_int_eq (launch->session_id, want->session);
  ck_assert_int_eq (launch->path, want->path);
  ck_assert_int_eq (launch->has_host, want->host_ns >= 0);
  if (want->host_ns >= 0)
    ck_assert_int_eq (launch->host_ns, want->host_ns);
  ck_assert_int_eq (launch->has_spec, want->spec != 0);
  ck_assert_int_eq (launch->start_ns, want->start_ns);
  ck_assert (!launch->has_stages); /* the builder writes lookup_ns only */
  (*seen)++;
  return true;
}

typedef struct {
  int n;
  char texts[4][64];
} event_seen;

static bool
collect_event (const lsc_event_row *row, void *data)
{
  event_seen *s = data;
  snprintf (s->texts[s->n++ % 4], 64, "%s:%.*s", row->kind, (int) row->text_len, row->text);
  return true;
}

START_TEST (test_rows_fetch_and_scan)
{
  const char *path = tmp_path ("fetch.lsdb");
  model m = build_report (path, (build_opts){ .n_sessions = 1, .launches_per_session = 300, .seed = 5, .stopped = true },
                          NULL);
  sqlite3 *db = NULL;
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  exec_sql (db, "UPDATE launch SET host_ns = 'not a number' WHERE id = 7");
  sqlite3_close (db);
  m.rows[6].host_ns = -1; /* not an integer: the scan says so */

  lsc_report *r = open_ok (path);
  lsc_error e;
  ck_assert_uint_eq (lsc_table_n_columns (LSC_TABLE_LAUNCH), LSC_LAUNCH_N_COLS);
  ck_assert_str_eq (lsc_table_column_id (LSC_TABLE_LAUNCH, LSC_LAUNCH_COL_HOST_NS), "host_ns");
  ck_assert_ptr_null (lsc_table_column_id (LSC_TABLE_EVENT, LSC_EVENT_N_COLS));

  lsc_row_reader *reader = lsc_row_reader_new (r, LSC_TABLE_LAUNCH, &e);
  ck_assert_msg (reader != NULL, "%s", e.message);
  lsc_value v[LSC_LAUNCH_N_COLS];
  ck_assert_int_eq (lsc_row_reader_fetch (reader, 5, v, &e), 1);
  const row *want = &m.rows[4];
  ck_assert_int_eq (v[LSC_LAUNCH_COL_ID].i, 5);
  ck_assert_int_eq (v[LSC_LAUNCH_COL_TIME].i, want->start_ns - SESSION_START (1));
  ck_assert_int_eq (v[LSC_LAUNCH_COL_PATH].i, want->path);
  ck_assert_int_eq (v[LSC_LAUNCH_COL_THREAD].i, want->thread);
  ck_assert_int_eq (v[LSC_LAUNCH_COL_KERNEL].type, LSC_VALUE_TEXT);
  ck_assert_int_eq (strncmp (v[LSC_LAUNCH_COL_KERNEL].text, kernel_names[want->kernel % 10],
                             v[LSC_LAUNCH_COL_KERNEL].len), 0);
  ck_assert_int_eq (v[LSC_LAUNCH_COL_HOST_NS].type, want->host_ns >= 0 ? LSC_VALUE_INT : LSC_VALUE_NULL);
  /* a value of the wrong type keeps its type */
  ck_assert_int_eq (lsc_row_reader_fetch (reader, 7, v, &e), 1);
  ck_assert_int_eq (v[LSC_LAUNCH_COL_HOST_NS].type, LSC_VALUE_TEXT);
  ck_assert_int_eq (strncmp (v[LSC_LAUNCH_COL_HOST_NS].text, "not a number", v[LSC_LAUNCH_COL_HOST_NS].len), 0);
  ck_assert_int_eq (lsc_row_reader_fetch (reader, 100000, v, &e), 0);
  ck_assert_int_eq (v[LSC_LAUNCH_COL_ID].type, LSC_VALUE_NULL);
  lsc_row_reader_free (reader);

  size_t seen = 0;
  const void *ctx[2] = { &m, &seen };
  ck_assert_int_eq (lsc_report_scan_launches (r, count_launch, ctx, &e), 0);
  ck_assert_uint_eq (seen, m.n);

  int64_t session = 0, start = 0;
  ck_assert (lsc_report_first_session (r, &session, &start, &e));
  ck_assert_int_eq (session, 1);
  ck_assert_int_eq (start, SESSION_START (1));
  event_seen ev = { 0 };
  ck_assert_int_eq (lsc_report_scan_events (r, 1, "toggle", 100, collect_event, &ev, &e), 0);
  ck_assert_int_eq (ev.n, 1);
  ck_assert_str_eq (ev.texts[0], "toggle:debug on at launch 10");
  memset (&ev, 0, sizeof ev);
  ck_assert_int_eq (lsc_report_scan_events (r, 1, NULL, 2, collect_event, &ev, &e), 0);
  ck_assert_int_eq (ev.n, 2); /* the limit */
  ck_assert_str_eq (ev.texts[0], "compile:compiled in 12.5 ms"); /* by time */
  lsc_report_free (r);
  free (m.rows);
}
END_TEST

/* ---- summary ----------------------------------------------------------------------------- */

START_TEST (test_summary_percentiles)
{
  static const int sizes[] = { 1, 2, 3, 99, 100, 101, 1000, 12345 };
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    {
      char name[64];
      snprintf (name, sizeof name, "p%d.lsdb", sizes[i]);
      const char *path = tmp_path (name);
      int sessions = i % 2 ? 2 : 1;
      model m = build_report (path, (build_opts){ .n_sessions = sessions, .launches_per_session = sizes[i],
                                                  .seed = (unsigned) i + 7, .stopped = true },
                              NULL);
      lsc_report *r = open_ok (path);
      lsc_error e;
      lsc_report_summary *sum = lsc_report_summarize (r, &e);
      ck_assert_msg (sum != NULL, "%s", e.message);
      check_summary_against_model (sum, &m, sessions);
      ck_assert_int_eq (sum->orphan_launches, 0);
      lsc_report_summary_free (sum);
      lsc_report_free (r);
      free (m.rows);
    }
}
END_TEST

/* The one percentile definition: nearest rank, ceil(p/100 n), in exact arithmetic. */
START_TEST (test_percentile_index)
{
  ck_assert_uint_eq (lsc_percentile_index (0, 50), 0);
  ck_assert_uint_eq (lsc_percentile_index (1, 99), 0);
  ck_assert_uint_eq (lsc_percentile_index (2, 50), 0);
  ck_assert_uint_eq (lsc_percentile_index (3, 50), 1);
  ck_assert_uint_eq (lsc_percentile_index (100, 99), 98); /* 0.99 * 100 is not 99.000001 */
  ck_assert_uint_eq (lsc_percentile_index (100, 100), 99);
  ck_assert_uint_eq (lsc_percentile_index (10, 99.5), 9);
  ck_assert_uint_eq (lsc_percentile_index (1000, 99.9), 998);
  ck_assert_uint_eq (lsc_percentile_index (1000, 0.1), 0);
  for (size_t n = 1; n < 500; n++)
    for (unsigned p = 1; p <= 100; p++)
      ck_assert_uint_eq (lsc_percentile_index (n, p), (p * n + 99) / 100 - 1);
}
END_TEST

START_TEST (test_names_match_engine)
{
  for (int i = 0; i < 4; i++)
    {
      ck_assert_str_eq (lsc_path_name (i), fl_path_str ((fl_path) i));
      ck_assert_str_eq (lsc_outcome_name (i), fl_outcome_str ((fl_outcome) i));
    }
  ck_assert_int_eq (LSC_REASON_COUNT, FL_FALLBACK_COUNT);
  for (int i = 0; i < FL_FALLBACK_COUNT; i++)
    ck_assert_str_eq (lsc_reason_name (i), fl_fallback_str ((fl_fallback) i));
  ck_assert_str_eq (lsc_reason_name (-1), "unknown");
  ck_assert_str_eq (lsc_path_name (99), "unknown");
}
END_TEST

/* Text and JSON output of the summary, and the empty report. */
START_TEST (test_summary_output)
{
  const char *path = tmp_path ("out.lsdb");
  model m = build_default (path, 500);
  lsc_report *r = open_ok (path);
  lsc_error e;
  lsc_report_summary *sum = lsc_report_summarize (r, &e);
  ck_assert_ptr_nonnull (sum);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  ck_assert_int_eq (lsc_report_summary_write_text (sum, f, "memory", &e), 0);
  fclose (f);
  ck_assert_ptr_nonnull (strstr (buf, "fast"));
  ck_assert_ptr_nonnull (strstr (buf, "fallbacks by reason:"));
  ck_assert_ptr_nonnull (strstr (buf, "dropped rows 5"));
  /* The kernel name's newline does not reach the terminal. */
  ck_assert_ptr_nonnull (strstr (buf, "tricky, \"quoted\"?na"));
  free (buf);
  lsc_report_summary_free (sum);
  lsc_report_free (r);
  free (m.rows);

  /* A report with its schema but no rows at all. */
  const char *empty = tmp_path ("empty.lsdb");
  sqlite3 *db;
  ck_assert_int_eq (sqlite3_open (empty, &db), SQLITE_OK);
  exec_sql (db, LSC_SCHEMA_SQL);
  exec_sql (db, "PRAGMA application_id=1280525378; PRAGMA user_version=1;");
  /* A version-1 report has no NVTX ranges, whatever a table of that name holds. */
  exec_sql (db, "INSERT INTO nvtx_range (session_id, thread, name, start_ns) VALUES (1, 1, 'later', 5);");
  sqlite3_close (db);
  r = open_ok (empty);
  sum = lsc_report_summarize (r, &e);
  ck_assert_ptr_nonnull (sum);
  ck_assert_uint_eq (sum->n_sessions, 0);
  ck_assert_uint_eq (sum->n_ranges, 0);
  f = open_memstream (&buf, &len);
  ck_assert_int_eq (lsc_report_summary_write_text (sum, f, "memory", &e), 0);
  ck_assert_int_eq (lsc_report_summary_write_json (sum, f, "memory", &e), 0);
  fclose (f);
  ck_assert_ptr_nonnull (strstr (buf, "no sessions"));
  free (buf);
  lsc_report_summary_free (sum);
  lsc_report_free (r);
}
END_TEST

/* ---- untrusted files ------------------------------------------------------------------- */

START_TEST (test_not_sqlite)
{
  const char *path = tmp_path ("random.lsdb");
  FILE *f = fopen (path, "wb");
  for (int i = 0; i < 8192; i++)
    putc ((int) (rnd () & 0xff), f);
  fclose (f);
  lsc_error e = open_fails (path);
  ck_assert_int_eq (e.code, LSC_ERROR_NOT_SQLITE);
  ck_assert_ptr_nonnull (strstr (e.message, "is not an SQLite database"));
  ck_assert_ptr_nonnull (strstr (e.message, "not a Launchscope report"));

  const char *empty = tmp_path ("empty.lsdb");
  f = fopen (empty, "wb");
  fclose (f);
  e = open_fails (empty);
  ck_assert_int_eq (e.code, LSC_ERROR_NOT_SQLITE);
  ck_assert_ptr_nonnull (strstr (e.message, "is empty"));

  /* A text file that starts like one. */
  const char *fake = tmp_path ("fake.lsdb");
  f = fopen (fake, "wb");
  fputs ("SQLite format 3 is what this is not", f);
  fclose (f);
  e = open_fails (fake);
  ck_assert_int_eq (e.code, LSC_ERROR_NOT_SQLITE);

  e = open_fails (tmp_path ("missing.lsdb"));
  ck_assert_int_eq (e.code, LSC_ERROR_IO);
  ck_assert_ptr_nonnull (strstr (e.message, "No such file"));
  e = open_fails (tmp_dir);
  ck_assert_int_eq (e.code, LSC_ERROR_IO);
}
END_TEST

START_TEST (test_foreign_and_versions)
{
  const char *plain = tmp_path ("plain.sqlite");
  sqlite3 *db;
  ck_assert_int_eq (sqlite3_open (plain, &db), SQLITE_OK);
  exec_sql (db, "CREATE TABLE t (x); INSERT INTO t VALUES (1);");
  sqlite3_close (db);
  lsc_error e = open_fails (plain);
  ck_assert_int_eq (e.code, LSC_ERROR_FOREIGN);
  ck_assert_msg (strstr (e.message, "foreign SQLite file: application_id 0x00000000 is not Launchscope's"), "%s",
                 e.message);

  const char *other = tmp_path ("other.lsdb");
  free (build_report (other, (build_opts){ .launches_per_session = 10, .app_id = 0x12345678, .stopped = true }, NULL)
          .rows);
  e = open_fails (other);
  ck_assert_int_eq (e.code, LSC_ERROR_FOREIGN);
  ck_assert_msg (strstr (e.message, "application_id 0x12345678"), "%s", e.message);

  const char *newer = tmp_path ("newer.lsdb");
  free (build_report (newer, (build_opts){ .launches_per_session = 10, .version = LSC_SCHEMA_VERSION + 1, .stopped = true },
                      NULL)
          .rows);
  e = open_fails (newer);
  ck_assert_int_eq (e.code, LSC_ERROR_NEWER);
  char want[200];
  snprintf (want, sizeof want, "report schema version %d is newer than this Launchscope understands (%d); upgrade",
            LSC_SCHEMA_VERSION + 1, LSC_SCHEMA_VERSION);
  ck_assert_msg (strstr (e.message, want), "%s", e.message);

  const char *zero = tmp_path ("zero.lsdb");
  free (build_report (zero, (build_opts){ .launches_per_session = 10, .version = -1, .stopped = true }, NULL).rows);
  e = open_fails (zero);
  ck_assert_int_eq (e.code, LSC_ERROR_OLDER);
  ck_assert_ptr_nonnull (strstr (e.message, "schema version 0"));

  /* check says the same, as a problem. */
  ck_assert_int_eq (lsc_report_check (newer, NULL, NULL, &e), 1);
  ck_assert_int_eq (lsc_report_check (plain, NULL, NULL, &e), 1);
}
END_TEST

/* Replaces the first occurrence of from in LSC_SCHEMA_SQL. */
static char *
schema_with (const char *from, const char *to)
{
  const char *schema = LSC_SCHEMA_SQL;
  const char *at = strstr (schema, from);
  ck_assert_msg (at != NULL, "'%s' not in the schema", from);
  size_t n = strlen (schema) - strlen (from) + strlen (to) + 1;
  char *s = malloc (n);
  snprintf (s, n, "%.*s%s%s", (int) (at - schema), schema, to, at + strlen (from));
  return s;
}

START_TEST (test_hostile_schema)
{
  struct {
    const char *from, *to, *expect;
  } cases[] = {
    { "start_ns INTEGER NOT NULL, host_ns INTEGER,", "start_ns INTEGER NOT NULL, host_ns TEXT,",
      "column launch.host_ns has type TEXT, expected INTEGER" },
    { "  dropped_rows INTEGER NOT NULL DEFAULT 0,\n", "", "column session.dropped_rows is missing" },
    { "start_ns INTEGER NOT NULL, host_ns INTEGER,",
      "start_ns INTEGER NOT NULL, host_ns INTEGER GENERATED ALWAYS AS (start_ns % 7) VIRTUAL,",
      "column launch.host_ns is a generated or hidden column" },
    { "CREATE TABLE gpu_activity (", "CREATE TABLE gpu_activity_renamed (", "table gpu_activity is missing" },
    { "params INTEGER\n);", "params INTEGER\n) WITHOUT ROWID;",
      "table launch is declared WITHOUT ROWID, and Launchscope reads rows by rowid" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      char name[64];
      snprintf (name, sizeof name, "hostile%zu.lsdb", i);
      const char *path = tmp_path (name);
      char *schema = schema_with (cases[i].from, cases[i].to);
      sqlite3 *db;
      ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
      /* Views referencing a renamed/missing table would not create: build tables only. */
      char *views = strstr (schema, "CREATE VIEW");
      if (views)
        *views = '\0';
      exec_sql (db, schema);
      exec_sql (db, "PRAGMA application_id=1280525378; PRAGMA user_version=1;");
      sqlite3_close (db);
      free (schema);
      lsc_error e = open_fails (path);
      ck_assert_int_eq (e.code, LSC_ERROR_SCHEMA);
      ck_assert_msg (strstr (e.message, cases[i].expect), "case %zu: %s", i, e.message);
      /* check lists it (and does not crash on the rest). */
      ck_assert_int_ge (lsc_report_check (path, NULL, NULL, &e), 1);
    }

  /* launch as a view. */
  const char *path = tmp_path ("view.lsdb");
  char *schema = schema_with ("CREATE TABLE launch (", "CREATE TABLE launch_data (");
  char *views = strstr (schema, "CREATE VIEW");
  *views = '\0';
  sqlite3 *db;
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  exec_sql (db, schema);
  exec_sql (db, "CREATE VIEW launch AS SELECT * FROM launch_data;"
                "PRAGMA application_id=1280525378; PRAGMA user_version=1;");
  sqlite3_close (db);
  free (schema);
  lsc_error e = open_fails (path);
  ck_assert_int_eq (e.code, LSC_ERROR_SCHEMA);
  ck_assert_msg (strstr (e.message, "launch is a view, not a table"), "%s", e.message);
}
END_TEST

typedef struct {
  char text[8192];
  int problems, notes;
} findings;

static void
collect (bool problem, const char *message, void *user_data)
{
  findings *f = user_data;
  size_t used = strlen (f->text);
  snprintf (f->text + used, sizeof f->text - used, "%s: %s\n", problem ? "problem" : "note", message);
  if (problem)
    f->problems++;
  else
    f->notes++;
}

/* A view named like ours returning garbage, lookup tables renamed, and a trigger: the summary
 * is computed from base tables and stays right; check names each. */
START_TEST (test_hostile_views_and_triggers)
{
  const char *path = tmp_path ("lies.lsdb");
  model m = build_default (path, 3000);
  sqlite3 *db;
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  exec_sql (db, "DROP VIEW path_percentiles;"
                "CREATE VIEW path_percentiles AS SELECT 'fast' AS path, 1 AS launches, -5 AS p50_ns, -5 AS p90_ns, "
                "-5 AS p99_ns, -5 AS max_ns;"
                "DROP VIEW fallback_reasons;"
                "CREATE VIEW fallback_reasons AS SELECT 'none' AS reason, 999999 AS launches;"
                "UPDATE path SET name = 'x' || name; UPDATE reason SET name = 'evil' || id;"
                "CREATE TABLE audit (n);"
                "CREATE TRIGGER spy AFTER INSERT ON event BEGIN INSERT INTO audit VALUES (1); END;"
                "CREATE TRIGGER spy2 BEFORE DELETE ON launch BEGIN SELECT RAISE(ABORT, 'no'); END;"
                "CREATE VIEW extra AS SELECT 1;");
  sqlite3_close (db);

  lsc_report *r = open_ok (path);
  lsc_error e;
  lsc_report_summary *sum = lsc_report_summarize (r, &e);
  ck_assert_msg (sum != NULL, "%s", e.message);
  check_summary_against_model (sum, &m, 1);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  ck_assert_int_eq (lsc_report_summary_write_json (sum, f, "memory", &e), 0);
  fclose (f);
  ck_assert_ptr_null (strstr (buf, "evil"));
  ck_assert_ptr_null (strstr (buf, "xfast"));
  free (buf);
  lsc_report_summary_free (sum);

  /* Exports work, and the nsys file carries no trigger from the source. */
  ck_assert_int_eq (lsc_export_nsys_sqlite (r, tmp_path ("lies-nsys.sqlite"), false, &e), 0);
  lsc_report_free (r);
  ck_assert_int_eq (sqlite3_open (tmp_path ("lies-nsys.sqlite"), &db), SQLITE_OK);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"), 0);
  sqlite3_close (db);

  ck_assert_int_eq (lsc_report_check (path, NULL, NULL, &e), 5); /* 2 triggers, 2 altered views, 1 unknown view */

  /* The copy keeps Launchscope's own objects only, our views as we define them, every row. */
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  exec_sql (db, "CREATE INDEX audit_n ON audit (n); CREATE INDEX launch_evil ON launch (thread);");
  sqlite3_close (db);
  r = open_ok (path);
  const char *copy = tmp_path ("lies-copy.lsdb");
  ck_assert_msg (lsc_export_sqlite (r, copy, false, &e) == 0, "%s", e.message);
  lsc_report_free (r);
  findings copy_findings = { 0 };
  ck_assert_msg (lsc_report_check (copy, collect, &copy_findings, &e) == 0, "%s", copy_findings.text);
  /* A table of ours spelt in capitals is still ours: kept, with its rows. */
  const char *capitals = tmp_path ("capitals.lsdb");
  char *schema = schema_with ("CREATE TABLE launch (", "CREATE TABLE LAUNCH (");
  free (build_report (capitals, (build_opts){ .launches_per_session = 50, .stopped = true, .schema_sql = schema }, NULL)
          .rows);
  free (schema);
  r = open_ok (capitals);
  ck_assert_msg (lsc_export_sqlite (r, tmp_path ("capitals-copy.lsdb"), false, &e) == 0, "%s", e.message);
  lsc_report_free (r);
  ck_assert_int_eq (sqlite3_open (tmp_path ("capitals-copy.lsdb"), &db), SQLITE_OK);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM launch"), 50);
  sqlite3_close (db);

  ck_assert_int_eq (sqlite3_open (copy, &db), SQLITE_OK);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' OR name IN ('audit', "
                                   "'extra', 'audit_n', 'launch_evil')"),
                    0);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM path_percentiles WHERE p50_ns < 0"), 0);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM launch"), 3000);
  sqlite3_close (db);
  free (m.rows);
}
END_TEST


START_TEST (test_check)
{
  const char *path = tmp_path ("check.lsdb");
  free (build_default (path, 2000).rows);
  findings f = { 0 };
  lsc_error e;
  ck_assert_int_eq (lsc_report_check (path, collect, &f, &e), 0);
  ck_assert_msg (f.problems == 0, "%s", f.text);
  ck_assert_ptr_nonnull (strstr (f.text, "dropped 5 rows"));

  /* Damage rows in ways SQLite's constraints do not stop. */
  sqlite3 *db;
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  exec_sql (db, "UPDATE launch SET session_id = 99 WHERE id IN (1, 2);"
                "UPDATE launch SET outcome = 2, reason = 0 WHERE id = 3;"
                "UPDATE launch SET host_ns = 'slow' WHERE id = 4;"
                "UPDATE launch SET spec_id = (SELECT id FROM spec WHERE kernel_id = 11 LIMIT 1), kernel_id = 10 "
                "WHERE id = 5;"
                "UPDATE launch SET path = 9 WHERE id = 6;"
                "UPDATE spec SET hits = 0 WHERE id = 100;"
                "INSERT INTO event (session_id, t_ns, kind, text) VALUES (7, 0, 'toggle', 'x');");
  sqlite3_close (db);
  memset (&f, 0, sizeof f);
  int problems = lsc_report_check (path, collect, &f, &e);
  ck_assert_msg (problems >= 7, "%d: %s", problems, f.text);
  const char *expect[] = {
    "2 launch rows reference a missing session",
    "1 fallback launch rows have no reason",
    "launch rows have a host_ns that is not an integer",
    "1 launch rows name a spec of another kernel",
    "1 launch rows have an unknown path",
    "1 event rows reference a missing session",
    "spec 100:",
  };
  for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++)
    ck_assert_msg (strstr (f.text, expect[i]), "missing '%s' in:\n%s", expect[i], f.text);

  /* The summary copes with the same damage. */
  lsc_report *r = open_ok (path);
  lsc_report_summary *sum = lsc_report_summarize (r, &e);
  ck_assert_ptr_nonnull (sum);
  ck_assert_int_eq (sum->orphan_launches, 2);
  ck_assert_int_eq (sum->orphan_events, 1);
  ck_assert_int_eq (sum->sessions[0].paths[LSC_PATH_COUNT].launches, 1);
  lsc_report_summary_free (sum);
  lsc_report_free (r);

  /* A missing file cannot be examined at all. */
  ck_assert_int_eq (lsc_report_check (tmp_path ("nope.lsdb"), collect, &f, &e), -1);
  ck_assert_ptr_nonnull (strstr (e.message, "nope.lsdb"));
}
END_TEST

/* Every operation on a damaged file: a clear error or a result, never a crash. */
static void
exercise (const char *path)
{
  lsc_error e;
  lsc_report *r = lsc_report_open (path, LSC_REPORT_OPEN_DEFAULT, &e);
  if (!r)
    {
      ck_assert_msg (strstr (e.message, path), "%s", e.message);
      ck_assert_int_ne (e.code, LSC_ERROR_NONE);
    }
  else
    {
      lsc_report_summary *sum = lsc_report_summarize (r, &e);
      if (sum)
        {
          FILE *devnull = fopen ("/dev/null", "w");
          lsc_report_summary_write_text (sum, devnull, "/dev/null", &e);
          lsc_report_summary_write_json (sum, devnull, "/dev/null", &e);
          fclose (devnull);
          lsc_report_summary_free (sum);
        }
      else
        ck_assert_msg (strstr (e.message, path), "%s", e.message);
      lsc_export_csv (r, tmp_path ("fuzz-csv"), true, &e);
      lsc_export_trace_json (r, tmp_path ("fuzz.json"), true, &e);
      lsc_export_nsys_sqlite (r, tmp_path ("fuzz-nsys.sqlite"), true, &e);
      lsc_export_sqlite (r, tmp_path ("fuzz-copy.lsdb"), true, &e);
      lsc_report_free (r);
    }
  findings f = { 0 };
  lsc_report_check (path, collect, &f, &e);
}

static void
copy_file (const char *from, const char *to, long limit)
{
  FILE *in = fopen (from, "rb"), *out = fopen (to, "wb");
  ck_assert (in && out);
  int c;
  long n = 0;
  while ((limit < 0 || n < limit) && (c = getc (in)) != EOF)
    {
      putc (c, out);
      n++;
    }
  fclose (in);
  ck_assert_int_eq (fclose (out), 0);
}

static long
file_size (const char *path)
{
  struct stat st;
  ck_assert_int_eq (stat (path, &st), 0);
  return (long) st.st_size;
}

START_TEST (test_truncated_and_flipped)
{
  const char *good = tmp_path ("good.lsdb");
  free (build_default (good, 4000).rows);
  long size = file_size (good);
  ck_assert_int_gt (size, 40 * 4096);

  /* Truncated: refused as corrupt, naming the file. */
  const long cuts[] = { 100, 4096, 4096 * 3 + 17, size / 2, size - 4096 };
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
    {
      const char *path = tmp_path ("cut.lsdb");
      copy_file (good, path, cuts[i]);
      lsc_error e = open_fails (path);
      ck_assert_msg (e.code == LSC_ERROR_CORRUPT || e.code == LSC_ERROR_NOT_SQLITE || e.code == LSC_ERROR_SCHEMA,
                     "cut at %ld: code %d: %s", cuts[i], e.code, e.message);
      exercise (path);
    }

  /* A b-tree page with a nonsense page type. */
  const char *typed = tmp_path ("pagetype.lsdb");
  copy_file (good, typed, -1);
  int fd = open (typed, O_RDWR);
  unsigned char bad = 0x77;
  for (long page = 2; page < 8; page++)
    ck_assert_int_eq (pwrite (fd, &bad, 1, (page - 1) * 4096), 1);
  close (fd);
  lsc_error e = open_fails (typed);
  ck_assert_msg (e.code == LSC_ERROR_CORRUPT, "code %d: %s", e.code, e.message);
  ck_assert_ptr_nonnull (strstr (e.message, "corrupt"));
  findings f = { 0 };
  ck_assert_int_ge (lsc_report_check (typed, collect, &f, &e), 1);

  /* Random flips across pages: whatever happens, no crash and errors name the file. */
  rng_state = 12345;
  for (int round = 0; round < 24; round++)
    {
      const char *path = tmp_path ("flip.lsdb");
      copy_file (good, path, -1);
      fd = open (path, O_RDWR);
      long page = 1 + (long) (rnd () % (unsigned long) (size / 4096 - 1));
      for (int k = 0; k < 24; k++)
        {
          unsigned char byte = (unsigned char) rnd ();
          ck_assert_int_eq (pwrite (fd, &byte, 1, page * 4096 + (long) (rnd () % 4096)), 1);
        }
      close (fd);
      exercise (path);
    }
}
END_TEST

/* Kernel names as CUPTI gives them, mangled, shown readable; anything else left alone. */
START_TEST (test_kernel_name_demangle)
{
  char *d = lsc_kernel_name_demangle ("_Z3addPfS_i");
  ck_assert_ptr_nonnull (d);
  ck_assert_str_eq (d, "add(float*, float*, int)");
  free (d);
  ck_assert_ptr_null (lsc_kernel_name_demangle ("add_one_kernel"));
  ck_assert_ptr_null (lsc_kernel_name_demangle ("_Znot a mangled name"));
  ck_assert_ptr_null (lsc_kernel_name_demangle (NULL));
}
END_TEST

/* The one JSON string writer the CLI and the exports share: escapes, and valid UTF-8 out. */
START_TEST (test_json_write_string)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  lsc_json_write_string (f, "a\"b\\c\n\x01 GPU\xff\xc3");
  fputc (' ', f);
  lsc_json_write_string (f, NULL);
  fclose (f);
  ck_assert_str_eq (buf, "\"a\\\"b\\\\c\\n\\u0001 GPU\\ufffd\\ufffd\" null");
  free (buf);
}
END_TEST

START_TEST (test_huge_rows)
{
  const char *path = tmp_path ("huge.lsdb");
  free (build_default (path, 50).rows);
  sqlite3 *db;
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  /* 20 MiB kernel name: above the reader's 16 MiB value limit. */
  exec_sql (db, "UPDATE kernel SET name = printf('%.*c', 20971520, 'k') WHERE id = 10;"
                "UPDATE event SET text = printf('%.*c', 2097152, 'e') WHERE id = 1;");
  sqlite3_close (db);
  lsc_report *r = open_ok (path);
  lsc_error e;
  lsc_report_summary *sum = lsc_report_summarize (r, &e);
  ck_assert_ptr_null (sum);
  ck_assert_msg (strstr (e.message, path) && strstr (e.message, "too big"), "%s", e.message);
  ck_assert_int_eq (lsc_export_trace_json (r, tmp_path ("huge.json"), false, &e), -1);
  ck_assert_ptr_nonnull (strstr (e.message, path));
  ck_assert (!exists (tmp_path ("huge.json")));
  ck_assert_int_eq (count_partials (tmp_dir), 0);
  lsc_report_free (r);

  /* 2 MiB: read fine; the text table shows a cut cell. */
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  exec_sql (db, "UPDATE kernel SET name = printf('%.*c', 2097152, 'k') WHERE id = 10;"
                "UPDATE session SET workload = printf('%.*c', 300, 'w');");
  sqlite3_close (db);
  r = open_ok (path);
  sum = lsc_report_summarize (r, &e);
  ck_assert_msg (sum != NULL, "%s", e.message);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  ck_assert_int_eq (lsc_report_summary_write_text (sum, f, "memory", &e), 0);
  fclose (f);
  ck_assert_int_lt (len, 64 * 1024);
  /* Every cut is marked: the 20-column kernel cell, the 255-byte cap of the others. */
  char want[300];
  snprintf (want, sizeof want, " %.*s\xe2\x80\xa6 ", 19, "kkkkkkkkkkkkkkkkkkkkkkkkk");
  ck_assert_msg (strstr (buf, want), "no cut kernel cell in:\n%s", buf);
  /* The kernel table's name, last on its line, cut at the 255-byte cap and marked; nothing
   * longer anywhere. */
  char ks[260];
  memset (ks, 'k', sizeof ks - 1);
  ks[sizeof ks - 1] = '\0';
  snprintf (want, sizeof want, "  %.*s\xe2\x80\xa6\n", 252, ks);
  ck_assert_msg (strstr (buf, want), "no cut kernel-table name in:\n%s", buf);
  ks[253] = '\0';
  ck_assert_ptr_null (strstr (buf, ks));
  snprintf (want, sizeof want, "workload %.*s\xe2\x80\xa6,", 252,
            "wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww"
            "wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww"
            "wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww");
  ck_assert_msg (strstr (buf, want), "no cut workload in:\n%.400s", buf);
  free (buf);
  /* JSON is never cut: the name is there whole, once. */
  f = open_memstream (&buf, &len);
  ck_assert_int_eq (lsc_report_summary_write_json (sum, f, "memory", &e), 0);
  fclose (f);
  int whole = 0;
  for (const char *k = strstr (buf, "\"name\":\"k"); k; k = strstr (k + 1, "\"name\":\"k"))
    whole += strspn (k + 8, "k") == 2097152 && k[8 + 2097152] == '"';
  ck_assert_int_eq (whole, 1);
  free (buf);
  lsc_report_summary_free (sum);
  ck_assert_int_eq (lsc_export_trace_json (r, tmp_path ("big.json"), false, &e), 0);
  lsc_report_free (r);
}
END_TEST

/* ---- reports being written, or left by a dead writer ------------------------------------- */

START_TEST (test_wal_live_writer)
{
  const char *path = tmp_path ("live.lsdb");
  sqlite3 *writer = NULL;
  model m = build_report (path, (build_opts){ .launches_per_session = 700, .seed = 3, .wal = true, .stopped = false },
                          &writer);
  /* An open write transaction too: the reader sees the committed snapshot, not blocked. */
  exec_sql (writer, "BEGIN; INSERT INTO event (session_id, t_ns, kind, text) VALUES (1, 0, 'info', 'uncommitted');");
  ck_assert (exists (tmp_path ("live.lsdb-wal")));
  lsc_report *r = open_ok (path);
  ck_assert_ptr_null (lsc_report_warning (r));
  lsc_error e;
  lsc_report_summary *sum = lsc_report_summarize (r, &e);
  ck_assert_msg (sum != NULL, "%s", e.message);
  ck_assert (!sum->sessions[0].stopped);
  check_summary_against_model (sum, &m, 1);
  lsc_report_summary_free (sum);
  ck_assert_msg (lsc_export_sqlite (r, tmp_path ("live-copy.lsdb"), false, &e) == 0, "%s", e.message);
  lsc_report_free (r);
  exec_sql (writer, "COMMIT");

  /* The copy is a complete, stand-alone report. */
  r = open_ok (tmp_path ("live-copy.lsdb"));
  sum = lsc_report_summarize (r, &e);
  ck_assert_int_eq (sum->sessions[0].launches, 700);
  lsc_report_summary_free (sum);
  lsc_report_free (r);

  /* A -shm that cannot be created (in practice a read-only directory or medium; here a
   * dangling symlink, since root ignores permissions) with everything still in the -wal: a
   * clear error saying so, not "foreign file". */
  char wal_from[600], wal_to[600], shm[600];
  snprintf (wal_from, sizeof wal_from, "%s-wal", path);
  const char *ro = tmp_path ("ro.lsdb");
  snprintf (wal_to, sizeof wal_to, "%s-wal", ro);
  snprintf (shm, sizeof shm, "%s-shm", ro);
  copy_file (path, ro, -1);
  copy_file (wal_from, wal_to, -1);
  ck_assert_int_eq (symlink ("/nonexistent/dir/shm", shm), 0);
  e = open_fails (ro);
  ck_assert_int_eq (e.code, LSC_ERROR_IO);
  ck_assert_msg (strstr (e.message, "-shm cannot be created"), "%s", e.message);

  /* Checkpointed, then one more row in the -wal: opened immutable, with a warning, showing
   * the checkpointed rows. */
  exec_sql (writer, "PRAGMA wal_checkpoint(TRUNCATE);"
                    "INSERT INTO event (session_id, t_ns, kind, text) VALUES (1, 0, 'info', 'only in the wal');");
  const char *ro2 = tmp_path ("ro2.lsdb");
  snprintf (wal_to, sizeof wal_to, "%s-wal", ro2);
  snprintf (shm, sizeof shm, "%s-shm", ro2);
  copy_file (path, ro2, -1);
  copy_file (wal_from, wal_to, -1);
  ck_assert_int_eq (symlink ("/nonexistent/dir/shm", shm), 0);
  r = open_ok (ro2);
  ck_assert_ptr_nonnull (lsc_report_warning (r));
  ck_assert_ptr_nonnull (strstr (lsc_report_warning (r), "-wal"));
  sum = lsc_report_summarize (r, &e);
  ck_assert_msg (sum != NULL, "%s", e.message);
  ck_assert_int_eq (sum->sessions[0].launches, 700);
  ck_assert_int_eq (sum->sessions[0].events, 4); /* 3 built + the one committed before the checkpoint */
  lsc_report_summary_free (sum);
  lsc_report_free (r);
  sqlite3_close (writer);
  free (m.rows);
}
END_TEST

START_TEST (test_killed_writer)
{
  const char *path = tmp_path ("killed.lsdb");
  int ready[2];
  ck_assert_int_eq (pipe (ready), 0);
  pid_t pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      sqlite3 *writer = NULL;
      model m = build_report (path, (build_opts){ .launches_per_session = 900, .seed = 5, .wal = true }, &writer);
      (void) m;
      sqlite3_exec (writer, "BEGIN; INSERT INTO event (session_id, t_ns, kind, text) VALUES (1, 0, 'info', 'lost');",
                    NULL, NULL, NULL);
      if (write (ready[1], "x", 1) != 1)
        _exit (1);
      for (;;)
        pause ();
    }
  char c;
  ck_assert_int_eq (read (ready[0], &c, 1), 1);
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  close (ready[0]);
  close (ready[1]);

  lsc_report *r = open_ok (path);
  lsc_error e;
  lsc_report_summary *sum = lsc_report_summarize (r, &e);
  ck_assert_msg (sum != NULL, "%s", e.message);
  ck_assert (!sum->sessions[0].stopped);
  ck_assert_int_eq (sum->sessions[0].launches, 900);
  ck_assert_int_eq (sum->sessions[0].events, 3);
  lsc_report_summary_free (sum);
  lsc_report_free (r);
  findings f = { 0 };
  ck_assert_int_eq (lsc_report_check (path, collect, &f, &e), 0);
  ck_assert_ptr_nonnull (strstr (f.text, "no stop time"));
}
END_TEST

/* ---- exports ----------------------------------------------------------------------------- */

typedef struct {
  char **fields;
  bool *null;
  int n;
} csv_row;

/* RFC 4180 reader: quoted fields, doubled quotes, CRLF; unquoted empty = NULL. */
static csv_row *
read_csv (const char *path, int *n_rows)
{
  FILE *f = fopen (path, "rb");
  ck_assert_ptr_nonnull (f);
  csv_row *rows = NULL;
  int n = 0;
  int c = getc (f);
  while (c != EOF)
    {
      rows = realloc (rows, (size_t) (n + 1) * sizeof *rows);
      csv_row *r = &rows[n++];
      memset (r, 0, sizeof *r);
      for (;;)
        {
          char *buf = NULL;
          size_t len = 0;
          FILE *fb = open_memstream (&buf, &len);
          bool quoted = c == '"';
          if (quoted)
            {
              for (c = getc (f);; c = getc (f))
                {
                  ck_assert_int_ne (c, EOF);
                  if (c == '"')
                    {
                      c = getc (f);
                      if (c != '"')
                        break;
                    }
                  putc (c, fb);
                }
            }
          else
            for (; c != ',' && c != '\r' && c != EOF; c = getc (f))
              {
                ck_assert_int_ne (c, '\n'); /* bare LF only inside quotes */
                ck_assert_int_ne (c, '"');
                putc (c, fb);
              }
          fclose (fb);
          r->fields = realloc (r->fields, (size_t) (r->n + 1) * sizeof *r->fields);
          r->null = realloc (r->null, (size_t) (r->n + 1) * sizeof *r->null);
          r->null[r->n] = !quoted && len == 0;
          r->fields[r->n++] = buf;
          if (c == ',')
            {
              c = getc (f);
              continue;
            }
          ck_assert_int_eq (c, '\r');
          ck_assert_int_eq (getc (f), '\n');
          c = getc (f);
          break;
        }
    }
  fclose (f);
  *n_rows = n;
  return rows;
}

static void
free_csv (csv_row *rows, int n)
{
  for (int i = 0; i < n; i++)
    {
      for (int j = 0; j < rows[i].n; j++)
        free (rows[i].fields[j]);
      free (rows[i].fields);
      free (rows[i].null);
    }
  free (rows);
}

static int
column_index (const csv_row *header, const char *name)
{
  for (int i = 0; i < header->n; i++)
    if (strcmp (header->fields[i], name) == 0)
      return i;
  ck_abort_msg ("no column %s", name);
  return -1;
}

/* Replaces the first occurrence of from in schema (which it frees). */
static char *
edit_schema (char *schema, const char *from, const char *to)
{
  const char *at = strstr (schema, from);
  ck_assert_msg (at != NULL, "'%s' not in the schema", from);
  size_t n = strlen (schema) - strlen (from) + strlen (to) + 1;
  char *s = malloc (n);
  snprintf (s, n, "%.*s%s%s", (int) (at - schema), schema, to, at + strlen (from));
  free (schema);
  return s;
}

/* A version-2 report's schema (before the launch configuration, api_call and the launch's
 * function and parameter key), built from today's. */
static char *
schema_version2 (void)
{
  char *s = schema_with ("  , stream INTEGER, grid_x INTEGER, grid_y INTEGER, grid_z INTEGER, block_x INTEGER\n"
                         "  , block_y INTEGER, block_z INTEGER, shared_mem INTEGER, captured INTEGER NOT NULL DEFAULT 0\n"
                         "  , function INTEGER, param_key INTEGER, params INTEGER\n",
                         "");
  char *table = strstr (s, "CREATE TABLE api_call (");
  ck_assert_ptr_nonnull (table);
  char *end = strstr (table, ");\n");
  memmove (table, end + 3, strlen (end + 3) + 1);
  return s;
}

/* The spec table of a version-1 report (before spec.waits), built from today's schema. */
static char *
schema_version1 (void)
{
  return edit_schema (schema_version2 (), "  waits INTEGER NOT NULL DEFAULT 0, -- since version 2: racers on a new spec\n", "");
}

/* A version-1 report opens, summarizes, checks and exports as before: its waits read 0 and its
 * misses are what it stored.  A version-2 report must have spec.waits. */
START_TEST (test_version1_report)
{
  const char *path = tmp_path ("v1.lsdb");
  char *schema = schema_version1 ();
  model m = build_report (path, (build_opts){ .launches_per_session = 600, .stopped = true, .schema_sql = schema,
                                              .version = 1 },
                          NULL);
  lsc_report *r = open_ok (path);
  lsc_error e;
  lsc_report_summary *sum = lsc_report_summarize (r, &e);
  ck_assert_msg (sum != NULL, "%s", e.message);
  ck_assert_int_eq (sum->schema_version, 1);
  check_summary_against_model (sum, &m, 1);
  ck_assert_uint_gt (sum->sessions[0].n_specs, 0);
  for (size_t j = 0; j < sum->sessions[0].n_specs; j++)
    {
      const lsc_spec_summary *sp = &sum->sessions[0].specs[j];
      char sql[128];
      snprintf (sql, sizeof sql, "SELECT misses FROM spec WHERE id = %" PRId64, sp->id);
      sqlite3 *db;
      ck_assert_int_eq (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
      ck_assert_int_eq (sp->misses, query_int (db, sql));
      sqlite3_close (db);
      ck_assert_int_eq (sp->waits, 0);
    }
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  ck_assert_int_eq (lsc_report_summary_write_json (sum, f, "memory", &e), 0);
  ck_assert_int_eq (lsc_report_summary_write_text (sum, f, "memory", &e), 0);
  fclose (f);
  ck_assert_msg (strstr (buf, "\"waits\"") && strstr (buf, "waits"), "%s", buf);
  free (buf);
  lsc_report_summary_free (sum);

  findings fs = { 0 };
  ck_assert_int_eq (lsc_report_check (path, collect, &fs, &e), 0);
  ck_assert_msg (fs.problems == 0, "%s", fs.text);

  const char *dir = tmp_path ("v1-csv");
  ck_assert_msg (lsc_export_csv (r, dir, false, &e) == 0, "%s", e.message);
  char file[600];
  snprintf (file, sizeof file, "%s/spec.csv", dir);
  int n;
  csv_row *rows = read_csv (file, &n);
  ck_assert_int_eq (n - 1, (int) (SPECS_PER_KERNEL * KERNELS_PER_SESSION));
  column_index (&rows[0], "misses");
  for (int i = 0; i < rows[0].n; i++)
    ck_assert_str_ne (rows[0].fields[i], "waits");
  free_csv (rows, n);
  lsc_report_free (r);
  free (m.rows);

  /* version 2 without the column is not Launchscope's */
  const char *broken = tmp_path ("v2-without-waits.lsdb");
  free (build_report (broken, (build_opts){ .launches_per_session = 10, .stopped = true, .schema_sql = schema }, NULL)
          .rows);
  free (schema);
  e = open_fails (broken);
  ck_assert_int_eq (e.code, LSC_ERROR_SCHEMA);
  ck_assert_msg (strstr (e.message, "column spec.waits is missing"), "%s", e.message);
}
END_TEST

/* A version-2 report opens, summarizes, checks and exports: its launches have no configuration
 * and it has no api_call table.  A version-3 report must have both. */
START_TEST (test_version2_report)
{
  const char *path = tmp_path ("v2.lsdb");
  char *schema = schema_version2 ();
  ck_assert_ptr_null (strstr (schema, "api_call"));
  model m = build_report (path, (build_opts){ .launches_per_session = 300, .stopped = true, .schema_sql = schema,
                                              .version = 2 },
                          NULL);
  lsc_report *r = open_ok (path);
  lsc_error e;
  lsc_report_summary *sum = lsc_report_summarize (r, &e);
  ck_assert_msg (sum != NULL, "%s", e.message);
  ck_assert_int_eq (sum->schema_version, 2);
  check_summary_against_model (sum, &m, 1);
  lsc_report_summary_free (sum);
  findings fs = { 0 };
  ck_assert_int_eq (lsc_report_check (path, collect, &fs, &e), 0);
  ck_assert_msg (fs.problems == 0, "%s", fs.text);
  const char *dir = tmp_path ("v2-csv");
  ck_assert_msg (lsc_export_csv (r, dir, false, &e) == 0, "%s", e.message);
  char file[600];
  snprintf (file, sizeof file, "%s/launch.csv", dir);
  ck_assert (exists (file));
  snprintf (file, sizeof file, "%s/api_call.csv", dir);
  ck_assert_msg (!exists (file), "a version-2 report has no api_call table to export");
  lsc_report_free (r);
  free (m.rows);

  const char *broken = tmp_path ("v3-without-api-call.lsdb");
  free (build_report (broken, (build_opts){ .launches_per_session = 10, .stopped = true, .schema_sql = schema }, NULL)
          .rows);
  free (schema);
  e = open_fails (broken);
  ck_assert_int_eq (e.code, LSC_ERROR_SCHEMA);
  ck_assert_msg (strstr (e.message, "launch.stream is missing") || strstr (e.message, "api_call is missing"), "%s",
                 e.message);
}
END_TEST

/* The summary as report prints it, then as --json: malloc'd. */
static char *
summary_text_and_json (const lsc_report_summary *sum)
{
  char *buf = NULL;
  size_t len = 0;
  lsc_error e;
  FILE *f = open_memstream (&buf, &len);
  ck_assert_ptr_nonnull (f);
  ck_assert_int_eq (lsc_report_summary_write_text (sum, f, "memory", &e), 0);
  ck_assert_int_eq (lsc_report_summary_write_json (sum, f, "memory", &e), 0);
  fclose (f);
  return buf;
}

/* A one-session report with no launches, then sql run on it, opened and summarized. */
static lsc_report_summary *
summarize_with (const char *name, const char *sql, lsc_report **report)
{
  const char *path = tmp_path (name);
  free (build_report (path, (build_opts){ .launches_per_session = 0, .stopped = true }, NULL).rows);
  sqlite3 *db;
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  exec_sql (db, sql);
  sqlite3_close (db);
  *report = open_ok (path);
  lsc_error e;
  lsc_report_summary *sum = lsc_report_summarize (*report, &e);
  ck_assert_msg (sum != NULL, "%s", e.message);
  return sum;
}

/* The first session's kernel with this id (asserted present). */
static const lsc_kernel_summary *
kernel_summary (const lsc_report_summary *sum, int64_t id)
{
  for (size_t i = 0; i < sum->sessions[0].n_kernel_list; i++)
    if (sum->sessions[0].kernel_list[i].id == id)
      return &sum->sessions[0].kernel_list[i];
  ck_abort_msg ("no kernel %" PRId64 " in the summary", id);
  return NULL;
}

/* The first range summary named name (asserted present). */
static const lsc_range_summary *
range_summary (const lsc_report_summary *sum, const char *name)
{
  for (size_t i = 0; i < sum->n_ranges; i++)
    if (sum->ranges[i].name && strcmp (sum->ranges[i].name, name) == 0)
      return &sum->ranges[i];
  ck_abort_msg ("no range %s in the summary", name);
  return NULL;
}

/* Launches per NVTX range name: each in the innermost range open on its thread when its call
 * began (a start/end range started later counts as inner, open ones run to the end), none on a
 * thread without ranges; times summed without overflowing. */
START_TEST (test_nvtx_range_summary)
{
  char sql[2048];
  int64_t t0 = SESSION_START (1), k = kernel_id (1, 0);
  snprintf (sql, sizeof sql,
            "INSERT INTO launch (session_id, kernel_id, thread, path, outcome, start_ns, host_ns, api_start_ns, "
            "api_ns) VALUES (1, %" PRId64 ", 7, 2, 3, %" PRId64 ", 50, %" PRId64 ", 50),"
            "(1, %" PRId64 ", 7, 2, 3, %" PRId64 ", 70, %" PRId64 ", 70),"
            "(1, %" PRId64 ", 7, 2, 3, %" PRId64 ", 90, %" PRId64 ", 90),"
            "(1, %" PRId64 ", 7, 2, 3, %" PRId64 ", 30, %" PRId64 ", 30),"
            "(1, %" PRId64 ", 8, 2, 3, %" PRId64 ", 10, %" PRId64 ", 10);"
            "INSERT INTO nvtx_range (session_id, thread, domain, name, depth, start_ns, end_ns) VALUES "
            "(1, 7, NULL, 'outer', 0, %" PRId64 ", %" PRId64 "), (1, 7, NULL, 'inner', 1, %" PRId64 ", %" PRId64 "),"
            "(1, 7, 'd', 'span', NULL, %" PRId64 ", NULL),"
            "(1, 9, NULL, 'huge', 0, -9223372036854775808, 9223372036854775807)",
            k, t0 + 100, t0 + 100, k, t0 + 250, t0 + 250, k, t0 + 450, t0 + 450, k, t0 + 700, t0 + 700, k, t0 + 300,
            t0 + 300, t0, t0 + 1000, t0 + 200, t0 + 300, t0 + 400);
  lsc_report *r;
  lsc_report_summary *sum = summarize_with ("nvtx.lsdb", sql, &r);
  ck_assert_uint_eq (sum->n_ranges, 4);
  /* most time first */
  ck_assert_str_eq (sum->ranges[0].name, "huge");
  ck_assert_int_eq (sum->ranges[0].total_ns, INT64_MAX);
  ck_assert_int_eq (sum->ranges[0].launches, 0);
  const lsc_range_summary *outer = range_summary (sum, "outer"), *inner = range_summary (sum, "inner"),
                          *span = range_summary (sum, "span");
  ck_assert_ptr_eq (outer, &sum->ranges[1]);
  ck_assert (outer->ranges == 1 && outer->open == 0 && outer->total_ns == 1000 && outer->launches == 1);
  ck_assert (outer->count == 1 && outer->p50_ns == 50 && !outer->domain);
  ck_assert (inner->ranges == 1 && inner->total_ns == 100 && inner->launches == 1 && inner->p50_ns == 70);
  ck_assert_str_eq (span->domain, "d");
  ck_assert (span->ranges == 1 && span->open == 1 && span->total_ns == 0 && span->launches == 2);
  ck_assert (span->count == 2 && span->p50_ns == 30);
  char *out = summary_text_and_json (sum);
  ck_assert_ptr_nonnull (strstr (out, "  d::span\n"));
  ck_assert_ptr_nonnull (strstr (out, "{\"domain\":\"d\",\"name\":\"span\",\"ranges\":1,\"open\":1,\"total_ns\":0,"
                                      "\"launches\":2,\"count\":2,\"launch_p50_ns\":30}"));
  free (out);
  lsc_report_summary_free (sum);
  lsc_report_free (r);
}
END_TEST

/* The text names the default path "baseline", as the app and `diff` do; the JSON keeps the
 * stored name, which scripts and SQL use. */
START_TEST (test_text_names_baseline)
{
  char sql[512];
  int64_t t0 = SESSION_START (1), k = kernel_id (1, 0);
  snprintf (sql, sizeof sql,
            "INSERT INTO launch (session_id, kernel_id, thread, path, outcome, start_ns, host_ns) VALUES "
            "(1, %" PRId64 ", 7, 1, 3, %" PRId64 ", 100), (1, %" PRId64 ", 7, 0, 0, %" PRId64 ", 50)",
            k, t0 + 1000, k, t0 + 2000);
  lsc_report *r;
  lsc_report_summary *sum = summarize_with ("baseline-text.lsdb", sql, &r);
  char *out = summary_text_and_json (sum);
  ck_assert_msg (strstr (out, "\n  baseline          1 "), "%s", out);
  ck_assert_msg (!strstr (out, "\n  default "), "%s", out);
  ck_assert_msg (strstr (out, "\"default\""), "%s", out);
  free (out);
  lsc_report_summary_free (sum);
  lsc_report_free (r);
}
END_TEST

/* The gap before a launch ends at the program's previous CUDA call, a synchronisation as much
 * as a launch, so waiting for the GPU is not counted as the framework's time. */
START_TEST (test_gap_ends_at_calls)
{
  char sql[1024];
  int64_t t0 = SESSION_START (1), k = kernel_id (1, 0);
  snprintf (sql, sizeof sql,
            "INSERT INTO launch (session_id, kernel_id, thread, path, outcome, start_ns, host_ns) VALUES "
            "(1, %" PRId64 ", 7, 2, 3, %" PRId64 ", 100), (1, %" PRId64 ", 7, 2, 3, %" PRId64 ", 100),"
            "(1, %" PRId64 ", 7, 2, 3, %" PRId64 ", 100);"
            "INSERT INTO api_call (session_id, thread, kind, name, start_ns, api_ns) VALUES "
            "(1, 7, 2, 'cuStreamSynchronize', %" PRId64 ", 400), (1, 8, 3, 'cuMemcpyAsync', %" PRId64 ", 50)",
            k, t0 + 1000, k, t0 + 2000, k, t0 + 2500, t0 + 1500, t0 + 1600);
  lsc_report *r;
  lsc_report_summary *sum = summarize_with ("calls.lsdb", sql, &r);
  const lsc_session_summary *s = &sum->sessions[0];
  const lsc_kernel_summary *ks = kernel_summary (sum, k);
  /* 2000 - (1500 + 400) and 2500 - (2000 + 100); the copy was on another thread */
  ck_assert_int_eq (ks->gap_count, 2);
  ck_assert_int_eq (ks->gap_p50_ns, 100);
  ck_assert_int_eq (ks->gap_p90_ns, 400);
  ck_assert_int_eq (s->calls_by_kind[0], 1);
  ck_assert_int_eq (s->call_ns_by_kind[0], 400);
  ck_assert_int_eq (s->calls_by_kind[1], 1);
  ck_assert_int_eq (s->call_ns_by_kind[1], 50);
  ck_assert_int_eq (s->calls_by_kind[2], 0);
  char *buf = summary_text_and_json (sum);
  ck_assert_msg (strstr (buf, "between launches: 1 synchronisation (0.000 ms), 1 copy (0.000 ms)"), "%s", buf);
  ck_assert_msg (strstr (buf, "\"calls_between_launches\":{\"sync\":{\"calls\":1,\"total_ns\":400},\"copy\":"), "%s", buf);
  free (buf);
  lsc_report_summary_free (sum);
  lsc_report_free (r);
}
END_TEST

/* A runtime call (kind 5) encloses the driver call it makes: the gap before a launch still ends
 * at the previous launch or driver call, and runtime calls are not calls between launches. */
START_TEST (test_gap_ignores_runtime_calls)
{
  char sql[1536];
  int64_t t0 = SESSION_START (1), k = kernel_id (1, 0);
  snprintf (sql, sizeof sql,
            "INSERT INTO launch (session_id, kernel_id, thread, path, outcome, start_ns, host_ns) VALUES "
            "(1, %" PRId64 ", 7, 2, 3, %" PRId64 ", 100), (1, %" PRId64 ", 7, 2, 3, %" PRId64 ", 100),"
            "(1, %" PRId64 ", 7, 2, 3, %" PRId64 ", 100);"
            "INSERT INTO api_call (session_id, thread, kind, name, start_ns, api_ns) VALUES "
            "(1, 7, 5, 'cudaLaunchKernel', %" PRId64 ", 120), (1, 7, 5, 'cudaLaunchKernel', %" PRId64 ", 120),"
            "(1, 7, 5, 'cudaStreamSynchronize', %" PRId64 ", 310), (1, 7, 2, 'cuStreamSynchronize', %" PRId64 ", 300),"
            "(1, 7, 5, 'cudaLaunchKernel', %" PRId64 ", 120)",
            k, t0 + 1000, k, t0 + 2000, k, t0 + 3000, t0 + 990, t0 + 1990, t0 + 2495, t0 + 2500, t0 + 2990);
  lsc_report *r;
  lsc_report_summary *sum = summarize_with ("runtime-calls.lsdb", sql, &r);
  const lsc_session_summary *s = &sum->sessions[0];
  const lsc_kernel_summary *ks = kernel_summary (sum, k);
  /* 2000 - (1000 + 100) and 3000 - (2500 + 300) */
  ck_assert_int_eq (ks->gap_count, 2);
  ck_assert_int_eq (ks->gap_p50_ns, 200);
  ck_assert_int_eq (ks->gap_p90_ns, 900);
  ck_assert_int_eq (s->calls_by_kind[0], 1);
  ck_assert_int_eq (s->call_ns_by_kind[0], 300);
  ck_assert_int_eq (s->calls_by_kind[1], 0);
  ck_assert_int_eq (s->calls_by_kind[2], 0);
  char *buf = summary_text_and_json (sum);
  ck_assert_msg (strstr (buf, "between launches: 1 synchronisation (0.000 ms)\n"), "%s", buf);
  free (buf);
  lsc_report_summary_free (sum);
  lsc_report_free (r);
}
END_TEST

/* Per stream from kernel activity: idle gaps between kernels, and the kernels whose launch came
 * after the stream had gone idle. */
START_TEST (test_stream_idle)
{
  lsc_report *r;
  lsc_report_summary *sum = summarize_with ("streams.lsdb", "INSERT INTO launch (session_id, thread, path, outcome, start_ns, host_ns, correlation_id, "
                "api_start_ns, api_ns) VALUES (1, 1, 2, 3, 500, 50, 101, 500, 50), (1, 1, 2, 3, 1500, 50, 102, 1500, 50),"
                "(1, 1, 2, 3, 4000, 50, 103, 4000, 50), (1, 1, 2, 3, 4100, 50, 104, 4100, 50),"
                "(1, 1, 2, 3, 6500, 50, 105, 6500, 50), (1, 1, 2, 3, 6600, 50, 106, 6600, 50);"
                "INSERT INTO gpu_activity (correlation_id, session_id, start_ns, end_ns, stream_id) VALUES "
                "(101, 1, 1000, 2000, 5), (102, 1, 2100, 3000, 5), (103, 1, 5000, 5500, 5), (104, 1, 6000, 6100, 9),"
                "(105, 1, 7000, 7100, 11), (106, 1, 10000, 10100, 11)", &r);
  const lsc_session_summary *s = &sum->sessions[0];
  ck_assert_uint_eq (s->n_streams, 3);
  const lsc_stream_summary *a = &s->streams[0], *b = &s->streams[1];
  ck_assert_int_eq (a->stream_id, 5);
  ck_assert_int_eq (a->kernels, 3);
  ck_assert_int_eq (a->idle_count, 2);
  ck_assert_int_eq (a->idle_p50_ns, 100);
  ck_assert_int_eq (a->idle_p90_ns, 2000);
  ck_assert_int_eq (a->waited_for_host, 1); /* the third: launched at 4000, after the second ended at 3000 */
  ck_assert_int_eq (a->busy_ns, 2400);
  ck_assert_int_eq (a->span_ns, 4500);
  ck_assert_int_eq (b->stream_id, 9);
  ck_assert_int_eq (b->kernels, 1);
  ck_assert_int_eq (b->idle_count, 0);
  /* launched before its predecessor ended, yet started 2.9 us after it: not queued in time */
  ck_assert_int_eq (s->streams[2].stream_id, 11);
  ck_assert_int_eq (s->streams[2].waited_for_host, 1);
  char *buf = summary_text_and_json (sum);
  ck_assert_msg (strstr (buf, "         5          3          100         2000         1 ( 50%)      53%"), "%s", buf);
  ck_assert_msg (strstr (buf, "\"streams\":[{\"stream_id\":5,\"kernels\":3,\"idle_count\":2,\"idle_p50_ns\":100"), "%s", buf);
  free (buf);
  lsc_report_summary_free (sum);
  lsc_report_free (r);
}
END_TEST

/* A launch's params answer reaches report per kernel, each kind named. */
START_TEST (test_params_answers)
{
  char sql[1024];
  int64_t k = kernel_id (1, 1);
  snprintf (sql, sizeof sql,
            "INSERT INTO launch (session_id, kernel_id, thread, path, outcome, start_ns, host_ns, function, param_key, "
            "params) VALUES (1, %" PRId64 ", 7, 2, 3, 100, 10, 11, 5, 1), (1, %" PRId64 ", 7, 2, 3, 200, 10, 12, 5, 1),"
            "(1, %" PRId64 ", 7, 2, 3, 300, 10, 12, NULL, 3), (1, %" PRId64 ", 7, 2, 3, 400, 10, 13, NULL, 4)",
            k, k, k, k);
  lsc_report *r;
  lsc_report_summary *sum = summarize_with ("answers.lsdb", sql, &r);
  const lsc_kernel_summary *ks = kernel_summary (sum, k);
  ck_assert_int_eq (ks->functions, 3);
  ck_assert_int_eq (ks->param_launches, 2);
  ck_assert_int_eq (ks->param_specs, 1);
  ck_assert_int_eq (ks->params_no_values, 1);
  ck_assert_int_eq (ks->params_not_kept, 1);
  char *buf = summary_text_and_json (sum);
  ck_assert_msg (strstr (buf, "(1 launches: parameters passed packed)  (1 launches: more functions than the recorder "
                              "keeps layouts for)"),
                 "%s", buf);
  free (buf);
  lsc_report_summary_free (sum);
  lsc_report_free (r);
}
END_TEST

/* A recorded program's launches: kernel 10 a JIT's (its function 161 came from cuModuleGetFunction),
 * kernel 11 the runtime's; then calibration, as calibration_sql gives it. */
static void
savings_report_sql (char *sql, size_t size, const char *calibration_sql)
{
  int64_t t0 = SESSION_START (1), jit = kernel_id (1, 0), eager = kernel_id (1, 1);
  /* JIT on thread 7: host 100 each, gaps 900 and 900.  Eager on thread 8: host 200 each, gaps 300
   * and 500 (p50 300). */
  snprintf (sql, size,
            "UPDATE session SET settings = '{\"source\": \"injection\", \"pid\": 5}';"
            "INSERT INTO launch (session_id, kernel_id, thread, path, outcome, start_ns, host_ns, function) VALUES "
            "(1, %" PRId64 ", 7, 2, 3, %" PRId64 ", 100, 161), (1, %" PRId64 ", 7, 2, 3, %" PRId64 ", 100, 161),"
            "(1, %" PRId64 ", 7, 2, 3, %" PRId64 ", 100, 161),"
            "(1, %" PRId64 ", 8, 2, 3, %" PRId64 ", 200, 178), (1, %" PRId64 ", 8, 2, 3, %" PRId64 ", 200, 178),"
            "(1, %" PRId64 ", 8, 2, 3, %" PRId64 ", 200, 178);"
            "INSERT INTO module_function (session_id, function, name) VALUES (1, 161, 'add8'), (1, 999, 'unused');"
            "%s",
            jit, t0 + 1000, jit, t0 + 2000, jit, t0 + 3000, eager, t0 + 1000, eager, t0 + 1500, eager, t0 + 2200,
            calibration_sql);
}

/* The savings estimate against the model worked by hand: per launch, the fast launcher saves the
 * gap p50 less fast - raw (JIT kernels only), graphs the gap p50 plus the launch call p50 less a
 * graph node, each at least 0, times the launches. */
START_TEST (test_savings_estimate)
{
  char sql[2048];
  savings_report_sql (sql, sizeof sql,
                      "INSERT INTO calibration (session_id, name, p50_ns, low_ns, high_ns, samples) VALUES "
                      "(1, 'fast', 1500, 1450, 1550, 4000), (1, 'raw', 1200, 1180, 1220, 4000),"
                      "(1, 'graph_node', 250, 240, 260, 200)");
  lsc_report *r;
  lsc_report_summary *sum = summarize_with ("savings.lsdb", sql, &r);
  const lsc_session_summary *s = &sum->sessions[0];
  ck_assert (s->recorded_program && s->has_savings);
  ck_assert (s->has_calibration[LSC_CALIBRATION_FAST] && s->calibration[LSC_CALIBRATION_FAST].low_ns == 1450);
  ck_assert_int_eq (s->calibration[LSC_CALIBRATION_GRAPH_NODE].samples, 200);
  const lsc_kernel_summary *jit = kernel_summary (sum, kernel_id (1, 0)), *eager = kernel_summary (sum, kernel_id (1, 1));
  ck_assert_int_eq (jit->jit_launches, 3);
  ck_assert_int_eq (eager->jit_launches, 0);
  ck_assert_int_eq (jit->gap_p50_ns, 900);
  ck_assert_int_eq (eager->gap_p50_ns, 300);
  ck_assert (jit->has_fast_launcher_saving && !eager->has_fast_launcher_saving);
  ck_assert (jit->fast_launcher_saving_ns == 900 - (1500 - 1200));
  ck_assert (jit->fast_launcher_saving_total_ns == 600 * 3);
  ck_assert (jit->has_graph_saving && jit->graph_saving_ns == 900 + 100 - 250 && jit->graph_saving_total_ns == 750 * 3);
  ck_assert (eager->has_graph_saving && eager->graph_saving_ns == 300 + 200 - 250 && eager->graph_saving_total_ns == 750);
  ck_assert (s->fast_launcher_saving_total_ns == 1800 && s->fast_launcher_launches == 3);
  ck_assert (s->graph_saving_total_ns == 2250 + 750 && s->graph_launches == 6);
  char *buf = summary_text_and_json (sum);
  ck_assert_msg (strstr (buf, "           3          600 ns        0.002          750 ns        0.002  add8\n"), "%s", buf);
  ck_assert_msg (strstr (buf, "n/a (not a JIT launcher)          250 ns        0.001  tricky"), "%s", buf);
  ck_assert_msg (strstr (buf, "total: a per-spec fast launcher would save 0.002 ms over 3 JIT launches, CUDA graphs "
                              "0.003 ms over 6 launches"),
                 "%s", buf);
  ck_assert_msg (strstr (buf, "\"jit_launches\":3,\"fast_launcher_saving_ns\":600,\"fast_launcher_saving_total_ns\":1800,"
                              "\"graph_saving_ns\":750,\"graph_saving_total_ns\":2250}"),
                 "%s", buf);
  ck_assert_msg (strstr (buf, "\"jit_launches\":0,\"fast_launcher_saving_ns\":null,\"fast_launcher_saving_total_ns\":"
                              "null,\"graph_saving_ns\":250,\"graph_saving_total_ns\":750}"),
                 "%s", buf);
  ck_assert_msg (strstr (buf, "\"savings_estimate\":{\"fast_launcher_total_ns\":1800,\"fast_launcher_launches\":3,"
                              "\"graph_total_ns\":3000,\"graph_launches\":6}"),
                 "%s", buf);
  ck_assert_msg (strstr (buf, "\"calibration\":{\"fast\":{\"p50_ns\":1500,\"low_ns\":1450,\"high_ns\":1550,"
                              "\"samples\":4000},\"raw\":"),
                 "%s", buf);
  free (buf);
  lsc_report_summary_free (sum);
  lsc_report_free (r);

  /* Costs above what there is to save: floored at 0, never negative. */
  savings_report_sql (sql, sizeof sql,
                      "INSERT INTO calibration (session_id, name, p50_ns, low_ns, high_ns, samples) VALUES "
                      "(1, 'fast', 5000, 4900, 5100, 4000), (1, 'raw', 1200, 1180, 1220, 4000),"
                      "(1, 'graph_node', 2000, 1900, 2100, 200)");
  sum = summarize_with ("floored.lsdb", sql, &r);
  jit = kernel_summary (sum, kernel_id (1, 0));
  eager = kernel_summary (sum, kernel_id (1, 1));
  ck_assert (jit->has_fast_launcher_saving && jit->fast_launcher_saving_ns == 0 && jit->fast_launcher_saving_total_ns == 0);
  ck_assert (jit->graph_saving_ns == 0 && eager->graph_saving_ns == 0 && sum->sessions[0].graph_saving_total_ns == 0);
  lsc_report_summary_free (sum);
  lsc_report_free (r);
}
END_TEST

/* ---- per-kernel figures --------------------------------------------------------------------- */

/* The kernel's summary in session s of sum (any session), or a failed check. */
static const lsc_kernel_summary *
kernel_in (const lsc_report_summary *sum, int s, int64_t id)
{
  const lsc_session_summary *ss = &sum->sessions[s - 1];
  for (size_t i = 0; i < ss->n_kernel_list; i++)
    if (ss->kernel_list[i].id == id)
      return &ss->kernel_list[i];
  ck_abort_msg ("kernel %" PRId64 " missing from session %d", id, s);
  return NULL;
}

/* One kernel's figures against the model: per path its launches, errors, outcomes and nearest-
 * rank host times, its specs and their compile time (build_report: 10.25 + 11.25 + 12.25 ms), its
 * GPU times (every successful timed launch has gpu_ns 1500), and from kernel activity (every third
 * launch, on stream 7 or 13) the executions that followed another on their stream and of those the
 * ones the GPU waited for the host to launch. */
static void
check_kernel_against_model (const lsc_kernel_summary *ks, const model *m, int s, int k)
{
  int64_t *v = malloc ((m->n + 1) * sizeof *v);
  int64_t all_launches = 0, gpu = 0, followers = 0, waited = 0;
  for (int p = 0; p < LSC_PATH_COUNT; p++)
    {
      size_t n = 0;
      int64_t launches = 0, errors = 0, outcomes[4] = { 0 };
      for (size_t i = 0; i < m->n; i++)
        {
          const row *r = &m->rows[i];
          if (r->session != s || r->kernel != kernel_id (s, k) || r->path != p)
            continue;
          launches++;
          outcomes[r->outcome]++;
          if (r->status != 0)
            errors++;
          else if (r->host_ns >= 0)
            v[n++] = r->host_ns;
        }
      const lsc_path_summary *ps = &ks->paths[p];
      ck_assert_int_eq (ps->launches, launches);
      ck_assert_int_eq (ps->errors, errors);
      ck_assert_int_eq (ps->count, (int64_t) n);
      for (int o = 0; o < 4; o++)
        ck_assert_int_eq (ps->outcomes[o], outcomes[o]);
      qsort (v, n, sizeof *v, cmp_i64);
      ck_assert_int_eq (ps->p50_ns, n ? ref_rank (v, n, 50) : 0);
      ck_assert_int_eq (ps->p90_ns, n ? ref_rank (v, n, 90) : 0);
      ck_assert_int_eq (ps->p99_ns, n ? ref_rank (v, n, 99) : 0);
      all_launches += launches;
      gpu += (int64_t) n;
    }
  ck_assert_int_eq (ks->paths[LSC_PATH_COUNT].launches, 0);
  ck_assert_int_eq (ks->launches, all_launches);
  ck_assert_int_eq (ks->specs, SPECS_PER_KERNEL);
  ck_assert (fabs (ks->compile_ms - (10.25 + 11.25 + 12.25)) < 1e-9);
  ck_assert_int_eq (ks->gpu_count, gpu);
  ck_assert_int_eq (ks->gpu_p50_ns, gpu ? 1500 : 0);
  ck_assert_int_eq (ks->gpu_total_ns, 1500 * gpu);
  /* kernel activity: row i of the session ran on stream 7 (i odd) or 13 from t + 5000 to t +
   * 6500, its launch call starting at t + 100 */
  for (int stream = 0; stream < 2; stream++)
    {
      int64_t prev_end = 0;
      bool first = true;
      size_t i_session = 0;
      for (size_t i = 0; i < m->n; i++)
        {
          const row *r = &m->rows[i];
          if (r->session != s)
            continue;
          size_t idx = i_session++;
          if (idx % 3 != 0 || (int) (idx % 2) != stream)
            continue;
          int64_t start = r->start_ns + 5000, end = r->start_ns + 6500;
          if (!first && r->kernel == kernel_id (s, k))
            {
              followers++;
              waited += r->start_ns + 100 > prev_end || start - prev_end > 2000;
            }
          first = false;
          prev_end = end;
        }
    }
  ck_assert_int_eq (ks->gpu_followers, followers);
  ck_assert_int_eq (ks->waited_for_host, waited);
  free (v);
}

START_TEST (test_kernel_figures)
{
  const char *path = tmp_path ("kernels.lsdb");
  model m = build_report (path, (build_opts){ .n_sessions = 2, .launches_per_session = 3000, .seed = 7, .stopped = true },
                          NULL);
  lsc_report *r = open_ok (path);
  lsc_error e;
  lsc_report_summary *sum = lsc_report_summarize (r, &e);
  ck_assert_msg (sum != NULL, "%s", e.message);
  for (int s = 1; s <= 2; s++)
    for (int k = 0; k < KERNELS_PER_SESSION; k++)
      check_kernel_against_model (kernel_in (sum, s, kernel_id (s, k)), &m, s, k);

  /* Filtered to one kernel: its session's paths are the kernel's, every other kernel and the
   * other session have no launches, and the kernel's own figures are unchanged. */
  lsc_row_filter filter;
  lsc_row_filter_init (&filter);
  filter.kernel_id = kernel_id (2, 1);
  lsc_report_summary *one = lsc_report_summarize_filtered (r, &filter, &e);
  ck_assert_msg (one != NULL, "%s", e.message);
  const lsc_kernel_summary *ks = kernel_in (sum, 2, kernel_id (2, 1));
  check_kernel_against_model (kernel_in (one, 2, kernel_id (2, 1)), &m, 2, 1);
  ck_assert_int_eq (one->sessions[1].launches, ks->launches);
  for (int p = 0; p <= LSC_PATH_COUNT; p++)
    {
      ck_assert_int_eq (one->sessions[1].paths[p].launches, ks->paths[p].launches);
      ck_assert_int_eq (one->sessions[1].paths[p].p50_ns, ks->paths[p].p50_ns);
      ck_assert_int_eq (one->sessions[1].paths[p].p99_ns, ks->paths[p].p99_ns);
    }
  ck_assert_int_eq (one->sessions[0].launches, 0);
  ck_assert_uint_eq (one->sessions[1].n_specs, SPECS_PER_KERNEL);
  for (size_t i = 0; i < one->sessions[1].n_specs; i++)
    ck_assert_int_eq (one->sessions[1].specs[i].kernel_id, kernel_id (2, 1));
  ck_assert_int_eq (kernel_in (one, 2, kernel_id (2, 0))->launches, 0);
  ck_assert_int_eq (kernel_in (one, 1, kernel_id (1, 1))->launches, 0);
  lsc_report_summary_free (one);

  /* Filtered to one session (a process): the other session has no launches. */
  lsc_row_filter_init (&filter);
  filter.session_id = 1;
  one = lsc_report_summarize_filtered (r, &filter, &e);
  ck_assert_msg (one != NULL, "%s", e.message);
  ck_assert_int_eq (one->sessions[0].launches, sum->sessions[0].launches);
  ck_assert_int_eq (one->sessions[0].paths[0].p90_ns, sum->sessions[0].paths[0].p90_ns);
  ck_assert_int_eq (one->sessions[1].launches, 0);
  check_kernel_against_model (kernel_in (one, 1, kernel_id (1, 0)), &m, 1, 0);
  lsc_report_summary_free (one);
  lsc_report_summary_free (sum);
  lsc_report_free (r);
  free (m.rows);
}
END_TEST

/* A recorded program's kernels (savings_report_sql) filtered to one: its framework time, launch
 * call percentiles and savings are what the whole report gives it; the session's totals are its
 * own; the other kernel has none. */
START_TEST (test_kernel_figures_recorded_program)
{
  char sql[2048];
  savings_report_sql (sql, sizeof sql,
                      "INSERT INTO calibration (session_id, name, p50_ns, low_ns, high_ns, samples) VALUES "
                      "(1, 'fast', 1500, 1450, 1550, 4000), (1, 'raw', 1200, 1180, 1220, 4000),"
                      "(1, 'graph_node', 250, 240, 260, 200);"
                      /* the eager kernel's launches interleave with the JIT's on thread 7 too */
                      "UPDATE launch SET thread = 7 WHERE kernel_id = 11 AND start_ns = (SELECT max(start_ns) FROM "
                      "launch WHERE kernel_id = 11)");
  lsc_report *r;
  lsc_report_summary *sum = summarize_with ("program-kernels.lsdb", sql, &r);
  const lsc_kernel_summary *jit = kernel_summary (sum, kernel_id (1, 0));
  ck_assert_int_eq (jit->paths[2].launches, 3);
  ck_assert_int_eq (jit->paths[2].p50_ns, 100);
  ck_assert_int_eq (kernel_summary (sum, kernel_id (1, 1))->paths[2].p50_ns, 200);
  ck_assert_int_eq (jit->specs, SPECS_PER_KERNEL);

  lsc_row_filter filter;
  lsc_row_filter_init (&filter);
  filter.kernel_id = kernel_id (1, 0);
  lsc_error e;
  lsc_report_summary *one = lsc_report_summarize_filtered (r, &filter, &e);
  ck_assert_msg (one != NULL, "%s", e.message);
  const lsc_kernel_summary *only = kernel_summary (one, kernel_id (1, 0));
  ck_assert_int_eq (only->launches, jit->launches);
  ck_assert_int_eq (only->gap_count, jit->gap_count);
  ck_assert_int_eq (only->gap_p50_ns, jit->gap_p50_ns);
  ck_assert (only->has_fast_launcher_saving && only->fast_launcher_saving_ns == jit->fast_launcher_saving_ns);
  ck_assert (only->graph_saving_total_ns == jit->graph_saving_total_ns);
  ck_assert_int_eq (kernel_summary (one, kernel_id (1, 1))->launches, 0);
  ck_assert_int_eq (one->sessions[0].launches, 3);
  ck_assert (one->sessions[0].graph_saving_total_ns == jit->graph_saving_total_ns);
  ck_assert_int_eq (one->sessions[0].graph_launches, 3);
  lsc_report_summary_free (one);
  lsc_report_summary_free (sum);
  lsc_report_free (r);
}
END_TEST

/* Without calibration rows the estimate says what is missing and how to get it, and gives no
 * numbers; a session of the engine's own workload has no estimate at all. */
/* A median gap beyond 1 ms is the program's own work, not dispatch: that kernel gets no
 * estimate, and the totals leave it out. */
START_TEST (test_savings_skip_program_work)
{
  char sql[2048];
  savings_report_sql (sql, sizeof sql,
                      "INSERT INTO calibration (session_id, name, p50_ns, low_ns, high_ns, samples) VALUES "
                      "(1, 'fast', 1500, 1450, 1550, 4000), (1, 'raw', 1200, 1180, 1220, 4000),"
                      "(1, 'graph_node', 250, 240, 260, 200);"
                      "UPDATE launch SET start_ns = start_ns + 5000000 * (id - 3) WHERE thread = 8");
  lsc_report *r;
  lsc_report_summary *sum = summarize_with ("savings-work.lsdb", sql, &r);
  const lsc_session_summary *s = &sum->sessions[0];
  const lsc_kernel_summary *jit = kernel_summary (sum, kernel_id (1, 0)), *eager = kernel_summary (sum, kernel_id (1, 1));
  ck_assert_int_gt (eager->gap_p50_ns, 1000000);
  ck_assert (!eager->has_graph_saving && jit->has_graph_saving);
  ck_assert (s->graph_saving_total_ns == 2250 && s->graph_launches == 3);
  char *buf = summary_text_and_json (sum);
  ck_assert_msg (strstr (buf, "- (gap > 1 ms)"), "%s", buf);
  free (buf);
  lsc_report_summary_free (sum);
  lsc_report_free (r);
}
END_TEST

START_TEST (test_savings_without_calibration)
{
  char sql[2048];
  savings_report_sql (sql, sizeof sql,
                      "INSERT INTO calibration (session_id, name, p50_ns, low_ns, high_ns, samples) VALUES "
                      "(1, 'fast', 1500, 1450, 1550, 4000), (1, 'raw', 1200, 1180, 1220, 4000)");
  lsc_report *r;
  lsc_report_summary *sum = summarize_with ("uncalibrated.lsdb", sql, &r);
  const lsc_session_summary *s = &sum->sessions[0];
  ck_assert (s->recorded_program && !s->has_savings && !s->has_calibration[LSC_CALIBRATION_GRAPH_NODE]);
  const lsc_kernel_summary *jit = kernel_summary (sum, kernel_id (1, 0));
  ck_assert_int_eq (jit->jit_launches, 3);
  ck_assert (!jit->has_fast_launcher_saving && !jit->has_graph_saving);
  char *buf = summary_text_and_json (sum);
  ck_assert_msg (strstr (buf, "savings estimate: this report has no calibration") && strstr (buf, "--calibrate")
                   && !strstr (buf, "total: a per-spec") && !strstr (buf, "n/a (not a JIT"),
                 "%s", buf);
  ck_assert_msg (strstr (buf, "\"savings_estimate\":null") && strstr (buf, "\"fast_launcher_saving_ns\":null"), "%s", buf);
  free (buf);
  lsc_report_summary_free (sum);
  lsc_report_free (r);

  savings_report_sql (sql, sizeof sql, "UPDATE session SET settings = '{\"pid\": 5, \"workload\": \"add8\"}'");
  sum = summarize_with ("engine.lsdb", sql, &r);
  ck_assert (!sum->sessions[0].recorded_program && !sum->sessions[0].has_savings);
  buf = summary_text_and_json (sum);
  ck_assert_msg (!strstr (buf, "savings estimate"), "%s", buf);
  free (buf);
  lsc_report_summary_free (sum);
  lsc_report_free (r);
}
END_TEST

/* check reads a miss launch row as a miss or a wait. */
START_TEST (test_check_counts_waits)
{
  const char *path = tmp_path ("waits.lsdb");
  free (build_default (path, 2000).rows);
  sqlite3 *db;
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  /* build_report counts every miss row plus one: make all but that one waits */
  exec_sql (db, "UPDATE spec SET waits = misses - 1, misses = 1;");
  sqlite3_close (db);
  findings f = { 0 };
  lsc_error e;
  ck_assert_int_eq (lsc_report_check (path, collect, &f, &e), 0);
  ck_assert_msg (f.problems == 0, "%s", f.text);

  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  ck_assert_int_gt (query_int (db, "SELECT max(waits) FROM spec"), 0);
  exec_sql (db, "UPDATE spec SET waits = 0 WHERE id = (SELECT id FROM spec ORDER BY waits DESC LIMIT 1);");
  sqlite3_close (db);
  memset (&f, 0, sizeof f);
  ck_assert_int_eq (lsc_report_check (path, collect, &f, &e), 1);
  ck_assert_msg (strstr (f.text, "miss launch rows but the spec counts 1 misses and 0 waits"), "%s", f.text);
}
END_TEST

START_TEST (test_export_csv)
{
  const char *path = tmp_path ("csv.lsdb");
  model m = build_default (path, 1500);
  sqlite3 *db;
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  /* Invalid UTF-8 (a stray byte, a sequence cut short) becomes U+FFFD, quoted or not. */
  exec_sql (db, "UPDATE kernel SET entry = '', signature = NULL, config = 'bad' || x'ff' || 'cfg' || x'e282' "
                "WHERE id = 10;"
                "UPDATE session SET cpu = 'line1' || char(13, 10) || 'line2, \"x\"' || x'c0';");
  sqlite3_close (db);
  lsc_report *r = open_ok (path);
  lsc_error e;
  const char *dir = tmp_path ("csv-out");
  ck_assert_msg (lsc_export_csv (r, dir, false, &e) == 0, "%s", e.message);

  static const char *const tables[] = { "session", "kernel", "spec", "launch", "event", "gpu_activity", "api_call" };
  ck_assert_int_eq (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  for (size_t t = 0; t < 6; t++)
    {
      char file[600], sql[200];
      snprintf (file, sizeof file, "%s/%s.csv", dir, tables[t]);
      int n;
      assert_utf8_file (file);
      csv_row *rows = read_csv (file, &n);
      snprintf (sql, sizeof sql, "SELECT count(*) FROM %s", tables[t]);
      ck_assert_int_eq (n - 1, query_int (db, sql));
      snprintf (sql, sizeof sql, "SELECT count(*) FROM pragma_table_info('%s')", tables[t]);
      ck_assert_int_eq (rows[0].n, query_int (db, sql));
      for (int i = 1; i < n; i++)
        ck_assert_int_eq (rows[i].n, rows[0].n);
      if (strcmp (tables[t], "kernel") == 0)
        {
          int name = column_index (&rows[0], "name"), entry = column_index (&rows[0], "entry"),
              sig = column_index (&rows[0], "signature");
          bool seen = false;
          for (int i = 1; i < n; i++)
            if (strcmp (rows[i].fields[0], "10") == 0)
              {
                ck_assert_str_eq (rows[i].fields[name], "add8");
                ck_assert_str_eq (rows[i].fields[column_index (&rows[0], "config")],
                                  "bad\xef\xbf\xbd" "cfg\xef\xbf\xbd\xef\xbf\xbd");
                ck_assert (!rows[i].null[entry] && rows[i].fields[entry][0] == '\0');
                ck_assert (rows[i].null[sig]);
                seen = true;
              }
            else
              ck_assert_str_eq (rows[i].fields[name], kernel_names[1]);
          ck_assert (seen);
        }
      if (strcmp (tables[t], "session") == 0)
        {
          ck_assert_str_eq (rows[1].fields[column_index (&rows[0], "cpu")], "line1\r\nline2, \"x\"\xef\xbf\xbd");
          ck_assert_str_eq (rows[1].fields[column_index (&rows[0], "observer_overhead_ns")], "35.5");
        }
      if (strcmp (tables[t], "launch") == 0)
        {
          int host = column_index (&rows[0], "host_ns");
          for (int i = 1; i < n; i++)
            {
              const row *mr = &m.rows[i - 1];
              if (mr->host_ns < 0)
                ck_assert (rows[i].null[host]);
              else
                ck_assert_int_eq (strtoll (rows[i].fields[host], NULL, 10), mr->host_ns);
            }
        }
      free_csv (rows, n);
    }
  sqlite3_close (db);

  /* Existing files: refused without force, nothing touched; replaced with it. */
  ck_assert_int_eq (lsc_export_csv (r, dir, false, &e), -1);
  ck_assert_int_eq (e.code, LSC_ERROR_EXISTS);
  ck_assert_ptr_nonnull (strstr (e.message, "session.csv"));
  ck_assert_int_eq (lsc_export_csv (r, dir, true, &e), 0);
  /* A directory whose parent is missing, and a file in the way. */
  ck_assert_int_eq (lsc_export_csv (r, tmp_path ("no/such/dir"), false, &e), -1);
  ck_assert_ptr_nonnull (strstr (e.message, "no/such/dir"));
  ck_assert_int_eq (lsc_export_csv (r, path, false, &e), -1);
  ck_assert_ptr_nonnull (strstr (e.message, "not a directory"));
  ck_assert_int_eq (count_partials (dir), 0);
  lsc_report_free (r);
  free (m.rows);
}
END_TEST

START_TEST (test_export_sqlite_copy)
{
  const char *path = tmp_path ("src.lsdb");
  model m = build_default (path, 800);
  lsc_report *r = open_ok (path);
  lsc_error e;
  const char *copy = tmp_path ("copy.lsdb");
  ck_assert_msg (lsc_export_sqlite (r, copy, false, &e) == 0, "%s", e.message);
  lsc_report *c = open_ok (copy);
  lsc_report_summary *sum = lsc_report_summarize (c, &e);
  check_summary_against_model (sum, &m, 1);
  lsc_report_summary_free (sum);
  lsc_report_free (c);
  ck_assert_int_eq (lsc_export_sqlite (r, copy, false, &e), -1);
  ck_assert_int_eq (e.code, LSC_ERROR_EXISTS);
  ck_assert_ptr_nonnull (strstr (e.message, copy));
  ck_assert_int_eq (lsc_export_sqlite (r, copy, true, &e), 0);
  /* Never over the report being read, even with force. */
  ck_assert_int_eq (lsc_export_sqlite (r, path, true, &e), -1);
  ck_assert_ptr_nonnull (strstr (e.message, "it is the report being exported"));
  ck_assert_int_eq (lsc_export_trace_json (r, path, true, &e), -1);
  ck_assert_int_eq (lsc_export_nsys_sqlite (r, path, true, &e), -1);
  ck_assert_int_eq (lsc_export_sqlite (r, tmp_path ("missing-dir/c.lsdb"), false, &e), -1);
  ck_assert_ptr_nonnull (strstr (e.message, "missing-dir/c.lsdb"));
  ck_assert_int_eq (count_partials (tmp_dir), 0);
  lsc_report_free (r);
  free (m.rows);
}
END_TEST

static bool
have_jq (void)
{
  return system ("command -v jq >/dev/null 2>&1") == 0;
}

/* Runs a shell command and returns its trimmed standard output. */
static char *
capture (const char *cmd)
{
  FILE *p = popen (cmd, "r");
  ck_assert_ptr_nonnull (p);
  char *buf = calloc (1, 65536);
  size_t n = fread (buf, 1, 65535, p);
  buf[n] = '\0';
  while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
    buf[--n] = '\0';
  int rc = pclose (p);
  ck_assert_msg (rc == 0, "'%s' failed (%d): %s", cmd, rc, buf);
  return buf;
}

/* Without jq: strings closed and brackets balanced outside them. */
static void
assert_json_balanced (const char *path)
{
  FILE *f = fopen (path, "rb");
  int depth = 0, c;
  bool in_string = false, escaped = false;
  while ((c = getc (f)) != EOF)
    {
      if (in_string)
        {
          ck_assert_int_ge (c, 0x20);
          if (escaped)
            escaped = false;
          else if (c == '\\')
            escaped = true;
          else if (c == '"')
            in_string = false;
        }
      else if (c == '"')
        in_string = true;
      else if (c == '{' || c == '[')
        depth++;
      else if (c == '}' || c == ']')
        ck_assert_int_ge (--depth, 0);
    }
  fclose (f);
  ck_assert (!in_string);
  ck_assert_int_eq (depth, 0);
}

static void
jq_expect (const char *file, const char *filter, const char *want)
{
  char cmd[2048];
  snprintf (cmd, sizeof cmd, "jq -r '%s' '%s'", filter, file);
  char *got = capture (cmd);
  ck_assert_msg (strcmp (got, want) == 0, "jq %s: got '%s', want '%s'", filter, got, want);
  free (got);
}

START_TEST (test_export_json)
{
  const char *path = tmp_path ("json.lsdb");
  model m = build_report (path, (build_opts){ .n_sessions = 2, .launches_per_session = 1000, .seed = 9, .stopped = true },
                          NULL);
  sqlite3 *db;
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  /* Invalid UTF-8 and control characters must not break the JSON, nor a cut name (the trace's
   * process name keeps 200 bytes of the workload: a two-byte character straddles the cut). */
  exec_sql (db, "UPDATE session SET host = 'bad' || x'ff' || char(1) || 'host' WHERE id = 1;"
                "UPDATE session SET workload = printf('%.*c', 199, 'w') || char(233) || x'e2' WHERE id = 2;"
                "UPDATE kernel SET name = 'k' || x'f5' || x'80' WHERE id = 10;"
                "UPDATE event SET text = 'cut ' || x'f09f98' WHERE id = 1;");
  sqlite3_close (db);
  lsc_report *r = open_ok (path);
  lsc_error e;
  const char *out = tmp_path ("summary.json");
  FILE *f = fopen (out, "w");
  ck_assert_int_eq (lsc_export_json (r, f, out, &e), 0);
  fclose (f);
  assert_json_balanced (out);
  assert_utf8_file (out);
  const char *trace = tmp_path ("summary-trace.json");
  ck_assert_msg (lsc_export_trace_json (r, trace, false, &e) == 0, "%s", e.message);
  assert_json_balanced (trace);
  assert_utf8_file (trace);
  if (have_jq ())
    {
      lsc_report_summary *sum = lsc_report_summarize (r, &e);
      char want[64];
      snprintf (want, sizeof want, "%" PRId64, sum->sessions[1].paths[0].p99_ns);
      jq_expect (out, ".sessions[1].paths.fast.p99_ns", want);
      snprintf (want, sizeof want, "%" PRId64, sum->sessions[0].launches);
      jq_expect (out, ".sessions[0].launches", want);
      jq_expect (out, ".sessions | length", "2");
      jq_expect (out, ".sessions[0].host", "bad\xef\xbf\xbd\x01host");
      jq_expect (out, ".sessions[0].specs[0].p50_ns | type", "number");
      /* Specs name their kernel by id; the session names each kernel once. */
      jq_expect (out, ".sessions[1] as $s | [$s.specs[] | .kernel_id as $k | $s.kernel_list[] | select(.id == $k)] "
                      "| length",
                 "6");
      jq_expect (out, "[.sessions[1].kernel_list[] | select(.id == 20)][0].name", "add8");
      /* Every launch row names its kernel here: the kernels' launches add up to the session's. */
      jq_expect (out, "([.sessions[1].kernel_list[].launches] | add) == .sessions[1].launches", "true");
      lsc_report_summary_free (sum);
    }
  /* Disk full on a stream: a clear error naming it. */
  FILE *full = fopen ("/dev/full", "w");
  if (full)
    {
      ck_assert_int_eq (lsc_export_json (r, full, "/dev/full", &e), -1);
      ck_assert_int_eq (e.code, LSC_ERROR_IO);
      ck_assert_msg (strstr (e.message, "/dev/full") && strstr (e.message, "No space left"), "%s", e.message);
      fclose (full);
    }
  lsc_report_free (r);
  free (m.rows);
}
END_TEST

START_TEST (test_export_trace_json)
{
  const char *path = tmp_path ("trace.lsdb");
  model m = build_default (path, 600);
  lsc_report *r = open_ok (path);
  lsc_error e;
  const char *out = tmp_path ("trace.json");
  ck_assert_msg (lsc_export_trace_json (r, out, false, &e) == 0, "%s", e.message);
  assert_json_balanced (out);
  ck_assert_int_eq (lsc_export_trace_json (r, out, false, &e), -1);
  ck_assert_int_eq (e.code, LSC_ERROR_EXISTS);
  if (have_jq ())
    {
      int64_t with_api = 0;
      for (size_t i = 0; i < m.n; i++)
        with_api += m.rows[i].host_ns >= 0;
      char want[64];
      jq_expect (out, ".displayTimeUnit", "ns");
      /* A launch without a host time is an instant, with no made-up duration or host_ns. */
      snprintf (want, sizeof want, "%" PRId64, with_api);
      jq_expect (out, "[.traceEvents[] | select(.ph == \"X\" and (.cat | startswith(\"launch\")))] | length", want);
      snprintf (want, sizeof want, "%" PRId64, (int64_t) m.n - with_api);
      jq_expect (out,
                 "[.traceEvents[] | select(.ph == \"i\" and .s == \"t\" and (.cat | startswith(\"launch\")) and "
                 "(has(\"dur\") | not) and (.args | has(\"host_ns\") | not))] | length",
                 want);
      snprintf (want, sizeof want, "%" PRId64, with_api);
      jq_expect (out, "[.traceEvents[] | select(.ph == \"X\" and .cat == \"cupti\")] | length", want);
      jq_expect (out, "[.traceEvents[] | select(.ph == \"X\" and .cat == \"gpu\")] | length", "200");
      jq_expect (out, "[.traceEvents[] | select(.ph == \"i\" and .s == \"p\")] | length", "3");
      jq_expect (out, "[.traceEvents[] | select(.ph == \"M\" and .name == \"thread_name\") | .args.name] | "
                      "map(select(startswith(\"stream\"))) | sort | join(\",\")",
                 "stream 13,stream 7");
      /* µs with the ns kept: the first launch starts 1000 ns after the session. */
      jq_expect (out, "[.traceEvents[] | select(.ph == \"X\" and (.cat | startswith(\"launch\")))][0].ts", "1");
      jq_expect (out, "[.traceEvents[] | select(.ph == \"i\" and .cat == \"fallback\")][0].args.text",
                 "skip-switch: \"quoted\" \\ text");
      jq_expect (out, "[.traceEvents[] | select(.ph == \"X\" and .cat == \"gpu\")][0].dur", "1.5");
      /* Every kernel span has a name (NULL names come from the launch's kernel). */
      jq_expect (out, "[.traceEvents[] | select(.cat == \"gpu\" and (.name | length) == 0)] | length", "0");
    }
  lsc_report_free (r);
  free (m.rows);
}
END_TEST

/* The report's calls become CUDA API rows of the nsys export beside each launch's own driver row:
 * runtime calls (kind 5) of class CUDA runtime, the driver's calls of class CUDA driver, each
 * once, named in StringIds, a runtime launch enclosing its driver launch. */
START_TEST (test_export_nsys_calls)
{
  const char *path = tmp_path ("nsys-calls.lsdb");
  free (build_report (path, (build_opts){ .launches_per_session = 0, .stopped = true }, NULL).rows);
  int64_t t0 = SESSION_START (1);
  char sql[1536];
  snprintf (sql, sizeof sql,
            "INSERT INTO launch (session_id, thread, path, outcome, correlation_id, start_ns, host_ns, api_start_ns, "
            "api_ns) VALUES (1, 1005, 2, 3, 12, %" PRId64 ", 50, %" PRId64 ", 50);"
            "INSERT INTO api_call (session_id, thread, kind, name, correlation_id, start_ns, api_ns, status) VALUES "
            "(1, 1005, 5, 'cudaLaunchKernel', 11, %" PRId64 ", 80, 0),"
            "(1, 1005, 5, 'cudaStreamSynchronize', 13, %" PRId64 ", 320, 0),"
            "(1, 1005, 2, 'cuStreamSynchronize', 14, %" PRId64 ", 300, 0),"
            "(1, 1005, 5, 'cudaMalloc', 15, %" PRId64 ", 60, 2), (1, 1005, 4, 'cuMemAlloc_v2', 16, %" PRId64 ", 40, 2)",
            t0 + 1010, t0 + 1010, t0 + 1000, t0 + 2000, t0 + 2010, t0 + 3000, t0 + 3010);
  sqlite3 *db;
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  exec_sql (db, sql);
  sqlite3_close (db);
  lsc_report *r = open_ok (path);
  lsc_error e;
  const char *out = tmp_path ("nsys-calls.sqlite");
  ck_assert_msg (lsc_export_nsys_sqlite (r, out, false, &e) == 0, "%s", e.message);
  lsc_report_free (r);

  ck_assert_int_eq (sqlite3_open_v2 (out, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME"), 6);
  ck_assert_int_eq (query_int (db, "SELECT count(DISTINCT correlationId) FROM CUPTI_ACTIVITY_KIND_RUNTIME"), 6);
  char *names = query_text (db, "SELECT group_concat(c.name || ':' || s.value || ':' || r.returnValue, ',') FROM "
                                "(SELECT * FROM CUPTI_ACTIVITY_KIND_RUNTIME ORDER BY start, eventClass) r "
                                "JOIN ENUM_NSYS_EVENT_CLASS c ON c.id = r.eventClass JOIN StringIds s ON s.id = r.nameId");
  ck_assert_str_eq (names, "TRACE_PROCESS_EVENT_CUDA_RUNTIME:cudaLaunchKernel:0,"
                           "TRACE_PROCESS_EVENT_CUDA_DRIVER:cuLaunchKernel:0,"
                           "TRACE_PROCESS_EVENT_CUDA_RUNTIME:cudaStreamSynchronize:0,"
                           "TRACE_PROCESS_EVENT_CUDA_DRIVER:cuStreamSynchronize:0,"
                           "TRACE_PROCESS_EVENT_CUDA_RUNTIME:cudaMalloc:2,TRACE_PROCESS_EVENT_CUDA_DRIVER:cuMemAlloc_v2:2");
  free (names);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME r JOIN StringIds s ON "
                                   "s.id = r.nameId WHERE s.value = 'cudaLaunchKernel' AND r.start = 1000 AND "
                                   "r.end = 1080 AND r.correlationId = 11 AND r.eventClass = 0 AND r.globalTid = "
                                   "(4242 << 24 | 1005) AND r.callchainId IS NULL"),
                    1);
  /* Each runtime call encloses the driver call it made, on its thread. */
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME rt JOIN CUPTI_ACTIVITY_KIND_RUNTIME d "
                                   "ON d.globalTid = rt.globalTid AND d.eventClass = 1 AND d.start >= rt.start AND "
                                   "d.end <= rt.end WHERE rt.eventClass = 0"),
                    3);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM StringIds WHERE value LIKE 'cu%' GROUP BY value "
                                   "ORDER BY count(*) DESC LIMIT 1"),
                    1);
  sqlite3_close (db);
}
END_TEST

START_TEST (test_export_nsys_sqlite)
{
  const char *path = tmp_path ("nsys.lsdb");
  model m = build_report (path, (build_opts){ .n_sessions = 1, .launches_per_session = 900, .seed = 11, .stopped = true },
                          NULL);
  lsc_report *r = open_ok (path);
  lsc_error e;
  const char *out = tmp_path ("nsys.sqlite");
  ck_assert_msg (lsc_export_nsys_sqlite (r, out, false, &e) == 0, "%s", e.message);
  ck_assert_int_eq (lsc_export_nsys_sqlite (r, out, false, &e), -1);
  ck_assert_int_eq (e.code, LSC_ERROR_EXISTS);
  lsc_report_free (r);

  sqlite3 *db;
  ck_assert_int_eq (sqlite3_open_v2 (out, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  /* nsys's column order. */
  char *cols = query_text (db, "SELECT group_concat(name, ',') FROM pragma_table_info('CUPTI_ACTIVITY_KIND_RUNTIME')");
  ck_assert_str_eq (cols, "start,end,eventClass,globalTid,correlationId,nameId,returnValue,callchainId");
  free (cols);
  cols = query_text (db, "SELECT group_concat(name, ',') FROM pragma_table_info('CUPTI_ACTIVITY_KIND_KERNEL')");
  ck_assert_str_eq (cols, "start,end,deviceId,contextId,greenContextId,streamId,correlationId,globalPid,demangledName,"
                          "shortName,mangledName,launchType,cacheConfig,registersPerThread,gridX,gridY,gridZ,blockX,"
                          "blockY,blockZ,staticSharedMemory,dynamicSharedMemory,localMemoryPerThread,localMemoryTotal,"
                          "gridId,sharedMemoryExecuted,graphNodeId,sharedMemoryLimitConfig");
  free (cols);
  cols = query_text (db, "SELECT group_concat(name, ',') FROM pragma_table_info('TARGET_INFO_SESSION_START_TIME')");
  ck_assert_str_eq (cols, "utcEpochNs,utcTime,localTime");
  free (cols);

  /* The typical queries. */
  sqlite3_stmt *st;
  ck_assert_int_eq (sqlite3_prepare_v2 (db,
                                        "SELECT s.value, AVG(r.end - r.start), COUNT(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME r "
                                        "JOIN StringIds s ON s.id = r.nameId GROUP BY 1",
                                        -1, &st, NULL),
                    SQLITE_OK);
  ck_assert_int_eq (sqlite3_step (st), SQLITE_ROW);
  ck_assert_str_eq ((const char *) sqlite3_column_text (st, 0), "cuLaunchKernel");
  ck_assert (sqlite3_column_double (st, 1) > 0);
  ck_assert_int_eq (sqlite3_column_int64 (st, 2), (int64_t) m.n);
  ck_assert_int_eq (sqlite3_step (st), SQLITE_DONE);
  sqlite3_finalize (st);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN CUPTI_ACTIVITY_KIND_RUNTIME r "
                                   "ON r.correlationId = k.correlationId JOIN StringIds s ON s.id = k.demangledName "
                                   "JOIN StringIds sh ON sh.id = k.shortName"),
                    300);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds s "
                                   "ON s.id = k.demangledName WHERE s.value = 'add8' OR s.value LIKE 'tricky%'"),
                    300);
  /* Launch latency (kernel start - API start), the classic nsys recipe. */
  ck_assert_int_eq (query_int (db, "SELECT min(k.start - r.start) FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN "
                                   "CUPTI_ACTIVITY_KIND_RUNTIME r ON r.correlationId = k.correlationId"),
                    4900);
  ck_assert_int_eq (query_int (db, "SELECT count(DISTINCT (globalTid >> 24) & 0x00FFFFFF) FROM "
                                   "CUPTI_ACTIVITY_KIND_RUNTIME"),
                    1);
  ck_assert_int_eq (query_int (db, "SELECT (globalTid >> 24) & 0x00FFFFFF FROM CUPTI_ACTIVITY_KIND_RUNTIME LIMIT 1"), PID);
  ck_assert_int_eq (query_int (db, "SELECT min(globalTid & 0x00FFFFFF) FROM CUPTI_ACTIVITY_KIND_RUNTIME"), 1000);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME WHERE eventClass = 1"), (int64_t) m.n);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME r JOIN ENUM_NSYS_EVENT_CLASS c "
                                   "ON c.id = r.eventClass WHERE c.name = 'TRACE_PROCESS_EVENT_CUDA_DRIVER'"),
                    (int64_t) m.n);
  ck_assert_int_eq (query_int (db, "SELECT min(start) FROM CUPTI_ACTIVITY_KIND_RUNTIME"), 1100);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE globalPid = 4242 << 24"),
                    300);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM TARGET_INFO_GPU WHERE name = 'NVIDIA H100 80GB HBM3'"), 1);
  ck_assert_int_eq (query_int (db, "SELECT utcEpochNs FROM TARGET_INFO_SESSION_START_TIME"),
                    INT64_C (1795608000123456789));
  char *v = query_text (db, "SELECT value FROM META_DATA_EXPORT WHERE name = 'EXPORT_SCHEMA_VERSION'");
  ck_assert_str_eq (v, "3.16.1");
  free (v);
  /* FL_ tables join by correlationId. */
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM FL_LAUNCH f JOIN CUPTI_ACTIVITY_KIND_RUNTIME r "
                                   "ON r.correlationId = f.correlationId"),
                    (int64_t) m.n);
  int64_t fallbacks = 0;
  for (size_t i = 0; i < m.n; i++)
    fallbacks += m.rows[i].outcome == 2;
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM FL_LAUNCH WHERE outcome = 'fallback' AND reason <> 'none'"),
                    fallbacks);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM FL_SPEC"), KERNELS_PER_SESSION * SPECS_PER_KERNEL);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM FL_RAW_FLOOR WHERE rawFloorP50Ns = 2100.5 AND rawLaunches > 0"),
                    1);
  ck_assert_int_eq (query_int (db, "SELECT droppedRows FROM FL_SESSION"), 5);
  sqlite3_close (db);
  free (m.rows);
}
END_TEST

/* A name many rows share (a kernel's, a GPU's) is not repeated in full per row: the export
 * grows with the rows, each adding at most LSC_EXPORT_NAME_MAX bytes of it. */
START_TEST (test_export_bounded_names)
{
  const char *path = tmp_path ("bounded.lsdb");
  model m = build_default (path, 1000);
  sqlite3 *db;
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  /* 100 KiB names; the second one of two-byte characters after one ASCII byte, so that a
   * cut at an even byte count would split one. */
  exec_sql (db, "UPDATE kernel SET name = printf('%.*c', 102400, 'k') WHERE id = 10;"
                "UPDATE kernel SET name = 'x' || replace(printf('%.*c', 51200, 'e'), 'e', char(233)) WHERE id = 11;"
                "UPDATE session SET gpu = printf('%.*c', 102400, 'g');"
                "UPDATE gpu_activity SET device_id = rowid;"
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
                "INSERT INTO spec (id, kernel_id, key) SELECT 100000 + i, 10, 100000 + i FROM n;");
  int64_t gpu_rows = query_int (db, "SELECT count(*) FROM gpu_activity");
  int64_t gpu_rows_unnamed = query_int (db, "SELECT count(*) FROM gpu_activity WHERE name IS NULL");
  int64_t rows = (int64_t) m.n + gpu_rows + query_int (db, "SELECT count(*) FROM event") +
                 query_int (db, "SELECT count(*) FROM spec");
  sqlite3_close (db);
  lsc_report *r = open_ok (path);
  lsc_error e;
  const char *trace = tmp_path ("bounded.json"), *nsys = tmp_path ("bounded.sqlite");
  ck_assert_msg (lsc_export_trace_json (r, trace, false, &e) == 0, "%s", e.message);
  ck_assert_msg (lsc_export_nsys_sqlite (r, nsys, false, &e) == 0, "%s", e.message);
  const char *summary = tmp_path ("bounded-summary.json");
  FILE *f = fopen (summary, "w");
  ck_assert_msg (lsc_export_json (r, f, summary, &e) == 0, "%s", e.message);
  fclose (f);
  lsc_report_free (r);

  /* Each row: its fixed part (well under 2 KiB) plus one cut name. */
  long bound = (long) rows * (LSC_EXPORT_NAME_MAX + 2048);
  ck_assert_msg (file_size (trace) < bound, "trace is %ld bytes for %" PRId64 " rows", file_size (trace), rows);
  /* The nsys file holds each name once, plus the rows. */
  ck_assert_msg (file_size (nsys) < 3 * 102400 + bound, "nsys export is %ld bytes", file_size (nsys));
  /* The JSON summary, never cut, names each kernel once whatever its number of specs. */
  ck_assert_msg (file_size (summary) < 3 * 102400 + bound, "JSON summary is %ld bytes", file_size (summary));
  assert_json_balanced (trace);
  if (have_jq ())
    {
      char want[64];
      /* Every launch is named after its kernel, cut, marked, and the cut splits no character. */
      snprintf (want, sizeof want, "%zu", m.n);
      jq_expect (trace,
                 "[.traceEvents[] | select(.cat // \"\" | startswith(\"launch\")) | .name | select(endswith(\"\u2026\") and "
                 "utf8bytelength <= 1027 and (contains(\"\ufffd\") | not))] | length",
                 want);
      /* Kernel spans without a name of their own take their launch's kernel's, cut. */
      snprintf (want, sizeof want, "%" PRId64, gpu_rows_unnamed);
      jq_expect (trace, "[.traceEvents[] | select(.cat == \"gpu\") | .name | select(endswith(\"\u2026\"))] | length",
                 want);
      jq_expect (trace, "[.traceEvents[] | select(.name == \"process_name\") | .args.name | utf8bytelength <= 512] | all",
                 "true");
    }
  ck_assert_int_eq (sqlite3_open_v2 (nsys, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM StringIds WHERE length(value) > 50000"), 2);
  /* Names in full, by id. */
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM FL_LAUNCH f JOIN StringIds s ON s.id = f.kernelNameId "
                                   "WHERE length(s.value) >= 51201"),
                    (int64_t) m.n);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM FL_SPEC f JOIN StringIds s ON s.id = f.kernelNameId "
                                   "WHERE length(s.value) >= 51201"),
                    KERNELS_PER_SESSION * SPECS_PER_KERNEL + 2000);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds s "
                                   "ON s.id = k.demangledName WHERE length(s.value) >= 51201"),
                    gpu_rows_unnamed);
  /* A GPU row per device: the session's GPU name cut on each. */
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM TARGET_INFO_GPU"), gpu_rows);
  ck_assert_int_eq (query_int (db, "SELECT max(length(CAST(name AS BLOB))) FROM TARGET_INFO_GPU"),
                    LSC_EXPORT_NAME_MAX + 3);
  sqlite3_close (db);
  free (m.rows);
}
END_TEST

/* Disk full: every file export fails with an error naming the file and leaves nothing under
 * the final name (nor a temporary).  RLIMIT_FSIZE stands in for a full disk: writes past it
 * fail with EFBIG exactly as they would with ENOSPC.  Run in a child so the limit does not
 * outlive the test when Check does not fork (the valgrind setup). */
START_TEST (test_export_disk_full)
{
  const char *path = tmp_path ("full.lsdb");
  free (build_default (path, 3000).rows);
  ck_assert_int_gt (file_size (path), 256 * 1024);
  pid_t pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      signal (SIGXFSZ, SIG_IGN);
      lsc_error e;
      lsc_report *r = lsc_report_open (path, LSC_REPORT_OPEN_DEFAULT, &e);
      if (!r)
        _exit (10);
      struct rlimit lim = { 64 * 1024, 64 * 1024 };
      if (setrlimit (RLIMIT_FSIZE, &lim) != 0)
        _exit (11);
      struct {
        const char *name;
        int rc;
      } runs[4];
      runs[0].name = tmp_path ("full-copy.lsdb");
      runs[0].rc = lsc_export_sqlite (r, runs[0].name, false, &e);
      if (runs[0].rc == 0 || !strstr (e.message, runs[0].name))
        _exit (20);
      runs[1].name = tmp_path ("full-trace.json");
      runs[1].rc = lsc_export_trace_json (r, runs[1].name, false, &e);
      if (runs[1].rc == 0 || !strstr (e.message, runs[1].name))
        _exit (21);
      runs[2].name = tmp_path ("full-nsys.sqlite");
      runs[2].rc = lsc_export_nsys_sqlite (r, runs[2].name, false, &e);
      if (runs[2].rc == 0 || !strstr (e.message, runs[2].name))
        _exit (22);
      runs[3].name = tmp_path ("full-csv/launch.csv");
      runs[3].rc = lsc_export_csv (r, tmp_path ("full-csv"), false, &e);
      if (runs[3].rc == 0 || !strstr (e.message, runs[3].name))
        _exit (23);
      for (int i = 0; i < 4; i++)
        if (exists (runs[i].name))
          _exit (30 + i);
      if (count_partials (tmp_dir) || count_partials (tmp_path ("full-csv")))
        _exit (40);
      lsc_report_free (r);
      _exit (0);
    }
  int status = 0;
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "child status %d (exit %d)", status,
                 WIFEXITED (status) ? WEXITSTATUS (status) : -1);
  /* The CSV files that fit are complete; the one that did not is absent. */
  ck_assert (exists (tmp_path ("full-csv/session.csv")));
  ck_assert (!exists (tmp_path ("full-csv/launch.csv")));
}
END_TEST

/* ---- the recorder's own output reads back ------------------------------------------------ */

START_TEST (test_recorder_round_trip)
{
  const char *path = tmp_path ("recorded.lsdb");
  char cache[600];
  snprintf (cache, sizeof cache, "%s/cache", tmp_dir);
  setenv ("XDG_CACHE_HOME", cache, 1);
  fl_test_driver_install ();
  ck_assert_int_eq (fl_use_device (0), FL_OK);
  const fl_driver *d = fl_driver_get ();
  CUdeviceptr bufs[3];
  for (int i = 0; i < 3; i++)
    ck_assert_int_eq (d->cuMemAlloc (&bufs[i], 68 * sizeof (float)), CUDA_SUCCESS);
  fl_kernel *kernel;
  fl_bound_kernel *bound;
  ck_assert_int_eq (fl_workload_add_kernel (3, &kernel), FL_OK);
  ck_assert_int_eq (fl_bound_kernel_new (kernel, NULL, &bound), FL_OK);
  lsc_recorder *rec = NULL;
  char err[512] = "";
  lsc_recorder_options o = { .path = path, .workload = "add3", .settings_json = "{\"pid\": 77}" };
  ck_assert_msg (lsc_recorder_start (&o, &rec, err, sizeof err) == 0, "%s", err);
  ck_assert_int_eq (lsc_recorder_add_kernel (rec, bound, "test"), 0);
  for (int i = 0; i < 2000; i++)
    {
      if (i == 1000)
        fl_knob_set_skip_fast (true);
      if (i == 1500)
        fl_knob_set_skip_fast (false);
      fl_arg args[4] = { FL_PTR (bufs[0]), FL_PTR (bufs[1]), FL_PTR (bufs[2]), FL_INT (64) };
      ck_assert_int_eq (fl_launch (bound, (fl_grid){ 1, 1, 1 }, NULL, args, 4, NULL), FL_OK);
    }
  ck_assert_msg (lsc_recorder_stop (rec, NULL, err, sizeof err) == 0, "%s", err);

  findings f = { 0 };
  lsc_error e;
  ck_assert_msg (lsc_report_check (path, collect, &f, &e) == 0, "%s", f.text);
  lsc_report *r = open_ok (path);
  lsc_report_summary *sum = lsc_report_summarize (r, &e);
  ck_assert_msg (sum != NULL, "%s", e.message);
  ck_assert_uint_eq (sum->n_sessions, 1);
  ck_assert (sum->sessions[0].stopped);
  ck_assert_int_eq (sum->sessions[0].launches, 2000);
  ck_assert_int_eq (sum->sessions[0].fallbacks_by_reason[3], 500); /* skip-switch */
  ck_assert_int_eq (sum->sessions[0].pid, 77);
  lsc_report_summary_free (sum);
  ck_assert_int_eq (lsc_export_nsys_sqlite (r, tmp_path ("recorded.sqlite"), false, &e), 0);
  ck_assert_int_eq (lsc_export_trace_json (r, tmp_path ("recorded.json"), false, &e), 0);
  ck_assert_int_eq (lsc_export_csv (r, tmp_path ("recorded-csv"), false, &e), 0);
  lsc_report_free (r);
  assert_json_balanced (tmp_path ("recorded.json"));
  fl_bound_kernel_free (bound);
  fl_kernel_free (kernel);
}
END_TEST

/* ---- launchscope-cli report / export / check ------------------------------------------- */

static int
run_cli (const char *args, const char *redirect)
{
  char cmd[2048];
  snprintf (cmd, sizeof cmd, "'%s' %s %s", cli_path, args, redirect ? redirect : ">/dev/null 2>&1");
  int status = system (cmd);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

START_TEST (test_cli)
{
  if (!cli_path)
    return;
  const char *path = tmp_path ("cli.lsdb");
  free (build_default (path, 400).rows);
  char args[1024];
  /* Usage errors: 2. */
  ck_assert_int_eq (run_cli ("report", NULL), 2);
  ck_assert_int_eq (run_cli ("report --bogus x", NULL), 2);
  ck_assert_int_eq (run_cli ("check", NULL), 2);
  ck_assert_int_eq (run_cli ("export", NULL), 2);
  snprintf (args, sizeof args, "export '%s'", path);
  ck_assert_int_eq (run_cli (args, NULL), 2);
  snprintf (args, sizeof args, "report '%s' '%s'", path, path);
  ck_assert_int_eq (run_cli (args, NULL), 2);
  ck_assert_int_eq (run_cli ("report --help", NULL), 0);
  ck_assert_int_eq (run_cli ("export --help", NULL), 0);
  ck_assert_int_eq (run_cli ("check --help", NULL), 0);
  /* Runtime errors: 1, naming the file. */
  char missing[600];
  snprintf (missing, sizeof missing, "report '%s'", tmp_path ("missing.lsdb"));
  ck_assert_int_eq (run_cli (missing, NULL), 1);
  snprintf (args, sizeof args, "%s 2>&1 | grep -q missing.lsdb", missing);
  ck_assert_int_eq (run_cli (args, ""), 0);
  /* Success. */
  snprintf (args, sizeof args, "report '%s'", path);
  ck_assert_int_eq (run_cli (args, NULL), 0);
  snprintf (args, sizeof args, "report --json '%s'", path);
  ck_assert_int_eq (run_cli (args, have_jq () ? "| jq -e '.sessions[0].launches == 400' >/dev/null" : NULL), 0);
  snprintf (args, sizeof args, "check '%s'", path);
  ck_assert_int_eq (run_cli (args, NULL), 0);
  snprintf (args, sizeof args, "export '%s' --sqlite '%s' --trace-json '%s' --nsys-sqlite '%s' --csv '%s'", path,
            tmp_path ("c.lsdb"), tmp_path ("c.json"), tmp_path ("c.sqlite"), tmp_path ("c-csv"));
  ck_assert_int_eq (run_cli (args, NULL), 0);
  ck_assert_int_eq (run_cli (args, NULL), 1); /* exists, no --force */
  snprintf (args, sizeof args, "export --force '%s' --sqlite '%s'", path, tmp_path ("c.lsdb"));
  ck_assert_int_eq (run_cli (args, NULL), 0);
  snprintf (args, sizeof args, "export '%s' --json", path);
  ck_assert_int_eq (run_cli (args, ">/dev/full 2>/dev/null"), 1);
  ck_assert_int_eq (run_cli (args, have_jq () ? "| jq -e '.sessions | length == 1' >/dev/null" : NULL), 0);
  /* check: problems → 1. */
  sqlite3 *db;
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  exec_sql (db, "UPDATE launch SET session_id = 5 WHERE id = 1");
  sqlite3_close (db);
  snprintf (args, sizeof args, "check '%s'", path);
  ck_assert_int_eq (run_cli (args, NULL), 1);
  snprintf (args, sizeof args, "check '%s' | grep -q 'reference a missing session'", path);
  ck_assert_int_eq (run_cli (args, ""), 0);
  snprintf (args, sizeof args, "check '%s'", tmp_path ("missing.lsdb"));
  ck_assert_int_eq (run_cli (args, NULL), 1);
  /* A file that cannot be read is a problem like the others: on standard output, same form. */
  snprintf (args, sizeof args, "check '%s' 2>/dev/null | grep -q '^%s: problem: .*No such file'",
            tmp_path ("missing.lsdb"), tmp_path ("missing.lsdb"));
  ck_assert_int_eq (run_cli (args, ""), 0);
  snprintf (args, sizeof args, "check '%s' 2>/dev/null | grep -q '^%s: 1 problem$'", tmp_path ("missing.lsdb"),
            tmp_path ("missing.lsdb"));
  ck_assert_int_eq (run_cli (args, ""), 0);
  snprintf (args, sizeof args, "check '%s' 2>&1 >/dev/null | grep -q .", tmp_path ("missing.lsdb"));
  ck_assert_int_eq (run_cli (args, ""), 1);
}
END_TEST

static Suite *
reports_suite (void)
{
  Suite *s = suite_create ("reports");
  TCase *tc = tcase_create ("reports");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_summary_percentiles);
  tcase_add_test (tc, test_kernel_figures);
  tcase_add_test (tc, test_kernel_figures_recorded_program);
  tcase_add_test (tc, test_percentile_index);
  tcase_add_test (tc, test_rows_filter_sort);
  tcase_add_test (tc, test_rows_fetch_and_scan);
  tcase_add_test (tc, test_names_match_engine);
  tcase_add_test (tc, test_summary_output);
  tcase_add_test (tc, test_not_sqlite);
  tcase_add_test (tc, test_foreign_and_versions);
  tcase_add_test (tc, test_hostile_schema);
  tcase_add_test (tc, test_hostile_views_and_triggers);
  tcase_add_test (tc, test_check);
  tcase_add_test (tc, test_truncated_and_flipped);
  tcase_add_test (tc, test_huge_rows);
  tcase_add_test (tc, test_kernel_name_demangle);
  tcase_add_test (tc, test_json_write_string);
  tcase_add_test (tc, test_wal_live_writer);
  tcase_add_test (tc, test_killed_writer);
  tcase_add_test (tc, test_export_csv);
  tcase_add_test (tc, test_version1_report);
  tcase_add_test (tc, test_version2_report);
  tcase_add_test (tc, test_gap_ends_at_calls);
  tcase_add_test (tc, test_nvtx_range_summary);
  tcase_add_test (tc, test_text_names_baseline);
  tcase_add_test (tc, test_gap_ignores_runtime_calls);
  tcase_add_test (tc, test_stream_idle);
  tcase_add_test (tc, test_params_answers);
  tcase_add_test (tc, test_savings_estimate);
  tcase_add_test (tc, test_savings_skip_program_work);
  tcase_add_test (tc, test_savings_without_calibration);
  tcase_add_test (tc, test_check_counts_waits);
  tcase_add_test (tc, test_export_sqlite_copy);
  tcase_add_test (tc, test_export_json);
  tcase_add_test (tc, test_export_trace_json);
  tcase_add_test (tc, test_export_nsys_sqlite);
  tcase_add_test (tc, test_export_nsys_calls);
  tcase_add_test (tc, test_export_bounded_names);
  tcase_add_test (tc, test_export_disk_full);
  tcase_add_test (tc, test_recorder_round_trip);
  tcase_add_test (tc, test_cli);
  suite_add_tcase (s, tc);
  return s;
}

int
main (int argc, char **argv)
{
  cli_path = argc > 1 ? argv[1] : NULL;
  SRunner *sr = srunner_create (reports_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
