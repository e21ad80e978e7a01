# A CUDA graph captured with torch.cuda.graph (K adds) and replayed R times.
import json, sys
import torch

k, r = 10, 50
x = torch.ones(1024, device="cuda")
s = torch.cuda.Stream()
s.wait_stream(torch.cuda.current_stream())
with torch.cuda.stream(s):
    x.add_(1)  # warm-up outside capture
torch.cuda.current_stream().wait_stream(s)
g = torch.cuda.CUDAGraph()
with torch.cuda.graph(g):
    for _ in range(k):
        x.add_(1)
for _ in range(r):
    g.replay()
torch.cuda.synchronize()
# Capturing records the adds without running them: only the warm-up and the replays add.
assert float(x[0]) == 1 + 1 + k * r, float(x[0])
print(json.dumps({"program": "torch_graph", "kernel_like": "%CUDAFunctor%add%", "captured": k,
                  "replays": r, "eager": 1}))
