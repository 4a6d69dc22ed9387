#include <span>
#include <string>

#include <tapegrad/nn/fold.hpp>
#include <tapegrad/nn/functional/fold.hpp>

namespace tg::nn {
namespace {

IntArrayRef ref(const ExpandingArray<2>& values) {
  return IntArrayRef(std::span<const std::int64_t>(*values));
}

// libtorch prints these as lists: "[2, 2]".
std::string printed(const ExpandingArray<2>& values) {
  std::string out = "[";
  out += std::to_string((*values)[0]);
  out += ", ";
  out += std::to_string((*values)[1]);
  return out + "]";
}

}  // namespace

namespace functional {
Tensor fold(const Tensor& input, const FoldFuncOptions& o) {
  tg::detail::check_defined("fold", "input", input);
  check(input.dim() == 2 || input.dim() == 3, "fold",
        "Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported (got ", input.dim(),
        "D)");
  return col2im(input, ref(o.output_size()), ref(o.kernel_size()), ref(o.dilation()), ref(o.padding()),
                ref(o.stride()));
}

Tensor unfold(const Tensor& input, const UnfoldFuncOptions& o) {
  tg::detail::check_defined("unfold", "input", input);
  check(input.dim() == 4, "unfold", "Input Error: Only 4D input Tensors are supported (got ", input.dim(),
        "D)");
  return im2col(input, ref(o.kernel_size()), ref(o.dilation()), ref(o.padding()), ref(o.stride()));
}
}  // namespace functional

Tensor FoldImpl::forward(const Tensor& input) { return functional::fold(input, options); }

void FoldImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::Fold(output_size=" << printed(options.output_size())
      << ", kernel_size=" << printed(options.kernel_size()) << ", dilation=" << printed(options.dilation())
      << ", padding=" << printed(options.padding()) << ", stride=" << printed(options.stride()) << ")";
}

Tensor UnfoldImpl::forward(const Tensor& input) { return functional::unfold(input, options); }

void UnfoldImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::Unfold(kernel_size=" << printed(options.kernel_size())
      << ", dilation=" << printed(options.dilation()) << ", padding=" << printed(options.padding())
      << ", stride=" << printed(options.stride()) << ")";
}

}  // namespace tg::nn
