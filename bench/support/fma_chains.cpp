// FMA peak kernels: many independent accumulators, each updated by one FMA per loop trip, so the FMA
// pipes never wait on a result (latency 4 × 2 pipes needs ≥ 8 chains; we keep 16 with AVX-512 and 12
// with AVX2, which has only 16 vector registers). Each kernel is compiled for its ISA through a
// target attribute, so the file needs no -m flags and runs anywhere; callers check isa_supported().
#include <immintrin.h>
#include <omp.h>

#include <cstdint>

#include "support/bench_support.hpp"

namespace tg::bench {
namespace {

constexpr int kChainsAvx512 = 16;
constexpr int kChainsAvx2 = 12;

// acc = acc * a + b converges to b / (1 - a): no overflow and no denormals however long it runs.
__attribute__((target("avx512f"), noinline)) double chains_avx512_fp32(std::int64_t iterations) {
  __m512 acc[kChainsAvx512];
  for (int c = 0; c < kChainsAvx512; ++c) acc[c] = _mm512_set1_ps(0.01f * static_cast<float>(c));
  const __m512 a = _mm512_set1_ps(0.9999f), b = _mm512_set1_ps(1e-4f);
  for (std::int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < kChainsAvx512; ++c) acc[c] = _mm512_fmadd_ps(acc[c], a, b);
  }
  __m512 sum = acc[0];
  for (int c = 1; c < kChainsAvx512; ++c) sum = _mm512_add_ps(sum, acc[c]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, sum);
  double total = 0;
  for (float lane : lanes) total += lane;
  return total;
}

__attribute__((target("avx512f"), noinline)) double chains_avx512_fp64(std::int64_t iterations) {
  __m512d acc[kChainsAvx512];
  for (int c = 0; c < kChainsAvx512; ++c) acc[c] = _mm512_set1_pd(0.01 * c);
  const __m512d a = _mm512_set1_pd(0.9999), b = _mm512_set1_pd(1e-4);
  for (std::int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < kChainsAvx512; ++c) acc[c] = _mm512_fmadd_pd(acc[c], a, b);
  }
  __m512d sum = acc[0];
  for (int c = 1; c < kChainsAvx512; ++c) sum = _mm512_add_pd(sum, acc[c]);
  alignas(64) double lanes[8];
  _mm512_store_pd(lanes, sum);
  double total = 0;
  for (double lane : lanes) total += lane;
  return total;
}

__attribute__((target("avx2,fma"), noinline)) double chains_avx2_fp32(std::int64_t iterations) {
  __m256 acc[kChainsAvx2];
  for (int c = 0; c < kChainsAvx2; ++c) acc[c] = _mm256_set1_ps(0.01f * static_cast<float>(c));
  const __m256 a = _mm256_set1_ps(0.9999f), b = _mm256_set1_ps(1e-4f);
  for (std::int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 12
    for (int c = 0; c < kChainsAvx2; ++c) acc[c] = _mm256_fmadd_ps(acc[c], a, b);
  }
  __m256 sum = acc[0];
  for (int c = 1; c < kChainsAvx2; ++c) sum = _mm256_add_ps(sum, acc[c]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, sum);
  double total = 0;
  for (float lane : lanes) total += lane;
  return total;
}

__attribute__((target("avx2,fma"), noinline)) double chains_avx2_fp64(std::int64_t iterations) {
  __m256d acc[kChainsAvx2];
  for (int c = 0; c < kChainsAvx2; ++c) acc[c] = _mm256_set1_pd(0.01 * c);
  const __m256d a = _mm256_set1_pd(0.9999), b = _mm256_set1_pd(1e-4);
  for (std::int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 12
    for (int c = 0; c < kChainsAvx2; ++c) acc[c] = _mm256_fmadd_pd(acc[c], a, b);
  }
  __m256d sum = acc[0];
  for (int c = 1; c < kChainsAvx2; ++c) sum = _mm256_add_pd(sum, acc[c]);
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, sum);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

double run_chains(Precision precision, Isa isa, std::int64_t iterations) {
  if (isa == Isa::Avx512)
    return precision == Precision::Fp32 ? chains_avx512_fp32(iterations) : chains_avx512_fp64(iterations);
  return precision == Precision::Fp32 ? chains_avx2_fp32(iterations) : chains_avx2_fp64(iterations);
}

}  // namespace

bool isa_supported(Isa isa) {
  __builtin_cpu_init();
  if (isa == Isa::Avx512) return __builtin_cpu_supports("avx512f");
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

Isa widest_isa() { return isa_supported(Isa::Avx512) ? Isa::Avx512 : Isa::Avx2; }

const char* isa_name(Isa isa) { return isa == Isa::Avx512 ? "avx512" : "avx2"; }

double fma_chain_flops(Precision precision, Isa isa, std::int64_t iterations) {
  const int vector_bits = isa == Isa::Avx512 ? 512 : 256;
  const int lanes = vector_bits / (precision == Precision::Fp32 ? 32 : 64);
  const int chains = isa == Isa::Avx512 ? kChainsAvx512 : kChainsAvx2;
  return 2.0 * lanes * chains * static_cast<double>(iterations);
}

double fma_chains(Precision precision, Isa isa, std::int64_t iterations, int threads) {
  if (threads <= 1) return run_chains(precision, isa, iterations);
  double total = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
  total += run_chains(precision, isa, iterations);
  return total;
}

}  // namespace tg::bench
