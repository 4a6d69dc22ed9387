#pragma once
// Seeded random tensors: the same seed gives the same values on every run.
#include <cstdint>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// Seeds the generator used by rand, randn, randint (and by Dropout and initializers in nn/).
void manual_seed(std::uint64_t seed);
/// Uniform values in [0, 1).
Tensor rand(IntArrayRef sizes, TensorOptions options = {});
/// Standard normal values.
Tensor randn(IntArrayRef sizes, TensorOptions options = {});
/// Integers uniform in [low, high), int64 unless options set a dtype.
Tensor randint(std::int64_t low, std::int64_t high, IntArrayRef sizes, TensorOptions options = tg::kInt64);
/// Integers uniform in [0, high).
Tensor randint(std::int64_t high, IntArrayRef sizes, TensorOptions options = tg::kInt64);
/// A random permutation of 0, ..., n - 1.
Tensor randperm(std::int64_t n, TensorOptions options = tg::kInt64);
/// The *_like factories take other's sizes and dtype; options override the dtype and set requires_grad.
Tensor rand_like(const Tensor& other, TensorOptions options = {});
Tensor randn_like(const Tensor& other, TensorOptions options = {});
Tensor randint_like(const Tensor& other, std::int64_t high, TensorOptions options = {});
Tensor randint_like(const Tensor& other, std::int64_t low, std::int64_t high, TensorOptions options = {});

/// 1 with probability p[i], else 0, in p's dtype (p floating, every value in [0, 1]). Not differentiable.
Tensor bernoulli(const Tensor& probabilities);
/// 1 with probability p, else 0, in input's sizes and dtype.
Tensor bernoulli(const Tensor& input, double p);
/// Draws num_samples category indices (int64) from each row of a 1-D or 2-D tensor of non-negative
/// weights (they need not sum to 1). Without replacement the indices of a row are distinct.
Tensor multinomial(const Tensor& probabilities, std::int64_t num_samples, bool replacement = false);

#pragma GCC visibility push(hidden)  // library internals, not exported
namespace detail {
/// Next uniform double in [0, 1) and next standard normal from the global generator.
double next_uniform();
double next_normal();
}  // namespace detail
#pragma GCC visibility pop

}  // namespace tg

#pragma GCC visibility pop
