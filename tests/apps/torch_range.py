# PyTorch eager with a capture range the program marks itself: adds before, inside and after
# torch.cuda.profiler.start()/stop() (cudaProfilerStart/Stop); only the inside ones count.
import json
import torch

x = torch.ones(1024, device="cuda")
for _ in range(100):
    x.add_(1)
torch.cuda.synchronize()
torch.cuda.profiler.start()
for _ in range(300):
    x.add_(1)
torch.cuda.synchronize()
torch.cuda.profiler.stop()
for _ in range(100):
    x.add_(1)
torch.cuda.synchronize()
assert float(x[0]) == 501
print(json.dumps({"program": "torch_range", "kernel_like": "%CUDAFunctor%add%", "launches": 300}))
