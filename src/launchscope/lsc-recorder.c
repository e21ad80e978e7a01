/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-recorder.c — a recording session: start (lock, target checks, session row, CUPTI and
 * the engine sink wired to the rings), kernel registration, statistics, and stop (closing facts,
 * indices, and the rescue of a report whose name was taken from under it).
 *
 * The launching threads' side is lsc-recorder-push.c, the writer thread lsc-recorder-writer.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fastlaunch-driver.h"
#include "fastlaunch.h"
#include "lsc-cupti.h"
#include "lsc-file.h"
#include "lsc-host.h"
#include "lsc-recorder-private.h"
#include "lsc-schema.h"

static _Atomic (lsc_recorder *) lsc__active;
static atomic_uint_fast64_t lsc__serial_counter;

void
lsc__set_err (char *err, size_t size, const char *fmt, ...)
{
  if (!err || !size)
    return;
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (err, size, fmt, ap);
  va_end (ap);
}

/* The program's cudaProfilerStart / cudaProfilerStop, on its thread. */
static void
lsc__on_range (bool open, void *user_data)
{
  lsc_recorder_note (user_data, "info",
                     open ? "capture range opened (cudaProfilerStart): launches recorded from here"
                          : "capture range closed (cudaProfilerStop): launches after this are not recorded");
}

/* Starts CUPTI in mode (CUPTI must be stopped); true when it runs as asked. */
static bool
lsc__cupti_switch (lsc_recorder *rec, lsc_cupti_mode mode)
{
  /* A recorded program's calls between launches explain its gaps; the engine's own sessions
   * have none worth their callbacks. */
  lsc_cupti_sinks sinks = { .api = lsc__on_cupti_api, .kernel = lsc__on_cupti_kernel, .user_data = rec,
                            .calls = rec->foreign_process, .params = rec->params, .runtime = rec->runtime_api,
                            .range = rec->profiler_range ? lsc__on_range : NULL,
                            .function = rec->foreign_process ? lsc__on_cupti_function : NULL };
  char status[256];
  bool ok = false;
  if (mode == LSC_CUPTI_OFF)
    {
      snprintf (status, sizeof status, "off");
      ok = true;
    }
  else if (!fl_driver_ready () && !rec->foreign_process)
    snprintf (status, sizeof status, "off: no CUDA driver");
  else
    ok = lsc_cupti_start (rec->cupti_library, mode == LSC_CUPTI_ACTIVITY, &sinks, status, sizeof status)
         == LSC_CUPTI_OK;
  pthread_mutex_lock (&rec->lock);
  snprintf (rec->cupti_status, sizeof rec->cupti_status, "%s", status);
  pthread_mutex_unlock (&rec->lock);
  return ok;
}

static void
lsc__cpu_model (char *buf, size_t size)
{
  char model[200];
  lsc_host_cpu_model (model, sizeof model);
  snprintf (buf, size, "%s (%ld cores)", model, sysconf (_SC_NPROCESSORS_ONLN));
}

static void
lsc__gpu_name (char *buf, size_t size)
{
  const fl_driver *d = fl_driver_get ();
  snprintf (buf, size, "none (no CUDA driver)");
  if (!d)
    return;
  int count = 0;
  d->cuDeviceGetCount (&count);
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < count && used < size; i++)
    {
      char name[256] = "?";
      CUdevice dev;
      if (d->cuDeviceGet (&dev, i) == CUDA_SUCCESS)
        d->cuDeviceGetName (name, sizeof name, dev);
      int n = snprintf (buf + used, size - used, "%s%d: %s", i ? "; " : "", i, name);
      used += n > 0 ? (size_t) n : 0;
    }
}

/* A report is written in place (a killed recording must still open, and the app shows a report
 * as it grows), so the target and the side files SQLite opens beside it must be regular files
 * or absent; only an existing report is replaced, and only when asked. */
static int
lsc__check_target (const lsc_recorder_options *o, char *err, size_t err_size)
{
  char name[4200], kind[64];
  snprintf (name, sizeof name, "%s", o->path);
  if (!lsc__file_replaceable (name, kind, sizeof kind)
      || !lsc__side_files_replaceable (o->path, name, sizeof name, kind, sizeof kind))
    {
      lsc__set_err (err, err_size, "cannot record into %s: %s is %s, not a regular file (refused even with --force)",
                    o->path, name, kind);
      return -1;
    }
  struct stat st;
  if (stat (o->path, &st) != 0)
    return 0;
  if (!o->overwrite)
    {
      lsc__set_err (err, err_size, "%s already exists (use --force to overwrite it)", o->path);
      return -1;
    }
  for (size_t i = 0; i <= LSC__SIDE_FILES; i++)
    {
      snprintf (name, sizeof name, "%s%s", o->path, i ? lsc__side_suffixes[i - 1] : "");
      if (unlink (name) != 0 && errno != ENOENT)
        {
          lsc__set_err (err, err_size, "cannot replace %s: removing %s: %s", o->path, name, strerror (errno));
          return -1;
        }
    }
  return 0;
}

int
lsc_recorder_start (const lsc_recorder_options *o, lsc_recorder **out, char *err, size_t err_size)
{
  if (out)
    *out = NULL;
  if (!o || !o->path || !out)
    {
      lsc__set_err (err, err_size, "recorder: no report path given");
      return -1;
    }
  if (atomic_load (&lsc__active))
    {
      lsc__set_err (err, err_size, "%s: another recording is already running in this process", o->path);
      return -1;
    }
  /* The lock first: until it is ours, another recorder may be writing this report, and
   * nothing here may touch it, --force or not. */
  lsc_file_lock *file_lock = lsc__file_lock_acquire (o->path, err, err_size);
  if (!file_lock)
    return -1;
  if (lsc__check_target (o, err, err_size) != 0)
    {
      lsc__file_lock_release (file_lock);
      return -1;
    }

  lsc_recorder *rec = calloc (1, sizeof *rec);
  if (!rec || !(rec->path = strdup (o->path)))
    {
      free (rec);
      lsc__file_lock_release (file_lock);
      lsc__set_err (err, err_size, "%s: out of memory", o->path);
      return -1;
    }
  rec->file_lock = file_lock;
  unsigned cap = o->ring_records ? o->ring_records : 65536;
  rec->ring_capacity = 64;
  while (rec->ring_capacity < cap)
    rec->ring_capacity <<= 1;
  rec->batch_rows = o->batch_rows ? o->batch_rows : 16384;
  rec->serial = atomic_fetch_add (&lsc__serial_counter, 1) + 1;
  pthread_mutex_init (&rec->lock, NULL);
  pthread_mutex_init (&rec->db_lock, NULL);
  /* The thread that starts a recording usually launches too: its ring is ready before the first
   * launch (a failure here is retried by that launch). */
  lsc__ring_create_for_thread (rec);

  if (lsc__report_create (rec, o, err, err_size) != 0)
    goto fail;

  /* The session row. */
  char host[256] = "?", cpu[256], gpu[1024], nvrtc[32], wall[64];
  struct utsname u;
  if (uname (&u) == 0)
    snprintf (host, sizeof host, "%s (%s %s)", u.nodename, u.sysname, u.release);
  lsc__cpu_model (cpu, sizeof cpu);
  if (o->foreign_process)
    snprintf (gpu, sizeof gpu, "unknown (read when the recording stops)");
  else
    lsc__gpu_name (gpu, sizeof gpu);
  int nv_major = 0, nv_minor = 0;
  fl_nvrtc_version (&nv_major, &nv_minor);
  snprintf (nvrtc, sizeof nvrtc, "%d.%d", nv_major, nv_minor);
  time_t now = time (NULL);
  struct tm tm;
  gmtime_r (&now, &tm);
  strftime (wall, sizeof wall, "%Y-%m-%dT%H:%M:%SZ", &tm);
  rec->start_ns = lsc__now_ns ();

  /* CUPTI before the sink, so the first launch is already seen. */
  static const char *const mode_names[] = { "off", "callbacks", "activity" };
  rec->cupti_library = o->cupti_library ? strdup (o->cupti_library) : NULL;
  rec->foreign_process = o->foreign_process;
  rec->max_launches = o->max_launches;
  rec->params = o->params;
  rec->profiler_range = o->profiler_range;
  rec->runtime_api = o->runtime_api;
  /* A capture range recorded from the program's cudaProfilerStart: closed until then. */
  if (lsc__cupti_switch (rec, o->cupti) && o->profiler_range)
    lsc_cupti_set_gate (false);

  sqlite3_stmt *ins = NULL;
  int rc;
  if (!lsc__prepare (rec,
                     "INSERT INTO session (host, gpu, driver_version, toolkit, nvrtc, cpu, settings, workload, start_ns, "
                     "start_wall, cupti_mode, cupti_status, observer_overhead_ns) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     &ins))
    {
      lsc__set_err (err, err_size, "%s: %s", o->path, sqlite3_errmsg (rec->db));
      goto fail_cupti;
    }
  char toolkit[32];
  snprintf (toolkit, sizeof toolkit, "CUDA %d.%d (headers)", CUDA_VERSION / 1000, (CUDA_VERSION % 1000) / 10);
  sqlite3_bind_text (ins, 1, host, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (ins, 2, gpu, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (ins, 3, fl_driver_version ());
  sqlite3_bind_text (ins, 4, toolkit, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (ins, 5, nvrtc, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (ins, 6, cpu, -1, SQLITE_TRANSIENT);
  if (o->settings_json)
    sqlite3_bind_text (ins, 7, o->settings_json, -1, SQLITE_TRANSIENT);
  if (o->workload)
    sqlite3_bind_text (ins, 8, o->workload, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (ins, 9, (int64_t) rec->start_ns);
  sqlite3_bind_text (ins, 10, wall, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (ins, 11, mode_names[o->cupti <= LSC_CUPTI_ACTIVITY ? o->cupti : 0], -1, SQLITE_STATIC);
  sqlite3_bind_text (ins, 12, rec->cupti_status, -1, SQLITE_TRANSIENT);
  sqlite3_bind_double (ins, 13, lsc_recorder_measure_push_ns ());
  rc = sqlite3_step (ins);
  sqlite3_finalize (ins);
  if (rc != SQLITE_DONE)
    {
      lsc__set_err (err, err_size, "%s: cannot write the session row: %s", o->path, sqlite3_errmsg (rec->db));
      goto fail_cupti;
    }
  rec->session_id = sqlite3_last_insert_rowid (rec->db);

  if (!lsc__writer_prepare (rec))
    {
      lsc__set_err (err, err_size, "%s: %s", o->path, sqlite3_errmsg (rec->db));
      goto fail_cupti;
    }

  if (pthread_create (&rec->writer, NULL, lsc__writer_main, rec) != 0)
    {
      lsc__set_err (err, err_size, "%s: cannot start the writer thread", o->path);
      goto fail_cupti;
    }
  atomic_store (&lsc__active, rec);
  rec->sink.emit = lsc__on_engine_event;
  rec->sink.user_data = rec;
  rec->probe_sink = (fl_event_sink){ .emit = lsc__on_probe_event, .user_data = rec };
  fl_event_sink_set (&rec->sink);
  if (o->profiler_range)
    lsc_recorder_note (rec, "info", "waiting for the program's cudaProfilerStart: nothing recorded until then");
  *out = rec;
  return 0;

fail_cupti:
  lsc_cupti_stop ();
fail:
  free (rec->cupti_library);
  lsc__free_writer_state (rec);
  sqlite3_close (rec->db);
  for (lsc__ring *r = rec->rings, *next; r; r = next)
    {
      next = r->next;
      lsc__ring_free (r);
    }
  pthread_mutex_destroy (&rec->lock);
  pthread_mutex_destroy (&rec->db_lock);
  lsc__file_lock_release (rec->file_lock);
  free (rec->path);
  free (rec);
  return -1;
}

int
lsc_recorder_add_kernel (lsc_recorder *rec, const fl_bound_kernel *bound, const char *config_text)
{
  if (!rec || !bound)
    return -1;
  lsc_recorder_attach_thread (rec); /* kernels are registered on the thread that will launch them, mostly */
  const fl_kernel *k = fl_bound_kernel_kernel (bound);
  const fl_signature *sig = fl_kernel_signature (k);
  char signature[FL_MAX_ARGS * 12] = "";
  size_t used = 0;
  for (unsigned i = 0; sig && i < sig->n_args && used < sizeof signature; i++)
    {
      int n = snprintf (signature + used, sizeof signature - used, "%s%s", i ? ", " : "", fl_type_name (sig->types[i]));
      used += n > 0 ? (size_t) n : 0;
    }
  /* The writer thread uses the same connection: hold the recorder lock so the kernel row and
   * the registry entry appear together, before any launch of this kernel is drained. */
  pthread_mutex_lock (&rec->db_lock);
  pthread_mutex_lock (&rec->lock);
  int rc = -1;
  sqlite3_stmt *st = NULL;
  unsigned n = atomic_load (&rec->n_kernels);
  if (n == LSC__MAX_KERNELS)
    goto out;
  if (sqlite3_prepare_v2 (rec->db, "INSERT INTO kernel (session_id, name, entry, signature, config) VALUES (?,?,?,?,?)",
                          -1, &st, NULL)
      != SQLITE_OK)
    goto out;
  sqlite3_bind_int64 (st, 1, rec->session_id);
  sqlite3_bind_text (st, 2, fl_kernel_name (k), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 3, fl_kernel_entry (k), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 4, signature, -1, SQLITE_TRANSIENT);
  if (config_text)
    sqlite3_bind_text (st, 5, config_text, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (st) == SQLITE_DONE)
    {
      rec->kernels[n].bound = bound;
      rec->kernels[n].id = sqlite3_last_insert_rowid (rec->db);
      rec->kernels[n].last_reason = FL_FALLBACK_NONE;
      atomic_store_explicit (&rec->n_kernels, n + 1, memory_order_release);
      rc = 0;
    }
out:
  sqlite3_finalize (st);
  pthread_mutex_unlock (&rec->lock);
  pthread_mutex_unlock (&rec->db_lock);
  return rc;
}

void
lsc_recorder_forget_inherited (lsc_recorder *rec)
{
  if (rec)
    lsc__file_lock_drop_inherited (rec->file_lock);
}

void
lsc_recorder_set_raw_floor (lsc_recorder *rec, double p50_ns)
{
  if (!rec)
    return;
  pthread_mutex_lock (&rec->lock);
  rec->raw_floor_p50 = p50_ns;
  rec->have_raw_floor = true;
  pthread_mutex_unlock (&rec->lock);
}

void
lsc_recorder_set_engine_events (lsc_recorder *rec, bool on)
{
  if (rec)
    fl_event_sink_set (on ? &rec->sink : NULL);
}

void
lsc_recorder_get_stats (lsc_recorder *rec, lsc_recorder_stats *out)
{
  memset (out, 0, sizeof *out);
  if (!rec)
    return;
  out->rows_written = atomic_load (&rec->rows_written);
  out->rows_lost = atomic_load (&rec->rows_lost);
  out->batches = atomic_load (&rec->batches);
  out->launches_beyond = atomic_load (&rec->launches_beyond);
  pthread_mutex_lock (&rec->lock);
  out->rows_dropped = atomic_load (&rec->dropped_no_ring);
  for (lsc__ring *r = rec->rings; r; r = r->next)
    out->rows_dropped += atomic_load (&r->dropped);
  snprintf (out->cupti_status, sizeof out->cupti_status, "%s", rec->cupti_status);
  snprintf (out->error, sizeof out->error, "%s", rec->error);
  pthread_mutex_unlock (&rec->lock);
}

/* The report's name was taken from under the recording: copy what this recorder wrote (all of it
 * is still in the file it holds open) to a new name beside it, REPORT.recovered-PID.lsdb, and
 * leave whatever is at the old name alone. */
static void
lsc__rescue (lsc_recorder *rec, char *err, size_t err_size)
{
  /* Closing a WAL database deletes its -wal by name: that name may be another report's now. */
  int persist = 1;
  sqlite3_file_control (rec->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  size_t n = strlen (rec->path) + 64;
  char *rescue = malloc (n);
  if (!rescue)
    {
      lsc__set_err (err, err_size, "%s was removed or replaced while it was being recorded, and what was recorded "
                    "could not be saved: out of memory", rec->path);
      return;
    }
  size_t stem = strlen (rec->path);
  if (stem > 5 && strcmp (rec->path + stem - 5, ".lsdb") == 0)
    stem -= 5;
  snprintf (rescue, n, "%.*s.recovered-%ld.lsdb", (int) stem, rec->path, (long) getpid ());
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2 (rec->db, "VACUUM INTO ?", -1, &st, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (st, 1, rescue, -1, SQLITE_STATIC);
      rc = sqlite3_step (st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (rec->db);
    }
  if (rc == SQLITE_OK)
    lsc__set_err (err, err_size,
                  "%s was removed or replaced while it was being recorded: the %" PRIu64
                  " rows recorded were saved to %s instead",
                  rec->path, (uint64_t) atomic_load (&rec->rows_written), rescue);
  else
    lsc__set_err (err, err_size,
                  "%s was removed or replaced while it was being recorded, and saving what was recorded to %s "
                  "failed: %s",
                  rec->path, rescue, sqlite3_errmsg (rec->db));
  sqlite3_finalize (st);
  free (rescue);
}

int
lsc_recorder_stop (lsc_recorder *rec, lsc_recorder_stats *final_stats, char *err, size_t err_size)
{
  if (!rec)
    return -1;
  fl_event_sink_set (NULL);
  bool cupti_was_running = lsc_cupti_running ();
  bool detached = lsc_cupti_stop (); /* flushes the last kernel records into the rings */
  if (cupti_was_running)
    lsc_recorder_note (rec, "info",
                       detached ? "CUPTI detached from the process (cuptiFinalize): launches no longer pay for it"
                                : "CUPTI unsubscribed but still attached (cuptiFinalize unavailable or not reached): "
                                  "launches in this process may stay slower");
  atomic_store (&rec->stopping, true);
  pthread_join (rec->writer, NULL);

  lsc_recorder_stats stats;
  lsc_recorder_get_stats (rec, &stats);
  int result = atomic_load (&rec->writer_failed) ? -1 : 0;

  /* Closing facts; a report whose writes failed still gets them if the disk allows. */
  char sql[1024];
  snprintf (sql, sizeof sql,
            "UPDATE session SET stop_ns = %" PRIu64 ", dropped_rows = %" PRIu64 " WHERE id = %" PRId64 ";",
            lsc__now_ns (), stats.rows_dropped + stats.rows_lost, rec->session_id);
  bool closed = lsc__exec (rec, sql);
  if (rec->foreign_process && fl_driver_load_without_nvrtc () == FL_OK)
    {
      /* The program's driver is initialised by now: the facts its start could not read. */
      char gpu[1024];
      lsc__gpu_name (gpu, sizeof gpu);
      sqlite3_stmt *st = NULL;
      if (sqlite3_prepare_v2 (rec->db, "UPDATE session SET gpu = ?, driver_version = ? WHERE id = ?", -1, &st, NULL)
          == SQLITE_OK)
        {
          sqlite3_bind_text (st, 1, gpu, -1, SQLITE_TRANSIENT);
          sqlite3_bind_int (st, 2, fl_driver_version ());
          sqlite3_bind_int64 (st, 3, rec->session_id);
          closed = sqlite3_step (st) == SQLITE_DONE && closed;
        }
      sqlite3_finalize (st);
    }
  if (rec->have_raw_floor)
    {
      snprintf (sql, sizeof sql, "UPDATE session SET raw_floor_p50_ns = %.1f WHERE id = %" PRId64 ";",
                rec->raw_floor_p50, rec->session_id);
      closed = lsc__exec (rec, sql) && closed;
    }
  /* Join kernel execution times to launches, and build the indices the app's queries use (built
   * here rather than up front, so inserts while recording stay cheap). */
  closed = lsc__exec (rec, "UPDATE launch SET gpu_start_ns = g.start_ns, gpu_ns = g.end_ns - g.start_ns "
                           "FROM gpu_activity g WHERE launch.correlation_id = g.correlation_id;")
           && closed;
  closed = lsc__exec (rec, LSC_SCHEMA_INDEX_SQL) && closed;
  if (!closed && result == 0)
    {
      lsc__writer_fail (rec, "closing the session");
      result = -1;
    }
  lsc__exec (rec, "PRAGMA wal_checkpoint(TRUNCATE);");
  bool lost = !lsc__file_still_ours (rec);
  if (lost)
    {
      lsc__rescue (rec, err, err_size);
      result = -1;
    }
  else
    {
      /* A finished report is one file: copied alone it loses nothing, and readers (read-only, as
       * reports from elsewhere are opened) leave no -wal/-shm beside it.  Where another
       * connection still has it open (the app's live view) it stays in WAL mode, which is
       * harmless. */
      lsc__exec (rec, "PRAGMA journal_mode=DELETE;");
    }
  if (result != 0 && !lost)
    lsc__set_err (err, err_size, "%s", rec->error);
  lsc_recorder_get_stats (rec, &stats);
  if (final_stats)
    *final_stats = stats;

  lsc__free_writer_state (rec);
  if (sqlite3_close (rec->db) != SQLITE_OK && result == 0)
    {
      lsc__set_err (err, err_size, "%s: closing the report failed", rec->path);
      result = -1;
    }
  if (lost && access (rec->path, F_OK) != 0)
    {
      /* Nothing is at the report's name any more: the -wal and -shm there are ours, now stale. */
      char side[4200];
      for (size_t i = 0; i < LSC__SIDE_FILES; i++)
        {
          snprintf (side, sizeof side, "%s%s", rec->path, lsc__side_suffixes[i]);
          unlink (side);
        }
    }
  lsc__file_lock_release (rec->file_lock);
  for (lsc__ring *r = rec->rings, *next; r; r = next)
    {
      next = r->next;
      lsc__ring_free (r);
    }
  atomic_store (&lsc__active, NULL);
  pthread_mutex_destroy (&rec->lock);
  pthread_mutex_destroy (&rec->db_lock);
  free (rec->specs);
  free (rec->cupti_library);
  free (rec->path);
  free (rec);
  return result;
}
