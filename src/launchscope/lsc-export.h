/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-export.h — exporting a report: CSV, an SQLite copy, the JSON summary, an Nsight
 * Systems-shaped SQLite file, and a Chrome/Perfetto trace.
 *
 * Every file export writes a temporary file next to the destination and renames it into
 * place only when complete, so a failure (disk full, a corrupt source page) never leaves a
 * half-written file under the final name.  Without force an existing destination is left
 * alone and the export fails with LSC_ERROR_EXISTS; the check and the rename are one atomic
 * step (link(2)), so a file appearing meanwhile is not clobbered either.  Exports stream:
 * memory does not grow with the number of launches (except the nsys export's FL_RAW_FLOOR
 * table, which needs the summary's percentiles).  Errors name the file.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "lsc-report.h"

/* What an export writes grows with the report's rows, never with rows × the length of a name
 * they share: the nsys export stores kernel names once (StringIds), and where a format has no
 * string table (the trace, TARGET_INFO_GPU.name) a shared name is cut to this many bytes,
 * never inside a UTF-8 sequence, and ends with "…" (U+2026) when cut. */
#define LSC_EXPORT_NAME_MAX 1024

/* One CSV file per table (session, kernel, spec, launch, event, gpu_activity) in dir, named
 * <table>.csv: RFC 4180 (CRLF line ends, fields with a comma, quote, CR or LF quoted, quotes
 * doubled), a header row with the column names, NULL as an empty field and the empty string
 * as "", blobs as hexadecimal, text as UTF-8 (invalid bytes replaced by U+FFFD).  dir is created when missing (its parent must exist).
 * Returns 0, or -1 with error set. */
int lsc_export_csv (lsc_report *report, const char *dir, bool force, lsc_error *error);

/* A copy of the report via VACUUM INTO (consistent, compacted, checkpointed) holding only
 * Launchscope's own schema objects: no triggers, nor views, indexes or tables of anyone
 * else's, and our views as we define them.  Returns 0 or -1. */
int lsc_export_sqlite (lsc_report *report, const char *dest, bool force, lsc_error *error);

/* The summary as JSON (lsc_report_summary_write_json) to out; out_name names it in errors. */
int lsc_export_json (lsc_report *report, FILE *out, const char *out_name, lsc_error *error);

/* The subset of Nsight Systems' SQLite export (schema 3.16) that SQL users query: StringIds,
 * CUPTI_ACTIVITY_KIND_RUNTIME (one row per launch API call, eventClass 1 = CUDA driver,
 * globalTid = pid << 24 | tid), CUPTI_ACTIVITY_KIND_KERNEL (from kernel activity records),
 * TARGET_INFO_GPU, TARGET_INFO_SESSION_START_TIME, ENUM_NSYS_EVENT_CLASS, META_DATA_EXPORT and
 * PROCESSES, with nsys's column names, order and ns units and session-relative times; plus
 * FL_SESSION, FL_SPEC, FL_LAUNCH and FL_RAW_FLOOR, joinable by correlationId, whose
 * kernelNameId, like demangledName, is a StringIds id.  Columns CUPTI
 * did not give are NULL, or 0 where nsys declares them NOT NULL (as nsys itself exports);
 * the kernel's one shared-memory figure goes to dynamicSharedMemory (what cuLaunchKernel
 * passes); TARGET_INFO_SESSION_START_TIME.localTime repeats the UTC time, since the recording
 * host's time zone is not recorded.  Returns 0 or -1. */
int lsc_export_nsys_sqlite (lsc_report *report, const char *dest, bool force, lsc_error *error);

/* Chrome Trace Event Format (JSON object form, displayTimeUnit ns), which Perfetto and
 * chrome://tracing open: one process per session, launch spans ("X") per launching thread
 * with the CUPTI cuLaunchKernel span nested inside when recorded, kernel execution spans per
 * stream (threads named "stream N"), and events (toggles, fallbacks, errors, compiles) as
 * instant events ("i") with their text in args.  A launch without a host time is an instant
 * event too, its args without host_ns.  Names are cut at LSC_EXPORT_NAME_MAX bytes.  ts and
 * dur are µs with ns decimals.
 * Returns 0 or -1. */
int lsc_export_trace_json (lsc_report *report, const char *dest, bool force, lsc_error *error);
