#pragma once
// Devices, named as in libtorch. tapegrad computes on the CPU only: a Device can name any of libtorch's
// device types (so `tg::Device d(tg::cuda::is_available() ? tg::kCUDA : tg::kCPU)` compiles and runs), but
// creating a tensor on, or moving one to, anything but the CPU throws tg::Error.
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

#include <tapegrad/autograd/core/error.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// libtorch's device types, with the same numbering.
enum class DeviceType : std::int8_t {
  CPU = 0,
  CUDA = 1,
  MKLDNN = 2,
  OPENGL = 3,
  OPENCL = 4,
  IDEEP = 5,
  HIP = 6,
  FPGA = 7,
  ORT = 8,
  XLA = 9,
  Vulkan = 10,
  Metal = 11,
  XPU = 12,
  MPS = 13,
  Meta = 14,
  HPU = 15,
  VE = 16,
  Lazy = 17,
  IPU = 18,
  PrivateUse1 = 19,
};

inline constexpr DeviceType kCPU = DeviceType::CPU;
inline constexpr DeviceType kCUDA = DeviceType::CUDA;
inline constexpr DeviceType kHIP = DeviceType::HIP;
inline constexpr DeviceType kFPGA = DeviceType::FPGA;
inline constexpr DeviceType kORT = DeviceType::ORT;
inline constexpr DeviceType kXLA = DeviceType::XLA;
inline constexpr DeviceType kMPS = DeviceType::MPS;
inline constexpr DeviceType kMeta = DeviceType::Meta;
inline constexpr DeviceType kVulkan = DeviceType::Vulkan;
inline constexpr DeviceType kMetal = DeviceType::Metal;
inline constexpr DeviceType kXPU = DeviceType::XPU;
inline constexpr DeviceType kHPU = DeviceType::HPU;
inline constexpr DeviceType kVE = DeviceType::VE;
inline constexpr DeviceType kLazy = DeviceType::Lazy;
inline constexpr DeviceType kIPU = DeviceType::IPU;
inline constexpr DeviceType kPrivateUse1 = DeviceType::PrivateUse1;

/// "cuda" (lower_case) or "CUDA", as c10::DeviceTypeName.
std::string DeviceTypeName(DeviceType type, bool lower_case = false);
/// Prints the upper-case name ("CPU", "CUDA"), as libtorch.
std::ostream& operator<<(std::ostream& out, DeviceType type);

/// -1 means "no index" (the current device of that type).
using DeviceIndex = std::int8_t;

class Device {
 public:
  using Type = DeviceType;

  /// Throws tg::Error for an index below -1, or a CPU index other than -1 and 0.
  Device(DeviceType type, DeviceIndex index = -1);
  /// Parses "cpu", "cuda", "cuda:1", ... (a type name in lower case, optionally ':' and an index).
  Device(const std::string& device_string);
  template <class Chars>
  requires std::same_as<Chars, const char*> || std::same_as<Chars, char*> Device(Chars device_string)
      : Device(std::string(device_string)) {}

  DeviceType type() const noexcept { return type_; }
  DeviceIndex index() const noexcept { return index_; }
  bool has_index() const noexcept { return index_ != -1; }
  void set_index(DeviceIndex index);
  bool is_cpu() const noexcept { return type_ == DeviceType::CPU; }
  bool is_cuda() const noexcept { return type_ == DeviceType::CUDA; }
  bool is_mps() const noexcept { return type_ == DeviceType::MPS; }
  bool is_hip() const noexcept { return type_ == DeviceType::HIP; }
  bool is_xpu() const noexcept { return type_ == DeviceType::XPU; }
  bool is_meta() const noexcept { return type_ == DeviceType::Meta; }
  /// "cpu", "cuda:1".
  std::string str() const;

  bool operator==(const Device& other) const noexcept = default;

 private:
  void validate() const;

  DeviceType type_;
  DeviceIndex index_ = -1;
};

std::ostream& operator<<(std::ostream& out, const Device& device);

#pragma GCC visibility push(hidden)  // library internals, not exported
namespace detail {
/// Throws tg::Error naming `op` unless `device` is the CPU: tapegrad has no other backend. Inline because
/// Cloneable<T>::clone, instantiated in user code, calls it.
inline void check_cpu_device(std::string_view op, const Device& device) {
  check(device.is_cpu(), op, "tapegrad runs on CPU only, so it cannot place a tensor on device ",
        device.str(), " (tg::cuda::is_available() is false); use tg::kCPU");
}
}  // namespace detail
#pragma GCC visibility pop

}  // namespace tg

template <>
struct std::hash<tg::Device> {
  std::size_t operator()(const tg::Device& device) const noexcept {
    const auto type = static_cast<std::uint8_t>(device.type());
    const auto index = static_cast<std::uint8_t>(device.index());
    return std::hash<std::uint32_t>{}(std::uint32_t{type} << 8 | index);
  }
};

#pragma GCC visibility pop
