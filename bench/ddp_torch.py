#!/usr/bin/env python3
"""PyTorch's data-parallel training step next to bench/ddp: the train-step MLPs of bench/bench_train_step.cpp,
trained by one process and by N ranks under torch.nn.parallel.DistributedDataParallel (gloo, CPU).

Models (as bench_train_step's steps b and c, float32): Linear layers with bias and ReLU between them, inputs
randn(batch, in), targets randint(0, out, (batch,)), cross_entropy, SGD(lr 0.01, momentum 0.9); a step is
zero_grad (set_to_none=False, as libtorch 1.13 and tapegrad), forward, loss, backward, optimizer step.
    b: 784-512-512-10,       batch 256 per rank
    c: 1024-4096-4096-1024,  batch 1024 per rank
Weak scaling: every rank trains its own batch of the per-rank size (inputs seeded by rank), so N ranks process
N times the samples of one process per step. Every process (the single one and each rank) runs 1 intra-op
thread (OMP_NUM_THREADS=1, torch.set_num_threads(1)); gloo's communication threads are not covered by that.

Run with Debian's torch (the pyenv `python3` has none):

    /usr/bin/python3 bench/ddp_torch.py [--steps b,c] [--iters N] [--warmup N] [--ranks 2]
                                        [--bucket-cap-mb 1,5,25,100] [--json results.json]

The numbers, one row per (step, ranks, bucket cap):
  ms/step     median over the timed steps. For N ranks, every step starts after a dist.barrier() (outside the
              timed region) so the ranks start together, and a step's time is the MAX over the ranks (the
              slowest rank is what the next synchronised step waits for); the median is taken over those maxima.
  samples/s   ranks * batch_per_rank / (ms/step / 1000).
  speedup     samples/s(N ranks) / samples/s(1 process): ideally N.
  efficiency  speedup / N = ms/step(1 process) / ms/step(N ranks): ideally 1 (weak-scaling efficiency).
  allreduce   median ms of a bare dist.all_reduce of one flat float32 tensor holding as many elements as the
              model has parameters (barrier before each, max over ranks): all the gradient traffic of one
              step with nothing to overlap it.
  hidden      estimated fraction of that communication that DDP hides behind backward:
              1 - (ms/step(N ranks) - ms/step(1 process)) / allreduce, clamped to [0, 1]. It charges every
              extra ms of the DDP step to communication, so contention (e.g. N ranks plus gloo threads on N
              cores) lowers it.

DDP notes: bucket_cap_mb is passed as is (default 25); DDP 1.13 additionally caps its first bucket at 1 MB and
rebuilds its buckets after the first iteration, which is why DDP always gets at least one warm-up step. Each
bucket cap gets a fresh model, optimizer and DDP wrapper in the same process group.
"""
import argparse
import json
import os
import statistics
import tempfile
import time

# Before torch is imported, so that this process and the spawned ranks (which inherit the environment) start
# their OpenMP runtime with one thread.
os.environ["OMP_NUM_THREADS"] = "1"

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402
import torch.nn.functional as F  # noqa: E402

# name -> (widths: in, hidden..., out; batch per rank; default warm-up steps; default timed steps).
# Widths, batches and warm-ups are bench_train_step's; the timed-step defaults keep the whole default run
# (both steps, one bucket cap) well under two minutes on two cores: step c is ~1 s per step at one thread.
STEPS = {
    "b": ([784, 512, 512, 10], 256, 3, 30),
    "c": ([1024, 4096, 4096, 1024], 1024, 1, 6),
}
ALLREDUCE_ITERS = 10  # bare all_reduce repetitions (after one warm-up); ~0.1 s each at step c's 100 MB


def build_mlp(widths):
    layers = []
    for index in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[index], widths[index + 1]))
        if index + 2 < len(widths):  # no activation after the output layer
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


class Trainer:
    """One model, optimizer and fixed batch; `wrap` optionally puts the model under DDP."""

    def __init__(self, widths, batch, data_seed, wrap=None):
        torch.manual_seed(0)  # the same initial weights everywhere (DDP broadcasts rank 0's anyway)
        self.model = build_mlp(widths)
        self.net = wrap(self.model) if wrap else self.model
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.01, momentum=0.9)
        generator = torch.Generator().manual_seed(data_seed)  # each rank its own batch
        self.input = torch.randn(batch, widths[0], generator=generator)
        self.target = torch.randint(0, widths[-1], (batch,), generator=generator)

    def step(self):
        self.optimizer.zero_grad(set_to_none=False)
        loss = F.cross_entropy(self.net(self.input), self.target)
        loss.backward()  # under DDP this also launches the bucketed all_reduces, overlapping backward
        self.optimizer.step()


def parameter_count(widths):
    return sum(widths[i] * widths[i + 1] + widths[i + 1] for i in range(len(widths) - 1))


def time_ms(function):
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1e3


def single_process_ms(widths, batch, warmup, iters):
    """Per-step times (ms) of one process without DDP, run in this process at one thread."""
    trainer = Trainer(widths, batch, data_seed=0)
    for _ in range(warmup):
        trainer.step()
    return [time_ms(trainer.step) for _ in range(iters)]


def rank_worker(rank, ranks, init_method, out_dir, widths, batch, warmup, iters, bucket_caps):
    """One DDP rank: per-step times for every bucket cap, then the bare all_reduce times, written as JSON."""
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=init_method, rank=rank, world_size=ranks)

    def synchronised_times(function, count):
        times = []
        for _ in range(count):
            dist.barrier()  # line the ranks up so that per-step maxima over ranks compare the same step
            times.append(time_ms(function))
        return times

    step_ms = {}
    for cap in bucket_caps:
        trainer = Trainer(widths, batch, data_seed=rank,
                          wrap=lambda model: torch.nn.parallel.DistributedDataParallel(model, bucket_cap_mb=cap))
        for _ in range(max(1, warmup)):  # the first DDP step rebuilds the buckets: never time it
            trainer.step()
        step_ms[str(cap)] = synchronised_times(trainer.step, iters)
        del trainer

    flat_gradients = torch.ones(parameter_count(widths), dtype=torch.float32)
    dist.all_reduce(flat_gradients)  # warm-up: gloo's first collective of this size sets up its buffers
    allreduce_ms = synchronised_times(lambda: dist.all_reduce(flat_gradients), ALLREDUCE_ITERS)

    with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as out:
        json.dump({"step_ms": step_ms, "allreduce_ms": allreduce_ms}, out)
    dist.barrier()
    dist.destroy_process_group()


def ddp_ms(widths, batch, warmup, iters, ranks, bucket_caps):
    """Spawns the ranks; returns ({cap: per-step ms}, all_reduce ms per iteration), each the max over ranks."""
    with tempfile.TemporaryDirectory(prefix="ddp_torch_") as out_dir:
        # A FileStore in a fresh temp dir: no port to find, and no stale rendezvous state from earlier runs.
        init_method = "file://" + os.path.join(out_dir, "rendezvous")
        mp.spawn(rank_worker, nprocs=ranks, join=True,
                 args=(ranks, init_method, out_dir, widths, batch, warmup, iters, bucket_caps))
        results = []
        for rank in range(ranks):
            with open(os.path.join(out_dir, f"rank{rank}.json")) as result:
                results.append(json.load(result))
    step_ms = {cap: [max(times) for times in zip(*(r["step_ms"][str(cap)] for r in results))]
               for cap in bucket_caps}
    allreduce_ms = [max(times) for times in zip(*(r["allreduce_ms"] for r in results))]
    return step_ms, allreduce_ms


def record(step, ranks, cap, ms, batch, single_ms, allreduce_ms):
    throughput = ranks * batch / (ms / 1e3)
    speedup = throughput / (batch / (single_ms / 1e3))
    hidden = None
    if allreduce_ms is not None:
        hidden = min(1.0, max(0.0, 1.0 - (ms - single_ms) / allreduce_ms))
    return {"step": step, "ranks": ranks, "bucket_cap_mb": cap, "batch_per_rank": batch,
            "ms_per_step_median": ms, "throughput_samples_per_s": throughput, "speedup": speedup,
            "efficiency": speedup / ranks, "allreduce_ms": allreduce_ms, "hidden_fraction": hidden}


def print_table(records):
    print(f"{'step':>4} {'ranks':>5} {'bucket_MB':>9} {'ms/step':>9} {'samples/s':>10} {'speedup':>7} "
          f"{'effic.':>6} {'allred_ms':>9} {'hidden':>6}")

    def show(value, width, digits):
        return f"{'-':>{width}}" if value is None else f"{value:>{width}.{digits}f}"

    for r in records:
        cap = "-" if r["bucket_cap_mb"] is None else f"{r['bucket_cap_mb']:g}"
        print(f"{r['step']:>4} {r['ranks']:>5} {cap:>9} {r['ms_per_step_median']:>9.2f} "
              f"{r['throughput_samples_per_s']:>10.0f} {r['speedup']:>7.2f} {r['efficiency']:>6.2f} "
              f"{show(r['allreduce_ms'], 9, 2)} {show(r['hidden_fraction'], 6, 2)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", default="b,c", help="comma-separated subset of: " + ",".join(STEPS))
    parser.add_argument("--iters", type=int, help="timed steps (default per step: " +
                        ", ".join(f"{name} {spec[3]}" for name, spec in STEPS.items()) + ")")
    parser.add_argument("--warmup", type=int, help="untimed steps first (default per step: " +
                        ", ".join(f"{name} {spec[2]}" for name, spec in STEPS.items()) + "; DDP at least 1)")
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--bucket-cap-mb", default="25",
                        help="comma-separated DDP bucket caps (MB) to sweep, e.g. 1,5,25,100 (default 25)")
    parser.add_argument("--json", metavar="PATH", help="also write the records as a JSON list")
    args = parser.parse_args()

    steps = [name.strip() for name in args.steps.split(",") if name.strip()]
    unknown = [name for name in steps if name not in STEPS]
    if unknown:
        parser.error(f"unknown step(s) {unknown}; choose from {list(STEPS)}")
    bucket_caps = [float(cap) for cap in args.bucket_cap_mb.split(",")]
    bucket_caps = [int(cap) if cap.is_integer() else cap for cap in bucket_caps]  # 25, not 25.0, in the JSON
    if args.ranks < 2:
        parser.error("--ranks must be at least 2 (the 1-process baseline is always measured)")

    torch.set_num_threads(1)
    records = []
    for name in steps:
        widths, batch, default_warmup, default_iters = STEPS[name]
        warmup = default_warmup if args.warmup is None else args.warmup
        iters = default_iters if args.iters is None else args.iters
        single_ms = statistics.median(single_process_ms(widths, batch, warmup, iters))
        records.append(record(name, 1, None, single_ms, batch, single_ms, None))
        step_ms, allreduce_ms = ddp_ms(widths, batch, warmup, iters, args.ranks, bucket_caps)
        allreduce_median = statistics.median(allreduce_ms)
        for cap in bucket_caps:
            records.append(record(name, args.ranks, cap, statistics.median(step_ms[cap]), batch, single_ms,
                                  allreduce_median))

    print(f"torch {torch.__version__}, 1 thread per process, per-rank batch (weak scaling), "
          f"ms/step: median of per-step max over ranks")
    print_table(records)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(records, out, indent=1)


if __name__ == "__main__":
    main()
