#include <array>
#include <cctype>
#include <utility>

#include <tapegrad/autograd/core/cuda.hpp>
#include <tapegrad/autograd/core/device.hpp>
#include <tapegrad/autograd/core/error.hpp>

namespace tg {
namespace {

struct DeviceTypeNames {
  DeviceType type;
  std::string_view lower;
  std::string_view upper;
};

// In the order PyTorch lists them when a device string does not parse.
constexpr std::array<DeviceTypeNames, 20> kDeviceTypeNames{{
    {DeviceType::CPU, "cpu", "CPU"},          {DeviceType::CUDA, "cuda", "CUDA"},
    {DeviceType::IPU, "ipu", "IPU"},          {DeviceType::XPU, "xpu", "XPU"},
    {DeviceType::MKLDNN, "mkldnn", "MKLDNN"}, {DeviceType::OPENGL, "opengl", "OPENGL"},
    {DeviceType::OPENCL, "opencl", "OPENCL"}, {DeviceType::IDEEP, "ideep", "IDEEP"},
    {DeviceType::HIP, "hip", "HIP"},          {DeviceType::VE, "ve", "VE"},
    {DeviceType::FPGA, "fpga", "FPGA"},       {DeviceType::ORT, "ort", "ORT"},
    {DeviceType::XLA, "xla", "XLA"},          {DeviceType::Lazy, "lazy", "LAZY"},
    {DeviceType::Vulkan, "vulkan", "VULKAN"}, {DeviceType::MPS, "mps", "MPS"},
    {DeviceType::Meta, "meta", "META"},       {DeviceType::HPU, "hpu", "HPU"},
    {DeviceType::Metal, "metal", "METAL"},    {DeviceType::PrivateUse1, "privateuseone", "PRIVATEUSEONE"},
}};

std::string expected_type_names() {
  std::string names;
  for (const DeviceTypeNames& entry : kDeviceTypeNames) {
    if (entry.type == DeviceType::Metal) continue;  // PyTorch does not accept "metal" in a string
    if (!names.empty()) names += ", ";
    names += entry.lower;
  }
  return names;
}

DeviceType parse_type(std::string_view name, const std::string& whole) {
  for (const DeviceTypeNames& entry : kDeviceTypeNames)
    if (entry.lower == name && entry.type != DeviceType::Metal) return entry.type;
  throw Error("Device: Expected one of " + expected_type_names() +
              " device type at start of device string: " + whole);
}

// An index is decimal digits without a leading zero (PyTorch rejects "cuda:01") that fits DeviceIndex.
DeviceIndex parse_index(std::string_view digits, const std::string& whole) {
  const auto invalid = [&] { return Error("Device: Invalid device string: '" + whole + "'"); };
  if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) throw invalid();
  int index = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) throw invalid();
    index = index * 10 + (c - '0');
  }
  if (index > 127) throw invalid();
  return static_cast<DeviceIndex>(index);
}

}  // namespace

std::string DeviceTypeName(DeviceType type, bool lower_case) {
  for (const DeviceTypeNames& entry : kDeviceTypeNames)
    if (entry.type == type) return std::string(lower_case ? entry.lower : entry.upper);
  return "UNKNOWN_DEVICE_TYPE_" + std::to_string(static_cast<int>(type));
}

std::ostream& operator<<(std::ostream& out, DeviceType type) { return out << DeviceTypeName(type); }

Device::Device(DeviceType type, DeviceIndex index) : type_(type), index_(index) { validate(); }

Device::Device(const std::string& device_string) {
  const std::size_t colon = device_string.find(':');
  const std::string_view whole = device_string;
  check(!device_string.empty(), "Device", "Invalid device string: ''");
  type_ = parse_type(whole.substr(0, colon), device_string);
  if (colon != std::string::npos) index_ = parse_index(whole.substr(colon + 1), device_string);
  validate();
}

void Device::set_index(DeviceIndex index) {
  index_ = index;
  validate();
}

void Device::validate() const {
  check(index_ >= -1, "Device", "Device index must be -1 or non-negative, got ", int{index_});
  check(type_ != DeviceType::CPU || index_ <= 0, "Device", "CPU device index must be -1 or zero, got ",
        int{index_});
}

std::string Device::str() const {
  std::string out = DeviceTypeName(type_, /*lower_case=*/true);
  if (has_index()) {
    out += ':';
    out += std::to_string(int{index_});
  }
  return out;
}

std::ostream& operator<<(std::ostream& out, const Device& device) { return out << device.str(); }

}  // namespace tg

namespace tg::cuda {
void synchronize(std::int64_t device_index) {
  check(false, "cuda::synchronize", "No CUDA GPUs are available (tapegrad runs on CPU only; device index ",
        device_index, ")");
}
}  // namespace tg::cuda
