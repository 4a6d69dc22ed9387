#pragma once
// TensorOptions: dtype, device and requires_grad for factories, chained as in libtorch.
#include <concepts>
#include <string>

#include <tapegrad/autograd/core/device.hpp>
#include <tapegrad/autograd/core/dtype.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

class TensorOptions {
 public:
  TensorOptions() = default;
  TensorOptions(Dtype dtype) : dtype_(dtype), has_dtype_(true) {}
  /// Implicit from anything a Device is made of, as in libtorch: x.to(tg::kCPU), tg::zeros({2}, "cpu").
  TensorOptions(Device device) : device_(device), has_device_(true) {}
  TensorOptions(DeviceType type, DeviceIndex index = -1) : TensorOptions(Device(type, index)) {}
  /// "cpu", "cuda:1". A template so that a literal 0, which converts to std::string as a null pointer,
  /// does not: tg::tensor(values, {0}) means shape [0].
  template <class Text>
  requires std::convertible_to<const Text&, std::string> TensorOptions(const Text& device)
      : TensorOptions(Device(std::string(device))) {}

  TensorOptions dtype(Dtype dtype) const {
    TensorOptions copy = *this;
    copy.dtype_ = dtype;
    copy.has_dtype_ = true;
    return copy;
  }
  TensorOptions device(Device device) const {
    TensorOptions copy = *this;
    copy.device_ = device;
    copy.has_device_ = true;
    return copy;
  }
  TensorOptions device(DeviceType type, DeviceIndex index) const { return device(Device(type, index)); }
  /// A CUDA device with this index, as libtorch's TensorOptions::device_index.
  TensorOptions device_index(DeviceIndex index) const { return device(Device(DeviceType::CUDA, index)); }
  TensorOptions requires_grad(bool requires_grad) const {
    TensorOptions copy = *this;
    copy.requires_grad_ = requires_grad;
    return copy;
  }
  /// The dtype set, else the default dtype (tg::get_default_dtype()) at the time of the call.
  Dtype dtype() const { return has_dtype_ ? dtype_ : get_default_dtype(); }
  Device device() const { return device_; }
  std::int32_t device_index() const { return device_.index(); }
  bool requires_grad() const { return requires_grad_; }
  bool has_dtype() const { return has_dtype_; }
  bool has_device() const { return has_device_; }

 private:
  Dtype dtype_ = kFloat32;
  Device device_ = Device(DeviceType::CPU);
  bool requires_grad_ = false;
  bool has_dtype_ = false;
  bool has_device_ = false;
};

/// tg::dtype(tg::kFloat64).requires_grad(true), as torch::dtype(...).
inline TensorOptions dtype(Dtype dtype) { return TensorOptions(dtype); }
inline TensorOptions device(Device device) { return TensorOptions(device); }
/// A CUDA device with this index, as torch::device_index.
inline TensorOptions device_index(std::int16_t index) {
  return TensorOptions().device_index(static_cast<DeviceIndex>(index));
}
inline TensorOptions requires_grad(bool requires_grad = true) {
  return TensorOptions().requires_grad(requires_grad);
}

}  // namespace tg

#pragma GCC visibility pop
