#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/nn/flatten.hpp>

namespace tg::nn {

Tensor FlattenImpl::forward(const Tensor& input) {
  return flatten(input, options.start_dim(), options.end_dim());
}
void FlattenImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::Flatten(start_dim=" << options.start_dim() << ", end_dim=" << options.end_dim() << ")";
}

Tensor UnflattenImpl::forward(const Tensor& input) { return input.unflatten(options.dim(), options.sizes()); }
void UnflattenImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::Unflatten(dim=" << options.dim() << ", unflattened_size={";
  for (std::size_t i = 0; i < options.sizes().size(); ++i) out << (i ? ", " : "") << options.sizes()[i];
  out << "})";
}

}  // namespace tg::nn
