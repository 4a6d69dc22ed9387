#!/usr/bin/env python3
"""The ring all-reduce model of DistributedDataParallel's step time, fitted and checked on this machine's
bench/ddp runs, and its predictions for clusters (bench/notes/scaling.md).

    scaling_model.py RESULTS_DIR [--check]

RESULTS_DIR holds bench/ddp's JSON lines (bench/run.sh's ddp stage: ddp_single.jsonl, ddp_mpi.jsonl for 2
ranks, ddp_mpi3.jsonl for 3). Prints Markdown: the fitted latency and bandwidth, the model against the
measured DDP steps and, without --check, the predictions for 8, 64 and 512 nodes on 10 and 100 Gbit/s.

The model:
- ring all-reduce of n bytes over p ranks: T(n) = 2(p-1)·alpha + 2(p-1)/p · n / beta
  (reduce-scatter then all-gather, each p-1 steps of n/p bytes).
- compute: the step's time with every rank busy and no communication (bench/ddp's local_ms) split into
  forward, backward and optimizer in proportion to their GEMM flops (an MLP layer: forward 2·B·in·out,
  backward 4·B·in·out, the first layer 2·B·in·out as its input needs no gradient).
- buckets as DistributedDataParallel makes them (distributed/reducer.cpp): parameters in reverse order,
  the first bucket capped at 1 MiB, the others at the bucket cap. A bucket is ready when backward has
  produced its last layer's gradient; the all-reduces run one after another on one link, each starting
  when its bucket is ready and the previous one has finished.
- step = compute + the communication still running when backward ends ("overlap": a network card moves
  the bytes while the cores compute).
- On one machine with one core per rank there is no such card: Open MPI's shared-memory all-reduce is
  copies and additions made by the rank's own core (its communication thread), so communication adds to
  compute instead of hiding behind it ("no overlap": step = compute + every bucket's all-reduce). The
  check against this machine's runs shows which one holds here.
"""
import argparse
import json
import math
import pathlib

STEPS = {  # bench_train_step's MLPs: widths, batch per rank
    "b": ([784, 512, 512, 10], 256),
    "c": ([1024, 4096, 4096, 1024], 1024),
}
MiB = 1024 * 1024


def read(results):
    records = []
    for name in ("ddp_single.jsonl", "ddp_mpi.jsonl", "ddp_mpi3.jsonl"):
        path = results / name
        if path.exists():
            records += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return records


def fit(points, ranks):
    """Least squares on relative error of T(n) = a + b n; returns (alpha seconds, beta bytes/s)."""
    # Weighted normal equations with weights 1/T^2 (each size counts alike).
    sw = swx = swxx = swy = swxy = 0.0
    for n, t in points:
        w = 1.0 / (t * t)
        sw += w; swx += w * n; swxx += w * n * n; swy += w * t; swxy += w * n * t
    det = sw * swxx - swx * swx
    b = (sw * swxy - swx * swy) / det
    a = (swy - b * swx) / sw
    steps = 2 * (ranks - 1)
    alpha = max(a, 0.0) / steps
    beta = (steps / ranks) / b
    return alpha, beta


def ring_seconds(nbytes, ranks, alpha, beta):
    if ranks == 1:
        return 0.0
    return 2 * (ranks - 1) * alpha + 2 * (ranks - 1) / ranks * nbytes / beta


def layers_of(widths):
    """Per layer (in order): parameter bytes (float32), forward flops share, backward flops share."""
    layers = []
    for i in range(len(widths) - 1):
        fan_in, fan_out = widths[i], widths[i + 1]
        layers.append({"bytes": 4 * (fan_in * fan_out + fan_out),
                       "forward": 2 * fan_in * fan_out, "backward": (2 if i == 0 else 4) * fan_in * fan_out})
    return layers


def buckets_of(layers, cap_mb):
    """[(bytes, index of the layer whose gradient completes the bucket)], in launch order."""
    buckets, size, first = [], 0, True
    for index in reversed(range(len(layers))):
        # a layer's weight and bias are two parameters; both land in the bucket being filled
        size += layers[index]["bytes"]
        cap = min(1 * MiB, cap_mb * MiB) if first else cap_mb * MiB
        if size >= cap:
            buckets.append((size, index))
            size, first = 0, False
    if size:
        buckets.append((size, 0))
    return buckets


def step_seconds(layers, compute, ranks, alpha, beta, cap_mb, overlap=True, optimizer_share=0.03):
    """Modelled DDP step: compute plus the all-reduce time that backward did not cover (all of it without
    overlap)."""
    if not overlap:
        return compute + sum(ring_seconds(nbytes, ranks, alpha, beta) for nbytes, _ in buckets_of(layers, cap_mb))
    forward = sum(l["forward"] for l in layers)
    backward = sum(l["backward"] for l in layers)
    busy = compute * (1 - optimizer_share)
    t_forward = busy * forward / (forward + backward)
    t_backward = busy - t_forward
    ready_at, elapsed = {}, t_forward
    for index in reversed(range(len(layers))):
        elapsed += t_backward * layers[index]["backward"] / backward
        ready_at[index] = elapsed
    end = 0.0
    for nbytes, index in buckets_of(layers, cap_mb):
        end = max(end, ready_at[index]) + ring_seconds(nbytes, ranks, alpha, beta)
    exposed = max(0.0, end - (t_forward + t_backward))
    return compute + exposed


def check(records):
    out = []
    fits = {}
    for ranks in sorted({r["ranks"] for r in records if r.get("kind") == "allreduce"}):
        points = [(r["bytes"], r["ms"] / 1e3) for r in records if r.get("kind") == "allreduce" and r["ranks"] == ranks]
        if len(points) >= 2:
            fits[ranks] = fit(points, ranks)
    if not fits:
        return "Scaling model: no all-reduce measurements (bench/ddp --distributed) in this run.", fits
    out.append("#### Ring model (bench/notes/scaling_model.py) against these runs\n")
    out.append("Fitted on this run's single all-reduces of 4 KiB – 64 MiB (shared memory, Open MPI):\n")
    out.append("| ranks | alpha (latency per ring step) | beta (bandwidth) |\n|---|---|---|")
    for ranks, (alpha, beta) in fits.items():
        out.append(f"| {ranks} | {alpha * 1e6:.1f} µs | {beta / 1e9:.2f} GB/s |")
    out.append("\n| step | ranks | bucket cap MB | compute (local ms) | measured ms/step | model, overlap | "
               "model, no overlap |")
    out.append("|---|---|---|---|---|---|---|")
    for r in records:
        if r.get("kind", "step") != "step" or r["ranks"] == 1 or r["ranks"] not in fits:
            continue
        widths, _ = STEPS[r["step"]]
        alpha, beta = fits[r["ranks"]]
        cells = []
        for overlap in (True, False):
            model = 1e3 * step_seconds(layers_of(widths), r["local_ms"] / 1e3, r["ranks"], alpha, beta,
                                       r["bucket_cap_mb"], overlap)
            cells.append(f"{model:.1f} ({100 * (model - r['ms_per_step']) / r['ms_per_step']:+.0f} %)")
        out.append(f"| ({r['step']}) | {r['ranks']} | {r['bucket_cap_mb']:g} | {r['local_ms']:.1f} | "
                   f"{r['ms_per_step']:.1f} | " + " | ".join(cells) + " |")
    return "\n".join(out), fits


NETWORKS = {  # per-step latency of a ring hop, usable bandwidth
    "10 Gbit/s Ethernet (TCP)": (25e-6, 10e9 / 8 * 0.9),
    "100 Gbit/s (RDMA, InfiniBand/RoCE)": (3e-6, 100e9 / 8 * 0.9),
}


def predict(records):
    single = {r["step"]: r["ms_per_step"] / 1e3 for r in records if r.get("kind", "step") == "step" and r["ranks"] == 1}
    workloads = [(f"({s})", layers_of(STEPS[s][0]), single[s]) for s in ("b", "c") if s in single]
    # char_lm (examples/char_lm defaults): ~0.81 M parameters in 4 blocks; 48 ms per iteration at 1 thread
    # (BENCHMARKS.md); its gradients arrive block by block, modelled as 6 equal layers.
    char_bytes = 4 * 810_000
    workloads.append(("char_lm", [{"bytes": char_bytes / 6, "forward": 1, "backward": 2}] * 6, 0.048))
    out = ["| workload | gradients | network | 8 nodes | 64 nodes | 512 nodes |", "|---|---|---|---|---|---|"]
    for name, layers, compute in workloads:
        total = sum(l["bytes"] for l in layers)
        for network, (alpha, beta) in NETWORKS.items():
            cells = []
            for nodes in (8, 64, 512):
                step = step_seconds(layers, compute, nodes, alpha, beta, 25)
                cells.append(f"{compute / step * 100:.0f} % ({step * 1e3:.0f} ms)")
            out.append(f"| {name}, {compute * 1e3:.0f} ms compute | {total / 1e6:.1f} MB | {network} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=pathlib.Path)
    parser.add_argument("--check", action="store_true", help="only the fit and the check against the runs")
    args = parser.parse_args()
    records = read(args.results)
    text, _ = check(records)
    print(text)
    if not args.check:
        print("\n#### Predicted scaling efficiency on a cluster (compute / step time; step time in parentheses), "
              "25 MB buckets, overlap model\n")
        print(predict(records))


if __name__ == "__main__":
    main()
