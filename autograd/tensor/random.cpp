#include <cmath>
#include <numbers>
#include <random>

#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/tensor/random.hpp>

namespace tg {
namespace {

std::mt19937_64& generator() {
  static std::mt19937_64 engine(5489u);
  return engine;
}

template <class Next>
Tensor fill_with(std::string_view op, IntArrayRef sizes, TensorOptions options, Next next) {
  Tensor out = detail::make_contiguous(sizes, options.dtype(), op);
  kernels::dispatch(options.dtype(), [&]<class T>() {
    T* data = out.data_ptr<T>();
    const std::int64_t n = out.numel();
    for (std::int64_t i = 0; i < n; ++i) data[i] = static_cast<T>(next());
  });
  if (options.requires_grad()) out.requires_grad_(true);
  return out;
}

}  // namespace

void manual_seed(std::uint64_t seed) { generator().seed(seed); }

namespace detail {
// The distributions are written out (not std::*_distribution) so values are the same with every
// standard library.
double next_uniform() { return static_cast<double>(generator()() >> 11) * 0x1.0p-53; }

double next_normal() {
  // Box-Muller; 1 - u keeps the logarithm's argument in (0, 1].
  const double u1 = 1.0 - next_uniform(), u2 = next_uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}
}  // namespace detail

Tensor rand(IntArrayRef sizes, TensorOptions options) {
  check(is_floating_point(options.dtype()), "rand", "dtype must be float32 or float64, got ",
        options.dtype());
  return fill_with("rand", sizes, options, detail::next_uniform);
}

Tensor randn(IntArrayRef sizes, TensorOptions options) {
  check(is_floating_point(options.dtype()), "randn", "dtype must be float32 or float64, got ",
        options.dtype());
  return fill_with("randn", sizes, options, detail::next_normal);
}

Tensor randint(std::int64_t low, std::int64_t high, IntArrayRef sizes, TensorOptions options) {
  check(low < high, "randint", "low (", low, ") must be below high (", high, ")");
  // In unsigned arithmetic, so [INT64_MIN, INT64_MAX) neither overflows nor loses precision.
  const std::uint64_t range = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  return fill_with("randint", sizes, options, [&] {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + generator()() % range);
  });
}

Tensor rand_like(const Tensor& other) { return rand(other.sizes(), other.dtype()); }
Tensor randn_like(const Tensor& other) { return randn(other.sizes(), other.dtype()); }

}  // namespace tg
