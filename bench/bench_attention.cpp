// tg::scaled_dot_product_attention (fused) against the naive composition (matmul, masked_fill, softmax,
// matmul), float32, batch 1, 8 heads, E = 64, L = S in {64, 256, 1024, 2048}, causal or not, forward alone
// and forward + backward. GFLOP/s counts the naive method's GEMM flops: 4 L S E per head forward (Q Kᵀ and
// P V), 8 L S E backward (dV, dP, dQ, dK), halved for causal attention; the fused backward's recomputation
// of Q Kᵀ is not counted. Results: bench/notes/attention.md.
#include <benchmark/benchmark.h>
#include <cmath>
#include <cstdint>
#include <limits>

#include <tapegrad/tapegrad.hpp>

#include "support/bench_support.hpp"

namespace tb = tg::bench;

namespace {

constexpr std::int64_t kHeads = 8, kEmbedding = 64;

tg::Tensor naive_attention(const tg::Tensor& q, const tg::Tensor& k, const tg::Tensor& v, bool causal) {
  tg::Tensor scores = tg::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(q.size(-1))));
  if (causal) {
    const tg::Tensor hidden = tg::logical_not(tg::tril(tg::ones({q.size(-2), k.size(-2)}, tg::kBool)));
    scores = tg::masked_fill(scores, hidden, -std::numeric_limits<double>::infinity());
  }
  return tg::matmul(tg::softmax(scores, -1), v);
}

// state.range: 0 L, 1 causal, 2 backward too, 3 fused.
void attention(benchmark::State& state) {
  const std::int64_t L = state.range(0);
  const bool causal = state.range(1) != 0, backward = state.range(2) != 0, fused = state.range(3) != 0;
  tg::manual_seed(0);
  const tg::Tensor q = tg::randn({1, kHeads, L, kEmbedding}).requires_grad_(backward);
  const tg::Tensor k = tg::randn({1, kHeads, L, kEmbedding}).requires_grad_(backward);
  const tg::Tensor v = tg::randn({1, kHeads, L, kEmbedding}).requires_grad_(backward);
  const tg::Tensor upstream = tg::randn({1, kHeads, L, kEmbedding});
  for (auto _ : state) {
    const tg::Tensor out =
        fused ? tg::scaled_dot_product_attention(q, k, v, {}, 0.0, causal) : naive_attention(q, k, v, causal);
    if (backward) {
      const auto grads = tg::autograd::grad({out}, {q, k, v}, {upstream});
      benchmark::DoNotOptimize(grads[0].raw_data());
    }
    benchmark::DoNotOptimize(out.raw_data());
  }
  const double forward_flops = 4.0 * kHeads * static_cast<double>(L) * static_cast<double>(L) * kEmbedding;
  const double flops = forward_flops * (backward ? 3.0 : 1.0) * (causal ? 0.5 : 1.0);
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["pct_peak"] =
      benchmark::Counter(flops * 100.0 / (tb::fp32_peak_gflops(tg::get_num_threads()) * 1e9),
                         benchmark::Counter::kIsIterationInvariantRate);
  state.counters["peak_rss_MiB"] = tb::peak_rss_mib();
  state.SetLabel(std::string(fused ? "fused" : "naive") + (causal ? " causal" : "") +
                 (backward ? " fwd+bwd" : " fwd"));
}

// The fused and naive variants of one configuration are registered next to each other, so they run
// back to back (same load).
void arguments(benchmark::internal::Benchmark* b) {
  for (std::int64_t backward : {0, 1})
    for (std::int64_t causal : {0, 1})
      for (std::int64_t L : {64, 256, 1024, 2048})
        for (std::int64_t fused : {1, 0}) b->Args({L, causal, backward, fused});
  b->ArgNames({"L", "causal", "bwd", "fused"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(attention)->Apply(arguments);

// Peak memory of one fused forward + backward (unmasked) per L, each L meant to run in a process of its
// own (bench/run.sh does): doubling L should double what the call adds to the process, not quadruple it.
void attention_memory(benchmark::State& state) {
  const std::int64_t L = state.range(0);
  tg::manual_seed(0);
  const double before = tb::peak_rss_mib();
  const tg::Tensor q = tg::randn({1, kHeads, L, kEmbedding}).requires_grad_();
  const tg::Tensor k = tg::randn({1, kHeads, L, kEmbedding}).requires_grad_();
  const tg::Tensor v = tg::randn({1, kHeads, L, kEmbedding}).requires_grad_();
  for (auto _ : state) {
    const tg::Tensor out = tg::scaled_dot_product_attention(q, k, v);
    const auto grads = tg::autograd::grad({out}, {q, k, v}, {tg::ones_like(out)});
    benchmark::DoNotOptimize(grads[0].raw_data());
  }
  state.counters["peak_rss_MiB"] = tb::peak_rss_mib();
  state.counters["rss_before_MiB"] = before;
}
BENCHMARK(attention_memory)
    ->ArgName("L")
    ->Arg(512)
    ->Arg(1024)
    ->Arg(2048)
    ->Arg(4096)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  tb::add_tapegrad_context();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
