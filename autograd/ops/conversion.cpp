#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/conversion.hpp>

namespace tg {
using autograd::Node;
using autograd::record;

// A copy passes the gradient through unchanged (converted back to the input's dtype).
struct CopyBackward final : Node {
  std::string_view name_ = "CloneBackward";
  std::string_view name() const override { return name_; }
  tensor_list apply(tensor_list&& g) override {
    const Dtype source = input_meta()[0].dtype;
    return {g[0].dtype() == source ? g[0] : to(g[0], source)};
  }
};

namespace {
Tensor copy_of(std::string_view op, const Tensor& x, Dtype dtype, std::string_view node_name) {
  Tensor out = detail::make_contiguous(x.sizes(), dtype, op);
  kernels::copy(out, x, op);
  if (is_floating_point(dtype))
    if (auto* node = record<CopyBackward>({x}, {out})) node->name_ = node_name;
  return out;
}
}  // namespace

Tensor clone(const Tensor& x) {
  detail::check_defined("clone", "input", x);
  return copy_of("clone", x, x.dtype(), "CloneBackward");
}

Tensor contiguous(const Tensor& x) {
  detail::check_defined("contiguous", "input", x);
  return x.is_contiguous() ? x : copy_of("contiguous", x, x.dtype(), "CloneBackward");
}

Tensor to(const Tensor& x, Dtype dtype) {
  detail::check_defined("to", "input", x);
  if (x.dtype() == dtype) return x;
  return copy_of("to", x, dtype, "ToCopyBackward");
}

Tensor Tensor::clone() const { return tg::clone(*this); }
Tensor Tensor::contiguous() const { return tg::contiguous(*this); }

// ---- Tensor::to overloads and device moves (device helper's block)
namespace {
Tensor converted(std::string_view op, const Tensor& self, std::optional<Device> device, Dtype dtype,
                 bool copy) {
  detail::check_defined(op, "self", self);
  if (device) detail::check_cpu_device(op, *device);
  if (self.dtype() != dtype) return tg::to(self, dtype);
  return copy ? tg::clone(self) : self;
}
std::optional<Device> device_of(const TensorOptions& options) {
  return options.has_device() ? std::optional<Device>(options.device()) : std::nullopt;
}
}  // namespace

Tensor Tensor::to(TensorOptions options, bool /*non_blocking*/, bool copy) const {
  check(!options.requires_grad(), "to",
        "to(options) expects unset requires_grad flag, but got options.requires_grad set as true");
  return converted("to", *this, device_of(options), options.has_dtype() ? options.dtype() : dtype(), copy);
}
Tensor Tensor::to(Device device, Dtype dtype, bool /*non_blocking*/, bool copy) const {
  return converted("to", *this, device, dtype, copy);
}
Tensor Tensor::to(Dtype dtype, bool /*non_blocking*/, bool copy) const {
  return converted("to", *this, std::nullopt, dtype, copy);
}
Tensor Tensor::to(const Tensor& other, bool /*non_blocking*/, bool copy) const {
  detail::check_defined("to", "other", other);
  return converted("to", *this, other.device(), other.dtype(), copy);
}
Tensor Tensor::cpu() const { return converted("cpu", *this, Device(kCPU), dtype(), false); }
Tensor Tensor::cuda() const { return converted("cuda", *this, Device(kCUDA), dtype(), false); }

}  // namespace tg
