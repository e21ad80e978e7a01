/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-recorder-writer.c — the writer thread that fills the recorder's report.
 *
 * One writer thread drains the rings in batches, one transaction per batch, and keeps per-spec
 * counters (the report file and the statements it uses: lsc-recorder-report.c).  A failed write (disk full) keeps the committed batches intact
 * and counts everything after as lost, with the error kept for lsc_recorder_stop().
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cupti_driver_cbid.h>
#include <sqlite3.h>

#include "fastlaunch.h"
#include "lsc-file.h"
#include "lsc-params.h"
#include "lsc-recorder-private.h"
#include "lsc-schema.h"

/* ---- writer thread -------------------------------------------------------------------------- */

void
lsc__writer_fail (lsc_recorder *rec, const char *what)
{
  if (atomic_exchange (&rec->writer_failed, true))
    return;
  int code = sqlite3_extended_errcode (rec->db);
  pthread_mutex_lock (&rec->lock);
  snprintf (rec->error, sizeof rec->error, "%s: %s failed: %s%s", rec->path, what, sqlite3_errmsg (rec->db),
            (code & 0xff) == SQLITE_FULL ? " (the disk or the report's size limit is full; rows committed before "
                                           "this point are intact)"
                                         : "");
  pthread_mutex_unlock (&rec->lock);
}

bool
lsc__exec (lsc_recorder *rec, const char *sql)
{
  char *msg = NULL;
  int rc = sqlite3_exec (rec->db, sql, NULL, NULL, &msg);
  sqlite3_free (msg);
  return rc == SQLITE_OK;
}

static int64_t
lsc__kernel_id (lsc_recorder *rec, const void *bound, lsc__kernel **out)
{
  /* Entries are published before the count (release), and never move. */
  unsigned n = atomic_load_explicit (&rec->n_kernels, memory_order_acquire);
  for (unsigned i = n; i-- > 0;)
    if (rec->kernels[i].bound == bound)
      {
        *out = &rec->kernels[i];
        return rec->kernels[i].id;
      }
  *out = NULL;
  return 0;
}

static lsc__spec *
lsc__spec_get (lsc_recorder *rec, int64_t kernel_id, const void *bound, uint64_t key, uint64_t t_ns)
{
  if (rec->spec_count * 2 >= rec->spec_cap)
    {
      unsigned cap = rec->spec_cap ? rec->spec_cap * 2 : 256;
      lsc__spec *ns = calloc (cap, sizeof *ns);
      if (!ns)
        return NULL;
      for (unsigned i = 0; i < rec->spec_cap; i++)
        if (rec->specs[i].used)
          {
            unsigned j = (unsigned) ((rec->specs[i].key * 0x9e3779b97f4a7c15ull + (uint64_t) rec->specs[i].kernel_id)
                                     & (cap - 1));
            while (ns[j].used)
              j = (j + 1) & (cap - 1);
            ns[j] = rec->specs[i];
          }
      free (rec->specs);
      rec->specs = ns;
      rec->spec_cap = cap;
    }
  unsigned j = (unsigned) ((key * 0x9e3779b97f4a7c15ull + (uint64_t) kernel_id) & (rec->spec_cap - 1));
  while (rec->specs[j].used && !(rec->specs[j].kernel_id == kernel_id && rec->specs[j].key == key))
    j = (j + 1) & (rec->spec_cap - 1);
  lsc__spec *s = &rec->specs[j];
  if (s->used)
    return s;

  /* A new spec row, decoded for people reading the report. */
  char desc[512] = "", align[FL_MAX_ARGS + 1] = "", classes[FL_MAX_ARGS + 1] = "";
  const fl_signature *sig = bound ? fl_kernel_signature (fl_bound_kernel_kernel (bound)) : NULL;
  if (bound)
    fl_spec_key_describe (bound, key, desc, sizeof desc);
  if (sig)
    {
      unsigned np = 0, ni = 0, n_ptr = 0;
      for (unsigned i = 0; i < sig->n_args; i++)
        n_ptr += sig->types[i] <= FL_TYPE_PTR_LAST;
      for (unsigned i = 0; i < sig->n_args; i++)
        {
          fl_type t = sig->types[i];
          if (t <= FL_TYPE_PTR_LAST)
            {
              align[np] = ((key >> np) & 1) ? 'A' : 'U';
              np++;
            }
          else if (t >= FL_TYPE_I8 && t <= FL_TYPE_U64)
            {
              unsigned c = (unsigned) ((key >> (n_ptr + 2 * ni)) & 3);
              classes[ni++] = c == FL_INT_CLASS_ONE ? '1' : c == FL_INT_CLASS_DIV16 ? 'D' : 'O';
            }
        }
      align[np] = classes[ni] = '\0';
    }
  static const char *const instr[] = { "none", "lineinfo", "?", "?" };
  sqlite3_stmt *st = rec->ins_spec;
  sqlite3_reset (st);
  sqlite3_bind_int64 (st, 1, kernel_id);
  sqlite3_bind_int64 (st, 2, (int64_t) key);
  sqlite3_bind_text (st, 3, desc, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 4, align, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 5, classes, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (st, 6, (int) ((key >> FL_KEY_DEBUG_BIT) & 1));
  sqlite3_bind_text (st, 7, instr[(key >> FL_KEY_INSTR_SHIFT) & 3], -1, SQLITE_STATIC);
  sqlite3_bind_int (st, 8, (int) ((key >> FL_KEY_HOOK_BIT) & 1));
  sqlite3_bind_int64 (st, 9, (int64_t) t_ns);
  if (sqlite3_step (st) != SQLITE_DONE)
    {
      lsc__writer_fail (rec, "inserting a spec row");
      return NULL;
    }
  s->used = true;
  s->kernel_id = kernel_id;
  s->key = key;
  s->id = sqlite3_last_insert_rowid (rec->db);
  s->first_ns = t_ns;
  rec->spec_count++;
  return s;
}

static void
lsc__write_event (lsc_recorder *rec, uint64_t t_ns, const char *kind, int64_t kernel_id, const char *text)
{
  sqlite3_stmt *st = rec->ins_event;
  sqlite3_reset (st);
  sqlite3_bind_int64 (st, 1, rec->session_id);
  sqlite3_bind_int64 (st, 2, (int64_t) t_ns);
  sqlite3_bind_text (st, 3, kind, -1, SQLITE_STATIC);
  if (kernel_id)
    sqlite3_bind_int64 (st, 4, kernel_id);
  else
    sqlite3_bind_null (st, 4);
  sqlite3_bind_text (st, 5, text, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (st) != SQLITE_DONE)
    lsc__writer_fail (rec, "inserting an event row");
}

/* Launch rows; stages is NULL without stage times. */
/* Binds the ten columns every launch row has, from values and a NULL mask, at 1 + first. */
static void
lsc__bind_lean (sqlite3_stmt *st, int first, const int64_t *v, unsigned nulls)
{
  for (int c = 0; c < LSC__LEAN_COLS; c++)
    if (nulls & (1u << c))
      sqlite3_bind_null (st, first + c + 1);
    else
      sqlite3_bind_int64 (st, first + c + 1, v[c]);
}

/* Writes the waiting lean rows: LSC__MANY in one statement when there are that many, else one
 * by one (a partial batch before a commit or another launch row). */
static void
lsc__flush_many (lsc_recorder *rec)
{
  if (rec->n_many == 0)
    return;
  if (rec->n_many == LSC__MANY)
    {
      sqlite3_stmt *st = rec->ins_launch_many;
      sqlite3_reset (st);
      for (unsigned i = 0; i < LSC__MANY; i++)
        lsc__bind_lean (st, (int) i * LSC__LEAN_COLS, rec->many[i], rec->many_nulls[i]);
      if (sqlite3_step (st) != SQLITE_DONE)
        lsc__writer_fail (rec, "inserting launch rows");
    }
  else
    for (unsigned i = 0; i < rec->n_many; i++)
      {
        sqlite3_stmt *st = rec->ins_launch_lean;
        sqlite3_reset (st);
        lsc__bind_lean (st, 0, rec->many[i], rec->many_nulls[i]);
        if (sqlite3_step (st) != SQLITE_DONE)
          {
            /* SQLite may have rolled the whole transaction back (SQLITE_FULL): a row inserted
             * after this would commit on its own while the batch is counted as lost. */
            lsc__writer_fail (rec, "inserting a launch row");
            break;
          }
      }
  rec->n_many = 0;
}

/* Launch rows; stages and config may be NULL (no stage times, no configuration seen), the
 * CUPTI fields come with r. */
static void
lsc__write_launch (lsc_recorder *rec, const lsc__ring *ring, const lsc__rec *r, const uint32_t *stages,
                   const lsc__launch_config *config, int64_t kernel_id, int64_t spec_id)
{
  bool api = r->aux & LSC__LAUNCH_API;
  const int64_t v[LSC__LEAN_COLS] = { rec->session_id, kernel_id, spec_id, ring->tid, r->path, r->outcome,
                                      r->reason, r->status, (int64_t) r->start_ns, (int64_t) r->host_ns };
  /* A raw or graph row's host time is its API time, which is a measurement even at 0 ns (two
   * clock reads within one tick): NULL only where the exit was never read, as api_ns. */
  bool timed = r->host_ns || (api && r->path >= FL_PATH_RAW && !(r->aux & LSC__LAUNCH_API_NO_END));
  const unsigned nulls = (kernel_id ? 0 : 1u << 1) | (spec_id ? 0 : 1u << 2) | (timed ? 0 : 1u << 9);
  /* Most rows have neither stage times nor a CUPTI record: they wait for a many-row INSERT. */
  if (!stages && !api)
    {
      memcpy (rec->many[rec->n_many], v, sizeof v);
      rec->many_nulls[rec->n_many] = (uint16_t) nulls;
      if (++rec->n_many == LSC__MANY)
        lsc__flush_many (rec);
      return;
    }
  lsc__flush_many (rec);
  sqlite3_stmt *st = rec->ins_launch;
  sqlite3_reset (st);
  lsc__bind_lean (st, 0, v, nulls);
  for (unsigned i = 0; i < FL_STAGE_COUNT; i++)
    if (stages)
      sqlite3_bind_int64 (st, 11 + (int) i, stages[i]);
    else
      sqlite3_bind_null (st, 11 + (int) i);
  if (api)
    {
      sqlite3_bind_int64 (st, 19, r->correlation_id);
      sqlite3_bind_int64 (st, 20, (int64_t) r->u.launch.api_start_ns);
      if (r->aux & LSC__LAUNCH_API_NO_END)
        sqlite3_bind_null (st, 21);
      else
        sqlite3_bind_int64 (st, 21, (int64_t) r->u.launch.api_ns);
    }
  else
    for (int i = 19; i <= 21; i++)
      sqlite3_bind_null (st, i);
  if (config)
    {
      const uint32_t dims[] = { config->grid[0],  config->grid[1],  config->grid[2],     config->block[0],
                                config->block[1], config->block[2], config->shared_mem };
      sqlite3_bind_int64 (st, 22, (int64_t) config->stream);
      for (int i = 0; i < 7; i++)
        sqlite3_bind_int64 (st, 23 + i, dims[i]);
      sqlite3_bind_int (st, 30, config->captured != 0);
      sqlite3_bind_int64 (st, 31, (int64_t) config->function);
      if (config->params == 1 + LSC_PARAMS_OK)
        sqlite3_bind_int64 (st, 32, (int64_t) config->param_key);
      else
        sqlite3_bind_null (st, 32);
      if (config->params)
        sqlite3_bind_int (st, 33, config->params);
      else
        sqlite3_bind_null (st, 33);
    }
  else
    {
      for (int i = 22; i <= 29; i++)
        sqlite3_bind_null (st, i);
      sqlite3_bind_int (st, 30, 0);
      for (int i = 31; i <= 33; i++)
        sqlite3_bind_null (st, i);
    }
  if (sqlite3_step (st) != SQLITE_DONE)
    lsc__writer_fail (rec, "inserting a launch row");
}

static uint64_t
lsc__name_hash (const char *name)
{
  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *) name; *p; p++)
    h = (h ^ *p) * 0x100000001b3ull;
  return h;
}

/* The table entry for name, added the first time (NULL only when out of memory).  Entries do
 * not move, so a ring's table can point at them. */
static struct lsc__named_kernel *
lsc__named_kernel (lsc_recorder *rec, const char *name)
{
  if (rec->named_count + 1 > rec->named_cap / 2)
    {
      unsigned cap = rec->named_cap ? rec->named_cap * 2 : 64;
      struct lsc__named_kernel **grown = calloc (cap, sizeof *grown);
      if (!grown)
        return NULL;
      for (unsigned i = 0; i < rec->named_cap; i++)
        if (rec->named[i])
          {
            unsigned j = (unsigned) lsc__name_hash (rec->named[i]->name) & (cap - 1);
            while (grown[j])
              j = (j + 1) & (cap - 1);
            grown[j] = rec->named[i];
          }
      free (rec->named);
      rec->named = grown;
      rec->named_cap = cap;
    }
  unsigned j = (unsigned) lsc__name_hash (name) & (rec->named_cap - 1);
  for (; rec->named[j]; j = (j + 1) & (rec->named_cap - 1))
    if (strcmp (rec->named[j]->name, name) == 0)
      return rec->named[j];
  size_t size = strlen (name) + 1;
  struct lsc__named_kernel *named = malloc (sizeof *named + size);
  if (!named)
    return NULL;
  named->id = 0;
  memcpy (named->name, name, size);
  rec->named[j] = named;
  rec->named_count++;
  return named;
}

/* A SYMBOL record: its name, gathered from the slots after it, becomes the ring's table entry. */
static void
lsc__take_symbol (lsc_recorder *rec, lsc__ring *ring, uint64_t tail)
{
  const lsc__rec *r = &ring->slots[tail & ring->mask].rec;
  char name[LSC__SYMBOL_MAX + 1];
  size_t len = r->host_ns <= LSC__SYMBOL_MAX ? (size_t) r->host_ns : LSC__SYMBOL_MAX;
  for (size_t at = 0; at < len; at += sizeof (lsc__slot))
    memcpy (name + at, ring->slots[(tail + 1 + at / sizeof (lsc__slot)) & ring->mask].bytes,
            len - at < sizeof (lsc__slot) ? len - at : sizeof (lsc__slot));
  name[len] = '\0';
  struct lsc__named_kernel *named = lsc__named_kernel (rec, name);
  unsigned index = r->aux % LSC__SYMBOLS;
  ring->writer_symbols[index].serial = named ? (uint32_t) r->key : 0;
  ring->writer_symbols[index].kernel = named;
}

/* The kernel row of the name an API record's tag refers to, made the first time a launch needs
 * it: a kernel the engine did not launch (nothing is known of it but its name), or a raw launch
 * of one of the engine's modules (CUPTI knows its entry point, not which bound kernel it came
 * from).  0 when the record has no name. */
static int64_t
lsc__api_kernel_id (lsc_recorder *rec, const lsc__ring *ring, uint64_t tag)
{
  unsigned index = (unsigned) (tag & (LSC__SYMBOLS - 1));
  uint32_t serial = (uint32_t) (tag >> 3);
  if (!serial || ring->writer_symbols[index].serial != serial)
    return 0;
  struct lsc__named_kernel *named = ring->writer_symbols[index].kernel;
  if (!named->id)
    {
      sqlite3_stmt *st = rec->ins_named_kernel;
      sqlite3_reset (st);
      sqlite3_bind_int64 (st, 1, rec->session_id);
      sqlite3_bind_text (st, 2, named->name, -1, SQLITE_STATIC);
      if (sqlite3_step (st) != SQLITE_DONE)
        {
          lsc__writer_fail (rec, "inserting a kernel row");
          return 0;
        }
      named->id = sqlite3_last_insert_rowid (rec->db);
    }
  return named->id;
}

/* A CUPTI API record no engine launch claimed (raw cuLaunchKernel, another library): its own row,
 * with the kernel CUPTI named. */
static void
lsc__write_raw_launch (lsc_recorder *rec, const lsc__ring *ring, const lsc__rec *api, const lsc__launch_config *config)
{
  lsc__rec raw = *api;
  raw.path = api->aux == CUPTI_DRIVER_TRACE_CBID_cuGraphLaunch || api->aux == CUPTI_DRIVER_TRACE_CBID_cuGraphLaunch_ptsz
                 ? FL_PATH_GRAPH
                 : FL_PATH_RAW;
  raw.outcome = FL_OUTCOME_DEFAULT;
  raw.reason = 0;
  /* Made inside an engine launch (from a hook) but not the one it claimed: its exit was not
   * stamped. */
  raw.aux = LSC__LAUNCH_API | (api->reason & LSC__API_IN_ENGINE ? LSC__LAUNCH_API_NO_END : 0);
  lsc__write_launch (rec, ring, &raw, NULL, config, lsc__api_kernel_id (rec, ring, api->key), 0);
}

static char **
lsc__rec_text (lsc__rec *r)
{
  switch (r->type)
    {
    case LSC__REC_COMPILE:
    case LSC__REC_ERROR:
    case LSC__REC_NOTE:
    case LSC__REC_FUNCTION:
      return &r->u.event.text;
    case LSC__REC_GPU:
      return &r->u.gpu.text;
    default:
      return NULL;
    }
}

/* Slots a record takes in its ring. */
static unsigned
lsc__rec_slots (const lsc__rec *r)
{
  if (r->type == LSC__REC_SYMBOL || r->type == LSC__REC_RANGE)
    return lsc__symbol_slots (r->host_ns);
  if (r->type == LSC__REC_LAUNCH && (r->aux & LSC__LAUNCH_STAGES))
    return 2;
  return r->type == LSC__REC_API && (r->reason & LSC__API_CONFIG) ? 2 : 1;
}

/* A synchronisation, copy, allocation or runtime call's row. */
static void
lsc__write_call (lsc_recorder *rec, const lsc__ring *ring, const lsc__rec *r)
{
  sqlite3_stmt *st = rec->ins_call;
  sqlite3_reset (st);
  sqlite3_bind_int64 (st, 1, rec->session_id);
  sqlite3_bind_int64 (st, 2, ring->tid);
  sqlite3_bind_int (st, 3, r->path);
  int name_len = -1;
  const char *name
    = r->path == LSC_CALL_RUNTIME ? lsc_cupti_runtime_call_name (r->aux, &name_len) : lsc_cupti_call_name (r->aux);
  if (name)
    sqlite3_bind_text (st, 4, name, name_len, SQLITE_STATIC);
  else
    sqlite3_bind_null (st, 4);
  sqlite3_bind_int64 (st, 5, r->correlation_id);
  sqlite3_bind_int64 (st, 6, (int64_t) r->start_ns);
  /* 0 ns is a measurement (two clock reads within one tick); NULL only where the exit was not
   * read, inside an engine launch. */
  if (r->reason & LSC__CALL_NO_END)
    sqlite3_bind_null (st, 7);
  else
    sqlite3_bind_int64 (st, 7, (int64_t) r->host_ns);
  sqlite3_bind_int (st, 8, r->status);
  if (sqlite3_step (st) != SQLITE_DONE)
    lsc__writer_fail (rec, "inserting a call row");
}

static void
lsc__write_floor_block (lsc_recorder *rec, const lsc__rec *r)
{
  lsc__kernel *k = NULL;
  const void *bound = r->u.launch.bound;
  int64_t kid = lsc__kernel_id (rec, bound, &k);
  lsc__spec *s = kid ? lsc__spec_get (rec, kid, bound, r->key, r->start_ns) : NULL;
  sqlite3_stmt *st = rec->ins_floor;
  sqlite3_reset (st);
  sqlite3_bind_int64 (st, 1, rec->session_id);
  sqlite3_bind_int64 (st, 2, r->aux);
  sqlite3_bind_int (st, 3, r->outcome);
  sqlite3_bind_int (st, 4, r->path);
  if (kid)
    sqlite3_bind_int64 (st, 5, kid);
  else
    sqlite3_bind_null (st, 5);
  if (s)
    sqlite3_bind_int64 (st, 6, s->id);
  else
    sqlite3_bind_null (st, 6);
  sqlite3_bind_int64 (st, 7, (int64_t) r->start_ns);
  sqlite3_bind_int64 (st, 8, r->status);
  sqlite3_bind_int64 (st, 9, (int64_t) r->host_ns);
  if (sqlite3_step (st) != SQLITE_DONE)
    lsc__writer_fail (rec, "inserting a floor block row");
}

/* False for a launch past the max_launches bound, counted as left out.  Reaching the bound
 * notes it once and turns the launch callbacks off: an hour of training must not fill a disk,
 * and the rest of it should not pay for callbacks whose records are thrown away. */
static bool
lsc__launch_within_bound (lsc_recorder *rec, uint64_t t_ns)
{
  if (!rec->max_launches)
    return true;
  if (rec->launch_rows < rec->max_launches)
    {
      if (++rec->launch_rows == rec->max_launches)
        {
          char text[200];
          snprintf (text, sizeof text,
                    "launch bound reached: the first %" PRIu64 " launches recorded, later ones are not (max launches)",
                    rec->max_launches);
          lsc__write_event (rec, t_ns, "info", 0, text);
          lsc_cupti_set_callbacks (false);
        }
      return true;
    }
  atomic_fetch_add_explicit (&rec->launches_beyond, 1, memory_order_relaxed);
  return false;
}

/* extra: the record's second slot, when it has one (stage times, or a launch configuration). */
static void
lsc__process (lsc_recorder *rec, lsc__ring *ring, lsc__rec *r, const lsc__slot *extra)
{
  lsc__kernel *k = NULL;
  const uint32_t *stages = extra && r->type == LSC__REC_LAUNCH ? extra->stage_ns : NULL;
  if (r->type == LSC__REC_LAUNCH && (r->aux & LSC__LAUNCH_PROBE))
    return;
  if ((r->type == LSC__REC_API || r->type == LSC__REC_LAUNCH) && !lsc__launch_within_bound (rec, r->start_ns))
    return;
  switch (r->type)
    {
    case LSC__REC_API:
      lsc__write_raw_launch (rec, ring, r, extra && extra->config.seen ? &extra->config : NULL);
      break;
    case LSC__REC_CALL:
      lsc__write_call (rec, ring, r);
      break;
    case LSC__REC_FLOOR:
      lsc__write_floor_block (rec, r);
      break;
    case LSC__REC_FUNCTION:
      {
        sqlite3_stmt *st = rec->ins_function;
        sqlite3_reset (st);
        sqlite3_bind_int64 (st, 1, rec->session_id);
        sqlite3_bind_int64 (st, 2, (int64_t) r->key);
        sqlite3_bind_text (st, 3, r->u.event.text, -1, SQLITE_TRANSIENT);
        if (sqlite3_step (st) != SQLITE_DONE)
          lsc__writer_fail (rec, "inserting a module_function row");
        break;
      }
    case LSC__REC_RANGE_END:
      lsc__write_range_end (rec, ring, r);
      break;
    case LSC__REC_LAUNCH:
      {
        const void *bound = r->u.launch.bound;
        int64_t kid = lsc__kernel_id (rec, bound, &k);
        lsc__spec *s = kid ? lsc__spec_get (rec, kid, bound, r->key, r->start_ns) : NULL;
        if (s)
          {
            if (r->outcome == FL_OUTCOME_HIT)
              s->hits++;
            else if (r->outcome == FL_OUTCOME_MISS && (r->aux & LSC__LAUNCH_WAITED))
              s->waits++;
            else if (r->outcome == FL_OUTCOME_MISS)
              s->misses++;
            s->last_ns = r->start_ns;
            s->dirty = true;
          }
        lsc__write_launch (rec, ring, r, stages, NULL, kid, s ? s->id : 0);
        /* Fallbacks become events when the reason changes, not once per launch. */
        fl_fallback reason = r->outcome == FL_OUTCOME_FALLBACK ? (fl_fallback) r->reason : FL_FALLBACK_NONE;
        if (k && reason != k->last_reason)
          {
            char text[256];
            if (reason != FL_FALLBACK_NONE)
              snprintf (text, sizeof text, "%s: fallback to the default path (%s)", fl_kernel_name (fl_bound_kernel_kernel (k->bound)),
                        fl_fallback_str (reason));
            else
              snprintf (text, sizeof text, "%s: fast path resumed (was %s)", fl_kernel_name (fl_bound_kernel_kernel (k->bound)),
                        fl_fallback_str (k->last_reason));
            lsc__write_event (rec, r->start_ns, "fallback", kid, text);
            k->last_reason = reason;
          }
        break;
      }
    case LSC__REC_COMPILE:
      {
        const char *text = r->u.event.text;
        int64_t kid = lsc__kernel_id (rec, r->u.event.bound, &k);
        lsc__spec *s = kid ? lsc__spec_get (rec, kid, r->u.event.bound, r->key, r->start_ns) : NULL;
        if (s)
          {
            s->compile_ms = r->u.event.compile_ms;
            s->dirty = true;
          }
        lsc__write_event (rec, r->start_ns, "compile", kid, text ? text : "compiled");
        break;
      }
    case LSC__REC_ERROR:
      lsc__write_event (rec, r->start_ns, "error", lsc__kernel_id (rec, r->u.event.bound, &k),
                        r->u.event.text ? r->u.event.text : "error");
      break;
    case LSC__REC_NOTE:
      {
        const char *both = r->u.event.text;
        const char *kind = both ? both : "info";
        const char *text = both ? both + strlen (both) + 1 : "";
        lsc__write_event (rec, r->start_ns, *kind ? kind : "info", 0, text);
        break;
      }
    case LSC__REC_GPU:
      {
        sqlite3_stmt *st = rec->ins_gpu;
        sqlite3_reset (st);
        sqlite3_bind_int64 (st, 1, r->correlation_id);
        sqlite3_bind_int64 (st, 2, rec->session_id);
        sqlite3_bind_int64 (st, 3, (int64_t) r->start_ns);
        sqlite3_bind_int64 (st, 4, (int64_t) r->host_ns);
        sqlite3_bind_int (st, 5, r->u.gpu.device);
        sqlite3_bind_int64 (st, 6, (int64_t) r->key);
        sqlite3_bind_int64 (st, 7, r->aux);
        sqlite3_bind_text (st, 8, r->u.gpu.text ? r->u.gpu.text : "", -1, SQLITE_TRANSIENT);
        for (int i = 0; i < 3; i++)
          {
            sqlite3_bind_int (st, 9 + i, r->u.gpu.grid[i]);
            sqlite3_bind_int (st, 12 + i, r->u.gpu.block[i]);
          }
        sqlite3_bind_int64 (st, 15, r->status);
        sqlite3_bind_int (st, 16, r->u.gpu.registers);
        if (sqlite3_step (st) != SQLITE_DONE)
          lsc__writer_fail (rec, "inserting a gpu_activity row");
        break;
      }
    }
  char **text = lsc__rec_text (r);
  if (text)
    {
      free (*text);
      *text = NULL;
    }
}

static void
lsc__flush_specs (lsc_recorder *rec)
{
  for (unsigned i = 0; i < rec->spec_cap; i++)
    {
      lsc__spec *s = &rec->specs[i];
      if (!s->used || !s->dirty)
        continue;
      sqlite3_stmt *st = rec->upd_spec;
      sqlite3_reset (st);
      sqlite3_bind_int64 (st, 1, (int64_t) s->hits);
      sqlite3_bind_int64 (st, 2, (int64_t) s->misses);
      if (s->compile_ms > 0)
        sqlite3_bind_double (st, 3, s->compile_ms);
      else
        sqlite3_bind_null (st, 3);
      sqlite3_bind_int64 (st, 4, (int64_t) s->last_ns);
      sqlite3_bind_int64 (st, 5, s->id);
      sqlite3_bind_int64 (st, 6, (int64_t) s->waits);
      if (sqlite3_step (st) != SQLITE_DONE)
        lsc__writer_fail (rec, "updating spec counters");
      s->dirty = false;
    }
}

static void
lsc__commit (lsc_recorder *rec)
{
  if (!rec->in_txn)
    return;
  if (!atomic_load (&rec->writer_failed))
    {
      lsc__flush_many (rec);
      lsc__flush_specs (rec);
    }
  rec->n_many = 0; /* after a failure: counted as lost with the rest of the batch */
  if (atomic_load (&rec->writer_failed) || !lsc__exec (rec, "COMMIT"))
    {
      lsc__writer_fail (rec, "committing a batch");
      lsc__exec (rec, "ROLLBACK");
      atomic_fetch_add (&rec->rows_lost, rec->txn_rows);
    }
  else
    {
      atomic_fetch_add (&rec->rows_written, rec->txn_rows);
      atomic_fetch_add (&rec->batches, 1);
    }
  rec->in_txn = false;
  rec->txn_rows = 0;
}

/* Drains what is in the rings now; returns the number of records taken. */
static uint64_t
lsc__drain (lsc_recorder *rec)
{
  pthread_mutex_lock (&rec->lock);
  lsc__ring *rings = rec->rings; /* rings are only prepended, never removed while recording */
  pthread_mutex_unlock (&rec->lock);
  uint64_t taken = 0;
  for (lsc__ring *ring = rings; ring; ring = ring->next)
    {
      uint64_t tail = atomic_load_explicit (&ring->tail, memory_order_relaxed);
      uint64_t head = atomic_load_explicit (&ring->head, memory_order_acquire);
      while (tail != head)
        {
          lsc__rec *r = &ring->slots[tail & ring->mask].rec;
          /* A record and the slots after it are published together, so all are below head. */
          unsigned n = lsc__rec_slots (r);
          if (atomic_load (&rec->writer_failed))
            {
              char **text = lsc__rec_text (r);
              if (text)
                free (*text);
              if (r->type != LSC__REC_SYMBOL) /* not a row */
                atomic_fetch_add (&rec->rows_lost, 1);
            }
          else
            {
              if (!rec->in_txn)
                {
                  if (!lsc__exec (rec, "BEGIN"))
                    lsc__writer_fail (rec, "starting a batch");
                  rec->in_txn = true;
                }
              if (r->type == LSC__REC_SYMBOL)
                lsc__take_symbol (rec, ring, tail);
              else
                {
                  if (r->type == LSC__REC_RANGE)
                    lsc__write_range (rec, ring, tail);
                  else
                    lsc__process (rec, ring, r, n == 2 ? &ring->slots[(tail + 1) & ring->mask] : NULL);
                  if (++rec->txn_rows >= rec->batch_rows)
                    lsc__commit (rec);
                }
            }
          tail += n;
          taken++;
          if ((taken & 1023) == 0) /* hand slots back to the producer while draining */
            atomic_store_explicit (&ring->tail, tail, memory_order_release);
        }
      atomic_store_explicit (&ring->tail, tail, memory_order_release);
    }
  return taken;
}

/* True while the report's path still names the file this recorder writes.  Once it does not
 * (removed, or another file renamed over it), says so in the recorder's error, once: launches
 * go on being written into the file this recorder holds open, which stop saves elsewhere. */
bool
lsc__file_still_ours (lsc_recorder *rec)
{
  if (atomic_load (&rec->file_lost))
    return false;
  struct stat st;
  if (stat (rec->path, &st) == 0 && st.st_dev == rec->file_dev && st.st_ino == rec->file_ino)
    return true;
  atomic_store (&rec->file_lost, true);
  pthread_mutex_lock (&rec->lock);
  if (!rec->error[0])
    snprintf (rec->error, sizeof rec->error,
              "%s was removed or replaced while it was being recorded: recording goes on, and what is recorded "
              "is saved beside it when the recording stops",
              rec->path);
  pthread_mutex_unlock (&rec->lock);
  return false;
}

void *
lsc__writer_main (void *data)
{
  lsc_recorder *rec = data;
  uint64_t next_identity_check = 0;
  for (;;)
    {
      bool stopping = atomic_load (&rec->stopping);
      uint64_t pass_start = lsc__now_ns ();
      if (pass_start >= next_identity_check)
        {
          lsc__file_still_ours (rec);
          next_identity_check = pass_start + LSC__IDENTITY_CHECK_NS;
        }
      pthread_mutex_lock (&rec->db_lock);
      uint64_t n = lsc__drain (rec);
      bool idle = n == 0 || (n < LSC__BUSY_ROWS && lsc__now_ns () - pass_start < LSC__QUICK_PASS_NS);
      if (idle || rec->txn_rows >= rec->batch_rows / 4)
        lsc__commit (rec);
      pthread_mutex_unlock (&rec->db_lock);
      if (stopping)
        {
          if (n == 0)
            break;
        }
      else if (idle)
        nanosleep (&(struct timespec){ 0, LSC__IDLE_SLEEP_NS }, NULL);
    }
  pthread_mutex_lock (&rec->lock);
  lsc__ring *rings = rec->rings;
  pthread_mutex_unlock (&rec->lock);
  /* API records still parked: their launches were not the engine's (or the sink was off). */
  for (lsc__ring *ring = rings; ring; ring = ring->next)
    {
      if (!atomic_load_explicit (&ring->has_parked, memory_order_acquire))
        continue;
      atomic_store_explicit (&ring->has_parked, false, memory_order_relaxed);
      if (atomic_load (&rec->writer_failed))
        {
          atomic_fetch_add (&rec->rows_lost, 1);
          continue;
        }
      if (!rec->in_txn)
        {
          lsc__exec (rec, "BEGIN");
          rec->in_txn = true;
        }
      lsc__write_raw_launch (rec, ring, &ring->parked, NULL);
      rec->txn_rows++;
    }
  lsc__commit (rec);
  return NULL;
}
