#include <cstring>
#include <span>

#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/ops/linear.hpp>
#include <tapegrad/autograd/ops/matmul.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/shape.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

// ---- linear: with G = dL/dy as [N, out] and X as [N, in]:
// dX = G·W, dW = Gᵀ·X, db = column sums of G. Gᵀ and the views are strided, never copied.
namespace {
// The rows of an input [..., in_features]: the product of the leading sizes (not numel / in_features,
// which has no answer when in_features is 0; and -1 in a reshape cannot stand for it either).
std::int64_t leading_rows(IntArrayRef sizes) {
  return shape_numel(IntArrayRef(std::span<const std::int64_t>(sizes.begin(), sizes.size() - 1)));
}
}  // namespace

struct LinearBackward final : Node {
  SavedTensor x, weight;
  std::string_view name() const override { return "LinearBackward"; }
  void release_saved() override {
    x.reset();
    weight.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    const Shape& x_sizes = input_meta()[0].sizes;
    const std::int64_t features_out = input_meta()[1].sizes[0];
    const std::int64_t rows = leading_rows(x_sizes);
    Tensor grad = g[0].reshape({rows, features_out});
    tensor_list out(3);
    if (needs_input_grad(0)) out[0] = mm(grad, weight.unpack(*this)).reshape(x_sizes);
    if (needs_input_grad(1)) out[1] = mm(t(grad), x.unpack(*this).reshape({rows, x_sizes.back()}));
    if (needs_input_grad(2)) out[2] = sum(grad, {0});
    return out;
  }
};

namespace {

// weight_t: weightᵀ for the forward product, a view of weight unless the caller has a faster copy.
Tensor linear_impl(const Tensor& x, const Tensor& weight, const Tensor& bias,
                   const Tensor& forward_weight_t) {
  detail::check_floating("linear", "input", x);
  detail::check_floating("linear", "weight", weight);
  check(weight.dim() == 2, "linear", "weight must be 2-D [out_features, in_features], got ", weight.sizes());
  check(x.dim() >= 1, "linear", "input must have at least one dim, got a 0-d tensor");
  check(x.size(-1) == weight.size(1), "linear", "input of shape ", x.sizes(), " has ", x.size(-1),
        " features but weight of shape ", weight.sizes(), " expects ", weight.size(1));
  check(x.dtype() == weight.dtype(), "linear", "input is ", x.dtype(), " but weight is ", weight.dtype());
  if (bias.defined()) {
    check(bias.dim() == 1 && bias.size(0) == weight.size(0), "linear", "bias must have shape [",
          weight.size(0), "] for weight of shape ", weight.sizes(), ", got ", bias.sizes());
    check(bias.dtype() == x.dtype(), "linear", "bias is ", bias.dtype(), " but input is ", x.dtype());
  }
  const std::int64_t features_in = weight.size(1), features_out = weight.size(0);
  const std::int64_t rows = leading_rows(x.sizes());
  Tensor x2 = x.dim() == 2 ? x : x.detach().contiguous().reshape({rows, features_in});
  Tensor out = detail::make_contiguous({rows, features_out}, x.dtype());
  if (bias.defined()) {
    Tensor b = bias.contiguous();
    const std::size_t row_bytes = static_cast<std::size_t>(features_out) * element_size(x.dtype());
    for (std::int64_t r = 0; r < rows; ++r)
      std::memcpy(static_cast<char*>(out.raw_data()) + r * static_cast<std::int64_t>(row_bytes), b.raw_data(),
                  row_bytes);
  }
  Tensor w = weight.detach();
  Tensor weight_t =
      forward_weight_t.defined()
          ? forward_weight_t.detach()
          : detail::make_view(w, {features_in, features_out}, {w.stride(1), w.stride(0)}, w.storage_offset());
  detail::gemm_into(out, x2, weight_t, bias.defined() ? 1.0 : 0.0);
  if (x.dim() != 2) {
    Shape sizes = x.sizes();
    sizes.back() = features_out;
    out = detail::make_view(out, sizes, contiguous_strides(sizes), 0);
  }
  if (auto* node = record<LinearBackward>({x, weight, bias}, {out})) {
    if (node->needs_input_grad(1)) node->x = SavedTensor(x, false);
    if (node->needs_input_grad(0)) node->weight = SavedTensor(weight, false);
  }
  return out;
}

}  // namespace

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  return linear_impl(x, weight, bias, {});
}

Tensor linear_pretransposed(const Tensor& x, const Tensor& weight, const Tensor& weight_t,
                            const Tensor& bias) {
  detail::check_defined("linear_pretransposed", "weight", weight);
  detail::check_defined("linear_pretransposed", "weight_t", weight_t);
  check(weight.dim() == 2 && weight_t.dim() == 2 && weight_t.size(0) == weight.size(1) &&
            weight_t.size(1) == weight.size(0),
        "linear_pretransposed", "weight_t must have the transposed shape of weight ", weight.sizes(),
        ", got ", weight_t.sizes());
  check(weight_t.dtype() == weight.dtype(), "linear_pretransposed", "weight_t is ", weight_t.dtype(),
        " but weight is ", weight.dtype());
  return linear_impl(x, weight, bias, weight_t);
}

}  // namespace tg
