// Element-wise and row-wise kernels, forward and backward, at 1 thread and on all cores, in GB/s and as
// a percentage of the measured copy bandwidth (bench_peak) for buffers of the same size.
// GB/s counts the minimal traffic: every input read once and every output written once, e.g. relu
// forward reads x and writes y (8 bytes per element), its backward reads dy and x and writes dx (12).
#include <omp.h>

#include <algorithm>
#include <benchmark/benchmark.h>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "support/bench_support.hpp"

namespace tb = tg::bench;

namespace {

struct Inputs {
  tg::Tensor x;       // [rows, cols], requires grad
  tg::Tensor bias;    // [cols], requires grad (add with broadcast)
  tg::Tensor target;  // [rows] int64 classes in [0, cols) (cross_entropy)
};

struct Op {
  const char* name;
  double forward_bytes_per_element;
  double backward_bytes_per_element;
  std::function<tg::Tensor(const Inputs&)> forward;
};

const std::vector<Op> kOps = {
    {"relu", 8, 12, [](const Inputs& in) { return tg::relu(in.x); }},
    {"gelu", 8, 12, [](const Inputs& in) { return tg::gelu(in.x); }},
    // x [rows, cols] + bias [cols]; backward writes dx and reads dy (db is a column sum of dy).
    {"add_bcast", 8, 8, [](const Inputs& in) { return in.x + in.bias; }},
    {"sum", 4, 4, [](const Inputs& in) { return in.x.sum(); }},
    {"softmax", 8, 12, [](const Inputs& in) { return tg::softmax(in.x, -1); }},
    // Logits [rows, cols]: forward reads them, backward reads them (or what forward saved) and writes dx.
    {"cross_entropy", 4, 8, [](const Inputs& in) { return tg::cross_entropy(in.x, in.target); }},
};

constexpr std::int64_t kCols = 1024;
// 256 × 1024 floats = 1 MiB (cache-resident) and 16384 × 1024 = 64 MiB (DRAM), the copy sizes of bench_peak.
const std::vector<std::int64_t> kRows = {256, 16384};

Inputs make_inputs(std::int64_t rows) {
  return {tg::randn({rows, kCols}).requires_grad_(), tg::randn({kCols}).requires_grad_(),
          tg::randint(0, kCols, {rows})};
}

void add_bandwidth_counters(benchmark::State& state, double bytes, int threads, bool large) {
  state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["pct_copy"] = benchmark::Counter(bytes * 100.0 / (tb::copy_peak_gbs(threads, large) * 1e9),
                                                  benchmark::Counter::kIsIterationInvariantRate);
}

void forward(benchmark::State& state, const Op& op, std::int64_t rows, int threads) {
  tg::set_num_threads(threads);
  const Inputs inputs = make_inputs(rows);
  for (auto _ : state) {
    tg::Tensor y = op.forward(inputs);  // recorded for backward, then dropped with y
    benchmark::DoNotOptimize(y.raw_data());
  }
  add_bandwidth_counters(state, op.forward_bytes_per_element * rows * kCols, threads, rows > kRows.front());
}

void backward(benchmark::State& state, const Op& op, std::int64_t rows, int threads) {
  tg::set_num_threads(threads);
  const Inputs inputs = make_inputs(rows);
  tg::Tensor probe = op.forward(inputs);
  const tg::Tensor grad = probe.dim() == 0 ? tg::Tensor() : tg::randn_like(probe);
  probe = tg::Tensor();
  for (auto _ : state) {
    tg::Tensor y = op.forward(inputs);
    const auto start = std::chrono::steady_clock::now();
    y.backward(grad);
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    benchmark::DoNotOptimize(inputs.x.grad().raw_data());
    inputs.x.mutable_grad() = tg::Tensor();
    inputs.bias.mutable_grad() = tg::Tensor();
  }
  add_bandwidth_counters(state, op.backward_bytes_per_element * rows * kCols, threads, rows > kRows.front());
}

void register_all() {
  const int all = std::max(2, omp_get_num_procs());
  for (int threads : {1, all})
    for (std::int64_t rows : kRows)
      for (const Op& op : kOps) {
        const std::string suffix =
            "/elements:" + std::to_string(rows * kCols) + "/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(("elementwise/" + std::string(op.name) + "/fwd" + suffix).c_str(),
                                     forward, op, rows, threads)
            ->MinTime(0.1)
            ->Repetitions(3)
            ->ReportAggregatesOnly(true)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
        benchmark::RegisterBenchmark(("elementwise/" + std::string(op.name) + "/bwd" + suffix).c_str(),
                                     backward, op, rows, threads)
            ->MinTime(0.1)
            ->Repetitions(3)
            ->ReportAggregatesOnly(true)
            ->UseManualTime()
            ->Unit(benchmark::kMicrosecond);
      }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  tg::manual_seed(0);
  tb::add_tapegrad_context(/*with_copy=*/true);
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
