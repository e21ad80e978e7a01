# torch.multiprocessing: two spawned workers, each making M adds on its own; the parent never
# touches CUDA.
import json, sys
import torch
import torch.multiprocessing as mp

def work(rank, m):
    x = torch.ones(1024, device="cuda")
    for _ in range(m):
        x.add_(1)
    torch.cuda.synchronize()
    assert float(x[0]) == 1 + m

if __name__ == "__main__":
    m = 500
    mp.spawn(work, args=(m,), nprocs=2)
    print(json.dumps({"program": "torch_two_procs", "kernel_like": "%CUDAFunctor%add%", "workers": 2,
                      "launches_each": m}))
