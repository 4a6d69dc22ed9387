#include <cmath>
#include <mutex>
#include <numbers>
#include <random>

#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/tensor/random.hpp>

namespace tg {
namespace {

// The default generator, shared by all threads (as PyTorch's): each fill holds the lock for the whole
// tensor, so concurrent fills are safe and each draws a contiguous run of the stream.
std::mt19937_64 generator(5489u);
std::mutex generator_mutex;

// The distributions are written out (not std::*_distribution) so values are the same with every
// standard library. Callers hold generator_mutex.
double uniform() { return static_cast<double>(generator() >> 11) * 0x1.0p-53; }

double normal() {
  // Box-Muller; 1 - u keeps the logarithm's argument in (0, 1].
  const double u1 = 1.0 - uniform(), u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

template <class Next>
Tensor fill_with(std::string_view op, IntArrayRef sizes, TensorOptions options, Next next) {
  Tensor out = detail::make_contiguous(sizes, options.dtype(), op);
  std::lock_guard lock(generator_mutex);
  kernels::dispatch(options.dtype(), [&]<class T>() {
    T* data = out.data_ptr<T>();
    const std::int64_t n = out.numel();
    for (std::int64_t i = 0; i < n; ++i) data[i] = static_cast<T>(next());
  });
  if (options.requires_grad()) out.requires_grad_(true);
  return out;
}

}  // namespace

void manual_seed(std::uint64_t seed) {
  std::lock_guard lock(generator_mutex);
  generator.seed(seed);
}

namespace detail {
double next_uniform() {
  std::lock_guard lock(generator_mutex);
  return uniform();
}

double next_normal() {
  std::lock_guard lock(generator_mutex);
  return normal();
}
}  // namespace detail

Tensor rand(IntArrayRef sizes, TensorOptions options) {
  check(is_floating_point(options.dtype()), "rand", "dtype must be float32 or float64, got ",
        options.dtype());
  return fill_with("rand", sizes, options, uniform);
}

Tensor randn(IntArrayRef sizes, TensorOptions options) {
  check(is_floating_point(options.dtype()), "randn", "dtype must be float32 or float64, got ",
        options.dtype());
  return fill_with("randn", sizes, options, normal);
}

Tensor randint(std::int64_t low, std::int64_t high, IntArrayRef sizes, TensorOptions options) {
  check(low < high, "randint", "low (", low, ") must be below high (", high, ")");
  // In unsigned arithmetic, so [INT64_MIN, INT64_MAX) neither overflows nor loses precision.
  const std::uint64_t range = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  return fill_with("randint", sizes, options, [&] {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + generator() % range);
  });
}

Tensor rand_like(const Tensor& other) { return rand(other.sizes(), other.dtype()); }
Tensor randn_like(const Tensor& other) { return randn(other.sizes(), other.dtype()); }

}  // namespace tg
