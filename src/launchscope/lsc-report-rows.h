/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-report-rows.h — a report's rows, for lists and charts: the launch, spec and event tables
 * as columns with stable ids, their row ids sorted and filtered, one row's values, and one pass
 * over every launch.
 *
 * The reader owns every query: callers (the app's lists and charts) name a table, a column and
 * a filter, never SQL, and the reader reads base tables only (lsc-report.h says why).  Columns
 * present only in newer schema versions read as their default in older reports.  Long reads
 * stop when lsc_report_set_cancel's function says so.  One handle from one thread at a time.
 */
#pragma once

#include "lsc-report.h"

typedef enum {
  LSC_TABLE_LAUNCH,
  LSC_TABLE_SPEC,
  LSC_TABLE_EVENT,
  LSC_TABLE_COUNT
} lsc_table;

/* The columns each table shows; their order is the index passed to the functions below. */
typedef enum {
  LSC_LAUNCH_COL_ID,
  LSC_LAUNCH_COL_TIME,    /* start_ns since its session's start */
  LSC_LAUNCH_COL_KERNEL,  /* the kernel's name; for a raw launch without a kernel row, CUPTI's */
  LSC_LAUNCH_COL_PATH,
  LSC_LAUNCH_COL_OUTCOME,
  LSC_LAUNCH_COL_REASON,
  LSC_LAUNCH_COL_HOST_NS,
  LSC_LAUNCH_COL_API_NS,
  LSC_LAUNCH_COL_GPU_NS,
  LSC_LAUNCH_COL_SPEC,
  LSC_LAUNCH_COL_STATUS,  /* fl_status, or a CUresult + LSC_STATUS_CUDA */
  LSC_LAUNCH_COL_THREAD,
  LSC_LAUNCH_N_COLS
} lsc_launch_column;

typedef enum {
  LSC_SPEC_COL_ID,
  LSC_SPEC_COL_KERNEL,
  LSC_SPEC_COL_KEY,
  LSC_SPEC_COL_DESCRIPTION,
  LSC_SPEC_COL_ALIGNMENT,
  LSC_SPEC_COL_INT_CLASSES,
  LSC_SPEC_COL_DEBUG,
  LSC_SPEC_COL_INSTRUMENTATION,
  LSC_SPEC_COL_HOOK,
  LSC_SPEC_COL_HITS,
  LSC_SPEC_COL_MISSES,
  LSC_SPEC_COL_COMPILE_MS,
  LSC_SPEC_COL_FIRST, /* first_ns since its session's start */
  LSC_SPEC_COL_LAST,
  LSC_SPEC_N_COLS
} lsc_spec_column;

typedef enum {
  LSC_EVENT_COL_ID,
  LSC_EVENT_COL_TIME, /* t_ns since its session's start */
  LSC_EVENT_COL_KIND,
  LSC_EVENT_COL_KERNEL,
  LSC_EVENT_COL_TEXT,
  LSC_EVENT_N_COLS
} lsc_event_column;

/* A raw row's status is CUDA's own result (a launch the engine did not make), not an fl_status:
 * the status column adds this to tell the two apart. */
#define LSC_STATUS_CUDA ((int64_t) 1 << 32)

/* Columns of the table, and a column's stable id ("host_ns"), NULL out of range. */
size_t lsc_table_n_columns (lsc_table table);
const char *lsc_table_column_id (lsc_table table, size_t column);

/* Which rows: LSC_ROW_ANY matches every value.  path, outcome and thread filter launches;
 * session_id and kernel_id filter every table that has them. */
#define LSC_ROW_ANY INT64_MIN
typedef struct {
  int64_t session_id, kernel_id, path, outcome, thread;
} lsc_row_filter;

/* Every field LSC_ROW_ANY. */
void lsc_row_filter_init (lsc_row_filter *filter);

/* lsc_report_summarize (lsc-report.h) over the launches filter passes (NULL: all; its
 * session_id and kernel_id are used, its other fields ignored): every session and kernel is
 * listed, and the launch counts, percentiles and figures are those of the matching launches
 * alone (each launch's gap is still measured from its thread's previous call, whatever kernel
 * that launched); with a kernel, the sessions' specs are that kernel's only.  Streams, events
 * and NVTX ranges are the whole report's.  For views of one kernel or one process. */
lsc_report_summary *lsc_report_summarize_filtered (lsc_report *report, const lsc_row_filter *filter, lsc_error *error);

/* Makes long reads of report stop soon after cancelled(data) returns non-zero, failing with
 * LSC_ERROR_INTERRUPTED; for a GCancellable or a deadline.  NULL removes it.  Independent of
 * lsc_report_set_interrupt: either stops a read. */
void lsc_report_set_cancel (lsc_report *report, int (*cancelled) (void *data), void *data);

/* The ids of table's rows that pass filter (NULL: all), ordered by column sort_column (-1: by
 * id), ties by id, in the same direction.  Returns a malloc'd array of *n_out ids (never NULL
 * on success, even when empty), or NULL with error set. */
int64_t *lsc_report_row_ids (lsc_report *report, lsc_table table, const lsc_row_filter *filter, int sort_column,
                             bool descending, size_t *n_out, lsc_error *error);

/* Rows of table, or -1 with error set. */
int64_t lsc_report_count_rows (lsc_report *report, lsc_table table, lsc_error *error);

/* One value as the file holds it.  A value of the wrong type (text in a number column of a
 * hostile file) keeps its type: show it as it is. */
typedef enum {
  LSC_VALUE_NULL,
  LSC_VALUE_INT,
  LSC_VALUE_REAL,
  LSC_VALUE_TEXT, /* also a blob: bytes, not necessarily UTF-8 */
} lsc_value_type;

typedef struct {
  lsc_value_type type;
  int64_t i;        /* INT; REAL truncated */
  double r;         /* REAL; INT converted */
  const char *text; /* TEXT: len bytes, valid until the reader's next fetch */
  size_t len;
} lsc_value;

/* Fetches rows of one table by id, for lists that show a screenful at a time. */
typedef struct lsc_row_reader lsc_row_reader;

/* Borrows report until freed.  NULL with error set on failure. */
lsc_row_reader *lsc_row_reader_new (lsc_report *report, lsc_table table, lsc_error *error);

/* Fills values[lsc_table_n_columns (table)] with row id's values.  Returns 1, 0 when there is
 * no such row (values all NULL), or -1 with error set. */
int lsc_row_reader_fetch (lsc_row_reader *reader, int64_t id, lsc_value *values, lsc_error *error);

/* NULL is ignored. */
void lsc_row_reader_free (lsc_row_reader *reader);

/* The baseline's stages, in pipeline order (resolve, bind, specialize, key, lookup, globals,
 * metadata, launch). */
#define LSC_STAGE_COUNT 8
extern const char *const lsc_stage_names[LSC_STAGE_COUNT];

/* One launch for a pass over the table.  has_* say whether the file holds an integer there;
 * the value beside a false flag is SQLite's conversion of what it holds (0 for NULL). */
typedef struct {
  int64_t id;
  bool has_session;
  int64_t session_id;
  int64_t start_ns;
  bool has_host;
  int64_t host_ns;
  bool has_path;
  int64_t path, outcome, reason, status;
  bool has_spec;
  int64_t spec_id;
  bool has_stages; /* every stage time present */
  int64_t stage_ns[LSC_STAGE_COUNT]; /* read only up to the first missing one: use with has_stages */
  bool has_kernel;
  int64_t kernel_id;
  bool has_api; /* the launch call as CUPTI timed it */
  int64_t api_ns;
  bool has_correlation; /* CUPTI's correlation id: joins the launch call and its kernel's execution */
  int64_t correlation_id;
} lsc_launch_row;

/* Calls func for every launch in id order, within one read transaction; func returns false to
 * stop (not an error).  Returns 0, or -1 with error set. */
int lsc_report_scan_launches (lsc_report *report, bool (*func) (const lsc_launch_row *row, void *data), void *data,
                              lsc_error *error);

/* What a timeline track shows: CUDA API calls on their thread (each launch's own call, as
 * CUPTI timed it, and the api_call table's synchronisation, copy, allocation and runtime calls),
 * or kernel executions on their stream (kernel activity, the gpu_activity table). */
typedef enum {
  LSC_SPAN_API,
  LSC_SPAN_KERNEL,
} lsc_span_kind;

/* One span for a pass: name valid during the call only. */
typedef struct {
  int64_t track;    /* the thread (API) or the stream (kernel); 0 when the file has none */
  int64_t start_ns; /* on the session's clock, as start_ns */
  int64_t duration_ns;
  bool has_correlation;
  int64_t correlation_id;
  bool is_launch;   /* API: the call of a launch row (name NULL) */
  const char *name; /* the function or kernel; may be NULL */
  size_t name_len;
} lsc_span_row;

/* Calls func for every span of kind in session_id with an integer start and a duration of at
 * least 0, in no particular order (callers sort what they keep); func returns false to stop.
 * A report without such rows (no CUPTI, no activity, a table older than the file) gives none.
 * Returns 0, or -1 with error set. */
int lsc_report_scan_spans (lsc_report *report, int64_t session_id, lsc_span_kind kind,
                           bool (*func) (const lsc_span_row *row, void *data), void *data, lsc_error *error);

/* One event for a pass over the table: kind and text valid during the call only. */
typedef struct {
  int64_t id, session_id, t_ns;
  const char *kind;
  const char *text;
  size_t text_len;
} lsc_event_row;

/* Calls func for up to limit events of session_id whose kind is kind (NULL: every kind),
 * ordered by time.  Returns 0, or -1 with error set. */
int lsc_report_scan_events (lsc_report *report, int64_t session_id, const char *kind, size_t limit,
                            bool (*func) (const lsc_event_row *row, void *data), void *data, lsc_error *error);

/* The report's first session (the one `record` writes), or false when it has none or on error
 * (error set then). */
bool lsc_report_first_session (lsc_report *report, int64_t *session_id, int64_t *start_ns, lsc_error *error);

/* Writes "3.45.1 (built with 3.40.1)", the SQLite reports are read with, for About windows. */
void lsc_report_sqlite_version (char *buf, size_t size);
