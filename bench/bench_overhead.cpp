// Per-op framework overhead: 10,000 chained x = x + b on tiny tensors (1×1 and 8×8, requires_grad),
// timed as forward (recording the tape), backward (sum, backward, and freeing the graph) and forward
// under NoGradGuard, each in µs per op, and forward with anomaly detection on. compare_libtorch runs
// the same chain with libtorch.
#include <benchmark/benchmark.h>
#include <chrono>
#include <cstdint>

#include <tapegrad/tapegrad.hpp>

#include "support/bench_support.hpp"

namespace {

constexpr int kChain = 10000;

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void add_per_op_counter(benchmark::State& state) {
  state.counters["us_per_op"] = benchmark::Counter(
      kChain * 1e-6, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

tg::Tensor chain(const tg::Tensor& x, const tg::Tensor& b) {
  tg::Tensor y = x;
  for (int i = 0; i < kChain; ++i) y = y + b;
  return y;
}

void forward(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  tg::Tensor b = tg::ones({n, n}, tg::requires_grad());
  for (auto _ : state) {
    tg::Tensor x = tg::zeros({n, n}, tg::requires_grad());
    const auto start = Clock::now();
    tg::Tensor y = chain(x, b);
    state.SetIterationTime(seconds_since(start));
    y.sum().backward();
    b.mutable_grad() = tg::Tensor();
  }
  add_per_op_counter(state);
}

void backward(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  tg::Tensor b = tg::ones({n, n}, tg::requires_grad());
  for (auto _ : state) {
    tg::Tensor x = tg::zeros({n, n}, tg::requires_grad());
    tg::Tensor y = chain(x, b);
    const auto start = Clock::now();
    tg::Tensor total = y.sum();
    y = tg::Tensor();
    total.backward();
    total = tg::Tensor();  // frees the 10,000 nodes
    state.SetIterationTime(seconds_since(start));
    benchmark::DoNotOptimize(b.grad().raw_data());
    b.mutable_grad() = tg::Tensor();
  }
  add_per_op_counter(state);
}

// The same forward with anomaly detection on (every output scanned for NaN/Inf, the recording site
// described): what DetectAnomalyGuard costs. Off, it is one relaxed load per op (overhead/forward).
void forward_anomaly_detection(benchmark::State& state) {
  tg::autograd::DetectAnomalyGuard anomaly;
  forward(state);
}

void no_grad_forward(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  tg::Tensor b = tg::ones({n, n});
  tg::NoGradGuard no_grad;
  for (auto _ : state) {
    tg::Tensor x = tg::zeros({n, n});
    const auto start = Clock::now();
    tg::Tensor y = chain(x, b);
    benchmark::DoNotOptimize(y.raw_data());
    state.SetIterationTime(seconds_since(start));
  }
  add_per_op_counter(state);
}

void configure(benchmark::internal::Benchmark* b) {
  b->Arg(1)->Arg(8)->UseManualTime()->MinTime(0.2)->Repetitions(5)->ReportAggregatesOnly(true)->Unit(
      benchmark::kMillisecond);
}

}  // namespace

BENCHMARK(forward)->Name("overhead/forward")->Apply(configure);
BENCHMARK(backward)->Name("overhead/backward")->Apply(configure);
BENCHMARK(no_grad_forward)->Name("overhead/no_grad_forward")->Apply(configure);
BENCHMARK(forward_anomaly_detection)->Name("overhead/forward_anomaly_detection")->Apply(configure);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  tg::set_num_threads(1);
  benchmark::AddCustomContext("cpu_model", tg::bench::cpu_model());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
