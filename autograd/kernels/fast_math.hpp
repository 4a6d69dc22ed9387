#pragma once
// exp, the normal CDF and the logistic function written so that GCC vectorizes loops calling them:
// glibc's expf/erff are opaque calls that keep every loop scalar (and the generic kernels went through
// double), which made gelu, softmax and cross_entropy 20-30x slower than memory bandwidth.
// The float versions are polynomial approximations (exp within ~1 ulp; the CDF within a few 1e-7
// relative); the double versions call the C library, so float64 (gradcheck) stays exact.
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace tg::kernels::fast {

/// e^x for float. Results below FLT_MIN (x < -87.34) are flushed to 0; x > 88.72 gives +inf; NaN stays NaN.
inline float exp(float x) {
  constexpr float kLowest = -87.33654f;  // ln(FLT_MIN)
  constexpr float kHighest = 88.72283f;  // ln(FLT_MAX)
  // Comparisons rather than fmin/fmax so that NaN passes through.
  float clamped = x < kLowest ? kLowest : x;
  clamped = clamped > kHighest ? kHighest : clamped;
  // n = round(x / ln 2): adding 1.5 * 2^23 leaves n in the low mantissa bits (no float-to-int conversion,
  // which would be undefined for NaN).
  constexpr float kRoundShift = 0x1.8p23f;
  const float shifted = clamped * 1.44269504088896341f + kRoundShift;
  const float n = shifted - kRoundShift;
  // r = x - n ln 2 in two parts (Cody-Waite), then Cephes' degree-7 polynomial for e^r on [-ln2/2, ln2/2].
  const float r = (clamped - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  // 2^(n-1) from the exponent bits (n in [-126, 128], so the biased exponent n + 126 is in [0, 254]);
  // multiplying by 2^(n-1) and then 2 keeps 2^128 representable on the way.
  const std::uint32_t bits = (std::bit_cast<std::uint32_t>(shifted) + 126u) << 23;
  const float result = p * std::bit_cast<float>(bits) * 2.0f;
  if (x < kLowest) return 0.0f;
  return x > kHighest ? std::numeric_limits<float>::infinity() : result;
}

inline double exp(double x) { return std::exp(x); }

/// Phi(x) = P(N(0,1) <= x) = erfc(-x / sqrt 2) / 2, accurate in relative terms in both tails.
inline float normal_cdf(float x) {
  // Numerical Recipes' erfcc (Chebyshev fit, fractional error < 1.2e-7): erfc(z) = t exp(-z^2 + P(t)).
  const float z = std::abs(x) * 0.70710678118654752f;
  const float t = 1.0f / (1.0f + 0.5f * z);
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  const float half_erfc = 0.5f * t * exp(p - z * z);
  return x > 0 ? 1.0f - half_erfc : half_erfc;
}

inline double normal_cdf(double x) { return 0.5 * std::erfc(-x * 0.70710678118654752); }

/// 1 / (1 + e^-x) without overflow: e^-x may be +inf (giving 0) but never NaN for finite x.
inline float sigmoid(float x) { return 1.0f / (1.0f + exp(-x)); }

inline double sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

}  // namespace tg::kernels::fast
