/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-report-diff.c — comparing two reports (lsc-report-diff.h): rows matched by name, an
 * interval per row, verdicts with a noise floor, the session facts and warnings (the
 * statistics: lsc-report-diff-stats.c; the writers: lsc-report-diff-write.c).
 *
 * Each report is read in one pass over its launches (lsc_report_scan_launches), the two in
 * parallel, plus its sessions, kernels and specs (lsc_report_summarize_sessions); no SQL here.
 */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lsc-report-diff-private.h"
#include "lsc-report-diff.h"
#include "lsc-report-private.h"
#include "lsc-report-rows.h"

/* ---- names ----------------------------------------------------------------------------------- */

static const char *const metric_names[] = { "p50", "p90", "p99", "mean" };
static const char *const kind_names[LSC_DIFF_ROW_KINDS] = { "path", "kernel", "spec", "stage", "process" };
static const char *const verdict_names[] = { "same", "faster", "slower", "only in A", "only in B", "too few launches" };

const char *
lsc_diff_metric_name (lsc_diff_metric metric)
{
  return (unsigned) metric < 4 ? metric_names[metric] : NULL;
}

bool
lsc_diff_metric_parse (const char *name, lsc_diff_metric *out)
{
  for (unsigned i = 0; name && i < 4; i++)
    if (strcmp (name, metric_names[i]) == 0)
      {
        *out = (lsc_diff_metric) i;
        return true;
      }
  return false;
}

const char *
lsc_diff_row_kind_name (lsc_diff_row_kind kind)
{
  return (unsigned) kind < LSC_DIFF_ROW_KINDS ? kind_names[kind] : NULL;
}

const char *
lsc_diff_verdict_name (lsc_diff_verdict verdict)
{
  return (unsigned) verdict <= LSC_DIFF_TOO_FEW ? verdict_names[verdict] : NULL;
}

void
lsc_diff_options_init (lsc_diff_options *options)
{
  *options = (lsc_diff_options){ .metric = LSC_DIFF_METRIC_P50,
                                 .noise_ns = LSC_DIFF_DEFAULT_NOISE_NS,
                                 .noise_pct = LSC_DIFF_DEFAULT_NOISE_PCT };
}

/* ---- one report's launches, grouped ------------------------------------------------------------ */


/* values[start ..] up to the next run's start came from the compared session `session`. */
typedef struct {
  size_t session, start;
} session_run;

/* A named group of launches: a kernel, a spec or a process. */
typedef struct {
  const char *name, *kernel; /* borrowed from the side's summary or labels */
  int64_t session_id;
  i64_vec values;
  session_run *runs; /* values in scan order come in runs of one session each */
  size_t n_runs, cap_runs;
} group;

static bool
group_push (group *g, int64_t value, size_t session)
{
  if (g->n_runs == 0 || g->runs[g->n_runs - 1].session != session)
    {
      if (g->n_runs == g->cap_runs)
        {
          size_t cap = g->cap_runs ? g->cap_runs * 2 : 4;
          session_run *runs = realloc (g->runs, cap * sizeof *runs);
          if (!runs)
            return false;
          g->runs = runs;
          g->cap_runs = cap;
        }
      g->runs[g->n_runs++] = (session_run){ .session = session, .start = g->values.n };
    }
  return vec_push (&g->values, value);
}

/* The metric of each of a group's n_sessions sessions that holds LSC_DIFF_MIN_LAUNCHES values
 * or more, into out; returns how many, or -1 when out of memory. */
static long
session_metrics (const group *g, size_t n_sessions, lsc_diff_metric metric, double *out)
{
  int64_t *v = malloc ((g->values.n + 1) * sizeof *v);
  if (!v)
    return -1;
  long m = 0;
  for (size_t si = 0; si < n_sessions; si++)
    {
      size_t n = 0;
      for (size_t r = 0; r < g->n_runs; r++)
        if (g->runs[r].session == si)
          {
            size_t end = r + 1 < g->n_runs ? g->runs[r + 1].start : g->values.n;
            memcpy (v + n, g->values.v + g->runs[r].start, (end - g->runs[r].start) * sizeof *v);
            n += end - g->runs[r].start;
          }
      if (n >= LSC_DIFF_MIN_LAUNCHES)
        out[m++] = lsc__diff_metric_of (v, n, metric);
    }
  free (v);
  return m;
}

/* Welch's interval over the sessions' metrics. */
static void
welch_interval (const double *a, long na, const double *b, long nb, double alpha, lsc_diff_row *row)
{
  double half;
  lsc__diff_welch (a, na, b, nb, alpha, &row->value_a, &row->value_b, &half);
  row->diff_ns = row->value_b - row->value_a;
  row->ci_low_ns = row->diff_ns - half;
  row->ci_high_ns = row->diff_ns + half;
  row->sessions_a = na;
  row->sessions_b = nb;
}

/* An id (kernel or spec, unique in a report) and its group. */
typedef struct {
  int64_t id;
  size_t group;
} id_group;

typedef struct {
  lsc_report *report;
  lsc_report_summary *sum;
  bool has_only;
  int64_t only_session;
  /* the sessions compared, ordered by id as sum->sessions is; processes[i] is compared[i]'s */
  size_t n_compared;
  const lsc_session_summary **compared;
  bool *injected; /* per compared session: recorded by injection (its raw rows use api_ns) */
  char **labels;  /* per compared session: its process row's name */
  group paths[LSC_PATH_COUNT + 1];
  group stages[LSC_STAGE_COUNT];
  group *kernels, *specs, *processes;
  size_t n_kernels, n_specs;
  id_group *kernel_ids, *spec_ids;
  size_t n_kernel_ids, n_spec_ids;
  bool want_processes; /* process rows are made: either side compares several sessions */
  int64_t launches;
  int index; /* 0 for A, 1 for B: what on_value is told */
  void (*on_value) (int side, int path, int64_t value_ns, void *data);
  void *on_value_data;
  bool oom;
  lsc_error error;
} side;

static void
group_free_values (group *g, size_t n)
{
  for (size_t i = 0; g && i < n; i++)
    {
      free (g[i].values.v);
      free (g[i].runs);
    }
}

static void
side_free (side *s)
{
  group_free_values (s->paths, LSC_PATH_COUNT + 1);
  group_free_values (s->stages, LSC_STAGE_COUNT);
  group_free_values (s->kernels, s->n_kernels);
  group_free_values (s->specs, s->n_specs);
  group_free_values (s->processes, s->n_compared);
  free (s->kernels);
  free (s->specs);
  free (s->processes);
  free (s->kernel_ids);
  free (s->spec_ids);
  for (size_t i = 0; s->labels && i < s->n_compared; i++)
    free (s->labels[i]);
  free (s->labels);
  free (s->injected);
  free (s->compared);
  lsc_report_summary_free (s->sum);
}

static int
cmp_id_group (const void *x, const void *y)
{
  const id_group *a = x, *b = y;
  return (a->id > b->id) - (a->id < b->id);
}

static const id_group *
find_id (const id_group *v, size_t n, int64_t id)
{
  id_group key = { .id = id };
  return bsearch (&key, v, n, sizeof *v, cmp_id_group);
}

static int
strcmp_null (const char *a, const char *b)
{
  return a && b ? strcmp (a, b) : (a != NULL) - (b != NULL);
}

static int
cmp_group_name (const void *x, const void *y)
{
  const group *a = x, *b = y;
  int c = strcmp_null (a->kernel, b->kernel);
  return c ? c : strcmp_null (a->name, b->name);
}

/* A kernel or spec by id, with the name its row goes by. */
typedef struct {
  int64_t id;
  const char *name, *kernel;
} named_id;

static int
cmp_named_id (const void *x, const void *y)
{
  const named_id *a = x, *b = y;
  int c = strcmp_null (a->kernel, b->kernel);
  c = c ? c : strcmp_null (a->name, b->name);
  return c ? c : (a->id > b->id) - (a->id < b->id);
}

/* One group per distinct name (kernels of several sessions that share a name are one row),
 * and a map from each id to its group. */
static bool
build_groups (named_id *ids, size_t n, group **groups_out, size_t *n_groups, id_group **map_out, size_t *n_map)
{
  qsort (ids, n, sizeof *ids, cmp_named_id);
  group *groups = calloc (n + 1, sizeof *groups);
  id_group *map = calloc (n + 1, sizeof *map);
  if (!groups || !map)
    {
      free (groups);
      free (map);
      return false;
    }
  size_t g = 0;
  for (size_t i = 0; i < n; i++)
    {
      if (i == 0 || strcmp_null (ids[i].kernel, ids[i - 1].kernel) || strcmp_null (ids[i].name, ids[i - 1].name))
        groups[g++] = (group){ .name = ids[i].name, .kernel = ids[i].kernel };
      map[i] = (id_group){ .id = ids[i].id, .group = g - 1 };
    }
  qsort (map, n, sizeof *map, cmp_id_group);
  *groups_out = groups;
  *n_groups = g;
  *map_out = map;
  *n_map = n;
  return true;
}

/* "source": "injection" in a session's settings: a program recorded by injection. */
static bool
settings_injected (const char *settings)
{
  for (const char *p = settings; p && (p = strstr (p, "\"source\"")); p++)
    {
      const char *q = p + 8;
      q += strspn (q, " \t\r\n");
      if (*q++ != ':')
        continue;
      q += strspn (q, " \t\r\n");
      if (strncmp (q, "\"injection\"", 11) == 0)
        return true;
    }
  return false;
}

static bool
command_known (const char *workload)
{
  return workload && *workload && strcmp (workload, "(command line not kept)") != 0;
}

static char *
process_label (const lsc_session_summary *s)
{
  char buf[160];
  if (s->has_rank)
    snprintf (buf, sizeof buf, "rank %" PRId64, s->rank);
  else if (command_known (s->workload))
    {
      size_t n = lsc__utf8_cut (s->workload, strlen (s->workload), 100);
      return strndup (s->workload, n);
    }
  else
    snprintf (buf, sizeof buf, "session %" PRId64, s->id);
  return strdup (buf);
}

/* Loads a side's sessions, kernels and specs, and chooses its sessions. */
static int
side_prepare (side *s, const char *which)
{
  lsc_error *error = &s->error;
  if (!(s->sum = lsc_report_summarize_sessions (s->report, error)))
    return -1;
  const lsc_report_summary *sum = s->sum;
  s->compared = calloc (sum->n_sessions + 1, sizeof *s->compared);
  if (!s->compared)
    goto oom;
  for (size_t i = 0; i < sum->n_sessions; i++)
    if (!s->has_only || sum->sessions[i].id == s->only_session)
      s->compared[s->n_compared++] = &sum->sessions[i];
  if (s->has_only && s->n_compared == 0)
    {
      char ids[200] = "";
      for (size_t i = 0; i < sum->n_sessions && strlen (ids) < sizeof ids - 24; i++)
        snprintf (ids + strlen (ids), sizeof ids - strlen (ids), "%s%" PRId64, i ? ", " : "", sum->sessions[i].id);
      lsc__error_set (error, LSC_ERROR_USAGE, "report %s has no session %" PRId64 " (--session-%s): its sessions are %s",
                      sum->path, s->only_session, which, sum->n_sessions ? ids : "none");
      return -1;
    }
  s->injected = calloc (s->n_compared + 1, sizeof *s->injected);
  s->labels = calloc (s->n_compared + 1, sizeof *s->labels);
  s->processes = calloc (s->n_compared + 1, sizeof *s->processes);
  if (!s->injected || !s->labels || !s->processes)
    goto oom;
  for (size_t i = 0; i < s->n_compared; i++)
    {
      s->injected[i] = settings_injected (s->compared[i]->settings);
      if (!(s->labels[i] = process_label (s->compared[i])))
        goto oom;
      s->processes[i] = (group){ .name = s->labels[i], .session_id = s->compared[i]->id };
    }

  size_t n_k = 0, n_s = 0;
  for (size_t i = 0; i < s->n_compared; i++)
    {
      n_k += s->compared[i]->n_kernel_list;
      n_s += s->compared[i]->n_specs;
    }
  named_id *ks = calloc (n_k + 1, sizeof *ks), *ss = calloc (n_s + 1, sizeof *ss);
  if (!ks || !ss)
    {
      free (ks);
      free (ss);
      goto oom;
    }
  n_k = n_s = 0;
  for (size_t i = 0; i < s->n_compared; i++)
    {
      const lsc_session_summary *sess = s->compared[i];
      for (size_t k = 0; k < sess->n_kernel_list; k++)
        ks[n_k++] = (named_id){ .id = sess->kernel_list[k].id,
                                .name = sess->kernel_list[k].name ? sess->kernel_list[k].name : "(unnamed kernel)" };
      for (size_t k = 0; k < sess->n_specs; k++)
        ss[n_s++] = (named_id){ .id = sess->specs[k].id,
                                .name = sess->specs[k].description ? sess->specs[k].description : "(no description)",
                                .kernel = sess->specs[k].kernel_name ? sess->specs[k].kernel_name : "(unnamed kernel)" };
    }
  bool ok = build_groups (ks, n_k, &s->kernels, &s->n_kernels, &s->kernel_ids, &s->n_kernel_ids)
            && build_groups (ss, n_s, &s->specs, &s->n_specs, &s->spec_ids, &s->n_spec_ids);
  free (ks);
  free (ss);
  if (!ok)
    goto oom;
  for (size_t p = 0; p <= LSC_PATH_COUNT; p++)
    s->paths[p].name = p < LSC_PATH_COUNT ? lsc_path_name ((int64_t) p) : "unknown";
  for (size_t k = 0; k < LSC_STAGE_COUNT; k++)
    s->stages[k].name = lsc_stage_names[k];
  return 0;
oom:
  lsc__error_set (error, LSC_ERROR_NOMEM, "cannot compare report %s: out of memory", sum->path);
  return -1;
}

static bool
several_processes (const side *s)
{
  size_t injected = 0;
  for (size_t i = 0; i < s->n_compared; i++)
    injected += s->injected[i];
  return injected > 1;
}

static int
cmp_session_ptr_id (const void *key, const void *elem)
{
  int64_t id = *(const int64_t *) key;
  int64_t other = (*(const lsc_session_summary *const *) elem)->id;
  return (id > other) - (id < other);
}

static bool
scan_launch (const lsc_launch_row *row, void *data)
{
  side *s = data;
  if (!row->has_session)
    return true;
  const lsc_session_summary *const *found
    = bsearch (&row->session_id, s->compared, s->n_compared, sizeof *s->compared, cmp_session_ptr_id);
  if (!found)
    return true;
  size_t si = (size_t) (found - s->compared);
  s->launches++;
  if (row->status != 0)
    return true;
  size_t pi = row->has_path && row->path >= 0 && row->path < LSC_PATH_COUNT ? (size_t) row->path : LSC_PATH_COUNT;
  bool api = pi == 2 /* raw */ && s->injected[si] && row->has_api;
  if (!api && !row->has_host)
    return true;
  int64_t value = api ? row->api_ns : row->host_ns;
  if (s->on_value)
    s->on_value (s->index, (int) pi, value, s->on_value_data);
  bool ok = group_push (&s->paths[pi], value, si)
            && (!s->want_processes || group_push (&s->processes[si], value, si));
  const id_group *k = row->has_kernel ? find_id (s->kernel_ids, s->n_kernel_ids, row->kernel_id) : NULL;
  if (k)
    ok = ok && group_push (&s->kernels[k->group], value, si);
  const id_group *sp = row->has_spec ? find_id (s->spec_ids, s->n_spec_ids, row->spec_id) : NULL;
  if (sp)
    ok = ok && group_push (&s->specs[sp->group], value, si);
  if (row->has_stages)
    for (size_t i = 0; i < LSC_STAGE_COUNT; i++)
      ok = ok && group_push (&s->stages[i], row->stage_ns[i], si);
  if (!ok)
    {
      s->oom = true;
      return false;
    }
  return true;
}

static void *
side_scan (void *data)
{
  side *s = data;
  if (lsc_report_scan_launches (s->report, scan_launch, s, &s->error) != 0)
    return s;
  if (s->oom)
    lsc__error_set (&s->error, LSC_ERROR_NOMEM, "cannot compare report %s: out of memory", s->sum->path);
  return s;
}

/* ---- matching and rows -------------------------------------------------------------------------- */

/* A row's groups of values, kept beside the rows while the statistics run. */
typedef struct {
  const group *a, *b;
} row_groups;

typedef struct {
  lsc_report_diff *diff;
  row_groups *groups;
  size_t cap;
  bool oom;
} builder;

static void
add_row (builder *bd, lsc_diff_row_kind kind, const char *name, const char *kernel, const group *ga, const group *gb)
{
  lsc_report_diff *d = bd->diff;
  size_t na = ga ? ga->values.n : 0, nb = gb ? gb->values.n : 0;
  if ((!na && !nb) || bd->oom)
    return;
  if (d->n_rows == bd->cap)
    {
      size_t cap = bd->cap ? bd->cap * 2 : 16;
      lsc_diff_row *rows = realloc (d->rows, cap * sizeof *rows);
      if (rows)
        d->rows = rows;
      row_groups *groups = rows ? realloc (bd->groups, cap * sizeof *groups) : NULL;
      if (!groups)
        {
          bd->oom = true;
          return;
        }
      bd->groups = groups;
      bd->cap = cap;
    }
  lsc_diff_row *r = &d->rows[d->n_rows];
  memset (r, 0, sizeof *r);
  r->kind = kind;
  r->name = strdup (name);
  r->kernel = kernel ? strdup (kernel) : NULL;
  if (!r->name || (kernel && !r->kernel))
    {
      free (r->name);
      free (r->kernel);
      bd->oom = true;
      return;
    }
  bd->groups[d->n_rows] = (row_groups){ na ? ga : NULL, nb ? gb : NULL };
  d->n_rows++;
  r->count_a = (int64_t) na;
  r->count_b = (int64_t) nb;
  r->session_a = ga ? ga->session_id : 0;
  r->session_b = gb ? gb->session_id : 0;
}

/* Rows for groups matched by name, merging the two lists build_groups sorted by (kernel, name). */
static void
match_named (builder *bd, lsc_diff_row_kind kind, const group *ga, size_t na, const group *gb, size_t nb)
{
  size_t i = 0, j = 0;
  while (i < na || j < nb)
    {
      int c = i == na ? 1 : j == nb ? -1 : cmp_group_name (&ga[i], &gb[j]);
      const group *a = c <= 0 ? &ga[i++] : NULL, *b = c >= 0 ? &gb[j++] : NULL;
      const group *g = a ? a : b;
      add_row (bd, kind, g->name, kind == LSC_DIFF_ROW_SPEC ? g->kernel : NULL, a, b);
    }
}

/* Pairs A's compared sessions with B's: by RANK, then by command line, then in order.
 * pair[i] is A's session i's partner in B, or nb; NULL when out of memory. */
static size_t *
pair_sessions (const side *sa, const side *sb)
{
  size_t na = sa->n_compared, nb = sb->n_compared;
  size_t *pair = malloc ((na + 1) * sizeof *pair);
  bool *taken = calloc (nb + 1, sizeof *taken);
  if (!pair || !taken)
    {
      free (pair);
      free (taken);
      return NULL;
    }
  for (size_t i = 0; i < na; i++)
    pair[i] = nb;
  for (int pass = 0; pass < 3; pass++)
    for (size_t i = 0; i < na; i++)
      {
        const lsc_session_summary *x = sa->compared[i];
        for (size_t j = 0; pair[i] == nb && j < nb; j++)
          {
            const lsc_session_summary *y = sb->compared[j];
            bool match = pass == 0   ? x->has_rank && y->has_rank && x->rank == y->rank
                         : pass == 1 ? command_known (x->workload) && command_known (y->workload)
                                         && strcmp (x->workload, y->workload) == 0
                                     : true;
            if (!taken[j] && match)
              {
                pair[i] = j;
                taken[j] = true;
              }
          }
      }
  free (taken);
  return pair;
}

static void
match_processes (builder *bd, const side *sa, const side *sb, const size_t *pair)
{
  size_t na = sa->n_compared, nb = sb->n_compared;
  for (size_t i = 0; i < na; i++)
    add_row (bd, LSC_DIFF_ROW_PROCESS, sa->labels[i], NULL, &sa->processes[i],
             pair[i] < nb ? &sb->processes[pair[i]] : NULL);
  for (size_t j = 0; j < nb; j++)
    {
      bool taken = false;
      for (size_t i = 0; i < na; i++)
        taken = taken || pair[i] == j;
      if (!taken)
        add_row (bd, LSC_DIFF_ROW_PROCESS, sb->labels[j], NULL, NULL, &sb->processes[j]);
    }
}

/* ---- facts ---------------------------------------------------------------------------------------- */

/* Settings without what differs between any two runs: the process ids and the command line
 * (compared as the workload). */
static char *
settings_normalized (const char *json)
{
  if (!json)
    return NULL;
  static const char *const volatile_keys[] = { "\"pid\"", "\"ppid\"", "\"command\"" };
  size_t n = strlen (json);
  char *out = malloc (n + 1), *o = out;
  if (!out)
    return NULL;
  int depth = 0;
  const char *p = json;
  while (*p)
    {
      if (*p == '"')
        {
          const char *end = p + 1;
          while (*end && *end != '"')
            end += end[0] == '\\' && end[1] ? 2 : 1;
          if (*end)
            end++;
          bool skip = false;
          for (size_t k = 0; depth == 1 && k < sizeof volatile_keys / sizeof *volatile_keys; k++)
            if ((size_t) (end - p) == strlen (volatile_keys[k]) && strncmp (p, volatile_keys[k], (size_t) (end - p)) == 0)
              skip = true;
          const char *after = end + strspn (end, " \t\r\n");
          if (skip && *after == ':')
            {
              /* the member's value: a string or a scalar, then its comma */
              const char *v = after + 1;
              v += strspn (v, " \t\r\n");
              if (*v == '"')
                {
                  v++;
                  while (*v && *v != '"')
                    v += v[0] == '\\' && v[1] ? 2 : 1;
                  if (*v)
                    v++;
                }
              else
                v += strcspn (v, ",}");
              v += strspn (v, " \t\r\n");
              if (*v == ',')
                v++;
              p = v + strspn (v, " \t\r\n");
              if (*p == '}')
                {
                  /* the last member went: so does the comma before it */
                  while (o > out && (o[-1] == ' ' || o[-1] == ','))
                    o--;
                }
              continue;
            }
          memcpy (o, p, (size_t) (end - p));
          o += end - p;
          p = end;
          continue;
        }
      depth += (*p == '{' || *p == '[') - (*p == '}' || *p == ']');
      *o++ = *p++;
    }
  *o = '\0';
  return out;
}

static char *
fact_text (const lsc_session_summary *s, int which)
{
  char buf[64];
  switch (which)
    {
    case 0: return s->gpu ? strdup (s->gpu) : NULL;
    case 1:
      if (!s->has_driver_version)
        return NULL;
      snprintf (buf, sizeof buf, "%" PRId64, s->driver_version);
      return strdup (buf);
    case 2: return s->toolkit ? strdup (s->toolkit) : NULL;
    case 3: return s->cpu ? strdup (s->cpu) : NULL;
    case 4: return s->host ? strdup (s->host) : NULL;
    case 5: return settings_normalized (s->settings);
    case 6: return s->cupti_mode ? strdup (s->cupti_mode) : NULL;
    case 7:
      if (!s->has_raw_floor)
        return NULL;
      snprintf (buf, sizeof buf, "%.1f", s->raw_floor_p50_ns);
      return strdup (buf);
    case 8:
    case 9:
      {
        /* The in-session estimates, as report prints them: median [95% interval]. */
        const lsc_paired_estimate *e = which == 8 ? &s->floor.observer : &s->floor.above_floor[FL_PATH_FAST];
        if (e->rounds == 0)
          return NULL;
        snprintf (buf, sizeof buf, "%+.0f [%+.0f, %+.0f]", e->median_ns, e->low_ns, e->high_ns);
        return strdup (buf);
      }
    case 10:
      if (!s->has_observer_overhead)
        return NULL;
      snprintf (buf, sizeof buf, "%.1f", s->observer_overhead_ns);
      return strdup (buf);
    default: return s->workload ? strdup (s->workload) : NULL;
    }
}

#define N_FACTS 12
static const char *const fact_names[N_FACTS] = {
  "gpu",      "driver_version", "toolkit",    "cpu",          "host",
  "settings", "cupti_mode",     "floor_p50_ns", "observer_cost_ns", "fast_above_floor_ns", "push_ns", "workload"
};
/* The facts whose difference makes the comparison doubtful, and how the warning names them. */
static const char *const doubtful[N_FACTS] = { [0] = "the GPU", [1] = "the driver", [6] = "the CUPTI mode",
                                               [11] = "the workload" };

static bool
compare_facts (lsc_report_diff *d, const lsc_session_summary *a, const lsc_session_summary *b)
{
  d->facts = calloc (N_FACTS, sizeof *d->facts);
  d->warnings = calloc (N_FACTS + 2, sizeof *d->warnings);
  if (!d->facts || !d->warnings)
    return false;
  if (!a || !b)
    return true;
  for (int f = 0; f < N_FACTS; f++)
    {
      lsc_diff_fact *fact = &d->facts[d->n_facts++];
      *fact = (lsc_diff_fact){ .name = fact_names[f], .a = fact_text (a, f), .b = fact_text (b, f) };
      fact->differs = strcmp_null (fact->a, fact->b) != 0;
      if (fact->differs && doubtful[f])
        {
          char line[128];
          snprintf (line, sizeof line, "comparison doubtful: %s differs between A and B", doubtful[f]);
          if (!(d->warnings[d->n_warnings] = strdup (line)))
            return false;
          d->n_warnings++;
        }
    }
  return true;
}

static bool
add_warning (lsc_report_diff *d, const char *line)
{
  if (!(d->warnings[d->n_warnings] = strdup (line)))
    return false;
  d->n_warnings++;
  return true;
}

/* Intervals over blocks of one recording's launches cannot see how far separate recordings
 * scatter, which on a shared machine is often more than the change looked for. */
static bool
warn_scatter (lsc_report_diff *d, const side *sa, const side *sb, bool blocks_only)
{
  if (!blocks_only)
    return true;
  char line[512];
  snprintf (line, sizeof line,
            "comparison doubtful: A holds %zu session%s and B %zu: the intervals cover the scatter within a "
            "recording, not between recordings, which on a shared machine can be larger than the "
            "difference; record %d sessions or more of each (record --append) for intervals that cover it",
            sa->n_compared, sa->n_compared == 1 ? "" : "s", sb->n_compared, LSC_DIFF_MIN_SESSIONS);
  return add_warning (d, line);
}

/* The median of a session's bare floor blocks and its distribution-free 95% interval: 0, 1 when
 * the session has none, -1 when out of memory. */
static int
floor_estimate (const lsc_session_summary *s, lsc_paired_estimate *out)
{
  size_t n = 0;
  double *bare = malloc ((s->n_floor_rounds + 1) * 3 * sizeof *bare), *zero = bare + s->n_floor_rounds + 1;
  if (!bare)
    return -1;
  for (size_t i = 0; i < s->n_floor_rounds; i++)
    if (isfinite (s->floor_rounds[i].p50_ns[LSC_FLOOR_BARE]))
      {
        zero[n] = 0;
        bare[n++] = s->floor_rounds[i].p50_ns[LSC_FLOOR_BARE];
      }
  if (n)
    lsc_paired_estimate_compute (bare, zero, n, zero + s->n_floor_rounds + 1, out);
  free (bare);
  return n ? 0 : 1;
}

/* The bare cuLaunchKernel of each side's first session, timed inside it: when it moved, the
 * machine (or the driver) ran at another speed, and every row moves with it (the warning is
 * lsc_report_diff_decide's: whether it moved enough depends on the noise floors). */
static bool
measure_floor (lsc_report_diff *d, const lsc_session_summary *a, const lsc_session_summary *b)
{
  lsc_paired_estimate fa, fb;
  if (!a || !b)
    return true;
  int ra = floor_estimate (a, &fa), rb = floor_estimate (b, &fb);
  if (ra < 0 || rb < 0)
    return false;
  if (ra > 0 || rb > 0)
    return true;
  d->has_floor = true;
  d->floor_a_ns = fa.median_ns;
  d->floor_b_ns = fb.median_ns;
  d->floor_apart = fb.low_ns > fa.high_ns || fb.high_ns < fa.low_ns;
  return true;
}

/* ---- verdicts ---------------------------------------------------------------------------------- */

/* A row that can reach a verdict: enough launches on both sides.  These are the rows the
 * Bonferroni level is spread over. */
static bool
row_tested (const lsc_diff_row *row)
{
  return row->count_a >= LSC_DIFF_MIN_LAUNCHES && row->count_b >= LSC_DIFF_MIN_LAUNCHES;
}

/* The one rule for a difference that counts: beyond both noise floors. */
static bool
above_noise (double diff_ns, double diff_pct, double noise_ns, double noise_pct)
{
  return fabs (diff_ns) > noise_ns && fabs (diff_pct) > noise_pct;
}

static lsc_diff_verdict
verdict_of (const lsc_diff_row *row, double noise_ns, double noise_pct)
{
  if (!row->count_b)
    return LSC_DIFF_ONLY_A;
  if (!row->count_a)
    return LSC_DIFF_ONLY_B;
  if (!row_tested (row))
    return LSC_DIFF_TOO_FEW;
  bool excludes_zero = row->ci_low_ns > 0 || row->ci_high_ns < 0;
  if (!excludes_zero || !above_noise (row->diff_ns, row->diff_pct, noise_ns, noise_pct))
    return LSC_DIFF_SAME;
  return row->diff_ns > 0 ? LSC_DIFF_SLOWER : LSC_DIFF_FASTER;
}

int
lsc_report_diff_decide (lsc_report_diff *d, double noise_ns, double noise_pct, lsc_error *error)
{
  lsc_error_clear (error);
  if (!d || !(noise_ns >= 0) || !(noise_pct >= 0))
    {
      lsc__error_set (error, LSC_ERROR_USAGE, "cannot decide the verdicts: no comparison or a bad noise floor");
      return -1;
    }
  d->noise_ns = noise_ns;
  d->noise_pct = noise_pct;
  for (size_t r = 0; r < d->n_rows; r++)
    d->rows[r].verdict = verdict_of (&d->rows[r], noise_ns, noise_pct);

  /* The floor's warning is always the last one. */
  if (d->floor_moved)
    {
      free (d->warnings[--d->n_warnings]);
      d->warnings[d->n_warnings] = NULL;
      d->floor_moved = false;
    }
  double change = d->floor_b_ns - d->floor_a_ns, pct = 100.0 * change / d->floor_a_ns;
  if (!d->has_floor || !d->floor_apart || !above_noise (change, pct, noise_ns, noise_pct))
    return 0;
  char line[512];
  snprintf (line, sizeof line,
            "comparison doubtful: the in-session floor (a bare cuLaunchKernel) moved from %.0f ns in A to %.0f ns "
            "in B (%+.1f %%): the machine or the driver ran at another speed, and every row moves with it",
            d->floor_a_ns, d->floor_b_ns, pct);
  if (!add_warning (d, line))
    {
      lsc__error_set (error, LSC_ERROR_NOMEM, "cannot decide the verdicts: out of memory");
      return -1;
    }
  d->floor_moved = true;
  return 0;
}

/* ---- the comparison -------------------------------------------------------------------------------- */

void
lsc_report_diff_free (lsc_report_diff *diff)
{
  if (!diff)
    return;
  for (size_t i = 0; i < diff->n_rows; i++)
    {
      free (diff->rows[i].name);
      free (diff->rows[i].kernel);
    }
  free (diff->rows);
  for (size_t i = 0; i < diff->n_facts; i++)
    {
      free (diff->facts[i].a);
      free (diff->facts[i].b);
    }
  free (diff->facts);
  for (size_t i = 0; i < diff->n_warnings; i++)
    free (diff->warnings[i]);
  free (diff->warnings);
  lsc_diff_side *sides[2] = { &diff->a, &diff->b };
  for (int i = 0; i < 2; i++)
    {
      free (sides[i]->path);
      free (sides[i]->gpu);
      free (sides[i]->host);
      free (sides[i]->workload);
    }
  free (diff);
}

static bool
fill_side (lsc_diff_side *out, const side *s, const lsc_session_summary *first)
{
  out->path = strdup (s->sum->path);
  out->n_sessions = (int64_t) s->n_compared;
  out->session_id = first ? first->id : 0;
  out->launches = s->launches;
  if (first)
    {
      out->gpu = first->gpu ? strdup (first->gpu) : NULL;
      out->host = first->host ? strdup (first->host) : NULL;
      out->workload = first->workload ? strdup (first->workload) : NULL;
      if ((first->gpu && !out->gpu) || (first->host && !out->host) || (first->workload && !out->workload))
        return false;
    }
  return out->path != NULL;
}

lsc_report_diff *
lsc_report_diff_compute (lsc_report *a, lsc_report *b, const lsc_diff_options *options, lsc_error *error)
{
  lsc_error_clear (error);
  lsc_diff_options defaults;
  lsc_diff_options_init (&defaults);
  const lsc_diff_options *o = options ? options : &defaults;
  if (!a || !b || (unsigned) o->metric > LSC_DIFF_METRIC_MEAN || !(o->noise_ns >= 0) || !(o->noise_pct >= 0))
    {
      lsc__error_set (error, LSC_ERROR_USAGE, "cannot compare: no report or a bad option");
      return NULL;
    }
  side sides[2] = { { .report = a, .has_only = o->has_session_a, .only_session = o->session_a, .index = 0,
                      .on_value = o->on_value, .on_value_data = o->on_value_data },
                    { .report = b, .has_only = o->has_session_b, .only_session = o->session_b, .index = 1,
                      .on_value = o->on_value, .on_value_data = o->on_value_data } };
  lsc_report_diff *d = NULL;
  builder bd = { 0 };
  size_t *pair = NULL;
  double *per_session = NULL;
  int failed = -1;
  for (int i = 0; i < 2; i++)
    if (side_prepare (&sides[i], i ? "b" : "a") != 0)
      {
        failed = i;
        goto fail;
      }
  /* Processes of a recorded program are rows of their own; the sessions of an engine report
   * are repeats of one recording, whose scatter the intervals take in instead. */
  sides[0].want_processes = sides[1].want_processes = several_processes (&sides[0]) || several_processes (&sides[1]);
  /* The two passes in parallel when each reads its own report handle (one handle is used
   * from one thread at a time). */
  pthread_t thread;
  bool threaded = a != b && pthread_create (&thread, NULL, side_scan, &sides[1]) == 0;
  side_scan (&sides[0]);
  if (threaded)
    pthread_join (thread, NULL);
  else
    side_scan (&sides[1]);
  for (int i = 0; i < 2; i++)
    if (sides[i].error.code != LSC_ERROR_NONE)
      {
        failed = i;
        goto fail;
      }

  if (!(d = calloc (1, sizeof *d)))
    goto oom;
  bd.diff = d;
  d->metric = o->metric;
  d->replicates = LSC_DIFF_REPLICATES;
  d->blocks = LSC_DIFF_BLOCKS;
  side *sa = &sides[0], *sb = &sides[1];
  if (!(pair = pair_sessions (sa, sb)))
    goto oom;
  /* The facts of A's first session and of its partner in B (B's first when it has none). */
  const lsc_session_summary *fa = sa->n_compared ? sa->compared[0] : NULL;
  const lsc_session_summary *fb = sa->n_compared && pair[0] < sb->n_compared ? sb->compared[pair[0]]
                                  : sb->n_compared                           ? sb->compared[0]
                                                                             : NULL;
  if (!fill_side (&d->a, sa, fa) || !fill_side (&d->b, sb, fb) || !compare_facts (d, fa, fb))
    goto oom;

  for (size_t p = 0; p <= LSC_PATH_COUNT; p++)
    add_row (&bd, LSC_DIFF_ROW_PATH, sa->paths[p].name, NULL, &sa->paths[p], &sb->paths[p]);
  match_named (&bd, LSC_DIFF_ROW_KERNEL, sa->kernels, sa->n_kernels, sb->kernels, sb->n_kernels);
  match_named (&bd, LSC_DIFF_ROW_SPEC, sa->specs, sa->n_specs, sb->specs, sb->n_specs);
  for (size_t k = 0; k < LSC_STAGE_COUNT; k++)
    add_row (&bd, LSC_DIFF_ROW_STAGE, sa->stages[k].name, NULL, &sa->stages[k], &sb->stages[k]);
  if (sa->want_processes)
    match_processes (&bd, sa, sb, pair);
  if (bd.oom)
    goto oom;

  for (size_t r = 0; r < d->n_rows; r++)
    if (row_tested (&d->rows[r]))
      d->tested++;
  double alpha = LSC_DIFF_ALPHA / (double) (d->tested ? d->tested : 1);
  d->level = 1 - alpha;
  double z = lsc__diff_z_two_sided (alpha);
  bool blocks_only = false; /* a tested row's interval did not cover the scatter between sessions */
  bool by_sessions = sa->n_compared >= LSC_DIFF_MIN_SESSIONS && sb->n_compared >= LSC_DIFF_MIN_SESSIONS;
  if (!(per_session = malloc ((sa->n_compared + sb->n_compared + 1) * sizeof *per_session)))
    goto oom;
  for (size_t r = 0; r < d->n_rows; r++)
    {
      lsc_diff_row *row = &d->rows[r];
      const group *x = bd.groups[r].a, *y = bd.groups[r].b;
      bool ha = x != NULL, hb = y != NULL;
      if (!ha || !hb)
        {
          /* One side only: its metric, for the table. */
          const group *g = ha ? x : y;
          lsc_diff_estimate est;
          if (lsc_diff_bootstrap (g->values.v, g->values.n, g->values.v, g->values.n, o->metric, 0, 0, NULL, &est) != 0)
            goto oom;
          *(ha ? &row->value_a : &row->value_b) = est.value_a;
          continue;
        }
      /* Each session's metric sorts its values: not worth it where no row can have enough. */
      long ka = 0, kb = 0;
      if (by_sessions)
        {
          ka = session_metrics (x, sa->n_compared, o->metric, per_session);
          kb = session_metrics (y, sb->n_compared, o->metric, per_session + sa->n_compared);
        }
      if (ka < 0 || kb < 0)
        goto oom;
      if (ka >= LSC_DIFF_MIN_SESSIONS && kb >= LSC_DIFF_MIN_SESSIONS)
        welch_interval (per_session, ka, per_session + sa->n_compared, kb, alpha, row);
      else
        {
          lsc_diff_estimate est;
          if (lsc_diff_bootstrap (x->values.v, x->values.n, y->values.v, y->values.n, o->metric, LSC_DIFF_SEED,
                                  LSC_DIFF_REPLICATES, NULL, &est)
              != 0)
            goto oom;
          row->value_a = est.value_a;
          row->value_b = est.value_b;
          row->diff_ns = est.diff_ns;
          row->ci_low_ns = est.diff_ns - z * est.sd_ns;
          row->ci_high_ns = est.diff_ns + z * est.sd_ns;
          /* A process row is one session on each side by nature, and a row with too few
           * launches to test never reaches a verdict whatever its interval. */
          blocks_only = blocks_only || (row->kind != LSC_DIFF_ROW_PROCESS && row_tested (row));
        }
      row->diff_pct = row->value_a != 0 ? 100.0 * row->diff_ns / row->value_a : 0;
    }
  if (!warn_scatter (d, sa, sb, blocks_only) || !measure_floor (d, fa, fb)
      || lsc_report_diff_decide (d, o->noise_ns, o->noise_pct, NULL) != 0)
    goto oom;
  free (per_session);
  free (bd.groups);
  free (pair);
  side_free (&sides[0]);
  side_free (&sides[1]);
  return d;

oom:
  lsc__error_set (error, LSC_ERROR_NOMEM, "cannot compare reports %s and %s: out of memory", lsc_report_path (a),
                  lsc_report_path (b));
  failed = -1;
fail:
  if (failed >= 0 && error)
    *error = sides[failed].error;
  free (per_session);
  free (bd.groups);
  free (pair);
  lsc_report_diff_free (d);
  side_free (&sides[0]);
  side_free (&sides[1]);
  return NULL;
}

bool
lsc_report_diff_slower_than (const lsc_report_diff *diff, double pct)
{
  for (size_t i = 0; diff && i < diff->n_rows; i++)
    if (diff->rows[i].verdict == LSC_DIFF_SLOWER && diff->rows[i].diff_pct > pct)
      return true;
  return false;
}
