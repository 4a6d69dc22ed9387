#include <tapegrad/autograd/ops/batch_norm.hpp>
#include <tapegrad/nn/functional/instancenorm.hpp>

namespace tg::nn::functional {

Tensor instance_norm(const Tensor& input, const InstanceNormFuncOptions& options) {
  return tg::instance_norm(input, options.weight(), options.bias(), options.running_mean(),
                           options.running_var(), options.use_input_stats(), options.momentum(),
                           options.eps());
}

}  // namespace tg::nn::functional
