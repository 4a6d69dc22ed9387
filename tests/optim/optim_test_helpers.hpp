#pragma once
// Helpers shared by the optim tests: a tiny least-squares problem to optimize, bitwise and
// tolerance comparisons of tensors, and gradient set-up.
#include <cmath>
#include <cstring>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace optim_test {

/// mse_loss(X W^T + b, Y) for fixed random X [8, 4], Y [8, 3]; W [3, 4] and b [3] are the
/// parameters, u [2] is a parameter the loss never reads (so it never gets a gradient).
struct Problem {
  tg::Tensor X, Y;
  tg::Tensor W, b, u;

  explicit Problem(std::uint64_t seed = 7) {
    tg::manual_seed(seed);
    X = tg::randn({8, 4}, tg::kFloat64);
    Y = tg::randn({8, 3}, tg::kFloat64);
    W = tg::randn({3, 4}, tg::kFloat64).requires_grad_();
    b = tg::randn({3}, tg::kFloat64).requires_grad_();
    u = tg::randn({2}, tg::kFloat64).requires_grad_();
  }
  tg::tensor_list params() const { return {W, b, u}; }
  /// Gradients of the loss at the current parameters (the previous ones are cleared first).
  void compute_grads(tg::optim::Optimizer& optimizer) const {
    optimizer.zero_grad();
    tg::mse_loss(tg::linear(X, W, b), Y).backward();
  }
  /// Copies of the current parameter values.
  tg::tensor_list snapshot() const {
    tg::NoGradGuard no_grad;
    return {W.clone(), b.clone(), u.clone()};
  }
  /// Overwrites the parameters with `values` (as a checkpoint load would).
  void restore(const tg::tensor_list& values) const {
    tg::NoGradGuard no_grad;
    W.copy_(values[0]);
    b.copy_(values[1]);
    u.copy_(values[2]);
  }
};

/// Exact equality of dtype, shape and every bit of every element.
inline ::testing::AssertionResult bitwise_equal(const tg::Tensor& a, const tg::Tensor& b) {
  if (a.dtype() != b.dtype() || !(a.sizes() == b.sizes()))
    return ::testing::AssertionFailure() << "dtype/shape differ: " << a.dtype() << tg::to_string(a.sizes())
                                         << " vs " << b.dtype() << tg::to_string(b.sizes());
  const tg::Tensor ca = a.contiguous(), cb = b.contiguous();
  const std::size_t bytes = static_cast<std::size_t>(a.numel()) * tg::element_size(a.dtype());
  if (std::memcmp(ca.raw_data(), cb.raw_data(), bytes) == 0) return ::testing::AssertionSuccess();
  std::ostringstream out;
  out.precision(17);
  const std::vector<double> va = a.to_vector<double>(), vb = b.to_vector<double>();
  for (std::size_t i = 0; i < va.size(); ++i)
    if (std::memcmp(&va[i], &vb[i], sizeof(double)) != 0) {
      out << "first difference at flat index " << i << ": " << va[i] << " vs " << vb[i];
      break;
    }
  return ::testing::AssertionFailure() << out.str();
}

/// |actual - expected| <= atol + rtol * |expected| element-wise, with matching shapes.
inline ::testing::AssertionResult all_close(const tg::Tensor& actual, const std::vector<double>& expected,
                                            const std::vector<std::int64_t>& sizes, double rtol = 1e-6,
                                            double atol = 1e-12) {
  const std::vector<std::int64_t> actual_sizes(actual.sizes().begin(), actual.sizes().end());
  if (actual_sizes != sizes)
    return ::testing::AssertionFailure()
           << "shape " << tg::to_string(actual.sizes()) << ", expected " << tg::to_string(sizes);
  const std::vector<double> values = actual.to_vector<double>();
  std::ostringstream out;
  out.precision(17);
  int mismatches = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double want = expected[i];
    const bool ok = std::isnan(want)   ? std::isnan(values[i])
                    : std::isinf(want) ? values[i] == want
                                       : std::abs(values[i] - want) <= atol + rtol * std::abs(want);
    if (!ok && ++mismatches <= 5)
      out << "\n  at flat index " << i << ": got " << values[i] << ", expected " << want;
  }
  if (mismatches == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << mismatches << " of " << values.size() << " elements differ" << out.str();
}

/// Gives `param` the gradient `grad` (a copy).
inline void set_grad(const tg::Tensor& param, const tg::Tensor& grad) {
  tg::NoGradGuard no_grad;
  param.set_grad(grad.clone());
}

}  // namespace optim_test
