/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-report-ranges.c — the summary's NVTX ranges: per range name, its ranges, their time, and
 * the launches made inside them.
 *
 * A launch is inside the innermost range open on its thread when its call began (api_start_ns,
 * else start_ns): of the ranges of its session and thread that had started by then and had not
 * ended, the one that started last.  One merge of two sorted streams, ranges and launches, each
 * ordered by session, thread and time: per thread a stack of the ranges started so far, whose
 * top, once the ranges ended by the launch's time are popped off it, is the launch's range.
 * Times only grow along a thread, so an ended range never comes back; each range is pushed and
 * popped once.  Only launches on threads that have ranges are read.
 */
#include <stdlib.h>
#include <string.h>

#include "lsc-percentile.h"
#include "lsc-report-private.h"
#include "lsc-saturate.h"

typedef struct {
  int64_t end; /* INT64_MAX: open at the stop */
  size_t group;
} open_range;

/* A group's own: its name as stored (groups are told apart by these bytes) and the launch-call
 * times of its successful launches. */
typedef struct {
  char *raw_domain, *raw_name;
  int64_t *values;
  size_t n_values, cap_values;
} group_extra;

typedef struct {
  lsc_range_summary *groups;
  group_extra *extra;
  size_t n, cap;
  size_t *table; /* open addressing on the name's hash: group index + 1, 0 empty */
  size_t table_cap;
} range_groups;

static uint64_t
hash_text (uint64_t h, const unsigned char *s, int n)
{
  for (int i = 0; i < n; i++)
    h = (h ^ s[i]) * 0x100000001b3ull;
  return (h ^ 0xff) * 0x100000001b3ull; /* ends the field: ("ab", "c") is not ("a", "bc") */
}

static bool
same_text (const char *kept, const unsigned char *s, int n)
{
  if (!kept || !s)
    return !kept && !s;
  return strlen (kept) == (size_t) n && memcmp (kept, s, (size_t) n) == 0;
}

/* A copy kept as the summary's, valid UTF-8; *ok false when out of memory. */
static char *
keep_text (const unsigned char *s, int n, bool *ok)
{
  if (!s)
    return NULL;
  char *copy = lsc__utf8_valid_dup ((const char *) s, strnlen ((const char *) s, (size_t) n));
  *ok = *ok && copy;
  return copy;
}

/* The group of (domain, name), columns c and c + 1 of stmt; SIZE_MAX when out of memory.  Names
 * are compared as stored, before invalid UTF-8 is replaced for display. */
static size_t
group_of (range_groups *g, sqlite3_stmt *stmt, int c)
{
  const unsigned char *domain = sqlite3_column_type (stmt, c) == SQLITE_NULL ? NULL : sqlite3_column_text (stmt, c);
  int domain_n = domain ? sqlite3_column_bytes (stmt, c) : 0;
  const unsigned char *name = sqlite3_column_type (stmt, c + 1) == SQLITE_NULL ? NULL : sqlite3_column_text (stmt, c + 1);
  int name_n = name ? sqlite3_column_bytes (stmt, c + 1) : 0;
  uint64_t h = hash_text (hash_text (0xcbf29ce484222325ull ^ (domain ? 1 : 0) ^ (name ? 2 : 0), domain, domain_n),
                          name, name_n);
  if (g->n + 1 > g->table_cap / 2)
    {
      size_t cap = g->table_cap ? g->table_cap * 2 : 64;
      size_t *table = calloc (cap, sizeof *table);
      if (!table)
        return SIZE_MAX;
      free (g->table);
      g->table = table;
      g->table_cap = cap;
      for (size_t i = 0; i < g->n; i++)
        {
          const char *d = g->extra[i].raw_domain, *nm = g->extra[i].raw_name;
          uint64_t hi = hash_text (hash_text (0xcbf29ce484222325ull ^ (d ? 1 : 0) ^ (nm ? 2 : 0),
                                              (const unsigned char *) d, d ? (int) strlen (d) : 0),
                                   (const unsigned char *) nm, nm ? (int) strlen (nm) : 0);
          size_t j = (size_t) hi & (cap - 1);
          while (table[j])
            j = (j + 1) & (cap - 1);
          table[j] = i + 1;
        }
    }
  size_t j = (size_t) h & (g->table_cap - 1);
  for (; g->table[j]; j = (j + 1) & (g->table_cap - 1))
    {
      const group_extra *e = &g->extra[g->table[j] - 1];
      if (same_text (e->raw_domain, domain, domain_n) && same_text (e->raw_name, name, name_n))
        return g->table[j] - 1;
    }
  if (g->n == g->cap)
    {
      size_t cap = g->cap ? g->cap * 2 : 16;
      lsc_range_summary *groups = realloc (g->groups, cap * sizeof *groups);
      if (groups)
        g->groups = groups;
      group_extra *extra = groups ? realloc (g->extra, cap * sizeof *extra) : NULL;
      if (!extra)
        return SIZE_MAX;
      g->extra = extra;
      g->cap = cap;
    }
  bool ok = true;
  lsc_range_summary *r = &g->groups[g->n];
  group_extra *e = &g->extra[g->n];
  *r = (lsc_range_summary){ 0 };
  *e = (group_extra){ 0 };
  /* A name with a NUL inside is kept up to it: it is shown that way. */
  e->raw_domain = domain ? strndup ((const char *) domain, (size_t) domain_n) : NULL;
  e->raw_name = name ? strndup ((const char *) name, (size_t) name_n) : NULL;
  r->domain = keep_text (domain, domain_n, &ok);
  r->name = keep_text (name, name_n, &ok);
  if (!ok || (domain && !e->raw_domain) || (name && !e->raw_name))
    {
      free (e->raw_domain);
      free (e->raw_name);
      lsc__range_summary_clear (r);
      return SIZE_MAX;
    }
  g->table[j] = g->n + 1;
  return g->n++;
}

static bool
push_value (group_extra *e, int64_t v)
{
  if (e->n_values == e->cap_values)
    {
      size_t cap = e->cap_values ? e->cap_values * 2 : 64;
      int64_t *values = realloc (e->values, cap * sizeof *values);
      if (!values)
        return false;
      e->values = values;
      e->cap_values = cap;
    }
  e->values[e->n_values++] = v;
  return true;
}

static int
cmp_text (const char *a, const char *b)
{
  return a && b ? strcmp (a, b) : (a != NULL) - (b != NULL);
}

/* Most time first; then by domain (the default first) and name. */
static int
cmp_group (const void *a, const void *b)
{
  const lsc_range_summary *x = a, *y = b;
  if (x->total_ns != y->total_ns)
    return x->total_ns < y->total_ns ? 1 : -1;
  int c = cmp_text (x->domain, y->domain);
  return c ? c : cmp_text (x->name, y->name);
}

static int
cmp_key (int64_t s1, int64_t t1, int64_t s2, int64_t t2)
{
  return s1 != s2 ? (s1 < s2 ? -1 : 1) : (t1 > t2) - (t1 < t2);
}

void
lsc__range_summary_clear (lsc_range_summary *r)
{
  free (r->domain);
  free (r->name);
}

int
lsc__summarize_ranges (sqlite3 *db, lsc_report_summary *sum)
{
  if (!lsc__table_present (sum->schema_version, "nvtx_range"))
    return SQLITE_OK;
  sqlite3_stmt *ranges = NULL, *launches = NULL;
  range_groups g = { 0 };
  open_range *stack = NULL;
  size_t depth = 0, stack_cap = 0;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT session_id, thread, start_ns, end_ns, domain, name FROM main.nvtx_range "
                               "WHERE typeof(session_id) = 'integer' AND typeof(thread) = 'integer' AND "
                               "typeof(start_ns) = 'integer' ORDER BY session_id, thread, start_ns, id",
                               -1, &ranges, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db,
                             "SELECT session_id, thread, coalesce(api_start_ns, start_ns) AS t, "
                             "coalesce(api_ns, host_ns), status FROM main.launch WHERE typeof(session_id) = "
                             "'integer' AND typeof(thread) = 'integer' AND typeof(t) = 'integer' AND "
                             "(session_id, thread) IN (SELECT session_id, thread FROM main.nvtx_range) "
                             "ORDER BY session_id, thread, t",
                             -1, &launches, NULL);
  if (rc != SQLITE_OK)
    goto done;
  /* The next range not yet taken, and the thread whose ranges the stack holds. */
  bool have_range = false;
  int64_t rs = 0, rt = 0, rstart = 0, stack_s = 0, stack_t = 0;
  bool stack_valid = false;
  rc = sqlite3_step (ranges);
  for (;;)
    {
      int lrc = sqlite3_step (launches);
      if (lrc != SQLITE_ROW && lrc != SQLITE_DONE)
        {
          rc = lrc;
          goto done;
        }
      bool launch = lrc == SQLITE_ROW;
      int64_t ls = launch ? sqlite3_column_int64 (launches, 0) : INT64_MAX;
      int64_t lt = launch ? sqlite3_column_int64 (launches, 1) : INT64_MAX;
      int64_t when = launch ? sqlite3_column_int64 (launches, 2) : INT64_MAX;
      if (!stack_valid || cmp_key (stack_s, stack_t, ls, lt) != 0)
        {
          depth = 0;
          stack_s = ls;
          stack_t = lt;
          stack_valid = true;
        }
      /* Every range up to this launch: counted, and pushed when it is on the launch's thread. */
      for (; rc == SQLITE_ROW; rc = sqlite3_step (ranges))
        {
          if (!have_range)
            {
              rs = sqlite3_column_int64 (ranges, 0);
              rt = sqlite3_column_int64 (ranges, 1);
              rstart = sqlite3_column_int64 (ranges, 2);
              have_range = true;
            }
          int c = cmp_key (rs, rt, ls, lt);
          if (c > 0 || (c == 0 && rstart > when))
            break;
          have_range = false;
          size_t gi = group_of (&g, ranges, 4);
          if (gi == SIZE_MAX)
            {
              rc = SQLITE_NOMEM;
              goto done;
            }
          lsc_range_summary *r = &g.groups[gi];
          r->ranges++;
          int64_t end = INT64_MAX;
          if (sqlite3_column_type (ranges, 3) == SQLITE_INTEGER)
            {
              end = sqlite3_column_int64 (ranges, 3);
              if (end >= rstart)
                r->total_ns = lsc__add_sat (r->total_ns, lsc__sub_sat (end, rstart));
            }
          else
            r->open++;
          if (c != 0)
            continue;
          if (depth == stack_cap)
            {
              size_t cap = stack_cap ? stack_cap * 2 : 16;
              open_range *grown = realloc (stack, cap * sizeof *grown);
              if (!grown)
                {
                  rc = SQLITE_NOMEM;
                  goto done;
                }
              stack = grown;
              stack_cap = cap;
            }
          stack[depth++] = (open_range){ .end = end, .group = gi };
        }
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        goto done;
      if (!launch)
        break;
      while (depth > 0 && stack[depth - 1].end <= when)
        depth--;
      if (depth == 0)
        continue;
      size_t gi = stack[depth - 1].group;
      g.groups[gi].launches++;
      int64_t call_ns;
      if (sqlite3_column_type (launches, 3) == SQLITE_INTEGER && sqlite3_column_int64 (launches, 4) == 0
          && (call_ns = sqlite3_column_int64 (launches, 3)) >= 0 && !push_value (&g.extra[gi], call_ns))
        {
          rc = SQLITE_NOMEM;
          goto done;
        }
    }
  for (size_t i = 0; i < g.n; i++)
    {
      lsc_range_summary *r = &g.groups[i];
      group_extra *e = &g.extra[i];
      r->count = (int64_t) e->n_values;
      if (e->n_values)
        {
          qsort (e->values, e->n_values, sizeof *e->values, lsc_cmp_i64);
          r->p50_ns = e->values[lsc_percentile_index (e->n_values, 50)];
        }
    }
  /* Sorted only now: the extras are in the groups' first order. */
  if (g.n > 1)
    qsort (g.groups, g.n, sizeof *g.groups, cmp_group);
  sum->ranges = g.groups;
  sum->n_ranges = g.n;
  g.groups = NULL;
  rc = SQLITE_OK;

done:
  for (size_t i = 0; i < g.n; i++)
    {
      if (g.groups)
        lsc__range_summary_clear (&g.groups[i]);
      free (g.extra[i].raw_domain);
      free (g.extra[i].raw_name);
      free (g.extra[i].values);
    }
  free (g.groups);
  free (g.extra);
  free (g.table);
  free (stack);
  sqlite3_finalize (ranges);
  sqlite3_finalize (launches);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}
