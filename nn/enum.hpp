#pragma once
// libtorch's enum values (torch/enum.h): each is a value of its own empty type, so an options field
// can be a std::variant of exactly the modes it accepts, and `torch::kReflect` names one of them.
#include <string_view>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

namespace enumtype {
struct kConstant {};
struct kReflect {};
struct kReplicate {};
struct kCircular {};
}  // namespace enumtype

inline constexpr enumtype::kConstant kConstant{};
inline constexpr enumtype::kReflect kReflect{};
inline constexpr enumtype::kReplicate kReplicate{};
inline constexpr enumtype::kCircular kCircular{};

/// The name PyTorch's Python API uses for the value ("constant", "reflect", ...).
inline std::string_view enum_name(enumtype::kConstant) { return "constant"; }
inline std::string_view enum_name(enumtype::kReflect) { return "reflect"; }
inline std::string_view enum_name(enumtype::kReplicate) { return "replicate"; }
inline std::string_view enum_name(enumtype::kCircular) { return "circular"; }

// Nonlinearities and fan modes used by nn::init (calculate_gain, kaiming_*_).
namespace enumtype {
struct kLinear {};
struct kConv1D {};
struct kConv2D {};
struct kConv3D {};
struct kConvTranspose1D {};
struct kConvTranspose2D {};
struct kConvTranspose3D {};
struct kSigmoid {};
struct kTanh {};
struct kReLU {};
struct kGELU {};
struct kLeakyReLU {};
struct kFanIn {};
struct kFanOut {};
}  // namespace enumtype

inline constexpr enumtype::kLinear kLinear{};
inline constexpr enumtype::kConv1D kConv1D{};
inline constexpr enumtype::kConv2D kConv2D{};
inline constexpr enumtype::kConv3D kConv3D{};
inline constexpr enumtype::kConvTranspose1D kConvTranspose1D{};
inline constexpr enumtype::kConvTranspose2D kConvTranspose2D{};
inline constexpr enumtype::kConvTranspose3D kConvTranspose3D{};
inline constexpr enumtype::kSigmoid kSigmoid{};
inline constexpr enumtype::kTanh kTanh{};
inline constexpr enumtype::kReLU kReLU{};
inline constexpr enumtype::kGELU kGELU{};
inline constexpr enumtype::kLeakyReLU kLeakyReLU{};
inline constexpr enumtype::kFanIn kFanIn{};
inline constexpr enumtype::kFanOut kFanOut{};

inline std::string_view enum_name(enumtype::kLinear) { return "linear"; }
inline std::string_view enum_name(enumtype::kConv1D) { return "conv1d"; }
inline std::string_view enum_name(enumtype::kConv2D) { return "conv2d"; }
inline std::string_view enum_name(enumtype::kConv3D) { return "conv3d"; }
inline std::string_view enum_name(enumtype::kConvTranspose1D) { return "conv_transpose1d"; }
inline std::string_view enum_name(enumtype::kConvTranspose2D) { return "conv_transpose2d"; }
inline std::string_view enum_name(enumtype::kConvTranspose3D) { return "conv_transpose3d"; }
inline std::string_view enum_name(enumtype::kSigmoid) { return "sigmoid"; }
inline std::string_view enum_name(enumtype::kTanh) { return "tanh"; }
inline std::string_view enum_name(enumtype::kReLU) { return "relu"; }
inline std::string_view enum_name(enumtype::kGELU) { return "gelu"; }
inline std::string_view enum_name(enumtype::kLeakyReLU) { return "leaky_relu"; }
inline std::string_view enum_name(enumtype::kFanIn) { return "fan_in"; }
inline std::string_view enum_name(enumtype::kFanOut) { return "fan_out"; }

// Convolution padding modes and padding strings, interpolation modes, recurrent modes (nn/conv, nn/pooling,
// nn/upsampling, nn/rnn).
namespace enumtype {
struct kZeros {};
struct kSame {};
struct kValid {};
struct kNearest {};
struct kNearestExact {};
struct kBilinear {};
struct kBicubic {};
struct kTrilinear {};
struct kArea {};
struct kRNN_TANH {};
struct kRNN_RELU {};
struct kLSTM {};
struct kGRU {};
}  // namespace enumtype

inline constexpr enumtype::kZeros kZeros{};
inline constexpr enumtype::kSame kSame{};
inline constexpr enumtype::kValid kValid{};
inline constexpr enumtype::kNearest kNearest{};
inline constexpr enumtype::kNearestExact kNearestExact{};
inline constexpr enumtype::kBilinear kBilinear{};
inline constexpr enumtype::kBicubic kBicubic{};
inline constexpr enumtype::kTrilinear kTrilinear{};
inline constexpr enumtype::kArea kArea{};
inline constexpr enumtype::kRNN_TANH kRNN_TANH{};
inline constexpr enumtype::kRNN_RELU kRNN_RELU{};
inline constexpr enumtype::kLSTM kLSTM{};
inline constexpr enumtype::kGRU kGRU{};

inline std::string_view enum_name(enumtype::kZeros) { return "zeros"; }
inline std::string_view enum_name(enumtype::kSame) { return "same"; }
inline std::string_view enum_name(enumtype::kValid) { return "valid"; }
inline std::string_view enum_name(enumtype::kNearest) { return "nearest"; }
inline std::string_view enum_name(enumtype::kNearestExact) { return "nearest-exact"; }
inline std::string_view enum_name(enumtype::kBilinear) { return "bilinear"; }
inline std::string_view enum_name(enumtype::kBicubic) { return "bicubic"; }
inline std::string_view enum_name(enumtype::kTrilinear) { return "trilinear"; }
inline std::string_view enum_name(enumtype::kArea) { return "area"; }
inline std::string_view enum_name(enumtype::kRNN_TANH) { return "RNN_TANH"; }
inline std::string_view enum_name(enumtype::kRNN_RELU) { return "RNN_RELU"; }
inline std::string_view enum_name(enumtype::kLSTM) { return "LSTM"; }
inline std::string_view enum_name(enumtype::kGRU) { return "GRU"; }

}  // namespace tg

#pragma GCC visibility pop
