/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * fake-cuda-app.c — TEST-ONLY stand-in for a CUDA program, for recording commands without a
 * GPU.  It does what the CUDA driver does with CUDA_INJECTION64_PATH (load the library, call
 * its InitializeInjection), then makes "launches" through the fake libcupti the injection
 * library loaded (LSC_CUPTI_LIBRARY), as the driver's cuLaunchKernel would through CUPTI.
 *
 *   fake-cuda-app LAUNCHES EXIT [child N | kill | forkkill | pause MS M | slow US | busy | graph N | calls |
 *                                params | range | jit | runtime | switch]
 *
 * LAUNCHES 0: a program that never initialises CUDA.  Every third launch is of kernel_b, the
 * others of kernel_a.  "child N" runs a second process of this program (exec'd, so it
 * initialises CUDA itself) making N launches; "kill" ends by SIGKILL instead of EXIT, after the
 * recorder has had time to write ("forkkill": after forking a child that outlives it, without
 * initialising CUDA); "pause MS M" waits MS milliseconds after the launches and makes
 * M more; "slow US" waits US microseconds after each launch, a program that runs until it is
 * interrupted: SIGINT ends its launches and it exits 130 through exit(), as a Python program's
 * KeyboardInterrupt does, so the injection library closes its session; "busy" subscribes to
 * CUPTI itself before the injection library can, as another profiler in the process would, and
 * waits 2 s after its launches; "graph N" replays a CUDA graph N times after the launches; "calls" then synchronises,
 * copies and allocates once each and launches once configured (grid 4x2x1, block 128, 512
 * bytes of shared memory) on stream 0x77 while capturing that stream into a graph; "params"
 * then launches kernel_p (function 0xF1, parameters of 8, 8 and 4 bytes) five times with
 * values of three spec classes, and kernel_q (0xF2, whose layout the driver does not give)
 * twice; "range" then calls cudaProfilerStart, launches kernel_in 5 times, calls
 * cudaProfilerStop and launches kernel_after 4 times; "switch" then launches kernel_off 3
 * times with recording switched off (launchscope_inject_set_recording 0), kernel_dispatch 3
 * times in state 1, kernel_on 2 times in state 2 and kernel_gone 2 times after state 3, and
 * exits 99 if a switch answered other than documented; "jit" then gets function 0xA1 named
 * triton_add from cuModuleGetFunction as a JIT does (and asks for not_there, which fails),
 * launches it 4 times, and launches eager_op (0xB2, a function the runtime got otherwise)
 * twice; "runtime" then makes runtime calls, each around its driver call: cudaLaunchKernel of kernel_rt 4 times, cudaLaunchKernelExC,
 * cudaGraphLaunch, cudaStreamSynchronize, cudaMemcpyAsync and a failing cudaMalloc (status 2),
 * then cudaLaunchHostFunc and cudaGetDevice, and prints how many runtime callbacks are enabled;
 * "nvtx" pushes a range before CUDA starts (so before anything records) and makes the NVTX
 * ranges of make_nvtx_ranges with launches inside them (through the real NVTX header, which
 * loads NVTX_INJECTION64_PATH); "nvtx-busy" starts a thread that pushes and pops NVTX ranges
 * without end, and exits while it does.
 */
#include <cupti.h>
#include <dlfcn.h>
#include <nvtx3/nvToolsExt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

/* The driver's answer for the capture "calls" makes, found by the injection library by name:
 * the test double of cuStreamIsCapturing. */
static CUstream capturing_stream;

static volatile sig_atomic_t interrupted;

static void CUPTIAPI
other_profiler (void *userdata, CUpti_CallbackDomain domain, CUpti_CallbackId id, const void *data)
{
  (void) userdata;
  (void) domain;
  (void) id;
  (void) data;
}

static void
on_sigint (int sig)
{
  (void) sig;
  interrupted = 1;
}

__attribute__ ((visibility ("default"))) CUresult
cuStreamIsCapturing (CUstream stream, CUstreamCaptureStatus *status)
{
  *status = capturing_stream && stream == capturing_stream ? CU_STREAM_CAPTURE_STATUS_ACTIVE
                                                           : CU_STREAM_CAPTURE_STATUS_NONE;
  return CUDA_SUCCESS;
}

/* The test double of cuFuncGetParamInfo: 0xF1 takes (8, 8, 4) bytes; nothing else is known. */
__attribute__ ((visibility ("default"))) CUresult
cuFuncGetParamInfo (CUfunction f, size_t index, size_t *offset, size_t *size)
{
  static const size_t sizes[] = { 8, 8, 4 };
  if ((uintptr_t) f != 0xF1 || index >= 3)
    return CUDA_ERROR_INVALID_VALUE;
  *offset = index * 8;
  *size = sizes[index];
  return CUDA_SUCCESS;
}

static void
make_param_launches (void *fake, void (*name) (const char *))
{
  uint32_t (*call) (uint32_t, int, const void *)
    = (uint32_t (*) (uint32_t, int, const void *)) dlsym (fake, "fake_cupti_api_call_params");
  static const struct {
    uint64_t a, b;
    int32_t n;
  } values[] = {
    { 0x1000, 0x2000, 1024 }, { 0x3000, 0x4000, 2048 }, /* aligned, aligned, multiple of 16 */
    { 0x1004, 0x2000, 1024 },                           /* first pointer unaligned */
    { 0x1000, 0x2000, 7 },                              /* n other */
    { 0x5000, 0x6000, 32 },                             /* the first class again */
  };
  name ("kernel_p");
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
    {
      uint64_t a = values[i].a, b = values[i].b;
      int32_t n = values[i].n;
      void *args[] = { &a, &b, &n };
      cuLaunchKernel_params launch = { .f = (CUfunction) (uintptr_t) 0xF1, .gridDimX = 1, .gridDimY = 1,
                                       .gridDimZ = 1, .blockDimX = 32, .blockDimY = 1, .blockDimZ = 1,
                                       .kernelParams = args };
      call (CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, 0, &launch);
    }
  name ("kernel_q");
  for (int i = 0; i < 2; i++)
    {
      int32_t n = 5;
      void *args[] = { &n };
      cuLaunchKernel_params launch = { .f = (CUfunction) (uintptr_t) 0xF2, .gridDimX = 1, .gridDimY = 1,
                                       .gridDimZ = 1, .blockDimX = 32, .blockDimY = 1, .blockDimZ = 1,
                                       .kernelParams = args };
      call (CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, 0, &launch);
    }
}

typedef uint32_t (*api_call_fn) (uint32_t, int);
typedef void (*symbol_fn) (const char *);

static void
launch_n (api_call_fn call, symbol_fn name, int n, const char *kernel)
{
  name (kernel);
  for (int i = 0; i < n; i++)
    call (CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, 0);
}

/* Another thread: a pop of a range it did not push, and the end of one main started. */
static void *
nvtx_other_thread (void *data)
{
  nvtxRangeId_t *crossed = data;
  if (nvtxRangePop () >= 0)
    exit (103);
  nvtxRangeEnd (*crossed);
  return NULL;
}

/* Pushes and pops until the process exits, through the recording's stop and after it. */
static void *
nvtx_busy_thread (void *data)
{
  atomic_int *started = data;
  for (;;)
    {
      nvtxRangePushA ("busy");
      atomic_store (started, 1);
      nvtxRangePop ();
    }
  return NULL;
}

/* The ranges test-record-command expects, the launches inside each in its comments: outer 7
 * (two ranges), inner 2, "wide é中" 1, mydomain::registered 2, mydomain::dstart 1, startend 4,
 * owned 1, crossed 0 (ended on another thread), two without a message 0, deep 0 (64 of the 70
 * nested pushes recorded), "open at exit" 2 and "never ended" 0, both without an end. */
static void
make_nvtx_ranges (api_call_fn call, symbol_fn name)
{
  /* Where NVTX loaded no tool (record --no-nvtx) its calls return nothing to check. */
  bool tracked = nvtxRangePop () == 0; /* "before" */
  if (tracked && nvtxRangePop () != -1) /* one too many */
    exit (102);
  nvtxRangePushA ("outer");
  launch_n (call, name, 3, "k_outer");
  nvtxRangePushA ("inner");
  launch_n (call, name, 2, "k_inner");
  nvtxRangePop ();
  nvtxRangePushW (L"wide \u00e9\u4e2d");
  launch_n (call, name, 1, "k_wide");
  nvtxRangePop ();
  launch_n (call, name, 1, "k_outer");
  nvtxRangePop ();

  /* A domain's stack is its own: popping it leaves the default domain's range open. */
  nvtxDomainHandle_t domain = nvtxDomainCreateA ("mydomain");
  nvtxEventAttributes_t a = { .version = NVTX_VERSION, .size = NVTX_EVENT_ATTRIB_STRUCT_SIZE,
                              .messageType = NVTX_MESSAGE_TYPE_REGISTERED,
                              .message.registered = nvtxDomainRegisterStringA (domain, "registered") };
  nvtxDomainRangePushEx (domain, &a);
  launch_n (call, name, 2, "k_registered");
  nvtxRangePushA ("outer");
  launch_n (call, name, 2, "k_outer");
  nvtxDomainRangePop (domain);
  launch_n (call, name, 1, "k_outer");
  nvtxRangePop ();
  a.messageType = NVTX_MESSAGE_TYPE_UNICODE;
  a.message.unicode = L"dstart";
  nvtxRangeId_t id = nvtxDomainRangeStartEx (domain, &a);
  launch_n (call, name, 1, "k_dstart");
  nvtxDomainRangeEnd (domain, id);
  nvtxDomainDestroy (domain);

  id = nvtxRangeStartA ("startend");
  launch_n (call, name, 4, "k_startend");
  nvtxRangeEnd (id);

  nvtxRangeId_t crossed = nvtxRangeStartA ("crossed");
  nvtxRangePushA ("owned");
  launch_n (call, name, 1, "k_owned");
  pthread_t thread;
  if (pthread_create (&thread, NULL, nvtx_other_thread, &crossed) != 0 || pthread_join (thread, NULL) != 0)
    exit (104);
  nvtxRangePop ();

  nvtxRangePushEx (NULL);
  nvtxRangePop ();
  nvtxRangePushA (NULL);
  nvtxRangePop ();

  for (int i = 0; i < 70; i++)
    if (nvtxRangePushA ("deep") != i && tracked)
      exit (105);
  for (int i = 69; i >= 0; i--)
    if (nvtxRangePop () != i && tracked)
      exit (106);
  launch_n (call, name, 1, "k_free");

  nvtxRangePushA ("open at exit");
  launch_n (call, name, 2, "k_open");
  nvtxRangeStartA ("never ended");
}

static void
make_jit_launches (void *fake, void (*name) (const char *))
{
  uint32_t (*call) (uint32_t, int, const void *)
    = (uint32_t (*) (uint32_t, int, const void *)) dlsym (fake, "fake_cupti_api_call_params");
  /* The driver has written the function by the exit of the call. */
  CUfunction jit = (CUfunction) (uintptr_t) 0xA1, missing = (CUfunction) (uintptr_t) 0xA2;
  CUmodule module = (CUmodule) (uintptr_t) 0x10;
  cuModuleGetFunction_params got = { .hfunc = &jit, .hmod = module, .name = "triton_add" };
  call (CUPTI_DRIVER_TRACE_CBID_cuModuleGetFunction, 0, &got);
  cuModuleGetFunction_params failed = { .hfunc = &missing, .hmod = module, .name = "not_there" };
  call (CUPTI_DRIVER_TRACE_CBID_cuModuleGetFunction, 500 /* CUDA_ERROR_NOT_FOUND */, &failed);
  static const struct {
    const char *name;
    uintptr_t function;
    int launches;
  } kernels[] = { { "triton_add", 0xA1, 4 }, { "eager_op", 0xB2, 2 } };
  for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++)
    {
      name (kernels[k].name);
      for (int i = 0; i < kernels[k].launches; i++)
        {
          cuLaunchKernel_params launch = { .f = (CUfunction) kernels[k].function, .gridDimX = 1, .gridDimY = 1,
                                           .gridDimZ = 1, .blockDimX = 32, .blockDimY = 1, .blockDimZ = 1 };
          call (CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, 0, &launch);
        }
    }
}

static void
make_calls (void *fake)
{
  uint32_t (*call) (uint32_t, int, const void *)
    = (uint32_t (*) (uint32_t, int, const void *)) dlsym (fake, "fake_cupti_api_call_params");
  CUstream stream = (CUstream) (uintptr_t) 0x77;
  call (CUPTI_DRIVER_TRACE_CBID_cuStreamSynchronize, 0, NULL);
  call (CUPTI_DRIVER_TRACE_CBID_cuMemcpyHtoDAsync_v2, 0, NULL);
  call (CUPTI_DRIVER_TRACE_CBID_cuMemAlloc_v2, 2, NULL); /* CUDA_ERROR_OUT_OF_MEMORY */
  cuStreamBeginCapture_v2_params begin = { stream, CU_STREAM_CAPTURE_MODE_GLOBAL };
  call (CUPTI_DRIVER_TRACE_CBID_cuStreamBeginCapture_v2, 0, &begin);
  capturing_stream = stream;
  cuLaunchKernel_params launch = { .gridDimX = 4, .gridDimY = 2, .gridDimZ = 1, .blockDimX = 128, .blockDimY = 1,
                                   .blockDimZ = 1, .sharedMemBytes = 512, .hStream = stream };
  call (CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, 0, &launch);
  capturing_stream = NULL;
  cuStreamEndCapture_params end = { stream, NULL };
  call (CUPTI_DRIVER_TRACE_CBID_cuStreamEndCapture, 0, &end);
}

static void
make_runtime_calls (void *fake, void (*name) (const char *))
{
  uint32_t (*call) (uint32_t, uint32_t, int, const void *)
    = (uint32_t (*) (uint32_t, uint32_t, int, const void *)) dlsym (fake, "fake_cupti_runtime_call");
  unsigned (*enabled) (void) = (unsigned (*) (void)) dlsym (fake, "fake_cupti_runtime_enabled");
  name ("kernel_rt");
  for (int i = 0; i < 4; i++)
    call (CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000, CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, 0, NULL);
  call (CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernelExC_v11060, CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx, 0, NULL);
  name (NULL);
  call (CUPTI_RUNTIME_TRACE_CBID_cudaGraphLaunch_v10000, CUPTI_DRIVER_TRACE_CBID_cuGraphLaunch, 0, NULL);
  call (CUPTI_RUNTIME_TRACE_CBID_cudaStreamSynchronize_v3020, CUPTI_DRIVER_TRACE_CBID_cuStreamSynchronize, 0, NULL);
  call (CUPTI_RUNTIME_TRACE_CBID_cudaMemcpyAsync_v3020, CUPTI_DRIVER_TRACE_CBID_cuMemcpyHtoDAsync_v2, 0, NULL);
  call (CUPTI_RUNTIME_TRACE_CBID_cudaMalloc_v3020, CUPTI_DRIVER_TRACE_CBID_cuMemAlloc_v2, 2, NULL);
  call (CUPTI_RUNTIME_TRACE_CBID_cudaLaunchHostFunc_v10000, 0, 0, NULL);
  call (CUPTI_RUNTIME_TRACE_CBID_cudaGetDevice_v3020, 0, 0, NULL);
  printf ("fake-cuda-app: %u runtime callbacks enabled\n", enabled ());
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  if (argc < 3)
    {
      fprintf (stderr, "usage: %s LAUNCHES EXIT [child N | kill]\n", argv[0]);
      return 2;
    }
  long launches = atol (argv[1]);
  int status = atoi (argv[2]);
  const char *inject = getenv ("CUDA_INJECTION64_PATH");
  bool nvtx = argc > 3 && strcmp (argv[3], "nvtx") == 0;
  if (nvtx)
    nvtxRangePushA ("before");
  if (launches > 0 && inject && argc > 3 && strcmp (argv[3], "busy") == 0)
    {
      /* Another profiler in this process holds CUPTI before the injection library comes. */
      const char *cupti = getenv ("LSC_CUPTI_LIBRARY");
      void *fake = cupti ? dlopen (cupti, RTLD_NOW | RTLD_LOCAL) : NULL;
      CUptiResult (*subscribe) (CUpti_SubscriberHandle *, CUpti_CallbackFunc, void *)
        = fake ? (CUptiResult (*) (CUpti_SubscriberHandle *, CUpti_CallbackFunc, void *)) dlsym (fake, "cuptiSubscribe")
               : NULL;
      CUpti_SubscriberHandle other;
      if (!subscribe || subscribe (&other, other_profiler, NULL) != CUPTI_SUCCESS)
        return 102;
    }
  if (launches > 0 && inject)
    {
      void *lib = dlopen (inject, RTLD_NOW | RTLD_LOCAL);
      int (*init) (void) = lib ? (int (*) (void)) dlsym (lib, "InitializeInjection") : NULL;
      if (!init)
        {
          fprintf (stderr, "fake-cuda-app: %s: %s\n", inject, dlerror ());
          return 100;
        }
      init ();
      const char *cupti = getenv ("LSC_CUPTI_LIBRARY");
      void *fake = cupti ? dlopen (cupti, RTLD_NOW | RTLD_LOCAL) : NULL;
      uint32_t (*call) (uint32_t, int) = fake ? (uint32_t (*) (uint32_t, int)) dlsym (fake, "fake_cupti_api_call") : NULL;
      void (*name) (const char *) = fake ? (void (*) (const char *)) dlsym (fake, "fake_cupti_set_symbol_name") : NULL;
      if (!call || !name)
        {
          fprintf (stderr, "fake-cuda-app: no fake libcupti (LSC_CUPTI_LIBRARY=%s)\n", cupti ? cupti : "");
          return 101;
        }
      long slow_us = argc > 4 && strcmp (argv[3], "slow") == 0 ? atol (argv[4]) : 0;
      if (slow_us > 0)
        signal (SIGINT, on_sigint);
      for (long i = 0; i < launches && !interrupted; i++)
        {
          name (i % 3 == 2 ? "kernel_b" : "kernel_a");
          call (CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, 0);
          if (slow_us > 0)
            nanosleep (&(struct timespec){ .tv_sec = slow_us / 1000000, .tv_nsec = (slow_us % 1000000) * 1000 }, NULL);
        }
      if (argc > 4 && strcmp (argv[3], "graph") == 0)
        {
          name (NULL); /* CUPTI names no kernel for a graph launch */
          for (long i = atol (argv[4]); i > 0; i--)
            call (CUPTI_DRIVER_TRACE_CBID_cuGraphLaunch, 0);
        }
      if (nvtx)
        make_nvtx_ranges (call, name);
      if (argc > 3 && strcmp (argv[3], "nvtx-busy") == 0)
        {
          static atomic_int started;
          pthread_t busy;
          if (pthread_create (&busy, NULL, nvtx_busy_thread, &started) != 0)
            return 104;
          while (!atomic_load (&started))
            ;
          launch_n (call, name, 3, "k_busy");
        }
      if (argc > 3 && strcmp (argv[3], "calls") == 0)
        make_calls (fake);
      if (argc > 3 && strcmp (argv[3], "params") == 0)
        make_param_launches (fake, name);
      if (argc > 3 && strcmp (argv[3], "jit") == 0)
        make_jit_launches (fake, name);
      if (argc > 3 && strcmp (argv[3], "runtime") == 0)
        make_runtime_calls (fake, name);
      if (argc > 3 && strcmp (argv[3], "range") == 0)
        {
          call (CUPTI_DRIVER_TRACE_CBID_cuProfilerStart, 0);
          name ("kernel_in");
          for (int i = 0; i < 5; i++)
            call (CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, 0);
          call (CUPTI_DRIVER_TRACE_CBID_cuProfilerStop, 0);
          name ("kernel_after");
          for (int i = 0; i < 4; i++)
            call (CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, 0);
        }
      if (argc > 3 && strcmp (argv[3], "switch") == 0)
        {
          int (*set) (int) = (int (*) (int)) dlsym (lib, "launchscope_inject_set_recording");
          static const struct {
            int state;
            const char *kernel;
            int launches;
          } blocks[] = { { 0, "kernel_off", 3 }, { 1, "kernel_dispatch", 3 }, { 2, "kernel_on", 2 }, { 3, "kernel_gone", 2 } };
          if (!set || set (4) != -1 || set (-1) != -1)
            return 99;
          for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++)
            {
              if (set (blocks[b].state) != 0)
                return 99;
              name (blocks[b].kernel);
              for (int i = 0; i < blocks[b].launches; i++)
                call (CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, 0);
            }
          if (set (2) != -1)
            return 99;
        }
      if (argc > 5 && strcmp (argv[3], "pause") == 0)
        {
          long ms = atol (argv[4]);
          nanosleep (&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 }, NULL);
          for (long i = atol (argv[5]); i > 0; i--)
            {
              name ("kernel_late");
              call (CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, 0);
            }
        }
    }
  if (interrupted)
    return 130;
  if (argc > 3 && strcmp (argv[3], "busy") == 0)
    nanosleep (&(struct timespec){ .tv_sec = 2 }, NULL); /* time to see it running */
  if (argc > 4 && strcmp (argv[3], "child") == 0)
    {
      pid_t pid = fork ();
      if (pid == 0)
        {
          execl ("/proc/self/exe", argv[0], argv[4], "0", (char *) NULL);
          _exit (127);
        }
      int st;
      waitpid (pid, &st, 0);
    }
  if (argc > 3 && strcmp (argv[3], "forkkill") == 0 && fork () == 0)
    {
      /* Outlives its parent, holding whatever descriptors it inherited. */
      nanosleep (&(struct timespec){ .tv_sec = 3 }, NULL);
      _exit (0);
    }
  if (argc > 3 && (strcmp (argv[3], "kill") == 0 || strcmp (argv[3], "forkkill") == 0))
    {
      nanosleep (&(struct timespec){ .tv_nsec = 200000000 }, NULL); /* the writer commits when idle */
      raise (SIGKILL);
    }
  return status;
}
