#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/nn/flatten.hpp>

namespace tg::nn {

Tensor FlattenImpl::forward(const Tensor& input) { return flatten(input, start_dim, end_dim); }

}  // namespace tg::nn
