#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/autograd/tensor/random.hpp>
#include <tapegrad/nn/init.hpp>

namespace tg::nn::init {
namespace {

void check_floating_tensor(std::string_view op, const Tensor& tensor) {
  detail::check_floating(op, "tensor", tensor);
}

std::string_view mode_name(const FanModeType& mode) {
  return std::visit([](auto value) { return enum_name(value); }, mode);
}

std::string_view nonlinearity_name(const NonlinearityType& nonlinearity) {
  return std::visit([](auto value) { return enum_name(value); }, nonlinearity);
}

double fan(std::string_view op, const Tensor& tensor, std::string_view mode) {
  check(mode == "fan_in" || mode == "fan_out", op, "mode must be \"fan_in\" or \"fan_out\", got \"", mode,
        "\"");
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  return static_cast<double>(mode == "fan_in" ? fan_in : fan_out);
}

// Values are computed in double and copied in, so every floating dtype gets the same draws.
void write_values(const Tensor& tensor, const std::vector<double>& values) {
  tensor.copy_(tg::tensor(values, tensor.sizes(), kFloat64));
}

double normal_cdf(double x) { return 0.5 * (1.0 + std::erf(x / std::numbers::sqrt2)); }

// Inverse error function: a rational first guess (Giles, "Approximating the erfinv function", 2010)
// polished by Newton steps on erf(x) = y, which converge to double precision in two or three steps.
double erfinv(double y) {
  if (std::isnan(y) || y < -1.0 || y > 1.0) return std::numeric_limits<double>::quiet_NaN();
  if (y == 1.0) return std::numeric_limits<double>::infinity();
  if (y == -1.0) return -std::numeric_limits<double>::infinity();
  const double w = -std::log((1.0 - y) * (1.0 + y));
  double x;
  if (w < 5.0) {
    const double t = w - 2.5;
    double p = 2.81022636e-08;
    for (double c : {3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                     -0.00417768164, 0.246640727, 1.50140941})
      p = c + p * t;
    x = p * y;
  } else {
    const double t = std::sqrt(w) - 3.0;
    double p = -0.000200214257;
    for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                     0.00943887047, 1.00167406, 2.83297682})
      p = c + p * t;
    x = p * y;
  }
  const double two_over_sqrt_pi = 2.0 / std::sqrt(std::numbers::pi);
  for (int step = 0; step < 3; ++step) {
    const double slope = two_over_sqrt_pi * std::exp(-x * x);
    if (slope == 0.0) break;
    x -= (std::erf(x) - y) / slope;
  }
  return x;
}

// Thin QR of a tall rows x cols matrix (rows >= cols, row-major) by modified Gram-Schmidt, each column
// orthogonalized twice so Q stays orthogonal to rounding even for ill-conditioned draws. Gram-Schmidt
// makes diag(R) positive, which is the sign convention PyTorch enforces with q *= sign(diag(r)): the
// result is Haar-distributed. Returns Q (rows x cols, row-major).
std::vector<double> orthonormal_columns(std::vector<double> a, std::int64_t rows, std::int64_t cols) {
  auto at = [&](std::int64_t r, std::int64_t c) -> double& { return a[r * cols + c]; };
  for (std::int64_t j = 0; j < cols; ++j) {
    for (int pass = 0; pass < 2; ++pass) {
      for (std::int64_t k = 0; k < j; ++k) {
        double dot = 0;
        for (std::int64_t r = 0; r < rows; ++r) dot += at(r, k) * at(r, j);
        for (std::int64_t r = 0; r < rows; ++r) at(r, j) -= dot * at(r, k);
      }
    }
    double norm = 0;
    for (std::int64_t r = 0; r < rows; ++r) norm += at(r, j) * at(r, j);
    norm = std::sqrt(norm);
    // A Gaussian draw has full rank with probability one.
    check(norm > 0, "orthogonal_", "random matrix was rank deficient");
    for (std::int64_t r = 0; r < rows; ++r) at(r, j) /= norm;
  }
  return a;
}

}  // namespace

double calculate_gain(NonlinearityType nonlinearity, double param) {
  return calculate_gain(nonlinearity_name(nonlinearity), param);
}

double calculate_gain(std::string_view nonlinearity, double param) {
  if (nonlinearity == "linear" || nonlinearity == "sigmoid" || nonlinearity.starts_with("conv")) return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1.0 + param * param));
  if (nonlinearity == "selu") return 3.0 / 4.0;
  throw Error("calculate_gain: unsupported nonlinearity \"" + std::string(nonlinearity) +
              "\" (use linear, conv*, sigmoid, tanh, relu, leaky_relu or selu)");
}

std::pair<std::int64_t, std::int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor) {
  check(tensor.dim() >= 2, "calculate_fan_in_and_fan_out",
        "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions, got shape ",
        tensor.sizes());
  std::int64_t receptive_field = 1;
  for (std::int64_t d = 2; d < tensor.dim(); ++d) receptive_field *= tensor.size(d);
  return {tensor.size(1) * receptive_field, tensor.size(0) * receptive_field};
}

std::tuple<std::int64_t, std::int64_t> _calculate_fan_in_and_fan_out(const Tensor& tensor) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  return {fan_in, fan_out};
}

Tensor uniform_(Tensor tensor, double low, double high) {
  check_floating_tensor("uniform_", tensor);
  check(low <= high, "uniform_", "lower bound ", low, " exceeds upper bound ", high);
  NoGradGuard no_grad;
  tensor.copy_(rand(tensor.sizes(), tensor.dtype()) * (high - low) + low);
  return tensor;
}

Tensor normal_(Tensor tensor, double mean, double std) {
  check_floating_tensor("normal_", tensor);
  check(std >= 0, "normal_", "std must be non-negative, got ", std);
  NoGradGuard no_grad;
  tensor.copy_(randn(tensor.sizes(), tensor.dtype()) * std + mean);
  return tensor;
}

// A uniform draw in [cdf(a), cdf(b)] mapped through the inverse normal CDF, clamped to [a, b] against
// rounding at the ends.
Tensor trunc_normal_(Tensor tensor, double mean, double std, double a, double b) {
  check_floating_tensor("trunc_normal_", tensor);
  check(std > 0, "trunc_normal_", "std must be positive, got ", std);
  check(a < b, "trunc_normal_", "lower bound a = ", a, " must be less than upper bound b = ", b);
  const double low = 2.0 * normal_cdf((a - mean) / std) - 1.0;
  const double high = 2.0 * normal_cdf((b - mean) / std) - 1.0;
  NoGradGuard no_grad;
  std::vector<double> values = rand(tensor.sizes(), kFloat64).to_vector<double>();
  for (double& v : values)
    v = std::clamp(mean + std * std::numbers::sqrt2 * erfinv(low + (high - low) * v), a, b);
  write_values(tensor, values);
  return tensor;
}

Tensor constant_(Tensor tensor, Scalar value) {
  NoGradGuard no_grad;
  tensor.fill_(value);
  return tensor;
}

Tensor zeros_(Tensor tensor) { return constant_(std::move(tensor), 0.0); }
Tensor ones_(Tensor tensor) { return constant_(std::move(tensor), 1.0); }

Tensor eye_(Tensor matrix) {
  check(matrix.dim() == 2, "eye_", "Only tensors with 2 dimensions are supported, got shape ",
        matrix.sizes());
  NoGradGuard no_grad;
  matrix.copy_(eye(matrix.size(0), matrix.size(1), kFloat64));
  return matrix;
}

Tensor dirac_(Tensor tensor, std::int64_t groups) {
  const std::int64_t rank = tensor.dim();
  check(rank >= 3 && rank <= 5, "dirac_", "Only tensors with 3, 4, or 5 dimensions are supported, got shape ",
        tensor.sizes());
  check(groups > 0, "dirac_", "groups must be positive, got ", groups);
  check(tensor.size(0) % groups == 0, "dirac_", "dim 0 must be divisible by groups: size ", tensor.size(0),
        ", groups ", groups);
  const std::int64_t out_per_group = tensor.size(0) / groups;
  const std::int64_t diagonal = std::min(out_per_group, tensor.size(1));
  std::vector<std::int64_t> strides(rank, 1);
  for (std::int64_t d = rank - 2; d >= 0; --d) strides[d] = strides[d + 1] * tensor.size(d + 1);
  std::int64_t center_offset = 0;
  for (std::int64_t d = 2; d < rank; ++d) center_offset += (tensor.size(d) / 2) * strides[d];
  std::vector<double> values(static_cast<std::size_t>(tensor.numel()), 0.0);
  for (std::int64_t g = 0; g < groups; ++g)
    for (std::int64_t c = 0; c < diagonal; ++c)
      values[(g * out_per_group + c) * strides[0] + c * strides[1] + center_offset] = 1.0;
  NoGradGuard no_grad;
  write_values(tensor, values);
  return tensor;
}

// Orthogonalize the columns of the taller orientation of a Gaussian matrix, so a wide weight gets
// orthonormal rows and a tall one orthonormal columns.
Tensor orthogonal_(Tensor tensor, double gain) {
  check(tensor.dim() >= 2, "orthogonal_", "Only tensors with 2 or more dimensions are supported, got shape ",
        tensor.sizes());
  check_floating_tensor("orthogonal_", tensor);
  if (tensor.numel() == 0) return tensor;
  const std::int64_t rows = tensor.size(0);
  const std::int64_t cols = tensor.numel() / rows;
  const bool wide = rows < cols;
  const std::int64_t tall_rows = wide ? cols : rows;
  const std::int64_t tall_cols = wide ? rows : cols;
  NoGradGuard no_grad;
  std::vector<double> flat = randn({rows, cols}, kFloat64).to_vector<double>();
  std::vector<double> tall(flat.size());
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) {
      const double v = flat[r * cols + c];
      if (wide)
        tall[c * rows + r] = v;
      else
        tall[r * cols + c] = v;
    }
  const std::vector<double> q = orthonormal_columns(std::move(tall), tall_rows, tall_cols);
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c)
      flat[r * cols + c] = gain * (wide ? q[c * rows + r] : q[r * cols + c]);
  write_values(tensor, flat);
  return tensor;
}

// Each column keeps a random ceil(sparsity * rows) of its entries at zero (PyTorch's rule).
Tensor sparse_(Tensor tensor, double sparsity, double std) {
  check(tensor.dim() == 2, "sparse_", "Only tensors with 2 dimensions are supported, got shape ",
        tensor.sizes());
  check(sparsity >= 0 && sparsity <= 1, "sparse_", "sparsity must be in [0, 1], got ", sparsity);
  check_floating_tensor("sparse_", tensor);
  const std::int64_t rows = tensor.size(0);
  const std::int64_t cols = tensor.size(1);
  const auto zeros_per_column = static_cast<std::int64_t>(std::ceil(sparsity * static_cast<double>(rows)));
  NoGradGuard no_grad;
  std::vector<double> values = randn({rows, cols}, kFloat64).to_vector<double>();
  for (double& v : values) v *= std;
  for (std::int64_t c = 0; c < cols; ++c) {
    const std::vector<std::int64_t> order = randperm(rows).to_vector<std::int64_t>();
    for (std::int64_t k = 0; k < zeros_per_column; ++k) values[order[k] * cols + c] = 0.0;
  }
  write_values(tensor, values);
  return tensor;
}

// Glorot: std = gain * sqrt(2 / (fan_in + fan_out)); the uniform bound is sqrt(3) * std.
Tensor xavier_uniform_(Tensor tensor, double gain) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  const double bound = std::sqrt(3.0) * gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  return uniform_(std::move(tensor), -bound, bound);
}

Tensor xavier_normal_(Tensor tensor, double gain) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  return normal_(std::move(tensor), 0.0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)));
}

// He: std = gain / sqrt(fan); the uniform bound is sqrt(3) * std.
Tensor kaiming_uniform_(Tensor tensor, double a, std::string_view mode, std::string_view nonlinearity) {
  const double std = calculate_gain(nonlinearity, a) / std::sqrt(fan("kaiming_uniform_", tensor, mode));
  const double bound = std::sqrt(3.0) * std;
  return uniform_(std::move(tensor), -bound, bound);
}

Tensor kaiming_normal_(Tensor tensor, double a, std::string_view mode, std::string_view nonlinearity) {
  const double std = calculate_gain(nonlinearity, a) / std::sqrt(fan("kaiming_normal_", tensor, mode));
  return normal_(std::move(tensor), 0.0, std);
}

Tensor kaiming_uniform_(Tensor tensor, double a, FanModeType mode, NonlinearityType nonlinearity) {
  return kaiming_uniform_(std::move(tensor), a, mode_name(mode), nonlinearity_name(nonlinearity));
}

Tensor kaiming_normal_(Tensor tensor, double a, FanModeType mode, NonlinearityType nonlinearity) {
  return kaiming_normal_(std::move(tensor), a, mode_name(mode), nonlinearity_name(nonlinearity));
}

}  // namespace tg::nn::init
