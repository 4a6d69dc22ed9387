// nn::LSTM and nn::GRU, float32, seq 64, batch 32, input 256, hidden 256 (issue [5/6]'s LSTM shape): forward
// alone and forward + backward (all parameter gradients and the input's). The libtorch twin is
// bench/rnn_torch.py (torch.nn.LSTM runs the same ATen kernels libtorch's C++ API does). Target: <= 0.8x
// libtorch's fwd+bwd time.
#include <benchmark/benchmark.h>
#include <cstdint>
#include <string>

#include <tapegrad/nn/rnn.hpp>
#include <tapegrad/tapegrad.hpp>

namespace {

// state.range: 0 gru (else lstm), 1 backward too.
void recurrent(benchmark::State& state) {
  const std::int64_t steps = 64, batch = 32, features = 256, hidden = 256;
  const bool gru = state.range(0) != 0, backward = state.range(1) != 0;
  tg::manual_seed(0);
  tg::nn::LSTM lstm(features, hidden);
  tg::nn::GRU gru_layer(features, hidden);
  tg::nn::Module& module = gru ? static_cast<tg::nn::Module&>(*gru_layer) : *lstm;
  const tg::Tensor x = tg::randn({steps, batch, features}).requires_grad_(backward);
  const tg::Tensor upstream = tg::randn({steps, batch, hidden});
  for (auto _ : state) {
    module.zero_grad();
    tg::Tensor out = gru ? std::get<0>(gru_layer(x)) : std::get<0>(lstm(x));
    if (backward) out.backward(upstream);
    benchmark::DoNotOptimize(out.raw_data());
  }
  state.SetLabel(std::string(gru ? "GRU" : "LSTM") + " T=64 B=32 I=256 H=256" +
                 (backward ? " fwd+bwd" : " fwd"));
}

}  // namespace

BENCHMARK(recurrent)
    ->Args({0, 0})
    ->Args({0, 1})
    ->Args({1, 0})
    ->Args({1, 1})
    ->ArgNames({"gru", "bwd"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
