/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lsc-nvtx.c — NVTX's callbacks in a recorded program (see lsc-nvtx.h); built into
 * liblaunchscope-inject.so only.
 *
 * The callbacks run on the program's threads, as often as the program annotates (PyTorch's
 * emit_nvtx pushes a range per operator): like a launch's, they take no lock, allocate nothing
 * and make no syscall, past a thread's first recorded range, which sets up its ring as its first
 * launch would.  An opening copies the range's name into the thread's ring with its
 * time; a closing pushes one slot.  Each thread keeps its own stack of the push/pop ranges it
 * has open (domain, sequence number, depth): a pop closes the innermost open range of its
 * domain, so a pop without a push, or one on another thread than its push, closes nothing and
 * returns -1, as NVTX's own does.  Past LSC__NVTX_STACK open pushes on a thread the deeper ones
 * are counted, not recorded, and the pops that follow close them first, so the ranges under
 * them still close correctly.  Domains and registered strings are the few allocations (made
 * when the program creates them): kept to the end of the process, as the program may use their
 * handles until then and open ranges refer to their names.
 *
 * NVTX's callbacks take no user data: the recorder, a count of the calls in progress and the
 * range id counter are this file's, one per process like the recording itself.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define NVTX_NO_IMPL /* a tool: the types and ids only */
#include <nvtx3/nvToolsExt.h>

#include "lsc-nvtx.h"
#include "lsc-recorder-private.h"

#define LSC__NVTX_STACK 64

/* What a domain or registered-string handle points to. */
struct lsc__nvtx_text {
  struct lsc__nvtx_text *next;
  size_t len;
  char text[];
};

static const struct lsc__nvtx_text *
lsc__nvtx_text_of (const void *handle)
{
  return handle;
}

static const char *
lsc__domain_name (nvtxDomainHandle_t domain)
{
  return domain ? lsc__nvtx_text_of (domain)->text : NULL;
}

static struct {
  _Atomic (lsc_recorder *) rec;
  atomic_uint in_flight; /* callbacks between lsc__nvtx_enter and lsc__nvtx_leave */
  atomic_uint_fast64_t next_range_id;
  _Atomic (struct lsc__nvtx_text *) kept; /* every domain and registered string */
} lsc__nvtx;

/* Start/end range ids: LSC__RANGE_ID is set in every id handed out, LSC__RANGE_UNRECORDED in
 * those whose start was not recorded (so their end is not either).  Below bit 63, so a binding
 * that keeps ids as signed integers sees them positive; above any thread id << 32, so the
 * writer's keys of push/pop ranges never equal one. */
#define LSC__RANGE_ID (1ull << 62)
#define LSC__RANGE_UNRECORDED (1ull << 61)

typedef struct {
  uint32_t top, beyond; /* entries in open[]; pushes past it, not recorded */
  uint32_t seq;         /* the last sequence number given */
  struct {
    nvtxDomainHandle_t domain;
    uint32_t seq; /* 0: not recorded (pushed while nothing was recording) */
    int32_t depth;
  } open[LSC__NVTX_STACK];
} lsc__nvtx_stack;

static _Thread_local lsc__nvtx_stack lsc__nvtx_thread;

/* The recorder, held against lsc_nvtx_attach (NULL) freeing it until lsc__nvtx_leave; NULL
 * when nothing records (then leave must not be called).  Sequentially consistent on both sides:
 * either the detaching thread sees the count, or this call sees the recorder gone. */
static inline lsc_recorder *
lsc__nvtx_enter (void)
{
  /* Nothing recording (before CUDA starts, after the stop): no write to the shared count. */
  if (!atomic_load_explicit (&lsc__nvtx.rec, memory_order_relaxed))
    return NULL;
  atomic_fetch_add (&lsc__nvtx.in_flight, 1);
  lsc_recorder *rec = atomic_load (&lsc__nvtx.rec);
  if (!rec)
    atomic_fetch_sub_explicit (&lsc__nvtx.in_flight, 1, memory_order_release);
  return rec;
}

static inline void
lsc__nvtx_leave (void)
{
  atomic_fetch_sub_explicit (&lsc__nvtx.in_flight, 1, memory_order_release);
}

void
lsc_nvtx_attach (lsc_recorder *rec)
{
  atomic_store (&lsc__nvtx.rec, rec);
  if (!rec)
    while (atomic_load (&lsc__nvtx.in_flight))
      sched_yield ();
}

void
lsc_nvtx_forget_inherited (void)
{
  atomic_store (&lsc__nvtx.rec, NULL);
  atomic_store (&lsc__nvtx.in_flight, 0);
}

/* ---- names ------------------------------------------------------------------------------------ */

/* len cut to at most max bytes without splitting a UTF-8 character. */
static size_t
lsc__utf8_cut (const char *s, size_t len, size_t max)
{
  if (len <= max)
    return len;
  len = max;
  while (len > 0 && ((unsigned char) s[len] & 0xc0) == 0x80)
    len--;
  return len;
}

/* A wide string as UTF-8 in out (at most max bytes, whole characters); its length.  Code
 * points that are not characters become U+FFFD. */
static size_t
lsc__utf8_from_wide (const wchar_t *w, char *out, size_t max)
{
  size_t n = 0;
  for (; *w; w++)
    {
      uint32_t c = (uint32_t) *w;
      if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        c = 0xfffd;
      unsigned char b[4];
      size_t k;
      if (c < 0x80)
        b[0] = (unsigned char) c, k = 1;
      else if (c < 0x800)
        b[0] = (unsigned char) (0xc0 | c >> 6), b[1] = (unsigned char) (0x80 | (c & 0x3f)), k = 2;
      else if (c < 0x10000)
        b[0] = (unsigned char) (0xe0 | c >> 12), b[1] = (unsigned char) (0x80 | ((c >> 6) & 0x3f)),
        b[2] = (unsigned char) (0x80 | (c & 0x3f)), k = 3;
      else
        b[0] = (unsigned char) (0xf0 | c >> 18), b[1] = (unsigned char) (0x80 | ((c >> 12) & 0x3f)),
        b[2] = (unsigned char) (0x80 | ((c >> 6) & 0x3f)), b[3] = (unsigned char) (0x80 | (c & 0x3f)), k = 4;
      if (n + k > max)
        break;
      memcpy (out + n, b, k);
      n += k;
    }
  return n;
}

/* A range's name: the program's ASCII (UTF-8) string, a registered string's, or a wide one
 * converted into buf.  False when there is none (NULL, or a message type this does not know). */
typedef struct {
  const char *text;
  size_t len;
  char buf[LSC__RANGE_NAME_MAX + 1];
} lsc__nvtx_name;

static bool
lsc__name_ascii (lsc__nvtx_name *name, const char *s)
{
  if (!s)
    return false;
  name->text = s;
  name->len = lsc__utf8_cut (s, strnlen (s, LSC__RANGE_NAME_MAX + 1), LSC__RANGE_NAME_MAX);
  return true;
}

static bool
lsc__name_wide (lsc__nvtx_name *name, const wchar_t *w)
{
  if (!w)
    return false;
  name->len = lsc__utf8_from_wide (w, name->buf, LSC__RANGE_NAME_MAX);
  name->text = name->buf;
  return true;
}

static bool
lsc__name_attributes (lsc__nvtx_name *name, const nvtxEventAttributes_t *a)
{
  /* Only what the caller's structure holds is read: an older, shorter one ends earlier. */
  if (!a || a->size < offsetof (nvtxEventAttributes_t, message) + sizeof a->message)
    return false;
  switch (a->messageType)
    {
    case NVTX_MESSAGE_TYPE_ASCII:
      return lsc__name_ascii (name, a->message.ascii);
    case NVTX_MESSAGE_TYPE_UNICODE:
      return lsc__name_wide (name, a->message.unicode);
    case NVTX_MESSAGE_TYPE_REGISTERED:
      if (!a->message.registered)
        return false;
      name->text = lsc__nvtx_text_of (a->message.registered)->text;
      name->len = lsc__nvtx_text_of (a->message.registered)->len;
      return true;
    default:
      return false;
    }
}

/* A domain or registered string: allocated (when the program makes one, never per range) and
 * kept on a lock-free list, never freed. */
static struct lsc__nvtx_text *
lsc__nvtx_keep (const char *text, size_t len)
{
  struct lsc__nvtx_text *t = malloc (sizeof *t + len + 1);
  if (!t)
    return NULL;
  memcpy (t->text, text, len);
  t->text[len] = '\0';
  t->len = len;
  t->next = atomic_load (&lsc__nvtx.kept);
  while (!atomic_compare_exchange_weak (&lsc__nvtx.kept, &t->next, t))
    ;
  return t;
}

/* ---- ranges ----------------------------------------------------------------------------------- */

static int
lsc__nvtx_push (nvtxDomainHandle_t domain, const lsc__nvtx_name *name, bool named)
{
  lsc__nvtx_stack *t = &lsc__nvtx_thread;
  int32_t depth = 0;
  for (uint32_t i = 0; i < t->top; i++)
    depth += t->open[i].domain == domain;
  if (t->top == LSC__NVTX_STACK)
    return depth + (int32_t) t->beyond++;
  uint32_t seq = 0;
  lsc_recorder *rec = lsc__nvtx_enter ();
  if (rec)
    {
      seq = ++t->seq ? t->seq : ++t->seq;
      lsc__range_open o = { .kind = LSC__RANGE_PUSH, .depth = depth, .key = seq, .start_ns = lsc__now_ns (),
                            .domain = lsc__domain_name (domain), .name = named ? name->text : NULL,
                            .name_len = named ? name->len : 0 };
      lsc__push_range (rec, &o);
      lsc__nvtx_leave ();
    }
  t->open[t->top].domain = domain;
  t->open[t->top].seq = seq;
  t->open[t->top].depth = depth;
  t->top++;
  return depth;
}

static int
lsc__nvtx_pop (nvtxDomainHandle_t domain)
{
  lsc__nvtx_stack *t = &lsc__nvtx_thread;
  if (t->beyond)
    return LSC__NVTX_STACK + (int) --t->beyond;
  uint32_t i = t->top;
  while (i > 0 && t->open[i - 1].domain != domain)
    i--;
  if (i == 0)
    return -1;
  i--;
  uint32_t seq = t->open[i].seq;
  int depth = t->open[i].depth;
  memmove (&t->open[i], &t->open[i + 1], (t->top - i - 1) * sizeof t->open[0]);
  t->top--;
  lsc_recorder *rec = seq ? lsc__nvtx_enter () : NULL;
  if (rec)
    {
      lsc__push_range_end (rec, LSC__RANGE_PUSH, seq, lsc__now_ns ());
      lsc__nvtx_leave ();
    }
  return depth;
}

static nvtxRangeId_t
lsc__nvtx_start (nvtxDomainHandle_t domain, const lsc__nvtx_name *name, bool named)
{
  uint64_t id = LSC__RANGE_ID | (atomic_fetch_add_explicit (&lsc__nvtx.next_range_id, 1, memory_order_relaxed) + 1);
  lsc_recorder *rec = lsc__nvtx_enter ();
  if (!rec)
    return id | LSC__RANGE_UNRECORDED;
  lsc__range_open o = { .kind = LSC__RANGE_START, .depth = -1, .key = id, .start_ns = lsc__now_ns (),
                        .domain = lsc__domain_name (domain), .name = named ? name->text : NULL,
                        .name_len = named ? name->len : 0 };
  lsc__push_range (rec, &o);
  lsc__nvtx_leave ();
  return id;
}

static void
lsc__nvtx_end (nvtxRangeId_t id)
{
  if ((id & (LSC__RANGE_ID | LSC__RANGE_UNRECORDED)) != LSC__RANGE_ID)
    return;
  lsc_recorder *rec = lsc__nvtx_enter ();
  if (rec)
    {
      lsc__push_range_end (rec, LSC__RANGE_START, id, lsc__now_ns ());
      lsc__nvtx_leave ();
    }
}

/* ---- NVTX's entry points ---------------------------------------------------------------------- */

static int
lsc__range_push_ex (const nvtxEventAttributes_t *a)
{
  lsc__nvtx_name name;
  bool named = lsc__name_attributes (&name, a);
  return lsc__nvtx_push (NULL, &name, named);
}

static int
lsc__range_push_a (const char *message)
{
  lsc__nvtx_name name;
  bool named = lsc__name_ascii (&name, message);
  return lsc__nvtx_push (NULL, &name, named);
}

static int
lsc__range_push_w (const wchar_t *message)
{
  lsc__nvtx_name name;
  bool named = lsc__name_wide (&name, message);
  return lsc__nvtx_push (NULL, &name, named);
}

static int
lsc__range_pop (void)
{
  return lsc__nvtx_pop (NULL);
}

static nvtxRangeId_t
lsc__range_start_ex (const nvtxEventAttributes_t *a)
{
  lsc__nvtx_name name;
  bool named = lsc__name_attributes (&name, a);
  return lsc__nvtx_start (NULL, &name, named);
}

static nvtxRangeId_t
lsc__range_start_a (const char *message)
{
  lsc__nvtx_name name;
  bool named = lsc__name_ascii (&name, message);
  return lsc__nvtx_start (NULL, &name, named);
}

static nvtxRangeId_t
lsc__range_start_w (const wchar_t *message)
{
  lsc__nvtx_name name;
  bool named = lsc__name_wide (&name, message);
  return lsc__nvtx_start (NULL, &name, named);
}

static void
lsc__range_end (nvtxRangeId_t id)
{
  lsc__nvtx_end (id);
}

static int
lsc__domain_range_push_ex (nvtxDomainHandle_t domain, const nvtxEventAttributes_t *a)
{
  lsc__nvtx_name name;
  bool named = lsc__name_attributes (&name, a);
  return lsc__nvtx_push (domain, &name, named);
}

static int
lsc__domain_range_pop (nvtxDomainHandle_t domain)
{
  return lsc__nvtx_pop (domain);
}

static nvtxRangeId_t
lsc__domain_range_start_ex (nvtxDomainHandle_t domain, const nvtxEventAttributes_t *a)
{
  lsc__nvtx_name name;
  bool named = lsc__name_attributes (&name, a);
  return lsc__nvtx_start (domain, &name, named);
}

static void
lsc__domain_range_end (nvtxDomainHandle_t domain, nvtxRangeId_t id)
{
  (void) domain;
  lsc__nvtx_end (id);
}

static nvtxDomainHandle_t
lsc__domain_create_a (const char *name)
{
  lsc__nvtx_name n;
  if (!lsc__name_ascii (&n, name))
    n.text = "", n.len = 0;
  return (nvtxDomainHandle_t) (void *) lsc__nvtx_keep (n.text, n.len);
}

static nvtxDomainHandle_t
lsc__domain_create_w (const wchar_t *name)
{
  lsc__nvtx_name n;
  if (!lsc__name_wide (&n, name))
    n.text = "", n.len = 0;
  return (nvtxDomainHandle_t) (void *) lsc__nvtx_keep (n.text, n.len);
}

/* Kept: ranges of the domain may still be open, and the program may go on using the handle. */
static void
lsc__domain_destroy (nvtxDomainHandle_t domain)
{
  (void) domain;
}

static nvtxStringHandle_t
lsc__domain_register_string_a (nvtxDomainHandle_t domain, const char *string)
{
  (void) domain;
  lsc__nvtx_name n;
  if (!lsc__name_ascii (&n, string))
    return NULL;
  return (nvtxStringHandle_t) (void *) lsc__nvtx_keep (n.text, n.len);
}

static nvtxStringHandle_t
lsc__domain_register_string_w (nvtxDomainHandle_t domain, const wchar_t *string)
{
  (void) domain;
  lsc__nvtx_name n;
  if (!lsc__name_wide (&n, string))
    return NULL;
  return (nvtxStringHandle_t) (void *) lsc__nvtx_keep (n.text, n.len);
}

typedef struct {
  unsigned id;
  NvtxFunctionPointer fn;
} lsc__nvtx_slot;

/* Callbacks this NVTX's table has room for are set; the others stay NVTX's no-ops. */
static bool
lsc__nvtx_fill (const NvtxExportTableCallbacks *callbacks, NvtxCallbackModule module, const lsc__nvtx_slot *slots,
                size_t n)
{
  NvtxFunctionTable table = NULL;
  unsigned size = 0;
  if (!callbacks->GetModuleFunctionTable (module, &table, &size) || !table)
    return false;
  for (size_t i = 0; i < n; i++)
    if (slots[i].id < size && table[slots[i].id])
      *table[slots[i].id] = slots[i].fn;
  return true;
}

#define LSC__SLOT(cbid, fn) { cbid, (NvtxFunctionPointer) (fn) }

int
lsc_nvtx_initialize (const void *(*get_export_table) (uint32_t id))
{
  const NvtxExportTableCallbacks *callbacks = get_export_table ? get_export_table (NVTX_ETID_CALLBACKS) : NULL;
  if (!callbacks || callbacks->struct_size < sizeof *callbacks || !callbacks->GetModuleFunctionTable)
    return 0;
  static const lsc__nvtx_slot core[] = {
    LSC__SLOT (NVTX_CBID_CORE_RangeStartEx, lsc__range_start_ex),
    LSC__SLOT (NVTX_CBID_CORE_RangeStartA, lsc__range_start_a),
    LSC__SLOT (NVTX_CBID_CORE_RangeStartW, lsc__range_start_w),
    LSC__SLOT (NVTX_CBID_CORE_RangeEnd, lsc__range_end),
    LSC__SLOT (NVTX_CBID_CORE_RangePushEx, lsc__range_push_ex),
    LSC__SLOT (NVTX_CBID_CORE_RangePushA, lsc__range_push_a),
    LSC__SLOT (NVTX_CBID_CORE_RangePushW, lsc__range_push_w),
    LSC__SLOT (NVTX_CBID_CORE_RangePop, lsc__range_pop),
  };
  static const lsc__nvtx_slot core2[] = {
    LSC__SLOT (NVTX_CBID_CORE2_DomainRangeStartEx, lsc__domain_range_start_ex),
    LSC__SLOT (NVTX_CBID_CORE2_DomainRangeEnd, lsc__domain_range_end),
    LSC__SLOT (NVTX_CBID_CORE2_DomainRangePushEx, lsc__domain_range_push_ex),
    LSC__SLOT (NVTX_CBID_CORE2_DomainRangePop, lsc__domain_range_pop),
    LSC__SLOT (NVTX_CBID_CORE2_DomainRegisterStringA, lsc__domain_register_string_a),
    LSC__SLOT (NVTX_CBID_CORE2_DomainRegisterStringW, lsc__domain_register_string_w),
    LSC__SLOT (NVTX_CBID_CORE2_DomainCreateA, lsc__domain_create_a),
    LSC__SLOT (NVTX_CBID_CORE2_DomainCreateW, lsc__domain_create_w),
    LSC__SLOT (NVTX_CBID_CORE2_DomainDestroy, lsc__domain_destroy),
  };
  bool ok = lsc__nvtx_fill (callbacks, NVTX_CB_MODULE_CORE, core, sizeof core / sizeof core[0]);
  /* An NVTX older than domains has no CORE2 table: its plain ranges are still recorded. */
  lsc__nvtx_fill (callbacks, NVTX_CB_MODULE_CORE2, core2, sizeof core2 / sizeof core2[0]);
  return ok ? 1 : 0;
}
