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
Tensor Tensor::to(Dtype dtype) const { return tg::to(*this, dtype); }

}  // namespace tg
