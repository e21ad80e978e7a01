/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-host.c — facts about the recording host.
 */
#include <stdio.h>
#include <string.h>

#include "lsc-host.h"

void
lsc_host_cpu_model (char *buf, size_t size)
{
  snprintf (buf, size, "unknown");
  FILE *f = fopen ("/proc/cpuinfo", "r");
  if (!f)
    return;
  char line[512];
  while (fgets (line, sizeof line, f))
    if (strncmp (line, "model name", 10) == 0)
      {
        const char *colon = strchr (line, ':');
        if (colon)
          {
            colon++;
            while (*colon == ' ' || *colon == '\t')
              colon++;
            snprintf (buf, size, "%s", colon);
            buf[strcspn (buf, "\n")] = '\0';
          }
        break;
      }
  fclose (f);
}
