// Fused tg::layer_norm / tg::rms_norm against their compositions of element-wise ops and reductions (the
// pre-fusion nn::functional::layer_norm), float32, [768, 128] (a char-level GPT's B*T x d) and
// [8192, 1024], forward alone and forward + backward (input, weight and bias gradients); plus nn::Embedding
// forward + backward with a 50k vocabulary. GB/s counts the bytes the fused kernels must move: forward reads
// x and writes y, backward reads g and x and writes dx. Results: bench/notes/norms.md.
#include <benchmark/benchmark.h>
#include <cstdint>
#include <string>

#include <tapegrad/tapegrad.hpp>

#include "support/bench_support.hpp"

namespace tb = tg::bench;

namespace {

tg::Tensor composed_layer_norm(const tg::Tensor& x, const tg::Tensor& weight, const tg::Tensor& bias) {
  const tg::Tensor centered = x - tg::mean(x, {-1}, /*keepdim=*/true);
  const tg::Tensor variance = tg::mean(centered * centered, {-1}, /*keepdim=*/true);
  return centered * tg::rsqrt(variance + 1e-5) * weight + bias;
}

tg::Tensor composed_rms_norm(const tg::Tensor& x, const tg::Tensor& weight) {
  return x * tg::rsqrt(tg::mean(x * x, {-1}, /*keepdim=*/true) + 1.1920928955078125e-07) * weight;
}

// state.range: 0 rows, 1 columns, 2 rms (else layer), 3 backward too, 4 fused.
void norm(benchmark::State& state) {
  const std::int64_t rows = state.range(0), columns = state.range(1);
  const bool rms = state.range(2) != 0, backward = state.range(3) != 0, fused = state.range(4) != 0;
  tg::manual_seed(0);
  const tg::Tensor x = tg::randn({rows, columns}).requires_grad_(backward);
  const tg::Tensor weight = tg::randn({columns}).requires_grad_(backward);
  const tg::Tensor bias = tg::randn({columns}).requires_grad_(backward);
  const tg::Tensor upstream = tg::randn({rows, columns});
  for (auto _ : state) {
    tg::Tensor out;
    if (rms)
      out = fused ? tg::rms_norm(x, {columns}, weight) : composed_rms_norm(x, weight);
    else
      out = fused ? tg::layer_norm(x, {columns}, weight, bias) : composed_layer_norm(x, weight, bias);
    if (backward) {
      const auto grads = rms ? tg::autograd::grad({out}, {x, weight}, {upstream})
                             : tg::autograd::grad({out}, {x, weight, bias}, {upstream});
      benchmark::DoNotOptimize(grads[0].raw_data());
    }
    benchmark::DoNotOptimize(out.raw_data());
  }
  const double bytes = sizeof(float) * static_cast<double>(rows * columns) * (backward ? 5.0 : 2.0);
  state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(fused ? "fused " : "composed ") + (rms ? "rms_norm" : "layer_norm") +
                 (backward ? " fwd+bwd" : " fwd"));
}

// Fused and composed variants of one configuration run back to back (same load).
void norm_arguments(benchmark::internal::Benchmark* b) {
  for (const auto& [rows, columns] : {std::pair<std::int64_t, std::int64_t>{768, 128}, {8192, 1024}})
    for (std::int64_t rms : {0, 1})
      for (std::int64_t backward : {0, 1})
        for (std::int64_t fused : {1, 0}) b->Args({rows, columns, rms, backward, fused});
  b->ArgNames({"rows", "cols", "rms", "bwd", "fused"})->Unit(benchmark::kMicrosecond)->UseRealTime();
}

BENCHMARK(norm)->Apply(norm_arguments);

// nn::Embedding with V = 50,000, D = 64, looked up by B*T indices, forward + backward (the scatter-add into
// the [V, D] gradient; its zeroing is part of the backward).
void embedding(benchmark::State& state) {
  const std::int64_t V = 50000, D = 64, lookups = state.range(0);
  tg::manual_seed(0);
  tg::nn::Embedding table(V, D);
  const tg::Tensor indices = tg::randint(0, V, {lookups});
  const tg::Tensor upstream = tg::randn({lookups, D});
  for (auto _ : state) {
    table->weight.mutable_grad() = tg::Tensor();
    table(indices).backward(upstream);
    benchmark::DoNotOptimize(table->weight.grad().raw_data());
  }
  state.SetLabel("embedding V=50000 D=64 fwd+bwd");
}

BENCHMARK(embedding)->Arg(768)->Arg(4096)->ArgName("lookups")->Unit(benchmark::kMicrosecond)->UseRealTime();

// SwiGLU feed-forward block, B*T = 768, d = 128, hidden 512: (silu(x W1ᵀ) * (x W3ᵀ)) W2ᵀ forward + backward,
// and its element-wise part silu(a) * b alone on [768, 512] (forward + backward), each with the composed
// silu(a) * b and with the fused tg::silu_mul.
tg::Tensor gate(const tg::Tensor& a, const tg::Tensor& b, bool fused) {
  return fused ? tg::silu_mul(a, b) : tg::silu(a) * b;
}

// state.range: 0 whole block (else the element-wise part), 1 fused.
void swiglu(benchmark::State& state) {
  const bool whole_block = state.range(0) != 0, fused = state.range(1) != 0;
  const std::int64_t tokens = 768, d = 128, hidden = 512;
  tg::manual_seed(0);
  const tg::Tensor x = tg::randn({tokens, d}).requires_grad_();
  const tg::Tensor w1 = tg::randn({hidden, d}).requires_grad_(), w3 = tg::randn({hidden, d}).requires_grad_();
  const tg::Tensor w2 = tg::randn({d, hidden}).requires_grad_();
  const tg::Tensor a = tg::randn({tokens, hidden}).requires_grad_(),
                   b = tg::randn({tokens, hidden}).requires_grad_();
  const tg::Tensor upstream = tg::randn({tokens, whole_block ? d : hidden});
  for (auto _ : state) {
    if (whole_block) {
      const tg::Tensor out = tg::linear(gate(tg::linear(x, w1), tg::linear(x, w3), fused), w2);
      const auto grads = tg::autograd::grad({out}, {x, w1, w3, w2}, {upstream});
      benchmark::DoNotOptimize(grads[0].raw_data());
    } else {
      const auto grads = tg::autograd::grad({gate(a, b, fused)}, {a, b}, {upstream});
      benchmark::DoNotOptimize(grads[0].raw_data());
    }
  }
  state.SetLabel(std::string(whole_block ? "SwiGLU block fwd+bwd" : "silu(a) * b fwd+bwd") +
                 (fused ? " (silu_mul)" : " (composed)"));
}

BENCHMARK(swiglu)
    ->ArgsProduct({{1, 0}, {0, 1}})
    ->ArgNames({"block", "fused"})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  tb::add_tapegrad_context();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
