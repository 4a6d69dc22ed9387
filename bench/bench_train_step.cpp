// One full training step — zero_grad, forward, cross_entropy, backward, SGD (momentum 0.9) step — for
// three MLPs, at 1 thread and on all cores. Reports ms/step (median over repetitions), GFLOP/s on the
// step's GEMM flops and % of the measured FP32 peak, minor page faults per step and the peak RSS.
// blis_gemms/<config> times the same step's GEMMs alone with raw BLIS on preallocated buffers: the
// floor the framework's step time is compared with.
//
// Peak RSS is per process: bench/run.sh runs each config in its own process (--benchmark_filter).
#include <omp.h>

#include <algorithm>
#include <benchmark/benchmark.h>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "support/bench_support.hpp"

namespace tb = tg::bench;

namespace {

struct Config {
  const char* name;
  std::vector<std::int64_t> widths;  // in, hidden..., out
  std::int64_t batch;
  int warmup_steps;
};

const std::vector<Config> kConfigs = {
    {"a", {784, 128, 10}, 64, 5},
    {"b", {784, 512, 512, 10}, 256, 3},
    {"c", {1024, 4096, 4096, 1024}, 1024, 1},
};

// Forward X·Wᵀ for every layer, then dW = Gᵀ·X for every layer and dX = G·W for all but the first (the
// input needs no gradient): 2·B·in·out flops each.
double gemm_flops(const Config& config) {
  double flops = 0;
  for (std::size_t layer = 0; layer + 1 < config.widths.size(); ++layer) {
    const double one = 2.0 * config.batch * config.widths[layer] * config.widths[layer + 1];
    flops += one * (layer == 0 ? 2 : 3);
  }
  return flops;
}

struct Trainer {
  explicit Trainer(const Config& config)
      : net(tg::nn::MLP(config.widths.front(),
                        std::vector<std::int64_t>(config.widths.begin() + 1, config.widths.end() - 1),
                        config.widths.back(), "relu")),
        optimizer(net->parameters(), tg::optim::SGDOptions(0.01).momentum(0.9)),
        input(tg::randn({config.batch, config.widths.front()})),
        target(tg::randint(0, config.widths.back(), {config.batch})) {}

  void step() {
    optimizer.zero_grad();
    tg::Tensor loss = tg::cross_entropy(net(input), target);
    loss.backward();
    optimizer.step();
  }

  tg::nn::Sequential net;
  tg::optim::SGD optimizer;
  tg::Tensor input, target;
};

void add_step_counters(benchmark::State& state, const Config& config, int threads, std::int64_t faults) {
  const double flops = gemm_flops(config);
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["pct_peak"] = benchmark::Counter(flops * 100.0 / (tb::fp32_peak_gflops(threads) * 1e9),
                                                  benchmark::Counter::kIsIterationInvariantRate);
  state.counters["minflt_per_step"] =
      benchmark::Counter(static_cast<double>(faults), benchmark::Counter::kAvgIterations);
  state.counters["peak_rss_mib"] = tb::peak_rss_mib();
}

void train_step(benchmark::State& state, const Config& config, int threads) {
  tg::set_num_threads(threads);
  // One trainer per config for the whole process, so repetitions continue the same run (warm state).
  static std::map<std::string, std::unique_ptr<Trainer>> trainers;
  std::unique_ptr<Trainer>& trainer = trainers[config.name];
  if (!trainer) trainer = std::make_unique<Trainer>(config);
  for (int i = 0; i < config.warmup_steps; ++i) trainer->step();
  const std::int64_t faults_before = tb::minor_faults();
  for (auto _ : state) trainer->step();
  add_step_counters(state, config, threads, tb::minor_faults() - faults_before);
}

// The same step with a GEMM path (libxsmm for small GEMMs, or the dot-product kernel for Linear's forward)
// on and off, alternating batch by batch on one trainer so that both see the same load and state. Reports
// the median ms/step of each (on_ms, off_ms) and their ratio.
void train_step_path_ab(benchmark::State& state, const Config& config, int threads, tb::GemmPath path) {
  tg::set_num_threads(threads);
  Trainer trainer(config);
  const bool available = path.enabled();
  const int steps = config.name == std::string("a") ? 10 : 1;  // batches of ~2-4 ms
  auto batch = [&](bool on) {
    path.set(on && available);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < steps; ++i) trainer.step();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() /
           steps;
  };
  for (int i = 0; i < config.warmup_steps; ++i) batch(i % 2 == 0);
  std::vector<double> with, without;
  for (auto _ : state) {
    with.push_back(batch(true));
    without.push_back(batch(false));
  }
  path.set(available);
  const double on = tb::median(with), off = tb::median(without);
  state.counters["on_ms"] = on;
  state.counters["off_ms"] = off;
  state.counters["on_over_off"] = on / off;
}

// The step's GEMMs alone, in the step's order and layouts, with raw BLIS on buffers allocated once.
void blis_gemms(benchmark::State& state, const Config& config, int threads) {
  tg::set_num_threads(threads);
  tb::blis_set_threads(threads);
  struct Layer {
    std::int64_t in, out;
    tg::Tensor x, weight, y, grad, weight_grad, x_grad;
  };
  std::vector<Layer> layers;
  for (std::size_t l = 0; l + 1 < config.widths.size(); ++l) {
    const std::int64_t in = config.widths[l], out = config.widths[l + 1], b = config.batch;
    layers.push_back({in, out, tg::randn({b, in}), tg::randn({out, in}), tg::zeros({b, out}),
                      tg::randn({b, out}), tg::zeros({out, in}), tg::zeros({b, in})});
  }
  const std::int64_t b = config.batch;
  auto run = [&] {
    for (Layer& l : layers)  // y = x·Wᵀ (NT)
      tb::blis_sgemm(b, l.out, l.in, l.x.data_ptr<float>(), l.in, 1, l.weight.data_ptr<float>(), 1, l.in,
                     l.y.data_ptr<float>());
    for (std::size_t i = layers.size(); i-- > 0;) {
      Layer& l = layers[i];
      if (i > 0)  // dX = G·W (NN)
        tb::blis_sgemm(b, l.in, l.out, l.grad.data_ptr<float>(), l.out, 1, l.weight.data_ptr<float>(), l.in,
                       1, l.x_grad.data_ptr<float>());
      // dW = Gᵀ·X (TN)
      tb::blis_sgemm(l.out, l.in, b, l.grad.data_ptr<float>(), 1, l.out, l.x.data_ptr<float>(), l.in, 1,
                     l.weight_grad.data_ptr<float>());
    }
    benchmark::ClobberMemory();
  };
  for (int i = 0; i < config.warmup_steps; ++i) run();
  const std::int64_t faults_before = tb::minor_faults();
  for (auto _ : state) run();
  add_step_counters(state, config, threads, tb::minor_faults() - faults_before);
}

void register_all() {
  const int all = std::max(2, omp_get_num_procs());
  for (const Config& config : kConfigs)
    for (int threads : {1, all}) {
      const std::string suffix = std::string("/") + config.name + "/threads:" + std::to_string(threads);
      for (bool raw : {false, true}) {
        auto* b =
            raw ? benchmark::RegisterBenchmark(("blis_gemms" + suffix).c_str(), blis_gemms, config, threads)
                : benchmark::RegisterBenchmark(("train_step" + suffix).c_str(), train_step, config, threads);
        b->UseRealTime()->ReportAggregatesOnly(true)->Unit(benchmark::kMillisecond);
        if (config.name == std::string("c"))
          b->Iterations(3)->Repetitions(3);  // 146 GFLOP per step: ~1 s on one core
        else
          b->MinTime(0.5)->Repetitions(5);
      }
    }
  for (const tb::GemmPath& path : {tb::kLibxsmmPath, tb::kDotKernelPath})
    for (const Config& config : kConfigs)
      for (int threads : {1, 2}) {
        if (config.name == std::string("c") || (threads == 2 && path.name == std::string("libxsmm")))
          continue;
        const std::string name = std::string("train_step_ab/") + path.name + "/" + config.name +
                                 "/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(name.c_str(), train_step_path_ab, config, threads, path)
            ->UseRealTime()
            ->ReportAggregatesOnly(true)
            ->Unit(benchmark::kMillisecond)
            ->MinTime(1.0)
            ->Repetitions(3);
      }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  tg::manual_seed(0);
  tb::add_tapegrad_context();
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
