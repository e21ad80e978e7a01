/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lsc-command-runner.c — `launchscope-cli record -- COMMAND` as a subprocess (see the header).
 *
 * The reader thread shares only a small reference-counted block with this object (the parts
 * folder, a stop flag, the latest figures), so it never touches the GObject and nobody ever
 * waits for it: told to stop, it ends after its current read on its own.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <signal.h>
#include <string.h>

#include "lsc-command-runner.h"

#define READ_INTERVAL_MS 100
#define DEFAULT_GRACE_MS 5000
#define RATE_WINDOW_US G_USEC_PER_SEC
#define MAX_MESSAGES 40
#define DRAIN_MS 1000 /* the output's end may lag record's exit by this much */

typedef struct {
  gatomicrefcount ref;
  GMutex lock;
  GCond wake;
  gboolean stop;
  char *folder, *prefix;   /* where record makes REPORT.parts-XXXXXX */
  GHashTable *preexisting; /* such folders that were there before: not ours */
  char *parts_dir;
  LscCommandRunnerProgress latest;
  /* reader thread only: recent (time, launches) for the rate */
  gint64 rate_t[32];
  gint64 rate_n[32];
  guint rate_next, rate_count;
} Reader;

struct _LscCommandRunner
{
  GObject parent_instance;

  LscCommandRunnerState state;
  char *report_path;
  char **argv;
  GSubprocess *process;
  GDataInputStream *output;
  GCancellable *cancellable;
  Reader *reader;
  GString *messages;
  guint n_messages;
  guint term_source;
  guint drain_source;
  int exit_status;
  gboolean exited, output_done;
};

G_DEFINE_FINAL_TYPE (LscCommandRunner, lsc_command_runner, G_TYPE_OBJECT)

enum { PROP_0, PROP_STATE, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { OUTPUT, FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

void
lsc_command_runner_progress_clear (LscCommandRunnerProgress *progress)
{
  g_clear_pointer (&progress->read_error, g_free);
}

/* ---- the reader thread -------------------------------------------------------------------- */

static Reader *
reader_ref (Reader *r)
{
  g_atomic_ref_count_inc (&r->ref);
  return r;
}

static void
reader_unref (Reader *r)
{
  if (!g_atomic_ref_count_dec (&r->ref))
    return;
  g_mutex_clear (&r->lock);
  g_cond_clear (&r->wake);
  g_free (r->folder);
  g_free (r->prefix);
  g_free (r->parts_dir);
  g_hash_table_unref (r->preexisting);
  lsc_command_runner_progress_clear (&r->latest);
  g_free (r);
}

static GHashTable *
list_parts_folders (const char *folder, const char *prefix)
{
  GHashTable *names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  for (const char *name; dir && (name = g_dir_read_name (dir));)
    if (g_str_has_prefix (name, prefix))
      g_hash_table_add (names, g_strdup (name));
  return names;
}

/* record makes the folder a moment after it starts: the one that was not there before. */
static char *
find_parts_dir (Reader *r)
{
  g_autoptr (GHashTable) now = list_parts_folders (r->folder, r->prefix);
  GHashTableIter iter;
  gpointer key;
  g_hash_table_iter_init (&iter, now);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (r->preexisting, key))
      return g_build_filename (r->folder, key, NULL);
  return NULL;
}

static double
update_rate (Reader *r, gint64 now, gint64 launches)
{
  guint cap = G_N_ELEMENTS (r->rate_t);
  r->rate_t[r->rate_next] = now;
  r->rate_n[r->rate_next] = launches;
  r->rate_next = (r->rate_next + 1) % cap;
  r->rate_count = MIN (r->rate_count + 1, cap);
  /* the oldest read within the window, against the newest */
  gint64 t0 = now, n0 = launches;
  for (guint i = 1; i < r->rate_count; i++)
    {
      guint k = (r->rate_next + cap - 1 - i) % cap;
      if (now - r->rate_t[k] > RATE_WINDOW_US)
        break;
      t0 = r->rate_t[k];
      n0 = r->rate_n[k];
    }
  return now > t0 ? (double) (launches - n0) * G_USEC_PER_SEC / (double) (now - t0) : 0;
}

static gpointer
reader_thread (gpointer data)
{
  Reader *r = data;
  g_mutex_lock (&r->lock);
  while (!r->stop)
    {
      char *dir = r->parts_dir ? g_strdup (r->parts_dir) : NULL;
      g_mutex_unlock (&r->lock);

      if (!dir && (dir = find_parts_dir (r)))
        {
          g_mutex_lock (&r->lock);
          r->parts_dir = g_strdup (dir);
          g_mutex_unlock (&r->lock);
        }
      lsc_command_progress progress;
      lsc_error error;
      gint64 t0 = g_get_monotonic_time ();
      gboolean read = dir && lsc_command_progress_read (dir, &progress, &error) == 0;
      gint64 now = g_get_monotonic_time ();
      double rate = read ? update_rate (r, now, progress.launches) : 0;
      g_free (dir);

      g_mutex_lock (&r->lock);
      if (read && !r->stop)
        {
          r->latest.progress = progress;
          r->latest.launches_per_s = rate;
          r->latest.reads++;
          g_free (r->latest.read_error);
          r->latest.read_error = error.code != LSC_ERROR_NONE ? g_strdup (error.message) : NULL;
        }
      /* a read is a pass over every launch so far: on a long run it waits longer, so the reader
       * never takes more than a fifth of a core from the program it watches */
      gint64 until = g_get_monotonic_time () + MAX (READ_INTERVAL_MS * G_TIME_SPAN_MILLISECOND, 4 * (now - t0));
      while (!r->stop && g_cond_wait_until (&r->wake, &r->lock, until))
        ;
    }
  g_mutex_unlock (&r->lock);
  reader_unref (r);
  return NULL;
}

static void
reader_stop (Reader *r)
{
  if (!r)
    return;
  g_mutex_lock (&r->lock);
  r->stop = TRUE;
  g_cond_signal (&r->wake);
  g_mutex_unlock (&r->lock);
}

/* ---- finding the CLI ---------------------------------------------------------------------- */

char *
lsc_command_runner_find_cli (GError **error)
{
  const char *env = g_getenv ("LSC_CLI");
  if (env && *env)
    {
      /* absolute: the command may run in another directory */
      if (g_file_test (env, G_FILE_TEST_IS_EXECUTABLE) && !g_file_test (env, G_FILE_TEST_IS_DIR))
        return g_canonicalize_filename (env, NULL);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("LSC_CLI names %s, which is not a program that can be run. Set it to launchscope-cli, or unset it."),
                   env);
      return NULL;
    }
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *exe_dir = exe ? g_path_get_dirname (exe) : g_strdup (".");
  g_autofree char *beside = g_build_filename (exe_dir, "launchscope-cli", NULL);
  g_autofree char *build_tree = g_build_filename (exe_dir, "..", "cli", "launchscope-cli", NULL);
  g_autofree char *installed = g_build_filename (LSC_BINDIR, "launchscope-cli", NULL);
  const char *const places[] = { beside, build_tree, installed };
  for (guint i = 0; i < G_N_ELEMENTS (places); i++)
    if (g_file_test (places[i], G_FILE_TEST_IS_EXECUTABLE) && !g_file_test (places[i], G_FILE_TEST_IS_DIR))
      return g_canonicalize_filename (places[i], NULL);
  char *on_path = g_find_program_in_path ("launchscope-cli");
  if (on_path)
    return on_path;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               _("launchscope-cli, which records commands, was not found: looked in %s, %s, %s and on PATH. Install "
                 "it beside launchscope, or set LSC_CLI to its path."),
               beside, build_tree, installed);
  return NULL;
}

/* ---- the subprocess ----------------------------------------------------------------------- */

static void
maybe_finish (LscCommandRunner *self)
{
  if (!self->exited || !self->output_done || self->state == LSC_COMMAND_RUNNER_FINISHED)
    return;
  g_clear_handle_id (&self->term_source, g_source_remove);
  g_clear_handle_id (&self->drain_source, g_source_remove);
  reader_stop (self->reader);
  self->state = LSC_COMMAND_RUNNER_FINISHED;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_signal_emit (self, signals[FINISHED], 0);
}

/* The CLI's and the injection library's own lines: what a failure is explained with. */
static gboolean
is_message (const char *line)
{
  return g_str_has_prefix (line, "launchscope-cli ") || g_str_has_prefix (line, "launchscope-inject[");
}

static void
read_line_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (LscCommandRunner) self = data;
  gsize length = 0;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, &length, &error);
  if (!line)
    {
      /* end of output, or the runner is going away */
      self->output_done = TRUE;
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        maybe_finish (self);
      return;
    }
  g_autofree char *valid = g_utf8_make_valid (line, (gssize) length);
  if (is_message (valid))
    {
      if (self->n_messages == MAX_MESSAGES)
        {
          /* keep the newest: drop the oldest line */
          const char *nl = strchr (self->messages->str, '\n');
          g_string_erase (self->messages, 0, nl ? nl - self->messages->str + 1 : -1);
          self->n_messages--;
        }
      if (self->messages->len)
        g_string_append_c (self->messages, '\n');
      g_string_append (self->messages, valid);
      self->n_messages++;
    }
  g_signal_emit (self, signals[OUTPUT], 0, valid);
  g_data_input_stream_read_line_async (self->output, G_PRIORITY_DEFAULT, self->cancellable, read_line_cb,
                                       g_object_ref (self));
}

/* record has exited but a process of the command that outlived it still holds the output open:
 * what record said is in, so the recording ends here rather than with that process. */
static gboolean
drain_timeout_cb (gpointer data)
{
  LscCommandRunner *self = data;
  self->drain_source = 0;
  g_cancellable_cancel (self->cancellable);
  self->output_done = TRUE;
  maybe_finish (self);
  return G_SOURCE_REMOVE;
}

static void
wait_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (LscCommandRunner) self = data;
  GSubprocess *process = G_SUBPROCESS (source);
  if (!g_subprocess_wait_finish (process, result, NULL))
    return; /* cancelled: the runner is going away */
  self->exited = TRUE;
  self->exit_status = g_subprocess_get_if_signaled (process) ? 128 + g_subprocess_get_term_sig (process)
                                                             : g_subprocess_get_exit_status (process);
  reader_stop (self->reader);
  if (!self->output_done)
    self->drain_source = g_timeout_add (DRAIN_MS, drain_timeout_cb, self);
  maybe_finish (self);
}

/* Parses KEY=VALUE lines; blank lines and lines starting with # are skipped. */
static gboolean
parse_environment (const char *text, GPtrArray *pairs, GError **error)
{
  if (!text)
    return TRUE;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_autofree char *line = g_strstrip (g_strdup (lines[i]));
      if (!*line || line[0] == '#')
        continue;
      const char *eq = strchr (line, '=');
      gboolean name_ok = eq && eq > line;
      for (const char *c = line; name_ok && c < eq; c++)
        name_ok = g_ascii_isalnum (*c) || *c == '_';
      if (!name_ok || g_ascii_isdigit (line[0]))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("Environment line %u, “%s”, is not KEY=VALUE: write one variable a line, its name of "
                         "letters, digits and underscores."),
                       i + 1, line);
          return FALSE;
        }
      g_ptr_array_add (pairs, g_strndup (line, (gsize) (eq - line)));
      g_ptr_array_add (pairs, g_strdup (eq + 1));
    }
  return TRUE;
}

gboolean
lsc_command_runner_start (LscCommandRunner *self, const LscCommandRunOptions *o, GError **error)
{
  g_return_val_if_fail (LSC_IS_COMMAND_RUNNER (self), FALSE);
  g_return_val_if_fail (self->state == LSC_COMMAND_RUNNER_NEW, FALSE);
  g_return_val_if_fail (o->report_path != NULL, FALSE);

  g_auto (GStrv) command = NULL;
  g_autoptr (GError) parse_error = NULL;
  g_autofree char *trimmed = g_strstrip (g_strdup (o->command_line ? o->command_line : ""));
  if (!*trimmed)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("No command given: type the program to record and its arguments."));
      return FALSE;
    }
  if (!g_shell_parse_argv (o->command_line, NULL, &command, &parse_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("The command line cannot be read: %s"),
                   parse_error->message);
      return FALSE;
    }
  g_autoptr (GPtrArray) env = g_ptr_array_new_with_free_func (g_free);
  if (!parse_environment (o->environment, env, error))
    return FALSE;
  if (o->directory && *o->directory && !g_file_test (o->directory, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("The working directory %s does not exist: choose one that does, or leave it empty."),
                   o->directory);
      return FALSE;
    }
  g_autofree char *cli = lsc_command_runner_find_cli (error);
  if (!cli)
    return FALSE;

  GPtrArray *argv = g_ptr_array_new ();
  g_ptr_array_add (argv, g_strdup (cli));
  g_ptr_array_add (argv, g_strdup ("record"));
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strdup (o->report_path));
  g_ptr_array_add (argv, g_strdup ("--cupti"));
  g_ptr_array_add (argv, g_strdup (g_strcmp0 (o->cupti_mode, "activity") == 0 ? "activity" : "callbacks"));
  if (o->cupti_library)
    {
      g_ptr_array_add (argv, g_strdup ("--cupti-lib"));
      g_ptr_array_add (argv, g_strdup (o->cupti_library));
    }
  g_ptr_array_add (argv, g_strdup ("--"));
  for (guint i = 0; command[i]; i++)
    g_ptr_array_add (argv, g_strdup (command[i]));
  g_ptr_array_add (argv, NULL);
  self->argv = (char **) g_ptr_array_free (argv, FALSE);
  self->report_path = g_strdup (o->report_path);

  g_autoptr (GSubprocessLauncher) launcher
    = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE
                                 | G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  if (o->directory && *o->directory)
    g_subprocess_launcher_set_cwd (launcher, o->directory);
  for (guint i = 0; i + 1 < env->len; i += 2)
    g_subprocess_launcher_setenv (launcher, env->pdata[i], env->pdata[i + 1], TRUE);

  Reader *r = g_new0 (Reader, 1);
  g_atomic_ref_count_init (&r->ref);
  g_mutex_init (&r->lock);
  g_cond_init (&r->wake);
  g_autofree char *absolute = g_canonicalize_filename (o->report_path, NULL);
  r->folder = g_path_get_dirname (absolute);
  g_autofree char *base = g_path_get_basename (absolute);
  r->prefix = g_strconcat (base, ".parts-", NULL);
  r->preexisting = list_parts_folders (r->folder, r->prefix);

  self->process = g_subprocess_launcher_spawnv (launcher, (const char *const *) self->argv, error);
  if (!self->process)
    {
      reader_unref (r);
      return FALSE;
    }
  self->reader = r;
  self->state = LSC_COMMAND_RUNNER_RUNNING;
  self->output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  g_data_input_stream_set_newline_type (self->output, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  g_data_input_stream_read_line_async (self->output, G_PRIORITY_DEFAULT, self->cancellable, read_line_cb,
                                       g_object_ref (self));
  g_subprocess_wait_async (self->process, self->cancellable, wait_cb, g_object_ref (self));
  g_thread_unref (g_thread_new ("lsc-command-reader", reader_thread, reader_ref (r)));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  return TRUE;
}

static gboolean
terminate_cb (gpointer data)
{
  LscCommandRunner *self = data;
  self->term_source = 0;
  if (!self->exited)
    {
      g_message ("record: still running after SIGINT: sending SIGTERM");
      g_subprocess_send_signal (self->process, SIGTERM);
    }
  return G_SOURCE_REMOVE;
}

void
lsc_command_runner_stop (LscCommandRunner *self, guint grace_ms)
{
  g_return_if_fail (LSC_IS_COMMAND_RUNNER (self));
  if (self->state != LSC_COMMAND_RUNNER_RUNNING)
    return;
  /* record passes it on to the command, which ends as it would at a terminal's Ctrl+C */
  g_subprocess_send_signal (self->process, SIGINT);
  self->term_source = g_timeout_add (grace_ms ? grace_ms : DEFAULT_GRACE_MS, terminate_cb, self);
  self->state = LSC_COMMAND_RUNNER_STOPPING;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* ---- accessors ---------------------------------------------------------------------------- */

LscCommandRunnerState
lsc_command_runner_get_state (LscCommandRunner *self)
{
  g_return_val_if_fail (LSC_IS_COMMAND_RUNNER (self), LSC_COMMAND_RUNNER_NEW);
  return self->state;
}

const char *
lsc_command_runner_get_report_path (LscCommandRunner *self)
{
  g_return_val_if_fail (LSC_IS_COMMAND_RUNNER (self), NULL);
  return self->report_path;
}

const char *const *
lsc_command_runner_get_argv (LscCommandRunner *self)
{
  g_return_val_if_fail (LSC_IS_COMMAND_RUNNER (self), NULL);
  return (const char *const *) self->argv;
}

void
lsc_command_runner_get_progress (LscCommandRunner *self, LscCommandRunnerProgress *out)
{
  g_return_if_fail (LSC_IS_COMMAND_RUNNER (self));
  memset (out, 0, sizeof *out);
  if (!self->reader)
    return;
  g_mutex_lock (&self->reader->lock);
  *out = self->reader->latest;
  out->read_error = g_strdup (self->reader->latest.read_error);
  g_mutex_unlock (&self->reader->lock);
}

const char *
lsc_command_runner_get_messages (LscCommandRunner *self)
{
  g_return_val_if_fail (LSC_IS_COMMAND_RUNNER (self), "");
  return self->messages->str;
}

int
lsc_command_runner_get_exit_status (LscCommandRunner *self)
{
  g_return_val_if_fail (LSC_IS_COMMAND_RUNNER (self), -1);
  return self->exited ? self->exit_status : -1;
}

/* ---- object ------------------------------------------------------------------------------- */

LscCommandRunner *
lsc_command_runner_new (void)
{
  return g_object_new (LSC_TYPE_COMMAND_RUNNER, NULL);
}

static void
lsc_command_runner_dispose (GObject *object)
{
  LscCommandRunner *self = LSC_COMMAND_RUNNER (object);
  /* A recording still running is asked to end: record then gathers the report by itself. */
  if (self->process && !self->exited && self->state == LSC_COMMAND_RUNNER_RUNNING)
    g_subprocess_send_signal (self->process, SIGINT);
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->term_source, g_source_remove);
  g_clear_handle_id (&self->drain_source, g_source_remove);
  reader_stop (self->reader);
  g_clear_pointer (&self->reader, reader_unref);
  g_clear_object (&self->output);
  g_clear_object (&self->process);
  G_OBJECT_CLASS (lsc_command_runner_parent_class)->dispose (object);
}

static void
lsc_command_runner_finalize (GObject *object)
{
  LscCommandRunner *self = LSC_COMMAND_RUNNER (object);
  g_clear_object (&self->cancellable);
  g_free (self->report_path);
  g_strfreev (self->argv);
  g_string_free (self->messages, TRUE);
  G_OBJECT_CLASS (lsc_command_runner_parent_class)->finalize (object);
}

static void
lsc_command_runner_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LscCommandRunner *self = LSC_COMMAND_RUNNER (object);
  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, (int) self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lsc_command_runner_class_init (LscCommandRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = lsc_command_runner_dispose;
  object_class->finalize = lsc_command_runner_finalize;
  object_class->get_property = lsc_command_runner_get_property;

  /* An LscCommandRunnerState. */
  properties[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, LSC_COMMAND_RUNNER_NEW, LSC_COMMAND_RUNNER_FINISHED,
                                             LSC_COMMAND_RUNNER_NEW,
                                             G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[OUTPUT] = g_signal_new ("output", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                  G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 0);
}

static void
lsc_command_runner_init (LscCommandRunner *self)
{
  self->cancellable = g_cancellable_new ();
  self->messages = g_string_new (NULL);
  self->exit_status = -1;
}
