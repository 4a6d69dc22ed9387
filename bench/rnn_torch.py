#!/usr/bin/python3
"""libtorch's side of bench/bench_rnn.cpp: torch.nn.LSTM / GRU (the ATen kernels libtorch's C++ API runs),
float32, seq 64, batch 32, input 256, hidden 256, forward and forward + backward; median of 30 runs in ms.

    /usr/bin/python3 bench/rnn_torch.py [threads]
"""
import statistics
import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads()
torch.set_num_threads(threads)
torch.manual_seed(0)
for name, cls in (("LSTM", torch.nn.LSTM), ("GRU", torch.nn.GRU)):
    module = cls(256, 256)
    x = torch.randn(64, 32, 256, requires_grad=True)
    upstream = torch.randn(64, 32, 256)
    for backward in (False, True):
        times = []
        for i in range(35):
            module.zero_grad()
            start = time.perf_counter()
            out, _ = module(x)
            if backward:
                out.backward(upstream)
            times.append((time.perf_counter() - start) * 1e3)
        print(f"{name} T=64 B=32 I=256 H=256 {'fwd+bwd' if backward else 'fwd'} threads={threads}: "
              f"median {statistics.median(times[5:]):.2f} ms")
