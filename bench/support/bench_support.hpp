#pragma once
// Shared by the bench_* programs: the machine's measured peaks (the denominators of every percentage),
// raw BLIS calls for baselines, process counters (minor faults, peak RSS), and run context for the JSON.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <tapegrad/autograd/kernels/dot_gemm.hpp>
#include <tapegrad/autograd/kernels/xsmm_gemm.hpp>

namespace tg::bench {

/// A switchable GEMM path of tapegrad, for A/B benchmarks that alternate it on and off in one process:
/// libxsmm (Note [libxsmm routing] in blis_gemm.cpp) or the dot-product kernel (Note [dot-product GEMM]).
struct GemmPath {
  const char* name;
  bool (*enabled)();
  void (*set)(bool);
};
inline const GemmPath kLibxsmmPath{"libxsmm", tg::kernels::gemm_libxsmm_enabled,
                                   tg::kernels::set_gemm_libxsmm};
/// The median of samples (reorders them).
inline double median(std::vector<double>& samples) {
  std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2),
                   samples.end());
  return samples[samples.size() / 2];
}

inline const GemmPath kDotKernelPath{"dot_kernel", tg::kernels::gemm_dot_kernel_enabled,
                                     tg::kernels::set_gemm_dot_kernel};

// ---- FMA peak: independent FMA chains, long enough that latency never stalls the pipes.
enum class Precision { Fp32, Fp64 };
enum class Isa { Avx512, Avx2 };

/// True when this CPU (and OS) can run the kernels of `isa`.
bool isa_supported(Isa isa);
/// The widest vector ISA this CPU has (AVX-512 if available, else AVX2).
Isa widest_isa();
const char* isa_name(Isa isa);
/// Floating point operations (2 per FMA per lane) done by one call of fma_chains(precision, isa, iterations).
double fma_chain_flops(Precision precision, Isa isa, std::int64_t iterations);
/// Runs the FMA chains on `threads` OpenMP threads at once (each thread does `iterations`); returns
/// a value depending on every result so the compiler cannot drop the work.
double fma_chains(Precision precision, Isa isa, std::int64_t iterations, int threads);

// ---- Memory copy bandwidth between two pre-faulted buffers of `bytes` each, split over `threads`.
enum class CopyKind { Memcpy, Stream };  // glibc memcpy (non-temporal stores when large), or a vector loop
class CopyBuffers {
 public:
  explicit CopyBuffers(std::size_t bytes);
  ~CopyBuffers();
  CopyBuffers(const CopyBuffers&) = delete;
  CopyBuffers& operator=(const CopyBuffers&) = delete;
  void copy(CopyKind kind, int threads);
  std::size_t bytes() const { return bytes_; }

 private:
  std::size_t bytes_;
  float* source_;
  float* destination_;
};

/// Large (DRAM) and small (cache-resident) copy sizes used for the copy-bandwidth denominators.
inline constexpr std::size_t kCopyBytesLarge = std::size_t{64} << 20;
inline constexpr std::size_t kCopyBytesSmall = std::size_t{1} << 20;

// ---- The denominators. Taken from the environment when bench/run.sh exported bench_peak's medians
// (TG_BENCH_PEAK_FP32_1T, TG_BENCH_PEAK_FP32_ALL, TG_BENCH_COPY_GBS_1T, TG_BENCH_COPY_GBS_ALL,
// TG_BENCH_COPY_SMALL_GBS_1T, TG_BENCH_COPY_SMALL_GBS_ALL); otherwise each is measured briefly on first
// use (the copy buffers then count in this process's peak RSS). threads == 1 → one core, else all cores.
double fp32_peak_gflops(int threads);
/// Copy bandwidth (bytes read + written per second) for kCopyBytesLarge (large) or kCopyBytesSmall buffers.
double copy_peak_gbs(int threads, bool large);
/// "bench_peak" when every denominator came from the environment, else "measured in this process".
std::string peaks_source();

// ---- Raw BLIS (the same library instance tapegrad uses), for baselines.
/// C[m,n] = A·B with A [m,k] and B [k,n] described by their strides (the layouts NN, NT, TN).
void blis_sgemm(std::int64_t m, std::int64_t n, std::int64_t k, const float* a, std::int64_t a_row_stride,
                std::int64_t a_col_stride, const float* b, std::int64_t b_row_stride,
                std::int64_t b_col_stride, float* c, float beta = 0.0f);
void blis_set_threads(int threads);
/// The BLIS kernel set in use ("skx", "zen3", ...) and the library version.
std::string blis_arch();
std::string blis_version();

// ---- Process counters.
std::int64_t minor_faults();  // getrusage(RUSAGE_SELF).ru_minflt
double peak_rss_mib();        // getrusage(RUSAGE_SELF).ru_maxrss
std::string cpu_model();

/// Runs one tapegrad GEMM (so tapegrad picks its BLIS kernel set before any raw BLIS call), then
/// records the CPU, the BLIS kernel set and the peaks (FP32, and copy bandwidth when `with_copy`) in
/// Google Benchmark's context (the JSON "context").
void add_tapegrad_context(bool with_copy = false);

}  // namespace tg::bench
