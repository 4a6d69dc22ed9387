#pragma once
// libtorch's enum values (torch/enum.h): each is a value of its own empty type, so an options field
// can be a std::variant of exactly the modes it accepts, and `torch::kReflect` names one of them.
#include <string_view>

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

}  // namespace tg
