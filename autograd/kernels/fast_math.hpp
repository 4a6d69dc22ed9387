#pragma once
// exp, erf, the normal CDF and the logistic function written so that GCC vectorizes loops calling them:
// glibc's expf/erff are opaque calls that keep every loop scalar (and the generic kernels went through
// double), which made gelu, softmax and cross_entropy 20-30x slower than memory bandwidth.
// The float versions are polynomial approximations (exp within 2 ulp, erf within a few ulp); the double
// versions call the C library, so float64 (gradcheck) stays exact.
#include <bit>
#include <cmath>
#include <cstdint>

namespace tg::kernels::fast {

/// e^x for float x <= 0 (every caller exponentiates a non-positive number: x - max, -x^2/2, -|x|), within
/// 2 ulp. Results below FLT_MIN (x < -87.0) are flushed to 0; NaN stays NaN. Positive x up to ln(FLT_MAX)
/// also work; beyond that the result is meaningless (no upper clamp: with two clamps GCC splits the loop
/// into masked branches and it runs 1.5x slower).
inline float exp_nonpositive(float x) {
  // A comparison rather than fmax so that NaN passes through (one vmaxps). At the bound, n = -126 and the
  // scale below comes out as exactly 0.
  const float clamped = x < -87.33654f ? -87.33654f : x;  // ln(FLT_MIN)
  // n = round(x / ln 2): adding 1.5 * 2^23 leaves n in the low mantissa bits (no float-to-int conversion,
  // which would be undefined for NaN).
  constexpr float kRoundShift = 0x1.8p23f;
  const float shifted = clamped * 1.44269504088896341f + kRoundShift;
  const float n = shifted - kRoundShift;
  // r = x - n ln 2 in two parts (Cody-Waite), |r| <= ln(2)/2; then 2 e^r = 2 + 2r + r^2 q(r) with q a
  // degree-4 least-squares fit (its own error is 0.06 ulp; the factor 2 is folded in, see below).
  const float r = (clamped - n * 0.693359375f) - n * -2.12194440e-4f;
  float q = 2.7507907e-3f;
  q = q * r + 1.6737826e-2f;
  q = q * r + 8.3338976e-2f;
  q = q * r + 3.3333036e-1f;
  q = q * r + 9.9999976e-1f;
  const float p = q * (r * r) + (2.0f * r + 2.0f);
  // 2^(n-1) from the exponent bits: the biased exponent n + 126 is in [0, 254] for n <= 128 (0 gives the
  // scale 0); 2^(n-1) times 2 e^r lets n = 128 overflow to inf instead of wrapping.
  const std::uint32_t bits = (std::bit_cast<std::uint32_t>(shifted) + 126u) << 23;
  return p * std::bit_cast<float>(bits);
}

inline double exp_nonpositive(double x) { return std::exp(x); }

/// erf for float: Eigen's rational approximation x P(x^2) / Q(x^2) on [-4, 4] (a few ulp; erf(+-4) rounds
/// to +-1, so beyond that the result is exactly +-1).
inline float erf(float x) {
  float clamped = x < -4.0f ? -4.0f : x;
  clamped = clamped > 4.0f ? 4.0f : clamped;
  const float x2 = clamped * clamped;
  float p = -2.72614225801306e-10f;
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 - 2.10102402082508e-06f;
  p = p * x2 - 5.69250639462346e-05f;
  p = p * x2 - 7.34990630326855e-04f;
  p = p * x2 - 2.95459980854025e-03f;
  p = p * x2 - 1.60960333262415e-02f;
  float q = -1.45660718464996e-05f;
  q = q * x2 - 2.13374055278905e-04f;
  q = q * x2 - 1.68282697438203e-03f;
  q = q * x2 - 7.37332916720468e-03f;
  q = q * x2 - 1.42647390514189e-02f;
  return clamped * p / q;
}

/// Phi(x) = P(N(0,1) <= x). For float, (1 + erf(x / sqrt 2)) / 2: absolute error ~1e-7 (as PyTorch's own
/// vectorized CPU kernel); exactly 0 below x = -5.66 and 1 above 5.66.
inline float normal_cdf(float x) { return 0.5f + 0.5f * erf(x * 0.70710678118654752f); }

/// For double, through erfc so that the lower tail keeps its relative accuracy.
inline double normal_cdf(double x) { return 0.5 * std::erfc(-x * 0.70710678118654752); }

/// 1 / (1 + e^-x) from e^-|x| (so the exponential never overflows): 1 / (1 + e) for x >= 0, e / (1 + e)
/// below.
template <class T>
T sigmoid(T x) {
  const T e = exp_nonpositive(-std::abs(x));
  const T inverse = T(1) / (T(1) + e);
  return x >= 0 ? inverse : e * inverse;
}

}  // namespace tg::kernels::fast
