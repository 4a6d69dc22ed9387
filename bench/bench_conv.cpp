// conv2d float32 forward and forward + backward (input, weight and bias gradients) through tg::conv2d
// (im2col + GEMM per sample, samples split over the threads) on the fashion CNN's shapes and ResNet-style
// shapes: the workload is bench/support/layer_workloads.hpp, which bench/compare_libtorch/layers_libtorch.cpp
// runs with libtorch (oneDNN convolutions) under the same names. Baselines of our own: the same convolution
// with one im2col of the whole batch and one GEMM (then a permute to NCHW), and the bare GEMM of that size.
// GFLOP/s counts 2 * N * O * (C/groups) * kH * kW * outH * outW per product (3 products for fwd+bwd).
#include <benchmark/benchmark.h>
#include <cstdint>
#include <string>

#include <tapegrad/autograd/kernels/blis_gemm.hpp>
#include <tapegrad/autograd/kernels/im2col.hpp>
#include <tapegrad/autograd/kernels/thread_pool.hpp>
#include <tapegrad/tapegrad.hpp>

namespace torch = tg;

#include "support/layer_workloads.hpp"

namespace {

using layer_workloads::Conv2dShape;
using layer_workloads::kConv2dShapeCount;
using layer_workloads::kConv2dShapes;

// The alternative layout: im2col of every sample into one [C*k*k, N*L] matrix, one GEMM [O, N*L], and the
// permute to [N, O, L] (groups 1 only). state.range: 0 shape index, 1 include the GEMM (else im2col only).
void whole_batch_forward(benchmark::State& state) {
  const Conv2dShape& s = kConv2dShapes[state.range(0)];
  const bool with_gemm = state.range(1) != 0;
  tg::kernels::ConvGeometry g;
  const std::int64_t out_size = s.out_size();
  g.channels = s.in;
  g.input = {1, s.size, s.size};
  g.kernel = {1, s.kernel, s.kernel};
  g.output = {1, out_size, out_size};
  g.padding = {0, s.padding, s.padding};
  const std::int64_t L = g.output_numel(), rows = g.column_rows(), columns = s.batch * L;
  tg::manual_seed(0);
  const tg::Tensor x = tg::randn({s.batch, s.in, s.size, s.size}), w = tg::randn({s.out, rows});
  tg::Tensor cols = tg::empty({rows, columns}), product = tg::empty({s.out, columns});
  for (auto _ : state) {
    const float* image = x.data_ptr<float>();
    float* target = cols.data_ptr<float>();
    tg::kernels::parallel_ranges(
        s.batch, tg::kernels::chunk_count(s.batch, 1), [&](std::int64_t begin, std::int64_t end) {
          for (std::int64_t n = begin; n < end; ++n)
            tg::kernels::im2col(tg::kFloat32, image + n * s.in * s.size * s.size, target + n * L, g, columns);
        });
    if (with_gemm) {
      tg::kernels::gemm(tg::kFloat32, 1.0, {w.data_ptr<float>(), s.out, rows, rows, 1},
                        {cols.data_ptr<float>(), rows, columns, columns, 1}, 0.0,
                        {product.data_ptr<float>(), s.out, columns, columns, 1});
      tg::Tensor y = product.view({s.out, s.batch, L}).permute({1, 0, 2}).contiguous();
      benchmark::DoNotOptimize(y.raw_data());
    }
    benchmark::DoNotOptimize(cols.raw_data());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(s.product_flops() * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(s.name) +
                 (with_gemm ? " whole-batch im2col+gemm+permute fwd" : " whole-batch im2col only"));
}

// The forward's GEMM alone at the whole-batch size [O, C*k*k] x [C*k*k, N*L]: the ceiling for any im2col
// scheme.
void gemm_only(benchmark::State& state) {
  const Conv2dShape& s = kConv2dShapes[state.range(0)];
  const std::int64_t out_size = s.out_size();
  const std::int64_t rows = s.in * s.kernel * s.kernel, columns = s.batch * out_size * out_size;
  tg::manual_seed(0);
  const tg::Tensor w = tg::randn({s.out, rows}), cols = tg::randn({rows, columns});
  tg::Tensor product = tg::empty({s.out, columns});
  for (auto _ : state) {
    tg::kernels::gemm(tg::kFloat32, 1.0, {w.data_ptr<float>(), s.out, rows, rows, 1},
                      {cols.data_ptr<float>(), rows, columns, columns, 1}, 0.0,
                      {product.data_ptr<float>(), s.out, columns, columns, 1});
    benchmark::DoNotOptimize(product.raw_data());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(s.product_flops() * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(s.name) + " gemm only");
}

void dense_arguments(benchmark::internal::Benchmark* b) {
  for (std::int64_t shape = 0; shape < kConv2dShapeCount; ++shape)
    if (kConv2dShapes[shape].groups == 1)
      for (std::int64_t with_gemm : {1, 0}) b->Args({shape, with_gemm});
  b->ArgNames({"shape", "gemm"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

void gemm_arguments(benchmark::internal::Benchmark* b) {
  for (std::int64_t shape = 0; shape < kConv2dShapeCount; ++shape)
    if (kConv2dShapes[shape].groups == 1) b->Args({shape});
  b->ArgNames({"shape"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(layer_workloads::conv2d)->Name("conv2d")->Apply(layer_workloads::conv2d_arguments);
BENCHMARK(whole_batch_forward)->Apply(dense_arguments);
BENCHMARK(gemm_only)->Apply(gemm_arguments);

}  // namespace

BENCHMARK_MAIN();
