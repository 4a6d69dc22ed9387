// GEMMs: tg::matmul and tg::linear (forward and backward) against raw BLIS (bli_sgemm on the same
// buffers, same library instance and kernel set) for square shapes 64…2048 and the GEMMs of the three
// training-step MLPs, in the layouts NN (A·B), NT (A·Bᵀ, a Linear forward) and TN (Aᵀ·B, a weight
// gradient), at 1 thread and on all cores.
#include <omp.h>

#include <algorithm>
#include <benchmark/benchmark.h>
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <tapegrad/autograd/kernels/blis_gemm.hpp>
#include <tapegrad/tapegrad.hpp>

#include "support/bench_support.hpp"

namespace tb = tg::bench;

namespace {

enum class Layout { NN, NT, TN };

const char* layout_name(Layout layout) {
  switch (layout) {
    case Layout::NN:
      return "NN";
    case Layout::NT:
      return "NT";
    case Layout::TN:
      return "TN";
  }
  return "?";
}

struct GemmShape {
  Layout layout;
  std::int64_t m, n, k;
  auto operator<=>(const GemmShape&) const = default;
};

struct LinearShape {
  std::int64_t batch, in, out;
};

// The three training-step MLPs (bench_train_step): widths and batch.
struct Mlp {
  std::vector<std::int64_t> widths;
  std::int64_t batch;
};
const std::vector<Mlp> kMlps = {
    {{784, 128, 10}, 64}, {{784, 512, 512, 10}, 256}, {{1024, 4096, 4096, 1024}, 1024}};

void set_threads(int threads) {
  tg::set_num_threads(threads);
  tb::blis_set_threads(threads);
}

void add_flop_counters(benchmark::State& state, double flops, int threads) {
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["pct_peak"] = benchmark::Counter(flops * 100.0 / (tb::fp32_peak_gflops(threads) * 1e9),
                                                  benchmark::Counter::kIsIterationInvariantRate);
}

// Operands of C[m,n] = A·B stored as the layout says: A [m,k] or (TN) Aᵀ stored [k,m]; B [k,n] or (NT) Bᵀ
// stored [n,k]. a() and b() are the (possibly transposed) views.
struct Operands {
  Operands(const GemmShape& shape)
      : a_stored(shape.layout == Layout::TN ? tg::randn({shape.k, shape.m}) : tg::randn({shape.m, shape.k})),
        b_stored(shape.layout == Layout::NT ? tg::randn({shape.n, shape.k}) : tg::randn({shape.k, shape.n})),
        a(shape.layout == Layout::TN ? a_stored.t() : a_stored),
        b(shape.layout == Layout::NT ? b_stored.t() : b_stored) {}
  tg::Tensor a_stored, b_stored, a, b;
};

void gemm_blis(benchmark::State& state, GemmShape shape, int threads) {
  set_threads(threads);
  Operands operands(shape);
  tg::Tensor c = tg::zeros({shape.m, shape.n});
  const tg::Tensor &a = operands.a, &b = operands.b;
  for (auto _ : state) {
    tb::blis_sgemm(shape.m, shape.n, shape.k, a.data_ptr<float>(), a.stride(0), a.stride(1),
                   b.data_ptr<float>(), b.stride(0), b.stride(1), c.data_ptr<float>());
    benchmark::ClobberMemory();
  }
  add_flop_counters(state, 2.0 * shape.m * shape.n * shape.k, threads);
}

void gemm_matmul(benchmark::State& state, GemmShape shape, int threads) {
  set_threads(threads);
  Operands operands(shape);
  for (auto _ : state) {
    tg::Tensor c = tg::matmul(operands.a, operands.b);
    benchmark::DoNotOptimize(c.raw_data());
  }
  add_flop_counters(state, 2.0 * shape.m * shape.n * shape.k, threads);
}

tg::kernels::MatrixView view_of(const tg::Tensor& t) {
  return {t.raw_data(), t.size(0), t.size(1), t.stride(0), t.stride(1)};
}

// tapegrad's GEMM with a path on and off, alternating batch by batch in one process so that both see the
// same machine load. Reports the median time per call of each (on_us, off_us), their GFLOP/s and the
// speed-up off/on; the benchmark's own time covers both.
void gemm_path_ab(benchmark::State& state, GemmShape shape, int threads, tb::GemmPath path) {
  set_threads(threads);
  Operands operands(shape);
  tg::Tensor c = tg::zeros({shape.m, shape.n});
  const auto a = view_of(operands.a), b = view_of(operands.b), out = view_of(c);
  const double flops = 2.0 * shape.m * shape.n * shape.k;
  const int calls = std::max(1, static_cast<int>(2e6 / flops));  // ~10 µs batches at 200 GFLOP/s
  const bool available = path.enabled();
  std::vector<double> with, without;
  auto batch = [&](bool on) {
    path.set(on && available);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) tg::kernels::gemm(tg::kFloat32, 1.0, a, b, 0.0, out);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / calls;
  };
  for (auto _ : state) {
    with.push_back(batch(true));
    without.push_back(batch(false));
    benchmark::ClobberMemory();
  }
  path.set(available);
  const double on = tb::median(with), off = tb::median(without);
  state.counters["on_us"] = on * 1e6;
  state.counters["off_us"] = off * 1e6;
  state.counters["on_GFLOPs"] = flops / on * 1e-9;
  state.counters["off_GFLOPs"] = flops / off * 1e-9;
  state.counters["speedup"] = off / on;
}

// Backward of C = A·B (A [n,n], B [n,n] requiring grad): dA = G·Bᵀ (NT) and dB = Aᵀ·G (TN).
void matmul_backward(benchmark::State& state, std::int64_t n, int threads) {
  set_threads(threads);
  tg::Tensor a = tg::randn({n, n}).requires_grad_(), b = tg::randn({n, n}).requires_grad_();
  tg::Tensor grad = tg::randn({n, n});
  for (auto _ : state) {
    tg::Tensor c = tg::matmul(a, b);
    const auto start = std::chrono::steady_clock::now();
    c.backward(grad);
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    benchmark::DoNotOptimize(a.grad().raw_data());
    a.mutable_grad() = tg::Tensor();
    b.mutable_grad() = tg::Tensor();
  }
  add_flop_counters(state, 4.0 * n * n * n, threads);
}

// A Linear layer's forward in training mode: y = x·Wᵀ + b with W and b requiring grad (the graph is
// recorded, then dropped).
void linear_forward(benchmark::State& state, LinearShape shape, int threads) {
  set_threads(threads);
  tg::Tensor x = tg::randn({shape.batch, shape.in});
  tg::Tensor weight = tg::randn({shape.out, shape.in}).requires_grad_();
  tg::Tensor bias = tg::randn({shape.out}).requires_grad_();
  for (auto _ : state) {
    tg::Tensor y = tg::linear(x, weight, bias);
    benchmark::DoNotOptimize(y.raw_data());
  }
  add_flop_counters(state, 2.0 * shape.batch * shape.in * shape.out, threads);
}

// Its backward with every input requiring grad: dX = G·W (NN), dW = Gᵀ·X (TN), db = column sums of G.
void linear_backward(benchmark::State& state, LinearShape shape, int threads) {
  set_threads(threads);
  tg::Tensor x = tg::randn({shape.batch, shape.in}).requires_grad_();
  tg::Tensor weight = tg::randn({shape.out, shape.in}).requires_grad_();
  tg::Tensor bias = tg::randn({shape.out}).requires_grad_();
  tg::Tensor grad = tg::randn({shape.batch, shape.out});
  for (auto _ : state) {
    tg::Tensor y = tg::linear(x, weight, bias);
    const auto start = std::chrono::steady_clock::now();
    y.backward(grad);
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    benchmark::DoNotOptimize(weight.grad().raw_data());
    for (const tg::Tensor& t : {x, weight, bias}) t.mutable_grad() = tg::Tensor();
  }
  add_flop_counters(state, 4.0 * shape.batch * shape.in * shape.out, threads);
}

std::string shape_suffix(std::int64_t m, std::int64_t n, std::int64_t k, int threads) {
  return "/m:" + std::to_string(m) + "/n:" + std::to_string(n) + "/k:" + std::to_string(k) +
         "/threads:" + std::to_string(threads);
}

template <class... Args>
void add(const std::string& name, bool manual_time, Args&&... args) {
  auto* b = benchmark::RegisterBenchmark(name.c_str(), std::forward<Args>(args)...);
  b->MinTime(0.05)->Repetitions(3)->ReportAggregatesOnly(true)->Unit(benchmark::kMicrosecond);
  if (manual_time)
    b->UseManualTime();
  else
    b->UseRealTime();
}

void register_all() {
  const std::vector<std::int64_t> squares = {64, 128, 256, 512, 1024, 2048};
  std::set<GemmShape> shapes;
  std::vector<LinearShape> linears;
  for (std::int64_t n : squares)
    for (Layout layout : {Layout::NN, Layout::NT, Layout::TN}) shapes.insert({layout, n, n, n});
  for (const Mlp& mlp : kMlps)
    for (std::size_t layer = 0; layer + 1 < mlp.widths.size(); ++layer) {
      const std::int64_t in = mlp.widths[layer], out = mlp.widths[layer + 1];
      linears.push_back({mlp.batch, in, out});
      shapes.insert({Layout::NT, mlp.batch, out, in});  // forward: y = x·Wᵀ
      shapes.insert({Layout::NN, mlp.batch, in, out});  // dX = G·W
      shapes.insert({Layout::TN, out, in, mlp.batch});  // dW = Gᵀ·X
    }
  const int all = std::max(2, omp_get_num_procs());
  for (int threads : {1, all}) {
    for (const GemmShape& s : shapes) {
      const std::string suffix = std::string(layout_name(s.layout)) + shape_suffix(s.m, s.n, s.k, threads);
      add("gemm/blis/" + suffix, false, gemm_blis, s, threads);
      add("gemm/matmul/" + suffix, false, gemm_matmul, s, threads);
    }
    if (threads == 1) {  // libxsmm only ever runs one-thread GEMMs
      std::set<GemmShape> small = shapes;
      for (std::int64_t n : {16, 24, 32, 48, 96, 192})
        for (Layout layout : {Layout::NN, Layout::NT, Layout::TN}) small.insert({layout, n, n, n});
      for (const GemmShape& s : small)
        if (2.0 * s.m * s.n * s.k <= 2.0 * 512 * 512 * 512)
          add("gemm_libxsmm_ab/" + std::string(layout_name(s.layout)) + shape_suffix(s.m, s.n, s.k, threads),
              false, gemm_path_ab, s, threads, tb::kLibxsmmPath);
    }
    std::set<GemmShape> row_dots;  // the layout the dot-product kernel takes, up to the largest MLP layer
    for (const GemmShape& s : shapes)
      if (s.layout == Layout::NT) row_dots.insert(s);
    for (std::int64_t n : {16, 32, 48, 96, 192, 384, 768}) row_dots.insert({Layout::NT, n, n, n});
    for (const GemmShape& s : row_dots)
      add("gemm_dot_ab/NT" + shape_suffix(s.m, s.n, s.k, threads), false, gemm_path_ab, s, threads,
          tb::kDotKernelPath);
    for (std::int64_t n : squares)
      add("matmul_bwd" + shape_suffix(n, n, n, threads), true, matmul_backward, n, threads);
    for (const LinearShape& s : linears) {
      const std::string suffix = "/batch:" + std::to_string(s.batch) + "/in:" + std::to_string(s.in) +
                                 "/out:" + std::to_string(s.out) + "/threads:" + std::to_string(threads);
      add("linear_fwd" + suffix, false, linear_forward, s, threads);
      add("linear_bwd" + suffix, true, linear_backward, s, threads);
    }
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
