/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-cli-gpu.c — driver set-up for the commands, the no-GPU message, and the machine facts
 * printed with every measurement (GPU, driver, NVRTC, CPU, governor, date).
 */
#include <ctype.h>
#include <string.h>
#include <unistd.h>

#include "lsc-cli.h"
#include "lsc-host.h"
#include "lsc-report.h"

static void
read_first_line (const char *path, char *buf, size_t size)
{
  buf[0] = '\0';
  FILE *f = fopen (path, "r");
  if (!f)
    return;
  if (fgets (buf, (int) size, f))
    buf[strcspn (buf, "\n")] = '\0';
  fclose (f);
}

/* The first version-looking token (digits and at least one dot) of /proc/driver/nvidia/version:
 * "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build ..." */
static void
read_kernel_driver_version (char *buf, size_t size)
{
  char line[512];
  snprintf (buf, size, "unknown");
  read_first_line ("/proc/driver/nvidia/version", line, sizeof line);
  char *save = NULL;
  for (char *tok = strtok_r (line, " \t", &save); tok; tok = strtok_r (NULL, " \t", &save))
    {
      size_t digits = strspn (tok, "0123456789."), dots = 0;
      for (const char *q = tok; *q; q++)
        dots += *q == '.';
      if (digits == strlen (tok) && dots >= 1 && isdigit ((unsigned char) tok[0]))
        {
          snprintf (buf, size, "%s", tok);
          return;
        }
    }
}

void
lsc_machine_host_facts (lsc_machine *m)
{
  read_kernel_driver_version (m->kernel_driver, sizeof m->kernel_driver);
  lsc_host_cpu_model (m->cpu_model, sizeof m->cpu_model);
  m->online_cpus = sysconf (_SC_NPROCESSORS_ONLN);
  read_first_line ("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", m->governor, sizeof m->governor);
  if (!m->governor[0])
    snprintf (m->governor, sizeof m->governor, "not readable");
  if (gethostname (m->hostname, sizeof m->hostname) != 0)
    snprintf (m->hostname, sizeof m->hostname, "unknown");
  m->hostname[sizeof m->hostname - 1] = '\0';
  time_t now = time (NULL);
  struct tm tm;
  gmtime_r (&now, &tm);
  strftime (m->date, sizeof m->date, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
print_what_still_works (void)
{
  fprintf (stderr,
           "\n"
           "Without a GPU these still work:\n"
           "  - the engine's unit tests, on the driver test double:  meson test -C build --suite unit\n"
           "  - the CPU instruction count of the fast path:          bench/callgrind-fastpath build\n"
           "  - what recording costs a launch, in instructions:      bench/callgrind-recorder build\n"
           "  - %s --help, and the commands that read recorded reports\n",
           LSC_CLI_NAME);
}

int
lsc_cli_gpu_open (const char *cmd, int device, lsc_machine *m)
{
  memset (m, 0, sizeof *m);
  m->device = device;
  lsc_machine_host_facts (m);

  fl_probe_result p;
  fl_status st = fl_probe (FL_PROBE_COMPILE, device, &p);
  if (st == FL_ERR_NO_DRIVER || st == FL_ERR_NO_NVRTC)
    {
      fprintf (stderr, "%s %s: %s\n", LSC_CLI_NAME, cmd, p.why);
      print_what_still_works ();
      return LSC_EXIT_NO_GPU;
    }
  if (st == FL_ERR_INVALID_ARGUMENT)
    {
      fprintf (stderr, "%s %s: %s\n", LSC_CLI_NAME, cmd, p.why);
      return LSC_EXIT_USAGE;
    }
  if (st != FL_OK)
    return lsc_cli_fl_error (cmd, "reading the device's facts", st);
  st = fl_use_device (device);
  if (st != FL_OK)
    return lsc_cli_fl_error (cmd, "making the device's context current", st);

  snprintf (m->gpu_name, sizeof m->gpu_name, "%s", p.device_name);
  m->cc_major = p.cc_major;
  m->cc_minor = p.cc_minor;
  m->sm_count = p.sm_count;
  m->driver_version = p.driver_version;
  m->nvrtc_major = p.nvrtc_major;
  m->nvrtc_minor = p.nvrtc_minor;
  return LSC_EXIT_OK;
}

void
lsc_machine_print (FILE *out, const lsc_machine *m)
{
  fprintf (out, "GPU     %s (device %d, sm_%d%d, %d SMs)\n", m->gpu_name, m->device, m->cc_major, m->cc_minor,
           m->sm_count);
  fprintf (out, "Driver  NVIDIA %s, CUDA driver API %d.%d (%d), NVRTC %d.%d\n", m->kernel_driver,
           m->driver_version / 1000, (m->driver_version % 1000) / 10, m->driver_version, m->nvrtc_major,
           m->nvrtc_minor);
  fprintf (out, "CPU     %s, %ld online CPUs, governor: %s\n", m->cpu_model, m->online_cpus, m->governor);
  fprintf (out, "Host    %s, %s\n", m->hostname, m->date);
}

void
lsc_machine_print_json (FILE *out, const lsc_machine *m, const char *indent)
{
  fprintf (out, "%s\"gpu\": ", indent);
  lsc_json_write_string (out, m->gpu_name);
  fprintf (out, ",\n%s\"device\": %d,\n%s\"compute_capability\": \"%d.%d\",\n%s\"sm_count\": %d,\n", indent, m->device,
           indent, m->cc_major, m->cc_minor, indent, m->sm_count);
  fprintf (out, "%s\"driver\": ", indent);
  lsc_json_write_string (out, m->kernel_driver);
  fprintf (out, ",\n%s\"driver_version\": %d,\n%s\"nvrtc_version\": \"%d.%d\",\n%s\"cpu\": ", indent,
           m->driver_version, indent, m->nvrtc_major, m->nvrtc_minor, indent);
  lsc_json_write_string (out, m->cpu_model);
  fprintf (out, ",\n%s\"online_cpus\": %ld,\n%s\"governor\": ", indent, m->online_cpus, indent);
  lsc_json_write_string (out, m->governor);
  fprintf (out, ",\n%s\"host\": ", indent);
  lsc_json_write_string (out, m->hostname);
  fprintf (out, ",\n%s\"date\": ", indent);
  lsc_json_write_string (out, m->date);
}
