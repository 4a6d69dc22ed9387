#pragma once
// conv2d and LSTM/GRU workloads written once in libtorch's vocabulary: bench/bench_conv.cpp and
// bench/bench_rnn.cpp compile them against tapegrad (`namespace torch = tg;`),
// bench/compare_libtorch/layers_libtorch.cpp against libtorch, so both sides run the same calls and report
// under the same Google Benchmark names (bench/run.sh pairs them). The includer defines namespace `torch`.
#include <benchmark/benchmark.h>
#include <cstdint>
#include <iterator>
#include <string>

namespace layer_workloads {

struct Conv2dShape {
  const char* name;
  std::int64_t batch, in, out, size, kernel, padding, groups;
  std::int64_t out_size() const { return size + 2 * padding - kernel + 1; }
  // 2 * N * O * (C / groups) * kH * kW * outH * outW: one product (forward, input or weight gradient).
  double product_flops() const {
    return 2.0 * static_cast<double>(batch * out * (in / groups) * kernel * kernel * out_size() * out_size());
  }
};

// The fashion CNN's two convolutions (examples/fashion_cnn, libtorch's MNIST example shape: 5x5 kernels,
// 28x28 then 12x12 after pooling, batch 64) and ResNet-style shapes at batch 32.
inline const Conv2dShape kConv2dShapes[] = {
    {"fashion_conv1 1->32 5x5 28x28 N64", 64, 1, 32, 28, 5, 0, 1},
    {"fashion_conv2 32->64 5x5 12x12 N64", 64, 32, 64, 12, 5, 0, 1},
    {"resnet 64->64 3x3 56x56 N32", 32, 64, 64, 56, 3, 1, 1},
    {"resnet 256->256 3x3 14x14 N32", 32, 256, 256, 14, 3, 1, 1},
    {"resnet 1x1 256->64 56x56 N32", 32, 256, 64, 56, 1, 0, 1},
    {"depthwise 64 3x3 56x56 N32", 32, 64, 64, 56, 3, 1, 64},
};
inline constexpr std::int64_t kConv2dShapeCount = static_cast<std::int64_t>(std::size(kConv2dShapes));

// state.range: 0 shape index, 1 backward too (input, weight and bias gradients through autograd::grad).
inline void conv2d(benchmark::State& state) {
  const Conv2dShape& s = kConv2dShapes[state.range(0)];
  const bool backward = state.range(1) != 0;
  torch::manual_seed(0);
  const torch::Tensor x = torch::randn({s.batch, s.in, s.size, s.size}).requires_grad_(backward);
  const torch::Tensor w = torch::randn({s.out, s.in / s.groups, s.kernel, s.kernel}).requires_grad_(backward);
  const torch::Tensor b = torch::randn({s.out}).requires_grad_(backward);
  const torch::Tensor upstream = torch::randn({s.batch, s.out, s.out_size(), s.out_size()});
  const std::int64_t stride = 1, dilation = 1;
  for (auto _ : state) {
    torch::Tensor y = torch::conv2d(x, w, b, stride, s.padding, dilation, s.groups);
    if (backward) {
      const auto grads = torch::autograd::grad({y}, {x, w, b}, {upstream});
      benchmark::DoNotOptimize(grads[0].data_ptr());
    }
    benchmark::DoNotOptimize(y.data_ptr());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(s.product_flops() * (backward ? 3.0 : 1.0) * 1e-9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(s.name) + (backward ? " fwd+bwd" : " fwd"));
}

inline void conv2d_arguments(benchmark::internal::Benchmark* b) {
  for (std::int64_t shape = 0; shape < kConv2dShapeCount; ++shape)
    for (std::int64_t backward : {0, 1}) b->Args({shape, backward});
  b->ArgNames({"shape", "bwd"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

// Issue [5/6]'s recurrent shape: float32, seq 64, batch 32, input 256, hidden 256, one layer; forward alone
// and forward + backward (every parameter gradient and the input's). state.range: 0 GRU (else LSTM), 1
// backward too.
inline void recurrent(benchmark::State& state) {
  const std::int64_t steps = 64, batch = 32, features = 256, hidden = 256;
  const bool gru = state.range(0) != 0, backward = state.range(1) != 0;
  torch::manual_seed(0);
  torch::nn::LSTM lstm(features, hidden);
  torch::nn::GRU gru_layer(features, hidden);
  torch::nn::Module& module = gru ? static_cast<torch::nn::Module&>(*gru_layer) : *lstm;
  const torch::Tensor x = torch::randn({steps, batch, features}).requires_grad_(backward);
  const torch::Tensor upstream = torch::randn({steps, batch, hidden});
  for (auto _ : state) {
    module.zero_grad();
    torch::Tensor out = gru ? std::get<0>(gru_layer(x)) : std::get<0>(lstm(x));
    if (backward) out.backward(upstream);
    benchmark::DoNotOptimize(out.data_ptr());
  }
  state.SetLabel(std::string(gru ? "GRU" : "LSTM") + " T=64 B=32 I=256 H=256" +
                 (backward ? " fwd+bwd" : " fwd"));
}

inline void recurrent_arguments(benchmark::internal::Benchmark* b) {
  for (std::int64_t gru : {0, 1})
    for (std::int64_t backward : {0, 1}) b->Args({gru, backward});
  b->ArgNames({"gru", "bwd"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace layer_workloads
