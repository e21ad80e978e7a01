# The program starts torch.profiler itself while Launchscope holds CUPTI: the profiler cannot
# subscribe, and the program must run on to its end and compute the same result.
import json, sys
import torch

n = 300
x = torch.ones(1024, device="cuda")
with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
    for _ in range(n):
        x.add_(1)
    torch.cuda.synchronize()
assert float(x[0]) == 1 + n
print(json.dumps({"program": "torch_profiler", "kernel_like": "%CUDAFunctor%add%", "launches": n,
                  "profiler_events": len(prof.events())}))
