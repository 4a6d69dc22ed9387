// libtorch's side of bench_conv's conv2d and bench_rnn's recurrent benchmarks
// (bench/support/layer_workloads.hpp), under the same Google Benchmark names. Threads: OMP_NUM_THREADS,
// applied with torch::set_num_threads too.
#include <torch/torch.h>

#include <cstdlib>

#include "../support/layer_workloads.hpp"

BENCHMARK(layer_workloads::conv2d)->Name("conv2d")->Apply(layer_workloads::conv2d_arguments);
BENCHMARK(layer_workloads::recurrent)->Name("recurrent")->Apply(layer_workloads::recurrent_arguments);

int main(int argc, char** argv) {
  if (const char* threads = std::getenv("OMP_NUM_THREADS")) torch::set_num_threads(std::atoi(threads));
  benchmark::AddCustomContext("libtorch_mkldnn", at::globalContext().userEnabledMkldnn() ? "on" : "off");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
