// libtorch counterparts of bench_train_step and bench_overhead, with the same benchmark names, configs,
// counters and repetitions, so bench/run.sh computes tapegrad/libtorch ratios from one run. libtorch
// is used as a user would: its default zero_grad(), Linear, ReLU, cross_entropy and SGD.
// Run it once per thread count with OMP_NUM_THREADS set (the BLAS behind libtorch may read only that).
#include <dlfcn.h>
#include <omp.h>
#include <sys/resource.h>
#include <torch/torch.h>

#include <algorithm>
#include <benchmark/benchmark.h>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace {

// ---- process counters and the BLAS library actually loaded

std::int64_t minor_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// Every mapped library whose path mentions blas or blis (libtorch calls sgemm_ from libblas.so.3).
std::string loaded_blas() {
  std::ifstream maps("/proc/self/maps");
  std::set<std::string> paths;
  std::string line;
  while (std::getline(maps, line)) {
    const std::size_t slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    if (path.find("blas") != std::string::npos || path.find("blis") != std::string::npos) paths.insert(path);
  }
  std::string joined;
  for (const std::string& path : paths) joined += (joined.empty() ? "" : " ") + path;
  return joined.empty() ? "none found" : joined;
}

// OpenBLAS's core (kernel set) or BLIS's configuration, when the loaded BLAS is one of them.
std::string blas_kernels() {
  using CoreName = char* (*)();
  if (auto core = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename")))
    return std::string("OpenBLAS core ") + core();
  using ArchId = int (*)();
  using ArchString = const char* (*)(int);
  auto id = reinterpret_cast<ArchId>(dlsym(RTLD_DEFAULT, "bli_arch_query_id"));
  auto name = reinterpret_cast<ArchString>(dlsym(RTLD_DEFAULT, "bli_arch_string"));
  if (id && name) return std::string("BLIS ") + name(id());
  return "unknown";
}

// ---- train step (bench_train_step's configs)

struct Config {
  const char* name;
  std::vector<std::int64_t> widths;
  std::int64_t batch;
  int warmup_steps;
};

const std::vector<Config> kConfigs = {
    {"a", {784, 128, 10}, 64, 5},
    {"b", {784, 512, 512, 10}, 256, 3},
    {"c", {1024, 4096, 4096, 1024}, 1024, 1},
};

double gemm_flops(const Config& config) {
  double flops = 0;
  for (std::size_t layer = 0; layer + 1 < config.widths.size(); ++layer) {
    const double one = 2.0 * config.batch * config.widths[layer] * config.widths[layer + 1];
    flops += one * (layer == 0 ? 2 : 3);
  }
  return flops;
}

struct Trainer {
  explicit Trainer(const Config& config) {
    for (std::size_t layer = 0; layer + 1 < config.widths.size(); ++layer) {
      net->push_back(torch::nn::Linear(config.widths[layer], config.widths[layer + 1]));
      if (layer + 2 < config.widths.size()) net->push_back(torch::nn::ReLU());
    }
    optimizer =
        std::make_unique<torch::optim::SGD>(net->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
    input = torch::randn({config.batch, config.widths.front()});
    target = torch::randint(0, config.widths.back(), {config.batch}, torch::kLong);
  }

  void step() {
    optimizer->zero_grad();
    torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(input), target);
    loss.backward();
    optimizer->step();
  }

  torch::nn::Sequential net;
  std::unique_ptr<torch::optim::SGD> optimizer;
  torch::Tensor input, target;
};

void train_step(benchmark::State& state, const Config& config, int threads) {
  torch::set_num_threads(threads);
  static std::map<std::string, std::unique_ptr<Trainer>> trainers;
  std::unique_ptr<Trainer>& trainer = trainers[config.name];
  if (!trainer) trainer = std::make_unique<Trainer>(config);
  for (int i = 0; i < config.warmup_steps; ++i) trainer->step();
  const std::int64_t faults_before = minor_faults();
  for (auto _ : state) trainer->step();
  state.counters["GFLOP/s"] =
      benchmark::Counter(gemm_flops(config) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["minflt_per_step"] = benchmark::Counter(static_cast<double>(minor_faults() - faults_before),
                                                         benchmark::Counter::kAvgIterations);
  state.counters["peak_rss_mib"] = peak_rss_mib();
}

// ---- per-op overhead (bench_overhead's chain)

constexpr int kChain = 10000;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void add_per_op_counter(benchmark::State& state) {
  state.counters["us_per_op"] = benchmark::Counter(
      kChain * 1e-6, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

torch::Tensor chain(const torch::Tensor& x, const torch::Tensor& b) {
  torch::Tensor y = x;
  for (int i = 0; i < kChain; ++i) y = y + b;
  return y;
}

void forward(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  torch::Tensor b = torch::ones({n, n}, torch::requires_grad());
  for (auto _ : state) {
    torch::Tensor x = torch::zeros({n, n}, torch::requires_grad());
    const auto start = Clock::now();
    torch::Tensor y = chain(x, b);
    state.SetIterationTime(seconds_since(start));
    y.sum().backward();
    b.mutable_grad().reset();
  }
  add_per_op_counter(state);
}

void backward(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  torch::Tensor b = torch::ones({n, n}, torch::requires_grad());
  for (auto _ : state) {
    torch::Tensor x = torch::zeros({n, n}, torch::requires_grad());
    torch::Tensor y = chain(x, b);
    const auto start = Clock::now();
    torch::Tensor total = y.sum();
    y.reset();
    total.backward();
    total.reset();  // frees the 10,000 nodes
    state.SetIterationTime(seconds_since(start));
    benchmark::DoNotOptimize(b.grad().data_ptr());
    b.mutable_grad().reset();
  }
  add_per_op_counter(state);
}

void no_grad_forward(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  torch::Tensor b = torch::ones({n, n});
  torch::NoGradGuard no_grad;
  for (auto _ : state) {
    torch::Tensor x = torch::zeros({n, n});
    const auto start = Clock::now();
    torch::Tensor y = chain(x, b);
    benchmark::DoNotOptimize(y.data_ptr());
    state.SetIterationTime(seconds_since(start));
  }
  add_per_op_counter(state);
}

void register_all() {
  const int all = std::max(2, omp_get_num_procs());
  for (const Config& config : kConfigs)
    for (int threads : {1, all}) {
      const std::string name =
          std::string("train_step/") + config.name + "/threads:" + std::to_string(threads);
      auto* b = benchmark::RegisterBenchmark(name.c_str(), train_step, config, threads);
      b->UseRealTime()->ReportAggregatesOnly(true)->Unit(benchmark::kMillisecond);
      if (config.name == std::string("c"))
        b->Iterations(3)->Repetitions(3);
      else
        b->MinTime(0.5)->Repetitions(5);
    }
  auto configure = [](benchmark::internal::Benchmark* b) {
    b->Arg(1)->Arg(8)->UseManualTime()->MinTime(0.2)->Repetitions(5)->ReportAggregatesOnly(true)->Unit(
        benchmark::kMillisecond);
  };
  configure(benchmark::RegisterBenchmark("overhead/forward", forward));
  configure(benchmark::RegisterBenchmark("overhead/backward", backward));
  configure(benchmark::RegisterBenchmark("overhead/no_grad_forward", no_grad_forward));
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  torch::manual_seed(0);
  {
    // Load and initialise the BLAS before asking which one it is.
    torch::Tensor a = torch::ones({256, 256});
    benchmark::DoNotOptimize(torch::mm(a, a).data_ptr());
  }
  benchmark::AddCustomContext("torch_version", TORCH_VERSION);
  benchmark::AddCustomContext("torch_parallel_info", at::get_parallel_info());
  benchmark::AddCustomContext("blas_libraries", loaded_blas());
  benchmark::AddCustomContext("blas_kernels", blas_kernels());
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
