#pragma once
// Seeded random tensors: the same seed gives the same values on every run.
#include <cstdint>

#include <tapegrad/autograd/tensor/tensor.hpp>

namespace tg {

/// Seeds the generator used by rand, randn, randint (and by Dropout and initializers in nn/).
void manual_seed(std::uint64_t seed);
/// Uniform values in [0, 1).
Tensor rand(IntArrayRef sizes, TensorOptions options = {});
/// Standard normal values.
Tensor randn(IntArrayRef sizes, TensorOptions options = {});
/// Integers uniform in [low, high), int64 unless options set a dtype.
Tensor randint(std::int64_t low, std::int64_t high, IntArrayRef sizes, TensorOptions options = tg::kInt64);
Tensor rand_like(const Tensor& other);
Tensor randn_like(const Tensor& other);

namespace detail {
/// Next uniform double in [0, 1) and next standard normal from the global generator.
double next_uniform();
double next_normal();
}  // namespace detail

}  // namespace tg
