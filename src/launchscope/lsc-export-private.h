/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-export-private.h — what the exporters (lsc-export-csv.c, lsc-export-sqlite.c,
 * lsc-export-json.c, lsc-export-nsys.c, lsc-export-trace.c) share, all of it in lsc-export.c:
 * destination files written under a temporary name and renamed into place, the checks of a
 * target, the source snapshot, and the sessions and kernel names most formats read first.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "lsc-export.h"

typedef struct {
  char *final_path;
  char *tmp_path;
  int fd;
  FILE *fp;
} lsc__out_file;

typedef struct {
  int64_t id, start_ns, pid;
  bool has_pid;
  char *workload, *gpu, *start_wall;
} lsc__sess_info;

typedef struct {
  lsc__sess_info *v;
  size_t n;
} lsc__sess_list;

/* Kernel names by kernel id, read once: rows name their kernel by id, so a name is read and
 * written once per kernel, not once per launch that shares it. */
typedef struct {
  int64_t id;
  int64_t name_id; /* strings given: its StringIds id */
  char *name;      /* no strings: the name cut to LSC_EXPORT_NAME_MAX, NULL when NULL */
} lsc__kernel_name;

typedef struct {
  lsc__kernel_name *v;
  size_t n;
} lsc__kernel_names;

/* Interns strings for the nsys export's StringIds (lsc-export-nsys.c). */
typedef struct lsc__string_ids lsc__string_ids;
int64_t lsc__string_id (lsc__string_ids *t, const char *s);

/* Destination files. */
int lsc__out_file_begin (lsc__out_file *of, const char *final_path, bool force, bool stream, lsc_error *error);
void lsc__out_file_abort (lsc__out_file *of);
void lsc__out_file_release_fd (lsc__out_file *of);
int lsc__out_file_commit (lsc__out_file *of, bool force, lsc_error *error);

/* Targets, errors and the source snapshot. */
bool lsc__export_is_source (lsc_report *report, const char *dest, lsc_error *error);
void lsc__export_source_error (lsc_error *error, lsc_report *report, const char *what);
void lsc__export_dest_error (lsc_error *error, sqlite3 *out, const char *final_path);
bool lsc__col_int (sqlite3_stmt *stmt, int col, int64_t *out);
const char *lsc__col_text (sqlite3_stmt *stmt, int col);
bool lsc__export_source_begin (lsc_report *report, bool *began, lsc_error *error);
void lsc__export_source_end (lsc_report *report, bool began);

/* Sessions and kernel names, read once per export. */
void lsc__sess_list_free (lsc__sess_list *l);
bool lsc__load_sessions (lsc_report *report, lsc__sess_list *l, lsc_error *error);
const lsc__sess_info *lsc__find_sess (const lsc__sess_list *l, int64_t id);
const char *lsc__gpu_kernel_sql (sqlite3 *db);
void lsc__kernel_names_free (lsc__kernel_names *k);
int lsc__load_kernel_names (lsc_report *report, lsc__string_ids *strings, lsc__kernel_names *k, bool *dest_failed);
const lsc__kernel_name *lsc__find_kernel (const lsc__kernel_names *k, sqlite3_stmt *stmt, int col);
const char *lsc__cut_copy (char *buf, const char *s, const char *fallback, size_t max);
