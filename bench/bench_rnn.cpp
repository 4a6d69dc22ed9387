// nn::LSTM and nn::GRU, float32, seq 64, batch 32, input 256, hidden 256 (issue [5/6]'s LSTM shape): forward
// alone and forward + backward (all parameter gradients and the input's). The workload is
// bench/support/layer_workloads.hpp, which bench/compare_libtorch/layers_libtorch.cpp runs with libtorch
// under the same names. Target: <= 0.8x libtorch's fwd+bwd time.
#include <benchmark/benchmark.h>

#include <tapegrad/tapegrad.hpp>

namespace torch = tg;

#include "support/layer_workloads.hpp"

BENCHMARK(layer_workloads::recurrent)->Name("recurrent")->Apply(layer_workloads::recurrent_arguments);

BENCHMARK_MAIN();
