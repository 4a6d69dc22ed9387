#include <tapegrad/nn/batchnorm.hpp>
#include <tapegrad/nn/functional/batchnorm.hpp>

namespace tg::nn {

template <std::size_t D, class Derived>
Tensor BatchNormImplBase<D, Derived>::forward(const Tensor& input) {
  this->_check_input_dim(input);
  const BatchNormOptions& o = this->options;
  // momentum None: the cumulative moving average, each batch weighted 1 / (batches seen so far).
  double average_factor = o.momentum().value_or(0.0);
  if (this->is_training() && o.track_running_stats() && this->num_batches_tracked.defined()) {
    NoGradGuard no_grad;
    this->num_batches_tracked.add_(1);
    if (!o.momentum()) average_factor = 1.0 / this->num_batches_tracked.template item<double>();
  }
  return functional::batch_norm(input, this->running_mean, this->running_var,
                                functional::BatchNormFuncOptions()
                                    .weight(this->weight)
                                    .bias(this->bias)
                                    .training(this->is_training() || !o.track_running_stats())
                                    .momentum(average_factor)
                                    .eps(o.eps()));
}

template <std::size_t D, class Derived>
void BatchNormImplBase<D, Derived>::pretty_print(std::ostream& out) const {
  const BatchNormOptions& o = this->options;
  out << "torch::nn::BatchNorm" << D << "d(" << o.num_features() << ", eps=" << o.eps() << ", momentum=";
  if (o.momentum())
    out << *o.momentum();
  else
    out << "None";
  out << ", affine=" << (o.affine() ? "true" : "false")
      << ", track_running_stats=" << (o.track_running_stats() ? "true" : "false") << ")";
}

template class BatchNormImplBase<1, BatchNorm1dImpl>;
template class BatchNormImplBase<2, BatchNorm2dImpl>;
template class BatchNormImplBase<3, BatchNorm3dImpl>;

void BatchNorm1dImpl::_check_input_dim(const Tensor& input) const {
  check(input.dim() == 2 || input.dim() == 3, "BatchNorm1d", "expected 2D or 3D input (got ", input.dim(),
        "D input)");
}

void BatchNorm2dImpl::_check_input_dim(const Tensor& input) const {
  check(input.dim() == 4, "BatchNorm2d", "expected 4D input (got ", input.dim(), "D input)");
}

void BatchNorm3dImpl::_check_input_dim(const Tensor& input) const {
  check(input.dim() == 5, "BatchNorm3d", "expected 5D input (got ", input.dim(), "D input)");
}

}  // namespace tg::nn
