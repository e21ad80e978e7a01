/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fl-nvrtc.c — NVRTC compiles and the on-disk cubin cache.
 *
 * Cache entries live under $XDG_CACHE_HOME/launchscope/ (else ~/.cache/launchscope/), named by
 * a 128-bit hash of the NVRTC version, the source and every compile option (the options carry
 * the arch, the spec, the config, the defines and the globals).  An entry is written to a
 * temporary file, fsynced and renamed into place; on read it is checked (magic, key, length,
 * checksum) and recompiled if anything is off, never trusted.  FASTLAUNCH_DISK_CACHE=0 turns
 * the cache off.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fl-private.h"

fl_status
fl__strv_add (fl__strv *v, const char *s)
{
  if (v->n + 1 >= v->cap)
    {
      unsigned cap = v->cap ? v->cap * 2 : 16;
      char **items = realloc (v->items, cap * sizeof *items);
      if (!items)
        {
          v->failed = true;
          return fl__fail (FL_ERR_NO_MEMORY, "out of memory building compile options");
        }
      v->items = items;
      v->cap = cap;
    }
  char *copy = strdup (s);
  if (!copy)
    {
      v->failed = true;
      return fl__fail (FL_ERR_NO_MEMORY, "out of memory building compile options");
    }
  v->items[v->n++] = copy;
  v->items[v->n] = NULL;
  return FL_OK;
}

fl_status
fl__strv_addf (fl__strv *v, const char *fmt, ...)
{
  char buf[1024];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (buf, sizeof buf, fmt, ap);
  va_end (ap);
  return fl__strv_add (v, buf);
}

void
fl__strv_clear (fl__strv *v)
{
  for (unsigned i = 0; i < v->n; i++)
    free (v->items[i]);
  free (v->items);
  memset (v, 0, sizeof *v);
}

void
fl__cubin_clear (fl__cubin *cubin)
{
  free (cubin->image);
  memset (cubin, 0, sizeof *cubin);
}

/* ---- on-disk cache ---- */

#define FL__CACHE_MAGIC "FLCUBIN1"

typedef struct {
  char magic[8];
  uint64_t key_a, key_b;
  uint64_t size;
  uint64_t checksum;
} fl__cache_header;

static bool
fl__cache_dir (char *buf, size_t size)
{
  const char *off = getenv ("FASTLAUNCH_DISK_CACHE");
  if (off && strcmp (off, "0") == 0)
    return false;
  const char *xdg = getenv ("XDG_CACHE_HOME");
  const char *home = getenv ("HOME");
  int n;
  if (xdg && *xdg == '/')
    n = snprintf (buf, size, "%s/launchscope", xdg);
  else if (home && *home)
    n = snprintf (buf, size, "%s/.cache/launchscope", home);
  else
    return false;
  if (n <= 0 || (size_t) n >= size)
    return false;
  /* mkdir -p of the last two levels is enough: $XDG_CACHE_HOME or ~/.cache may not exist yet. */
  char parent[4096];
  snprintf (parent, sizeof parent, "%s", buf);
  char *slash = strrchr (parent, '/');
  if (slash && slash != parent)
    {
      *slash = '\0';
      mkdir (parent, 0700);
    }
  return mkdir (buf, 0700) == 0 || errno == EEXIST;
}

static void
fl__cache_key (const char *source, const fl__strv *options, uint64_t *a, uint64_t *b)
{
  int ma = 0, mi = 0;
  fl_nvrtc_version (&ma, &mi);
  uint64_t h1 = FL__HASH_SEED, h2 = 0x9e3779b97f4a7c15ull;
  int ver[2] = { ma, mi };
  h1 = fl__hash_bytes (h1, ver, sizeof ver);
  h2 = fl__hash_bytes (h2, ver, sizeof ver);
  h1 = fl__hash_bytes (h1, source, strlen (source) + 1);
  h2 = fl__hash_bytes (h2, source, strlen (source) + 1);
  for (unsigned i = 0; i < options->n; i++)
    {
      h1 = fl__hash_bytes (h1, options->items[i], strlen (options->items[i]) + 1);
      h2 = fl__hash_bytes (h2, options->items[i], strlen (options->items[i]) + 1);
    }
  *a = h1;
  *b = h2 ^ (h1 >> 7);
}

static bool
fl__cache_read (const char *path, uint64_t a, uint64_t b, fl__cubin *out)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  bool ok = false;
  fl__cache_header h;
  struct stat st;
  void *image = NULL;
  if (fstat (fd, &st) != 0 || read (fd, &h, sizeof h) != (ssize_t) sizeof h)
    goto out;
  if (memcmp (h.magic, FL__CACHE_MAGIC, 8) != 0 || h.key_a != a || h.key_b != b || h.size == 0
      || (uint64_t) st.st_size != sizeof h + h.size)
    goto out;
  image = malloc (h.size);
  if (!image || read (fd, image, h.size) != (ssize_t) h.size)
    goto out;
  if (fl__hash_bytes (FL__HASH_SEED, image, h.size) != h.checksum)
    goto out;
  out->image = image;
  out->size = h.size;
  out->from_disk_cache = true;
  image = NULL;
  ok = true;
out:
  free (image);
  close (fd);
  return ok;
}

static void
fl__cache_write (const char *dir, const char *path, uint64_t a, uint64_t b, const fl__cubin *cubin)
{
  char tmp[4200];
  snprintf (tmp, sizeof tmp, "%s/.tmp-%ld-%lx", dir, (long) getpid (), (unsigned long) (uintptr_t) &tmp ^ (unsigned long) fl__now_ns ());
  int fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return; /* the cache is an optimisation: a read-only or full disk only costs a recompile */
  fl__cache_header h = { .key_a = a, .key_b = b, .size = cubin->size };
  memcpy (h.magic, FL__CACHE_MAGIC, 8);
  h.checksum = fl__hash_bytes (FL__HASH_SEED, cubin->image, cubin->size);
  bool ok = write (fd, &h, sizeof h) == (ssize_t) sizeof h && write (fd, cubin->image, cubin->size) == (ssize_t) cubin->size
            && fsync (fd) == 0;
  ok = close (fd) == 0 && ok;
  if (!ok || rename (tmp, path) != 0)
    unlink (tmp);
}

/* ---- compile ---- */

fl_status
fl__compile (const char *kernel_name, const char *source, const fl__strv *options, fl__cubin *out)
{
  memset (out, 0, sizeof *out);
  fl_status st = fl__require_nvrtc ();
  if (st != FL_OK)
    return st;

  char dir[4096], path[4200];
  uint64_t a = 0, b = 0;
  bool cache = fl__cache_dir (dir, sizeof dir);
  if (cache)
    {
      fl__cache_key (source, options, &a, &b);
      snprintf (path, sizeof path, "%s/%016llx%016llx.cubin", dir, (unsigned long long) a, (unsigned long long) b);
      if (fl__cache_read (path, a, b, out))
        return FL_OK;
    }

  uint64_t t0 = fl__now_ns ();
  char program_name[256];
  snprintf (program_name, sizeof program_name, "%s.cu", kernel_name);
  nvrtcProgram prog = NULL;
  nvrtcResult r = fl__nvrtc.nvrtcCreateProgram (&prog, source, program_name, 0, NULL, NULL);
  if (r != NVRTC_SUCCESS)
    return fl__fail (FL_ERR_COMPILE, "NVRTC could not create a program for kernel '%s': %s", kernel_name,
                     fl__nvrtc.nvrtcGetErrorString ? fl__nvrtc.nvrtcGetErrorString (r) : "error");

  r = fl__nvrtc.nvrtcCompileProgram (prog, (int) options->n, (const char *const *) options->items);
  if (r != NVRTC_SUCCESS)
    {
      size_t log_size = 0;
      char *log = NULL;
      if (fl__nvrtc.nvrtcGetProgramLogSize (prog, &log_size) == NVRTC_SUCCESS && log_size > 0
          && (log = malloc (log_size + 1)) != NULL)
        {
          if (fl__nvrtc.nvrtcGetProgramLog (prog, log) != NVRTC_SUCCESS)
            log[0] = '\0';
          log[log_size] = '\0';
        }
      st = fl__fail (FL_ERR_COMPILE, "NVRTC failed to compile kernel '%s' (%s):\n%s", kernel_name,
                     fl__nvrtc.nvrtcGetErrorString ? fl__nvrtc.nvrtcGetErrorString (r) : "error",
                     log && *log ? log : "(no log)");
      free (log);
      fl__nvrtc.nvrtcDestroyProgram (&prog);
      return st;
    }

  size_t size = 0;
  if ((r = fl__nvrtc.nvrtcGetCUBINSize (prog, &size)) != NVRTC_SUCCESS || size == 0)
    {
      fl__nvrtc.nvrtcDestroyProgram (&prog);
      if (r != NVRTC_SUCCESS)
        return fl__fail (FL_ERR_COMPILE, "nvrtcGetCUBINSize failed for kernel '%s': %s", kernel_name,
                         fl__nvrtc.nvrtcGetErrorString ? fl__nvrtc.nvrtcGetErrorString (r) : "error");
      return fl__fail (FL_ERR_COMPILE, "NVRTC produced no cubin for kernel '%s' (was a real sm_XX arch given?)",
                       kernel_name);
    }
  out->image = malloc (size);
  if (!out->image)
    {
      fl__nvrtc.nvrtcDestroyProgram (&prog);
      return fl__fail (FL_ERR_NO_MEMORY, "out of memory for the cubin of kernel '%s'", kernel_name);
    }
  r = fl__nvrtc.nvrtcGetCUBIN (prog, out->image);
  fl__nvrtc.nvrtcDestroyProgram (&prog);
  if (r != NVRTC_SUCCESS)
    {
      fl__cubin_clear (out);
      return fl__fail (FL_ERR_COMPILE, "nvrtcGetCUBIN failed for kernel '%s': %s", kernel_name,
                       fl__nvrtc.nvrtcGetErrorString ? fl__nvrtc.nvrtcGetErrorString (r) : "error");
    }
  out->size = size;
  out->compile_ms = (double) (fl__now_ns () - t0) / 1e6;
  if (cache)
    fl__cache_write (dir, path, a, b, out);
  return FL_OK;
}
