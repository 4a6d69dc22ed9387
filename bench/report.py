#!/usr/bin/env python3
"""Turns bench/run.sh's results (Google Benchmark JSON, one file per process) into BENCHMARKS.md.

  report.py RESULTS_DIR --output BENCHMARKS.md --command "bench/run.sh ..."
  report.py --peaks-env RESULTS_DIR     prints bench_peak's denominators as shell assignments
  report.py RESULTS_DIR --merge-into BENCHMARKS.md --stages conv,rnn,fashion_cnn,ddp --command "..."
      updates only those stages' sections and targets in an existing report (a run of some stages only)

Python 3 standard library only. All figures are medians over repetitions unless marked "best".
"""
import argparse
import json
import pathlib
import re
import sys

LARGE_COPY_BYTES = 64 << 20
SMALL_COPY_BYTES = 1 << 20
CONFIGS = {
    "a": "784-128-10, batch 64",
    "b": "784-512-512-10, batch 256",
    "c": "1024-4096-4096-1024, batch 1024",
}
MLPS = {"a": ([784, 128, 10], 64), "b": ([784, 512, 512, 10], 256), "c": ([1024, 4096, 4096, 1024], 1024)}


def mlp_gemms():
    """(label, layout, m, n, k) of every GEMM of the three MLPs' training steps, in step order."""
    gemms = []
    for config, (widths, batch) in MLPS.items():
        for layer, (i, o) in enumerate(zip(widths, widths[1:]), start=1):
            gemms.append((f"({config}) layer {layer} forward", "NT", batch, o, i))
            gemms.append((f"({config}) layer {layer} dX" + (" (not in the step)" if layer == 1 else ""), "NN", batch, i, o))
            gemms.append((f"({config}) layer {layer} dW", "TN", o, i, batch))
    return gemms
TIME_TO_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}


# ---- loading


def clean_name(run_name):
    """Drops Google Benchmark's option suffixes: train_step/a/threads:1/min_time:0.500/real_time -> train_step/a/threads:1."""
    return re.sub(r"/(min_time:[^/]+|repeats:\d+|iterations:\d+|manual_time|real_time)", "", run_name)


class Results:
    """One JSON file: its context and, per benchmark, its aggregates (median, mean, max, ...)."""

    def __init__(self, path):
        data = json.loads(path.read_text())
        self.context = data.get("context", {})
        self.runs = {}
        self.manual_time = set()
        for entry in data.get("benchmarks", []):
            if entry.get("error_occurred"):
                continue
            name = clean_name(entry.get("run_name", entry["name"]))
            if "manual_time" in entry.get("run_name", ""):
                self.manual_time.add(name)
            aggregate = entry.get("aggregate_name", "single")
            self.runs.setdefault(name, {})[aggregate] = entry

    def get(self, name, field="ms", aggregate="median"):
        entry = self.runs.get(name, {}).get(aggregate)
        if entry is None:
            return None
        if field == "ms":
            return entry["real_time"] * TIME_TO_MS[entry.get("time_unit", "ns")]
        return entry.get(field)

    def names(self, pattern):
        return [name for name in self.runs if re.fullmatch(pattern, name)]


# JSON results that are not Google Benchmark files (read by their own sections).
OWN_FORMAT = {"ddp_torch"}


def load_all(directory):
    return {path.stem: Results(path) for path in sorted(directory.glob("*.json")) if path.stem not in OWN_FORMAT}


# ---- formatting


def fmt(value, digits=3):
    if value is None:
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def pct(value):
    return "–" if value is None else f"{value:.0f} %"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def ratio_text(value):
    return "–" if value is None else f"{value:.2f}×"


def table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


# ---- peaks


def all_threads(peak):
    counts = {int(m.group(1)) for name in peak.runs for m in [re.search(r"threads:(\d+)", name)] if m}
    return max(counts) if counts else 2


def peak_values(peak):
    """The denominators: best repetition of the widest FMA kernel and of the faster copy, per thread count."""
    everyone = all_threads(peak)

    def best_of(names, counter):
        values = [peak.get(n, counter, "max") for n in names]
        values = [v for v in values if v]
        return max(values) if values else None

    values = {}
    for label, threads in (("1T", 1), ("ALL", everyone)):
        values[f"PEAK_FP32_{label}"] = best_of(peak.names(rf"peak/fma/fp32/\w+/threads:{threads}"), "GFLOP/s")
        values[f"COPY_GBS_{label}"] = best_of(
            peak.names(rf"peak/copy/\w+/bytes:{LARGE_COPY_BYTES}/threads:{threads}"), "GB/s")
        values[f"COPY_SMALL_GBS_{label}"] = best_of(
            peak.names(rf"peak/copy/\w+/bytes:{SMALL_COPY_BYTES}/threads:{threads}"), "GB/s")
    return values


def print_peaks_env(directory):
    peak = Results(directory / "peak.json")
    for key, value in peak_values(peak).items():
        if value:
            print(f"TG_BENCH_{key}={value:.4g}")


# ---- report sections


class Report:
    def __init__(self, directory, command):
        self.dir = directory
        self.command = command
        self.r = load_all(directory)
        self.peak = self.r.get("peak")
        self.everyone = all_threads(self.peak) if self.peak else 2
        self.peaks = peak_values(self.peak) if self.peak else {}
        self.thread_counts = [1, self.everyone]
        self.targets = []  # (target, measured, goal, met: True/False/None)
        self.has_libtorch = any(name.startswith("libtorch_") for name in self.r)

    def text(self, name):
        path = self.dir / name
        return path.read_text().strip() if path.exists() else ""

    def fp32_peak(self, threads):
        return self.peaks.get("PEAK_FP32_1T" if threads == 1 else "PEAK_FP32_ALL")

    # -- train step numbers
    def step(self, source, config, threads, field="ms"):
        key = f"train_{config}_{threads}" if source == "tapegrad" else f"{source}_train_{config}_{threads}"
        results = self.r.get(key)
        return results.get(f"train_step/{config}/threads:{threads}", field) if results else None

    def blis_step(self, config, threads, field="ms"):
        results = self.r.get("train_blis")
        return results.get(f"blis_gemms/{config}/threads:{threads}", field) if results else None

    def overhead(self, source, measure, size):
        results = self.r.get(source)
        return results.get(f"overhead/{measure}/{size}", "us_per_op") if results else None

    # -- sections
    def machine(self):
        lscpu = self.text("lscpu.txt")

        def field(key):
            match = re.search(rf"^{re.escape(key)}:\s*(.+)$", lscpu, re.M)
            return match.group(1).strip() if match else "?"

        flags = field("Flags").split()
        simd = [f for f in flags if re.match(r"(avx|fma|f16c|amx|sse4)", f)]
        context = next((res.context for key, res in self.r.items() if "blis_arch" in res.context), {})
        lines = [
            f"- CPU: {field('Model name')} (vendor {field('Vendor ID')}, family {field('CPU family')}, "
            f"model {field('Model')}, stepping {field('Stepping')}), {field('CPU(s)')} cores, "
            f"L2 {field('L2 cache')}, L3 {field('L3 cache')}; {field('Hypervisor vendor')} VM",
            f"- SIMD flags: {' '.join(simd)}",
            f"- OS / compiler: {self.text('uname.txt')}; {self.text('compiler.txt')}; every table is the build "
            "users get (`-O3`, no `-march`: the release preset, or a plain `cmake -DCMAKE_BUILD_TYPE=Release`), "
            "whose kernels choose their instruction set at run time "
            f"(`TG_VERBOSE=1`: {self.text('isa.txt') or '?'}), except the `-march=native` column of "
            "\"Default build vs -march=native\"",
            f"- BLIS {context.get('blis_version', '?')}: kernel set in use by tapegrad (and by the raw-BLIS "
            f"baselines, same library instance): **{context.get('blis_arch', '?')}**",
        ]
        if self.has_libtorch:
            for variant in ("default", "tuned"):
                ctx = next((res.context for key, res in self.r.items() if key.startswith(f"libtorch_{variant}")), {})
                lines.append(f"- libtorch {ctx.get('torch_version', '?')} ({variant}): BLAS "
                             f"`{ctx.get('blas_libraries', '?')}` ({ctx.get('blas_kernels', '?')})")
            lines.append(f"- `libblas.so.3` alternative: `{self.text('libblas.txt')}`; tuned OPENBLAS_CORETYPE = "
                         f"{self.text('coretype')}" + (f" (measured: {self.text('coretype.txt')})"
                                                      if self.text('coretype.txt') else ""))
        environment = self.text("environment.txt")
        lines.append("- Environment of every run (besides the variables on each command line): "
                      + (", ".join(f"`{line}`" for line in environment.splitlines()) or "none relevant"))
        load = [line.split("\t") for line in self.text("load.txt").splitlines() if line.count("\t") == 2]
        if load:
            lines.append(f"- Started {self.text('started')}, finished {self.text('finished')}.")
            values = [float(avg.split()[0]) for _, _, avg in load]
            stages = []
            for (name, start, avg), following in zip(load, load[1:] + [None]):
                # "end" closes a run; a later "start" opens a re-run of some stages (run.sh --only)
                seconds = int(following[1]) - int(start) if following and name != "end" else None
                stages.append(f"{name} {avg.split()[0]}" + (f" ({seconds} s)" if seconds is not None else ""))
            lines.append(f"- **Machine load** (1-minute load average; 2 cores, shared with other work): "
                         f"{min(values):.2f}–{max(values):.2f} during the run. Per stage (load at its start, "
                         "duration): " + ", ".join(stages) + ".")
        shares = []
        for results in self.r.values():
            for name, aggregates in results.runs.items():
                entry = aggregates.get("median")
                if entry and "threads:1" in name and name not in results.manual_time and entry["real_time"] > 0:
                    shares.append(entry["cpu_time"] / entry["real_time"])
        if shares:
            shares.sort()
            lines.append(f"- CPU share of the single-threaded benchmarks (CPU time / wall time, median over "
                         f"{len(shares)}; 1.00 = never preempted): {shares[len(shares) // 2]:.2f} "
                         f"(lowest {shares[0]:.2f}).")
        lines.append("")
        lines.append("<details><summary>All CPU flags</summary>\n\n" + " ".join(flags) + "\n\n</details>")
        return "## Machine\n\n" + "\n".join(lines)

    def commands(self):
        return ("## Commands\n\nGenerated by `" + self.command + "`, which ran exactly these (from the repository "
                "root; `TG_BENCH_*` carry bench_peak's results to the other programs):\n\n```sh\n"
                + self.text("commands.txt") + "\n```")

    def peaks_section(self):
        if not self.peak:
            return "## Peaks\n\nbench_peak did not run."
        rows = []
        for precision in ("fp32", "fp64"):
            for isa in ("avx512", "avx2"):
                cells = []
                for threads in self.thread_counts:
                    name = f"peak/fma/{precision}/{isa}/threads:{threads}"
                    cells.append(f"{fmt(self.peak.get(name, 'GFLOP/s'))} / {fmt(self.peak.get(name, 'GFLOP/s', 'max'))}")
                rows.append([f"FMA {precision.upper()} {isa}, GFLOP/s", *cells])
        for size, label in ((LARGE_COPY_BYTES, "64 MiB"), (SMALL_COPY_BYTES, "1 MiB")):
            for kind in ("memcpy", "stream"):
                cells = []
                for threads in self.thread_counts:
                    name = f"peak/copy/{kind}/bytes:{size}/threads:{threads}"
                    cells.append(f"{fmt(self.peak.get(name, 'GB/s'))} / {fmt(self.peak.get(name, 'GB/s', 'max'))}")
                rows.append([f"copy {label} ({kind}), GB/s", *cells])
        denominators = ", ".join(f"`TG_BENCH_{k}={fmt(v)}`" for k, v in self.peaks.items())
        return ("## Peaks (bench_peak): the denominators\n\n"
                "Median / best of 5 repetitions. FMA: 16 (AVX-512) or 12 (AVX2) independent FMA chains per thread. "
                "Copy: bytes read + bytes written per second between pre-faulted buffers, with glibc `memcpy` "
                "(non-temporal stores when large) and with a plain vector loop (ordinary stores). Every percentage "
                "below divides by the best repetition of the widest FMA kernel, or of the faster copy of the same "
                "size, at the same thread count: " + denominators + ".\n\n"
                + table(["measurement", "1 thread", f"{self.everyone} threads"], rows))

    def train_section(self):
        rows = []
        for config in CONFIGS:
            for threads in self.thread_counts:
                results = self.r.get(f"train_{config}_{threads}")
                if not results:
                    continue
                name = f"train_step/{config}/threads:{threads}"
                ms = results.get(name)
                gflops = results.get(name, "GFLOP/s")
                blis_ms = self.blis_step(config, threads)
                row = [f"({config}) {CONFIGS[config]}", threads, fmt(ms), fmt(gflops),
                       pct(100 * gflops / self.fp32_peak(threads) if gflops and self.fp32_peak(threads) else None),
                       fmt(results.get(name, "minflt_per_step")), fmt(results.get(name, "peak_rss_mib")),
                       fmt(blis_ms), ratio_text(ratio(ms, blis_ms))]
                if self.has_libtorch:
                    default = self.step("libtorch_default", config, threads)
                    tuned = self.step("libtorch_tuned", config, threads)
                    row += [fmt(default), fmt(tuned), ratio_text(ratio(ms, default)), ratio_text(ratio(ms, tuned)),
                            fmt(self.step("libtorch_tuned", config, threads, "minflt_per_step")),
                            fmt(self.step("libtorch_tuned", config, threads, "peak_rss_mib"))]
                rows.append(row)
        headers = ["MLP", "threads", "tapegrad ms/step", "GFLOP/s", "% of peak", "minor faults/step",
                   "peak RSS MiB", "its GEMMs alone (raw BLIS) ms", "step / GEMMs"]
        if self.has_libtorch:
            headers += ["libtorch default ms", "libtorch tuned ms", "tapegrad / libtorch default",
                        "tapegrad / libtorch tuned", "libtorch tuned faults/step", "libtorch tuned peak RSS MiB"]
        return ("## Training step (bench_train_step" + (", compare_libtorch" if self.has_libtorch else "") + ")\n\n"
                "One step = zero_grad, forward, cross_entropy, backward, SGD (momentum 0.9) step; each library's "
                "own default `zero_grad()` (tapegrad: set_to_none, as PyTorch 2; libtorch 1.13: zero in place). "
                "Median ms/step; GFLOP/s counts the step's GEMM flops only (forward, weight gradients, and input "
                "gradients except the first layer's: 146 GFLOP for (c)). Each config and thread count ran in its "
                "own process, so peak RSS is that config's alone. \"Its GEMMs alone\" runs the same GEMMs "
                "(layouts NT, NN, TN) with raw `bli_sgemm` on preallocated buffers.\n\n" + table(headers, rows))

    def overhead_section(self):
        rows = []
        for size in (1, 8):
            for measure, label in (("forward", "forward"), ("backward", "backward (incl. freeing the graph)"),
                                   ("no_grad_forward", "no_grad forward")):
                tg = self.overhead("overhead", measure, size)
                row = [f"{size}×{size}", label, fmt(tg)]
                if self.has_libtorch:
                    default = self.overhead("libtorch_default_overhead", measure, size)
                    tuned = self.overhead("libtorch_tuned_overhead", measure, size)
                    row += [fmt(default), fmt(tuned), ratio_text(ratio(tg, tuned))]
                rows.append(row)
        for size in (1, 8):  # what DetectAnomalyGuard costs when on (off, it is the forward row above)
            anomaly = self.overhead("overhead", "forward_anomaly_detection", size)
            if anomaly is not None:
                rows.append([f"{size}×{size}", "forward, anomaly detection on", fmt(anomaly)]
                            + (["—", "—", "—"] if self.has_libtorch else []))
        headers = ["tensor", "measure", "tapegrad µs/op"]
        if self.has_libtorch:
            headers += ["libtorch default µs/op", "libtorch tuned µs/op", "tapegrad / libtorch tuned"]
        return ("## Per-op overhead (bench_overhead" + (", compare_libtorch" if self.has_libtorch else "") + ")\n\n"
                "10,000 chained `x = x + b` with requires_grad, 1 thread; median µs per op.\n\n"
                + table(headers, rows))

    def gemm_section(self):
        gemm = self.r.get("gemm")
        if not gemm:
            return "## GEMM\n\nbench_gemm did not run."
        def gemm_row(label, layout, m, n, k, threads):
            blis = f"gemm/blis/{layout}/m:{m}/n:{n}/k:{k}/threads:{threads}"
            matmul = f"gemm/matmul/{layout}/m:{m}/n:{n}/k:{k}/threads:{threads}"
            blis_ms, tg_ms = gemm.get(blis), gemm.get(matmul)
            if blis_ms is None and tg_ms is None:
                return None
            return [label, f"{m}×{n}×{k}", layout, threads, fmt(blis_ms * 1e3 if blis_ms else None),
                    fmt(gemm.get(blis, "GFLOP/s")), fmt(tg_ms * 1e3 if tg_ms else None),
                    fmt(gemm.get(matmul, "GFLOP/s")), pct(gemm.get(matmul, "pct_peak")),
                    ratio_text(ratio(tg_ms, blis_ms))]

        headers = ["GEMM", "M×N×K", "layout", "threads", "raw BLIS µs", "raw BLIS GFLOP/s", "tg::matmul µs",
                   "tg::matmul GFLOP/s", "tg::matmul % of peak", "tg / BLIS time"]
        squares = sorted({int(m) for m in re.findall(r"gemm/blis/\w+/m:(\d+)/n:\1/k:\1/", " ".join(gemm.runs))})
        square_rows = [gemm_row(f"{n}³", layout, n, n, n, threads) for threads in self.thread_counts
                       for n in squares for layout in ("NN", "NT", "TN")]
        mlp_rows = [gemm_row(label, layout, m, n, k, threads) for threads in self.thread_counts
                    for label, layout, m, n, k in mlp_gemms()]
        square = table(headers, [row for row in square_rows if row])
        mlp = table(headers, [row for row in mlp_rows if row])

        # Backward: matmul (dA = G·Bᵀ NT, dB = Aᵀ·G TN) and linear (dX NN, dW TN, db) vs the same raw GEMMs.
        backward_rows = []
        for name in gemm.names(r"matmul_bwd/m:\d+/n:\d+/k:\d+/threads:\d+"):
            n, threads = int(re.search(r"m:(\d+)", name).group(1)), int(name.rsplit(":", 1)[1])
            raw = [gemm.get(f"gemm/blis/{lay}/m:{n}/n:{n}/k:{n}/threads:{threads}") for lay in ("NT", "TN")]
            raw_ms = None if None in raw else sum(raw)
            ms = gemm.get(name)
            backward_rows.append(((0, threads, n), [f"matmul backward {n}³", threads, fmt(ms * 1e3),
                                                    fmt(gemm.get(name, "GFLOP/s")), pct(gemm.get(name, "pct_peak")),
                                                    fmt(raw_ms * 1e3 if raw_ms else None),
                                                    ratio_text(ratio(ms, raw_ms))]))
        for name in gemm.names(r"linear_(fwd|bwd)/batch:\d+/in:\d+/out:\d+/threads:\d+"):
            direction = name[7:10]
            b, i, o, threads = map(int, re.findall(r":(\d+)", name))
            if direction == "fwd":
                raw = [gemm.get(f"gemm/blis/NT/m:{b}/n:{o}/k:{i}/threads:{threads}")]
            else:
                raw = [gemm.get(f"gemm/blis/NN/m:{b}/n:{i}/k:{o}/threads:{threads}"),
                       gemm.get(f"gemm/blis/TN/m:{o}/n:{i}/k:{b}/threads:{threads}")]
            raw_ms = None if None in raw else sum(raw)
            ms = gemm.get(name)
            label = f"linear {'forward' if direction == 'fwd' else 'backward'} {b}×{i}→{o}"
            backward_rows.append(((1 if direction == "fwd" else 2, threads, b, i, o),
                                  [label, threads, fmt(ms * 1e3), fmt(gemm.get(name, "GFLOP/s")),
                                   pct(gemm.get(name, "pct_peak")), fmt(raw_ms * 1e3 if raw_ms else None),
                                   ratio_text(ratio(ms, raw_ms))]))
        ops = table(["op", "threads", "tapegrad µs", "GFLOP/s", "% of peak", "same GEMMs with raw BLIS µs",
                     "tapegrad / BLIS"], [row for _, row in sorted(backward_rows)])
        return ("## GEMM (bench_gemm)\n\n"
                "NN = A·B, NT = A·Bᵀ (a Linear forward, B stored [N, K]), TN = Aᵀ·B (a weight gradient, A stored "
                "[K, M]); tg::matmul reads the transposed views through their strides. Raw BLIS = `bli_sgemm` on "
                "the same buffers into a preallocated C; tg::matmul allocates its result. Median of 3 "
                "repetitions.\n\n### Square shapes\n\n" + square
                + "\n\n### The training-step MLPs' GEMMs\n\nForward (B, out, in) NT, input gradient (B, in, out) NN, "
                "weight gradient (out, in, B) TN, for every layer of configs (a), (b), (c).\n\n" + mlp
                + "\n\n### tg::matmul backward and tg::linear forward/backward against their GEMMs\n\n"
                "Linear forward (with bias, W and b requiring grad) vs its NT GEMM; linear backward (x, W, b requiring "
                "grad: dX NN, dW TN, db) vs those two GEMMs; matmul backward (dA NT, dB TN) vs those two.\n\n" + ops)

    def elementwise_section(self):
        results = self.r.get("elementwise")
        if not results:
            return "## Element-wise\n\nbench_elementwise did not run."
        rows = []
        order = ["relu", "gelu", "add_bcast", "sum", "softmax", "cross_entropy"]
        for name in results.runs:
            match = re.fullmatch(r"elementwise/(\w+)/(fwd|bwd)/elements:(\d+)/threads:(\d+)", name)
            if not match:
                continue
            op, direction, elements, threads = match.group(1), match.group(2), int(match.group(3)), int(match.group(4))
            ms = results.get(name)
            key = (elements, threads, order.index(op) if op in order else 99, direction != "fwd")
            rows.append((key, [op, direction, f"{elements:,}", threads, fmt(ms * 1e3), fmt(results.get(name, "GB/s")),
                               pct(results.get(name, "pct_copy"))]))
        return ("## Element-wise (bench_elementwise)\n\n"
                "Tensors [rows, 1024] float32: 262,144 elements (1 MiB, cache-resident) and 16,777,216 (64 MiB, "
                "DRAM). GB/s counts the minimal traffic (each input read once, each output written once: relu "
                "forward 8 B/element, backward 12; add with a [1024] bias 8 / 8; sum 4 / 4; softmax 8 / 12; "
                "cross_entropy with 1024 classes 4 / 8); % is of the copy bandwidth for the same size and thread "
                "count. Forward runs with requires_grad (the graph is recorded); backward times `backward()` "
                "alone. Median of 3 repetitions.\n\n"
                + table(["op", "direction", "elements", "threads", "µs", "GB/s", "% of copy"],
                        [row for _, row in sorted(rows)]))

    def native_pairs(self):
        """(label, default ms, native ms) for every train step and element-wise benchmark both builds ran."""
        pairs = []
        for config in CONFIGS:
            for threads in self.thread_counts:
                native = self.r.get(f"native_train_{config}_{threads}")
                if native:
                    name = f"train_step/{config}/threads:{threads}"
                    pairs.append((f"train step ({config}), {threads} thr.", self.step("tapegrad", config, threads),
                                  native.get(name)))
        default, native = self.r.get("elementwise"), self.r.get("native_elementwise")
        if default and native:
            for name in default.runs:
                if name in native.runs and name.startswith("elementwise/"):
                    pairs.append((name.replace("elementwise/", ""), self.best_of("elementwise", name),
                                  self.best_of("native_elementwise", name)))
        return [(label, a, b) for label, a, b in pairs if a is not None and b is not None]

    def best_of(self, key, name):
        """The lowest median of run `key` and its repeats `key`_2, `key`_3 (run.sh runs the element-wise pair
        three times)."""
        runs = (self.r.get(key), self.r.get(f"{key}_2"), self.r.get(f"{key}_3"))
        values = [res.get(name) for res in runs if res and name in res.runs]
        values = [v for v in values if v is not None]
        return min(values) if values else None

    def native_section(self):
        pairs = self.native_pairs()
        if not pairs:
            return ("## Default build vs -march=native\n\nNot measured in this run (bench/run.sh builds both; "
                    "`--no-native` skips the second).")
        rows = [[label, fmt(a), fmt(b), ratio_text(ratio(a, b))] for label, a, b in pairs]
        return ("## Default build vs -march=native\n\nThe same benchmarks from the default build (no `-march`, "
                "kernels chosen at run time) and from the `native` preset (`-march=native`), in one run; ms "
                "(train steps) and ms per call (element-wise; each build ran three times, interleaved, and "
                "the best median of the three counts). Ratio > 1: the default build is slower.\n\n"
                + table(["benchmark", "default build ms", "-march=native ms", "default / native"], rows))

    # -- char_lm (examples/char_lm and bench/char_lm_torch.py print "training: X ms per iteration")
    def char_lm_ms(self, program, threads):
        path = self.dir / f"{program}_{threads}.txt"
        if not path.exists():
            return None
        found = re.search(r"training: ([0-9.]+) ms per iteration", path.read_text())
        return float(found.group(1)) if found else None

    def char_lm_gflop(self):
        """Matrix-multiply GFLOP of one training iteration of the default model (4 layers, 128 wide, block 64,
        batch 12; the vocabulary from the program's output): each Linear's product three times (forward, input
        and weight gradients), attention's q kᵀ and weights · v 3.5 times (forward, the backward's four
        products and its recomputed scores). Every GEMM of the step, none of the element-wise work."""
        path = self.dir / "char_lm_1.txt"
        found = re.search(r"vocabulary (\d+)", path.read_text()) if path.exists() else None
        if not found:
            return None
        vocab, layers, width, block, batch = int(found.group(1)), 4, 128, 64, 12
        tokens = block * batch
        linear = 2 * tokens * 12 * width * width * layers + 2 * tokens * width * vocab
        attention = 2 * 2 * batch * block * block * width * layers
        return (3 * linear + 3.5 * attention) / 1e9

    def char_lm_section(self):
        rows = []
        gflop = self.char_lm_gflop()
        for threads in self.thread_counts:
            ours, theirs = self.char_lm_ms("char_lm", threads), self.char_lm_ms("char_lm_torch", threads)
            peak = self.fp32_peak(threads)
            floor = 1e3 * gflop / peak if gflop and peak else None
            if ours is not None or theirs is not None:
                rows.append([threads, fmt(ours), fmt(theirs), ratio_text(ratio(ours, theirs)), fmt(floor),
                             ratio_text(ratio(floor, theirs)), pct(100 * floor / ours if floor and ours else None)])
        if not rows:
            return "## char_lm\n\nexamples/char_lm did not run (needs Debian's fortunes)."
        return ("## char_lm (examples/char_lm vs bench/char_lm_torch.py)\n\n"
                "The character-level GPT with its default model (4 layers, 4 heads, 128 wide, block 64, batch 12), "
                "400 iterations without evaluation or sampling; ms per training iteration (batch sampling, forward, "
                "backward, clipping, AdamW step, loss.item()), as each program reports it. PyTorch 1.13's twin "
                "computes attention as softmax(q kᵀ · scale + mask) v (it has no fused attention). "
                f"\"GEMM floor\": the iteration's {fmt(gflop)} GFLOP of matrix products (Linear layers three times, "
                "attention's two products 3.5 times) at this run's measured FP32 peak, i.e. the time of the "
                "matrix products alone if they ran at 100 % of peak and everything else were free.\n\n"
                + table(["threads", "tapegrad ms/iter", "PyTorch 1.13 ms/iter", "tapegrad / PyTorch",
                         "GEMM floor ms", "floor / PyTorch", "floor / tapegrad"], rows))

    # -- attention (bench_attention; PyTorch's math path from bench/attention_torch.py)
    def attention_section(self):
        tg = self.r.get("attention")
        if not tg:
            return "## Attention\n\nbench_attention did not run."
        torch = self.r.get("attention_torch")
        peak = self.fp32_peak(self.everyone)
        rows = []
        for backward in (0, 1):
            for causal in (0, 1):
                for length in (64, 256, 1024, 2048):
                    config = f"attention/L:{length}/causal:{causal}/bwd:{backward}"
                    fused, naive = tg.get(config + "/fused:1"), tg.get(config + "/fused:0")
                    gflops = tg.get(config + "/fused:1", "GFLOP/s")
                    theirs = torch.get(config + "/torch") if torch else None
                    rows.append([length, "causal" if causal else "–", "fwd+bwd" if backward else "fwd", fmt(fused),
                                 fmt(gflops), pct(100 * gflops / peak if gflops and peak else None), fmt(naive),
                                 fmt(theirs), ratio_text(ratio(fused, theirs))])
        headers = ["L", "mask", "pass", "fused ms", "fused GFLOP/s", "% of peak", "naive tapegrad ms",
                   "PyTorch 1.13 math ms", "fused / PyTorch"]
        memory_rows = []
        for length in (512, 1024, 2048, 4096):
            ours = self.r.get(f"attention_memory_{length}")
            theirs = self.r.get(f"attention_torch_memory_{length}")
            ours_name = f"attention_memory/L:{length}"
            mine = ours.get(ours_name, "peak_rss_MiB", "single") if ours else None
            before = ours.get(ours_name, "rss_before_MiB", "single") if ours else None
            torch_peak = theirs.get(f"attention_memory/L:{length}/bwd:1/torch", "peak_rss_MiB", "single") if theirs else None
            memory_rows.append([length, fmt(mine), fmt(None if mine is None or before is None else mine - before),
                                fmt(torch_peak)])
        return ("## Attention (bench_attention" + (", bench/attention_torch.py" if torch else "") + ")\n\n"
                f"float32, batch 1, 8 heads, E = 64, L = S, {self.everyone} threads; median ms. GFLOP/s counts the "
                "naive method's GEMM flops (forward 4·L·S·E per head, backward twice that, halved when causal); "
                "% of this run's FP32 peak at that thread count. \"naive\" is tapegrad's matmul / masked_fill / "
                "softmax / matmul; PyTorch 1.13 has no fused attention, its column is the same composition in "
                "PyTorch (what nn.MultiheadAttention runs there).\n\n" + table(headers, rows)
                + "\n\nPeak RSS (MiB) of one process per L running one unmasked forward + backward: the fused op "
                "keeps no L×S matrix, so what it adds grows linearly in L; the composition holds [8, L, L] scores, "
                "weights and their gradients.\n\n"
                + table(["L", "tapegrad peak RSS", "tapegrad: added by the call", "PyTorch peak RSS"], memory_rows))

    # -- layers (bench_conv / bench_rnn and compare_libtorch/layers_libtorch, one process per thread count)
    def conv_section(self):
        if not any(self.r.get(f"conv_{t}") for t in self.thread_counts):
            return "## Convolution\n\nbench_conv did not run."
        rows = []
        for threads in self.thread_counts:
            peak = self.fp32_peak(threads)
            ours = self.r.get(f"conv_{threads}")
            if not ours:
                continue
            labels = {name: (ours.get(name, "label") or name) for name in ours.names(r"conv2d/shape:\d+/bwd:\d")}
            for name in sorted(labels, key=lambda n: (int(re.search(r"bwd:(\d)", n).group(1)),
                                                      int(re.search(r"shape:(\d+)", n).group(1)))):
                shape = int(re.search(r"shape:(\d+)", name).group(1))
                ms, gflops = ours.get(name), ours.get(name, "GFLOP/s")
                libtorch = self.r.get(f"libtorch_conv_{threads}")
                theirs = libtorch.get(name) if libtorch else None
                forward = name.endswith("bwd:0")
                gemm = ours.get(f"gemm_only/shape:{shape}") if forward else None
                rows.append([labels[name], threads, fmt(ms), fmt(gflops),
                             pct(100 * gflops / peak if gflops and peak else None), fmt(theirs),
                             ratio_text(ratio(ms, theirs)), fmt(gemm), ratio_text(ratio(ms, gemm))])
        return ("## Convolution (bench_conv" + (", compare_libtorch/layers_libtorch" if self.has_libtorch else "")
                + ")\n\nconv2d, float32, NCHW; fwd+bwd = forward and the input, weight and bias gradients through "
                "autograd::grad. Median of 3 repetitions, ms. GFLOP/s counts 2·N·O·(C/groups)·kH·kW·outH·outW per "
                "product (3 products for fwd+bwd); % of this run's FP32 peak at that thread count. libtorch 1.13 "
                "runs the same program (bench/support/layer_workloads.hpp; oneDNN convolutions as Debian builds "
                "it). tapegrad runs float32 convolutions on oneDNN's primitives too, except 1x1 kernels and the "
                "input gradient of layers with fewer than 8 input channels, which stay on im2col + GEMM (Note "
                "[oneDNN convolutions]). \"GEMM alone\": the forward's GEMM at the whole-batch im2col size with "
                "our GEMM layer, the ceiling for any im2col scheme.\n\n"
                + table(["shape", "threads", "tapegrad ms", "GFLOP/s", "% of peak", "libtorch ms",
                         "tapegrad / libtorch", "GEMM alone ms", "tapegrad / GEMM alone"], rows))

    def rnn_section(self):
        rows = []
        for threads in self.thread_counts:
            ours, theirs = self.r.get(f"rnn_{threads}"), self.r.get(f"libtorch_rnn_{threads}")
            if not ours:
                continue
            for gru in (0, 1):
                for backward in (0, 1):
                    name = f"recurrent/gru:{gru}/bwd:{backward}"
                    ms, lt = ours.get(name), theirs.get(name) if theirs else None
                    rows.append(["GRU" if gru else "LSTM", "fwd+bwd" if backward else "fwd", threads, fmt(ms),
                                 fmt(lt), ratio_text(ratio(ms, lt))])
        if not rows:
            return "## Recurrent layers\n\nbench_rnn did not run."
        return ("## Recurrent layers (bench_rnn" + (", compare_libtorch/layers_libtorch" if self.has_libtorch else "")
                + ")\n\nOne nn::LSTM / nn::GRU layer, float32, seq 64, batch 32, input 256, hidden 256; fwd+bwd = "
                "forward, then backward of the whole output sequence (every parameter gradient and the input's). "
                "Median of 3 repetitions, ms; libtorch runs the same program (bench/support/layer_workloads.hpp) "
                "with the tuned environment.\n\n"
                + table(["layer", "pass", "threads", "tapegrad ms", "libtorch ms", "tapegrad / libtorch"], rows))

    def fashion_cnn_epoch(self, library, threads):
        name = "fashion_cnn" if library == "tapegrad" else "fashion_cnn_libtorch"
        path = self.dir / f"{name}_{threads}.txt"
        found = re.search(r"epoch ([0-9.]+) s loss ([0-9.]+) test accuracy ([0-9.]+)",
                          path.read_text()) if path.exists() else None
        return tuple(float(g) for g in found.groups()) if found else (None, None, None)

    def fashion_cnn_section(self):
        rows = []
        for threads in self.thread_counts:
            ours, theirs = self.fashion_cnn_epoch("tapegrad", threads), self.fashion_cnn_epoch("libtorch", threads)
            if ours[0] is None and theirs[0] is None:
                continue
            rows.append([threads, fmt(ours[0]), fmt(ours[1]), pct(100 * ours[2] if ours[2] else None),
                         fmt(theirs[0]), fmt(theirs[1]), pct(100 * theirs[2] if theirs[2] else None),
                         ratio_text(ratio(ours[0], theirs[0]))])
        if not rows:
            return "## fashion_cnn epoch\n\nbench/fashion_cnn_epoch did not run (needs dataset-fashion-mnist)."
        return ("## fashion_cnn training epoch (fashion_cnn_epoch" +
                (", compare_libtorch/fashion_cnn_epoch_libtorch" if self.has_libtorch else "") + ")\n\n"
                "One epoch of examples/fashion_cnn's network over the 60,000 training images in file order (batch 64, "
                "Adam 1e-3), written once as a libtorch program (bench/support/fashion_cnn.hpp) and compiled "
                "against each library; seconds for the epoch (forward, backward, step, loss.item() per batch), "
                "then the test accuracy after it. One run each.\n\n"
                + table(["threads", "tapegrad s", "tapegrad mean loss", "tapegrad test acc.", "libtorch s",
                         "libtorch mean loss", "libtorch test acc.", "tapegrad / libtorch"], rows))

    def layer_targets(self):
        for threads in self.thread_counts:
            plural = "s" if threads > 1 else ""
            value = ratio(self.fashion_cnn_epoch("tapegrad", threads)[0], self.fashion_cnn_epoch("libtorch", threads)[0])
            self.targets.append((f"fashion_cnn epoch, {threads} thread{plural}: tapegrad / libtorch",
                                 ratio_text(value) if value or self.has_libtorch else "not measured (needs --with-libtorch)",
                                 "≤ 0.8×", None if value is None else value <= 0.8))
        for threads in self.thread_counts:
            plural = "s" if threads > 1 else ""
            ours, theirs = self.r.get(f"rnn_{threads}"), self.r.get(f"libtorch_rnn_{threads}")
            name = "recurrent/gru:0/bwd:1"
            value = ratio(ours.get(name) if ours else None, theirs.get(name) if theirs else None)
            self.targets.append((f"LSTM fwd+bwd (T 64, B 32, H 256), {threads} thread{plural}: tapegrad / libtorch",
                                 ratio_text(value) if value or self.has_libtorch else "not measured (needs --with-libtorch)",
                                 "≤ 0.8×", None if value is None else value <= 0.8))

    # -- data-parallel training (bench/ddp: JSON lines, one process and mpirun -np 2; bench/ddp_torch.py: a JSON
    # list with the same steps and bucket caps under PyTorch's DDP)
    def ddp_records(self):
        """(tapegrad records, PyTorch records), each a list of dicts with the same keys as tapegrad's."""
        ours = []
        for name in ("ddp_single", "ddp_mpi", "ddp_mpi3"):
            path = self.dir / f"{name}.jsonl"
            if path.exists():
                ours += [r for r in (json.loads(line) for line in path.read_text().splitlines() if line.strip())
                         if r.get("kind", "step") == "step"]
        theirs = []
        path = self.dir / "ddp_torch.json"
        if path.exists():
            for entry in json.loads(path.read_text()):
                theirs.append({"step": entry["step"], "ranks": entry["ranks"],
                               "bucket_cap_mb": entry.get("bucket_cap_mb") or 0,
                               "batch_per_rank": entry.get("batch_per_rank"),
                               "ms_per_step": entry.get("ms_per_step_median"),
                               "samples_per_s": entry.get("throughput_samples_per_s"),
                               "allreduce_ms": entry.get("allreduce_ms"),
                               "hidden_fraction": entry.get("hidden_fraction"), "local_ms": None})
        return ours, theirs

    @staticmethod
    def ddp_speedups(records, step, ranks=2):
        """{bucket cap MB: samples/s of `ranks` ranks / samples/s of one process} for one step."""
        single = next((r for r in records if r["step"] == step and r["ranks"] == 1), None)
        return {r["bucket_cap_mb"]: ratio(r.get("samples_per_s"), single.get("samples_per_s") if single else None)
                for r in records if r["step"] == step and r["ranks"] == ranks}

    def ddp_section(self):
        ours, theirs = self.ddp_records()
        if not ours and not theirs:
            return "## Data-parallel training\n\nbench/ddp did not run."
        ranks = 2
        threads = next((r["threads"] for r in ours if "threads" in r), 1)
        parts = []
        for step in ("b", "c"):
            rows = []
            for label, records in (("tapegrad", ours), ("PyTorch", theirs)):
                speedups = {n: self.ddp_speedups(records, step, n) for n in {r["ranks"] for r in records}}
                for r in sorted((r for r in records if r["step"] == step), key=lambda r: (r["ranks"], r["bucket_cap_mb"])):
                    alone = r["ranks"] == 1
                    hidden = r.get("hidden_fraction")
                    rows.append([label + (", 1 process" if alone else f" DDP, {r['ranks']} ranks"),
                                 "–" if alone else f"{r['bucket_cap_mb']:g}", fmt(r.get("ms_per_step")),
                                 fmt(r.get("samples_per_s")),
                                 "–" if alone else ratio_text(speedups[r["ranks"]].get(r["bucket_cap_mb"])),
                                 "–" if alone else fmt(r.get("allreduce_ms")),
                                 "–" if alone or hidden is None else pct(100 * hidden),
                                 "–" if alone or label != "tapegrad" else fmt(r.get("local_ms"))])
            if not rows:
                parts.append(f"### Step ({step}) {CONFIGS[step].split(',')[0]}\n\nNot measured in this run.")
                continue
            parameters = next((r["parameters"] for r in ours if r["step"] == step and "parameters" in r), None)
            batch = next((r["batch_per_rank"] for r in ours + theirs if r["step"] == step and r.get("batch_per_rank")),
                         None)
            parts.append(f"### Step ({step}) {CONFIGS[step].split(',')[0]}, batch {fmt(batch)} per rank"
                         + (f", {parameters:,} parameters ({parameters * 4 / 1e6:.1f} MB of float32 gradients)"
                            if parameters else "") + "\n\n"
                         + table(["run", "bucket cap MB", "ms/step", "samples/s", "speed-up vs 1 process",
                                  "all-reduce ms", "hidden", "local ms"], rows))
        torch_note = ("PyTorch rows: bench/ddp_torch.py (torch.nn.parallel.DistributedDataParallel over gloo, "
                      "`bucket_cap_mb` as given; its ranks are spawned by the script, not by mpirun)."
                      if theirs else "PyTorch rows: not measured (bench/ddp_torch.py runs with --with-libtorch).")
        return (f"## Data-parallel training (bench/ddp, mpirun -np {ranks} × {threads} thread"
                + ("s" if threads > 1 else "") + ")\n\n"
                "Steps (b) and (c) of bench_train_step (MLP, cross_entropy, SGD with momentum 0.9), one process, "
                f"then {ranks} ranks under `mpirun --bind-to core` with DistributedDataParallel (Open MPI process "
                "group, gradients as bucket views) for each bucket cap; every process runs 1 thread "
                "(OMP_NUM_THREADS=1). Weak scaling: each rank trains its own full batch, so "
                f"{ranks} ranks process {ranks}× the samples of one process per step. " + torch_note + "\n\n"
                + "\n\n".join(parts) + "\n\n"
                "- ms/step: median over the timed steps of the slowest rank's step (ranks start each step together).\n"
                "- samples/s: ranks × batch per rank / ms/step.\n"
                "- speed-up vs 1 process: samples/s over the same framework's one-process samples/s (ideal: "
                f"{ranks}.00×).\n"
                "- all-reduce ms: median of one all-reduce of all the gradients at once (one flat buffer): the "
                "communication DDP has to hide.\n"
                "- hidden: 1 − (ms/step − local ms) / all-reduce ms, clamped to [0, 1]: the share of the "
                "communication that backward covered. PyTorch has no local ms and uses its one-process ms/step "
                "instead, so its figure also charges the cost of sharing the machine to communication (lower).\n"
                "- local ms (tapegrad): the same step without DDP, all ranks running at once (no communication): "
                "what the step costs on this machine when every core is busy with a rank; local ms / one-process "
                "ms/step is the cost of sharing the machine.\n\n" + self.ddp_model_check()).rstrip()

    def ddp_model_check(self):
        """bench/notes/scaling_model.py's check of the ring model against these runs (ddp_scaling.md)."""
        path = self.dir / "ddp_scaling.md"
        return (path.read_text().strip() + "\n\n") if path.exists() else ""

    def ddp_targets(self):
        ours, _ = self.ddp_records()
        speedups = {cap: value for cap, value in self.ddp_speedups(ours, "c").items() if value is not None}
        if 25 in speedups:
            cap, value = 25, speedups[25]
        elif speedups:
            cap, value = max(speedups.items(), key=lambda kv: kv[1])
        else:
            cap, value = None, None
        measured = ("not measured" if value is None else f"{ratio_text(value)} ({cap:g} MB buckets"
                    + ("" if cap == 25 else "; best cap, no 25 MB run") + ")")
        self.targets.append(("DDP step (c), 2 ranks × 1 thread: throughput vs 1 process × 1 thread", measured,
                             "≥ 1.8×", None if value is None else value >= 1.8))

    def notes_section(self):
        notes_dir = pathlib.Path(__file__).resolve().parent / "notes"
        notes = sorted(notes_dir.glob("*.md")) if notes_dir.exists() else []
        if not notes:
            return ("## Notes from the performance work\n\nNone yet: notes in `bench/notes/*.md` are included here "
                    "by the next run.")
        parts = ["## Notes from the performance work\n\nIncluded from `bench/notes/` as they were when this report "
                 "was generated (their numbers come from their authors' runs, not from this one)."]
        for note in notes:
            body = re.sub(r"^(#+)", r"\1###", note.read_text().strip(), flags=re.M)  # below this section
            parts.append(f"### [{note.name}](bench/notes/{note.name})\n\n<details><summary>{note.stem}</summary>\n\n"
                         f"{body}\n\n</details>")
        return "\n\n".join(parts)

    # -- contention (bench/contention and contention_libtorch: JSON lines, not Google Benchmark files)
    def contention(self):
        rows = {}
        for name in ("contention", "contention_libtorch"):
            path = self.dir / f"{name}.jsonl"
            if path.exists():
                for line in path.read_text().splitlines():
                    if line.strip():
                        entry = json.loads(line)
                        rows[(entry["program"], entry["workload"], entry["condition"])] = entry
        return rows

    def contention_section(self):
        rows = self.contention()
        if not rows:
            return "## Contention\n\nbench/contention did not run."
        def seconds(program, workload, condition):
            entry = rows.get((program, workload, condition))
            return None if entry is None else entry["median_s"]
        busy = next((e["busy_processes"] for e in rows.values() if e["condition"] == "busy"), "N")
        threads = {e["program"]: e["threads"] for e in rows.values()}
        lines = []
        for workload in ("a", "b", "fashion"):
            tg_idle, tg_busy = seconds("tapegrad", workload, "idle"), seconds("tapegrad", workload, "busy")
            lt_idle, lt_busy = seconds("libtorch", workload, "idle"), seconds("libtorch", workload, "busy")
            lines.append([workload, fmt(tg_idle), fmt(tg_busy), ratio_text(ratio(tg_busy, tg_idle)), fmt(lt_idle),
                          fmt(lt_busy), ratio_text(ratio(lt_busy, lt_idle)), ratio_text(ratio(tg_busy, lt_busy))])
        return ("## Contention (bench/contention" + (", contention_libtorch" if ("libtorch", "a", "idle") in rows else "")
                + ")\n\nSeconds per run (median): step (a) ×200, step (b) ×40, and one epoch of a Fashion-MNIST-style "
                "loop (synthetic 60000×784 data, 784-256-128-10 with dropout, Adam, batch 64), each idle and next to "
                f"{busy} busy processes (`while (1)` children of the benchmark). Default threads: tapegrad "
                f"{threads.get('tapegrad', '–')}, libtorch {threads.get('libtorch', '–')}. \"Idle\" is this run's load "
                "from other users of the machine (see Machine).\n\n"
                + table(["workload", "tapegrad idle s", "tapegrad busy s", "busy/idle", "libtorch idle s",
                         "libtorch busy s", "busy/idle", "tapegrad/libtorch busy"], lines))

    def contention_targets(self):
        rows = self.contention()
        for workload in ("a", "b", "fashion"):
            get = lambda program, condition: (rows.get((program, workload, condition)) or {}).get("median_s")
            own = ratio(get("tapegrad", "busy"), get("tapegrad", "idle"))
            self.targets.append((f"contention, {workload}: tapegrad busy / idle", ratio_text(own), "≤ 3×",
                                 None if own is None else own <= 3))
            versus = ratio(get("tapegrad", "busy"), get("libtorch", "busy"))
            self.targets.append((f"contention, {workload}: tapegrad busy / libtorch busy",
                                 ratio_text(versus) if versus or self.has_libtorch
                                 else "not measured (needs --with-libtorch)", "≤ 1×",
                                 None if versus is None else versus <= 1))
        # Issue #13: "step (a) and the fashion loop <= 0.7x in the default build" (bench-release is that build).
        idle = ratio((rows.get(("tapegrad", "fashion", "idle")) or {}).get("median_s"),
                     (rows.get(("libtorch", "fashion", "idle")) or {}).get("median_s"))
        if idle is not None:
            self.targets.append(("fashion loop, idle, default threads: tapegrad / libtorch", ratio_text(idle),
                                 "≤ 0.7×", idle <= 0.7))

    # -- targets
    def evaluate_targets(self):
        t = self.targets
        self.contention_targets()
        fwd, bwd = self.overhead("overhead", "forward", 1), self.overhead("overhead", "backward", 1)
        both = None if fwd is None or bwd is None else fwd + bwd
        t.append(("per-op overhead, forward + backward (1×1)", f"{fmt(both)} µs/op", "≤ 0.15 µs/op",
                  None if both is None else both <= 0.15))
        no_grad = self.overhead("overhead", "no_grad_forward", 1)
        t.append(("no_grad forward (1×1)", f"{fmt(no_grad)} µs/op", "≤ 0.05 µs/op",
                  None if no_grad is None else no_grad <= 0.05))
        pairs = self.native_pairs()
        for family, prefix in (("bench_train_step", "train step"), ("bench_elementwise", "")):
            ratios = [(ratio(a, b), label) for label, a, b in pairs if label.startswith("train step") == bool(prefix)]
            worst = max(ratios) if ratios else None
            t.append((f"default build / -march=native, {family} (worst of {len(ratios)})",
                      f"{ratio_text(worst[0])} ({worst[1]})" if worst else "not measured", "≤ 1.05× each",
                      None if worst is None else worst[0] <= 1.05))
        for config, threads, goal in (("a", 1, 0.7), ("b", 1, 0.9), ("b", self.everyone, 0.9), ("c", 1, 0.95),
                                      ("c", self.everyone, 0.95)):
            value = ratio(self.step("tapegrad", config, threads), self.step("libtorch_tuned", config, threads))
            t.append((f"step ({config}), {threads} thread{'s' if threads > 1 else ''}: tapegrad / libtorch tuned",
                      ratio_text(value) if value or self.has_libtorch else "not measured (needs --with-libtorch)",
                      f"≤ {goal}×", None if value is None else value <= goal))
        gflops = self.step("tapegrad", "c", 1, "GFLOP/s")
        share = 100 * gflops / self.fp32_peak(1) if gflops and self.fp32_peak(1) else None
        t.append(("step (c), 1 thread: GEMM flops as % of FP32 peak", pct(share), "≥ 85 %",
                  None if share is None else share >= 85))
        speedup = ratio(self.step("tapegrad", "c", 1), self.step("tapegrad", "c", self.everyone))
        t.append((f"step (c), {self.everyone} threads vs 1: speed-up", ratio_text(speedup), "≥ 1.8×",
                  None if speedup is None else speedup >= 1.8))
        for threads in self.thread_counts:
            value = ratio(self.step("tapegrad", "c", threads), self.blis_step("c", threads))
            t.append((f"step (c), {threads} thread{'s' if threads > 1 else ''}: step time / its GEMMs with raw BLIS",
                      ratio_text(value), "≤ 1.10×", None if value is None else value <= 1.10))
        for threads in self.thread_counts:
            rss = self.step("tapegrad", "c", threads, "peak_rss_mib")
            t.append((f"peak RSS, (c) alone, {threads} thread{'s' if threads > 1 else ''}", f"{fmt(rss)} MiB",
                      "≤ 450 MiB", None if rss is None else rss <= 450))
        faults = {(c, th): self.step("tapegrad", c, th, "minflt_per_step") for c in CONFIGS for th in self.thread_counts}
        measured = {k: v for k, v in faults.items() if v is not None}
        worst = max(measured.items(), key=lambda kv: kv[1]) if measured else None
        t.append(("minor page faults per step (worst config)",
                  f"{fmt(worst[1])} ({worst[0][0]}, {worst[0][1]} thr.)" if worst else "–",
                  "≈ 0 (< 1 per step)", None if worst is None else worst[1] < 1))
        results = self.r.get("elementwise")
        shares = {}
        if results:
            for name in results.names(r"elementwise/\w+/(fwd|bwd)/elements:16777216/threads:\d+"):
                value = results.get(name, "pct_copy")
                if value is not None:
                    shares[name.replace("elementwise/", "").replace("/elements:16777216", "")] = value
        failing = sorted((v, k) for k, v in shares.items() if v < 70)
        summary = (f"min {pct(min(shares.values()))}; {len(shares) - len(failing)}/{len(shares)} at ≥ 70 %"
                   + (f"; lowest: " + ", ".join(f"{k} {pct(v)}" for v, k in failing[:6]) if failing else "")
                   if shares else "–")
        t.append(("element-wise kernels, 64 MiB tensors: % of copy bandwidth", summary, "≥ 70 % each",
                  None if not shares else not failing))
        added = {}
        for length in (2048, 4096):
            results = self.r.get(f"attention_memory_{length}")
            name = f"attention_memory/L:{length}"
            if results and results.get(name, "peak_rss_MiB", "single") is not None:
                added[length] = (results.get(name, "peak_rss_MiB", "single")
                                 - results.get(name, "rss_before_MiB", "single"))
        for threads in self.thread_counts:
            value = ratio(self.char_lm_ms("char_lm", threads), self.char_lm_ms("char_lm_torch", threads))
            t.append((f"char_lm, {threads} thread{'s' if threads > 1 else ''}: tapegrad / PyTorch ms per iteration",
                      ratio_text(value), "≤ 0.6×", None if value is None else value <= 0.6))
        growth = ratio(added.get(4096), added.get(2048))
        t.append(("attention fwd+bwd: memory the call adds, L = 4096 / L = 2048 (linear: 2×, quadratic: 4×)",
                  ratio_text(growth), "≤ 2.5×", None if growth is None else growth <= 2.5))
        self.layer_targets()
        self.ddp_targets()

    def targets_section(self):
        status = {True: "**met**", False: "not met", None: "n/a"}
        rows = [[name, measured, goal, status[met]] for name, measured, goal, met in self.targets]
        met = sum(1 for *_, m in self.targets if m)
        return (f"## Targets\n\n{met} of {len(self.targets)} met in this run. Medians; the percentages use this "
                "run's measured peaks (next sections). Run-to-run noise on these shared VMs is 5–15 % (2-thread "
                "cases more), so a result within that of its goal is not conclusive.\n\n"
                + table(["target", "measured", "goal", "status"], rows))

    def render(self):
        self.evaluate_targets()
        sections = [
            "# Benchmarks\n\nGenerated by `bench/run.sh`; do not edit by hand: re-run it "
            "(`bench/run.sh --with-libtorch` for the libtorch columns). Raw Google Benchmark JSON: "
            "`build/bench-results/`.",
            self.targets_section(),
            self.machine(),
            self.peaks_section(),
            self.train_section(),
            self.overhead_section(),
            self.gemm_section(),
            self.elementwise_section(),
            self.native_section(),
            self.contention_section(),
            self.attention_section(),
            self.char_lm_section(),
            self.conv_section(),
            self.rnn_section(),
            self.fashion_cnn_section(),
            self.ddp_section(),
            self.notes_section(),
            self.commands(),
        ]
        return "\n\n".join(sections) + "\n"


# ---- merging a run of some stages into an existing report

MERGEABLE = {"conv": "conv_section", "rnn": "rnn_section", "fashion_cnn": "fashion_cnn_section",
             "ddp": "ddp_section"}


def section_key(section):
    """'## Convolution (bench_conv, ...)' -> 'Convolution'."""
    return section.splitlines()[0][3:].split(" (")[0].strip()


def split_report(text):
    """(text before the first '## ' section, [each section without trailing newlines])."""
    parts = re.split(r"(?m)^(?=## )", text)
    return parts[0], [part.rstrip("\n") for part in parts[1:]]


def target_rows(section):
    """The Targets section's table rows by target name."""
    return {line.split(" | ")[0][2:]: line for line in section.splitlines()
            if line.startswith("| ") and not line.startswith("| target |")}


def targets_with_rows(section, rows):
    """The Targets section with its table replaced by `rows` and its "N of M met" count redone."""
    met = sum(1 for row in rows.values() if row.rstrip(" |").endswith("**met**"))
    # "met in this run" in a full run's report, "met" once merged into
    intro = re.sub(r"\d+ of \d+ met(?: in this run)?", f"{met} of {len(rows)} met", "\n".join(
        line for line in section.splitlines() if not line.startswith("|")).strip())
    return intro + "\n\n" + table(["target", "measured", "goal", "status"],
                                  [row[2:-2].split(" | ") for row in rows.values()])


def merge_report(existing, report, stages):
    head, sections = split_report(existing)
    keys = [section_key(s) for s in sections]
    for stage in stages:
        new = getattr(report, MERGEABLE[stage])()
        if section_key(new) in keys:
            sections[keys.index(section_key(new))] = new
        else:  # before the notes, after the other measurements
            at = keys.index("Notes from the performance work") if "Notes from the performance work" in keys else len(keys)
            sections.insert(at, new)
            keys.insert(at, section_key(new))
    report.layer_targets()
    if "ddp" in stages:
        report.ddp_targets()
    status = {True: "**met**", False: "not met", None: "n/a"}
    targets_at = keys.index("Targets")
    by_name = target_rows(sections[targets_at])
    for name, measured, goal, met in report.targets:
        if met is None and name in by_name:  # a stage this run did not measure keeps its row
            continue
        by_name[name] = f"| {name} | {measured} | {goal} | {status[met]} |"
    sections[targets_at] = targets_with_rows(sections[targets_at], by_name)
    load = [line.split("\t") for line in report.text("load.txt").splitlines() if line.count("\t") == 2]
    loads = ", ".join(f"{name} {avg.split()[0]}" for name, _, avg in load)
    machine_at = keys.index("Machine")
    # Merging the same stages again replaces their line (and their commands below) instead of adding more.
    stages_line = f"- Stages {', '.join(stages)} re-measured "
    sections[machine_at] = "\n".join(line for line in sections[machine_at].split("\n")
                                     if not line.startswith(stages_line))
    sections[machine_at] = sections[machine_at].replace(
        "\n\n<details>", f"\n- Stages {', '.join(stages)} re-measured {report.text('started')} – "
        f"{report.text('finished')} by `{report.command}` (1-minute load at each step: {loads}); their tables and "
        "target rows come from that run, the rest from the full run above.\n\n<details>", 1)
    commands_at = keys.index("Commands")
    header = f"\n# {report.command} ("
    body = sections[commands_at].rstrip().removesuffix("```").rstrip()
    if header in body:  # an earlier merge of the same command: its block is replaced
        start = body.index(header)
        end = body.find("\n# bench/run.sh", start + 1)
        body = (body[:start] + (body[end:] if end >= 0 else "")).rstrip()
    sections[commands_at] = body + (
        f"\n# {report.command} ({report.text('started')})\n" + report.text("commands.txt") + "\n```")
    return head + "\n\n".join(sections) + "\n"


# Sections of the mergeable stages, by the start of their heading (a stage that did not run has a shorter one).
STAGE_HEADINGS = {"conv": "Convolution", "rnn": "Recurrent layers", "fashion_cnn": "fashion_cnn",
                  "ddp": "Data-parallel training"}


def keep_report_sections(new, old, stages):
    """A full run that skipped `stages` (run.sh --skip): their sections, and every target row the new report
    could not measure, come from the old report; the Machine section says so."""
    head, sections = split_report(new)
    _, old_sections = split_report(old)
    kept = []
    for stage in stages:
        prefix = "## " + STAGE_HEADINGS[stage]
        previous = next((section for section in old_sections if section.startswith(prefix)), None)
        at = next((i for i, section in enumerate(sections) if section.startswith(prefix)), None)
        if previous is not None and at is not None:
            sections[at] = previous
            kept.append(stage)
    targets_at = next(i for i, section in enumerate(sections) if section.startswith("## Targets"))
    old_targets = next((section for section in old_sections if section.startswith("## Targets")), "")
    new_rows = target_rows(sections[targets_at])
    for name, row in target_rows(old_targets).items():
        if name not in new_rows or new_rows[name].rstrip(" |").endswith("n/a"):
            new_rows[name] = row
    sections[targets_at] = targets_with_rows(sections[targets_at], new_rows)
    machine_at = next(i for i, section in enumerate(sections) if section.startswith("## Machine"))
    sections[machine_at] = sections[machine_at].replace(
        "\n\n<details>", f"\n- Stages {', '.join(kept)} did not run (`--skip`): their sections and target rows are "
        "the previous report's.\n\n<details>", 1)
    return head + "\n\n".join(sections) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=pathlib.Path)
    parser.add_argument("--output", type=pathlib.Path)
    parser.add_argument("--command", default="bench/run.sh")
    parser.add_argument("--peaks-env", action="store_true")
    parser.add_argument("--merge-into", type=pathlib.Path)
    parser.add_argument("--stages", default="")
    parser.add_argument("--keep-from", type=pathlib.Path,
                        help="with --output and --stages: take these stages' sections from this older report")
    args = parser.parse_args()
    if args.peaks_env:
        print_peaks_env(args.results)
        return
    if args.merge_into:
        stages = [stage for stage in args.stages.split(",") if stage in MERGEABLE]
        merged = merge_report(args.merge_into.read_text(), Report(args.results, args.command), stages)
        args.merge_into.write_text(merged)
        return
    markdown = Report(args.results, args.command).render()
    if args.keep_from:
        stages = [stage for stage in args.stages.split(",") if stage in STAGE_HEADINGS]
        markdown = keep_report_sections(markdown, args.keep_from.read_text(), stages)
    if args.output:
        args.output.write_text(markdown)
    else:
        sys.stdout.write(markdown)


if __name__ == "__main__":
    main()
