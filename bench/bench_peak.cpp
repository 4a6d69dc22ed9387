// The machine's measured peaks, the denominators of every percentage in the other bench_* programs:
// FP32/FP64 FMA throughput (independent chains, AVX-512 and AVX2) on one core and on all cores, and
// memory copy bandwidth (bytes read + bytes written per second) for DRAM-sized and cache-sized buffers.
#include <omp.h>

#include <algorithm>
#include <benchmark/benchmark.h>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/bench_support.hpp"

namespace tb = tg::bench;

namespace {

// A peak is a capability: noise on a shared machine only lowers it, so report the best repetition too.
double best(const std::vector<double>& values) { return *std::max_element(values.begin(), values.end()); }

constexpr std::int64_t kFmaIterations = std::int64_t{1} << 22;  // ~10 ms per call at 226 GFLOP/s

void fma_peak(benchmark::State& state, tb::Precision precision, tb::Isa isa, int threads) {
  if (!tb::isa_supported(isa)) {
    state.SkipWithError("this CPU lacks the instruction set");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(tb::fma_chains(precision, isa, kFmaIterations, threads));
  state.counters["GFLOP/s"] =
      benchmark::Counter(tb::fma_chain_flops(precision, isa, kFmaIterations) * threads * 1e-9,
                         benchmark::Counter::kIsIterationInvariantRate);
}

void copy_bandwidth(benchmark::State& state, tb::CopyKind kind, std::size_t bytes, int threads) {
  static std::unique_ptr<tb::CopyBuffers> buffers;
  if (!buffers || buffers->bytes() != bytes) {
    buffers.reset();
    buffers = std::make_unique<tb::CopyBuffers>(bytes);
  }
  for (auto _ : state) buffers->copy(kind, threads);
  // Bytes read plus bytes written, as every GB/s figure in bench/ counts them.
  state.counters["GB/s"] = benchmark::Counter(2.0 * static_cast<double>(bytes) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

void register_all() {
  const int all = std::max(2, omp_get_num_procs());
  for (tb::Precision precision : {tb::Precision::Fp32, tb::Precision::Fp64})
    for (tb::Isa isa : {tb::Isa::Avx512, tb::Isa::Avx2})
      for (int threads : {1, all}) {
        const std::string name = std::string("peak/fma/") +
                                 (precision == tb::Precision::Fp32 ? "fp32/" : "fp64/") + tb::isa_name(isa) +
                                 "/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(name.c_str(), fma_peak, precision, isa, threads)
            ->MinTime(0.2)
            ->Repetitions(5)
            ->ReportAggregatesOnly(true)
            ->ComputeStatistics("max", best)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      }
  for (std::size_t bytes : {tb::kCopyBytesLarge, tb::kCopyBytesSmall})
    for (tb::CopyKind kind : {tb::CopyKind::Memcpy, tb::CopyKind::Stream})
      for (int threads : {1, all}) {
        const std::string name = std::string("peak/copy/") +
                                 (kind == tb::CopyKind::Memcpy ? "memcpy" : "stream") +
                                 "/bytes:" + std::to_string(bytes) + "/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(name.c_str(), copy_bandwidth, kind, bytes, threads)
            ->MinTime(bytes >= tb::kCopyBytesLarge ? 0.3 : 0.1)
            ->Repetitions(5)
            ->ReportAggregatesOnly(true)
            ->ComputeStatistics("max", best)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
      }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("cpu_model", tb::cpu_model());
  benchmark::AddCustomContext("widest_isa", tb::isa_name(tb::widest_isa()));
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
