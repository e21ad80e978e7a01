# PyTorch eager inside nested torch.cuda.nvtx ranges: known numbers of adds in each, counted by
# the innermost range open when each was launched (as report groups them).  CUDA starts before
# the first range, so every range falls inside the recording.
import json
import torch

x = torch.ones(1024, device="cuda")
torch.cuda.synchronize()
with torch.cuda.nvtx.range("step"):
    for _ in range(50):
        x.add_(1)
    with torch.cuda.nvtx.range("inner"):
        for _ in range(30):
            x.add_(1)
    for _ in range(20):
        x.add_(1)
rid = torch.cuda.nvtx.range_start("spanned")
for _ in range(10):
    x.add_(1)
torch.cuda.nvtx.range_end(rid)
torch.cuda.synchronize()
assert float(x[0]) == 111
print(json.dumps({"program": "torch_nvtx", "kernel_like": "%CUDAFunctor%add%", "launches": 110,
                  "range_launches": {"step": 70, "inner": 30, "spanned": 10},
                  "range_depths": {"step": 0, "inner": 1, "spanned": None}}))
