#pragma once
// Parameter initializers (tg::nn::init), with libtorch 1.13's signatures and PyTorch's formulas and
// defaults. They write in place under NoGradGuard and draw from the generator seeded by tg::manual_seed.
// Each takes the tensor by value (a handle to the same storage) and returns it, as libtorch does.
#include <cstdint>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/enum.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::init {

using NonlinearityType =
    std::variant<enumtype::kLinear, enumtype::kConv1D, enumtype::kConv2D, enumtype::kConv3D,
                 enumtype::kConvTranspose1D, enumtype::kConvTranspose2D, enumtype::kConvTranspose3D,
                 enumtype::kSigmoid, enumtype::kTanh, enumtype::kReLU, enumtype::kLeakyReLU>;
using FanModeType = std::variant<enumtype::kFanIn, enumtype::kFanOut>;

/// Recommended gain for a nonlinearity; param is the negative slope of kLeakyReLU.
double calculate_gain(NonlinearityType nonlinearity, double param = 0.01);
/// PyTorch's Python spelling: "linear", "conv2d", "sigmoid", "tanh", "relu", "leaky_relu", "selu".
double calculate_gain(std::string_view nonlinearity, double param = 0.01);
/// (fan_in, fan_out) of a weight of rank >= 2: size(1) * receptive field, size(0) * receptive field.
std::pair<std::int64_t, std::int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor);
/// libtorch's name for calculate_fan_in_and_fan_out.
std::tuple<std::int64_t, std::int64_t> _calculate_fan_in_and_fan_out(const Tensor& tensor);

Tensor uniform_(Tensor tensor, double low = 0, double high = 1);
Tensor normal_(Tensor tensor, double mean = 0, double std = 1);
/// Normal(mean, std) restricted to [a, b], drawn by inverting the normal CDF (PyTorch's method).
Tensor trunc_normal_(Tensor tensor, double mean = 0, double std = 1, double a = -2, double b = 2);
Tensor constant_(Tensor tensor, Scalar value);
Tensor zeros_(Tensor tensor);
Tensor ones_(Tensor tensor);
/// Identity of a 2-d matrix (ones on the main diagonal of a non-square one).
Tensor eye_(Tensor matrix);
/// Convolution weight of rank 3, 4 or 5 that passes its input channels through unchanged; with groups,
/// each of the `groups` blocks of output channels gets its own identity.
Tensor dirac_(Tensor tensor, std::int64_t groups = 1);
/// A (semi-)orthogonal matrix times gain; dimensions after the first are flattened.
Tensor orthogonal_(Tensor tensor, double gain = 1.0);
/// 2-d matrix with N(0, std) entries, `sparsity` of each column's entries set to zero.
Tensor sparse_(Tensor tensor, double sparsity, double std = 0.01);
Tensor xavier_uniform_(Tensor tensor, double gain = 1.0);
Tensor xavier_normal_(Tensor tensor, double gain = 1.0);
/// a is the negative slope used with kLeakyReLU.
Tensor kaiming_uniform_(Tensor tensor, double a = 0, FanModeType mode = tg::kFanIn,
                        NonlinearityType nonlinearity = tg::kLeakyReLU);
Tensor kaiming_normal_(Tensor tensor, double a = 0, FanModeType mode = tg::kFanIn,
                       NonlinearityType nonlinearity = tg::kLeakyReLU);
/// PyTorch's Python spelling: mode "fan_in" or "fan_out", nonlinearity as calculate_gain's.
Tensor kaiming_uniform_(Tensor tensor, double a, std::string_view mode,
                        std::string_view nonlinearity = "leaky_relu");
Tensor kaiming_normal_(Tensor tensor, double a, std::string_view mode,
                       std::string_view nonlinearity = "leaky_relu");

}  // namespace tg::nn::init

#pragma GCC visibility pop
