#pragma once
// TensorOptions: dtype and requires_grad for factories, chained as in libtorch.
#include <tapegrad/autograd/core/dtype.hpp>

namespace tg {

class TensorOptions {
 public:
  TensorOptions() = default;
  TensorOptions(Dtype dtype) : dtype_(dtype), has_dtype_(true) {}

  TensorOptions dtype(Dtype dtype) const {
    TensorOptions copy = *this;
    copy.dtype_ = dtype;
    copy.has_dtype_ = true;
    return copy;
  }
  TensorOptions requires_grad(bool requires_grad) const {
    TensorOptions copy = *this;
    copy.requires_grad_ = requires_grad;
    return copy;
  }
  /// The dtype set, else the default dtype (tg::get_default_dtype()) at the time of the call.
  Dtype dtype() const { return has_dtype_ ? dtype_ : get_default_dtype(); }
  bool requires_grad() const { return requires_grad_; }
  bool has_dtype() const { return has_dtype_; }

 private:
  Dtype dtype_ = kFloat32;
  bool requires_grad_ = false;
  bool has_dtype_ = false;
};

/// tg::dtype(tg::kFloat64).requires_grad(true), as torch::dtype(...).
inline TensorOptions dtype(Dtype dtype) { return TensorOptions(dtype); }
inline TensorOptions requires_grad(bool requires_grad = true) {
  return TensorOptions().requires_grad(requires_grad);
}

}  // namespace tg
