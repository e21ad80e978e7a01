/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-export-json.c — the report's summary as JSON (lsc_export_json).
 */
#include "lsc-export-private.h"
#include "lsc-report-private.h"

int
lsc_export_json (lsc_report *report, FILE *out, const char *out_name, lsc_error *error)
{
  lsc_error_clear (error);
  lsc_report_summary *sum = lsc_report_summarize (report, error);
  if (!sum)
    return -1;
  int rc = lsc_report_summary_write_json (sum, out, out_name ? out_name : "output", error);
  lsc_report_summary_free (sum);
  return rc;
}
