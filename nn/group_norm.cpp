#include <tapegrad/autograd/ops/group_norm.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/nn/functional/normalization.hpp>
#include <tapegrad/nn/group_norm.hpp>
#include <tapegrad/nn/init.hpp>

namespace tg::nn {

GroupNormImpl::GroupNormImpl(const GroupNormOptions& options) : options(options) {
  check(options.num_groups() > 0 && options.num_channels() % options.num_groups() == 0, "GroupNorm",
        "num_channels must be divisible by num_groups, got num_channels=", options.num_channels(),
        " and num_groups=", options.num_groups());
  reset();
}

void GroupNormImpl::reset() {
  if (options.affine()) {
    weight = register_parameter("weight", tg::empty({options.num_channels()}));
    bias = register_parameter("bias", tg::empty({options.num_channels()}));
  } else {
    weight = Tensor();
    bias = Tensor();
  }
  reset_parameters();
}

void GroupNormImpl::reset_parameters() {
  if (!options.affine()) return;
  init::ones_(weight);
  init::zeros_(bias);
}

Tensor GroupNormImpl::forward(const Tensor& input) {
  return functional::group_norm(
      input,
      functional::GroupNormFuncOptions(options.num_groups()).weight(weight).bias(bias).eps(options.eps()));
}

void GroupNormImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::GroupNorm(" << options.num_groups() << ", " << options.num_channels()
      << ", eps=" << options.eps() << ", affine=" << (options.affine() ? "true" : "false") << ")";
}

}  // namespace tg::nn
