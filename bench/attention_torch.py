#!/usr/bin/env python3
"""PyTorch's attention next to bench/bench_attention.cpp: the same configurations (float32, batch 1,
8 heads, E = 64, L = S in {64, 256, 1024, 2048}, causal or not, forward alone and forward + backward).

PyTorch 1.13 (Debian's python3-torch) has no F.scaled_dot_product_attention, so this is its math path:
softmax(q kᵀ / sqrt(E) masked) v with autograd, as nn.MultiheadAttention computes it there. GFLOP/s counts
the same flops as bench_attention (forward 4 L S E per head, backward twice that, halved when causal).

Writes Google Benchmark-style JSON (one entry per configuration, real_time in ms, median of the
repetitions) so bench/report.py reads it like the C++ programs' output:

    /usr/bin/python3 bench/attention_torch.py --out results.json [--threads N] [--only-L L --backward]

--only-L runs one configuration (unmasked, forward + backward with --backward) once after a warm-up and
reports the process's peak RSS: run.sh starts one process per L to show how memory grows with L.
"""
import argparse
import json
import math
import resource
import statistics
import time

import torch

HEADS, EMBEDDING = 8, 64
LENGTHS = (64, 256, 1024, 2048)  # bench_attention's


def attention(q, k, v, causal):
    scores = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(q.size(-1)))
    if causal:
        hidden = ~torch.ones(q.size(-2), k.size(-2), dtype=torch.bool).tril()
        scores = scores.masked_fill(hidden, float("-inf"))
    return torch.matmul(torch.softmax(scores, dim=-1), v)


def make_inputs(length, backward):
    torch.manual_seed(0)
    shape = (1, HEADS, length, EMBEDDING)
    q, k, v = (torch.randn(shape, requires_grad=backward) for _ in range(3))
    return q, k, v, torch.randn(shape)


def run_once(inputs, causal, backward):
    q, k, v, upstream = inputs
    out = attention(q, k, v, causal)
    if backward:
        torch.autograd.grad([out], [q, k, v], [upstream])


def flops(length, causal, backward):
    forward = 4.0 * HEADS * length * length * EMBEDDING
    return forward * (3.0 if backward else 1.0) * (0.5 if causal else 1.0)


def measure(length, causal, backward, min_time, repetitions):
    inputs = make_inputs(length, backward)
    run_once(inputs, causal, backward)  # warm-up (allocator, thread pool)
    medians = []
    for _ in range(repetitions):
        iterations, start = 0, time.perf_counter()
        while True:
            run_once(inputs, causal, backward)
            iterations += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        medians.append(elapsed / iterations)
    return statistics.median(medians)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: PyTorch's default)")
    parser.add_argument("--min-time", type=float, default=0.2)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--only-L", type=int, default=0)
    parser.add_argument("--backward", action="store_true")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)

    benchmarks = []
    if args.only_L:
        run_once(make_inputs(args.only_L, args.backward), False, args.backward)
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        benchmarks.append({"name": f"attention_memory/L:{args.only_L}/bwd:{int(args.backward)}/torch",
                           "peak_rss_MiB": peak_mib})
    else:
        for backward in (False, True):
            for causal in (False, True):
                for length in LENGTHS:
                    seconds = measure(length, causal, backward, args.min_time, args.repetitions)
                    benchmarks.append({
                        "name": f"attention/L:{length}/causal:{int(causal)}/bwd:{int(backward)}/torch",
                        "aggregate_name": "median", "real_time": seconds * 1e3, "time_unit": "ms",
                        "GFLOP/s": flops(length, causal, backward) / seconds * 1e-9})
    context = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    with open(args.out, "w") as out:
        json.dump({"context": context, "benchmarks": benchmarks}, out, indent=1)


if __name__ == "__main__":
    main()
