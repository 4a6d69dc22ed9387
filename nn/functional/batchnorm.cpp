#include <tapegrad/autograd/ops/batch_norm.hpp>
#include <tapegrad/nn/functional/batchnorm.hpp>

namespace tg::nn::functional {

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options) {
  tg::detail::check_defined("batch_norm", "input", input);
  if (options.training() && input.dim() >= 2) {
    // One value per channel has no variance to normalize by.
    std::int64_t values_per_channel = input.dim() > 0 ? input.size(0) : 0;
    for (std::int64_t d = 2; d < input.dim(); ++d) values_per_channel *= input.size(d);
    check(values_per_channel != 1, "batch_norm",
          "Expected more than 1 value per channel when training, got input size ", input.sizes());
  }
  check(
      options.momentum().has_value(), "batch_norm",
      "momentum must be set (BatchNormFuncOptions().momentum(0.1)); the cumulative average of momentum=None "
      "needs a batch count, which BatchNorm modules keep");
  return tg::batch_norm(input, options.weight(), options.bias(), running_mean, running_var,
                        options.training(), *options.momentum(), options.eps());
}

}  // namespace tg::nn::functional
