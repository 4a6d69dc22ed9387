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

}  // namespace tg

#pragma GCC visibility pop
