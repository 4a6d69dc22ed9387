#include <tapegrad/nn/functional/instancenorm.hpp>
#include <tapegrad/nn/instancenorm.hpp>

namespace tg::nn {

template <std::size_t D, class Derived>
Tensor InstanceNormImpl<D, Derived>::forward(const Tensor& input) {
  this->_check_input_dim(input);
  const InstanceNormOptions& o = this->options;
  const auto normalize = [&](const Tensor& batched) {
    return functional::instance_norm(batched,
                                     functional::InstanceNormFuncOptions()
                                         .running_mean(this->running_mean)
                                         .running_var(this->running_var)
                                         .weight(this->weight)
                                         .bias(this->bias)
                                         .use_input_stats(this->is_training() || !o.track_running_stats())
                                         .momentum(o.momentum())
                                         .eps(o.eps()));
  };
  // D + 1 dims: one sample without its batch dim.
  if (input.dim() == static_cast<std::int64_t>(D) + 1) return normalize(input.unsqueeze(0)).squeeze(0);
  return normalize(input);
}

template <std::size_t D, class Derived>
void InstanceNormImpl<D, Derived>::pretty_print(std::ostream& out) const {
  const InstanceNormOptions& o = this->options;
  out << "torch::nn::InstanceNorm" << D << "d(" << o.num_features() << ", eps=" << o.eps()
      << ", momentum=" << o.momentum() << ", affine=" << (o.affine() ? "true" : "false")
      << ", track_running_stats=" << (o.track_running_stats() ? "true" : "false") << ")";
}

template class InstanceNormImpl<1, InstanceNorm1dImpl>;
template class InstanceNormImpl<2, InstanceNorm2dImpl>;
template class InstanceNormImpl<3, InstanceNorm3dImpl>;

void InstanceNorm1dImpl::_check_input_dim(const Tensor& input) const {
  check(input.dim() == 2 || input.dim() == 3, "InstanceNorm1d", "expected 2D or 3D input (got ", input.dim(),
        "D input)");
}

void InstanceNorm2dImpl::_check_input_dim(const Tensor& input) const {
  check(input.dim() == 3 || input.dim() == 4, "InstanceNorm2d", "expected 3D or 4D input (got ", input.dim(),
        "D input)");
}

void InstanceNorm3dImpl::_check_input_dim(const Tensor& input) const {
  check(input.dim() == 4 || input.dim() == 5, "InstanceNorm3d", "expected 4D or 5D input (got ", input.dim(),
        "D input)");
}

}  // namespace tg::nn
