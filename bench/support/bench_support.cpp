#include "support/bench_support.hpp"

#include <blis.h>
#include <immintrin.h>
#include <omp.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <algorithm>
#include <benchmark/benchmark.h>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <sstream>
#include <string>

#include <tapegrad/tapegrad.hpp>

namespace tg::bench {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

float* allocate_touched(std::size_t bytes) {
  // 2 MiB alignment lets transparent huge pages back the buffer (THP is in madvise mode here).
  constexpr std::size_t kAlignment = std::size_t{2} << 20;
  const std::size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void* memory = std::aligned_alloc(kAlignment, rounded);
  if (memory == nullptr) throw std::bad_alloc();
  madvise(memory, rounded, MADV_HUGEPAGE);
  std::memset(memory, 1, rounded);  // fault every page in before anything is timed
  return static_cast<float*>(memory);
}

// A plain vector copy with ordinary (write-allocate) stores, the way element-wise kernels write.
__attribute__((target("avx2"))) void stream_copy_avx2(float* destination, const float* source,
                                                      std::size_t count) {
  std::size_t i = 0;
  for (; i + 32 <= count; i += 32) {
    const __m256 v0 = _mm256_load_ps(source + i), v1 = _mm256_load_ps(source + i + 8);
    const __m256 v2 = _mm256_load_ps(source + i + 16), v3 = _mm256_load_ps(source + i + 24);
    _mm256_store_ps(destination + i, v0);
    _mm256_store_ps(destination + i + 8, v1);
    _mm256_store_ps(destination + i + 16, v2);
    _mm256_store_ps(destination + i + 24, v3);
  }
  for (; i < count; ++i) destination[i] = source[i];
}

__attribute__((target("avx512f"))) void stream_copy_avx512(float* destination, const float* source,
                                                           std::size_t count) {
  std::size_t i = 0;
  for (; i + 64 <= count; i += 64) {
    const __m512 v0 = _mm512_load_ps(source + i), v1 = _mm512_load_ps(source + i + 16);
    const __m512 v2 = _mm512_load_ps(source + i + 32), v3 = _mm512_load_ps(source + i + 48);
    _mm512_store_ps(destination + i, v0);
    _mm512_store_ps(destination + i + 16, v1);
    _mm512_store_ps(destination + i + 32, v2);
    _mm512_store_ps(destination + i + 48, v3);
  }
  for (; i < count; ++i) destination[i] = source[i];
}

double env_double(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return 0.0;
  return std::strtod(value, nullptr);
}

double measure_fma_peak(int threads) {
  const Isa isa = widest_isa();
  constexpr std::int64_t kIterations = std::int64_t{1} << 22;
  double best = 0;
  for (int trial = 0; trial < 5; ++trial) {
    const auto start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(fma_chains(Precision::Fp32, isa, kIterations, threads));
    const double seconds = seconds_since(start);
    best = std::max(best, fma_chain_flops(Precision::Fp32, isa, kIterations) * threads / seconds * 1e-9);
  }
  return best;
}

double measure_copy(std::size_t bytes, int threads) {
  CopyBuffers buffers(bytes);
  const int repeats = bytes >= kCopyBytesLarge ? 5 : 200;
  double best = 0;
  for (CopyKind kind : {CopyKind::Memcpy, CopyKind::Stream}) {
    buffers.copy(kind, threads);  // warm
    for (int trial = 0; trial < repeats; ++trial) {
      const auto start = std::chrono::steady_clock::now();
      buffers.copy(kind, threads);
      best = std::max(best, 2.0 * static_cast<double>(bytes) / seconds_since(start) * 1e-9);
    }
  }
  return best;
}

bool measured_here = false;

// The value of `variable` if set, else measure() (remembering that something was measured here).
template <class Measure>
double from_env_or(const char* variable, Measure measure) {
  const double value = env_double(variable);
  if (value > 0) return value;
  measured_here = true;
  return measure();
}

int all_threads() { return std::max(2, omp_get_num_procs()); }

}  // namespace

CopyBuffers::CopyBuffers(std::size_t bytes)
    : bytes_(bytes), source_(allocate_touched(bytes)), destination_(allocate_touched(bytes)) {}

CopyBuffers::~CopyBuffers() {
  std::free(source_);
  std::free(destination_);
}

void CopyBuffers::copy(CopyKind kind, int threads) {
  const std::size_t count = bytes_ / sizeof(float);
  const bool avx512 = isa_supported(Isa::Avx512);
#pragma omp parallel num_threads(threads)
  {
    // Chunks of whole 64-float blocks, so every thread's part stays 64-byte aligned.
    const std::size_t parts = static_cast<std::size_t>(omp_get_num_threads());
    const std::size_t blocks = count / 64, part = static_cast<std::size_t>(omp_get_thread_num());
    const std::size_t begin = blocks * part / parts * 64;
    const std::size_t end = part + 1 == parts ? count : blocks * (part + 1) / parts * 64;
    if (kind == CopyKind::Memcpy)
      std::memcpy(destination_ + begin, source_ + begin, (end - begin) * sizeof(float));
    else if (avx512)
      stream_copy_avx512(destination_ + begin, source_ + begin, end - begin);
    else
      stream_copy_avx2(destination_ + begin, source_ + begin, end - begin);
  }
  benchmark::ClobberMemory();
}

double fp32_peak_gflops(int threads) {
  static const double one = from_env_or("TG_BENCH_PEAK_FP32_1T", [] { return measure_fma_peak(1); });
  static const double all =
      from_env_or("TG_BENCH_PEAK_FP32_ALL", [] { return measure_fma_peak(all_threads()); });
  return threads <= 1 ? one : all;
}

double copy_peak_gbs(int threads, bool large) {
  if (large) {
    static const double one =
        from_env_or("TG_BENCH_COPY_GBS_1T", [] { return measure_copy(kCopyBytesLarge, 1); });
    static const double all =
        from_env_or("TG_BENCH_COPY_GBS_ALL", [] { return measure_copy(kCopyBytesLarge, all_threads()); });
    return threads <= 1 ? one : all;
  }
  static const double one =
      from_env_or("TG_BENCH_COPY_SMALL_GBS_1T", [] { return measure_copy(kCopyBytesSmall, 1); });
  static const double all =
      from_env_or("TG_BENCH_COPY_SMALL_GBS_ALL", [] { return measure_copy(kCopyBytesSmall, all_threads()); });
  return threads <= 1 ? one : all;
}

std::string peaks_source() { return measured_here ? "measured in this process" : "bench_peak"; }

void blis_sgemm(std::int64_t m, std::int64_t n, std::int64_t k, const float* a, std::int64_t a_row_stride,
                std::int64_t a_col_stride, const float* b, std::int64_t b_row_stride,
                std::int64_t b_col_stride, float* c, float beta) {
  float alpha = 1.0f;
  bli_sgemm(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, m, n, k, &alpha, const_cast<float*>(a), a_row_stride,
            a_col_stride, const_cast<float*>(b), b_row_stride, b_col_stride, &beta, c, n, 1);
}

void blis_set_threads(int threads) { bli_thread_set_num_threads(threads); }

std::string blis_arch() { return bli_arch_string(bli_arch_query_id()); }

std::string blis_version() { return bli_info_get_version_str(); }

std::int64_t minor_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

void add_tapegrad_context(bool with_copy) {
  {
    // tapegrad may choose BLIS's kernel set (BLIS_ARCH_TYPE) before its first GEMM: let it go first.
    tg::NoGradGuard no_grad;
    tg::Tensor a = tg::ones({512, 512});
    benchmark::DoNotOptimize(tg::matmul(a, a).raw_data());
  }
  auto text = [](double value) {
    std::ostringstream out;
    out << value;
    return out.str();
  };
  benchmark::AddCustomContext("cpu_model", cpu_model());
  benchmark::AddCustomContext("blis_arch", blis_arch());
  benchmark::AddCustomContext("blis_version", blis_version());
  benchmark::AddCustomContext("peak_fp32_gflops_1t", text(fp32_peak_gflops(1)));
  benchmark::AddCustomContext("peak_fp32_gflops_all", text(fp32_peak_gflops(all_threads())));
  if (with_copy) {
    benchmark::AddCustomContext("copy_gbs_1t", text(copy_peak_gbs(1, true)));
    benchmark::AddCustomContext("copy_gbs_all", text(copy_peak_gbs(all_threads(), true)));
    benchmark::AddCustomContext("copy_small_gbs_1t", text(copy_peak_gbs(1, false)));
    benchmark::AddCustomContext("copy_small_gbs_all", text(copy_peak_gbs(all_threads(), false)));
  }
  benchmark::AddCustomContext("peaks_source", peaks_source());
}

}  // namespace tg::bench
