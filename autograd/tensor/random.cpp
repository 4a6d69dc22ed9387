#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <numbers>
#include <numeric>
#include <random>

#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
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
  detail::check_cpu_device(op, options.device());
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

Tensor randint(std::int64_t high, IntArrayRef sizes, TensorOptions options) {
  return randint(0, high, sizes, options);
}

Tensor randperm(std::int64_t n, TensorOptions options) {
  check(n >= 0, "randperm", "n must be non-negative, got ", n);
  detail::check_cpu_device("randperm", options.device());
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  {
    // Fisher-Yates: position i swaps with a uniform position in [0, i].
    std::lock_guard lock(generator_mutex);
    for (std::size_t i = order.size(); i-- > 1;) std::swap(order[i], order[generator() % (i + 1)]);
  }
  std::size_t next = 0;
  return fill_with("randperm", {n}, options, [&] { return order[next++]; });
}

Tensor rand_like(const Tensor& other, TensorOptions options) {
  const TensorOptions resolved = detail::like(other, "rand_like", options);  // checks `other` first
  return rand(other.sizes(), resolved);
}
Tensor randn_like(const Tensor& other, TensorOptions options) {
  const TensorOptions resolved = detail::like(other, "randn_like", options);  // checks `other` first
  return randn(other.sizes(), resolved);
}
Tensor randint_like(const Tensor& other, std::int64_t high, TensorOptions options) {
  const TensorOptions resolved = detail::like(other, "randint_like", options);  // checks `other` first
  return randint(0, high, other.sizes(), resolved);
}
Tensor randint_like(const Tensor& other, std::int64_t low, std::int64_t high, TensorOptions options) {
  const TensorOptions resolved = detail::like(other, "randint_like", options);  // checks `other` first
  return randint(low, high, other.sizes(), resolved);
}

// ---- in-place fills
namespace {

// Fills self (any layout) with next() drawn in row-major order, under the in-place rules of add_.
template <class Next>
const Tensor& fill_in_place(std::string_view op, const Tensor& self, Next next) {
  detail::check_inplace(op, self);
  const Tensor values = fill_with(op, self.sizes(), TensorOptions(self.dtype()), next);
  kernels::copy(self, values, op);
  detail::impl_of(self)->storage->bump_version();
  return self;
}

// The largest integer every smaller non-negative integer of which the dtype holds exactly (2^24 for
// float32), the bound of random_ without `to`.
std::int64_t largest_exact_integer(Dtype dtype) {
  return kernels::dispatch(dtype, [&]<class T>() -> std::int64_t {
    if constexpr (std::is_floating_point_v<T>)
      return std::int64_t{1} << std::numeric_limits<T>::digits;
    else
      return std::numeric_limits<T>::max();
  });
}

// Uniform integers in [from, last], in unsigned arithmetic so the full int64 range neither overflows nor
// loses values.
const Tensor& random_between(const Tensor& self, std::int64_t from, std::int64_t last) {
  const std::uint64_t span = static_cast<std::uint64_t>(last) - static_cast<std::uint64_t>(from);
  const bool full_range = span == std::numeric_limits<std::uint64_t>::max();
  return fill_in_place("random_", self, [&] {
    const std::uint64_t offset = full_range ? generator() : generator() % (span + 1);
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(from) + offset);
  });
}

void check_floating_self(std::string_view op, const Tensor& self) {
  detail::check_defined(op, "self", self);
  check(is_floating_point(self.dtype()), op, "expected a float32 or float64 tensor, got ", self.dtype());
}

}  // namespace

const Tensor& Tensor::random_() const {
  detail::check_defined("random_", "self", *this);
  return random_between(*this, 0, largest_exact_integer(dtype()));
}

const Tensor& Tensor::random_(std::int64_t to) const { return random_(0, to); }

const Tensor& Tensor::random_(std::int64_t from, std::optional<std::int64_t> to) const {
  detail::check_defined("random_", "self", *this);
  const std::int64_t largest = largest_exact_integer(dtype());
  if (!to) {
    check(from <= largest, "random_", "from (", from, ") exceeds ", largest, ", the largest integer ",
          dtype(), " holds exactly");
    return random_between(*this, from, largest);
  }
  check(from < *to, "random_", "random_ expects 'from' to be less than 'to', but got from=", from,
        " >= to=", *to);
  check(-largest <= from && *to - 1 <= largest, "random_", "[", from, ", ", *to, ") has integers ", dtype(),
        " cannot hold exactly (it holds every integer in [-", largest, ", ", largest, "])");
  return random_between(*this, from, *to - 1);
}

const Tensor& Tensor::uniform_(double from, double to) const {
  check_floating_self("uniform_", *this);
  check(from <= to, "uniform_", "uniform_ expects to return a [from, to) range, but found from=", from,
        " > to=", to);
  check(std::isfinite(to - from), "uniform_", "the range [", from, ", ", to, ") must be finite");
  return fill_in_place("uniform_", *this, [&] { return from + (to - from) * uniform(); });
}

const Tensor& Tensor::normal_(double mean, double std) const {
  check_floating_self("normal_", *this);
  check(std >= 0.0, "normal_", "normal expects std >= 0.0, but found std ", std);
  return fill_in_place("normal_", *this, [&] { return mean + std * normal(); });
}

const Tensor& Tensor::bernoulli_(double p) const {
  detail::check_defined("bernoulli_", "self", *this);
  check(p >= 0 && p <= 1, "bernoulli_", "bernoulli_ expects p to be in [0, 1], but got p=", p);
  return fill_in_place("bernoulli_", *this, [&] { return uniform() < p ? 1.0 : 0.0; });
}

namespace {
// p's values in [0, 1], broadcast to `sizes` and in row-major order.
std::vector<double> probabilities_for(std::string_view op, const Tensor& p, IntArrayRef sizes) {
  detail::check_defined(op, "p", p);
  if (!(IntArrayRef(p.sizes()) == sizes))
    check(IntArrayRef(broadcast_shapes(op, sizes, p.sizes())) == sizes, op, "p of shape ", p.sizes(),
          " cannot be broadcast to self's shape ", sizes);
  const std::vector<double> values = p.detach().expand(sizes).to_vector<double>();
  for (std::size_t i = 0; i < values.size(); ++i)
    check(values[i] >= 0 && values[i] <= 1, op, "Expected p_in >= 0 && p_in <= 1, but p holds ", values[i],
          " (element ", i, " in row-major order)");
  return values;
}
}  // namespace

const Tensor& Tensor::bernoulli_(const Tensor& p) const {
  detail::check_defined("bernoulli_", "self", *this);
  const std::vector<double> probabilities = probabilities_for("bernoulli_", p, sizes());
  std::size_t next = 0;
  return fill_in_place("bernoulli_", *this, [&] { return uniform() < probabilities[next++] ? 1.0 : 0.0; });
}

Tensor bernoulli(const Tensor& probabilities) {
  check_floating_self("bernoulli", probabilities);
  const std::vector<double> p = probabilities_for("bernoulli", probabilities, probabilities.sizes());
  std::size_t next = 0;
  return fill_with("bernoulli", probabilities.sizes(), TensorOptions(probabilities.dtype()),
                   [&] { return uniform() < p[next++] ? 1.0 : 0.0; });
}

Tensor bernoulli(const Tensor& input, double p) {
  detail::check_defined("bernoulli", "input", input);
  check(p >= 0 && p <= 1, "bernoulli", "bernoulli expects p to be in [0, 1], but got p=", p);
  return fill_with("bernoulli", input.sizes(), TensorOptions(input.dtype()),
                   [&] { return uniform() < p ? 1.0 : 0.0; });
}

Tensor Tensor::bernoulli() const { return tg::bernoulli(*this); }
Tensor Tensor::bernoulli(double p) const { return tg::bernoulli(*this, p); }

// ---- multinomial
namespace {

void check_distribution(const double* weights, std::int64_t categories) {
  double total = 0;
  for (std::int64_t i = 0; i < categories; ++i) {
    check(std::isfinite(weights[i]) && weights[i] >= 0, "multinomial",
          "probability tensor contains either `inf`, `nan` or element < 0 (got ", weights[i], " at index ", i,
          ")");
    total += weights[i];
  }
  check(total > 0, "multinomial", "invalid multinomial distribution (sum of probabilities <= 0)");
}

// With replacement: invert the cumulative weights. A zero weight adds no width, so it is never drawn.
void draw_with_replacement(const double* weights, std::int64_t categories, std::int64_t count,
                           std::int64_t* out) {
  std::vector<double> cumulative(weights, weights + categories);
  std::partial_sum(cumulative.begin(), cumulative.end(), cumulative.begin());
  for (std::int64_t s = 0; s < count; ++s) {
    const double target = uniform() * cumulative.back();
    const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), target);
    out[s] = std::min<std::int64_t>(it - cumulative.begin(), categories - 1);
  }
}

// Without replacement: each category gets the key weight / E with E ~ Exp(1); the `count` largest keys
// are distributed as drawing one at a time and removing it. Zero weights come last, in index order.
void draw_without_replacement(const double* weights, std::int64_t categories, std::int64_t count,
                              std::int64_t* out) {
  std::vector<std::pair<double, std::int64_t>> keys(static_cast<std::size_t>(categories));
  for (std::int64_t i = 0; i < categories; ++i) keys[i] = {weights[i] / -std::log(1.0 - uniform()), i};
  std::partial_sort(keys.begin(), keys.begin() + count, keys.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (std::int64_t s = 0; s < count; ++s) out[s] = keys[s].second;
}

}  // namespace

Tensor multinomial(const Tensor& probabilities, std::int64_t num_samples, bool replacement) {
  detail::check_defined("multinomial", "input", probabilities);
  check(is_floating_point(probabilities.dtype()), "multinomial",
        "multinomial only supports floating-point dtypes for input, got: ", probabilities.dtype());
  check(probabilities.dim() == 1 || probabilities.dim() == 2, "multinomial",
        "prob_dist must be 1 or 2 dim, got shape ", probabilities.sizes());
  check(num_samples > 0, "multinomial", "cannot sample n_sample <= 0 samples (got ", num_samples, ")");
  const std::int64_t categories = probabilities.size(-1);
  check(replacement || num_samples <= categories, "multinomial",
        "cannot sample n_sample > prob_dist.size(-1) samples without replacement (", num_samples, " > ",
        categories, ")");
  const std::int64_t rows = probabilities.dim() == 2 ? probabilities.size(0) : 1;
  const std::vector<double> weights = probabilities.to_vector<double>();
  for (std::int64_t r = 0; r < rows; ++r) check_distribution(weights.data() + r * categories, categories);

  Tensor out = detail::make_contiguous(
      probabilities.dim() == 2 ? Shape{rows, num_samples} : Shape{num_samples}, kInt64, "multinomial");
  std::int64_t* samples = out.data_ptr<std::int64_t>();
  std::lock_guard lock(generator_mutex);
  for (std::int64_t r = 0; r < rows; ++r) {
    const double* row = weights.data() + r * categories;
    if (replacement)
      draw_with_replacement(row, categories, num_samples, samples + r * num_samples);
    else
      draw_without_replacement(row, categories, num_samples, samples + r * num_samples);
  }
  return out;
}

Tensor Tensor::multinomial(std::int64_t num_samples, bool replacement) const {
  return tg::multinomial(*this, num_samples, replacement);
}

}  // namespace tg
