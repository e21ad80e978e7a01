# PyTorch eager: N in-place adds on a small CUDA tensor, then the program's own count and its
# host time per launch.  Exits with status 3 so that a recorder passing it through is seen.
import json, sys, time
import torch

n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
x = torch.ones(1024, device="cuda")
torch.cuda.synchronize()
t0 = time.perf_counter_ns()
for _ in range(n):
    x.add_(1)
t1 = time.perf_counter_ns()
torch.cuda.synchronize()
assert float(x[0]) == 1 + n
# Two torch.cuda.synchronize() and the read of x[0] (a copy) are calls between launches.
print(json.dumps({"program": "torch_eager", "kernel_like": "%CUDAFunctor%add%", "launches": n,
                  "syncs_at_least": 2, "copies_at_least": 1, "ns_per_launch": (t1 - t0) / n}))
sys.exit(3)
