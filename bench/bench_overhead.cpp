// Per-op framework overhead: chained x = x + b on tiny tensors, forward+backward and no_grad forward.
#include <benchmark/benchmark.h>

#include <tapegrad/tapegrad.hpp>

namespace {

constexpr int kChain = 10000;

void forward_backward(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  tg::Tensor b = tg::ones({n, n}, tg::requires_grad());
  for (auto _ : state) {
    tg::Tensor x = tg::zeros({n, n}, tg::requires_grad());
    tg::Tensor y = x;
    for (int i = 0; i < kChain; ++i) y = y + b;
    y.sum().backward();
    benchmark::DoNotOptimize(b.grad().raw_data());
    b.mutable_grad() = tg::Tensor();
  }
  state.counters["us_per_op"] =
      benchmark::Counter(static_cast<double>(kChain) * 1e-6,
                         benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void no_grad_forward(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  tg::Tensor b = tg::ones({n, n});
  tg::NoGradGuard no_grad;
  for (auto _ : state) {
    tg::Tensor y = tg::zeros({n, n});
    for (int i = 0; i < kChain; ++i) y = y + b;
    benchmark::DoNotOptimize(y.raw_data());
  }
  state.counters["us_per_op"] =
      benchmark::Counter(static_cast<double>(kChain) * 1e-6,
                         benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

}  // namespace

BENCHMARK(forward_backward)->Arg(1)->Arg(8)->Unit(benchmark::kMillisecond);
BENCHMARK(no_grad_forward)->Arg(1)->Arg(8)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
