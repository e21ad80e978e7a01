# usage: inject-overhead.py eager|triton ROUNDS BLOCK [--torch-profiler]
#
# Host time per launch of a framework's own launches, in blocks of BLOCK launches timed by the
# program's clock, the GPU drained between blocks.  Run under `launchscope-cli record --`, each
# round times one block in each recording state of launchscope_inject_set_recording (0 callbacks
# off, 1 CUPTI's dispatch alone, 2 recording), in an order that rotates with the round, so the
# states are paired round by round inside one process; then CUPTI is detached (state 3) and
# ROUNDS more blocks show what lingers.  Run plainly it times ROUNDS blocks unrecorded; with
# --torch-profiler, inside torch.profiler with CUDA activity.  Prints one JSON line.
#
#   eager   x.add_(1) on a 16-element tensor (PyTorch launches through cudaLaunchKernel)
#   triton  a @triton.jit kernel called from a Python loop (its launcher calls cuLaunchKernelEx)
import ctypes, json, os, sys, time
import torch

workload, rounds, block = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
profiled = "--torch-profiler" in sys.argv[4:]

x = torch.zeros(16, device="cuda")
if workload == "eager":
    def launch():
        x.add_(1)
elif workload == "triton":
    import triton
    import triton.language as tl

    @triton.jit
    def add_one_kernel(x_ptr, n, BLOCK: tl.constexpr):
        offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        mask = offs < n
        tl.store(x_ptr + offs, tl.load(x_ptr + offs, mask=mask) + 1, mask=mask)

    def launch():
        add_one_kernel[(1,)](x, 16, BLOCK=16)
else:
    sys.exit(f"inject-overhead.py: unknown workload {workload!r} (eager or triton)")

inject = os.environ.get("CUDA_INJECTION64_PATH")
switch = ctypes.CDLL(inject).launchscope_inject_set_recording if inject else None
states = [0, 1, 2] if switch else [None]


def timed_block():
    torch.cuda.synchronize()
    t0 = time.perf_counter_ns()
    for _ in range(block):
        launch()
    t1 = time.perf_counter_ns()
    return (t1 - t0) / block


for _ in range(4):  # compiles, caches, clocks up
    timed_block()

per_state = {str(s): [] for s in states}


def measure():
    for r in range(rounds):
        for i in range(len(states)):
            s = states[(r + i) % len(states)]
            if s is not None and switch(s) != 0:
                sys.exit(f"inject-overhead.py: launchscope_inject_set_recording({s}) failed")
            per_state[str(s)].append(timed_block())


if profiled:
    from torch.profiler import profile, ProfilerActivity
    with profile(activities=[ProfilerActivity.CUDA]):
        measure()
else:
    measure()

result = {"workload": workload, "rounds": rounds, "block": block,
          "mode": "torch.profiler" if profiled else ("recorded" if switch else "unrecorded"),
          "ns_per_launch": per_state}
if switch:
    switch(2)
    if switch(3) != 0:
        sys.exit("inject-overhead.py: detaching CUPTI failed")
    result["detached"] = [timed_block() for _ in range(rounds)]
torch.cuda.synchronize()
print(json.dumps(result))
