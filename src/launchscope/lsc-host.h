/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-host.h — facts about the recording host that reports and benchmark tables carry.
 */
#pragma once

#include <stddef.h>

/* The CPU's model name from /proc/cpuinfo ("unknown" when it cannot be read). */
void lsc_host_cpu_model (char *buf, size_t size);
