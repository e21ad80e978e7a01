# A Triton kernel launched N times from a Python loop (its launcher calls cuLaunchKernelEx).
import json, sys, time
import torch
import triton
import triton.language as tl

@triton.jit
def add_one_kernel(x_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(x_ptr + offs, tl.load(x_ptr + offs, mask=mask) + 1, mask=mask)

n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
x = torch.zeros(1024, device="cuda")
add_one_kernel[(4,)](x, 1024, BLOCK=256)  # compiles
torch.cuda.synchronize()
t0 = time.perf_counter_ns()
for _ in range(n):
    add_one_kernel[(4,)](x, 1024, BLOCK=256)
t1 = time.perf_counter_ns()
torch.cuda.synchronize()
assert float(x[0]) == n + 1
print(json.dumps({"program": "triton_loop", "kernel_like": "add_one_kernel%", "launches": n + 1,
                  "ns_per_launch": (t1 - t0) / n}))
